import { describe, expect, it } from 'vitest';
import { ChatClient } from './client';
import { ApiError, NetworkError } from './rest';
import { FakeSocket, FakeTimers, MemoryStorage } from './testing';
import { groupSecret, recoveryCodesFile, signInMethodLabel, signInRefusal, TwoFactor, waitMessage, WRONG_CODE_MESSAGE } from './twoFactor';
import type { AuthTokens, Profile } from './types';

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const refusal = (code: string, status: number, extra: Record<string, unknown> = {}) => json({ error: { code, message: code.replace(/_/g, ' '), ...extra } }, status);

describe('TwoFactor REST calls', () => {
  function fakeRest(answers: Record<string, unknown>) {
    const calls: { method: string; path: string; body?: unknown }[] = [];
    const rest = {
      get: <T>(path: string) => {
        calls.push({ method: 'GET', path });
        return Promise.resolve(answers[path] as T);
      },
      post: <T>(path: string, body?: unknown) => {
        calls.push({ method: 'POST', path, body });
        return Promise.resolve(answers[path] as T);
      },
    };
    return { tf: new TwoFactor(rest), calls };
  }

  it('reads the status, starts and confirms the setup, makes codes and turns it off, with the bodies of protocol.md', async () => {
    const codes = ['k7dqm-9x2ar', 'abcde-fghij'];
    const { tf, calls } = fakeRest({
      '/users/me/two-factor': { totp_enabled: false, recovery_codes_left: 0 },
      '/users/me/two-factor/totp': { secret: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/Confab:alice?secret=JBSWY3DPEHPK3PXP&issuer=Confab', digits: 6, period_secs: 30 },
      '/users/me/two-factor/totp/confirm': { codes },
      '/users/me/two-factor/recovery-codes': { codes: ['new'] },
    });
    expect(await tf.status()).toEqual({ totp_enabled: false, recovery_codes_left: 0 });
    expect((await tf.startTotp('hunter2hunter2')).secret).toBe('JBSWY3DPEHPK3PXP');
    expect(await tf.confirmTotp(' 123456 ')).toEqual(codes);
    expect(await tf.newRecoveryCodes('pw')).toEqual(['new']);
    await tf.disable('pw', ' k7dqm-9x2ar ');
    expect(calls).toEqual([
      { method: 'GET', path: '/users/me/two-factor' },
      { method: 'POST', path: '/users/me/two-factor/totp', body: { password: 'hunter2hunter2' } },
      { method: 'POST', path: '/users/me/two-factor/totp/confirm', body: { code: '123456' } },
      { method: 'POST', path: '/users/me/two-factor/recovery-codes', body: { password: 'pw' } },
      { method: 'POST', path: '/users/me/two-factor/disable', body: { password: 'pw', second_factor: 'k7dqm-9x2ar' } },
    ]);
  });
});

describe('signInRefusal', () => {
  it('asks for a code on second_factor_required', () => {
    expect(signInRefusal(new ApiError(401, 'second_factor_required', 'x'))).toEqual({ kind: 'code_needed' });
  });

  it('keeps the user on the code step on invalid_second_factor', () => {
    expect(signInRefusal(new ApiError(401, 'invalid_second_factor', 'x'))).toEqual({ kind: 'wrong_code', message: WRONG_CODE_MESSAGE });
    expect(WRONG_CODE_MESSAGE).toMatch(/wrong, expired or already used/);
  });

  it("says how long to wait when rate limited, in the server's seconds", () => {
    expect(signInRefusal(new ApiError(429, 'rate_limited', 'x', undefined, 42))).toEqual({ kind: 'rate_limited', message: 'Too many attempts. Try again in 42 seconds.' });
    expect(waitMessage(600)).toBe('Too many attempts. Try again in 10 minutes.');
    expect(waitMessage(undefined)).toMatch(/Wait a little/);
  });

  it('sends a wrong password back to the first step, and keeps other refusals and network failures as messages', () => {
    expect(signInRefusal(new ApiError(401, 'invalid_credentials', 'x')).kind).toBe('wrong_password');
    expect(signInRefusal(new ApiError(400, 'invalid_input', 'too long', 'second_factor'))).toEqual({ kind: 'other', message: 'too long', field: 'second_factor' });
    expect(signInRefusal(new NetworkError())).toEqual({ kind: 'other', message: 'Cannot reach the server. Check your connection and try again.' });
  });
});

describe('two-factor helpers', () => {
  it('groups a secret by four for typing', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('ABCDEF')).toBe('ABCD EF');
    expect(groupSecret('')).toBe('');
  });

  it('writes the recovery-codes file with every code on a line of its own', () => {
    const text = recoveryCodesFile(['aaaaa-bbbbb', 'ccccc-ddddd'], 'alice', 'chat.example', new Date('2026-11-27T04:30:00Z'));
    expect(text.split('\n')).toContain('aaaaa-bbbbb');
    expect(text.split('\n')).toContain('ccccc-ddddd');
    expect(text).toContain('@alice on chat.example');
    expect(text).toContain('2026-11-27 04:30 UTC');
  });

  it('names how a session was signed in, and treats methods it does not know as unknown', () => {
    expect(signInMethodLabel('password')).toBe('Password');
    expect(signInMethodLabel('password_totp')).toBe('Password + authenticator app');
    expect(signInMethodLabel('password_recovery_code')).toBe('Password + recovery code');
    expect(signInMethodLabel('provider')).toBe('Identity provider');
    expect(signInMethodLabel('passkey')).toBe('Passkey');
    expect(signInMethodLabel('password_passkey')).toBe('Password + passkey');
    expect(signInMethodLabel('unknown')).toBe('Another sign-in method');
    expect(signInMethodLabel(undefined)).toBeNull();
  });
});

describe('ChatClient: signing in with a second factor', () => {
  const me: Profile = { id: 1, username: 'alice', display_name: 'Alice', status_text: '', discoverable: true, created_at: '2026-11-25T09:00:00Z' };
  const tokens: AuthTokens = {
    session_id: 7,
    access_token: 'access-1',
    access_token_expires_at: new Date(Date.now() + 900_000).toISOString(),
    refresh_token: 'cfr_1',
    refresh_token_expires_at: new Date(Date.now() + 86_400_000).toISOString(),
  };

  function setup() {
    const bodies: Record<string, unknown>[] = [];
    const urls: string[] = [];
    const used = new Set<string>();
    const fetch = (url: string, init?: RequestInit): Promise<Response> => {
      urls.push(url);
      if (url !== '/api/v1/auth/signin') return Promise.resolve(json({ rooms: [], invitations: [], blocked: [], users: [] }));
      const body = JSON.parse(init?.body as string) as Record<string, unknown>;
      bodies.push(body);
      if (body.password !== 'right password') return Promise.resolve(refusal('invalid_credentials', 401));
      const code = body.second_factor as string | undefined;
      if (code === undefined) return Promise.resolve(refusal('second_factor_required', 401));
      if (code !== '123456' || used.has(code)) return Promise.resolve(refusal('invalid_second_factor', 401));
      used.add(code);
      return Promise.resolve(json({ tokens, user: me }));
    };
    const client = new ChatClient({
      fetch,
      openSocket: (url) => new FakeSocket(url),
      socketUrl: 'ws://test/api/v1/ws',
      storage: new MemoryStorage(),
      timers: new FakeTimers(),
      random: () => 0.5,
      newId: () => 'id',
    });
    return { client, bodies, urls };
  }

  it('is refused with second_factor_required, stays signed out, and signs in when the same request comes with the code', async () => {
    const t = setup();
    const first = await t.client.signIn({ username: 'alice', password: 'right password' }).catch((e: unknown) => e);
    expect(signInRefusal(first).kind).toBe('code_needed');
    expect(t.client.signedIn).toBe(false);

    const wrong = await t.client.signIn({ username: 'alice', password: 'right password', second_factor: '000000' }).catch((e: unknown) => e);
    expect(signInRefusal(wrong).kind).toBe('wrong_code');
    expect(t.client.signedIn).toBe(false);

    await t.client.signIn({ username: 'alice', password: 'right password', second_factor: '123456' });
    expect(t.client.signedIn).toBe(true);
    expect(t.bodies.map((b) => b.second_factor)).toEqual([undefined, '000000', '123456']);
    expect(t.bodies.every((b) => b.username === 'alice' && b.password === 'right password')).toBe(true);
    // The code travels in the body only, never in a URL.
    expect(t.urls.filter((u) => u.includes('123456') || u.includes('000000'))).toEqual([]);
  });

  it('refuses a code that was used already', async () => {
    const t = setup();
    await t.client.signIn({ username: 'alice', password: 'right password', second_factor: '123456' });
    await t.client.signOut();
    const again = await t.client.signIn({ username: 'alice', password: 'right password', second_factor: '123456' }).catch((e: unknown) => e);
    expect(signInRefusal(again)).toEqual({ kind: 'wrong_code', message: WRONG_CODE_MESSAGE });
  });
});
