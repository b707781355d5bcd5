// The OpenID provider Confab's sign-in tests run against: the OpenID-certified
// `oidc-provider` package, configured for tests.
//
//   node server.mjs PORT
//
// - Issuer http://127.0.0.1:PORT, discovery, JWKS, authorization code flow with PKCE
//   required. Clients: `confab` and `confab-other` (secret: `<client id>-secret`); any
//   redirect URI on a loopback address is allowed, since each test's Confab listens
//   on a port of its own.
// - Sign-in page `/interaction/<uid>`: a form with the subject (`login`) and the
//   claims to give it (`preferred_username`, `name`, `email`). Submitting it signs
//   that subject in and grants the scopes asked for, so a test (or a browser test)
//   chooses who it is.
// - `POST /test/tamper` `{"sub", "mode"}`: the next ID token issued for `sub` is
//   changed and signed again, so that tests can check Confab refuses it. Modes:
//   `nonce` (another nonce), `audience` (another audience), `expired` (expired ten
//   minutes ago), `issuer` (another issuer), `signature` (signed with a key not in
//   the JWKS).
// - GitHub's OAuth endpoints for the `github` provider kind, under `/github`
//   (`/github/login/oauth/authorize`, `/github/login/oauth/access_token`,
//   `/github/api/user`), answering with the subject chosen on the same sign-in form.
import Provider from 'oidc-provider';
import * as jose from 'jose';
import { randomBytes } from 'node:crypto';

const port = Number(process.argv[2] ?? 9330);
const issuer = `http://127.0.0.1:${port}`;

const signing = await jose.generateKeyPair('RS256', { extractable: true });
const stranger = await jose.generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await jose.exportJWK(signing.privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

/** Claims by subject, as last entered on the sign-in form. */
const accounts = new Map();
/** One-shot ID token changes by subject. */
const tampering = new Map();
/** GitHub emulation: pending codes and issued tokens, both to a subject. */
const githubCodes = new Map();
const githubTokens = new Map();
/** GitHub's numeric user ids, one per subject. */
const githubIds = new Map();

const loopback = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//;
const client = (id) => ({
  client_id: id,
  client_secret: `${id}-secret`,
  redirect_uris: ['http://127.0.0.1/callback'],
  grant_types: ['authorization_code'],
  response_types: ['code'],
});

const provider = new Provider(issuer, {
  clients: [client('confab'), client('confab-other')],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
  cookies: { keys: ['confab-test-provider'] },
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, ...(accounts.get(sub) ?? {}) }),
  }),
});
provider.proxy = false;
provider.Client.prototype.redirectUriAllowed = (uri) => loopback.test(uri);

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function signInForm(action) {
  return `<!doctype html><html><head><title>Test provider sign-in</title></head><body>
<h1>Test provider</h1>
<form method="post" action="${escape(action)}">
<label>Subject <input name="login" autofocus required></label>
<label>Username <input name="preferred_username"></label>
<label>Name <input name="name"></label>
<label>Email <input name="email"></label>
<button type="submit">Sign in</button>
</form></body></html>`;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function rememberAccount(form) {
  const sub = form.get('login');
  const claims = {};
  for (const key of ['preferred_username', 'name', 'email']) {
    const value = form.get(key);
    if (value) claims[key] = value;
  }
  if (claims.email) claims.email_verified = true;
  accounts.set(sub, claims);
  return sub;
}

async function tamper(idToken) {
  const claims = jose.decodeJwt(idToken);
  const mode = tampering.get(claims.sub);
  if (!mode) return idToken;
  tampering.delete(claims.sub);
  const now = Math.floor(Date.now() / 1000);
  let key = signing.privateKey;
  if (mode === 'nonce') claims.nonce = 'not-the-nonce-confab-sent';
  if (mode === 'audience') claims.aud = 'someone-else';
  if (mode === 'issuer') claims.iss = 'http://127.0.0.1:1';
  if (mode === 'expired') Object.assign(claims, { iat: now - 1200, exp: now - 600 });
  if (mode === 'signature') key = stranger.privateKey;
  return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(key);
}

provider.use(async (ctx, next) => {
  const { path, method } = ctx;
  if (path === '/test/tamper' && method === 'POST') {
    const { sub, mode } = JSON.parse(await readBody(ctx.req));
    tampering.set(sub, mode);
    ctx.status = 204;
    return;
  }
  const interaction = path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (interaction && method === 'GET' && !interaction[2]) {
    ctx.type = 'html';
    ctx.body = signInForm(`/interaction/${interaction[1]}/login`);
    return;
  }
  if (interaction && method === 'POST' && interaction[2]) {
    const form = new URLSearchParams(await readBody(ctx.req));
    const accountId = rememberAccount(form);
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    return provider.interactionFinished(ctx.req, ctx.res, { login: { accountId }, consent: { grantId } });
  }
  if (path === '/github/login/oauth/authorize' && method === 'GET') {
    ctx.type = 'html';
    ctx.body = signInForm(`/github/login/oauth/authorize?${ctx.querystring}`);
    return;
  }
  if (path === '/github/login/oauth/authorize' && method === 'POST') {
    const form = new URLSearchParams(await readBody(ctx.req));
    const sub = rememberAccount(form);
    const code = randomBytes(16).toString('hex');
    githubCodes.set(code, { sub, redirect: ctx.query.redirect_uri, challenge: ctx.query.code_challenge });
    const back = new URL(ctx.query.redirect_uri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', ctx.query.state);
    ctx.redirect(back.href);
    return;
  }
  if (path === '/github/login/oauth/access_token' && method === 'POST') {
    const form = new URLSearchParams(await readBody(ctx.req));
    const pending = githubCodes.get(form.get('code'));
    githubCodes.delete(form.get('code'));
    const verifier = form.get('code_verifier') ?? '';
    const challenge = jose.base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
    ctx.type = 'json';
    if (!pending || pending.redirect !== form.get('redirect_uri') || pending.challenge !== challenge) {
      ctx.body = { error: 'bad_verification_code' };
      return;
    }
    const token = `gho_${randomBytes(16).toString('hex')}`;
    githubTokens.set(token, pending.sub);
    ctx.body = { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' };
    return;
  }
  if (path === '/github/api/user' && method === 'GET') {
    const sub = githubTokens.get(String(ctx.get('authorization')).replace(/^(Bearer|token) /i, ''));
    ctx.type = 'json';
    if (!sub) {
      ctx.status = 401;
      ctx.body = { message: 'Bad credentials' };
      return;
    }
    const claims = accounts.get(sub) ?? {};
    if (!githubIds.has(sub)) githubIds.set(sub, 1000 + githubIds.size);
    ctx.body = { id: githubIds.get(sub), login: claims.preferred_username ?? sub, name: claims.name ?? null, email: claims.email ?? null };
    return;
  }
  await next();
  if (path === '/token' && ctx.body && typeof ctx.body === 'object' && ctx.body.id_token) {
    ctx.body = { ...ctx.body, id_token: await tamper(ctx.body.id_token) };
  }
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`test OpenID provider at ${issuer}`);
});
