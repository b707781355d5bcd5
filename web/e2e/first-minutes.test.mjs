// End-to-end: what a new user meets in the first ten minutes (issue 14): the phone
// list with long previews, messages' actions from the keyboard alone, the timeline's
// layout (grouped lines, receipt ticks), no membership lines in a direct
// conversation, closing Settings on a desktop, signing out from the main screen
// and signing out every other device. Screenshots of the list and a conversation
// with long content go to $SCREENSHOTS (default /tmp/confab-first-minutes).

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acceptInvitation, axeViolations, createGroup, launchBrowser, newPage, openDirect, PASSWORD, send, signUp, startServer, uniqueName } from './harness.mjs';

const shots = process.env.SCREENSHOTS ?? '/tmp/confab-first-minutes';
mkdirSync(shots, { recursive: true });

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

const PHONE = { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, locale: 'en-US' };
const LONG_GROUP = 'Quarterly planning offsite, platform and infrastructure';
const LONG_TEXT = 'Could everyone please confirm by Thursday whether you are joining the offsite in Lisbon, and whether you need a hotel room for both nights?';

/**
 * Whether the page is no wider than its viewport (on a phone, content wider than the
 * screen also widens the layout viewport: innerWidth grows past the screen's width).
 */
function fitsWidth(page) {
  const screen = page.viewportSize().width;
  return page.evaluate((w) => window.innerWidth === w && document.documentElement.scrollWidth <= w && document.body.scrollWidth <= w, screen);
}

/** Whether the element's box is inside the viewport's width. */
async function insideWidth(page, locator) {
  const box = await locator.boundingBox();
  const width = page.viewportSize().width;
  return box !== null && box.x >= 0 && box.x + box.width <= width;
}

/** The element that has the focus: its tag, its accessible name (aria-label) and its text. */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el?.tagName.toLowerCase(), label: el?.getAttribute('aria-label') ?? '', text: el?.textContent ?? '' };
  });
}

/** Presses Shift+Tab until a message has the focus (from the composer: past Attach files). */
async function backToMessages(page, max = 4) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Shift+Tab');
    if ((await focused(page)).tag === 'article') return;
  }
  assert.fail(`Shift+Tab never reached a message; the focus is on ${JSON.stringify(await focused(page))}`);
}

/** Presses Tab until the element labelled `label` has the focus (at most `max` presses). */
async function tabTo(page, label, max = 8) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if ((await focused(page)).label === label) return;
  }
  assert.fail(`Tab never reached ${label}; the focus is on ${JSON.stringify(await focused(page))}`);
}

describe('the phone list with long previews', () => {
  it('stays as wide as the screen, cuts previews with an ellipsis, and keeps +, times and badges on screen', async () => {
    const desk = await newPage(browser);
    const phone = await newPage(browser, PHONE);
    const deskName = uniqueName('alexandra');
    const phoneName = uniqueName('bartholomew');
    await signUp(desk, server.url, deskName, 'Alexandra Konstantinopoulou-Whitfield');
    await signUp(phone, server.url, phoneName, 'Bartholomew Stone');
    await createGroup(desk, LONG_GROUP, [phoneName]);
    await acceptInvitation(phone, LONG_GROUP);
    await phone.getByRole('button', { name: 'Back to conversations' }).click();
    await openDirect(desk, phoneName);
    // (The group's composer was on screen already: wait for the direct conversation's.)
    await desk.getByRole('heading', { level: 1, name: 'Bartholomew Stone' }).waitFor();
    await send(desk, LONG_TEXT);
    await desk.locator('article.msg[data-seq]', { hasText: 'Could everyone' }).waitFor();
    await desk.getByRole('link', { name: new RegExp(LONG_GROUP) }).click();
    await send(desk, `Agenda draft: ${LONG_TEXT}`);
    await send(desk, `And a reminder for @${phoneName}: ${LONG_TEXT}`);

    const list = phone.getByRole('navigation', { name: 'Rooms' });
    const group = list.getByRole('link', { name: new RegExp(`${LONG_GROUP}.*unread`) });
    await group.waitFor();
    // They share a group: the direct conversation comes with no request.
    await list.getByRole('link', { name: /^Alexandra Konstantinopoulou-Whitfield.*unread/ }).waitFor();
    if (process.env.DEBUG_WIDTH)
      console.log(
        await phone.evaluate(() =>
          [...document.querySelectorAll('*')]
            .filter((el) => el.getBoundingClientRect().right > 376)
            .slice(0, 12)
            .map((el) => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`),
        ),
        await phone.evaluate(() => [window.innerWidth, document.documentElement.scrollWidth, document.documentElement.clientWidth]),
      );
    assert.ok(await fitsWidth(phone), `the page is ${await phone.evaluate(() => document.documentElement.scrollWidth)} px wide`);
    const preview = group.locator('.room__preview');
    const cut = await preview.evaluate((el) => ({ overflow: el.scrollWidth > el.clientWidth, ellipsis: globalThis.getComputedStyle(el).textOverflow }));
    assert.deepEqual(cut, { overflow: true, ellipsis: 'ellipsis' });
    for (const part of [group.locator('.room__time'), group.locator('.badge').first(), group.locator('.badge--mention')]) assert.ok(await insideWidth(phone, part), 'time and badges are on screen');
    await phone.screenshot({ path: join(shots, 'list-375.png') });
    assert.deepEqual(await axeViolations(phone), []);

    // The + button is on screen and works.
    const plus = phone.getByRole('button', { name: 'New conversation' });
    assert.ok(await plus.isVisible());
    assert.ok(await insideWidth(phone, plus));
    await plus.click();
    await phone.getByRole('dialog', { name: 'New conversation' }).waitFor();
    await phone.keyboard.press('Escape');

    // The conversation fits too, and a tap shows that message's toolbar, in the message.
    await group.click();
    const last = phone.getByRole('article').filter({ hasText: 'And a reminder' });
    await last.waitFor();
    assert.ok(await fitsWidth(phone));
    await phone.screenshot({ path: join(shots, 'conversation-375.png') });
    const first = phone.getByRole('article').filter({ hasText: 'Agenda draft' });
    await first.locator('.msg__body').tap();
    const toolbar = first.getByRole('toolbar', { name: 'Message actions' });
    await toolbar.waitFor();
    const [toolbarBox, firstBox] = [await toolbar.boundingBox(), await first.boundingBox()];
    assert.ok(toolbarBox.y >= firstBox.y, 'the toolbar does not cover the message above');
    assert.ok(await insideWidth(phone, toolbar));
    // Tapping another message moves the toolbar there; none stays stuck open.
    await last.locator('.msg__body').tap();
    await last.getByRole('toolbar', { name: 'Message actions' }).waitFor();
    await toolbar.waitFor({ state: 'hidden' });
    assert.equal(await phone.locator('.msg__actions:visible').count(), 1);
    await phone.screenshot({ path: join(shots, 'toolbar-375.png') });

    // The same at 1280x800.
    await desk.screenshot({ path: join(shots, 'conversation-1280.png') });
    await desk.getByRole('link', { name: /Bartholomew Stone/ }).click();
    await desk.locator('.msg__body', { hasText: 'Could everyone' }).waitFor();
    await desk.screenshot({ path: join(shots, 'list-1280.png') });
    assert.ok(await fitsWidth(desk));
    for (const page of [desk, phone]) assert.deepEqual(page.problems, []);
    for (const page of [desk, phone]) await page.context().close();
  });
});

describe('message actions from the keyboard', () => {
  it('replies to, reacts to, edits and deletes a plain text message with the keyboard alone', async () => {
    const eve = await newPage(browser);
    const fay = await newPage(browser);
    const eveName = uniqueName('eve');
    const fayName = uniqueName('fay');
    await signUp(eve, server.url, eveName, 'Eve');
    await signUp(fay, server.url, fayName, 'Fay');
    await createGroup(fay, 'Keyboard club', [eveName]);
    await acceptInvitation(eve, 'Keyboard club');
    for (const text of ['one plain line', 'another plain line', 'the newest plain line']) await send(fay, text);
    await eve.locator('.msg__body', { hasText: 'the newest plain line' }).waitFor();
    // Sent, not only written: a message still in the outbox is not in the timeline yet.
    await fay.locator('article.msg[data-seq]', { hasText: 'the newest plain line' }).waitFor();

    // From the composer, Shift+Tab reaches the messages: one Tab stop, the newest.
    const box = fay.getByRole('combobox', { name: 'Message' });
    await box.focus();
    await backToMessages(fay);
    let at = await focused(fay);
    assert.equal(at.tag, 'article');
    assert.match(at.text, /the newest plain line/);
    assert.equal(await fay.locator('article.msg[tabindex="0"]').count(), 1, 'one message is in the Tab order');
    const hint = await fay.evaluate(() => document.getElementById(document.activeElement.getAttribute('aria-describedby'))?.textContent);
    assert.match(hint, /arrows/i);
    // Up goes to the message before; Shift+Tab from the messages leaves them at once.
    await fay.keyboard.press('ArrowUp');
    assert.match((await focused(fay)).text, /another plain line/);
    await fay.keyboard.press('Shift+Tab');
    assert.notEqual((await focused(fay)).tag, 'article');

    // Reply: Tab from the message reaches its toolbar.
    await fay.keyboard.press('Tab');
    assert.match((await focused(fay)).text, /another plain line/);
    await tabTo(fay, 'Reply');
    await fay.keyboard.press('Enter');
    await fay.getByText(/Replying to/).waitFor();
    assert.ok(await box.evaluate((el) => el === document.activeElement), 'the composer has the focus');
    await fay.keyboard.type('a keyboard reply');
    await fay.keyboard.press('Enter');
    await eve.getByRole('article').filter({ hasText: 'a keyboard reply' }).locator('.quote', { hasText: 'another plain line' }).waitFor();

    // React: Home goes to the first message, the picker opens on its first emoji.
    await backToMessages(fay);
    await fay.keyboard.press('Home');
    assert.match((await focused(fay)).text, /one plain line/);
    await tabTo(fay, 'Add reaction');
    await fay.keyboard.press('Enter');
    assert.equal((await focused(fay)).label, 'React with 👍');
    await fay.keyboard.press('Enter');
    await eve.getByRole('button', { name: /👍 1: Fay/ }).waitFor();
    at = await focused(fay);
    assert.equal(at.tag, 'article', 'the focus stays on the message');
    assert.match(at.text, /one plain line/);

    // Edit: the message's text in the composer, Enter saves.
    await fay.keyboard.press('ArrowDown');
    await tabTo(fay, 'Edit');
    await fay.keyboard.press('Enter');
    assert.equal(await box.inputValue(), 'another plain line');
    await fay.keyboard.press('ControlOrMeta+A');
    await fay.keyboard.type('another line, edited');
    await fay.keyboard.press('Enter');
    await eve.getByRole('article').filter({ hasText: 'another line, edited' }).getByText('(edited)').waitFor();

    // Delete, after the confirmation.
    await backToMessages(fay);
    await fay.keyboard.press('End');
    assert.match((await focused(fay)).text, /a keyboard reply/);
    fay.once('dialog', (dialog) => void dialog.accept());
    await tabTo(fay, 'Delete');
    await fay.keyboard.press('Enter');
    await eve.getByText('This message was deleted.').waitFor();
    assert.equal((await focused(fay)).tag, 'article');
    await fay.keyboard.press('ArrowUp');
    await fay.keyboard.press('Tab');
    await fay.screenshot({ path: join(shots, 'keyboard-1280.png') });
    assert.deepEqual(await axeViolations(fay), []);
    for (const page of [eve, fay]) assert.deepEqual(page.problems, []);
    for (const page of [eve, fay]) await page.context().close();
  });
});

/** Ann and Ben (en-US: 12-hour times) in a direct conversation that Ben accepted after Ann's "hi". */
async function directPair() {
  const ann = await newPage(browser, { locale: 'en-US' });
  const ben = await newPage(browser, { locale: 'en-US' });
  const benName = uniqueName('ben');
  await signUp(ann, server.url, uniqueName('ann'), 'Ann Lee');
  await signUp(ben, server.url, benName, 'Ben Ode');
  await openDirect(ann, benName);
  await send(ann, 'hi');
  await acceptInvitation(ben, 'Ann Lee', { request: true });
  return { ann, ben, benName };
}

describe('the timeline', () => {
  it('shows no membership lines in a direct conversation, and keeps them in a group', async () => {
    const { ann, ben, benName } = await directPair();
    await send(ann, 'another line');
    for (const page of [ann, ben]) {
      await page.locator('.msg__body', { hasText: 'another line' }).waitFor();
      assert.equal(await page.locator('.system').count(), 0, await page.locator('.system').allTextContents().then((t) => t.join(' | ')));
    }
    await createGroup(ann, 'Lines club', [benName]);
    await acceptInvitation(ben, 'Lines club');
    await ann.getByText('Ben Ode joined').waitFor();
    await ann.getByText('Ann Lee created the group “Lines club”').waitFor();
    await ben.getByText('Ann Lee created the group “Lines club”').waitFor();
    for (const page of [ann, ben]) assert.deepEqual(page.problems, []);
    for (const page of [ann, ben]) await page.context().close();
  });

  it('keeps grouped one-line messages one line tall, and the read tick beside a code block and legible', async () => {
    const { ann, ben } = await directPair();
    await send(ann, 'one line');
    await send(ann, 'another line');
    await send(ann, '```\nlet x = 1;\n```');
    const code = ann.getByRole('article').filter({ has: ann.locator('.codeblock') });
    await code.getByRole('img', { name: 'Read' }).waitFor();

    // Grouped lines: the hover time (12-hour, "10:05 PM") fits the gutter on one line.
    const grouped = ann.getByRole('article').filter({ hasText: 'another line' });
    await grouped.hover();
    const time = grouped.locator('.msg__time-hover');
    assert.match(await time.textContent(), /[AP]M/);
    const lines = await time.evaluate((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    });
    assert.equal(lines, 1, 'the time is one line');
    const groupedBox = await grouped.boundingBox();
    assert.ok(groupedBox.height <= 34, `a grouped one-line message is ${groupedBox.height} px tall`);

    // The tick sits beside the code block, not on a line of its own, large enough to read.
    const tick = code.getByRole('img', { name: 'Read' });
    const [tickBox, blockBox] = [await tick.boundingBox(), await code.locator('.codeblock').boundingBox()];
    assert.ok(tickBox.y + tickBox.height <= blockBox.y + blockBox.height, 'the tick is within the code block’s height');
    assert.ok(tickBox.width >= 16 && tickBox.height >= 12, `the tick is ${tickBox.width}x${tickBox.height}`);
    await ann.screenshot({ path: join(shots, 'ticks-1280.png') });

    // A click on a message's text does not keep its toolbar open once the pointer leaves.
    await grouped.locator('.msg__body').click();
    await ann.mouse.move(700, 700);
    await grouped.getByRole('toolbar', { name: 'Message actions' }).waitFor({ state: 'hidden' });
    for (const page of [ann, ben]) assert.deepEqual(page.problems, []);
    for (const page of [ann, ben]) await page.context().close();
  });
});

describe('settings and signing out', () => {
  it('closes Settings on a desktop, signs out from the account menu, and signs out every other device', async () => {
    const page = await newPage(browser);
    const other = await newPage(browser);
    const name = uniqueName('sam');
    await signUp(page, server.url, name, 'Sam');
    await other.goto(server.url);
    await other.getByLabel('Username').fill(name);
    await other.getByLabel('Password').fill(PASSWORD);
    await other.getByRole('button', { name: 'Sign in', exact: true }).click();
    await other.getByRole('button', { name: 'New conversation' }).waitFor();

    // Settings closes with its own button beside the list.
    await page.getByRole('button', { name: /profile and settings/ }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.getByRole('button', { name: 'Close settings' }).click();
    await page.getByText('Pick a conversation, or start a new one.').waitFor();
    assert.equal(new URL(page.url()).pathname, '/');

    // Every other device is signed out after a confirmation; this one stays.
    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('button', { name: /^Sign out (?!all)/ }).waitFor();
    await page.getByRole('button', { name: 'Sign out all other devices' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign out all other devices?' });
    await dialog.waitFor();
    await page.screenshot({ path: join(shots, 'settings-1280.png') });
    assert.deepEqual(await axeViolations(page), []);
    await dialog.getByRole('button', { name: 'Sign out other devices' }).click();
    await page.getByText('1 other device signed out.').waitFor();
    await other.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await page.getByRole('button', { name: /^Sign out (?!all)/ }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Sign out all other devices' }).waitFor({ state: 'detached' });

    // Sign out from the account menu, without opening Settings.
    await page.getByRole('button', { name: 'Close settings' }).click();
    await page.getByRole('button', { name: 'Account' }).click();
    assert.deepEqual(await axeViolations(page), []);
    await page.screenshot({ path: join(shots, 'account-menu-1280.png') });
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Create an account' }).waitFor();
    for (const p of [page, other]) assert.deepEqual(p.problems, []);
    for (const p of [page, other]) await p.context().close();
  });
});
