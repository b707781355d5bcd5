// End-to-end: link previews, in Chromium against a real `confab serve` that may fetch
// from 127.0.0.1 (`--link-preview-allowed-networks`), with a small web site on
// loopback. Alice sends a link; Bob sees its card live (site, title, description and
// the picture, served by Confab); Alice removes it and it goes from Bob's screen too.
// Screenshots of the card, at 1280x800 and 375x667, go to $SCREENSHOTS (default
// /tmp/confab-previews).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { api, launchBrowser, newPage, PASSWORD, pngBytes, send, signUp, startServer, uniqueName } from './harness.mjs';

const SHOTS = process.env.SCREENSHOTS ?? '/tmp/confab-previews';
let server;
let browser;
let site;
const hits = new Map();

const PAGE = `<!doctype html><html><head><title>ignored</title>
<meta property="og:site_name" content="Northwind Engineering Blog">
<meta property="og:title" content="How we cut our deploy time from forty minutes to six without giving up a single safety check">
<meta property="og:description" content="A long look at the build cache, the parallel test shards and the canary checks we kept, with the numbers from three months of production deploys and what we would do differently next time.">
<meta property="og:image" content="/cover.png">
</head><body>…</body></html>`;

before(async () => {
  const cover = pngBytes(1200, 630);
  site = createServer((request, response) => {
    hits.set(request.url, (hits.get(request.url) ?? 0) + 1);
    if (request.url === '/deploys') {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
    } else if (request.url === '/cover.png') {
      response.writeHead(200, { 'Content-Type': 'image/png' }).end(cover);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  server = await startServer(['--link-preview-allowed-networks', '127.0.0.1/32']);
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  site?.close();
});

/** Signs up in the browser; answers the account's id and an access token. */
async function person(page, displayName) {
  const username = uniqueName(displayName.split(' ')[0].toLowerCase());
  await signUp(page, server.url, username, displayName);
  const auth = await api(server, null, 'POST', '/auth/signin', { username, password: PASSWORD, device_name: 'seed' });
  return { id: auth.user.id, token: auth.tokens.access_token };
}

describe('link previews', () => {
  it('shows the card live with its picture, and the sender removes it for everyone', async () => {
    const alicePage = await newPage(browser);
    const bobPage = await newPage(browser);
    const alice = await person(alicePage, 'Alice Martin');
    const bob = await person(bobPage, 'Bob Stone');
    const group = await api(server, alice.token, 'POST', '/rooms', { name: 'Platform team', members: [bob.id] });
    await api(server, bob.token, 'POST', `/invitations/${group.id}/accept`);
    for (const page of [alicePage, bobPage]) await page.goto(`${server.url}/rooms/${group.id}`);

    const port = site.address().port;
    await send(alicePage, `The write-up is out: http://127.0.0.1:${port}/deploys — worth a read before Thursday.`);
    const card = bobPage.locator('.link-preview');
    await card.waitFor();
    await card.getByText('Northwind Engineering Blog').waitFor();
    assert.match(await card.getByRole('link').last().innerText(), /How we cut our deploy time/);
    const picture = card.locator('img');
    await picture.waitFor();
    await bobPage.waitForFunction((img) => img.complete && img.naturalWidth > 0, await picture.elementHandle());
    assert.equal(await picture.evaluate((img) => img.naturalWidth), 640);
    assert.equal(await card.getByRole('button', { name: 'Remove preview' }).count(), 0, 'only the sender removes it');
    assert.equal(hits.get('/deploys'), 1);
    await bobPage.screenshot({ path: `${SHOTS}/preview-desktop.png` });
    await bobPage.setViewportSize({ width: 375, height: 667 });
    await card.scrollIntoViewIfNeeded();
    const overflow = await bobPage.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow}px)`);
    await bobPage.screenshot({ path: `${SHOTS}/preview-phone.png` });

    await alicePage.locator('.link-preview').getByRole('button', { name: 'Remove preview' }).click();
    await card.waitFor({ state: 'detached' });
    await alicePage.locator('.link-preview').waitFor({ state: 'detached' });
  });
});
