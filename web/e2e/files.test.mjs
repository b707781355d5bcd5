// End-to-end: sharing files and avatars, in Chromium against a real `confab serve`.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { acceptInvitation, axeViolations, createGroup, dropFiles, launchBrowser, newPage, openDirect, pdfBytes, pngBytes, send, signUp, startServer, uniqueName } from './harness.mjs';

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

const PHOTO = { name: 'harbour at dawn.png', mimeType: 'image/png', buffer: pngBytes(640, 480) };
const REPORT = { name: 'Quarterly report Q4 (final).pdf', mimeType: 'application/pdf', buffer: pdfBytes('Quarterly report Q4') };

/** Alice and Bob in a direct conversation that Bob accepted; both have it open. */
async function directPair(names = {}) {
  const alice = await newPage(browser);
  const bob = await newPage(browser, names.bobViewport ? { viewport: names.bobViewport, isMobile: true, hasTouch: true } : {});
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  await signUp(alice, server.url, aliceName, 'Alice Martin');
  await signUp(bob, server.url, bobName, 'Bob Stone');
  await openDirect(alice, bobName);
  await send(alice, 'Hi Bob, files coming up');
  await acceptInvitation(bob, 'Alice Martin', { request: true });
  await bob.locator('.msg__body', { hasText: 'files coming up' }).waitFor();
  return { alice, bob, aliceName, bobName };
}

describe('sharing files', () => {
  it('drops an image and a PDF into a DM; the other side sees the thumbnail live, opens the viewer and downloads the same bytes', async () => {
    const { alice, bob } = await directPair();

    // Alice drops both files on the conversation: each uploads at once, with a chip.
    await dropFiles(alice, '.conversation', [PHOTO, REPORT]);
    const files = alice.getByRole('list', { name: 'Files to send' });
    await files.getByRole('listitem', { name: /harbour at dawn\.png, uploaded/ }).waitFor();
    await files.getByRole('listitem', { name: /Quarterly report Q4 \(final\)\.pdf, uploaded/ }).waitFor();
    await alice.getByText('2 files ready to send').waitFor();
    await send(alice, 'Photos and the report from Friday');
    await files.waitFor({ state: 'detached' });

    // Bob sees the thumbnail arrive live, sized before it loads, then loaded.
    const message = bob.getByRole('article').filter({ hasText: 'Photos and the report from Friday' });
    const thumb = message.getByRole('img', { name: 'harbour at dawn.png' });
    await thumb.waitFor();
    await bob.waitForFunction((img) => img.complete && img.naturalWidth > 0, await thumb.elementHandle());
    assert.equal(await thumb.getAttribute('width'), '320');
    assert.equal(await thumb.getAttribute('height'), '240');
    assert.match(await thumb.getAttribute('src'), /^blob:/);

    // The viewer shows the full image (640 pixels wide), and Escape closes it.
    await message.getByRole('button', { name: 'Open photo harbour at dawn.png' }).click();
    const viewer = bob.getByRole('dialog', { name: /Photo: harbour at dawn\.png/ });
    await viewer.waitFor();
    const full = viewer.locator('.viewer__img:not(.viewer__img--preview)');
    await full.waitFor();
    await bob.waitForFunction((img) => img.complete && img.naturalWidth === 640, await full.elementHandle());
    await viewer.getByText(/640 × 480/).waitFor();
    await bob.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });

    // The PDF is a card; downloading it saves the bytes Alice uploaded, under its name.
    const card = message.getByRole('button', { name: /Download Quarterly report Q4 \(final\)\.pdf \(PDF, / });
    const [download] = await Promise.all([bob.waitForEvent('download'), card.click()]);
    assert.equal(download.suggestedFilename(), REPORT.name);
    assert.deepEqual(await readFile(await download.path()), REPORT.buffer);

    // Replying to it quotes the text; a message with only a file shows its name.
    await message.hover();
    await message.getByRole('button', { name: 'Reply' }).click();
    await send(bob, 'Got them, thanks');
    await alice.getByRole('article').filter({ hasText: 'Got them, thanks' }).locator('.quote', { hasText: 'Photos and the report' }).waitFor();
    await dropFiles(bob, '.conversation', [{ ...REPORT, name: 'signed.pdf' }]);
    await bob.getByText('1 file ready to send').waitFor();
    await bob.getByRole('button', { name: 'Send', exact: true }).click();
    await alice.getByRole('link', { name: /Bob Stone/ }).getByText('signed.pdf').waitFor();

    // The details panel lists the conversation's files, newest first.
    await alice.getByRole('button', { name: 'Details' }).click();
    await alice.getByRole('tab', { name: 'Files' }).click();
    const shared = alice.getByRole('list', { name: 'Shared files' });
    await shared.getByText('signed.pdf').waitFor();
    const names = await shared.locator('.shared-file__name').allTextContents();
    assert.equal(names[0], 'signed.pdf');
    assert.deepEqual(names.slice(1).sort(), ['Quarterly report Q4 (final).pdf', 'harbour at dawn.png']);
    const [again] = await Promise.all([alice.waitForEvent('download'), shared.getByRole('button', { name: 'Download harbour at dawn.png' }).click()]);
    assert.deepEqual(await readFile(await again.path()), PHOTO.buffer);

    for (const page of [alice, bob]) assert.deepEqual(page.problems, []);
    for (const page of [alice, bob]) await page.context().close();
  });

  it('works on a 375x667 phone: picking files, the thumbnail in the timeline and the viewer', async () => {
    const { alice, bob } = await directPair({ bobViewport: { width: 375, height: 667 } });
    // Bob picks two photos with the attach button's file picker.
    await bob.locator('.composer input[type=file]').setInputFiles([PHOTO, { name: 'IMG_2043.png', mimeType: 'image/png', buffer: pngBytes(480, 800) }]);
    await bob.getByText('2 files ready to send').waitFor();
    await bob.getByRole('button', { name: 'Send', exact: true }).click();
    const grid = bob.getByRole('list', { name: '2 photos' });
    // Measured once the message is stored: until then its pending copy is shown, and
    // it is swapped for the stored one when that arrives.
    await alice.getByRole('list', { name: '2 photos' }).waitFor();
    await bob.waitForFunction(() => document.querySelector('.msg--pending') === null);
    await grid.waitFor();
    // Nothing is wider than the screen.
    const overflow = await bob.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0);
    const box = await grid.boundingBox();
    assert.ok(box && box.x + box.width <= 375, `the grid fits: ${JSON.stringify(box)}`);
    // The viewer pages through the message's photos with the arrow keys.
    await grid.getByRole('button', { name: 'Open photo harbour at dawn.png' }).click();
    await bob.getByRole('dialog', { name: 'Photo: harbour at dawn.png, 1 of 2' }).waitFor();
    await bob.keyboard.press('ArrowRight');
    await bob.getByRole('dialog', { name: 'Photo: IMG_2043.png, 2 of 2' }).waitFor();
    assert.equal(await bob.getByRole('button', { name: 'Next photo' }).isDisabled(), true);
    await bob.getByRole('button', { name: 'Previous photo' }).click();
    await bob.getByRole('dialog', { name: 'Photo: harbour at dawn.png, 1 of 2' }).waitFor();
    assert.deepEqual(await axeViolations(bob), []);
    await bob.getByRole('button', { name: 'Close photo viewer' }).click();
    for (const page of [alice, bob]) assert.deepEqual(page.problems, []);
    for (const page of [alice, bob]) await page.context().close();
  });

  it('retries an upload that failed offline, and sends a message with files once back online', async () => {
    const { alice, bob } = await directPair();
    await alice.context().setOffline(true);
    await alice.getByText(/Offline|Connecting/).first().waitFor();
    await alice.locator('.composer input[type=file]').setInputFiles([REPORT]);
    const chip = alice.getByRole('listitem', { name: /Quarterly report Q4 \(final\)\.pdf, failed: upload failed: no connection/ });
    await chip.waitFor();
    assert.equal(await alice.getByRole('button', { name: 'Send', exact: true }).isDisabled(), true);
    await alice.getByRole('button', { name: /Retry uploading/ }).waitFor();
    // Back online: the upload goes again by itself, with the same client_id.
    await alice.context().setOffline(false);
    await alice.getByText('1 file ready to send').waitFor();

    // Offline again, the message (its file uploaded) waits in the outbox and goes later.
    await alice.context().setOffline(true);
    await alice.getByText(/Offline|Connecting/).first().waitFor();
    await send(alice, 'Report attached, sent from the train');
    await alice.getByRole('article', { name: 'Message sending' }).getByRole('button', { name: /Download Quarterly report/ }).waitFor();
    await alice.context().setOffline(false);
    await alice.getByRole('article', { name: 'Message sending' }).waitFor({ state: 'detached' });
    const received = bob.getByRole('article').filter({ hasText: 'Report attached, sent from the train' });
    await received.getByRole('button', { name: /Download Quarterly report Q4/ }).waitFor();
    // One file, stored once: the Files tab has it once.
    await bob.getByRole('button', { name: 'Details' }).click();
    await bob.getByRole('tab', { name: 'Files' }).click();
    await bob.getByRole('list', { name: 'Shared files' }).getByText('Quarterly report Q4 (final).pdf').waitFor();
    assert.equal(await bob.locator('.shared-file').count(), 1);
    for (const page of [alice, bob]) await page.context().close();
  });

  it('says when a file is over the server’s size limit, and lets it be removed', async () => {
    const small = await startServer(['--max-upload-bytes', '300000']);
    try {
      const page = await newPage(browser);
      const other = await newPage(browser);
      const otherName = uniqueName('otto');
      await signUp(other, small.url, otherName, 'Otto');
      await signUp(page, small.url, uniqueName('tina'), 'Tina');
      await openDirect(page, otherName);
      await page.locator('.composer input[type=file]').setInputFiles([{ name: 'site-backup.tar.gz', mimeType: 'application/gzip', buffer: Buffer.alloc(400_000, 1) }, PHOTO]);
      const refused = page.getByRole('listitem', { name: /site-backup\.tar\.gz, failed: too large \(max 293 KB\)/ });
      await refused.waitFor();
      await refused.getByRole('alert').getByText('too large (max 293 KB)').waitFor();
      await page.getByText('A file could not be uploaded: retry or remove it to send.').waitFor();
      assert.equal(await refused.getByRole('button', { name: /Retry/ }).count(), 0, 'no retry for a file that is too large');
      assert.equal(await page.getByRole('button', { name: 'Send', exact: true }).isDisabled(), true);
      await page.getByRole('button', { name: 'Remove site-backup.tar.gz' }).click();
      await page.getByText('1 file ready to send').waitFor();
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await page.getByRole('article').getByRole('img', { name: 'harbour at dawn.png' }).waitFor();
      assert.deepEqual(page.problems, []);
      await page.context().close();
      await other.context().close();
    } finally {
      await small.stop();
    }
  });
});

describe('avatars', () => {
  it('a profile photo set in Settings shows to others after a reload; a group photo changes live', async () => {
    const { alice, bob, bobName } = await directPair();
    await alice.getByRole('button', { name: /profile and settings/ }).click();
    await alice.locator('.photo-picker input[type=file]').setInputFiles([{ name: 'me.png', mimeType: 'image/png', buffer: pngBytes(600, 400) }]);
    await alice.getByText('Photo updated.').waitFor();
    await alice.getByRole('button', { name: 'Remove photo' }).waitFor();
    await alice.locator('.roomlist__header .avatar__img').waitFor();

    // Bob has Alice's old profile; after a reload, her photo is everywhere he sees her.
    await bob.reload();
    await bob.getByRole('link', { name: /Alice Martin/ }).locator('.avatar__img').waitFor();
    await bob.locator('.conversation__header .avatar__img').waitFor();
    await bob.locator('.msg .avatar__img').first().waitFor();

    // A group photo, set by its owner, reaches the members at once.
    await createGroup(alice, 'Weekend climbing', [bobName]);
    await acceptInvitation(bob, 'Weekend climbing');
    await alice.getByText('Bob Stone joined').waitFor();
    await alice.getByRole('button', { name: 'Members' }).click();
    await alice.locator('.panel .photo-picker input[type=file]').setInputFiles([{ name: 'crag.png', mimeType: 'image/png', buffer: pngBytes(320, 320) }]);
    await alice.getByText('Photo updated.').waitFor();
    await bob.getByText('Alice Martin changed the group photo').waitFor();
    await bob.getByRole('link', { name: /Weekend climbing/ }).locator('.avatar__img').waitFor();
    await bob.locator('.conversation__header .avatar__img').waitFor();
    // Bob is a plain member: no photo buttons for him.
    await bob.getByRole('button', { name: 'Members' }).click();
    await bob.getByRole('tab', { name: 'Members' }).waitFor();
    assert.equal(await bob.getByRole('button', { name: 'Change photo' }).count(), 0);

    // Removing it goes back to the initials, live too.
    await alice.getByRole('button', { name: 'Remove photo' }).click();
    await bob.getByText('Alice Martin removed the group photo').waitFor();
    await bob.getByRole('link', { name: /Weekend climbing/ }).locator('.avatar__img').waitFor({ state: 'detached' });
    for (const page of [alice, bob]) assert.deepEqual(page.problems, []);
    for (const page of [alice, bob]) await page.context().close();
  });
});
