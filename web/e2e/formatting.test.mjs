// End-to-end: Markdown blocks in messages (a quote, nested lists, a heading,
// strikethrough) render as elements on the other side, inside the message, with no
// page heading and no horizontal overflow on a phone.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acceptInvitation, axeViolations, launchBrowser, newPage, openDirect, send, signUp, startServer, uniqueName } from './harness.mjs';

let server;
let browser;
const shots = process.env.CONFAB_SHOTS_DIR ?? mkdtempSync(join(tmpdir(), 'confab-md-'));

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const MESSAGE = [
  '## Release checklist',
  '> The build on Friday failed because the **migration** ran twice.',
  '',
  '1. Freeze the branch',
  '2. Run the migrations once',
  '   - on SQLite',
  '   - on PostgreSQL',
  '3. ~~Email everyone~~ Post in #releases',
].join('\n');

describe('message formatting', () => {
  it('shows quotes, lists, headings and strikethrough', async () => {
    const alice = await newPage(browser);
    const bob = await newPage(browser, { viewport: { width: 375, height: 667 } });
    const aliceName = uniqueName('alice');
    const bobName = uniqueName('bob');
    await signUp(alice, server.url, aliceName, 'Alice Martin');
    await signUp(bob, server.url, bobName, 'Bob Stone');
    await openDirect(alice, bobName);
    await send(alice, MESSAGE);
    await acceptInvitation(bob, 'Alice Martin', { request: true });

    const body = bob.locator('.msg__body', { hasText: 'Release checklist' });
    await body.waitFor();
    assert.equal(await body.locator('.md-heading').textContent(), 'Release checklist');
    assert.match(await body.locator('blockquote').textContent(), /migration ran twice/);
    assert.equal(await body.locator('blockquote strong').textContent(), 'migration');
    assert.equal(await body.locator('ol > li').count(), 3);
    assert.deepEqual(await body.locator('ol ul > li').allTextContents(), ['on SQLite', 'on PostgreSQL']);
    assert.equal(await body.locator('s').textContent(), 'Email everyone');
    assert.equal(await body.locator('h1, h2, h3, h4, h5, h6').count(), 0, 'no page headings inside a message');
    const overflow = await bob.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px too wide`);
    await bob.screenshot({ path: join(shots, 'phone-formatting.png') });
    assert.deepEqual(await axeViolations(bob), []);
  });
});
