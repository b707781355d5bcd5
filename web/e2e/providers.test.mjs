// End-to-end: sign-in with an identity provider in the web client, against a real
// OpenID provider (scripts/oidc-provider, started by scripts/oidc-test-provider at
// $CONFAB_TEST_OIDC_URL, default http://127.0.0.1:9330). A first sign-in chooses a
// username and creates the account; Settings → Sign-in methods shows the identity and
// no password, sets one, unlinks and links again; a tampered ID token and a failed
// callback are explained on the sign-in page. A sign-up with the provider's imitation
// of GitHub on a phone. Screenshots on a phone and a desktop.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { axeViolations, launchBrowser, newPage, PASSWORD, startServer, uniqueName } from './harness.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const issuer = process.env.CONFAB_TEST_OIDC_URL ?? 'http://127.0.0.1:9330';
const work = mkdtempSync(join(tmpdir(), 'confab-providers-'));
const shots = process.env.CONFAB_SHOTS_DIR ?? work;

let server;
let browser;
/** The process id of the provider when this test started it (else it was running already). */
let providerPid = null;

before(async () => {
  const pidFile = join(work, 'oidc.pid');
  execFileSync(join(repo, 'scripts/oidc-test-provider'), [pidFile], { env: { ...process.env, CONFAB_TEST_OIDC_URL: issuer }, stdio: ['ignore', 'ignore', 'inherit'] });
  if (existsSync(pidFile)) providerPid = Number(readFileSync(pidFile, 'utf8'));
  const providers = join(work, 'providers.toml');
  writeFileSync(
    providers,
    [
      '[[provider]]',
      'id = "test"',
      'name = "Test SSO"',
      `issuer = "${issuer}"`,
      'client_id = "confab"',
      'client_secret = "confab-secret"',
      '',
      // The provider's imitation of GitHub's OAuth endpoints.
      '[[provider]]',
      'id = "github"',
      'kind = "github"',
      `github_url = "${issuer}/github/"`,
      `github_api_url = "${issuer}/github/api/"`,
      'client_id = "confab"',
      'client_secret = "confab-secret"',
      '',
    ].join('\n'),
  );
  server = await startServer(['--sign-in-providers', providers]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (providerPid) process.kill(providerPid);
});

const continueButton = (page, name = 'Test SSO') => page.getByRole('button', { name: `Continue with ${name}` });
const signedIn = (page) => page.getByRole('button', { name: 'New conversation' }).waitFor();

/** At the provider's sign-in form: who to be there. */
async function atProvider(page, { subject, username, name, email }) {
  await page.waitForURL((url) => url.href.startsWith(`${issuer}/`));
  await page.getByLabel('Subject', { exact: true }).fill(subject);
  if (username) await page.getByLabel('Username', { exact: true }).fill(username);
  if (name) await page.getByLabel('Name', { exact: true }).fill(name);
  if (email) await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.href.startsWith(server.url));
}

async function openSettings(page) {
  await page.getByRole('button', { name: /profile and settings/ }).click();
  await page.getByRole('heading', { name: 'Sign-in methods' }).waitFor();
}

/**
 * Signs out at the test provider too (its session cookies; Confab's are on the same
 * host, but named otherwise), so that it shows its sign-in form again.
 */
async function forgetProvider(page) {
  await page.context().clearCookies({ name: /^_(session|interaction)/ });
}

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in to Confab' }).waitFor();
  await forgetProvider(page);
}

const methods = (page) => page.getByRole('region', { name: 'Sign-in methods' });

async function noHorizontalOverflow(page, what) {
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, `no horizontal overflow: ${what}`);
}

describe('sign-in with an identity provider', () => {
  it('creates an account with a chosen username, then signs in with the provider or a password set later, unlinks and links again', async () => {
    const page = await newPage(browser);
    const subject = uniqueName('sub');
    const wanted = uniqueName('ada');

    // Someone has the username the person tries first.
    const taken = uniqueName('taken');
    const signup = await fetch(`${server.url}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: taken, password: PASSWORD }),
    });
    assert.equal(signup.status, 201);

    await page.goto(server.url);
    await continueButton(page).waitFor();
    await continueButton(page, 'GitHub').waitFor();
    assert.deepEqual(await axeViolations(page), [], 'axe on the sign-in page with providers');
    await page.screenshot({ path: join(shots, 'desktop-provider-signin.png') });
    await continueButton(page).click();
    // The provider is told the same claims each time (it keeps the last ones given).
    const who = { subject, username: wanted, name: 'Ada Provider', email: `${subject}@example.org` };
    await atProvider(page, who);

    // No account has this identity: choose a username, the provider's proposed.
    await page.getByRole('heading', { name: 'Choose your username' }).waitFor();
    assert.ok(!page.url().includes('provider_flow'), `the answer is taken out of the address: ${page.url()}`);
    const field = page.getByLabel('Username', { exact: true });
    assert.equal((await field.inputValue()).toLowerCase(), wanted.toLowerCase());
    await page.getByText('You signed in with Test SSO as Ada Provider').waitFor();
    assert.deepEqual(await axeViolations(page), [], 'axe on the choose-username form');
    await page.screenshot({ path: join(shots, 'desktop-provider-choose-username.png') });

    // A taken one is refused beside the field, and the form stays for another try.
    await field.fill(taken);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#choose-username-error').getByText('That username is taken').waitFor();
    await field.fill(wanted);
    await page.getByRole('button', { name: 'Create account' }).click();
    await signedIn(page);

    // Settings: the identity, and no password.
    await openSettings(page);
    const section = methods(page);
    await section.getByText('No password. You sign in with Test SSO.').waitFor();
    await section.getByText(`${subject}@example.org`).waitFor();
    await section.getByText(/not used to sign in yet|last used today/).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Password', exact: true }).count(), 0, 'no password to change');
    // Two-factor authentication guards password sign-in: there is none yet.
    await page.getByText('It protects signing in with a password: set one under Sign-in methods first.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Turn on two-factor authentication' }).count(), 0);
    const unlink = section.getByRole('button', { name: /^Unlink Test SSO/ });
    assert.equal(await unlink.isDisabled(), true, 'the last way to sign in cannot be unlinked');
    await section.getByText('This is your only way to sign in.').waitFor();
    await page.locator('.session', { hasText: 'this device' }).getByText('Identity provider').waitFor();
    await page.getByRole('heading', { name: 'Sign-in methods' }).evaluate((h) => h.scrollIntoView({ block: 'start' }));
    assert.deepEqual(await axeViolations(page), [], 'axe on the sign-in methods');
    await page.screenshot({ path: join(shots, 'desktop-provider-methods.png') });

    // Set a password: typed twice, the two must match.
    await section.getByRole('button', { name: 'Set a password' }).click();
    const dialog = page.getByRole('dialog', { name: 'Set a password' });
    await dialog.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await dialog.getByLabel('New password again').fill(`${PASSWORD}!`);
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await dialog.getByText('The two passwords are not the same.').waitFor();
    await dialog.getByLabel('New password again').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await section.getByText('Password set.').waitFor();
    await section.getByText('Set. You sign in with your username and password.').waitFor();
    await page.getByRole('heading', { name: 'Password', exact: true }).waitFor();
    assert.equal(await unlink.isDisabled(), false);
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).waitFor();

    // Both ways sign in now: the provider (straight in, no username to choose) ...
    await signOut(page);
    await continueButton(page).click();
    await atProvider(page, who);
    await signedIn(page);
    // ... and the password.
    await openSettings(page);
    await signOut(page);
    await page.getByLabel('Username').fill(wanted);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await signedIn(page);

    // Unlink, with a confirmation; then link again, back from the provider into Settings.
    await openSettings(page);
    await methods(page).getByText(/last used today/).waitFor();
    await methods(page).getByRole('button', { name: /^Unlink Test SSO/ }).click();
    const confirm = page.getByRole('dialog', { name: 'Unlink Test SSO?' });
    await confirm.getByText(`${subject}@example.org`).waitFor();
    await confirm.getByRole('button', { name: 'Unlink' }).click();
    await methods(page).getByText('Test SSO unlinked.').waitFor();
    // The notice comes at once, the methods when they are loaded again.
    await methods(page).getByText(`${subject}@example.org`).waitFor({ state: 'detached' });
    assert.equal(await methods(page).getByRole('button', { name: 'Remove', exact: true }).isDisabled(), true, 'the password is the last way now');
    await forgetProvider(page);
    await methods(page).getByRole('button', { name: 'Link Test SSO', exact: true }).click();
    await atProvider(page, who);
    await methods(page).getByText('Test SSO linked. You can now sign in with it.').waitFor();
    assert.equal(new URL(page.url()).pathname, '/settings');
    assert.ok(!page.url().includes('provider_flow'));
    await methods(page).getByText(`${subject}@example.org`).waitFor();
    assert.equal(await methods(page).getByRole('button', { name: 'Link Test SSO', exact: true }).count(), 0);
    assert.deepEqual(page.problems, []);
  });

  it('explains a refused ID token and a failed callback on the sign-in page', async () => {
    const page = await newPage(browser);
    const subject = uniqueName('bad');
    // The provider signs the next ID token for this subject with the wrong nonce.
    const tamper = await fetch(`${issuer}/test/tamper`, { method: 'POST', body: JSON.stringify({ sub: subject, mode: 'nonce' }) });
    assert.equal(tamper.status, 204);
    await page.goto(server.url);
    await continueButton(page).click();
    await atProvider(page, { subject });
    const alert = page.locator('.auth .form-error');
    await alert.getByText('Test SSO did not sign you in, or its answer could not be verified. Try again.').waitFor();
    assert.ok(!page.url().includes('provider_flow'), page.url());

    // Straight to a failed callback's address (no flow of this tab: the provider is not named).
    await page.goto(`${server.url}/?provider_flow=failed&code=provider_flow_invalid`);
    await alert.getByText('That sign-in expired or was started in another browser. Try again.').waitFor();
    assert.equal(new URL(page.url()).search, '');
    await page.goto(`${server.url}/?provider_flow=failed&code=provider_rejected`);
    await alert.getByText('The identity provider did not sign you in, or its answer could not be verified. Try again.').waitFor();
    // A completion with no flow in this browser says so too.
    await page.goto(`${server.url}/?provider_flow=done`);
    await alert.getByText('That sign-in expired or was started in another browser. Try again.').waitFor();
    await continueButton(page).waitFor();
    assert.deepEqual(page.problems, []);
  });

  it('signs up with GitHub on a 375x667 phone, light and dark: the sign-in page, the username step and the sign-in methods', async () => {
    for (const colorScheme of ['light', 'dark']) {
      const page = await newPage(browser, { viewport: { width: 375, height: 667 }, colorScheme });
      const subject = uniqueName('pho');
      await page.goto(server.url);
      await continueButton(page, 'GitHub').waitFor();
      await page.screenshot({ path: join(shots, `phone-provider-signin-${colorScheme}.png`), fullPage: true });
      await noHorizontalOverflow(page, 'sign-in');
      // GitHub this time (OAuth 2.0 and its user API rather than OpenID Connect).
      await continueButton(page, 'GitHub').click();
      await atProvider(page, { subject, username: uniqueName('pat'), name: 'Pat Phone-Provider', email: `${subject}@example.org` });
      await page.getByRole('heading', { name: 'Choose your username' }).waitFor();
      await page.screenshot({ path: join(shots, `phone-provider-choose-username-${colorScheme}.png`) });
      await noHorizontalOverflow(page, 'choose username');
      await page.getByRole('button', { name: 'Create account' }).click();
      await signedIn(page);
      await openSettings(page);
      await methods(page).getByText('No password. You sign in with GitHub.').waitFor();
      await page.getByRole('heading', { name: 'Sign-in methods' }).evaluate((h) => h.scrollIntoView({ block: 'start' }));
      await page.screenshot({ path: join(shots, `phone-provider-methods-${colorScheme}.png`) });
      await noHorizontalOverflow(page, 'settings');
      assert.deepEqual(page.problems, []);
      await page.context().close();
    }
    console.log(`screenshots in ${shots}`);
  });
});
