// Shared by the browser tests and the screenshot script: starts a real `confab
// serve` through `confab-testkit serve` (crates/confab-testkit: the same harness as
// the Rust tests, with its relaxed profile), and launches Debian's Chromium through
// playwright-core. Nothing here talks to any address but 127.0.0.1.

import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { encodePng } from '../scripts/png.mjs';

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

/** Calls `server`'s REST API as `token` (null: nobody); answers the JSON body (null for a 204). */
export async function api(server, token, method, path, body) {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

/** Signs up through the API (a unique username from `base`): the profile with its access `token`. */
export async function apiUser(server, displayName, base = 'u') {
  const username = uniqueName(base);
  const { user, tokens } = await api(server, null, 'POST', '/auth/signup', { username, password: PASSWORD, display_name: displayName });
  return { ...user, token: tokens.access_token };
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

// ---- files for the sharing tests and screenshots ----

/** A PNG of `width` x `height` pixels (a colour gradient), encoded here without a library. */
export function pngBytes(width, height) {
  const pixels = Buffer.alloc(width * 3 * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      pixels[at] = Math.floor((x * 255) / width);
      pixels[at + 1] = Math.floor((y * 255) / height);
      pixels[at + 2] = 160;
    }
  }
  return encodePng(width, height, pixels, 3);
}

/** A small, valid one-page PDF whose text is `title`. */
export function pdfBytes(title) {
  const text = title.replace(/[()\\]/g, '');
  const stream = `BT /F1 24 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

/**
 * A JPEG landscape drawn with a canvas in `page` (any page; about:blank will do):
 * sky, hills and a sun, in colours from `hue`.
 */
export async function pictureBytes(page, width, height, hue) {
  const data = await page.evaluate(
    ([w, h, hue]) => {
      const canvas = document.createElement('canvas');
      canvas.width = w;
      canvas.height = h;
      const g = canvas.getContext('2d');
      const sky = g.createLinearGradient(0, 0, 0, h);
      sky.addColorStop(0, `hsl(${hue} 65% 58%)`);
      sky.addColorStop(1, `hsl(${hue + 35} 85% 84%)`);
      g.fillStyle = sky;
      g.fillRect(0, 0, w, h);
      g.fillStyle = 'rgb(255 244 214 / 92%)';
      g.beginPath();
      g.arc(w * 0.72, h * 0.26, Math.min(w, h) * 0.09, 0, Math.PI * 2);
      g.fill();
      for (const [shade, base, peaks] of [
        [28, 0.62, [0.18, 0.42, 0.66, 0.9]],
        [18, 0.78, [0.08, 0.35, 0.57, 0.82]],
      ]) {
        g.fillStyle = `hsl(${hue + 170} 28% ${shade}%)`;
        g.beginPath();
        g.moveTo(0, h);
        g.lineTo(0, h * base);
        peaks.forEach((x, i) => g.lineTo(w * x, h * (base - (i % 2 ? 0.08 : 0.22))));
        g.lineTo(w, h * base);
        g.lineTo(w, h);
        g.fill();
      }
      return canvas.toDataURL('image/jpeg', 0.88);
    },
    [width, height, hue],
  );
  return Buffer.from(data.split(',')[1], 'base64');
}

/**
 * Drops files on `selector` as a browser does when they are dragged from the desktop:
 * dragenter, dragover and drop events carrying a DataTransfer with those files.
 * `files` are { name, mimeType, buffer }.
 */
export async function dropFiles(page, selector, files) {
  const payload = files.map((f) => ({ name: f.name, type: f.mimeType, data: f.buffer.toString('base64') }));
  const transfer = await page.evaluateHandle((list) => {
    const dt = new globalThis.DataTransfer();
    for (const f of list) {
      const bytes = Uint8Array.from(globalThis.atob(f.data), (c) => c.charCodeAt(0));
      dt.items.add(new globalThis.File([bytes], f.name, { type: f.type }));
    }
    return dt;
  }, payload);
  const target = page.locator(selector);
  for (const type of ['dragenter', 'dragover', 'drop']) await target.dispatchEvent(type, { dataTransfer: transfer });
}

/**
 * An OpenMLS device of the Rust client in its own process (`confab-testkit mls-peer`,
 * crates/confab-testkit/src/mls_peer.rs): `call(op, args)` sends one JSON command
 * line and resolves to its answer line (an `{error}` answer rejects); `stop()` closes
 * its stdin, which ends it.
 */
export function startMlsPeer() {
  const child = spawn(testkitBinary(), ['mls-peer'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => {
    log += chunk;
  });
  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit(code ?? signal)));
  const waiting = [];
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.(line));
  return {
    async call(op, args = {}) {
      const answer = new Promise((resolveLine) => waiting.push(resolveLine));
      child.stdin.write(`${JSON.stringify({ op, ...args })}\n`);
      const line = await Promise.race([
        answer,
        exited.then((code) => {
          throw new Error(`mls-peer exited (${code}):\n${log}`);
        }),
      ]);
      const value = JSON.parse(line);
      if (typeof value.error === 'string') throw new Error(`mls-peer ${op}: ${value.error}`);
      return value;
    },
    stop() {
      child.stdin.on('error', () => {});
      child.stdin.end();
      return exited;
    },
  };
}
