// End-to-end: public channels and announcements. Alice makes a public channel where
// only admins post; Bob finds it in Browse channels by a word of its topic, joins it,
// reads it, sees his composer replaced by the admins-only notice, and gets it back
// live when Alice opens posting to every member. On a phone, the directory fits the
// screen. Screenshots go to $SCREENSHOTS (default /tmp/confab-channels).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { apiUser, api, axeViolations, launchBrowser, newPage, send, signUp, startServer, uniqueName } from './harness.mjs';

const SHOTS = process.env.SCREENSHOTS ?? '/tmp/confab-channels';
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('public channels', () => {
  it('a public announcements channel is found, joined, read, and opened to everyone live', async () => {
    const alice = await newPage(browser);
    await signUp(alice, server.url, uniqueName('alice'), 'Alice Martin');
    const name = `Release notes ${uniqueName('r')}`;
    await alice.getByRole('button', { name: 'New conversation' }).click();
    await alice.getByRole('tab', { name: 'New group' }).click();
    await alice.getByLabel('Group name').fill(name);
    await alice.getByLabel(/^Topic/).fill('Weekly changelog and deployment windows');
    await alice.getByRole('radio', { name: /Anyone on this server/ }).check();
    // "Admins only" is a choice of who can pin too.
    await alice.getByRole('radiogroup', { name: 'Who can post' }).getByRole('radio', { name: /Admins only/ }).check();
    await alice.getByRole('button', { name: /^Create group/ }).click();
    await alice.getByRole('heading', { level: 1, name, exact: true }).waitFor();
    await send(alice, 'Version 2.4 ships on Thursday.');
    await alice.locator('.msg__body', { hasText: 'Version 2.4 ships on Thursday.' }).waitFor();

    // Other public channels, so the directory has more than one entry to search.
    const carol = await apiUser(server, 'Carol Diaz');
    for (const other of ['Gardening', 'Board games night']) {
      await api(server, carol.token, 'POST', '/rooms', { name: `${other} ${uniqueName('g')}`, topic: 'Anyone welcome', visibility: 'public' });
    }

    const bob = await newPage(browser);
    await signUp(bob, server.url, uniqueName('bob'), 'Bob Stone');
    await bob.getByRole('link', { name: 'Browse channels' }).click();
    await bob.getByRole('heading', { level: 1, name: 'Browse channels' }).waitFor();
    await bob.getByRole('button', { name: `Join ${name}` }).waitFor();
    const search = bob.getByRole('searchbox', { name: 'Search channels' });
    await search.fill('DEPLOYMENT windows');
    await bob.getByRole('status').filter({ hasText: '1 channel matches' }).waitFor();
    const entries = bob.getByRole('list', { name: 'Public channels' }).getByRole('listitem');
    assert.equal(await entries.count(), 1);
    assert.match(await entries.first().innerText(), /Announcements/);
    assert.match(await entries.first().innerText(), /1 member/);
    await bob.screenshot({ path: `${SHOTS}/directory-desktop.png` });
    assert.deepEqual(await axeViolations(bob), []);

    await bob.getByRole('button', { name: `Join ${name}` }).click();
    await bob.getByRole('heading', { level: 1, name, exact: true }).waitFor();
    await bob.locator('.msg__body', { hasText: 'Version 2.4 ships on Thursday.' }).waitFor();
    await bob.getByText('Only admins post in this channel.').waitFor();
    assert.equal(await bob.getByRole('combobox', { name: 'Message' }).count(), 0);
    // Alice sees Bob join.
    await alice.getByText('Bob Stone joined').waitFor();

    // Alice opens posting to every member: Bob's composer comes back without a reload.
    await alice.getByRole('button', { name: 'Members' }).click();
    // The choice applies at once (no Save): a click, then the line every member sees.
    await alice.getByRole('radiogroup', { name: 'Who can post' }).getByRole('radio', { name: /Every member/ }).click();
    await alice.getByText('made the group public; every member posts').waitFor();
    await bob.getByRole('combobox', { name: 'Message' }).waitFor();
    await send(bob, 'Thanks! Will the API change?');
    await alice.locator('.msg__body', { hasText: 'Thanks! Will the API change?' }).waitFor();

    // In the directory, Bob's channel now says Open.
    await bob.goto(`${server.url}/channels`);
    await bob.getByRole('button', { name: `Open ${name}` }).waitFor();
    assert.deepEqual([...alice.problems, ...bob.problems], []);
  });

  it('the directory fits a phone', async () => {
    const phone = await newPage(browser, { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
    await signUp(phone, server.url, uniqueName('pat'), 'Pat Phone');
    await phone.getByRole('link', { name: 'Browse channels' }).click();
    await phone.getByRole('heading', { level: 1, name: 'Browse channels' }).waitFor();
    await phone.getByRole('list', { name: 'Public channels' }).getByRole('listitem').first().waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'no horizontal scrolling');
    const box = await phone.getByRole('button', { name: /^Join / }).first().boundingBox();
    assert.ok(box && box.x + box.width <= 375, 'the Join button is on screen');
    await phone.screenshot({ path: `${SHOTS}/directory-phone.png` });
    await phone.getByRole('button', { name: 'Back to conversations' }).click();
    await phone.getByRole('link', { name: 'Browse channels' }).waitFor();
    assert.deepEqual(phone.problems, []);
  });
});
