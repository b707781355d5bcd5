// Shared by the browser tests and the screenshot script: starts a real `confab
// serve` on a free loopback port with a fresh data directory, and launches Debian's
// Chromium through playwright-core. Nothing here talks to any address but 127.0.0.1.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

/** The confab binary: $CONFAB_BIN, else the debug build in $CARGO_TARGET_DIR (default target/). */
export function confabBinary() {
  if (process.env.CONFAB_BIN) return process.env.CONFAB_BIN;
  const target = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(repo, 'target');
  for (const profile of ['debug', 'release']) {
    const candidate = join(target, profile, 'confab');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`no confab binary in ${target}; run \`cargo build --bin confab\` first or set CONFAB_BIN`);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Starts confab; returns { url, stop }. */
export async function startServer(extraArgs = []) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'confab-e2e-'));
  const args = [
    'serve',
    '--listen', `127.0.0.1:${port}`,
    '--data-dir', dataDir,
    // Fast password hashing: these tests are about the client, not argon2.
    '--argon2-memory-kib', '8192',
    '--argon2-iterations', '1',
    '--signups-per-ip', '1000',
    '--sqlite-synchronous', 'normal',
    '--log', 'warn',
    ...extraArgs,
  ];
  const child = spawn(confabBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => {
    log += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`confab exited (${child.exitCode}):\n${log}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`confab did not become ready:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** A new page whose console CSP violations and page errors are collected in `problems`. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) page.problems.push(message.text());
  });
  return page;
}

let counter = 0;
/** A username unique to this run. */
export function uniqueName(base) {
  counter += 1;
  return `${base}${Date.now().toString(36).slice(-4)}${counter}`;
}

export const PASSWORD = 'violet tractor fumbles oddly 42';

/** Signs up through the UI and waits for the room list. */
export async function signUp(page, url, username, displayName) {
  await page.goto(url);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel(/Display name/).fill(displayName);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'New conversation' }).waitFor();
}

/** Opens the direct conversation with `username` from the "new conversation" dialog. */
export async function openDirect(page, username) {
  await page.getByRole('button', { name: 'New conversation' }).click();
  await page.getByLabel('Find someone by username').fill(username);
  await page.getByRole('button', { name: new RegExp(`@${username}`) }).click();
  await page.getByRole('combobox', { name: 'Message' }).waitFor();
}

export async function send(page, text) {
  const box = page.getByRole('combobox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

/** Runs axe-core in the page and returns its serious and critical violations. */
export async function axeViolations(page) {
  const require = createRequire(import.meta.url);
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(source);
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
