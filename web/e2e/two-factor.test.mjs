// End-to-end: two-factor sign-in in the web client. Turning it on in Settings with a
// code computed here from the secret on the page (RFC 6238), signing in with the
// app's code and with recovery codes (each once), the sessions list, turning it off,
// and the setup dialog on a phone.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { axeViolations, launchBrowser, newPage, PASSWORD, signUp, startServer, uniqueName } from './harness.mjs';
import { signInToCodeStep, startSetup, stepNow, totp } from './two-factor-helpers.mjs';

let server;
let browser;
const shots = process.env.CONFAB_SHOTS_DIR ?? mkdtempSync(join(tmpdir(), 'confab-2fa-'));

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openSettings(page) {
  await page.getByRole('button', { name: /profile and settings/ }).click();
  await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
}

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in to Confab' }).waitFor();
}

async function verify(page, code, { recovery = false } = {}) {
  const toggle = page.getByRole('button', { name: 'Use a recovery code instead' });
  if (recovery && (await toggle.isVisible())) await toggle.click();
  await page.getByLabel(recovery ? 'Recovery code' : 'Enter the 6-digit code from your authenticator app').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

const signedIn = (page) => page.getByRole('button', { name: 'New conversation' }).waitFor();

async function expectWrongCode(page) {
  const error = page.locator('#code-error');
  await error.waitFor();
  assert.match(await error.textContent(), /wrong, expired or already used/);
  // Still on the code step.
  assert.equal(await page.getByRole('heading', { name: 'Two-factor sign-in' }).isVisible(), true);
}

describe('two-factor sign-in', () => {
  it('is turned on in Settings, asks for a code at sign-in, takes each code once, and is turned off', async () => {
    const page = await newPage(browser);
    const username = uniqueName('tess');
    await signUp(page, server.url, username, 'Tess Factor');
    await openSettings(page);
    await page.getByText('Signing in needs only your password.').waitFor();

    // A wrong password is shown beside the password field.
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    let dialog = page.getByRole('dialog', { name: 'Turn on two-factor authentication' });
    await dialog.getByLabel('Password', { exact: true }).fill('not my password at all');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.locator('#tfa-password-error').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    const started = await startSetup(page);
    dialog = started.dialog;
    const secret = started.secret;
    assert.deepEqual(await axeViolations(page), [], 'axe on the setup dialog');

    // A wrong code is shown beside the code field; then the right one.
    const confirmStep = stepNow();
    const near = new Set([-1, 0, 1, 2].map((d) => totp(secret, confirmStep + d)));
    const wrong = ['000000', '111111', '222222'].find((c) => !near.has(c));
    await dialog.getByLabel('6-digit code from the app').fill(wrong);
    await dialog.getByRole('button', { name: 'Turn on' }).click();
    await dialog.locator('#tfa-code-error').waitFor();
    await dialog.getByLabel('6-digit code from the app').fill(totp(secret, confirmStep));
    await dialog.getByRole('button', { name: 'Turn on' }).click();

    const codesDialog = page.getByRole('dialog', { name: 'Save your recovery codes' });
    const list = codesDialog.getByRole('list', { name: 'Recovery codes' });
    await list.waitFor();
    const codes = (await list.getByRole('listitem').allTextContents()).map((c) => c.trim());
    assert.equal(codes.length, 10);
    for (const code of codes) assert.match(code, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
    await codesDialog.getByText('They will not be shown again').waitFor();
    const done = codesDialog.getByRole('button', { name: 'Done' });
    assert.equal(await done.isDisabled(), true, 'Done waits for the checkbox');
    await codesDialog.getByLabel('I have saved my recovery codes').check();
    await done.click();
    await page.getByText('10 recovery codes left').waitFor();

    // Sign-in now asks for a code. The confirmation used this step's code, so the
    // sign-in uses the next step's (the server accepts one step either side).
    await signOut(page);
    await signInToCodeStep(page, username);
    await verify(page, wrong);
    await expectWrongCode(page);
    const next = totp(secret, confirmStep + 1);
    await verify(page, next);
    await signedIn(page);

    // The same code again is refused.
    await openSettings(page);
    await signOut(page);
    await signInToCodeStep(page, username);
    await verify(page, next);
    await expectWrongCode(page);

    // A recovery code signs in, once.
    await verify(page, codes[0], { recovery: true });
    await signedIn(page);
    await openSettings(page);
    await page.getByText('9 recovery codes left').waitFor();
    const current = page.locator('.session', { hasText: 'this device' });
    await current.getByText('Password + recovery code').waitFor();
    await signOut(page);
    await signInToCodeStep(page, username);
    await verify(page, codes[0], { recovery: true });
    await expectWrongCode(page);
    await verify(page, codes[1], { recovery: true });
    await signedIn(page);

    // Turning it off takes the password and a code; a used one is refused beside its field.
    await openSettings(page);
    await page.getByRole('button', { name: 'Turn off' }).click();
    const off = page.getByRole('dialog', { name: 'Turn off two-factor authentication' });
    await off.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await off.getByLabel('Code from your app, or a recovery code').fill(codes[0]);
    await off.getByRole('button', { name: 'Turn off' }).click();
    await off.locator('#tfa-second-error').waitFor();
    await off.getByLabel('Code from your app, or a recovery code').fill(codes[2]);
    await off.getByRole('button', { name: 'Turn off' }).click();
    await page.getByText('Signing in needs only your password.').waitFor();

    // And sign-in needs only the password again.
    await signOut(page);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await signedIn(page);
    assert.deepEqual(page.problems, []);
  });

  it('lays the setup dialog out on a 375x667 phone, light and dark', async () => {
    for (const colorScheme of ['light', 'dark']) {
      const page = await newPage(browser, { viewport: { width: 375, height: 667 }, colorScheme });
      const username = uniqueName('phone');
      await signUp(page, server.url, username, 'Pat Phone');
      await page.getByRole('button', { name: /profile and settings/ }).click();
      await page.getByRole('heading', { name: 'Two-factor authentication' }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shots, `phone-2fa-section-${colorScheme}.png`) });
      const { dialog, secret } = await startSetup(page);
      await page.screenshot({ path: join(shots, `phone-2fa-setup-${colorScheme}.png`) });
      const box = await dialog.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 375, `the dialog fits the width: ${JSON.stringify(box)}`);
      const qr = await dialog.getByRole('img', { name: /QR code/ }).boundingBox();
      assert.ok(qr.width >= 150, `the QR code is large enough to scan: ${qr.width}`);
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'no horizontal overflow');
      await dialog.getByLabel('6-digit code from the app').fill(totp(secret, stepNow()));
      await dialog.getByRole('button', { name: 'Turn on' }).click();
      const codes = page.getByRole('dialog', { name: 'Save your recovery codes' });
      await codes.getByRole('list', { name: 'Recovery codes' }).waitFor();
      await page.screenshot({ path: join(shots, `phone-2fa-codes-${colorScheme}.png`) });
      const codesBox = await codes.boundingBox();
      assert.ok(codesBox.x + codesBox.width <= 375);
      await codes.getByLabel('I have saved my recovery codes').check();
      await codes.getByRole('button', { name: 'Done' }).click();
      await signOut(page);
      await signInToCodeStep(page, username);
      await page.screenshot({ path: join(shots, `phone-2fa-signin-${colorScheme}.png`) });
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'no horizontal overflow at sign-in');
      assert.deepEqual(page.problems, []);
      await page.context().close();
    }
    console.log(`screenshots in ${shots}`);
  });
});
