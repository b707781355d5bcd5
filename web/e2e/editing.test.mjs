// End-to-end: editing one's last message with the up arrow, and what happens to an
// edit, a deletion and a reaction made while offline: refused in words, the edit
// kept in the composer, and nothing changed until the connection is back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, newPage, send, signUp, startServer, uniqueName, createGroup } from './harness.mjs';

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

describe('editing', () => {
  it('the up arrow edits my last message; offline, changes are refused visibly and kept', async () => {
    const alice = await newPage(browser);
    await signUp(alice, server.url, uniqueName('alice'), 'Alice Martin');
    await createGroup(alice, 'Drafts', []);
    await send(alice, 'first draft');
    const message = alice.locator('.msg', { hasText: 'first draft' });
    await message.waitFor();
    await alice.waitForFunction(() => !document.querySelector('.msg--pending'));

    // The up arrow in the empty composer opens my last message for editing.
    const box = alice.getByRole('combobox', { name: 'Message' });
    await box.press('ArrowUp');
    await alice.getByText('Editing your message').waitFor();
    // The banner can paint a frame before the composer takes the text: wait for it.
    await alice.waitForFunction((el) => el.value !== '', await box.elementHandle(), { timeout: 5_000 }).catch(() => undefined);
    assert.equal(await box.inputValue(), 'first draft');
    await box.fill('second draft');
    await box.press('Enter');
    await alice.locator('.msg__body', { hasText: 'second draft' }).waitFor();

    // Offline: the banner says what waits and what does not.
    await alice.context().setOffline(true);
    await alice.getByRole('status').filter({ hasText: 'edits, deletions and reactions need it' }).waitFor({ timeout: 60_000 });
    await box.press('ArrowUp');
    await box.fill('an offline edit');
    await box.press('Enter');
    const alert = alice.getByRole('alert');
    await alert.filter({ hasText: 'you are offline' }).waitFor();
    assert.equal(await box.inputValue(), 'an offline edit', 'the edit is still in the composer');
    await alice.getByText('Editing your message').waitFor();
    assert.equal(await alice.locator('.msg__body', { hasText: 'second draft' }).count(), 1, 'the message is unchanged');

    // A deletion offline is refused in words too, and the message stays.
    await alice.getByRole('button', { name: 'Dismiss' }).click();
    await box.press('Escape');
    alice.once('dialog', (dialog) => void dialog.accept());
    const target = alice.locator('.msg', { hasText: 'second draft' });
    await target.hover();
    await target.getByRole('button', { name: 'Delete' }).click();
    await alert.filter({ hasText: 'Could not delete the message: you are offline' }).waitFor();
    assert.equal(await target.count(), 1);

    // Back online, the same edit goes through.
    await alice.context().setOffline(false);
    await alice.getByRole('status').filter({ hasText: 'edits, deletions and reactions need it' }).waitFor({ state: 'detached', timeout: 60_000 });
    await box.press('ArrowUp');
    await box.fill('an edit once back');
    await box.press('Enter');
    await alice.locator('.msg__body', { hasText: 'an edit once back' }).waitFor();
    assert.equal(await box.inputValue(), '');
  });
});
