// End-to-end: files in an end-to-end encrypted group, between the web client (a
// person in Chromium) and the Rust client's OpenMLS device (`confab-testkit
// mls-peer`, driven over its JSON lines). The web user attaches two photos and a PDF in
// the composer; the Rust device decrypts them byte for byte. The Rust device sends a
// photo and a text file; the web shows the photo decoded and saves the text file
// decrypted under its name. Over REST, the server holds only ciphertext typed
// `application/vnd.confab.encrypted`. Screenshots (phone and desktop) go to
// $SCREENSHOTS (or $CONFAB_SHOTS, else /tmp/confab-e2ee-files-shots).
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acceptInvitation, api, apiUser, launchBrowser, newPage, PASSWORD, pdfBytes, pngBytes, signUp, startMlsPeer, startServer, uniqueName } from './harness.mjs';

let server;
let browser;
let peer;
const shots = process.env.SCREENSHOTS ?? process.env.CONFAB_SHOTS ?? '/tmp/confab-e2ee-files-shots';

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await peer?.stop();
  await browser?.close();
  await server?.stop();
});

const LONG = { timeout: 60_000 };
const ROOM_NAME = 'Harbour renovation — budget, permits and the site visit';
const PHOTO = { name: 'Site visit, north pier at low tide (taken from the old crane, 2026-11-27).png', mimeType: 'image/png', buffer: pngBytes(640, 400) };
const PORTRAIT = { name: 'IMG_2044 portrait.png', mimeType: 'image/png', buffer: pngBytes(300, 450) };
const REPORT = { name: 'Harbour renovation budget 2027 — final draft for the board (v3, with annexes).pdf', mimeType: 'application/pdf', buffer: pdfBytes('Harbour renovation budget 2027') };
const MESSAGE =
  'Here are the photo from this morning’s site visit and the final draft of the budget. Please read the annexes before Thursday: the permit costs moved, and the crane rental now runs until March.';
const FROM_RUST_PHOTO = { name: 'Gus — the crane at dusk, seen from the harbour master’s office window.png', content_type: 'image/png', bytes: pngBytes(800, 500) };
const FROM_RUST_NOTES = { name: 'Meeting notes (harbour, 27 November).txt', content_type: 'text/plain', bytes: Buffer.from('1. Permits: filed.\n2. Crane: until March.\n3. Next visit: Thursday, 8:00.\n') };

/** The messages the Rust device has read, after `after`, once `done` says they are all there. */
async function peerRead(roomId, done) {
  for (let i = 0; i < 60; i++) {
    const { messages } = await peer.call('read', { room_id: roomId, after: 0 });
    if (done(messages)) return messages;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the Rust device did not read the messages');
}

/** Screenshots at phone and desktop sizes, with `show` (a locator) scrolled into view at each. */
async function shoot(page, name, show) {
  const size = page.viewportSize();
  for (const [viewport, suffix] of [[{ width: 375, height: 667 }, '375'], [size, '1280']]) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(400);
    await show?.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(shots, `${name}-${suffix}.png`) });
  }
}

describe('files in end-to-end encrypted conversations', () => {
  it('the web and the Rust client send each other encrypted files; the server keeps only ciphertext', { timeout: 300_000 }, async () => {
    const alice = await newPage(browser);
    const aliceName = uniqueName('alice');
    await signUp(alice, server.url, aliceName, 'Alice Martin');

    // Gus is the Rust client: he makes the encrypted group, his OpenMLS device its MLS group.
    const gus = await apiUser(server, 'Gus Olsen', 'gus');
    const aliceProfile = await api(server, gus.token, 'GET', `/users/${aliceName}`);
    const room = await api(server, gus.token, 'POST', '/rooms', { name: ROOM_NAME, topic: '', members: [aliceProfile.id], encrypted: true });
    peer = startMlsPeer();
    await peer.call('sign_in', { url: server.url, username: gus.username, password: PASSWORD });
    await peer.call('register', { key_packages: 5 });
    await acceptInvitation(alice, ROOM_NAME);
    // Alice's browser registers its MLS device and key packages when it connects.
    for (let i = 0; i < 60 && (await api(server, gus.token, 'GET', `/users/${aliceProfile.id}/devices`)).devices.length === 0; i++) await new Promise((r) => setTimeout(r, 250));
    assert.equal(await peer.call('create_group', { room_id: room.id }).then((r) => r.epoch), 1, 'the group adds Alice’s browser');

    // Alice attaches a photo and a PDF with the paperclip's file picker, and sends them with a long message.
    const attach = alice.getByRole('button', { name: 'Attach files' });
    assert.equal(await attach.isEnabled(), true, 'the paperclip works in an encrypted conversation');
    await alice.locator('.composer input[type=file]').setInputFiles([PHOTO, PORTRAIT, REPORT]);
    await alice.locator('.upload--done').nth(2).waitFor(LONG);
    const box = alice.getByRole('combobox', { name: 'Message' });
    await box.fill(MESSAGE);
    await shoot(alice, 'e2ee-files-composer');
    await box.press('Enter');
    const mine = alice.locator('.msg', { hasText: 'final draft of the budget' });
    // Two photos: a grid of tiles, each decrypted in the page.
    await mine.getByRole('list', { name: '2 photos' }).locator(`img.thumb__img[alt="${PORTRAIT.name}"]`).waitFor(LONG);
    await mine.locator(`img.thumb__img[alt="${PHOTO.name}"]`).waitFor(LONG);
    await mine.getByRole('button', { name: new RegExp(`^Download Harbour renovation budget 2027`) }).waitFor(LONG);

    // The Rust device decrypts the message and both files, byte for byte.
    const [message] = await peerRead(room.id, (list) => list.some((m) => m.attachments.length === 3));
    const content = JSON.parse(Buffer.from(message.plaintext, 'base64').toString('utf8'));
    assert.equal(content.text, MESSAGE);
    const byName = Object.fromEntries(message.attachments.map((f) => [f.name, f]));
    assert.deepEqual(Object.keys(byName).sort(), [PHOTO.name, PORTRAIT.name, REPORT.name].sort());
    for (const sent of [PHOTO, PORTRAIT, REPORT]) {
      const got = byName[sent.name];
      assert.equal(got.content_type, sent.mimeType);
      assert.equal(got.size, sent.buffer.length);
      assert.ok(Buffer.from(got.bytes, 'base64').equals(sent.buffer), `${sent.name} opens byte for byte`);
    }

    // The server has ciphertext only: typed as encrypted, named `encrypted`, not the bytes sent.
    const { events } = await api(server, gus.token, 'GET', `/rooms/${room.id}/messages?limit=50`);
    const stored = events.find((e) => e.content.type === 'message' && e.content.attachments?.length === 3);
    assert.ok(stored, 'the message lists its files');
    assert.equal(stored.content.body.type, 'encrypted');
    for (const secret of ['final draft', 'north pier', 'board (v3']) assert.ok(!JSON.stringify(events).includes(secret), `"${secret}" is not stored in the clear`);
    for (const info of stored.content.attachments) {
      assert.equal(info.content_type, 'application/vnd.confab.encrypted');
      assert.equal(info.name, 'encrypted');
      assert.equal(info.thumbnail, undefined);
      const response = await fetch(`${server.url}/api/v1/files/${info.id}`, { headers: { Authorization: `Bearer ${gus.token}` } });
      assert.equal(response.status, 200);
      const bytes = Buffer.from(await response.arrayBuffer());
      const plain = [PHOTO, PORTRAIT, REPORT].find((f) => byName[f.name].file_id === info.id).buffer;
      assert.equal(bytes.length, plain.length + 16, 'ciphertext and tag');
      assert.ok(!bytes.equals(plain.subarray(0, bytes.length)) && !bytes.includes(plain.subarray(0, 16)), 'not the plaintext');
    }

    // The Rust device sends a photo and a text file; the web shows the photo decoded.
    await peer.call('send_file', { room_id: room.id, text: 'The crane, as promised', name: FROM_RUST_PHOTO.name, content_type: FROM_RUST_PHOTO.content_type, bytes: FROM_RUST_PHOTO.bytes.toString('base64') });
    await peer.call('send_file', { room_id: room.id, text: '', name: FROM_RUST_NOTES.name, content_type: FROM_RUST_NOTES.content_type, bytes: FROM_RUST_NOTES.bytes.toString('base64') });
    const photo = alice.locator(`img.thumb__img[alt="${FROM_RUST_PHOTO.name}"]`);
    await photo.waitFor(LONG);
    await alice.waitForFunction((img) => img.complete && img.naturalWidth > 0, await photo.elementHandle(), LONG);
    assert.deepEqual(await photo.evaluate((img) => [img.naturalWidth, img.naturalHeight, img.src.startsWith('blob:')]), [800, 500, true]);

    // Its card saves the text file decrypted, under its own name.
    const card = alice.getByRole('button', { name: /^Download Meeting notes \(harbour, 27 November\)\.txt/ });
    await card.waitFor(LONG);
    const [download] = await Promise.all([alice.waitForEvent('download'), card.click()]);
    assert.equal(download.suggestedFilename(), FROM_RUST_NOTES.name);
    assert.ok((await readFile(await download.path())).equals(FROM_RUST_NOTES.bytes), 'the saved file is the plaintext');

    // The photo opens in the viewer, at its size.
    await alice.getByRole('button', { name: `Open photo ${FROM_RUST_PHOTO.name}` }).click();
    const viewer = alice.getByRole('dialog', { name: /^Photo: Gus — the crane/ });
    await viewer.getByText('800 × 500').waitFor();
    await alice.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });

    await alice.locator('body').click({ position: { x: 5, y: 400 } });
    await shoot(alice, 'e2ee-files-sent', alice.locator('.msg', { hasText: 'final draft of the budget' }));
    await shoot(alice, 'e2ee-files-received', card);

    // The Files tab lists them under their own names (the server knows them as `encrypted`), and saves them decrypted.
    await alice.getByRole('button', { name: 'Members' }).click();
    await alice.getByRole('tab', { name: 'Files' }).click();
    const shared = alice.getByRole('list', { name: 'Shared files' });
    await shared.getByText(FROM_RUST_NOTES.name).waitFor(LONG);
    const names = await shared.locator('.shared-file__name').allTextContents();
    assert.deepEqual(names.sort(), [PHOTO.name, PORTRAIT.name, REPORT.name, FROM_RUST_PHOTO.name, FROM_RUST_NOTES.name].sort());
    const [saved] = await Promise.all([alice.waitForEvent('download'), shared.getByRole('button', { name: `Download ${REPORT.name}` }).click()]);
    assert.equal(saved.suggestedFilename(), REPORT.name);
    assert.ok((await readFile(await saved.path())).equals(REPORT.buffer), 'the Files tab saves the plaintext');
    await shoot(alice, 'e2ee-files-tab');
    await alice.getByRole('button', { name: 'Members' }).click();

    // A file whose ciphertext changed on the way fails its tag check: the photo says so in words, and no image shows.
    await alice.route('**/api/v1/files/*', async (route) => {
      const response = await route.fetch();
      const body = Buffer.from(await response.body());
      body[body.length - 1] ^= 1;
      await route.fulfill({ response, body });
    });
    const damaged = { name: 'Damaged on the way — pier survey.png', content_type: 'image/png', bytes: pngBytes(300, 200) };
    await peer.call('send_file', { room_id: room.id, text: 'This one got damaged', name: damaged.name, content_type: damaged.content_type, bytes: damaged.bytes.toString('base64') });
    const failed = alice.locator('.msg', { hasText: 'This one got damaged' });
    await failed.getByText('Could not be decrypted: the file is damaged or its key is wrong').waitFor(LONG);
    assert.equal(await failed.locator('img').count(), 0, 'no broken image');
    await failed.getByText(damaged.name).waitFor();
    await shoot(alice, 'e2ee-files-damaged', failed);
    assert.deepEqual(alice.problems, []);
  });
});
