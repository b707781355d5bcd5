// End-to-end: the emoji picker. Any emoji reacts (found by name, seen live by the other
// member), the skin tone is applied and remembered, the quick reactions follow what was
// used, the keyboard works, an emoji goes into the composer at the caret (or from a
// :name completion), and the picker fits a phone. Screenshots go to $EMOJI_SHOTS (default /tmp/emoji-shots).
/* global localStorage -- evaluated in the page */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { acceptInvitation, axeViolations, createGroup, launchBrowser, newPage, send, signUp, startServer, uniqueName } from './harness.mjs';

const SHOTS = process.env.EMOJI_SHOTS ?? '/tmp/emoji-shots';

let server;
let browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The aria-labels of the quick reactions of `message`, opened from its toolbar. */
async function quickRow(message) {
  await message.hover();
  await message.getByRole('button', { name: 'Add reaction' }).click();
  const row = message.getByRole('group', { name: 'Reactions' });
  await row.waitFor();
  return row.getByRole('button').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label')));
}

/** Opens the full picker from `message`'s toolbar. */
async function openPicker(page, message) {
  await quickRow(message);
  await message.getByRole('button', { name: 'More reactions' }).click();
  const picker = page.getByRole('dialog', { name: 'Choose an emoji' });
  await picker.waitFor();
  return picker;
}

/** The accessible name of the focused element. */
function focused(page) {
  return page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName);
}

/** Whether `box` lies inside the page's viewport. */
function inside(page, box) {
  const { width, height } = page.viewportSize();
  return box.x >= 0 && box.y >= 0 && box.x + box.width <= width + 0.5 && box.y + box.height <= height + 0.5;
}

describe('the emoji picker', () => {
  it('reacts with any emoji, with a skin tone, from the keyboard too, and inserts emoji in the composer', async () => {
    const alice = await newPage(browser);
    const bob = await newPage(browser);
    const bobName = uniqueName('bob');
    await signUp(alice, server.url, uniqueName('alice'), 'Alice Martin');
    await signUp(bob, server.url, bobName, 'Bob Stone');
    await createGroup(alice, 'Picnic', [bobName]);
    await acceptInvitation(bob, 'Picnic');
    await send(alice, 'pack the blanket');
    const message = alice.locator('.msg', { hasText: 'pack the blanket' });
    const bobsMessage = bob.locator('.msg', { hasText: 'pack the blanket' });
    await bobsMessage.waitFor();

    // Nothing used yet: the usual six, then More reactions.
    assert.deepEqual(await quickRow(message), ['React with 👍', 'React with ❤️', 'React with 😂', 'React with 🎉', 'React with 😮', 'React with 😢', 'More reactions']);

    // Any emoji, found by name; the search box has the focus; the picker sits by its button.
    const more = message.getByRole('button', { name: 'More reactions' });
    await more.click();
    let picker = alice.getByRole('dialog', { name: 'Choose an emoji' });
    await picker.getByRole('button', { name: 'grinning face', exact: true }).waitFor();
    assert.equal(await focused(alice), 'Search emoji');
    const box = await picker.boundingBox();
    const button = await more.boundingBox();
    assert.ok(inside(alice, box), `the picker is on screen: ${JSON.stringify(box)}`);
    assert.ok(box.y >= button.y + button.height || box.y + box.height <= button.y, 'above or below its button, not over it');
    assert.ok(box.x <= button.x + button.width && box.x + box.width >= button.x, 'beside its button');
    assert.ok(box.width >= 300 && box.height >= 340, `about 340 x 380: ${JSON.stringify(box)}`);
    await alice.screenshot({ path: `${SHOTS}/desktop-picker.png` });
    assert.deepEqual(await axeViolations(alice), []);

    await picker.getByRole('searchbox', { name: 'Search emoji' }).fill('avocado');
    await picker.getByRole('button', { name: 'avocado', exact: true }).click();
    await picker.waitFor({ state: 'detached' });
    await message.getByRole('button', { name: /^🥑 1/ }).waitFor();
    // Bob sees it live, without reloading.
    await bobsMessage.getByRole('button', { name: /^🥑 1: Alice Martin/ }).waitFor();

    // Nothing found says so; Escape closes and gives the focus back to the button.
    picker = await openPicker(alice, message);
    await picker.getByRole('searchbox').fill('xyzzyq');
    await picker.getByText('No emoji match “xyzzyq”').waitFor();
    await alice.keyboard.press('Escape');
    await picker.waitFor({ state: 'detached' });
    assert.equal(await focused(alice), 'More reactions');

    // A skin tone, remembered: thumbs up from the picker is 👍🏽.
    await more.click();
    picker = alice.getByRole('dialog', { name: 'Choose an emoji' });
    await picker.getByRole('radio', { name: 'Medium skin tone' }).click();
    assert.equal(await picker.getByRole('radio', { name: 'Medium skin tone' }).getAttribute('aria-checked'), 'true');
    await picker.getByRole('searchbox').fill(':thumbsup');
    const thumbs = picker.getByRole('button', { name: 'thumbs up', exact: true });
    assert.equal(await thumbs.textContent(), '👍🏽');
    assert.match(await thumbs.getAttribute('title'), /^thumbs up :\+1:$/);
    await thumbs.click();
    await message.getByRole('button', { name: /^👍🏽 1/ }).waitFor();
    await bobsMessage.getByRole('button', { name: /^👍🏽 1/ }).waitFor();
    assert.equal(await alice.evaluate(() => localStorage.getItem('confab.emoji.skinTone')), '3');

    // The quick row starts with what was used last, then the usual ones in the tone.
    assert.deepEqual(await quickRow(message), ['React with 👍🏽', 'React with 🥑', 'React with ❤️', 'React with 😂', 'React with 🎉', 'React with 😮', 'More reactions']);
    assert.deepEqual(JSON.parse(await alice.evaluate(() => localStorage.getItem('confab.emoji.recent'))), ['👍🏽', '🥑']);

    // The keyboard: Tab from the search box to the tones, the tabs and the grid; arrows
    // move in the grid (down from Recent's single row is Smileys' first); Enter picks.
    await more.click();
    picker = alice.getByRole('dialog', { name: 'Choose an emoji' });
    await picker.getByRole('button', { name: 'grinning face', exact: true }).waitFor();
    await alice.keyboard.press('Tab');
    assert.equal(await focused(alice), 'Medium skin tone');
    await alice.keyboard.press('Tab');
    assert.equal(await focused(alice), 'Recent');
    await alice.keyboard.press('ArrowRight');
    assert.equal(await focused(alice), 'Smileys & emotion');
    await alice.keyboard.press('Tab');
    assert.equal(await focused(alice), 'grinning face');
    await alice.keyboard.press('ArrowRight');
    assert.equal(await focused(alice), 'grinning face with big eyes');
    await alice.keyboard.press('ArrowUp');
    assert.equal(await focused(alice), 'avocado');
    await alice.keyboard.press('ArrowLeft');
    assert.equal(await focused(alice), 'thumbs up');
    await alice.keyboard.press('ArrowDown');
    assert.equal(await focused(alice), 'grinning face');
    await alice.keyboard.press('Enter');
    await picker.waitFor({ state: 'detached' });
    await message.getByRole('button', { name: /^😀 1/ }).waitFor();

    // The composer: an emoji at the caret, then one in place of the selected word.
    const composer = alice.getByRole('combobox', { name: 'Message' });
    await composer.fill('Lunch at noon');
    await composer.evaluate((el) => el.setSelectionRange(5, 5));
    await alice.getByRole('button', { name: 'Insert emoji' }).click();
    picker = alice.getByRole('dialog', { name: 'Choose an emoji' });
    await picker.getByRole('searchbox').fill('pizza');
    await alice.keyboard.press('Enter');
    await picker.waitFor({ state: 'detached' });
    assert.equal(await composer.inputValue(), 'Lunch🍕 at noon');
    assert.equal(await focused(alice), 'Message');
    await alice.keyboard.type('!');
    await composer.evaluate((el) => el.setSelectionRange(12, 16));
    await alice.getByRole('button', { name: 'Insert emoji' }).click();
    await picker.getByRole('searchbox').fill('sun');
    await picker.getByRole('button', { name: 'sun', exact: true }).click();
    assert.equal(await composer.inputValue(), 'Lunch🍕! at ☀️');
    await composer.press('Enter');
    await bob.locator('.msg__body', { hasText: 'Lunch🍕! at ☀️' }).waitFor();

    // Typing : and two letters offers emoji (in the chosen tone); Enter takes one.
    await composer.pressSequentially('so :avoc');
    const completions = alice.getByRole('listbox', { name: 'Emoji' });
    await completions.getByRole('option', { name: '🥑 :avocado:' }).waitFor();
    await composer.press('Enter');
    assert.equal(await composer.inputValue(), 'so 🥑');
    await composer.pressSequentially(' :thumbsu');
    await completions.getByRole('option', { name: '👍🏽 :+1:' }).waitFor();
    await composer.press('Escape');
    await completions.waitFor({ state: 'detached' });
    assert.equal(await composer.inputValue(), 'so 🥑 :thumbsu', 'Escape only hides them');
    await composer.fill('');

    // A phone: the picker lies inside the screen, from the composer and from a message.
    await alice.setViewportSize({ width: 375, height: 667 });
    await alice.getByRole('button', { name: 'Insert emoji' }).click();
    await picker.getByRole('button', { name: 'pizza', exact: true }).first().waitFor();
    assert.ok(inside(alice, await picker.boundingBox()), `inside 375 x 667: ${JSON.stringify(await picker.boundingBox())}`);
    const target = await picker.getByRole('button', { name: 'grinning face', exact: true }).first().boundingBox();
    assert.ok(target.width >= 32 && target.height >= 32, `emoji are big enough to tap: ${JSON.stringify(target)}`);
    await alice.screenshot({ path: `${SHOTS}/phone-picker.png` });
    assert.deepEqual(await axeViolations(alice), []);
    await alice.keyboard.press('Escape');
    await picker.waitFor({ state: 'detached' });
    assert.equal(await focused(alice), 'Insert emoji');
    picker = await openPicker(alice, message);
    assert.ok(inside(alice, await picker.boundingBox()), 'the reactions picker fits too');
    // A press outside closes it.
    await alice.mouse.click(200, 40);
    await picker.waitFor({ state: 'detached' });

    assert.deepEqual(alice.problems, [], 'no CSP violation or page error');
    assert.deepEqual(bob.problems, []);
  });
});
