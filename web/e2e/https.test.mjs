// End-to-end: the web client served over HTTPS by confab itself (`--tls-cert`,
// `--tls-key`), in Chromium: the page over HTTP/2 with HSTS, the refresh cookie
// `Secure`, and a conversation whose live updates come over `wss://`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acceptInvitation, launchBrowser, newPage, openDirect, send, signUp, startServer, uniqueName } from './harness.mjs';

let server;
let browser;
let certificates;

/** A self-signed certificate for 127.0.0.1, made with the openssl command. */
function selfSigned(dir) {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' });
  return { cert, key };
}

before(async () => {
  certificates = mkdtempSync(join(tmpdir(), 'confab-tls-'));
  const { cert, key } = selfSigned(certificates);
  server = await startServer(['--tls-cert', cert, '--tls-key', key]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (certificates) rmSync(certificates, { recursive: true, force: true });
});

describe('the web client over HTTPS', () => {
  it('loads over HTTP/2 with HSTS, keeps a Secure refresh cookie, and chats live over wss', async () => {
    assert.match(server.url, /^https:\/\//);
    // The test's own certificate is not in any trust store: the browser is told to accept it.
    const ann = await newPage(browser, { ignoreHTTPSErrors: true });
    const ben = await newPage(browser, { ignoreHTTPSErrors: true });

    const response = await ann.goto(server.url);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['strict-transport-security'] ?? '', /^max-age=\d+/);
    const protocol = await ann.evaluate(() => globalThis.performance.getEntriesByType('navigation')[0].nextHopProtocol);
    assert.equal(protocol, 'h2');

    const annName = uniqueName('ann');
    const benName = uniqueName('ben');
    await signUp(ann, server.url, annName, 'Ann');
    await signUp(ben, server.url, benName, 'Ben');
    const cookie = (await ann.context().cookies()).find((c) => c.name === 'confab_refresh');
    assert.ok(cookie, 'the refresh cookie is set');
    assert.equal(cookie.secure, true);

    await openDirect(ann, benName);
    await send(ann, 'hello over TLS');
    await acceptInvitation(ben, 'Ann', { request: true });
    await ben.locator('.msg__body', { hasText: 'hello over TLS' }).waitFor();
    // A live reply: it reaches Ann over her open WebSocket, not by a reload.
    await send(ben, 'and back, live');
    await ann.locator('.msg__body', { hasText: 'and back, live' }).waitFor();
    assert.deepEqual(ann.problems, []);
    assert.deepEqual(ben.problems, []);
    await ann.context().close();
    await ben.context().close();
  });
});
