// End-to-end: editing one's last message with the up arrow, and what happens to an
// edit, a deletion and a reaction made while offline: shown at once as waiting, and
// sent once, in order, when the connection is back (a second session of the same
// account counts the events the server stored).
/* global WebSocket -- evaluated in the page */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, createGroup, launchBrowser, newPage, PASSWORD, send, signUp, startServer, uniqueName } from './harness.mjs';

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

/** Opens a second WebSocket session of `token` in `page`, recording the room's change events. */
async function watchChanges(page, token) {
  await page.goto(`${server.url}/healthz`).catch(() => undefined);
  await page.evaluate(
    ({ url, token }) =>
      new Promise((resolve) => {
        window.changes = [];
        const ws = new WebSocket(url);
        ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', token }));
        ws.onmessage = (m) => {
          const frame = JSON.parse(m.data);
          if (frame.type === 'ready') resolve();
          const type = frame.event?.content?.type;
          if (['message_edited', 'message_deleted', 'reaction_added', 'reaction_removed'].includes(type)) window.changes.push(type);
        };
      }),
    { url: `${server.url.replace('http', 'ws')}/api/v1/ws`, token },
  );
  return () => page.evaluate(() => window.changes);
}

describe('editing', () => {
  it('the up arrow edits my last message; offline, edits, deletions and reactions wait and are sent once', async () => {
    const alice = await newPage(browser);
    const username = uniqueName('alice');
    await signUp(alice, server.url, username, 'Alice Martin');
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

    await send(alice, 'a line to delete');
    await alice.locator('.msg__body', { hasText: 'a line to delete' }).waitFor();
    await alice.waitForFunction(() => !document.querySelector('.msg--pending'));

    // A second session of Alice's counts what the server stores from here on.
    const { tokens } = await api(server, null, 'POST', '/auth/signin', { username, password: PASSWORD });
    const changes = await watchChanges(await newPage(browser), tokens.access_token);

    // Offline: the banner says that changes wait too.
    await alice.context().setOffline(true);
    await alice.getByRole('status').filter({ hasText: 'edits, deletions and reactions are sent when the connection is back' }).waitFor({ timeout: 60_000 });
    const edited = alice.locator('.msg', { hasText: 'second draft' });
    await edited.hover();
    await edited.getByRole('button', { name: 'Edit' }).click();
    await alice.getByText('Editing your message').waitFor();
    await box.fill('an offline edit');
    await box.press('Enter');
    const waiting = alice.locator('.msg', { hasText: 'an offline edit' });
    await waiting.getByText('waiting for the connection').waitFor();
    assert.equal(await box.inputValue(), '', 'the composer is free again');

    // A reaction and a deletion wait too, shown at once.
    await waiting.hover();
    await waiting.getByRole('button', { name: 'Add reaction' }).click();
    await waiting.getByRole('button', { name: 'React with 👍' }).click();
    await waiting.getByRole('button', { name: /^👍 1/ }).waitFor();
    alice.once('dialog', (dialog) => void dialog.accept());
    const doomed = alice.locator('.msg', { hasText: 'a line to delete' });
    await doomed.hover();
    await doomed.getByRole('button', { name: 'Delete' }).click();
    await alice.locator('.msg', { hasText: 'This message was deleted.' }).getByText('waiting for the connection').waitFor();
    assert.equal(await alice.getByRole('alert').count(), 0, 'nothing is refused');
    if (process.env.CONFAB_SHOTS_DIR) await alice.screenshot({ path: `${process.env.CONFAB_SHOTS_DIR}/desktop-offline-changes.png` });

    assert.deepEqual(await changes(), [], 'nothing reached the server while offline');

    // Back online: each is sent once, in order, and nothing waits any more.
    await alice.context().setOffline(false);
    await alice.getByText('waiting for the connection').first().waitFor({ state: 'detached', timeout: 60_000 });
    const deadline = Date.now() + 10_000;
    while ((await changes()).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await changes(), ['message_edited', 'reaction_added', 'message_deleted']);
    const [group] = (await api(server, tokens.access_token, 'GET', '/rooms')).rooms;
    const { events } = await api(server, tokens.access_token, 'GET', `/rooms/${group.room.id}/messages?limit=50`);
    const texts = events.filter((e) => e.content.type === 'message');
    const draft = texts.find((e) => e.content.body?.text === 'an offline edit');
    assert.deepEqual(draft.content.reactions.map((r) => r.emoji), ['👍']);
    assert.equal(texts.filter((e) => e.content.deleted_at).length, 1);

    // And the up arrow still edits once back.
    await box.press('ArrowUp');
    await alice.getByText('Editing your message').waitFor();
    await box.fill('an edit once back');
    await box.press('Enter');
    await alice.locator('.msg__body', { hasText: 'an edit once back' }).waitFor();
    assert.equal(await box.inputValue(), '');
  });
});
