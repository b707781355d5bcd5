// End-to-end: the real web client in Chromium against a real `confab serve`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { acceptInvitation, axeViolations, createGroup, launchBrowser, newPage, openDirect, send, signUp, startServer, uniqueName } from './harness.mjs';

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

    // Alice opens a DM with Bob and writes; they share no room, so Bob gets a message
    // request live, and reads the message once he accepts it.
    await openDirect(alice, bobName);
    await send(alice, 'Hello **Bob**, see https://example.org/docs');
    await acceptInvitation(bob, 'Alice Martin', { request: true });
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

    // A group with a third person: both are invited and join by accepting.
    const carolName = uniqueName('carol');
    await signUp(carol, server.url, carolName, 'Carol Diaz');
    await createGroup(alice, 'Launch crew', [bobName, carolName]);
    await acceptInvitation(bob, 'Launch crew');
    await bob.getByRole('link', { name: /^Alice Martin/ }).click();
    await acceptInvitation(carol, 'Launch crew');
    await alice.getByText('Carol Diaz joined').waitFor();
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
    await createGroup(eve, 'Book club', [fayName]);
    await acceptInvitation(fay, 'Book club');
    await send(eve, 'Which book next?');
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

    // Eve renames the group and invites Gus; Fay sees him join once he accepts.
    await eve.getByRole('button', { name: 'Members' }).click();
    await eve.getByLabel('Name', { exact: true }).fill('Sci-fi club');
    await eve.getByLabel('Topic', { exact: true }).fill('One book a month');
    await eve.getByRole('button', { name: 'Save' }).click();
    await fay.getByRole('heading', { name: 'Sci-fi club' }).waitFor();
    await fay.getByText('One book a month', { exact: false }).first().waitFor();
    await eve.getByLabel('Invite someone by username').fill(gusName);
    await eve.getByRole('button', { name: new RegExp(`@${gusName}`) }).click();
    const invited = eve.getByRole('list', { name: 'Pending invitations' }).getByRole('listitem').filter({ hasText: 'Gus' });
    await invited.getByText('Invited by you').waitFor();
    await acceptInvitation(gus, 'Sci-fi club');
    await gus.locator('.msg__body', { hasText: 'Which book next?' }).waitFor();
    await fay.getByText('Gus joined').waitFor();
    await invited.waitFor({ state: 'detached' });

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
    await acceptInvitation(ben, 'Ann', { request: true });
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
    await acceptInvitation(evan, 'Dana', { request: true });
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
    await acceptInvitation(phone, 'Dee', { request: true });
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
    await page.getByText(/Waiting for Ola to accept/).waitFor();
    problems.conversation = await axeViolations(page);
    await page.getByRole('button', { name: /profile and settings/ }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    problems.settings = await axeViolations(page);
    // The other side: a message request in the list, the block dialog, the blocked list.
    await other.getByRole('button', { name: 'Accept message request from Axel' }).waitFor();
    problems.invitations = await axeViolations(other);
    await other.getByRole('button', { name: 'Block Axel' }).click();
    await other.getByRole('dialog', { name: 'Block Axel?' }).waitFor();
    problems.blockDialog = await axeViolations(other);
    await other.getByRole('dialog').getByRole('button', { name: 'Block', exact: true }).click();
    await other.getByRole('button', { name: /profile and settings/ }).click();
    await other.getByRole('button', { name: 'Unblock Axel' }).waitFor();
    problems.blocked = await axeViolations(other);
    assert.deepEqual(problems, { signin: [], list: [], conversation: [], settings: [], invitations: [], blockDialog: [], blocked: [] });
    await page.context().close();
    await other.context().close();
  });
});

describe('invitations, message requests and blocking', () => {
  it('a group invitation arrives live; the invited person accepts and both chat', async () => {
    const alice = await newPage(browser);
    const bob = await newPage(browser);
    const aliceName = uniqueName('alice');
    const bobName = uniqueName('bob');
    await signUp(alice, server.url, aliceName, 'Alice Martin');
    await signUp(bob, server.url, bobName, 'Bob Stone');

    await createGroup(alice, 'Quarterly planning offsite', [bobName]);
    // Alice is the only member until Bob accepts; the panel shows him as invited.
    await alice.getByText('1 member', { exact: true }).waitFor();
    await alice.getByRole('button', { name: 'Members' }).click();
    const pending = alice.getByRole('list', { name: 'Pending invitations' });
    await pending.getByText('Bob Stone').waitFor();
    await pending.getByText('Invited by you').waitFor();

    // Bob sees it without reloading: the room, how many are in it, who invited him.
    const invitations = bob.getByRole('region', { name: /Invitations/ });
    const card = invitations.getByRole('listitem').filter({ hasText: 'Quarterly planning offsite' });
    await card.getByText('Invited by Alice Martin').waitFor();
    await card.getByText(/^1 member · /).waitFor();
    assert.match(await invitations.getByRole('heading').textContent(), /Invitations\s*1/);
    await acceptInvitation(bob, 'Quarterly planning offsite');
    await invitations.waitFor({ state: 'detached' });
    await bob.getByRole('link', { name: /Quarterly planning offsite/ }).waitFor();

    await alice.getByText('Bob Stone joined').waitFor();
    await alice.getByText('2 members', { exact: true }).waitFor();
    await pending.waitFor({ state: 'detached' });
    await send(bob, 'Thanks for the invite!');
    await alice.locator('.msg__body', { hasText: 'Thanks for the invite!' }).waitFor();
    await send(alice, 'Welcome aboard');
    await bob.locator('.msg__body', { hasText: 'Welcome aboard' }).waitFor();

    // After a reload, nothing is pending any more.
    await bob.reload();
    await bob.locator('.msg__body', { hasText: 'Welcome aboard' }).waitFor();
    assert.equal(await bob.getByRole('region', { name: /Invitations/ }).count(), 0);
    for (const page of [alice, bob]) assert.deepEqual(page.problems, []);
    for (const page of [alice, bob]) await page.context().close();
  });

  it('a message to a stranger is a request: they see it after accepting, and the sender sees the wait', async () => {
    const alice = await newPage(browser);
    const carol = await newPage(browser);
    const aliceName = uniqueName('alice');
    const carolName = uniqueName('carol');
    await signUp(alice, server.url, aliceName, 'Alice Martin');
    await signUp(carol, server.url, carolName, 'Carol Diaz');

    await openDirect(alice, carolName);
    const waiting = alice.getByText('Waiting for Carol Diaz to accept your message request.');
    await waiting.waitFor();
    // She may already write.
    await send(alice, 'Hi Carol, it is Alice from the conference');
    await alice.locator('.msg__body', { hasText: 'it is Alice from the conference' }).waitFor();

    const request = carol.getByRole('region', { name: /Invitations/ }).getByRole('listitem').filter({ hasText: 'wants to message you' });
    await request.getByText('Alice Martin').waitFor();
    await request.getByText(`@${aliceName}`).waitFor();
    await acceptInvitation(carol, 'Alice Martin', { request: true });
    await carol.locator('.msg__body', { hasText: 'it is Alice from the conference' }).waitFor();

    // The notice goes away live on Alice's side, and they talk.
    await waiting.waitFor({ state: 'detached' });
    await send(carol, 'Hi Alice!');
    await alice.locator('.msg__body', { hasText: 'Hi Alice!' }).waitFor();
    for (const page of [alice, carol]) assert.deepEqual(page.problems, []);
    for (const page of [alice, carol]) await page.context().close();
  });

  it('declining, withdrawing and blocking a request end invitations live', async () => {
    const alice = await newPage(browser);
    const bob = await newPage(browser);
    const dan = await newPage(browser);
    const aliceName = uniqueName('alice');
    const bobName = uniqueName('bob');
    const danName = uniqueName('dan');
    await signUp(alice, server.url, aliceName, 'Alice Martin');
    await signUp(bob, server.url, bobName, 'Bob Stone');
    await signUp(dan, server.url, danName, 'Dan Okafor');

    // Bob declines a group invitation: it goes, and stays gone after a reload.
    await createGroup(alice, 'Weekend hike', [bobName, danName]);
    await bob.getByRole('button', { name: 'Decline invitation to Weekend hike' }).click();
    await bob.getByRole('region', { name: /Invitations/ }).waitFor({ state: 'detached' });
    await bob.reload();
    await bob.getByRole('button', { name: 'New conversation' }).waitFor();
    // A new invitation shows once the list fetched after connecting is in.
    await createGroup(alice, 'Board games night', [bobName]);
    await bob.getByRole('button', { name: 'Accept invitation to Board games night' }).waitFor();
    assert.equal(await bob.getByText('Weekend hike').count(), 0);
    await alice.getByRole('link', { name: /^Weekend hike/ }).click();
    await alice.getByRole('button', { name: 'Members' }).click();
    await alice.getByRole('button', { name: 'Withdraw the invitation to Dan Okafor' }).waitFor();
    assert.equal(await alice.getByRole('button', { name: 'Withdraw the invitation to Bob Stone' }).count(), 0);

    // Alice withdraws Dan's: it leaves his list at once.
    const danInvite = dan.getByRole('button', { name: 'Accept invitation to Weekend hike' });
    await danInvite.waitFor();
    await alice.getByRole('button', { name: 'Withdraw the invitation to Dan Okafor' }).click();
    await danInvite.waitFor({ state: 'detached' });

    // Alice writes to Dan; Dan blocks her from the request itself.
    await openDirect(alice, danName);
    await send(alice, 'Want to buy a timeshare?');
    await dan.getByRole('button', { name: 'Block Alice Martin' }).click();
    const dialog = dan.getByRole('dialog', { name: 'Block Alice Martin?' });
    await dialog.getByText(/will not be able to message you/).waitFor();
    await dialog.getByRole('button', { name: 'Block', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await dan.getByRole('button', { name: 'Accept message request from Alice Martin' }).waitFor({ state: 'detached' });
    // Alice cannot write any more: her next message is refused, and says so.
    await send(alice, 'Hello?');
    await alice.getByRole('article', { name: 'Message not sent' }).getByText(/blocked/).waitFor();
    await alice.getByText('You can’t reply to this conversation.').waitFor();
    assert.equal(await alice.getByRole('combobox', { name: 'Message' }).count(), 0);
    for (const page of [alice, bob, dan]) assert.deepEqual(page.problems, []);
    for (const page of [alice, bob, dan]) await page.context().close();
  });

  it('blocking someone closes the conversation both ways, hides them in groups, and unblocking reopens it', async () => {
    const alice = await newPage(browser);
    const carol = await newPage(browser);
    const aliceName = uniqueName('alice');
    const carolName = uniqueName('carol');
    await signUp(alice, server.url, aliceName, 'Alice Martin');
    await signUp(carol, server.url, carolName, 'Carol Diaz');
    await openDirect(alice, carolName);
    await send(alice, 'Coffee tomorrow?');
    await acceptInvitation(carol, 'Alice Martin', { request: true });
    await createGroup(carol, 'Neighbourhood garden', [aliceName]);
    await acceptInvitation(alice, 'Neighbourhood garden');
    await send(alice, 'I can bring the seedlings');
    await carol.locator('.msg__body', { hasText: 'I can bring the seedlings' }).waitFor();

    // Carol blocks Alice from their conversation's header, after confirming.
    await carol.getByRole('link', { name: /^Alice Martin/ }).click();
    await carol.getByRole('button', { name: 'Block Alice Martin' }).click();
    await carol.getByRole('dialog', { name: 'Block Alice Martin?' }).getByRole('button', { name: 'Block', exact: true }).click();
    await carol.getByText('You blocked Alice Martin. Unblock to write again.').waitFor();
    assert.equal(await carol.getByRole('combobox', { name: 'Message' }).count(), 0);

    // Alice's message is refused and shown as not sent; her composer gives way.
    await alice.getByRole('link', { name: /^Carol Diaz/ }).click();
    await send(alice, 'Did you get my last message?');
    await alice.getByRole('article', { name: 'Message not sent' }).waitFor();
    await alice.getByText('You can’t reply to this conversation.').waitFor();

    // In the group, Alice's messages are folded for Carol, and can be shown.
    await carol.getByRole('link', { name: /Neighbourhood garden/ }).click();
    await carol.getByText('Message from someone you blocked').first().waitFor();
    assert.equal(await carol.locator('.msg__body', { hasText: 'I can bring the seedlings' }).count(), 0);
    await carol.getByRole('button', { name: 'Show' }).first().click();
    await carol.locator('.msg__body', { hasText: 'I can bring the seedlings' }).waitFor();

    // Settings lists her; Unblock there reopens the conversation.
    await carol.getByRole('button', { name: /profile and settings/ }).click();
    const blocked = carol.getByRole('region', { name: 'Blocked people' });
    await blocked.getByText('Alice Martin').waitFor();
    await blocked.getByRole('button', { name: 'Unblock Alice Martin' }).click();
    await blocked.getByText('You haven’t blocked anyone.', { exact: false }).waitFor();
    await carol.getByRole('link', { name: /^Alice Martin/ }).click();
    await send(carol, 'Sorry, wrong button. Coffee sounds great');
    await alice.locator('.msg__body', { hasText: 'Coffee sounds great' }).waitFor();
    // Her message got through, so Alice may write again.
    await alice.getByRole('combobox', { name: 'Message' }).waitFor();
    await send(alice, 'See you at nine');
    await carol.locator('.msg__body', { hasText: 'See you at nine' }).waitFor();
    for (const page of [alice, carol]) assert.deepEqual(page.problems, []);
    for (const page of [alice, carol]) await page.context().close();
  });
});
