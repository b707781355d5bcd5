// End-to-end: a conversation opened with unread messages starts at a "New messages"
// divider before the first of them, not at the newest message; the divider stays
// while the conversation is open.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, apiUser, launchBrowser, newPage, PASSWORD, startServer } from './harness.mjs';

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

describe('unread messages', () => {
  it('open at a "New messages" divider', async () => {
    const alice = await apiUser(server, 'Alice Martin');
    const bob = await apiUser(server, 'Bob Stone');
    const room = await api(server, alice.token, 'POST', '/rooms/direct', { user_id: bob.id });
    let n = 0;
    const say = (who, text) => api(server, who.token, 'POST', `/rooms/${room.id}/messages`, { client_id: `u-${++n}`, body: { type: 'text', text } });
    await say(alice, 'Morning!');
    await api(server, bob.token, 'POST', `/invitations/${room.id}/accept`);
    let last;
    for (let i = 0; i < 20; i++) last = await say(bob, `Read before: ${i}`);
    await api(server, bob.token, 'POST', `/rooms/${room.id}/read`, { seq: last.seq });
    for (let i = 0; i < 40; i++) await say(alice, `Unread ${i}: a line about the release plan`);

    const page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
    await page.goto(server.url);
    await page.getByLabel('Username').fill(bob.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: /Alice Martin.*[0-9]+ unread/ }).click();

    const divider = page.getByRole('separator', { name: 'New messages' });
    await divider.waitFor();
    // It comes right before the first unread message...
    const next = await page.evaluate(() => document.querySelector('.new-messages')?.nextElementSibling?.textContent ?? '');
    assert.match(next, /Unread 0:/);
    // ...and the view starts there, not at the newest message.
    const log = page.getByRole('log', { name: 'Messages' });
    const [dividerBox, logBox] = [await divider.boundingBox(), await log.boundingBox()];
    assert.ok(dividerBox.y >= logBox.y && dividerBox.y < logBox.y + 120, `the divider is at the top of the view: ${dividerBox.y} in ${logBox.y}..`);
    const newest = page.locator('.msg__body', { hasText: 'Unread 39:' });
    const newestBox = await newest.boundingBox();
    assert.ok(newestBox.y > logBox.y + logBox.height, 'the newest is below the view');
    await page.getByRole('button', { name: /Jump to latest/ }).waitFor();
    if (process.env.CONFAB_SHOTS_DIR) await page.screenshot({ path: `${process.env.CONFAB_SHOTS_DIR}/desktop-new-messages.png` });
    // Opened means read: the list no longer counts them, the divider stays.
    await page.getByRole('link', { name: /^Alice Martin(?!.*\d+ unread)/ }).waitFor();
    await page.getByRole('button', { name: /Jump to latest/ }).click();
    await page.waitForFunction(() => {
      const log = document.querySelector('[role="log"]');
      return log !== null && log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    });
    assert.equal(await divider.count(), 1);
  });
});
