// End-to-end: an end-to-end encrypted direct conversation between two browsers with
// the web client's MLS (ts-mls). Both see the lock and read each other; the server
// stores only ciphertext; their safety numbers match; when Bob signs in on a second
// browser (a new device), Alice, who verified him, is told his devices changed, and
// the new device reads what is sent after it joined but not what came before.
// Screenshots (phone and desktop) go to $CONFAB_SHOTS or /tmp/confab-e2ee-shots.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acceptInvitation, api, launchBrowser, newPage, PASSWORD, send, signUp, startServer, uniqueName } from './harness.mjs';

let server;
let browser;
const shots = process.env.CONFAB_SHOTS ?? '/tmp/confab-e2ee-shots';

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const LOCK = { name: 'End-to-end encrypted' };
// Older messages fold into one line: "12 earlier messages were sent before this device joined: …".
const BEFORE_JOIN = 'sent before this device joined';
const LONG = { timeout: 60_000 };

async function safetyNumber(page) {
  await page.locator('.conversation__header').getByRole('button', { name: 'Verify' }).click();
  const number = page.getByTestId('safety-number');
  await number.waitFor(LONG);
  return (await number.textContent()).replace(/\s+/g, '');
}

async function shoot(page, name) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 375, height: 667 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(shots, `${name}-375.png`) });
  await page.setViewportSize(size);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(shots, `${name}-1280.png`) });
}

describe('end-to-end encryption', () => {
  it('two people talk in an encrypted DM, verify each other, and a new device reads only what follows its joining', { timeout: 300_000 }, async () => {
    const alice = await newPage(browser);
    const bob = await newPage(browser);
    const aliceName = uniqueName('alice');
    const bobName = uniqueName('bob');
    await signUp(alice, server.url, aliceName, 'Alice Martin');
    await signUp(bob, server.url, bobName, 'Bob Stone');

    // Alice starts an encrypted direct conversation.
    await alice.getByRole('button', { name: 'New conversation' }).click();
    await alice.getByRole('switch', { name: 'End-to-end encrypted' }).check();
    await alice.getByLabel('Find someone by username').fill(bobName);
    await alice.getByRole('button', { name: new RegExp(`@${bobName}`) }).click();
    await alice.getByRole('combobox', { name: 'Message' }).waitFor();
    await alice.locator('.conversation__title').getByRole('img', LOCK).waitFor();
    const roomId = Number(new URL(alice.url()).pathname.split('/').pop());
    await send(alice, 'Knock knock');
    await alice.locator('.msg__body', { hasText: 'Knock knock' }).waitFor(LONG);

    // Bob accepts; Alice's device adds his to the group; they talk both ways.
    await acceptInvitation(bob, 'Alice Martin', { request: true });
    await bob.locator('.conversation__title').getByRole('img', LOCK).waitFor();
    await bob.locator('.room').getByRole('img', LOCK).waitFor();
    await send(bob, 'Who is there? **Bob** here');
    await alice.locator('.msg__body', { hasText: 'Who is there? Bob here' }).waitFor(LONG);
    assert.equal(await alice.locator('.msg__body strong', { hasText: 'Bob' }).count(), 1, 'Markdown renders in decrypted messages');
    await send(alice, 'Secret plans at noon');
    await bob.locator('.msg__body', { hasText: 'Secret plans at noon' }).waitFor(LONG);
    await send(bob, 'Noon it is');
    await alice.locator('.msg__body', { hasText: 'Noon it is' }).waitFor(LONG);

    // Edits and reactions travel inside encrypted messages; replies too.
    const plans = bob.locator('.msg', { hasText: 'Secret plans at noon' });
    await plans.hover();
    await plans.getByRole('button', { name: 'Add reaction' }).click();
    await plans.getByRole('button', { name: 'React with 👍' }).click();
    await alice.locator('.msg', { hasText: 'Secret plans at noon' }).getByRole('button', { name: /^👍 1/ }).waitFor(LONG);
    const box = alice.getByRole('combobox', { name: 'Message' });
    await box.press('ArrowUp');
    await alice.getByText('Editing your message').waitFor();
    await box.fill('Secret plans at one');
    await box.press('Enter');
    await bob.locator('.msg__body', { hasText: 'Secret plans at one' }).waitFor(LONG);
    await bob.locator('.msg', { hasText: 'Secret plans at one' }).getByText('(edited)').waitFor();
    const noon = alice.locator('.msg', { hasText: 'Noon it is' });
    await noon.hover();
    await noon.getByRole('button', { name: 'Reply' }).click();
    await send(alice, 'One, then');
    await bob.locator('.msg', { hasText: 'One, then' }).locator('.quote', { hasText: 'Noon it is' }).waitFor(LONG);

    // A message decrypts once: after a reload, what was read comes from this device's encrypted store.
    await bob.reload();
    await bob.locator('.msg__body', { hasText: 'Secret plans at one' }).waitFor(LONG);
    await bob.locator('.msg__body', { hasText: 'Noon it is' }).first().waitFor(LONG);

    // The server holds ciphertext only.
    const auth = await api(server, null, 'POST', '/auth/signin', { username: aliceName, password: PASSWORD, device_name: 'test' });
    const { events } = await api(server, auth.tokens.access_token, 'GET', `/rooms/${roomId}/messages?limit=50`);
    const messages = events.filter((e) => e.content.type === 'message');
    assert.ok(messages.length >= 7, 'the messages, the edit and the reaction are stored');
    assert.ok(!events.some((e) => e.content.type === 'reaction_added' || e.content.type === 'message_edited'), 'no plain edits or reactions');
    for (const m of messages) assert.equal(m.content.body.type, 'encrypted');
    const stored = JSON.stringify(events);
    for (const text of ['Knock knock', 'Secret plans', 'Noon it is', 'Who is there', 'One, then', '👍']) assert.ok(!stored.includes(text), `"${text}" is not stored in the clear`);

    // Their safety numbers match; Alice marks Bob verified.
    await shoot(alice, 'e2ee-dm');
    const aliceNumber = await safetyNumber(alice);
    const bobNumber = await safetyNumber(bob);
    assert.match(aliceNumber, /^\d{60}$/);
    assert.equal(aliceNumber, bobNumber, 'both see the same safety number');
    await alice.locator('.verify__qr img').waitFor();
    await shoot(alice, 'e2ee-safety-number');
    await alice.getByRole('button', { name: 'Mark as verified' }).click();
    await alice.getByRole('status').filter({ hasText: 'You verified Bob Stone' }).waitFor();
    await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await bob.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    // Bob signs in on a second browser: a new device.
    const bob2 = await newPage(browser);
    await bob2.goto(server.url);
    await bob2.getByLabel('Username').fill(bobName);
    await bob2.getByLabel('Password').fill(PASSWORD);
    await bob2.locator('form').getByRole('button', { name: 'Sign in' }).click();
    await bob2.getByRole('button', { name: 'New conversation' }).waitFor();

    // Alice is told, in the conversation.
    await alice.getByRole('alert').filter({ hasText: 'Bob Stone’s devices changed; verify again' }).waitFor(LONG);
    await shoot(alice, 'e2ee-devices-changed');

    // The new device reads what is sent after it joined, not what came before.
    await bob2.getByRole('link', { name: /^Alice Martin/ }).click();
    await bob2.locator('.conversation__title').getByRole('img', LOCK).waitFor();
    await send(alice, 'Welcome, new device');
    await bob2.locator('.msg__body', { hasText: 'Welcome, new device' }).waitFor(LONG);
    await bob2.locator('.system', { hasText: BEFORE_JOIN }).first().waitFor(LONG);
    assert.equal(await bob2.locator('.msg__body', { hasText: 'Secret plans at one' }).count(), 0, 'older messages are not readable there');
    await bob2.getByText('Messages sent before this device joined can’t be read on it.').waitFor();
    // Bob's first device still reads the new message too.
    await bob.locator('.msg__body', { hasText: 'Welcome, new device' }).waitFor(LONG);
    await shoot(bob2, 'e2ee-new-device');

    for (const page of [alice, bob, bob2]) assert.deepEqual(page.problems, []);
    await alice.close();
    await bob.close();
    await bob2.close();
  });

  it('an encrypted group: invited people read what follows their joining', { timeout: 120_000 }, async () => {
    const alice = await newPage(browser);
    const bob = await newPage(browser);
    const bobName = uniqueName('bob');
    await signUp(alice, server.url, uniqueName('alice'), 'Alice Martin');
    await signUp(bob, server.url, bobName, 'Bob Stone');
    await alice.getByRole('button', { name: 'New conversation' }).click();
    await alice.getByRole('tab', { name: 'New group' }).click();
    await alice.getByLabel('Group name').fill('Secret club');
    await alice.getByLabel('Invite people by username').fill(bobName);
    await alice.getByRole('button', { name: new RegExp(`@${bobName}`) }).click();
    await alice.getByRole('switch', { name: 'End-to-end encrypted' }).check();
    await alice.getByRole('button', { name: /^Create group/ }).click();
    await alice.getByRole('heading', { level: 1, name: 'Secret club', exact: true }).waitFor();
    await alice.locator('.conversation__title').getByRole('img', LOCK).waitFor();

    await acceptInvitation(bob, 'Secret club');
    await send(bob, 'Glad to be in');
    await alice.locator('.msg__body', { hasText: 'Glad to be in' }).waitFor(LONG);
    await send(alice, 'Welcome to the club');
    await bob.locator('.msg__body', { hasText: 'Welcome to the club' }).waitFor(LONG);
    for (const page of [alice, bob]) assert.deepEqual(page.problems, []);
    await alice.close();
    await bob.close();
  });
});
