// End-to-end: message search and jumping to a hit far back in history, in Chromium
// against a real `confab serve`. The history is written over REST (quicker than
// typing 160 messages); the searching and reading happen in the browser.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { axeViolations, launchBrowser, newPage, PASSWORD, signUp, startServer, uniqueName } from './harness.mjs';

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

const GERMAN = 'Wir treffen uns morgen früh am Hauptbahnhof, bring bitte die Fahrkarten mit.';
const RUSSIAN = 'Завтра утром мы поедем на вокзал и купим билеты до Петербурга.';
const JAPANESE = '明日の会議は午後三時に始まりますので、資料を準備してください。';

/** A REST call as `token`'s user; waits out rate limiting. */
async function api(token, method, path, body) {
  for (;;) {
    const response = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 429) {
      await new Promise((r) => setTimeout(r, 1000 * Number(response.headers.get('retry-after') ?? 1)));
      continue;
    }
    const text = await response.text();
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
}

async function signIn(username) {
  const auth = await api(null, 'POST', '/auth/signin', { username, password: PASSWORD, device_name: 'seed' });
  return { token: auth.tokens.access_token, id: auth.user.id };
}

function say(token, roomId, text) {
  return api(token, 'POST', `/rooms/${roomId}/messages`, { client_id: randomUUID(), body: { type: 'text', text } });
}

/** The filler of the long conversation: ordinary, distinct, and matching none of the searches. */
function filler(i) {
  const topics = ['the ferry times', 'lunch on Saturday', 'the museum tickets', 'who brings the camera', 'the weather forecast', 'the hotel check-in'];
  return `Message ${i}: a quick note about ${topics[i % topics.length]}, nothing urgent.`;
}

describe('message search', () => {
  it('finds a Russian word far back in a long conversation, opens it there, and keeps paging both ways; a room left is not searched', async () => {
    const alice = await newPage(browser);
    const bob = await newPage(browser);
    const aliceName = uniqueName('alice');
    const bobName = uniqueName('bob');
    await signUp(alice, server.url, aliceName, 'Alice Martin');
    await signUp(bob, server.url, bobName, 'Bob Stone');
    const a = await signIn(aliceName);
    const b = await signIn(bobName);

    // A group of 160 messages with the three sentences in its first quarter.
    const trip = await api(a.token, 'POST', '/rooms', { name: 'Trip planning', topic: '', members: [b.id] });
    await api(b.token, 'POST', `/invitations/${trip.id}/accept`);
    for (let i = 1; i <= 160; i++) {
      const text = i === 20 ? GERMAN : i === 30 ? RUSSIAN : i === 40 ? JAPANESE : filler(i);
      await say(i % 2 ? a.token : b.token, trip.id, text);
    }
    // A group Bob was in and left: its messages are no longer his to search.
    const club = await api(a.token, 'POST', '/rooms', { name: 'Old club', topic: '', members: [b.id] });
    await api(b.token, 'POST', `/invitations/${club.id}/accept`);
    await say(a.token, club.id, 'The zebrafinch nest is in the left cage.');
    await api(b.token, 'DELETE', `/rooms/${club.id}/members/${b.id}`);

    await bob.reload();
    await bob.getByRole('link', { name: /Trip planning/ }).waitFor();

    // Ctrl+K opens the search; a word from the middle of the Russian sentence.
    await bob.keyboard.press('Control+k');
    const box = bob.getByRole('combobox', { name: 'Search messages' });
    await box.waitFor();
    assert.equal(await bob.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Search messages');
    await box.fill('ВОКЗАЛ');
    const results = bob.getByRole('listbox', { name: 'Results' });
    const hit = results.getByRole('option');
    await hit.first().waitFor();
    await bob.getByText('No more results.').waitFor();
    assert.equal(await hit.count(), 1);
    assert.match(await hit.textContent(), /поедем на вокзал и купим/);
    assert.deepEqual(await hit.locator('mark').allTextContents(), ['вокзал']);
    assert.match(await hit.textContent(), /Trip planning/);

    // Words of the other languages are found too.
    await box.fill('Hauptbahnhof Fahrkarten');
    await results.getByRole('option', { name: /Hauptbahnhof/ }).waitFor();
    await box.fill('会議');
    await results.getByRole('option', { name: /午後三時/ }).waitFor();
    assert.equal(await results.getByRole('option').count(), 1);

    // Back to the Russian hit, picked with the arrow keys and opened with Enter.
    await box.fill('вокзал');
    await results.getByRole('option', { name: /вокзал/ }).waitFor();
    await box.press('ArrowDown');
    assert.equal(await hit.getAttribute('aria-selected'), 'true');
    assert.deepEqual(await axeViolations(bob), []);
    await box.press('Enter');

    // The conversation opens at the message, 130 messages back: in view and flashed.
    const timeline = bob.getByRole('log', { name: 'Messages' });
    const target = timeline.getByRole('article').filter({ hasText: RUSSIAN });
    await target.waitFor();
    await bob.locator('.msg--flash', { hasText: RUSSIAN }).waitFor();
    const view = await timeline.boundingBox();
    const box2 = await target.boundingBox();
    assert.ok(box2.y >= view.y && box2.y + box2.height <= view.y + view.height, `the message is in view: ${JSON.stringify({ view, box2 })}`);
    assert.equal(await timeline.getByText(filler(160)).count(), 0, 'the newest messages are not loaded yet');

    // Scrolling up reaches the beginning; scrolling down reaches the newest message.
    for (let i = 0; i < 20 && (await timeline.getByText('This is the beginning of the conversation.').count()) === 0; i++) {
      await timeline.evaluate((el) => (el.scrollTop = 0));
      await bob.waitForTimeout(150);
    }
    await timeline.getByText(filler(1)).waitFor();
    for (let i = 0; i < 30 && (await timeline.getByText(filler(160)).count()) === 0; i++) {
      await timeline.evaluate((el) => (el.scrollTop = el.scrollHeight));
      await bob.waitForTimeout(150);
    }
    await timeline.getByText(filler(160)).waitFor();
    const seqs = await timeline.locator('article[data-seq]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    assert.equal(new Set(seqs).size, seqs.length, 'no message twice');
    assert.ok(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] ?? 0)), 'in order');
    assert.equal(await timeline.getByRole('article').count(), 160);

    // Live messages show again once the window reached the end.
    await say(a.token, trip.id, 'Live again: see you at the station');
    await timeline.getByText('Live again: see you at the station').waitFor();

    // A quoted reply jumps back to the original message.
    await api(a.token, 'POST', `/rooms/${trip.id}/messages`, { client_id: randomUUID(), body: { type: 'text', text: 'Which tickets did you mean?' }, reply_to: seqs[29] });
    const reply = timeline.getByRole('article').filter({ hasText: 'Which tickets did you mean?' });
    await reply.getByRole('button', { name: /Reply to an earlier message|вокзал/ }).click();
    await bob.locator('.msg--flash', { hasText: RUSSIAN }).waitFor();

    // The room Bob left is not searched.
    await bob.getByRole('combobox', { name: 'Search messages' }).fill('zebrafinch');
    await bob.getByText('No messages match “zebrafinch”').waitFor();
    await bob.keyboard.press('Escape');
    await bob.getByRole('button', { name: 'Search messages' }).waitFor();

    for (const page of [alice, bob]) assert.deepEqual(page.problems, []);
    for (const page of [alice, bob]) await page.context().close();
  });

  it('is a full screen on a 375x667 phone; a hit opens the conversation and Back returns to the hits', async () => {
    const phone = await newPage(browser, { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
    const name = uniqueName('carol');
    await signUp(phone, server.url, name, 'Carol Weiss');
    const other = uniqueName('dave');
    const d = await api(null, 'POST', '/auth/signup', { username: other, password: PASSWORD, display_name: 'Dave Okafor' });
    const c = await signIn(name);
    const room = await api(c.token, 'POST', '/rooms', { name: 'Garden club', topic: '', members: [d.user.id] });
    await api(d.tokens.access_token, 'POST', `/invitations/${room.id}/accept`);
    await say(d.tokens.access_token, room.id, 'The tomatoes on the south bed need stakes before the storm on Thursday.');
    for (let i = 0; i < 30; i++) await say(c.token, room.id, filler(i));

    await phone.getByRole('link', { name: /Garden club/ }).waitFor();
    await phone.getByRole('button', { name: 'Search messages' }).click();
    const box = phone.getByRole('combobox', { name: 'Search messages' });
    await box.fill('tomatoes storm');
    const hit = phone.getByRole('listbox', { name: 'Results' }).getByRole('option');
    await hit.first().waitFor();
    const panel = await phone.getByRole('region', { name: 'Search messages' }).boundingBox();
    assert.equal(Math.round(panel.width), 375);
    assert.equal(await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
    assert.deepEqual((await hit.locator('mark').allTextContents()).map((t) => t.toLowerCase()), ['tomatoes', 'storm']);

    await hit.first().tap();
    await phone.locator('.msg--flash', { hasText: 'The tomatoes on the south bed' }).waitFor();
    assert.equal(await phone.getByRole('region', { name: 'Search messages' }).isVisible(), false);
    await phone.getByRole('button', { name: 'Back to conversations' }).tap();
    await hit.first().waitFor();
    assert.equal(await box.inputValue(), 'tomatoes storm');

    assert.deepEqual(phone.problems, []);
    await phone.context().close();
  });
});
