// Shared by the browser tests that turn two-factor sign-in on: RFC 6238 codes
// computed here from the secret the page shows, and the steps in Settings and at
// sign-in.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import { PASSWORD } from './harness.mjs';

/** RFC 4648 base32 (no padding) to bytes. */
export function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/[\s=]/g, '').toUpperCase()) {
    const index = alphabet.indexOf(ch);
    if (index < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The RFC 6238 code (HMAC-SHA-1, 6 digits, 30-second steps) of `step`. */
export function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(number % 1_000_000).padStart(6, '0');
}

export const stepNow = () => Math.floor(Date.now() / 30_000);

/** Username and password; resolves once the code step shows. */
export async function signInToCodeStep(page, username) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
}

/** In Settings: opens the setup dialog and gets past the password; answers the secret shown. */
export async function startSetup(page) {
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  const dialog = page.getByRole('dialog', { name: 'Turn on two-factor authentication' });
  await dialog.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Continue' }).click();
  await dialog.getByRole('img', { name: /QR code/ }).waitFor();
  const secret = (await dialog.getByTestId('totp-secret').textContent()).replace(/\s/g, '');
  assert.match(secret, /^[A-Z2-7]{16,}$/);
  return { dialog, secret };
}

/** In Settings: turns it on with this step's code and ticks the recovery codes away; answers the secret. */
export async function turnOnTwoFactor(page) {
  const { dialog, secret } = await startSetup(page);
  await dialog.getByLabel('6-digit code from the app').fill(totp(secret, stepNow()));
  await dialog.getByRole('button', { name: 'Turn on' }).click();
  const codes = page.getByRole('dialog', { name: 'Save your recovery codes' });
  await codes.getByRole('list', { name: 'Recovery codes' }).waitFor();
  await codes.getByLabel('I have saved my recovery codes').check();
  await codes.getByRole('button', { name: 'Done' }).click();
  await page.getByText('10 recovery codes left').waitFor();
  return secret;
}
