// MLS interoperability through the real server: the web client's engine (ts-mls,
// src/client/mls/engine.ts, driven here as the browser drives it) and the Rust
// client's (openmls 0.9, confab_client::e2ee::Device in `confab-testkit mls-peer`)
// share encrypted rooms: each joins the other's groups from the other's Welcome,
// processes the other's commits, decrypts the other's messages, and both derive the
// same exporter secret in every epoch.
//
// Run: `cd web && CONFAB_TESTKIT_BIN=… CONFAB_BIN=… npm run interop` (without them,
// the cargo build in $CARGO_TARGET_DIR or target/). One server for the file; each
// scenario has its own users and rooms:
// 1. openmls creates the group, the ts-mls device joins from its Welcome;
// 2. ts-mls creates the group (the server parses its commit), openmls joins;
// 3. commits both ways: adds and removals by each, processed by the other; a
//    removed device reads nothing after; new devices fill blank leaves; an empty
//    ts-mls commit;
// 4. the same plaintext gives ciphertexts of the same length (32-byte blocks);
// 5. ts-mls last-resort key packages added by openmls; a Welcome for three
//    devices; messages of a past epoch read after a commit;
// 6. (expected to fail: a Rust-side bug) openmls adds by an openmls last-resort
//    key package;
// 7. racing commits: openmls wins, ts-mls processes the winner;
// 8. both keep exactly 5 past epochs;
// 9. encrypted files both ways: the web client's AES-GCM (src/client/encryptedFiles.ts)
//    and content shape opened byte for byte by the Rust client, and the reverse; the
//    server keeps only ciphertext typed `application/vnd.confab.encrypted`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlsEngine, MlsEpochError, MlsRemovedError, PADDING_BLOCK, wireInfo } from '../src/client/mls/engine';
import { fromBase64, toBase64 } from '../src/client/mls/identity';
import { encodeContent, parseContent } from '../src/client/e2eeView';
import { decryptFile, describeFile, encryptFile } from '../src/client/encryptedFiles';
import { RustPeer, startServer, type Server } from './processes';
import { PASSWORD, WebDevice, deviceKeyLookup, encryptedRoom, signIn, signUp, type Session } from './web-device';

const LABEL = 'confab interop';

let server: Server;
const peers: RustPeer[] = [];
let counter = 0;

/** A username unique to this run. */
function name(base: string): string {
  counter += 1;
  return `${base}${counter}`;
}

/** A user whose device is an OpenMLS peer signed in as its own session. */
async function rustUser(base: string): Promise<{ session: Session; peer: RustPeer }> {
  const session = await signUp(server.url, name(base));
  const peer = new RustPeer(session.username);
  peers.push(peer);
  await peer.signIn(server.url, session.username, PASSWORD);
  expect(peer.userId).toBe(session.userId);
  expect(peer.deviceId).not.toBe(session.sessionId);
  return { session, peer };
}

/** A user whose device is a ts-mls engine on its sign-up session. */
async function webUser(base: string): Promise<WebDevice> {
  return new WebDevice(await signUp(server.url, name(base)));
}

/** Every device derives the same exporter secret, in the same epoch. */
async function expectSameSecret(roomId: number, web: WebDevice[], rust: RustPeer[], epoch: number): Promise<Uint8Array> {
  const secrets: { who: string; epoch: number; secret: string }[] = [];
  for (const w of web) {
    const s = await w.exportSecret(roomId, LABEL, 32);
    secrets.push({ who: `web ${w.session.sessionId}`, epoch: Number(s.epoch), secret: toBase64(s.secret) });
  }
  for (const r of rust) {
    const s = await r.exportSecret(roomId, LABEL, 32);
    secrets.push({ who: `rust ${r.deviceId}`, epoch: s.epoch, secret: toBase64(s.secret) });
  }
  const first = secrets[0]!;
  expect(fromBase64(first.secret)).toHaveLength(32);
  for (const s of secrets) expect({ ...s, who: first.who }, s.who).toEqual({ ...first, epoch });
  return fromBase64(first.secret);
}

/**
 * Padded as openmls pads (`padding_size(32)`): content plus AEAD tag, the whole
 * ciphertext, fills 32-byte blocks, so lengths do not tell the implementations apart.
 */
function expectPadded(ciphertext: Uint8Array): void {
  const info = wireInfo(ciphertext);
  expect(info.wireFormat).toBe('private_message');
  if (info.wireFormat !== 'private_message') return;
  expect(info.contentType).toBe('application');
  expect(info.ciphertextLength % PADDING_BLOCK, `ciphertext of ${info.ciphertextLength} bytes`).toBe(0);
  expect(info.ciphertextLength).toBeGreaterThanOrEqual(PADDING_BLOCK * 3); // content, 64-byte signature, tag
}

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  for (const peer of peers) await peer.stop();
  if (!server) return;
  const code = await server.stop();
  if (process.env.INTEROP_SERVER_LOG) console.log(server.log());
  expect(server.log()).not.toMatch(/"level":"(ERROR|WARN)"|panicked/);
  expect(code).toBe(0);
});

describe('MLS between ts-mls (web) and openmls (Rust) through the server', () => {
  it('1: the web device joins a group openmls created, and both read each other', async () => {
    const web = await webUser('alice');
    const { session: bob, peer } = await rustUser('bob');
    const room = await encryptedRoom(web.session, [bob]);
    await web.register(3);
    await peer.register(3);

    // openmls creates the group and adds the web device in its first commit.
    expect(await peer.createGroup(room)).toBe(1);
    const state = await web.serverGroup(room);
    expect(state.epoch).toBe(1);
    expect(state.members.map((m) => [m.user_id, m.device_id]).sort()).toEqual(
      [
        [bob.userId, peer.deviceId],
        [web.session.userId, web.session.sessionId],
      ].sort(),
    );
    expect(state.to_add).toEqual([]);

    // The web device joins from openmls's Welcome and deletes it.
    expect(await web.join()).toEqual([room]);
    expect((await web.api.get<{ welcomes: unknown[] }>('/mls/welcomes')).welcomes).toEqual([]);
    expect(web.epoch(room)).toBe(1n);
    const members = web.engine.members(web.group(room));
    expect(members.map((m) => [m.leafIndex, m.userId, m.deviceId])).toEqual([
      [0, bob.userId, peer.deviceId],
      [1, web.session.userId, web.session.sessionId],
    ]);
    expect(web.engine.ownLeafIndex(web.group(room))).toBe(1);

    // Messages both ways, of lengths around the padding block.
    const fromRust = ['Bob (openmls): the launch moves to Thursday', 'я возьму ключи', '', 'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(97)];
    const fromWeb = ['Alice (ts-mls): bring the signed NDA', '会議室は三階です', '', 'a'.repeat(31), 'b'.repeat(32), 'c'.repeat(97)];
    for (let i = 0; i < fromRust.length; i++) {
      await peer.send(room, fromRust[i]!);
      await web.send(room, fromWeb[i]!);
    }
    const readByWeb = await web.read(room);
    expect(readByWeb.map((m) => m.text)).toEqual(fromRust);
    for (const m of readByWeb) expect([m.userId, m.deviceId, m.epoch]).toEqual([bob.userId, peer.deviceId, 1n]);
    const readByRust = await peer.read(room);
    expect(readByRust.map((m) => m.text)).toEqual(fromWeb);
    for (const m of readByRust) expect([m.userId, m.deviceId]).toEqual([web.session.userId, web.session.sessionId]);

    // Both implementations pad application messages to 32-byte blocks (and see 4).
    const events = await web.messageEvents(room);
    expect(events).toHaveLength(fromRust.length + fromWeb.length);
    for (const event of events) {
      expectPadded(fromBase64((event.content as { body: { ciphertext: string } }).body.ciphertext));
    }

    await expectSameSecret(room, [web], [peer], 1);
  });

  it('2: openmls joins a group ts-mls created; the server accepts ts-mls commits', async () => {
    const web = await webUser('carol');
    const { session: dave, peer } = await rustUser('dave');
    const room = await encryptedRoom(dave, [web.session]);
    await web.register(2);
    await peer.register(2);

    // ts-mls creates the group and adds openmls's device: the server parsed its
    // PublicMessage commit and the Add's key package, and keeps the Welcome.
    await web.createGroup(room);
    expect(web.epoch(room)).toBe(1n);
    const state = await web.serverGroup(room);
    expect(state.epoch).toBe(1);
    expect(state.members).toEqual([
      { leaf_index: 0, user_id: web.session.userId, device_id: web.session.sessionId },
      { leaf_index: 1, user_id: dave.userId, device_id: peer.deviceId },
    ]);
    const [commit] = await web.commitsAfter(room, 0n);
    expect(commit?.content).toMatchObject({
      type: 'mls_commit',
      epoch: 1,
      device_id: web.session.sessionId,
      added: [{ leaf_index: 1, user_id: dave.userId, device_id: peer.deviceId }],
    });

    // openmls joins from ts-mls's Welcome (its ratchet tree in the GroupInfo).
    expect(await peer.join()).toEqual([room]);
    await expectSameSecret(room, [web], [peer], 1);

    const fromWeb = ['Carol (ts-mls): the password is on the yellow note', 'second, after the first'];
    for (const text of fromWeb) await web.send(room, text);
    const fromRust = 'Dave (openmls): got it, shredding the note';
    await peer.send(room, fromRust);
    expect((await peer.read(room)).map((m) => [m.text, m.userId, m.deviceId])).toEqual(fromWeb.map((t) => [t, web.session.userId, web.session.sessionId]));
    expect((await web.read(room)).map((m) => [m.text, m.userId, m.deviceId])).toEqual([[fromRust, dave.userId, peer.deviceId]]);
    for (const event of await web.messageEvents(room)) expectPadded(fromBase64((event.content as { body: { ciphertext: string } }).body.ciphertext));
  });

  it('3: commits both ways; a device removed by openmls cannot read what follows', async () => {
    const alice = await webUser('alice');
    const erin = await webUser('erin');
    const { session: bob, peer: bobPeer } = await rustUser('bob');
    const { session: frank, peer: frankPeer } = await rustUser('frank');
    const room = await encryptedRoom(alice.session, [erin.session, bob, frank]);
    await alice.register(2);
    await erin.register(2);
    await bobPeer.register(2);

    // openmls creates the group: both web devices join (frank has no device yet).
    expect(await bobPeer.createGroup(room)).toBe(1);
    expect(await alice.join()).toEqual([room]);
    expect(await erin.join()).toEqual([room]);
    await expectSameSecret(room, [alice, erin], [bobPeer], 1);

    // Frank's openmls device appears; ts-mls adds it, openmls processes the commit.
    await frankPeer.register(2);
    expect((await alice.serverGroup(room)).to_add).toEqual([{ user_id: frank.userId, device_id: frankPeer.deviceId }]);
    const added = await alice.addMissing(room);
    expect(added?.content).toMatchObject({ type: 'mls_commit', epoch: 2, device_id: alice.session.sessionId });
    expect(alice.epoch(room)).toBe(2n);
    expect(await bobPeer.catchUp(room)).toBe(2);
    expect(await frankPeer.join()).toEqual([room]);
    expect(await erin.catchUp(room)).toBe(2n);
    await expectSameSecret(room, [alice, erin], [bobPeer, frankPeer], 2);

    const seqBefore = await frankPeer.send(room, 'Frank (openmls, added by ts-mls): hello all');
    expect((await alice.read(room)).map((m) => m.text)).toEqual(['Frank (openmls, added by ts-mls): hello all']);
    expect((await erin.read(room)).map((m) => m.text)).toEqual(['Frank (openmls, added by ts-mls): hello all']);
    expect((await bobPeer.read(room)).map((m) => [m.text, m.deviceId])).toEqual([['Frank (openmls, added by ts-mls): hello all', frankPeer.deviceId]]);

    // Erin leaves the room by the owner's hand: openmls commits her leaf's removal
    // and ts-mls processes it.
    const erinAtEpoch2 = erin.group(room);
    const erinLeaf = erin.engine.ownLeafIndex(erinAtEpoch2);
    await alice.api.delete(`/rooms/${room}/members/${erin.session.userId}`);
    expect((await alice.serverGroup(room)).to_remove).toEqual([{ leaf_index: erinLeaf, user_id: erin.session.userId, device_id: erin.session.sessionId }]);
    expect(await bobPeer.sync(room)).toBe(3);
    expect(await alice.catchUp(room)).toBe(3n);
    expect(alice.engine.members(alice.group(room)).map((m) => m.deviceId).sort()).toEqual([alice.session.sessionId, bobPeer.deviceId, frankPeer.deviceId].sort());
    expect(await frankPeer.catchUp(room)).toBe(3);
    const secret3 = await expectSameSecret(room, [alice], [bobPeer, frankPeer], 3);
    const erinSecret2 = await erin.engine.exportSecret(erinAtEpoch2, LABEL, new Uint8Array(), 32);
    expect(toBase64(erinSecret2)).not.toBe(toBase64(secret3));

    // The removal commit (openmls's) tells ts-mls on Erin's device it was removed.
    // Erin is no longer in the room, so the server lists neither the commit nor
    // the committer's key to her session: both come through Alice's.
    await expect(erin.commitsAfter(room, 2n)).rejects.toMatchObject({ status: 403 });
    const [removal] = await alice.commitsAfter(room, 2n);
    expect(removal?.content).toMatchObject({ type: 'mls_commit', epoch: 3, device_id: bobPeer.deviceId, removed: [{ leaf_index: erinLeaf }] });
    const erinEngine = createMlsEngine({ deviceKey: deviceKeyLookup(alice.api) });
    const processed = await erinEngine.processMessage(erinAtEpoch2, fromBase64((removal!.content as { commit: string }).commit));
    expect(processed.kind).toBe('removed');

    // After the removal: everyone left reads everyone; Erin's device reads nothing.
    const afterRust = 'Bob (openmls): Erin is gone';
    const afterWeb = 'Alice (ts-mls): good, now the real plan';
    await bobPeer.send(room, afterRust);
    const sentByAlice = await alice.send(room, afterWeb);
    expect((await alice.read(room, seqBefore)).map((m) => [m.text, Number(m.epoch)])).toEqual([[afterRust, 3]]);
    expect((await frankPeer.read(room, seqBefore)).map((m) => m.text)).toEqual([afterRust, afterWeb]);
    expect((await bobPeer.read(room, seqBefore)).map((m) => m.text)).toEqual([afterWeb]);
    const late = await alice.messageEvents(room, seqBefore);
    expect(late).toHaveLength(2);
    for (const event of late) {
      const ciphertext = fromBase64((event.content as { body: { ciphertext: string } }).body.ciphertext);
      expect(wireInfo(ciphertext)).toMatchObject({ wireFormat: 'private_message', epoch: 3n });
      await expect(erinEngine.processMessage(erinAtEpoch2, ciphertext)).rejects.toBeInstanceOf(MlsEpochError);
      await expect(erinEngine.processMessage(processed.group, ciphertext)).rejects.toBeInstanceOf(MlsRemovedError);
    }
    expect(sentByAlice.seq).toBe(late[1]!.seq);

    // ts-mls commits a removal too (Frank leaves); openmls processes it, and both
    // still agree on the exporter secret.
    await alice.api.delete(`/rooms/${room}/members/${frank.userId}`);
    const removed = await alice.removeDue(room);
    expect(removed?.content).toMatchObject({ type: 'mls_commit', epoch: 4, device_id: alice.session.sessionId, removed: [{ user_id: frank.userId, device_id: frankPeer.deviceId }] });
    expect(await bobPeer.catchUp(room)).toBe(4);
    await expectSameSecret(room, [alice], [bobPeer], 4);
    const last = await alice.send(room, 'Alice (ts-mls): just the two of us');
    expect((await bobPeer.read(room, last.seq - 1)).map((m) => m.text)).toEqual(['Alice (ts-mls): just the two of us']);

    // New devices fill the blank leaves the removals left: ts-mls adds an openmls
    // device, then openmls adds a ts-mls device (Welcomes of trees with blank and
    // unmerged leaves, made by each implementation).
    const bob2 = new RustPeer(`${bob.username}-2`);
    peers.push(bob2);
    await bob2.signIn(server.url, bob.username, PASSWORD);
    await bob2.register(1);
    expect((await alice.addMissing(room))?.content).toMatchObject({ epoch: 5, added: [{ user_id: bob.userId, device_id: bob2.deviceId }] });
    expect(await bobPeer.catchUp(room)).toBe(5);
    expect(await bob2.join()).toEqual([room]);
    const alice2 = new WebDevice(await signIn(server.url, alice.session.username));
    await alice2.register(1);
    expect(await bob2.sync(room)).toBe(6);
    expect(await alice2.join()).toEqual([room]);
    expect(await alice.catchUp(room)).toBe(6n);
    expect(await bobPeer.catchUp(room)).toBe(6);
    expect(alice2.engine.members(alice2.group(room)).map((m) => [m.leafIndex, m.deviceId])).toEqual(
      (await alice.serverGroup(room)).members.map((m) => [m.leaf_index, m.device_id]),
    );
    await expectSameSecret(room, [alice, alice2], [bobPeer, bob2], 6);

    // An empty commit of ts-mls (a fresh UpdatePath only) is processed by openmls.
    const update = await alice2.engine.commitUpdate(alice2.group(room));
    await alice2.submit(room, update.commit, update.group);
    expect(await bobPeer.catchUp(room)).toBe(7);
    expect(await bob2.catchUp(room)).toBe(7);
    expect(await alice.catchUp(room)).toBe(7n);
    await expectSameSecret(room, [alice, alice2], [bobPeer, bob2], 7);
    const fromBob2 = await bob2.send(room, 'Bob (second openmls device): epoch 7');
    await alice2.send(room, 'Alice (second ts-mls device): epoch 7');
    expect((await alice2.read(room, fromBob2 - 1)).map((m) => m.text)).toEqual(['Bob (second openmls device): epoch 7']);
    expect((await bob2.read(room, fromBob2)).map((m) => m.text)).toEqual(['Alice (second ts-mls device): epoch 7']);
    expect((await bobPeer.read(room, fromBob2 - 1)).map((m) => m.text)).toEqual(['Bob (second openmls device): epoch 7', 'Alice (second ts-mls device): epoch 7']);
  });
  it('4: the same plaintext gives ciphertexts of the same length from both implementations', async () => {
    const web = await webUser('ivan');
    const { session: judy, peer } = await rustUser('judy');
    const room = await encryptedRoom(web.session, [judy]);
    await web.register(1);
    await peer.register(1);
    await web.createGroup(room);
    expect(await peer.join()).toEqual([room]);

    const texts = ['', 'k', 'x'.repeat(14), 'x'.repeat(15), 'x'.repeat(16), 'x'.repeat(46), 'x'.repeat(47), 'x'.repeat(48), 'x'.repeat(63), 'x'.repeat(64), 'ü'.repeat(200), 'x'.repeat(4000)];
    const lengths: { text: number; web: number; rust: number }[] = [];
    for (const text of texts) {
      const sent = await web.send(room, text);
      const seq = await peer.send(room, text);
      const [event] = (await web.messageEvents(room, seq - 1)).filter((e) => e.seq === seq);
      const rustCiphertext = fromBase64((event!.content as { body: { ciphertext: string } }).body.ciphertext);
      expectPadded(sent.ciphertext);
      expectPadded(rustCiphertext);
      const length = (bytes: Uint8Array) => {
        const info = wireInfo(bytes);
        return info.wireFormat === 'private_message' ? info.ciphertextLength : -1;
      };
      lengths.push({ text: new TextEncoder().encode(text).length, web: length(sent.ciphertext), rust: length(rustCiphertext) });
    }
    expect(lengths.map((l) => ({ ...l, web: l.rust }))).toEqual(lengths);
    // And both still read each other's.
    expect((await web.read(room)).map((m) => m.text)).toEqual(texts);
    expect((await peer.read(room)).map((m) => m.text)).toEqual(texts);
  });

  it('5: ts-mls last-resort key packages added by openmls, Welcomes for several devices, messages of a past epoch', async () => {
    // Gina and Hank each have a ts-mls and an openmls device; Hank's openmls device
    // has only its last-resort key package, so that is what a claim hands out.
    const gina = await webUser('gina');
    const { session: hank, peer: hankRust } = await rustUser('hank');
    const ginaRust = new RustPeer(`${gina.session.username}-2`);
    peers.push(ginaRust);
    await ginaRust.signIn(server.url, gina.session.username, PASSWORD);
    const hankWeb = new WebDevice(await signIn(server.url, hank.username));
    const room = await encryptedRoom(gina.session, [hank]);
    await gina.register(1);
    await hankRust.register(0);
    await ginaRust.register(1);
    await hankWeb.register(1);

    // ts-mls creates the group and adds three devices in one commit: two openmls
    // (Hank's by its last-resort package) and one ts-mls; one Welcome for all three.
    await gina.createGroup(room);
    const [creation] = await gina.commitsAfter(room, 0n);
    expect((creation!.content as { added: unknown[] }).added).toHaveLength(3);
    expect(await hankRust.join()).toEqual([room]);
    expect(await ginaRust.join()).toEqual([room]);
    expect(await hankWeb.join()).toEqual([room]);
    await expectSameSecret(room, [gina, hankWeb], [hankRust, ginaRust], 1);

    // openmls creates the groups of two more rooms with Kate, whose one ts-mls
    // device has only its last-resort package (extension 0x000A, made by ts-mls):
    // openmls accepts it, in both groups, and ts-mls keeps its private half for the
    // second Welcome. Hank's ts-mls device is added by its last-resort package too.
    const kate = await webUser('kate');
    await kate.register(0);
    const second = await encryptedRoom(hank, [kate.session]);
    const third = await encryptedRoom(hank, [kate.session]);
    for (const r of [second, third]) {
      expect(await hankRust.createGroup(r)).toBe(1);
      expect(kate.engine.members((await kate.join().then(() => kate.group(r)))).map((m) => m.deviceId).sort()).toEqual([hankRust.deviceId, hankWeb.session.sessionId, kate.session.sessionId].sort());
      expect(await hankWeb.join()).toEqual([r]);
      expect(kate.secrets.filter((x) => x.lastResort)).toHaveLength(1);
      // The state of a group openmls made survives ts-mls's serialisation (a reload).
      kate.groups.set(r, kate.engine.deserializeGroup(kate.engine.serializeGroup(kate.group(r))));
      await expectSameSecret(r, [kate, hankWeb], [hankRust], 1);
      const hello = await kate.send(r, `Kate (ts-mls, by last resort) in room ${r}`);
      expect((await hankRust.read(r, hello.seq - 1)).map((m) => m.text)).toEqual([`Kate (ts-mls, by last resort) in room ${r}`]);
    }

    // In the first room, messages of epoch 1 wait while openmls commits epoch 2 (a
    // new ts-mls device of Hank's); each side reads the other's epoch-1 message only
    // after moving to epoch 2, from the secrets it keeps of past epochs.
    const rustEarly = await hankRust.send(room, 'Hank (openmls), epoch 1');
    const webEarly = await gina.send(room, 'Gina (ts-mls), epoch 1');
    const hankWeb2 = new WebDevice(await signIn(server.url, hank.username));
    await hankWeb2.register(1);
    expect(await ginaRust.sync(room)).toBe(2);
    expect(await hankWeb2.join()).toEqual([room]);
    expect(await gina.catchUp(room)).toBe(2n);
    expect(await hankRust.catchUp(room)).toBe(2);
    expect(await hankWeb.catchUp(room)).toBe(2n);
    const ginaRead = await gina.read(room, rustEarly - 1);
    expect(ginaRead.map((m) => [m.text, Number(m.epoch)])).toEqual([['Hank (openmls), epoch 1', 1]]);
    const hankRead = await hankRust.read(room, rustEarly);
    expect(hankRead.map((m) => [m.seq, m.text])).toEqual([[webEarly.seq, 'Gina (ts-mls), epoch 1']]);
    await expectSameSecret(room, [gina, hankWeb, hankWeb2], [hankRust, ginaRust], 2);
    // The device added in epoch 2 cannot read epoch 1, but reads what follows.
    await expect(hankWeb2.read(room, rustEarly - 1)).rejects.toBeInstanceOf(MlsEpochError);
    const later = await hankRust.send(room, 'Hank (openmls), epoch 2');
    expect((await hankWeb2.read(room, later - 1)).map((m) => m.text)).toEqual(['Hank (openmls), epoch 2']);
    expect((await ginaRust.read(room, rustEarly - 1)).map((m) => m.text)).toEqual(['Hank (openmls), epoch 1', 'Gina (ts-mls), epoch 1', 'Hank (openmls), epoch 2']);
  });
  it('7: racing commits: openmls wins the epoch, ts-mls keeps its old state and processes the winner', async () => {
    const nina = await webUser('nina');
    const { session: oscar, peer } = await rustUser('oscar');
    const room = await encryptedRoom(oscar, [nina.session]);
    await nina.register(2);
    await peer.register(2);
    expect(await peer.createGroup(room)).toBe(1);
    expect(await nina.join()).toEqual([room]);

    // Nina's second device appears; both make a commit adding it in epoch 1.
    const nina2 = new WebDevice(await signIn(server.url, nina.session.username));
    await nina2.register(2);
    const claimed = await nina.api.post<{ key_packages: { device_id: number; key_package: string }[] }>('/mls/key-packages/claim', { user_ids: [nina.session.userId] });
    const mine = claimed.key_packages.filter((k) => k.device_id === nina2.session.sessionId);
    expect(mine).toHaveLength(1);
    const atEpoch1 = nina.group(room);
    const losing = await nina.engine.commitAdd(atEpoch1, mine.map((k) => fromBase64(k.key_package)));
    expect(await peer.sync(room)).toBe(2);
    await expect(nina.submit(room, losing.commit, losing.group, losing.welcome)).rejects.toMatchObject({ status: 409, code: 'mls_epoch_stale' });
    expect(nina.group(room)).toBe(atEpoch1);

    // The loser processes openmls's commit with the state it kept.
    expect(await nina.catchUp(room)).toBe(2n);
    expect(nina.engine.members(nina.group(room)).map((m) => m.deviceId)).toContain(nina2.session.sessionId);
    const welcomes = await nina2.api.get<{ welcomes: unknown[] }>('/mls/welcomes');
    expect(welcomes.welcomes).toHaveLength(1);
    expect(await nina2.join()).toEqual([room]);
    await expectSameSecret(room, [nina, nina2], [peer], 2);
    const seq = await peer.send(room, 'Oscar (openmls): the race is over');
    expect((await nina2.read(room, seq - 1)).map((m) => m.text)).toEqual(['Oscar (openmls): the race is over']);
    expect((await nina.read(room, seq - 1)).map((m) => m.text)).toEqual(['Oscar (openmls): the race is over']);
  });

  it('8: both keep exactly the 5 past epochs: a message 5 epochs old decrypts, 6 epochs old does not', async () => {
    const web = await webUser('paul');
    const { session: quinn, peer } = await rustUser('quinn');
    const room = await encryptedRoom(web.session, [quinn]);
    await web.register(1);
    await peer.register(1);
    expect(await peer.createGroup(room)).toBe(1);
    expect(await web.join()).toEqual([room]);

    // Two messages each in epoch 1, none read yet.
    const w1 = await web.send(room, 'Paul (ts-mls): epoch 1, read late');
    const w0 = await web.send(room, 'Paul (ts-mls): epoch 1, read in epoch 6');
    await peer.send(room, 'Quinn (openmls): epoch 1, read in epoch 6');
    await peer.send(room, 'Quinn (openmls): epoch 1, read late');
    const [m0, m1] = (await web.messageEvents(room, w0.seq)).map((e) => fromBase64((e.content as { body: { ciphertext: string } }).body.ciphertext));

    const update = async (epoch: number) => {
      const { commit, group } = await web.engine.commitUpdate(web.group(room));
      await web.submit(room, commit, group);
      expect(web.epoch(room)).toBe(BigInt(epoch));
      expect(await peer.catchUp(room)).toBe(epoch);
    };
    for (let epoch = 2; epoch <= 6; epoch++) await update(epoch);
    await expectSameSecret(room, [web], [peer], 6);
    const fiveBack = await web.engine.processMessage(web.group(room), m0!);
    expect(fiveBack.kind === 'application' && [new TextDecoder().decode(fiveBack.plaintext), fiveBack.epoch]).toEqual(['Quinn (openmls): epoch 1, read in epoch 6', 1n]);
    web.groups.set(room, fiveBack.group);
    expect((await peer.read(room, w1.seq)).map((m) => m.text)).toEqual(['Paul (ts-mls): epoch 1, read in epoch 6']);

    await update(7);
    await expect(web.engine.processMessage(web.group(room), m1!)).rejects.toBeInstanceOf(MlsEpochError);
    await expect(peer.read(room, w1.seq - 1)).rejects.toThrow(/made in epoch 1, which this device never had or no longer keeps/);
  });

  // Once a bug: openmls refused its own last-resort key packages, whose leaf did not
  // list the last_resort extension among its capabilities (fixed in e2ee.rs).
  it('6: openmls adds a device of the Rust client by its last-resort key package', async () => {
    const { session: lena, peer: lenaRust } = await rustUser('lena');
    const { session: mike, peer: mikeRust } = await rustUser('mike');
    const web = new WebDevice(await signIn(server.url, mike.username));
    const room = await encryptedRoom(mike, [lena]);
    await lenaRust.register(0);
    await mikeRust.register(1);
    await web.register(1);
    expect(await mikeRust.createGroup(room)).toBe(1);
    expect(await lenaRust.join()).toEqual([room]);
    expect(await web.join()).toEqual([room]);
    await expectSameSecret(room, [web], [lenaRust, mikeRust], 1);
  });

  it('9: encrypted files both ways, opened byte for byte; the server stores only ciphertext', async () => {
    const web = await webUser('fran');
    const { session: gus, peer } = await rustUser('gus');
    const room = await encryptedRoom(web.session, [gus]);
    await web.register(3);
    await peer.register(3);
    await web.createGroup(room);
    expect(await peer.join()).toEqual([room]);

    // Every byte value, and a length that is not a multiple of the AES block.
    const document = new Uint8Array(70_001).map((_, i) => (i * 7 + 3) % 256);
    const sealed = await encryptFile(new Blob([document]));
    const uploaded = await web.uploadEncrypted(sealed.ciphertext);
    expect(uploaded).toMatchObject({ name: 'encrypted', content_type: 'application/vnd.confab.encrypted', size: document.length + 16 });
    const file = describeFile(uploaded.id, { name: 'Budget 2027 — final (v3).pdf', contentType: 'application/pdf', size: document.length }, sealed);
    const content = new TextDecoder().decode(encodeContent({ type: 'text', text: 'the budget', attachments: [file] }));
    await web.send(room, content, [uploaded.id]);

    const [readByRust] = await peer.read(room);
    expect(readByRust?.files).toHaveLength(1);
    const opened = readByRust!.files[0]!;
    expect({ ...opened, bytes: undefined }).toEqual({ file_id: uploaded.id, name: 'Budget 2027 — final (v3).pdf', contentType: 'application/pdf', size: document.length, bytes: undefined });
    expect(Buffer.from(opened.bytes).equals(Buffer.from(document))).toBe(true);

    // The reverse: openmls's device encrypts (OpenMLS's AES-256-GCM), the web opens it.
    const photo = new Uint8Array(4_099).map((_, i) => (i * 13 + 1) % 256);
    const seq = await peer.sendFile(room, 'a photo', { name: 'Hafen am Abend.png', contentType: 'image/png', bytes: photo });
    const [readByWeb] = await web.read(room);
    expect(readByWeb?.seq).toBe(seq);
    const received = parseContent(new TextEncoder().encode(readByWeb!.text));
    expect(received?.type).toBe('text');
    const attachments = received?.type === 'text' ? (received.attachments ?? []) : [];
    expect(attachments.map((f) => [f.name, f.content_type, f.size])).toEqual([['Hafen am Abend.png', 'image/png', photo.length]]);
    const stored = await web.download(attachments[0]!.file_id);
    // The server has ciphertext only: not the photo, 16 bytes of tag longer.
    expect(stored).toHaveLength(photo.length + 16);
    expect(Buffer.from(stored).includes(Buffer.from(photo.subarray(0, 64)))).toBe(false);
    expect(Buffer.from(await decryptFile(stored, attachments[0]!)).equals(Buffer.from(photo))).toBe(true);
    // And its message lists the file, so that members may download it.
    const events = await web.messageEvents(room);
    const carried = events.find((e) => e.seq === seq)?.content as { attachments?: { id: string; content_type: string }[] };
    expect(carried.attachments?.map((f) => [f.id, f.content_type])).toEqual([[attachments[0]!.file_id, 'application/vnd.confab.encrypted']]);
  });
});
