// End-to-end: passkeys in the web client, with Chromium's virtual authenticator (the
// DevTools protocol's WebAuthn domain: a platform authenticator that keeps resident
// keys and verifies the user at once). WebAuthn refuses an IP address as the relying
// party, so the page is opened at http://localhost:<port>, the origin the server is
// given with --passkey-origin (any port of localhost).
//
// Adding a passkey in Settings (the password asked first), renaming it, signing in
// with it alone (no username typed; a failed prompt told in words), the sessions list, a passkey as the second
// factor after the password, removing it (and a removed passkey refused at sign-in);
// an account whose passkey is its only way in cannot remove it; screenshots of the
// sign-in page and Settings → Passkeys on a phone and a desktop, with axe.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { axeViolations, launchBrowser, newPage, PASSWORD, signUp, startServer, uniqueName } from './harness.mjs';
import { signInToCodeStep, turnOnTwoFactor } from './two-factor-helpers.mjs';

let server;
let browser;
/** The server's address at localhost: WebAuthn takes no IP address as the relying party. */
let url;
const shots = process.env.CONFAB_SHOTS_DIR ?? mkdtempSync(join(tmpdir(), 'confab-passkeys-'));

before(async () => {
  server = await startServer(['--passkey-origin', 'http://localhost']);
  url = server.url.replace('127.0.0.1', 'localhost');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// Long, realistic names: what people call the device or password manager.
const LAPTOP = 'Work laptop – Chrome on Fedora (ThinkPad X1 Carbon Gen 11)';
const PHONE = 'Personal iPhone 15 Pro Max – iCloud Keychain (family)';

/** A virtual authenticator in `page`'s browser context; answers { cdp, id }. */
async function addAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, id: authenticatorId };
}

async function credentialsOf(authenticator) {
  return (await authenticator.cdp.send('WebAuthn.getCredentials', { authenticatorId: authenticator.id })).credentials;
}

const signedIn = (page) => page.getByRole('button', { name: 'New conversation' }).waitFor();
const passkeysSection = (page) => page.getByRole('region', { name: 'Passkeys' });
const methods = (page) => page.getByRole('region', { name: 'Sign-in methods' });

async function openSettings(page) {
  await page.getByRole('button', { name: /profile and settings/ }).click();
  await page.getByRole('heading', { name: 'Passkeys', exact: true }).waitFor();
}

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in to Confab' }).waitFor();
}

/** Settings → Passkeys → Add a passkey, named `name`, with the password unless `password` is null. */
async function addPasskey(page, name, { password = PASSWORD } = {}) {
  await passkeysSection(page).getByRole('button', { name: 'Add a passkey' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a passkey' });
  await dialog.getByLabel('Name').fill(name);
  if (password === null) assert.equal(await dialog.getByLabel('Password', { exact: true }).count(), 0, 'no password to ask');
  else await dialog.getByLabel('Password', { exact: true }).fill(password);
  await dialog.getByRole('button', { name: 'Continue' }).click();
  await passkeysSection(page).getByText(`Passkey “${name}” added. You can now sign in with it.`).waitFor();
}

/** The current session's "Signed in with: ..." line in Settings → Devices. */
async function expectSignedInWith(page, method) {
  await page.locator('.session', { hasText: 'this device' }).getByText(`Signed in with: ${method}`, { exact: true }).waitFor();
}

async function noHorizontalOverflow(page, what) {
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, `no horizontal overflow: ${what}`);
}

describe('passkeys', () => {
  it('are added in Settings after the password, renamed, sign in alone and as the second factor, and are removed', async () => {
    const page = await newPage(browser);
    const authenticator = await addAuthenticator(page);
    const username = uniqueName('pia');
    await signUp(page, url, username, 'Pia Passkey');
    await openSettings(page);
    const section = passkeysSection(page);
    await section.getByText('You have no passkeys yet.').waitFor();

    // The password comes first; a wrong one is refused beside its field, and nothing is created.
    await section.getByRole('button', { name: 'Add a passkey' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a passkey' });
    assert.equal(await dialog.getByLabel('Name').inputValue(), 'Passkey');
    await dialog.getByLabel('Password', { exact: true }).fill('not my password at all');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.locator('#passkey-password-error').getByText('That password is wrong.').waitFor();
    assert.equal((await credentialsOf(authenticator)).length, 0);
    assert.deepEqual(await axeViolations(page), [], 'axe on the add dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await addPasskey(page, LAPTOP);
    const made = await credentialsOf(authenticator);
    assert.equal(made.length, 1);
    assert.equal(made[0].isResidentCredential, true, 'a discoverable credential: it signs in without a username');
    await section.getByText(LAPTOP, { exact: true }).waitFor();
    await section.getByText(/Added today · not used to sign in yet/).waitFor();
    await methods(page).getByText('1 passkey, listed under Passkeys.').waitFor();

    // Renamed in a small dialog.
    await section.getByRole('button', { name: `Rename ${LAPTOP}` }).click();
    const rename = page.getByRole('dialog', { name: 'Rename passkey' });
    assert.equal(await rename.getByLabel('Name').inputValue(), LAPTOP);
    await rename.getByLabel('Name').fill(PHONE);
    await rename.getByRole('button', { name: 'Save' }).click();
    await section.getByText(`Renamed to “${PHONE}”.`).waitFor();
    await section.getByText(PHONE, { exact: true }).waitFor();
    assert.equal(await section.getByText(LAPTOP, { exact: true }).count(), 0);

    // Signed out, the passkey alone signs in: no username typed. A prompt that fails
    // (here: the authenticator cannot verify the user) is told in words, not as the
    // browser's exception, and the button works again.
    await signOut(page);
    await authenticator.cdp.send('WebAuthn.setUserVerified', { authenticatorId: authenticator.id, isUserVerified: false });
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const cancelled = page.locator('.auth .form-error');
    await cancelled.getByText('No passkey was used: the request was cancelled or timed out. Try again when you are ready.').waitFor();
    assert.doesNotMatch(await cancelled.textContent(), /NotAllowedError|w3\.org/);
    await authenticator.cdp.send('WebAuthn.setUserVerified', { authenticatorId: authenticator.id, isUserVerified: true });
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await signedIn(page);
    await openSettings(page);
    await expectSignedInWith(page, 'Passkey');
    await section.getByText(/Added today · last used today/).waitFor();

    // With two-factor sign-in on, the passkey stands in for the code after the password.
    await page.getByRole('heading', { name: 'Two-factor authentication' }).scrollIntoViewIfNeeded();
    await turnOnTwoFactor(page);
    await signOut(page);
    await signInToCodeStep(page, username);
    const usePasskey = page.getByRole('button', { name: 'Use a passkey instead' });
    await usePasskey.waitFor();
    assert.deepEqual(await axeViolations(page), [], 'axe on the code step with a passkey');
    await page.screenshot({ path: join(shots, 'desktop-passkey-second-factor.png') });
    await usePasskey.click();
    await signedIn(page);
    await openSettings(page);
    await expectSignedInWith(page, 'Password + passkey');

    // Removed after a confirmation; the sign-in methods count it no more.
    await section.getByRole('button', { name: `Remove ${PHONE}` }).click();
    const remove = page.getByRole('dialog', { name: 'Remove this passkey?' });
    await remove.getByText(PHONE).waitFor();
    await remove.getByRole('button', { name: 'Remove' }).click();
    await section.getByText(`Passkey “${PHONE}” removed.`).waitFor();
    await section.getByText('You have no passkeys yet.').waitFor();
    await methods(page).getByText(/listed under Passkeys/).waitFor({ state: 'detached' });

    // The browser still has it, but the server no longer knows it.
    await signOut(page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.locator('.auth .form-error').getByText('That passkey is not registered here, or it could not be verified.').waitFor();
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  it('keeps the only way in: a passkey cannot be removed once the password is gone, and a new one needs no password', async () => {
    const page = await newPage(browser);
    await addAuthenticator(page);
    await signUp(page, url, uniqueName('solo'), 'Sol Only');
    await openSettings(page);
    await addPasskey(page, LAPTOP);

    // The password can go now: the passkey is another way in.
    await methods(page).getByRole('button', { name: 'Remove', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove your password' });
    await dialog.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Remove password' }).click();
    await methods(page).getByText('Password removed.').waitFor();
    await methods(page).getByText('No password.', { exact: false }).waitFor();
    await methods(page).getByText('This is your only way to sign in.').waitFor();

    // Adding another asks no password now (the dialog is not sent: this authenticator has one already).
    await passkeysSection(page).getByRole('button', { name: 'Add a passkey' }).click();
    const add = page.getByRole('dialog', { name: 'Add a passkey' });
    await add.getByLabel('Name').waitFor();
    assert.equal(await add.getByLabel('Password', { exact: true }).count(), 0);
    await add.getByRole('button', { name: 'Cancel' }).click();

    // The last way in: the server refuses, and says so in the dialog.
    await passkeysSection(page).getByRole('button', { name: `Remove ${LAPTOP}` }).click();
    const remove = page.getByRole('dialog', { name: 'Remove this passkey?' });
    await remove.getByRole('button', { name: 'Remove' }).click();
    await remove.locator('.form-error').getByText(/last way to sign in/i).waitFor();
    await remove.getByRole('button', { name: 'Cancel' }).click();
    await passkeysSection(page).getByText(LAPTOP, { exact: true }).waitFor();
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  it('lays out the sign-in page and Settings → Passkeys on a 375x667 phone and a 1280x800 desktop', async () => {
    for (const colorScheme of ['light', 'dark']) {
      const page = await newPage(browser, { colorScheme });
      await signUp(page, url, uniqueName('maximiliane'), 'Maximiliane Oberndorfer-Castellanos');
      await openSettings(page);
      // Two passkeys, each on its own authenticator (one would refuse a second for the same account).
      let authenticator = await addAuthenticator(page);
      await addPasskey(page, LAPTOP);
      await authenticator.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: authenticator.id });
      authenticator = await addAuthenticator(page);
      // The add dialog on a phone, with the long name typed.
      await page.setViewportSize({ width: 375, height: 667 });
      await passkeysSection(page).getByRole('button', { name: 'Add a passkey' }).click();
      const add = page.getByRole('dialog', { name: 'Add a passkey' });
      await add.getByLabel('Name').fill(PHONE);
      await page.screenshot({ path: join(shots, `phone-passkey-add-${colorScheme}.png`) });
      const addBox = await add.boundingBox();
      assert.ok(addBox.x >= 0 && addBox.x + addBox.width <= 375, `the dialog fits the width: ${JSON.stringify(addBox)}`);
      await add.getByRole('button', { name: 'Cancel' }).click();
      await addPasskey(page, PHONE);
      // One of them used once, for "last used".
      await signOut(page);
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await signedIn(page);
      await openSettings(page);

      for (const [label, viewport] of [
        ['phone', { width: 375, height: 667 }],
        ['desktop', { width: 1280, height: 800 }],
      ]) {
        await page.setViewportSize(viewport);
        await page.getByRole('heading', { name: 'Passkeys', exact: true }).evaluate((h) => h.scrollIntoView({ block: 'start' }));
        await page.screenshot({ path: join(shots, `${label}-passkeys-settings-${colorScheme}.png`) });
        await noHorizontalOverflow(page, `${label} settings`);
        const row = passkeysSection(page).locator('.passkey').first();
        const rowBox = await row.boundingBox();
        const removeBox = await row.getByRole('button', { name: /^Remove / }).boundingBox();
        assert.ok(removeBox.x + removeBox.width <= rowBox.x + rowBox.width + 1, `${label}: the buttons stay in the row`);
      }
      assert.deepEqual(await axeViolations(page), [], `axe on Settings (${colorScheme})`);

      await page.setViewportSize({ width: 1280, height: 800 });
      await signOut(page);
      for (const [label, viewport] of [
        ['phone', { width: 375, height: 667 }],
        ['desktop', { width: 1280, height: 800 }],
      ]) {
        await page.setViewportSize(viewport);
        await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
        await page.screenshot({ path: join(shots, `${label}-passkey-signin-${colorScheme}.png`), fullPage: true });
        await noHorizontalOverflow(page, `${label} sign-in`);
      }
      assert.deepEqual(await axeViolations(page), [], `axe on the sign-in page (${colorScheme})`);
      // Sign-up offers no passkey: there is no account to sign in to yet.
      await page.getByRole('button', { name: 'Create an account' }).click();
      assert.equal(await page.getByRole('button', { name: 'Sign in with a passkey' }).count(), 0);
      assert.deepEqual(page.problems, []);
      await page.context().close();
    }
    console.log(`screenshots in ${shots}`);
  });
});

describe('passkeys turned off', () => {
  it('shows no passkey control when the server has no passkey origin', async () => {
    const plain = await startServer();
    try {
      const page = await newPage(browser);
      await addAuthenticator(page);
      const plainUrl = plain.url.replace('127.0.0.1', 'localhost');
      await signUp(page, plainUrl, uniqueName('nopk'), 'No Passkeys');
      await page.getByRole('button', { name: /profile and settings/ }).click();
      await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
      assert.equal(await page.getByRole('heading', { name: 'Passkeys', exact: true }).count(), 0);
      await signOut(page);
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Sign in with a passkey' }).count(), 0);
      assert.deepEqual(page.problems, []);
      await page.context().close();
    } finally {
      await plain.stop();
    }
  });
});
