// End-to-end: axe-core finds no serious or critical violation on any main screen
// (sign-in, the conversation list, a conversation with a long history, a group's
// members, settings, new conversation, search), in the light and the dark theme, on a
// desktop and on a phone, with long names and previews.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, apiUser, axeViolations, launchBrowser, newPage, PASSWORD, startServer } from './harness.mjs';

let server;
let browser;
let seeded;

/** A reader with a direct conversation of 120 messages and a group with long names. */
async function seed() {
  const reader = await apiUser(server, 'Maximiliane Theodora Wolkenstein-Hohenberg', 'a11y');
  const friend = await apiUser(server, 'Bartholomew Alexander Featherstonehaugh', 'a11y');
  const third = await apiUser(server, 'Chidinma Adaeze Okonkwo-Eze', 'a11y');
  const direct = await api(server, friend.token, 'POST', '/rooms/direct', { user_id: reader.id });
  let n = 0;
  const say = (who, room, text) => api(server, who.token, 'POST', `/rooms/${room}/messages`, { client_id: `a11y-${++n}`, body: { type: 'text', text } });
  await say(friend, direct.id, 'Hi! Are you coming to the planning meeting for the autumn release tomorrow morning?');
  const invitation = (await api(server, reader.token, 'GET', '/invitations')).invitations[0];
  await api(server, reader.token, 'POST', `/invitations/${invitation.room.id}/accept`);
  for (let i = 0; i < 120; i++) {
    const who = i % 3 === 0 ? reader : friend;
    const text = i % 10 === 0 ? 'Here is the query:\n```sql\nSELECT id, name FROM rooms WHERE archived = false ORDER BY last_activity DESC;\n```' : `Message ${i}: a realistic sentence about the release checklist, the migration order and who reviews what.`;
    await say(who, direct.id, text);
  }
  const group = await api(server, reader.token, 'POST', '/rooms', { name: 'Release coordination for the autumn platform migration', members: [friend.id, third.id] });
  for (const member of [friend, third]) await api(server, member.token, 'POST', `/invitations/${group.id}/accept`);
  await say(third, group.id, 'The staging database is migrated; production goes on Thursday after the backup has been verified twice.');
  return { reader, direct: direct.id, group: group.id };
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  seeded = await seed();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Signs the reader in on a new page with `options` (viewport, colour scheme). */
async function signedIn(options) {
  const page = await newPage(browser, options);
  await page.goto(server.url);
  await page.getByLabel('Username').fill(seeded.reader.username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'New conversation' }).waitFor();
  return page;
}

const LAYOUTS = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'phone', viewport: { width: 375, height: 667 } },
];

describe('accessibility of the main screens', () => {
  for (const layout of LAYOUTS) {
    for (const colorScheme of ['light', 'dark']) {
      it(`${layout.name}, ${colorScheme}`, async () => {
        const found = [];
        const check = async (page, screen) => {
          for (const violation of await axeViolations(page)) found.push(`${screen}: ${violation}`);
        };
        const options = { viewport: layout.viewport, colorScheme };
        const anonymous = await newPage(browser, options);
        await anonymous.goto(server.url);
        await anonymous.getByLabel('Username').waitFor();
        await check(anonymous, 'sign-in');
        await anonymous.close();

        const page = await signedIn(options);
        await check(page, 'conversation list');
        await page.goto(`${server.url}/rooms/${seeded.direct}`);
        await page.locator('.msg__body', { hasText: 'Message 119' }).waitFor();
        await check(page, 'conversation');
        await page.goto(`${server.url}/rooms/${seeded.group}`);
        await page.locator('.msg__body', { hasText: 'staging database' }).waitFor();
        await check(page, 'group');
        await page.goto(server.url);
        await page.getByRole('button', { name: 'New conversation' }).click();
        await page.getByLabel('Find someone by username').waitFor();
        await check(page, 'new conversation');
        await page.keyboard.press('Escape');
        await page.getByRole('button', { name: 'Search messages' }).click();
        await page.keyboard.type('migration');
        await page.locator('mark').first().waitFor();
        await check(page, 'search');
        await page.goto(`${server.url}/settings`);
        await page.getByRole('heading', { name: 'Settings' }).waitFor();
        await check(page, 'settings');
        await page.close();
        assert.deepEqual(found, []);
      });
    }
  }
});
