// Writes screenshots of the main screens to docs/screenshots/ (desktop 1280x800 and
// phone 375x667, light and dark), against a real confab with some seeded chat; then
// of invitations, a message request and the blocked list, seeded after the first ones
// so that those show the everyday screens.
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

/** Signs in as Alice in a fresh browser context for each shot and writes its PNG. */
async function shoot(shots) {
  for (const shot of shots) {
    const context = await browser.newContext({ viewport: shot.viewport, colorScheme: shot.scheme, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(server.url);
    if (!shot.signedOut) {
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: /Launch crew/ }).waitFor();
      if (shot.pending) await page.getByRole('button', { name: /Accept message request from Maximilian/ }).waitFor();
      if (shot.room) {
        await page.getByRole('link', { name: new RegExp(`^${shot.room}`) }).click();
        await page.locator('.msg__body').last().waitFor();
        if (shot.room === 'Launch crew') await page.locator('.msg__body', { hasText: 'Shipping it' }).waitFor();
        if (shot.members) {
          await page.getByRole('button', { name: 'Members' }).click();
          await page.getByRole('complementary', { name: 'Conversation details' }).getByText('Dev Patel').waitFor();
        }
      }
      if (shot.settings) {
        await page.getByRole('button', { name: /profile and settings/ }).click();
        await page.getByLabel('Show me in search to everyone').waitFor();
        await page.getByRole('button', { name: 'Unblock Limited Time Offers' }).waitFor();
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
}

try {
  const alice = await user('alice', 'Alice Martin');
  const bob = await user('bob', 'Bob Stone');
  const carol = await user('carol', 'Carol Diaz');
  const dev = await user('dev', 'Dev Patel');

  const group = await api(alice.token, 'POST', '/rooms', { name: 'Launch crew', topic: 'Ship v1 on Friday', members: [bob.id, carol.id, dev.id] });
  // Everyone invited joins by accepting.
  for (const who of [bob, carol, dev]) await api(who.token, 'POST', `/invitations/${group.id}/accept`);
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

  await shoot([
    { name: 'signin', viewport: { width: 1280, height: 800 }, scheme: 'light', signedOut: true },
    { name: 'desktop-light', viewport: { width: 1280, height: 800 }, scheme: 'light', room: 'Launch crew' },
    { name: 'desktop-dark', viewport: { width: 1280, height: 800 }, scheme: 'dark', room: 'Launch crew' },
    { name: 'desktop-members-light', viewport: { width: 1280, height: 800 }, scheme: 'light', room: 'Launch crew', members: true },
    { name: 'phone-list-light', viewport: { width: 375, height: 667 }, scheme: 'light' },
    { name: 'phone-conversation-light', viewport: { width: 375, height: 667 }, scheme: 'light', room: 'Launch crew' },
    { name: 'phone-list-dark', viewport: { width: 375, height: 667 }, scheme: 'dark' },
    { name: 'phone-conversation-dark', viewport: { width: 375, height: 667 }, scheme: 'dark', room: 'Launch crew' },
  ]);

  // Then, pending for Alice: a message request from a stranger and an invitation to a
  // group (long names, to show how they are cut); a request of her own that waits
  // for its answer; and someone she blocked.
  const stranger = await user('maximilian', 'Maximilian Featherstonehaugh-Wolfeschlegelstein');
  await api(stranger.token, 'POST', '/rooms/direct', { user_id: alice.id });
  const guildLead = await user('priya', 'Priya Raghunathan');
  await api(guildLead.token, 'POST', '/rooms', { name: 'Platform engineering guild: infrastructure roadmap 2027', topic: 'Monthly sync', members: [alice.id] });
  const sam = await user('sam', 'Sam Okonkwo');
  const request = await api(alice.token, 'POST', '/rooms/direct', { user_id: sam.id });
  await say(alice, request.id, 'Hi Sam! Dev said you run the Berlin meetup. Could we give a talk about Confab there?');
  const spammer = await user('promo', 'Limited Time Offers');
  await api(alice.token, 'PUT', `/blocks/${spammer.id}`);

  await shoot([
    { name: 'desktop-invitations-light', viewport: { width: 1280, height: 800 }, scheme: 'light', room: 'Sam Okonkwo', pending: true },
    { name: 'phone-invitations-light', viewport: { width: 375, height: 667 }, scheme: 'light', pending: true },
    { name: 'phone-invitations-dark', viewport: { width: 375, height: 667 }, scheme: 'dark', pending: true },
    { name: 'desktop-settings-light', viewport: { width: 1280, height: 800 }, scheme: 'light', settings: true, pending: true },
    { name: 'phone-settings-dark', viewport: { width: 375, height: 667 }, scheme: 'dark', settings: true, pending: true },
  ]);
} finally {
  await browser.close();
  await server.stop();
}
