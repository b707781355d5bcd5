// End-to-end: the real web client in Chromium against a real `confab serve`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { axeViolations, launchBrowser, newPage, openDirect, send, signUp, startServer, uniqueName } from './harness.mjs';

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

describe('serving the bundle', () => {
  it('serves index.html with a strict CSP, hashed assets as immutable, and client routes', async () => {
    const index = await fetch(`${server.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /^text\/html/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const csp = index.headers.get('content-security-policy');
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /style-src 'self';/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ wss:\/\/127\.0\.0\.1:\d+;/);
    const html = await index.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline scripts');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, 'index.html references a hashed script');
    const js = await fetch(`${server.url}${asset}`);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(js.headers.get('content-type'), /javascript/);
    const etag = index.headers.get('etag');
    assert.ok(etag);
    const again = await fetch(`${server.url}/`, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);

    const route = await fetch(`${server.url}/rooms/12`);
    assert.equal(route.status, 200);
    assert.equal(await route.text(), html);
    const missingAsset = await fetch(`${server.url}/assets/gone-123.js`);
    assert.equal(missingAsset.status, 404);
    const api = await fetch(`${server.url}/api/v1/nothing-here`);
    assert.equal(api.status, 404);
    assert.equal((await api.json()).error.code, 'not_found');
  });
});

describe('chatting in two browsers', () => {
  it('signs up, messages live, shows typing and receipts, makes a group, keeps history over a reload', async () => {
    const alice = await newPage(browser);
    const bob = await newPage(browser);
    const aliceName = uniqueName('alice');
    const bobName = uniqueName('bob');
    await signUp(alice, server.url, aliceName, 'Alice Martin');
    await signUp(bob, server.url, bobName, 'Bob Stone');

    // Field errors come from the server's error format.
    const carol = await newPage(browser);
    await carol.goto(server.url);
    await carol.getByRole('button', { name: 'Create an account' }).click();
    await carol.getByLabel('Username').fill(aliceName);
    // A weak password is refused first (that attempt says nothing about who exists).
    await carol.getByLabel('Password').fill('x');
    await carol.getByRole('button', { name: 'Create account' }).click();
    await carol.locator('#password-error').waitFor();
    await carol.getByLabel('Password').fill('seven quiet lanterns drift');
    await carol.getByRole('button', { name: 'Create account' }).click();
    await carol.locator('#username-error').waitFor();
    assert.match(await carol.locator('#username-error').textContent(), /taken|in use/i);

    // Alice opens a DM with Bob and writes; Bob gets it live, with an unread badge.
    await openDirect(alice, bobName);
    await send(alice, 'Hello **Bob**, see https://example.org/docs');
    const bobRoom = bob.getByRole('link', { name: /Alice Martin.*1 unread/ });
    await bobRoom.waitFor();
    await bobRoom.click();
    const bold = bob.locator('.msg__body strong', { hasText: 'Bob' });
    await bold.waitFor();
    const link = bob.getByRole('link', { name: 'https://example.org/docs', exact: true });
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer nofollow');

    // Bob reads it, so Alice's message shows as read.
    await alice.getByRole('img', { name: 'Read' }).waitFor();

    // Typing reaches the other side, and stops when the message is sent.
    await bob.getByRole('combobox', { name: 'Message' }).pressSequentially('hi Ali', { delay: 20 });
    await alice.getByText('Bob Stone is typing…').waitFor();
    await bob.getByRole('combobox', { name: 'Message' }).press('Enter');
    await alice.locator('.msg__body', { hasText: 'hi Ali' }).waitFor();
    await alice.getByText('Bob Stone is typing…').waitFor({ state: 'detached' });

    // A group with a third person.
    const carolName = uniqueName('carol');
    await signUp(carol, server.url, carolName, 'Carol Diaz');
    await alice.getByRole('button', { name: 'New conversation' }).click();
    await alice.getByRole('tab', { name: 'New group' }).click();
    await alice.getByLabel('Group name').fill('Launch crew');
    for (const name of [bobName, carolName]) {
      await alice.getByLabel('Add members by username').fill(name);
      await alice.getByRole('button', { name: new RegExp(`@${name}`) }).click();
    }
    await alice.getByRole('button', { name: 'Create group' }).click();
    await alice.getByRole('heading', { name: 'Launch crew' }).waitFor();
    await carol.getByRole('link', { name: /Launch crew/ }).click();
    // @ completes a member's name: Enter picks it, the next Enter sends.
    const carolBox = carol.getByRole('combobox', { name: 'Message' });
    await carolBox.pressSequentially(`Carol here @${aliceName.slice(0, 4)}`);
    await carol.getByRole('option', { name: /Alice Martin/ }).waitFor();
    await carolBox.press('Enter');
    assert.equal(await carolBox.inputValue(), `Carol here @${aliceName} `);
    await carolBox.press('Enter');
    await alice.locator('.msg__body', { hasText: 'Carol here' }).waitFor();
    await bob.getByRole('link', { name: /Launch crew.*1 unread/ }).waitFor();

    // After a reload, history comes back from the server.
    await alice.reload();
    await alice.locator('.msg__body', { hasText: 'Carol here' }).waitFor();
    await alice.getByRole('link', { name: /Bob Stone/ }).click();
    await alice.locator('.msg__body', { hasText: 'hi Ali' }).waitFor();
    await alice.locator('.msg__body strong', { hasText: 'Bob' }).waitFor();

    for (const page of [alice, bob, carol]) assert.deepEqual(page.problems, []);
    for (const page of [alice, bob, carol]) await page.context().close();
  });

  it('replies, reacts, edits and deletes, and manages a group, live on both sides', async () => {
    const eve = await newPage(browser);
    const fay = await newPage(browser);
    const gus = await newPage(browser);
    const eveName = uniqueName('eve');
    const fayName = uniqueName('fay');
    const gusName = uniqueName('gus');
    await signUp(eve, server.url, eveName, 'Eve');
    await signUp(fay, server.url, fayName, 'Fay');
    await signUp(gus, server.url, gusName, 'Gus');
    await eve.getByRole('button', { name: 'New conversation' }).click();
    await eve.getByRole('tab', { name: 'New group' }).click();
    await eve.getByLabel('Group name').fill('Book club');
    await eve.getByLabel('Add members by username').fill(fayName);
    await eve.getByRole('button', { name: new RegExp(`@${fayName}`) }).click();
    await eve.getByRole('button', { name: 'Create group' }).click();
    await eve.getByRole('heading', { name: 'Book club' }).waitFor();
    await send(eve, 'Which book next?');
    await fay.getByRole('link', { name: /Book club/ }).click();
    const question = fay.getByRole('article').filter({ has: fay.locator('.msg__body', { hasText: 'Which book next?' }) });
    await question.waitFor();

    // Fay replies and reacts; Eve sees both.
    await question.hover();
    await question.getByRole('button', { name: 'Reply' }).click();
    await send(fay, 'Dune, obviously');
    const reply = eve.getByRole('article').filter({ hasText: 'Dune, obviously' });
    await reply.locator('.quote', { hasText: 'Which book next?' }).waitFor();
    await question.hover();
    await question.getByRole('button', { name: 'Add reaction' }).click();
    await question.getByRole('button', { name: 'React with 👍' }).click();
    await eve.getByRole('button', { name: /👍 1: Fay/ }).waitFor();

    // Fay edits her reply, then deletes it.
    const fayReply = fay.getByRole('article').filter({ hasText: 'Dune, obviously' });
    await fayReply.hover();
    await fayReply.getByRole('button', { name: 'Edit' }).click();
    const box = fay.getByRole('combobox', { name: 'Message' });
    await box.fill('Dune, of course');
    await box.press('Enter');
    await eve.getByRole('article').filter({ hasText: 'Dune, of course' }).getByText('(edited)').waitFor();
    fay.once('dialog', (dialog) => void dialog.accept());
    const edited = fay.getByRole('article').filter({ hasText: 'Dune, of course' });
    await edited.hover();
    await edited.getByRole('button', { name: 'Delete' }).click();
    await eve.getByText('This message was deleted.').waitFor();

    // Eve renames the group and adds Gus; Fay and Gus see it.
    await eve.getByRole('button', { name: 'Members' }).click();
    await eve.getByLabel('Name', { exact: true }).fill('Sci-fi club');
    await eve.getByLabel('Topic', { exact: true }).fill('One book a month');
    await eve.getByRole('button', { name: 'Save' }).click();
    await fay.getByRole('heading', { name: 'Sci-fi club' }).waitFor();
    await fay.getByText('One book a month', { exact: false }).first().waitFor();
    await eve.getByLabel('Add a member by username').fill(gusName);
    await eve.getByRole('button', { name: new RegExp(`@${gusName}`) }).click();
    await gus.getByRole('link', { name: /Sci-fi club/ }).click();
    await gus.locator('.msg__body', { hasText: 'Which book next?' }).waitFor();
    await fay.getByText(/Eve added Gus/).waitFor();

    // Eve removes Gus: the room leaves his list.
    await eve.getByRole('button', { name: 'Remove Gus' }).click();
    await gus.getByRole('link', { name: /Sci-fi club/ }).waitFor({ state: 'detached' });

    for (const page of [eve, fay, gus]) assert.deepEqual(page.problems, []);
    for (const page of [eve, fay, gus]) await page.context().close();
  });

  it('sends messages written while offline once the connection is back', async () => {
    const ann = await newPage(browser);
    const ben = await newPage(browser);
    const annName = uniqueName('ann');
    const benName = uniqueName('ben');
    await signUp(ann, server.url, annName, 'Ann');
    await signUp(ben, server.url, benName, 'Ben');
    await openDirect(ann, benName);
    await send(ann, 'first');
    await ann.getByRole('img', { name: /Sent|Delivered|Read/ }).waitFor();

    await ann.context().setOffline(true);
    await ann.getByText(/Offline|Connecting/).first().waitFor();
    await send(ann, 'written offline');
    const sending = ann.getByRole('article', { name: 'Message sending' });
    await sending.waitFor();
    // Still pending a while later: nothing can carry it.
    await ann.waitForTimeout(500);
    assert.equal(await sending.count(), 1);
    await ann.context().setOffline(false);
    await sending.waitFor({ state: 'detached' });
    await ben.getByRole('link', { name: /Ann/ }).click();
    await ben.locator('.msg__body', { hasText: 'written offline' }).waitFor();
    assert.equal(await ben.locator('.msg__body', { hasText: 'written offline' }).count(), 1);
    await ann.context().close();
    await ben.context().close();
  });
});

describe('credentials in the browser', () => {
  it('keeps the refresh token out of script reach, stays signed in over a reload, and forgets drafts at sign-out', async () => {
    const dana = await newPage(browser);
    const danaName = uniqueName('dana');
    const evanName = uniqueName('evan');
    const evan = await newPage(browser);
    await signUp(evan, server.url, evanName, 'Evan');
    await signUp(dana, server.url, danaName, 'Dana');

    const stored = () => dana.evaluate(() => Object.fromEntries(Object.entries(globalThis.localStorage)));
    const readable = JSON.stringify(await stored()) + (await dana.evaluate(() => globalThis.document.cookie));
    assert.doesNotMatch(readable, /cfr_|eyJ/, 'no token readable by script');
    const cookie = (await dana.context().cookies()).find((c) => c.name === 'confab_refresh');
    assert.ok(cookie, 'the refresh cookie is set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/api/v1/auth');

    // A reload has no access token in memory: the cookie gets one, and the app works.
    await dana.reload();
    await openDirect(dana, evanName);
    await send(dana, 'after the reload');
    await evan.getByRole('link', { name: /Dana/ }).click();
    await evan.locator('.msg__body', { hasText: 'after the reload' }).waitFor();

    // A draft written offline sits in storage until sign-out.
    await dana.context().setOffline(true);
    await dana.getByText(/Offline|Connecting/).first().waitFor();
    await send(dana, 'confidential draft written offline');
    await dana.getByRole('article', { name: 'Message sending' }).waitFor();
    assert.match(JSON.stringify(await stored()), /confidential draft/);
    await dana.getByRole('button', { name: /profile and settings/ }).click();
    await dana.getByRole('button', { name: 'Sign out', exact: true }).click();
    await dana.getByRole('button', { name: 'Create an account' }).waitFor();
    const left = await stored();
    assert.deepEqual(Object.keys(left).filter((key) => key !== 'confab.theme'), []);
    await dana.context().close();
    await evan.context().close();
  });
});

describe('phone and accessibility', () => {
  it('shows the list and the conversation as separate views on a 375x667 phone', async () => {
    const desk = await newPage(browser);
    const phone = await newPage(browser, { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
    const deskName = uniqueName('dee');
    const phoneName = uniqueName('pat');
    await signUp(desk, server.url, deskName, 'Dee');
    await signUp(phone, server.url, phoneName, 'Pat');
    await openDirect(desk, phoneName);
    await send(desk, 'ping from the desk');

    const list = phone.getByRole('navigation', { name: 'Rooms' });
    await phone.getByRole('link', { name: /Dee/ }).click();
    await phone.locator('.msg__body', { hasText: 'ping from the desk' }).waitFor();
    assert.equal(await list.isVisible(), false, 'the list is hidden while a conversation is open');
    await send(phone, 'pong from the phone');
    await desk.locator('.msg__body', { hasText: 'pong from the phone' }).waitFor();
    await phone.getByRole('button', { name: 'Back to conversations' }).click();
    await list.waitFor();
    assert.equal(await phone.locator('.conversation').count(), 0);
    assert.deepEqual(phone.problems, []);
    await desk.context().close();
    await phone.context().close();
  });

  it('has no serious or critical axe-core violations on the main screens', async () => {
    const page = await newPage(browser);
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const problems = { signin: await axeViolations(page) };
    const other = await newPage(browser);
    const otherName = uniqueName('ola');
    await signUp(other, server.url, otherName, 'Ola');
    await signUp(page, server.url, uniqueName('axe'), 'Axel');
    problems.list = await axeViolations(page);
    await openDirect(page, otherName);
    await send(page, 'Hello *there* `code`');
    await page.locator('.msg__body', { hasText: 'Hello' }).waitFor();
    problems.conversation = await axeViolations(page);
    await page.getByRole('button', { name: /profile and settings/ }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    problems.settings = await axeViolations(page);
    assert.deepEqual(problems, { signin: [], list: [], conversation: [], settings: [] });
    await page.context().close();
    await other.context().close();
  });
});
