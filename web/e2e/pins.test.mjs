// End-to-end: pinned messages, in Chromium against a real `confab serve` that holds at
// most 3 pins per room. Alice, the owner, pins from a message's menu; Bob, a member,
// sees the mark and the timeline's line live, finds the pins in the conversation's
// details, and opens one 80 messages back, which loads the history around it. Bob
// cannot pin while only admins pin, and can once Alice lets everyone; the fourth pin
// is refused in words; unpinning (from the menu, from the list) shows live on both
// sides. On a phone, the list with long names and texts fits the screen, and opening
// a pin closes the details. Screenshots go to $SCREENSHOTS (default /tmp/confab-pins).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { api, apiUser, axeViolations, launchBrowser, newPage, PASSWORD, signUp, startServer, uniqueName } from './harness.mjs';

const SHOTS = process.env.SCREENSHOTS ?? '/tmp/confab-pins';
let server;
let browser;

before(async () => {
  server = await startServer(['--max-pins-per-room', '3']);
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const CHECKLIST = [
  "**Release checklist for 2.4**, before Thursday's deploy:",
  '1. Freeze `main` at noon and tag `v2.4.0-rc1`',
  '2. Run the full migration rehearsal against last night’s production snapshot (about 40 minutes)',
  '3. Send the changelog draft to support so they can update the help-centre articles',
  '4. Watch the new search latency alerts for an hour after the switch',
  'Please merge nothing after the freeze unless it is a release blocker.',
].join('\n');
const STANDUP = 'Standup moves to 10:30 tomorrow, same room.';

async function signIn(username) {
  const auth = await api(server, null, 'POST', '/auth/signin', { username, password: PASSWORD, device_name: 'seed' });
  return { token: auth.tokens.access_token, id: auth.user.id };
}

/** Sends a message over REST; answers its event. */
const say = (token, roomId, text) => api(server, token, 'POST', `/rooms/${roomId}/messages`, { client_id: randomUUID(), body: { type: 'text', text } });

function filler(i) {
  const topics = ['the staging database', 'the on-call rota', 'the API docs', 'the flaky upload test', 'the design review', 'the load test numbers'];
  return `Update ${i}: a quick note about ${topics[i % topics.length]}, nothing blocking.`;
}

/** The message of `page`'s open conversation that holds `text`. */
function message(page, text) {
  return page.getByRole('log', { name: 'Messages' }).getByRole('article').filter({ hasText: text });
}

/** Asserts that `locator` is inside the conversation's visible part. */
async function assertInView(page, locator) {
  const view = await page.getByRole('log', { name: 'Messages' }).boundingBox();
  const box = await locator.boundingBox();
  assert.ok(box && box.y >= view.y && box.y + box.height <= view.y + view.height, `in view: ${JSON.stringify({ view, box })}`);
}

describe('pinned messages', () => {
  it('pinned live, listed in the details, opened far back in history, by policy, and unpinned live', async () => {
    const alice = await newPage(browser);
    const bob = await newPage(browser);
    const aliceName = uniqueName('alice');
    const bobName = uniqueName('bob');
    await signUp(alice, server.url, aliceName, 'Alice Martin');
    await signUp(bob, server.url, bobName, 'Bob Stone');
    const a = await signIn(aliceName);
    const b = await signIn(bobName);

    // The checklist, then 80 messages, then the standup note: the checklist is not
    // in the page of newest messages a conversation opens with.
    const group = await api(server, a.token, 'POST', '/rooms', { name: `Launch crew ${uniqueName('l')}`, topic: 'Shipping 2.4', members: [b.id] });
    await api(server, b.token, 'POST', `/invitations/${group.id}/accept`);
    const checklist = await say(a.token, group.id, CHECKLIST);
    for (let i = 1; i <= 80; i++) await say(i % 2 ? b.token : a.token, group.id, filler(i));
    await say(a.token, group.id, STANDUP);
    for (const page of [alice, bob]) await page.goto(`${server.url}/rooms/${group.id}`);
    await message(alice, STANDUP).waitFor();
    await message(bob, STANDUP).waitFor();

    // Only admins pin: Bob's menu has no Pin.
    await message(bob, STANDUP).hover();
    await message(bob, STANDUP).getByRole('button', { name: 'Reply' }).waitFor();
    assert.equal(await message(bob, STANDUP).getByRole('button', { name: 'Pin', exact: true }).count(), 0);

    // Alice pins from the message's menu; Bob sees the mark and the line live.
    await message(alice, STANDUP).hover();
    await message(alice, STANDUP).getByRole('button', { name: 'Pin', exact: true }).click();
    await message(alice, STANDUP).getByText('Pinned by you').waitFor();
    await message(bob, STANDUP).getByText('Pinned by Alice Martin').waitFor();
    await bob.getByRole('button', { name: 'Alice Martin pinned a message' }).waitFor();
    assert.match(await message(bob, STANDUP).getAttribute('aria-label'), /^Alice Martin at .*, pinned$/);

    // Alice pins the checklist, 80 messages back, through the API: neither page has it.
    await api(server, a.token, 'PUT', `/rooms/${group.id}/pins/${checklist.seq}`);
    await bob.getByRole('button', { name: 'Pinned messages (2)' }).click();
    const list = bob.getByRole('list', { name: 'Pinned messages' });
    const pins = list.getByRole('listitem');
    await pins.nth(1).waitFor();
    assert.equal(await pins.count(), 2);
    const first = await pins.nth(0).innerText();
    assert.match(first, /Release checklist for 2\.4, before Thursday's deploy: Freeze main at noon/);
    assert.doesNotMatch(first, /\*\*|`/, 'the excerpt has no Markdown marks');
    assert.match(first, /Pinned by Alice Martin/);
    assert.match(await pins.nth(1).innerText(), /Standup moves to 10:30/);
    assert.equal(await list.getByRole('button', { name: /^Unpin/ }).count(), 0, 'a member may not unpin while only admins pin');
    await bob.screenshot({ path: `${SHOTS}/pinned-desktop.png` });
    assert.deepEqual(await axeViolations(bob), []);

    // Opening the checklist loads the history around it, brings it into view and flashes it.
    await pins.nth(0).getByRole('button', { name: /Release checklist/ }).click();
    const target = message(bob, 'Release checklist for 2.4');
    await bob.locator('.msg--flash', { hasText: 'Release checklist for 2.4' }).waitFor();
    await assertInView(bob, target);
    await target.getByText('Pinned by Alice Martin').waitFor();
    assert.equal(await message(bob, STANDUP).count(), 0, 'the newest messages are not loaded');
    await bob.getByRole('tab', { name: 'Members' }).click();
    await bob.getByText('Only admins pin messages.').waitFor();

    // Alice lets every member pin; Bob's details say so, and his menu has Pin.
    await alice.getByRole('button', { name: 'Members' }).click();
    await alice.getByRole('radiogroup', { name: 'Who can pin messages' }).getByRole('radio', { name: /Everyone/ }).click();
    await alice.getByText('every member pins messages').waitFor();
    await bob.getByText('Every member can pin messages.').waitFor();
    const third = message(bob, filler(3));
    await third.hover();
    await third.getByRole('button', { name: 'Pin', exact: true }).click();
    await third.getByText('Pinned by you').waitFor();
    // Alice has no copy of that message: her list is read again, and shows it.
    await alice.getByRole('button', { name: 'Bob Stone pinned a message' }).waitFor();
    await alice.getByRole('button', { name: 'Pinned messages (3)' }).click();
    await alice.getByRole('list', { name: 'Pinned messages' }).getByRole('listitem').filter({ hasText: filler(3) }).waitFor();

    // The server holds 3 pins: a fourth is refused, in words.
    const fourth = message(bob, filler(4));
    await fourth.hover();
    await fourth.getByRole('button', { name: 'Pin', exact: true }).click();
    await bob.getByRole('alert').filter({ hasText: 'as many pinned messages as it can hold' }).waitFor();

    // Alice's line of Bob's pin shows the message, far back in her history.
    await alice.getByRole('button', { name: 'Bob Stone pinned a message' }).click();
    await alice.locator('.msg--flash', { hasText: filler(3) }).waitFor();
    await assertInView(alice, message(alice, filler(3)));

    // Unpinning shows live: Alice unpins the standup note from its menu (her window
    // is back at the latest), Bob his own pin from the list.
    await bob.getByRole('tab', { name: /^Pinned/ }).click();
    await list.getByRole('listitem').nth(2).waitFor();
    await alice.getByRole('button', { name: /Jump to latest/ }).click();
    await message(alice, STANDUP).hover();
    await message(alice, STANDUP).getByRole('button', { name: 'Unpin' }).click();
    await list.getByRole('listitem').filter({ hasText: STANDUP }).waitFor({ state: 'detached' });
    assert.equal(await list.getByRole('listitem').count(), 2);
    await list.getByRole('button', { name: 'Unpin the message from Bob Stone' }).click();
    await list.getByRole('listitem').filter({ hasText: filler(3) }).waitFor({ state: 'detached' });
    await alice.getByRole('button', { name: 'Pinned messages (1)' }).waitFor();
    assert.equal(await message(alice, STANDUP).locator('.msg__pinned').count(), 0);
    await alice.getByRole('button', { name: 'Alice Martin unpinned a message' }).waitFor();

    for (const page of [alice, bob]) assert.deepEqual(page.problems, []);
    for (const page of [alice, bob]) await page.context().close();
  });

  for (const colorScheme of ['light', 'dark']) {
    it(`the pinned list fits a phone, with long names and texts (${colorScheme})`, async () => {
      const phone = await newPage(browser, { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, colorScheme });
      const username = uniqueName('max');
      await signUp(phone, server.url, username, 'Maximiliane Oyelaran-Fitzgerald');
      const me = await signIn(username);
      const lead = await apiUser(server, 'Dr. Evangelina Rosenthal-Okonkwo');
      const group = await api(server, lead.token, 'POST', '/rooms', { name: 'Platform reliability & incident review (EMEA)', topic: '', members: [me.id], pinning: 'everyone' });
      await api(server, me.token, 'POST', `/invitations/${group.id}/accept`);
      const runbook = await say(
        lead.token,
        group.id,
        '## Incident runbook\nIf the **payments queue** backs up, first check https://status.internal.example.com/dashboards/payments-queue-depth-by-region?range=24h&compare=previous-week before paging anyone, then follow the steps in the on-call guide.',
      );
      const postmortem = await say(me.token, group.id, 'Postmortem for the 14 March outage is up: root cause was an expired intermediate certificate on the EU load balancers. Action items are assigned; please review yours by Friday.');
      const word = await say(lead.token, group.id, 'Reminder: the rollout flag is payments_v2_idempotency_keys_enforced_for_all_merchants_globally and it stays off until sign-off.');
      for (let i = 1; i <= 60; i++) await say(i % 2 ? lead.token : me.token, group.id, filler(i));
      for (const event of [runbook, postmortem, word]) await api(server, lead.token, 'PUT', `/rooms/${group.id}/pins/${event.seq}`);

      await phone.goto(`${server.url}/rooms/${group.id}`);
      await message(phone, filler(60)).waitFor();
      await phone.getByRole('button', { name: 'Pinned messages (3)' }).click();
      const pins = phone.getByRole('list', { name: 'Pinned messages' }).getByRole('listitem');
      await pins.nth(2).waitFor();
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(overflow, 0, 'no horizontal scrolling');
      for (let i = 0; i < 3; i++) {
        const box = await pins.nth(i).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `pin ${i} is within the screen: ${JSON.stringify(box)}`);
        const unpin = await pins.nth(i).getByRole('button', { name: /^Unpin/ }).boundingBox();
        assert.ok(unpin && unpin.x + unpin.width <= 375, 'its Unpin button is on screen');
      }
      // Excerpts are at most two lines.
      const lines = await phone.locator('.pin__excerpt').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().height / parseFloat(window.getComputedStyle(e).lineHeight))));
      assert.ok(lines.every((n) => n >= 1 && n <= 2), `excerpt lines: ${lines}`);
      await phone.screenshot({ path: `${SHOTS}/pinned-phone-${colorScheme}.png` });
      assert.deepEqual(await axeViolations(phone), []);

      // Opening a pin closes the details (they cover the conversation) and shows it.
      await pins.filter({ hasText: 'Incident runbook' }).getByRole('button', { name: /Incident runbook/ }).click();
      await phone.locator('.msg--flash', { hasText: 'Incident runbook' }).waitFor();
      assert.equal(await phone.getByRole('list', { name: 'Pinned messages' }).count(), 0);
      await assertInView(phone, message(phone, 'Incident runbook'));
      await phone.screenshot({ path: `${SHOTS}/pinned-phone-shown-${colorScheme}.png` });
      assert.deepEqual(phone.problems, []);
      await phone.context().close();
    });
  }
});
