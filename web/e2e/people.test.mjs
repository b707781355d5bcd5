// End-to-end: other people as a new user sees them. Profiles are live (a changed
// display name reaches the other person's open page without a reload), a new
// contact's presence shows at once, a client that is offline stops showing people
// online, and a weak password is explained in plain words.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { acceptInvitation, launchBrowser, newPage, openDirect, send, signUp, startServer, uniqueName } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('people', () => {
  it('a new display name reaches the other person live', async () => {
    const alice = await newPage(browser);
    const bob = await newPage(browser);
    const aliceName = uniqueName('alice');
    const bobName = uniqueName('bob');
    await signUp(alice, server.url, aliceName, 'Alice Martin');
    await signUp(bob, server.url, bobName, 'Bob Stone');
    await openDirect(alice, bobName);
    await send(alice, 'Hello Bob');
    // The tab's title counts what waits: here the message request.
    await bob.waitForFunction(() => document.title === '(1) Confab');
    await acceptInvitation(bob, 'Alice Martin', { request: true });
    await bob.locator('.msg__body', { hasText: 'Hello Bob' }).waitFor();
    await bob.waitForFunction(() => document.title === 'Alice Martin · Confab');

    await alice.getByRole('button', { name: /profile and settings/ }).click();
    await alice.getByLabel('Display name').fill('Alice Liddell');
    await alice.getByLabel('Status').fill('down the rabbit hole');
    await alice.getByRole('button', { name: 'Save profile' }).click();

    // Bob's open conversation and list follow, without a reload.
    await bob.getByRole('heading', { level: 1, name: 'Alice Liddell', exact: true }).waitFor();
    assert.equal(await bob.getByText('Alice Martin', { exact: true }).count(), 0, 'the old name is gone everywhere');
    await alice.close();
    await bob.close();
  });

  it('a new contact shows online at once, and no one shows online while I am offline', async () => {
    const alice = await newPage(browser);
    const bob = await newPage(browser);
    const aliceName = uniqueName('alice');
    const bobName = uniqueName('bob');
    await signUp(alice, server.url, aliceName, 'Alice Martin');
    await signUp(bob, server.url, bobName, 'Bob Stone');
    // Alice finds Bob by his surname: people search reads display names too.
    await alice.getByRole('button', { name: 'New conversation' }).click();
    await alice.getByLabel('Find someone by username').fill('Stone');
    await alice.getByRole('button', { name: new RegExp(`@${bobName}`) }).click();
    await alice.getByRole('combobox', { name: 'Message' }).waitFor();
    await send(alice, 'First message');
    await acceptInvitation(bob, 'Alice Martin', { request: true });

    // Both were online before they shared a room; each list says so without opening anything.
    await alice.getByRole('link', { name: /^Bob Stone.*, online/ }).waitFor();
    await bob.getByRole('link', { name: /^Alice Martin.*, online/ }).waitFor();
    const subtitle = bob.locator('.conversation__title p');
    assert.match(await subtitle.textContent(), /^online/);

    // Bob's network goes: he can no longer know who is online.
    await bob.context().setOffline(true);
    await bob.waitForFunction(() => !/^online/.test(document.querySelector('.conversation__title p')?.textContent ?? ''), null, { timeout: 60_000 });
    assert.equal(await bob.getByRole('link', { name: /, online/ }).count(), 0);
    await bob.context().setOffline(false);
    await bob.getByRole('link', { name: /^Alice Martin.*, online/ }).waitFor({ timeout: 60_000 });
    await alice.close();
    await bob.close();
  });

  it('a weak password is explained in words for people', async () => {
    const page = await newPage(browser);
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Username').fill(uniqueName('dave'));
    await page.getByLabel('Password').fill('password1234');
    await page.getByRole('button', { name: 'Create account' }).click();
    const error = page.locator('#password-error');
    await error.waitFor();
    const text = await error.textContent();
    assert.match(text, /too easy to guess/);
    assert.doesNotMatch(text, /This is a|top-10|\(/, `library wording: ${text}`);
    await page.close();
  });
});
