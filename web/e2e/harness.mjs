// Shared by the browser tests and the screenshot script: starts a real `confab
// serve` through `confab-testkit serve` (crates/confab-testkit: the same harness as
// the Rust tests, with its relaxed profile), and launches Debian's Chromium through
// playwright-core. Nothing here talks to any address but 127.0.0.1.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

/**
 * The confab-testkit binary: $CONFAB_TESTKIT_BIN, else the debug (or release) build in
 * $CARGO_TARGET_DIR (default target/). It runs $CONFAB_BIN if set, else the confab
 * beside it.
 */
export function testkitBinary() {
  if (process.env.CONFAB_TESTKIT_BIN) return process.env.CONFAB_TESTKIT_BIN;
  const target = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(repo, 'target');
  for (const profile of ['debug', 'release']) {
    const candidate = join(target, profile, 'confab-testkit');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    `no confab-testkit binary in ${target}; run \`cargo build --bin confab --bin confab-testkit\` first or set CONFAB_TESTKIT_BIN`,
  );
}

/**
 * Starts confab on a fresh SQLite database and a free loopback port; returns
 * { url, log, stop }. `extraArgs` are passed on to `confab serve`.
 */
export async function startServer(extraArgs = []) {
  const child = spawn(testkitBinary(), ['serve', '--', ...extraArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => {
    log += chunk;
  });
  const exited = new Promise((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit(code ?? signal));
    child.once('error', (error) => resolveExit(error.message));
  });
  // The testkit prints one JSON line once the server listens, and nothing else.
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    new Promise((resolveLine) => lines.once('line', resolveLine)),
    exited.then((code) => {
      throw new Error(`confab-testkit exited (${code}):\n${log}`);
    }),
  ]);
  lines.close();
  const { url } = JSON.parse(first);
  return {
    url,
    log: () => log,
    /** Stops confab and removes its data; resolves to the testkit's exit code. */
    async stop() {
      // Closing stdin is the testkit's signal to stop; it may have exited already.
      child.stdin.on('error', () => {});
      child.stdin.end();
      return exited;
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

/**
 * Accepts a pending invitation from the room list: `what` is the room's name for a
 * group invitation, or the sender's display name for a message request. Accepting
 * opens the conversation.
 */
export async function acceptInvitation(page, what, { request = false } = {}) {
  const label = request ? `Accept message request from ${what}` : `Accept invitation to ${what}`;
  await page.getByRole('button', { name: label, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: what, exact: true }).waitFor();
}

/** Creates a group from the "new conversation" dialog, inviting `usernames`. */
export async function createGroup(page, name, usernames) {
  await page.getByRole('button', { name: 'New conversation' }).click();
  await page.getByRole('tab', { name: 'New group' }).click();
  await page.getByLabel('Group name').fill(name);
  for (const username of usernames) {
    await page.getByLabel('Invite people by username').fill(username);
    await page.getByRole('button', { name: new RegExp(`@${username}`) }).click();
  }
  await page.getByRole('button', { name: /^Create group/ }).click();
  await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
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
