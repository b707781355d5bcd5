// The MLS engine with real ts-mls crypto: groups of two and three devices, the
// contract's wire formats, padding, past-epoch retention, the authentication
// service, competing commits and serialisation.

import { describe, expect, it } from 'vitest';
import {
  AEAD_TAG_LENGTH,
  createMlsEngine,
  deserializeDevice,
  deserializeKeyPackageSecrets,
  MlsEpochError,
  MlsIdentityError,
  MlsProtocolError,
  MlsRemovedError,
  MlsWrongGroupError,
  PADDING_BLOCK,
  serializeDevice,
  serializeKeyPackageSecrets,
  wireInfo,
  type Device,
  type Group,
  type MlsEngine,
  type ProcessedMessage,
} from './engine';
import { bytesEqual, fromBase64, toBase64 } from './identity';

const text = new TextEncoder();
const utf8 = new TextDecoder();

/** The server's registry of device signature keys, as the authentication service sees it. */
function world() {
  const registry = new Map<string, Uint8Array>();
  const engine = createMlsEngine({ deviceKey: async (u, d) => registry.get(`${u}:${d}`) });
  async function device(userId: number, deviceId: number): Promise<Device> {
    const dev = await engine.createDevice(userId, deviceId);
    registry.set(`${userId}:${deviceId}`, dev.signaturePublicKey);
    return dev;
  }
  return { registry, engine, device };
}

async function join(engine: MlsEngine, group: Group, device: Device): Promise<{ owner: Group; joined: Group; commit: Uint8Array }> {
  const { packages, secrets } = await engine.keyPackages(device, 1);
  const added = await engine.commitAdd(group, [packages[0]!]);
  const { group: joined } = await engine.joinFromWelcome(device, added.welcome, secrets);
  return { owner: added.group, joined, commit: added.commit };
}

async function expectApplication(engine: MlsEngine, group: Group, message: Uint8Array) {
  const out = await engine.processMessage(group, message);
  if (out.kind !== 'application') throw new Error(`expected an application message, got ${out.kind}`);
  return out;
}

async function expectCommit(engine: MlsEngine, group: Group, message: Uint8Array): Promise<Extract<ProcessedMessage, { kind: 'commit' }>> {
  const out = await engine.processMessage(group, message);
  if (out.kind !== 'commit') throw new Error(`expected a commit, got ${out.kind}`);
  return out;
}

describe('two devices', () => {
  it('create, add with a self-contained Welcome, join, and talk both ways', async () => {
    const { engine, device } = world();
    const alice = await device(1, 10);
    const bob = await device(2, 20);
    const group0 = await engine.createGroup(alice, 7);
    expect(engine.epoch(group0)).toBe(0n);
    expect(engine.members(group0)).toEqual([{ leafIndex: 0, userId: 1, deviceId: 10, signatureKey: alice.signaturePublicKey }]);

    const { packages, secrets } = await engine.keyPackages(bob, 2);
    expect(packages).toHaveLength(3);
    expect(secrets.map((s) => s.lastResort)).toEqual([false, false, true]);
    expect(packages.every((p) => wireInfo(p).wireFormat === 'key_package')).toBe(true);

    const added = await engine.commitAdd(group0, [packages[1]!]);
    const info = wireInfo(added.commit);
    expect(info).toMatchObject({ wireFormat: 'public_message', contentType: 'commit', epoch: 0n });
    expect(wireInfo(added.welcome).wireFormat).toBe('welcome');
    // The original state is untouched by the commit.
    expect(engine.epoch(group0)).toBe(0n);

    const { group: bobGroup, used } = await engine.joinFromWelcome(bob, added.welcome, secrets);
    expect(used).toBe(secrets[1]);
    const aliceGroup = added.group;
    expect(engine.epoch(bobGroup)).toBe(1n);
    expect(engine.members(bobGroup).map((m) => [m.leafIndex, m.userId, m.deviceId])).toEqual([[0, 1, 10], [1, 2, 20]]);
    expect(bobGroup.roomId).toBe(7);

    const hello = await engine.encrypt(aliceGroup, text.encode('hello bob'));
    expect(wireInfo(hello.message)).toMatchObject({ wireFormat: 'private_message', contentType: 'application', epoch: 1n });
    const got = await expectApplication(engine, bobGroup, hello.message);
    expect(utf8.decode(got.plaintext)).toBe('hello bob');
    expect(got.sender).toEqual({ userId: 1, deviceId: 10, leafIndex: 0 });

    const back = await engine.encrypt(got.group, text.encode('hi alice'));
    const gotBack = await expectApplication(engine, hello.group, back.message);
    expect(utf8.decode(gotBack.plaintext)).toBe('hi alice');
    expect(gotBack.sender).toEqual({ userId: 2, deviceId: 20, leafIndex: 1 });

    const label = 'confab test';
    const ctx = new Uint8Array([1, 2, 3]);
    expect(toBase64(await engine.exportSecret(gotBack.group, label, ctx, 32))).toBe(toBase64(await engine.exportSecret(back.group, label, ctx, 32)));
  });

  it('pads every application message as openmls does: the ciphertext is a multiple of 32 bytes', async () => {
    const { engine, device } = world();
    const alice = await device(1, 10);
    let group = await engine.createGroup(alice, 1);
    const lengths = new Set<number>();
    for (const n of [0, 1, 2, 31, 32, 33, 43, 100, 1000]) {
      const out = await engine.encrypt(group, new Uint8Array(n).fill(7));
      group = out.group;
      const info = wireInfo(out.message);
      if (info.wireFormat !== 'private_message') throw new Error('not a PrivateMessage');
      // openmls 0.9 pads the content so that content + AEAD tag fills whole blocks.
      expect(info.ciphertextLength % PADDING_BLOCK).toBe(0);
      expect(info.ciphertextLength).toBeGreaterThan(n + 64 + AEAD_TAG_LENGTH);
      // The content of a 43-byte plaintext: 1 + 43 (application_data) + 1 + 64
      // (signature) = 109 bytes, padded to 112, plus the tag: 128, the length
      // openmls 0.9.2 gives the same plaintext (web/interop).
      if (n === 43) expect(info.ciphertextLength).toBe(128);
      if (n === 0) expect(info.ciphertextLength).toBe(96);
      lengths.add(info.ciphertextLength);
    }
    // Plaintexts that differ only a little share a length.
    expect(lengths.size).toBeLessThan(9);
  });

  it('refuses a message of another group and undecodable bytes', async () => {
    const { engine, device } = world();
    const alice = await device(1, 10);
    const room7 = await engine.createGroup(alice, 7);
    const room8 = await engine.createGroup(alice, 8);
    const msg = await engine.encrypt(room8, text.encode('x'));
    await expect(engine.processMessage(room7, msg.message)).rejects.toBeInstanceOf(MlsWrongGroupError);
    await expect(engine.processMessage(room7, new Uint8Array([0, 1, 0, 2, 9]))).rejects.toBeInstanceOf(MlsProtocolError);
  });
});

describe('redelivery', () => {
  it('refuses a message processed already (so a saved but unacknowledged state is safe)', async () => {
    const { engine, device } = world();
    const alice = await device(1, 10);
    const bob = await device(2, 20);
    const { owner, joined, commit } = await join(engine, await engine.createGroup(alice, 7), bob);
    const msg = await engine.encrypt(owner, text.encode('once'));
    const first = await expectApplication(engine, joined, msg.message);
    await expect(engine.processMessage(first.group, msg.message)).rejects.toBeInstanceOf(MlsProtocolError);
    // The commit that added Bob, delivered to him again: of a past epoch.
    await expect(engine.processMessage(first.group, commit)).rejects.toBeInstanceOf(MlsEpochError);
    const update = await engine.commitUpdate(msg.group);
    const applied = await expectCommit(engine, first.group, update.commit);
    await expect(engine.processMessage(applied.group, update.commit)).rejects.toBeInstanceOf(MlsEpochError);
  });
});

describe('three devices', () => {
  it('self-update, then a removal after which the removed device cannot read', async () => {
    const { engine, device } = world();
    const alice = await device(1, 10);
    const bob = await device(2, 20);
    const carol = await device(3, 30);
    const bobKp = await engine.keyPackages(bob, 1);
    const carolKp = await engine.keyPackages(carol, 1);
    const added = await engine.commitAdd(await engine.createGroup(alice, 5), [bobKp.packages[0]!, carolKp.packages[0]!]);
    let a = added.group;
    let b = (await engine.joinFromWelcome(bob, added.welcome, bobKp.secrets)).group;
    let c = (await engine.joinFromWelcome(carol, added.welcome, carolKp.secrets)).group;
    expect(engine.members(c).map((m) => m.userId)).toEqual([1, 2, 3]);

    // Bob rotates his keys.
    const update = await engine.commitUpdate(b);
    b = update.group;
    const atAlice = await expectCommit(engine, a, update.commit);
    const atCarol = await expectCommit(engine, c, update.commit);
    expect(atAlice.added).toEqual([]);
    expect(atAlice.removed).toEqual([]);
    expect(atAlice.committer).toEqual({ userId: 2, deviceId: 20, leafIndex: 1 });
    a = atAlice.group;
    c = atCarol.group;
    expect(engine.epoch(a)).toBe(2n);
    const secrets = await Promise.all([a, b, c].map((g) => engine.exportSecret(g, 'x', new Uint8Array(), 16)));
    expect(toBase64(secrets[0]!)).toBe(toBase64(secrets[1]!));
    expect(toBase64(secrets[0]!)).toBe(toBase64(secrets[2]!));

    const fromCarol = await engine.encrypt(c, text.encode('still here'));
    c = fromCarol.group;
    expect(utf8.decode((await expectApplication(engine, a, fromCarol.message)).plaintext)).toBe('still here');

    // Alice removes Carol.
    const carolBefore = c;
    const removal = await engine.commitRemove(a, [2]);
    a = removal.group;
    expect(engine.members(a).map((m) => m.userId)).toEqual([1, 2]);
    const atBob = await expectCommit(engine, b, removal.commit);
    expect(atBob.removed.map((m) => [m.userId, m.deviceId, m.leafIndex])).toEqual([[3, 30, 2]]);
    b = atBob.group;
    const removed = await engine.processMessage(c, removal.commit);
    expect(removed.kind).toBe('removed');
    c = removed.group;

    const secret = await engine.encrypt(a, text.encode('carol must not read this'));
    expect(utf8.decode((await expectApplication(engine, b, secret.message)).plaintext)).toBe('carol must not read this');
    await expect(engine.processMessage(c, secret.message)).rejects.toBeInstanceOf(MlsRemovedError);
    await expect(engine.encrypt(c, text.encode('x'))).rejects.toBeInstanceOf(MlsRemovedError);
    // Nor can her state from before the removal: it is of the old epoch.
    await expect(engine.processMessage(carolBefore, secret.message)).rejects.toBeInstanceOf(MlsEpochError);
  });
});

describe('past epochs', () => {
  async function pair() {
    const { engine, device } = world();
    const alice = await device(1, 10);
    const bob = await device(2, 20);
    const { owner, joined } = await join(engine, await engine.createGroup(alice, 3), bob);
    return { engine, a: owner, b: joined };
  }

  /** Alice commits `n` self-updates that Bob processes. */
  async function advance(engine: MlsEngine, a: Group, b: Group, n: number): Promise<[Group, Group]> {
    for (let i = 0; i < n; i++) {
      const u = await engine.commitUpdate(a);
      a = u.group;
      b = (await expectCommit(engine, b, u.commit)).group;
    }
    return [a, b];
  }

  it('a message of 2 epochs ago still decrypts, and one of 5 ago too', async () => {
    const { engine, a: a0, b: b0 } = await pair();
    const old = await engine.encrypt(a0, text.encode('late'));
    let [a, b] = await advance(engine, old.group, b0, 2);
    expect(engine.epoch(b) - engine.epoch(b0)).toBe(2n);
    const got = await expectApplication(engine, b, old.message);
    expect(utf8.decode(got.plaintext)).toBe('late');
    expect(got.epoch).toBe(engine.epoch(b0));

    const older = await engine.encrypt(a, text.encode('later'));
    [a, b] = await advance(engine, older.group, b, 5);
    expect(utf8.decode((await expectApplication(engine, b, older.message)).plaintext)).toBe('later');
  });

  it('a message of 6 or 7 epochs ago does not', async () => {
    const { engine, a: a0, b: b0 } = await pair();
    const six = await engine.encrypt(a0, text.encode('six'));
    let [a, b] = await advance(engine, six.group, b0, 1);
    const seven = await engine.encrypt(a, text.encode('seven'));
    [a, b] = await advance(engine, seven.group, b, 6);
    await expect(engine.processMessage(b, six.message)).rejects.toBeInstanceOf(MlsEpochError);
    await expect(engine.processMessage(b, seven.message)).rejects.toBeInstanceOf(MlsEpochError);
    // The group itself still works.
    const now = await engine.encrypt(a, text.encode('now'));
    expect(utf8.decode((await expectApplication(engine, b, now.message)).plaintext)).toBe('now');
  });
});

describe('authentication service', () => {
  it('refuses a key package whose signature key is not the registered one', async () => {
    const { engine, device, registry } = world();
    const alice = await device(1, 10);
    const mallory = await device(4, 40);
    registry.set('4:40', (await engine.createDevice(4, 40)).signaturePublicKey);
    const { packages } = await engine.keyPackages(mallory, 1);
    const group = await engine.createGroup(alice, 2);
    await expect(engine.commitAdd(group, [packages[0]!])).rejects.toThrow(MlsIdentityError);
    await expect(engine.commitAdd(group, [packages[0]!])).rejects.toThrow(/not its registered one/);
  });

  it('refuses a key package of an unregistered device', async () => {
    const { engine, device } = world();
    const alice = await device(1, 10);
    const stranger = await engine.createDevice(9, 90);
    const { packages } = await engine.keyPackages(stranger, 0);
    await expect(engine.commitAdd(await engine.createGroup(alice, 2), packages)).rejects.toThrow(/no registered signature key/);
  });

  it('refuses a key package whose identity is malformed', async () => {
    const { engine, device } = world();
    const alice = await device(1, 10);
    const bob = await device(2, 20);
    const { packages } = await engine.keyPackages(bob, 1);
    // Same length, so the package still decodes: `confab:2:20` becomes `confab:2:2x`.
    const kp = packages[0]!.slice();
    const at = indexOf(kp, text.encode('confab:2:20'));
    expect(at).toBeGreaterThan(0);
    kp[at + 10] = 'x'.charCodeAt(0);
    const group = await engine.createGroup(alice, 2);
    await expect(engine.commitAdd(group, [kp])).rejects.toThrow(MlsIdentityError);
    await expect(engine.commitAdd(group, [kp])).rejects.toThrow(/not of the form/);
  });

  it('refuses a commit that adds a device whose key the receiver does not know as registered', async () => {
    const alices = world();
    const alice = await alices.device(1, 10);
    const bob = await alices.device(2, 20);
    const carol = await alices.device(3, 30);
    // Bob's view of the server: Carol's device has another key.
    const bobsRegistry = new Map(alices.registry);
    bobsRegistry.set('3:30', (await alices.engine.createDevice(3, 30)).signaturePublicKey);
    const bobsEngine = createMlsEngine({ deviceKey: async (u, d) => bobsRegistry.get(`${u}:${d}`) });
    const { owner, joined } = await join(alices.engine, await alices.engine.createGroup(alice, 6), bob);
    const carolKp = await alices.engine.keyPackages(carol, 0);
    const add = await alices.engine.commitAdd(owner, carolKp.packages);
    await expect(bobsEngine.processMessage(joined, add.commit)).rejects.toThrow(MlsIdentityError);
  });

  it('refuses a Welcome whose tree has a member with an unregistered key', async () => {
    const alices = world();
    const alice = await alices.device(1, 10);
    const bob = await alices.device(2, 20);
    const bobsRegistry = new Map(alices.registry);
    bobsRegistry.delete('1:10');
    const bobsEngine = createMlsEngine({ deviceKey: async (u, d) => bobsRegistry.get(`${u}:${d}`) });
    const { packages, secrets } = await bobsEngine.keyPackages(bob, 0);
    const add = await alices.engine.commitAdd(await alices.engine.createGroup(alice, 6), packages);
    await expect(bobsEngine.joinFromWelcome(bob, add.welcome, secrets)).rejects.toThrow(MlsIdentityError);
  });
});

describe('competing commits', () => {
  it('only the accepted one is applied; the loser discards its state and processes the winner', async () => {
    const { engine, device } = world();
    const alice = await device(1, 10);
    const bob = await device(2, 20);
    const carol = await device(3, 30);
    const { owner: a, joined: b } = await join(engine, await engine.createGroup(alice, 4), bob);
    const carolKp = await engine.keyPackages(carol, 0);

    // Both commit for epoch 1; the server accepts Alice's.
    const fromAlice = await engine.commitUpdate(a);
    const fromBob = await engine.commitAdd(b, carolKp.packages);
    expect(engine.epoch(fromAlice.group)).toBe(2n);
    expect(engine.epoch(fromBob.group)).toBe(2n);

    const aliceNow = fromAlice.group; // accepted
    // Bob discards fromBob.group and processes the winner with the state he had.
    const bobNow = (await expectCommit(engine, b, fromAlice.commit)).group;
    expect(engine.members(bobNow)).toHaveLength(2);
    const x = await engine.exportSecret(aliceNow, 'agree', new Uint8Array(), 32);
    const y = await engine.exportSecret(bobNow, 'agree', new Uint8Array(), 32);
    expect(bytesEqual(x, y)).toBe(true);
    const z = await engine.exportSecret(fromBob.group, 'agree', new Uint8Array(), 32);
    expect(bytesEqual(x, z)).toBe(false);
    // The losing commit is refused by whoever sees it after the winner.
    await expect(engine.processMessage(aliceNow, fromBob.commit)).rejects.toBeInstanceOf(MlsEpochError);

    // And they talk on.
    const msg = await engine.encrypt(bobNow, text.encode('agreed'));
    expect(utf8.decode((await expectApplication(engine, aliceNow, msg.message)).plaintext)).toBe('agreed');
  });
});

describe('serialisation', () => {
  it('devices, key-package secrets and group states round-trip', async () => {
    const { engine, device } = world();
    const alice = await device(1, 10);
    const bob = await device(2, 20);
    const aliceAgain = deserializeDevice(serializeDevice(alice));
    expect(aliceAgain).toEqual(alice);
    expect(() => deserializeDevice('{"v":2}')).toThrow();

    const { packages, secrets } = await engine.keyPackages(bob, 1);
    const secretsAgain = deserializeKeyPackageSecrets(serializeKeyPackageSecrets(secrets));
    expect(secretsAgain.map((s) => toBase64(s.ref))).toEqual(secrets.map((s) => toBase64(s.ref)));

    const added = await engine.commitAdd(await engine.createGroup(aliceAgain, 9), [packages[1]!]);
    const joined = await engine.joinFromWelcome(deserializeDevice(serializeDevice(bob)), added.welcome, secretsAgain);
    expect(joined.used.lastResort).toBe(true);

    const bobStored = engine.deserializeGroup(engine.serializeGroup(joined.group));
    expect(engine.epoch(bobStored)).toBe(1n);
    expect(bobStored.roomId).toBe(9);
    const msg = await engine.encrypt(engine.deserializeGroup(engine.serializeGroup(added.group)), text.encode('after a reload'));
    expect(utf8.decode((await expectApplication(engine, bobStored, msg.message)).plaintext)).toBe('after a reload');
    expect(() => engine.deserializeGroup(new Uint8Array([99, 1, 2]))).toThrow();
  });

  it('base64 is standard with padding', () => {
    expect(toBase64(new Uint8Array([251, 255]))).toBe('+/8=');
    expect(fromBase64('+/8=')).toEqual(new Uint8Array([251, 255]));
    expect(() => fromBase64('-_8')).toThrow();
  });
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
