// Writes screenshots of the main screens to docs/screenshots/ (desktop 1280x800 and
// phone 375x667, light and dark), against a real confab with some seeded chat.
// Run: npm run screenshots (after `cargo build --bin confab`).

import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, PASSWORD, startServer } from './harness.mjs';

const out = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');
mkdirSync(out, { recursive: true });

const server = await startServer();
const browser = await launchBrowser();

async function api(token, method, path, body) {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

let n = 0;
async function user(username, display_name) {
  const { user, tokens } = await api(null, 'POST', '/auth/signup', { username, password: PASSWORD, display_name });
  return { ...user, token: tokens.access_token };
}
const say = (who, room, text, extra = {}) => api(who.token, 'POST', `/rooms/${room}/messages`, { client_id: `seed-${++n}`, body: { type: 'text', text }, ...extra });

try {
  const alice = await user('alice', 'Alice Martin');
  const bob = await user('bob', 'Bob Stone');
  const carol = await user('carol', 'Carol Diaz');
  const dev = await user('dev', 'Dev Patel');

  const group = await api(alice.token, 'POST', '/rooms', { name: 'Launch crew', topic: 'Ship v1 on Friday', members: [bob.id, carol.id, dev.id] });
  await say(alice, group.id, 'Morning all! Release checklist is in the wiki: https://example.org/wiki/release');
  await say(carol, group.id, 'Thanks. The **migration** ran clean on staging 🎉');
  const q = await say(dev, group.id, 'Do we still need the `--legacy-auth` flag?');
  await say(alice, group.id, 'No, it can go. I will remove it today.', { reply_to: q.seq });
  await api(bob.token, 'PUT', `/rooms/${group.id}/messages/${q.seq}/reactions/${encodeURIComponent('👍')}`);
  await api(carol.token, 'PUT', `/rooms/${group.id}/messages/${q.seq}/reactions/${encodeURIComponent('👍')}`);
  await say(bob, group.id, "@alice can you look at the load test numbers?\n```\np50  4 ms\np99 21 ms\n```");
  await say(carol, group.id, 'Looks *great*. Shipping it.');

  const dm = await api(alice.token, 'POST', '/rooms/direct', { user_id: bob.id });
  await say(bob, dm.id, 'Lunch at noon?');
  const lunch = await say(alice, dm.id, 'Sure, the usual place.');
  await api(alice.token, 'POST', `/rooms/${dm.id}/read`, { seq: lunch.seq });
  const dm2 = await api(carol.token, 'POST', '/rooms/direct', { user_id: alice.id });
  await say(carol, dm2.id, 'Sent you the slides for tomorrow');

  const shots = [
    { name: 'signin', viewport: { width: 1280, height: 800 }, scheme: 'light', signedOut: true },
    { name: 'desktop-light', viewport: { width: 1280, height: 800 }, scheme: 'light', room: group.id },
    { name: 'desktop-dark', viewport: { width: 1280, height: 800 }, scheme: 'dark', room: group.id },
    { name: 'desktop-members-light', viewport: { width: 1280, height: 800 }, scheme: 'light', room: group.id, members: true },
    { name: 'phone-list-light', viewport: { width: 375, height: 667 }, scheme: 'light' },
    { name: 'phone-conversation-light', viewport: { width: 375, height: 667 }, scheme: 'light', room: group.id },
    { name: 'phone-list-dark', viewport: { width: 375, height: 667 }, scheme: 'dark' },
    { name: 'phone-conversation-dark', viewport: { width: 375, height: 667 }, scheme: 'dark', room: group.id },
    { name: 'desktop-settings-light', viewport: { width: 1280, height: 800 }, scheme: 'light', settings: true },
    { name: 'phone-settings-dark', viewport: { width: 375, height: 667 }, scheme: 'dark', settings: true },
  ];
  for (const shot of shots) {
    const context = await browser.newContext({ viewport: shot.viewport, colorScheme: shot.scheme, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(server.url);
    if (!shot.signedOut) {
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: /Launch crew/ }).waitFor();
      if (shot.room) {
        await page.getByRole('link', { name: /Launch crew/ }).click();
        await page.locator('.msg__body', { hasText: 'Shipping it' }).waitFor();
        await page.locator('.member, .msg').first().waitFor();
        if (shot.members) {
          await page.getByRole('button', { name: 'Members' }).click();
          await page.getByRole('complementary', { name: 'Conversation details' }).getByText('Dev Patel').waitFor();
        }
      }
      if (shot.settings) {
        await page.getByRole('button', { name: /profile and settings/ }).click();
        await page.getByLabel('Show me in search to everyone').waitFor();
      }
      // Let presence and names settle; no hover effects in the picture.
      await page.mouse.move(0, shot.viewport.height - 1);
      await page.waitForTimeout(400);
    }
    const file = join(out, `${shot.name}.png`);
    await page.screenshot({ path: file });
    console.log(`wrote ${file}`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
