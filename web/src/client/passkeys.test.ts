import { describe, expect, it } from 'vitest';
import { ChatClient } from './client';
import { assertPasskey, browserProblem, CANCELLED_MESSAGE, PasskeyError, passkeyFailure, passkeyNameProblem, Passkeys, registerPasskey, type Authenticator, type PasskeyCeremony } from './passkeys';
import { ApiError, NetworkError, UNREACHABLE_MESSAGE } from './rest';
import { FakeSocket, FakeTimers, MemoryStorage } from './testing';
import type { AuthTokens, CredentialJson, Profile } from './types';

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const refusal = (code: string, status: number) => json({ error: { code, message: code.replace(/_/g, ' ') } }, status);
const domError = (name: string) => Object.assign(new Error(`${name}: the operation either timed out or was not allowed. See: https://www.w3.org/TR/webauthn-2/#sctn-privacy-considerations-client.`), { name });

const creation = { challenge: 'Y2hhbGxlbmdl', rp: { id: 'localhost', name: 'Confab' }, user: { id: 'dXNlcg', name: 'alice', displayName: 'Alice' }, pubKeyCredParams: [{ type: 'public-key', alg: -7 }] };
const request = { challenge: 'Y2hhbGxlbmdl', rpId: 'localhost', userVerification: 'preferred' };
const registration: PasskeyCeremony = { ceremony_id: 'c-reg', options: { publicKey: creation } };
const signin: PasskeyCeremony = { ceremony_id: 'c-in', options: { publicKey: request, mediation: 'optional' } };
const newCredential = { id: 'cred1', rawId: 'cred1', type: 'public-key', response: { clientDataJSON: 'e30', attestationObject: 'o2N' } };
const assertion = { id: 'cred1', rawId: 'cred1', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'SZY', signature: 'MEU', userHandle: 'dXNlcg' } };

/** A fake authenticator that records what it was asked and answers (or throws) as told. */
function fakeAuthenticator(answer: () => CredentialJson, supported = true) {
  const asked: { kind: 'create' | 'get'; options: unknown; mediation?: string }[] = [];
  const authenticator: Authenticator = {
    supported: () => supported,
    create: (options) => {
      asked.push({ kind: 'create', options });
      return Promise.resolve().then(answer);
    },
    get: (options, mediation) => {
      asked.push({ kind: 'get', options, ...(mediation ? { mediation } : {}) });
      return Promise.resolve().then(answer);
    },
  };
  return { authenticator, asked };
}

describe('Passkeys REST calls', () => {
  it('uses the paths and bodies of protocol.md', async () => {
    const calls: { method: string; path: string; body?: unknown }[] = [];
    const info = { id: 'pk/1', name: 'Laptop', created_at: '2026-11-27T06:00:00Z' };
    const answers: Record<string, unknown> = {
      '/users/me/passkeys': { passkeys: [info] },
      '/users/me/passkeys/registration': registration,
      '/users/me/passkeys/pk%2F1': info,
      '/auth/passkey/challenge': signin,
    };
    const call = <T>(method: string, path: string, body?: unknown) => {
      calls.push(body === undefined ? { method, path } : { method, path, body });
      return Promise.resolve((method === 'POST' && path === '/users/me/passkeys' ? info : answers[path]) as T);
    };
    const p = new Passkeys({ call, get: (path) => call('GET', path), post: (path, body) => call('POST', path, body) });
    expect(await p.list()).toEqual([info]);
    expect(await p.startRegistration('pw')).toEqual(registration);
    await p.startRegistration();
    expect(await p.finishRegistration('c-reg', newCredential, '  Laptop ')).toEqual(info);
    await p.finishRegistration('c-reg', newCredential, '   ');
    await p.rename('pk/1', ' Work laptop ');
    await p.remove('pk/1');
    expect(await p.challenge()).toEqual(signin);
    expect(calls).toEqual([
      { method: 'GET', path: '/users/me/passkeys' },
      { method: 'POST', path: '/users/me/passkeys/registration', body: { password: 'pw' } },
      // An account without a password sends none.
      { method: 'POST', path: '/users/me/passkeys/registration', body: {} },
      { method: 'POST', path: '/users/me/passkeys', body: { ceremony_id: 'c-reg', credential: newCredential, name: 'Laptop' } },
      // No name: the server's default ("Passkey").
      { method: 'POST', path: '/users/me/passkeys', body: { ceremony_id: 'c-reg', credential: newCredential } },
      { method: 'PATCH', path: '/users/me/passkeys/pk%2F1', body: { name: 'Work laptop' } },
      { method: 'DELETE', path: '/users/me/passkeys/pk%2F1' },
      { method: 'POST', path: '/auth/passkey/challenge', body: {} },
    ]);
  });
});

describe('the ceremonies', () => {
  const passkeys = () => {
    const sent: unknown[] = [];
    return {
      sent,
      api: {
        startRegistration: (password?: string) => {
          sent.push({ start: password });
          return Promise.resolve(registration);
        },
        finishRegistration: (id: string, credential: unknown, name?: string) => {
          sent.push({ finish: id, credential, name });
          return Promise.resolve({ id: 'pk1', name: name ?? 'Passkey', created_at: '2026-11-27T06:00:00Z' });
        },
        challenge: () => Promise.resolve(signin),
      },
    };
  };

  it('registers: the ceremony with the password, the publicKey options to the browser, its JSON back with the name', async () => {
    const p = passkeys();
    const { authenticator, asked } = fakeAuthenticator(() => newCredential);
    const info = await registerPasskey(p.api, authenticator, { password: 'pw', name: 'Laptop' });
    expect(info.name).toBe('Laptop');
    expect(asked).toEqual([{ kind: 'create', options: creation }]);
    expect(p.sent).toEqual([{ start: 'pw' }, { finish: 'c-reg', credential: newCredential, name: 'Laptop' }]);
  });

  it('signs in: the request options, without conditional mediation for a button', async () => {
    const p = passkeys();
    const { authenticator, asked } = fakeAuthenticator(() => assertion);
    expect(await assertPasskey(p.api, authenticator)).toEqual({ ceremony_id: 'c-in', credential: assertion });
    expect(asked).toEqual([{ kind: 'get', options: request, mediation: 'optional' }]);

    const conditional = { challenge: () => Promise.resolve({ ceremony_id: 'c2', options: { publicKey: request, mediation: 'conditional' } }) };
    const second = fakeAuthenticator(() => assertion);
    await assertPasskey(conditional, second.authenticator);
    expect(second.asked).toEqual([{ kind: 'get', options: request }]);
  });

  it('turns a cancelled prompt into words, and sends nothing on', async () => {
    const p = passkeys();
    const { authenticator } = fakeAuthenticator(() => {
      throw domError('NotAllowedError');
    });
    const error = await registerPasskey(p.api, authenticator, { password: 'pw' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PasskeyError);
    expect((error as PasskeyError).problem).toBe('cancelled');
    expect((error as Error).message).toBe(CANCELLED_MESSAGE);
    expect((error as Error).message).not.toMatch(/w3\.org|NotAllowedError/);
    expect(p.sent).toEqual([{ start: 'pw' }]);

    const signInError = await assertPasskey(p.api, authenticator).catch((e: unknown) => e);
    expect((signInError as PasskeyError).problem).toBe('cancelled');
  });

  it('does not start a ceremony in a browser without passkeys', async () => {
    const p = passkeys();
    const { authenticator, asked } = fakeAuthenticator(() => newCredential, false);
    const error = await registerPasskey(p.api, authenticator, {}).catch((e: unknown) => e);
    expect((error as PasskeyError).problem).toBe('unsupported');
    expect(p.sent).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('names the other refusals of the browser', () => {
    expect(browserProblem(domError('AbortError'), false).problem).toBe('cancelled');
    expect(browserProblem(domError('InvalidStateError'), true).message).toMatch(/already has a passkey for your account/);
    expect(browserProblem(domError('NotSupportedError'), true).problem).toBe('unsupported');
    expect(browserProblem(domError('SecurityError'), false).problem).toBe('wrong_address');
    expect(browserProblem(new TypeError('parseRequestOptionsFromJSON is not a function'), false).problem).toBe('unsupported');
    expect(browserProblem(domError('UnknownError'), true).message).toBe('Your browser could not create the passkey. Try again.');
  });
});

describe('passkeyFailure', () => {
  it("says the server's refusals in words", () => {
    expect(passkeyFailure(new ApiError(400, 'passkey_ceremony_invalid', 'x'), 'sign_in')).toMatch(/took too long/);
    expect(passkeyFailure(new ApiError(401, 'passkey_rejected', 'x'), 'sign_in')).toMatch(/not registered here/);
    expect(passkeyFailure(new ApiError(401, 'passkey_rejected', 'x'), 'register')).toMatch(/could not be verified/);
    expect(passkeyFailure(new ApiError(401, 'invalid_second_factor', 'x'), 'second_factor')).toMatch(/does not belong to this account/);
    expect(passkeyFailure(new ApiError(404, 'passkeys_disabled', 'x'), 'sign_in')).toMatch(/turned off/);
    expect(passkeyFailure(new ApiError(409, 'too_many_passkeys', 'x'), 'register')).toMatch(/Remove one/);
    expect(passkeyFailure(new ApiError(429, 'rate_limited', 'x', undefined, 30), 'sign_in')).toBe('Too many attempts. Try again in 30 seconds.');
    expect(passkeyFailure(new ApiError(400, 'invalid_input', 'name is too long'), 'register')).toBe('name is too long');
    expect(passkeyFailure(new NetworkError(), 'sign_in')).toBe(UNREACHABLE_MESSAGE);
    expect(passkeyFailure(new PasskeyError('cancelled', CANCELLED_MESSAGE), 'sign_in')).toBe(CANCELLED_MESSAGE);
  });

  it('checks a name as the server does', () => {
    expect(passkeyNameProblem('Laptop')).toBeNull();
    expect(passkeyNameProblem('  ')).toBe('Enter a name.');
    expect(passkeyNameProblem('x'.repeat(64))).toBeNull();
    expect(passkeyNameProblem('x'.repeat(65))).toMatch(/64/);
    expect(passkeyNameProblem('🔑'.repeat(64))).toBeNull();
    expect(passkeyNameProblem('a\nb')).toMatch(/One line/);
  });
});

describe('signing in with a passkey', () => {
  const me: Profile = { id: 1, username: 'alice', display_name: 'Alice', status_text: '', discoverable: true, created_at: '2026-11-25T09:00:00Z' };
  const tokens: AuthTokens = {
    session_id: 7,
    access_token: 'a',
    access_token_expires_at: new Date(Date.now() + 600_000).toISOString(),
    refresh_token: 'r',
    refresh_token_expires_at: new Date(Date.now() + 86_400_000).toISOString(),
  };

  function setup(answer: () => CredentialJson) {
    const requests: { url: string; body?: Record<string, unknown>; headers: Record<string, string> }[] = [];
    const fetch = (url: string, init?: RequestInit): Promise<Response> => {
      const body = init?.body ? (JSON.parse(init.body as string) as Record<string, unknown>) : undefined;
      requests.push({ url, body, headers: init?.headers as Record<string, string> });
      if (url === '/api/v1/auth/passkey/challenge') return Promise.resolve(json(signin));
      if (url === '/api/v1/auth/passkey/signin') return Promise.resolve(body?.ceremony_id === 'c-in' ? json({ tokens, user: me }) : refusal('passkey_ceremony_invalid', 400));
      if (url === '/api/v1/auth/signin') {
        if (body?.passkey === undefined) return Promise.resolve(refusal('second_factor_required', 401));
        return Promise.resolve(json({ tokens, user: me }));
      }
      return Promise.resolve(json({ rooms: [], invitations: [], blocked: [], users: [] }));
    };
    const { authenticator } = fakeAuthenticator(answer);
    const client = new ChatClient({
      fetch,
      openSocket: (url) => new FakeSocket(url),
      socketUrl: 'ws://test/api/v1/ws',
      storage: new MemoryStorage(),
      timers: new FakeTimers(),
      random: () => 0.5,
      newId: () => 'id',
      authenticator,
    });
    return { client, requests };
  }

  it('alone: the challenge, the browser, then signin with the refresh cookie header and a device name', async () => {
    const t = setup(() => assertion);
    await t.client.signInWithPasskey();
    expect(t.client.signedIn).toBe(true);
    const signinRequest = t.requests.find((r) => r.url === '/api/v1/auth/passkey/signin');
    expect(signinRequest?.body).toMatchObject({ ceremony_id: 'c-in', credential: assertion });
    expect(typeof signinRequest?.body?.device_name).toBe('string');
    expect(signinRequest?.headers['X-Confab-Refresh']).toBe('cookie');
  });

  it('stays signed out when the prompt is cancelled', async () => {
    const t = setup(() => {
      throw domError('NotAllowedError');
    });
    const error = await t.client.signInWithPasskey().catch((e: unknown) => e);
    expect((error as PasskeyError).problem).toBe('cancelled');
    expect(t.client.signedIn).toBe(false);
    expect(t.requests.map((r) => r.url)).toEqual(['/api/v1/auth/passkey/challenge']);
  });

  it('as the second factor: the same password sign-in again, with the passkey', async () => {
    const t = setup(() => assertion);
    const first = await t.client.signIn({ username: 'alice', password: 'pw' }).catch((e: unknown) => e);
    expect((first as ApiError).code).toBe('second_factor_required');
    const passkey = await t.client.passkeySecondFactor();
    await t.client.signIn({ username: 'alice', password: 'pw', passkey });
    expect(t.client.signedIn).toBe(true);
    const last = t.requests.filter((r) => r.url === '/api/v1/auth/signin').at(-1);
    expect(last?.body).toMatchObject({ username: 'alice', password: 'pw', passkey: { ceremony_id: 'c-in', credential: assertion } });
    expect(last?.body?.second_factor).toBeUndefined();
  });
});
