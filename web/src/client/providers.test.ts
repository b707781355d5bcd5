import { describe, expect, it } from 'vitest';
import { ChatClient } from './client';
import { providerFailureMessage, ProviderFlow, Providers, readProviderReturn, usernameProblem, withoutProviderReturn, type FlowDeps } from './providers';
import { ApiError, NetworkError } from './rest';
import { FakeSocket, FakeTimers, MemoryStorage, settle } from './testing';
import type { AuthTokens, LinkedIdentity, Profile, ProviderOutcome } from './types';

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const refusal = (code: string, status: number, extra: Record<string, unknown> = {}) => json({ error: { code, message: code.replace(/_/g, ' '), ...extra } }, status);

const identity: LinkedIdentity = { id: 'i1', provider_id: 'corp', provider_name: 'Corp SSO', label: 'alice@example.org', created_at: '2026-11-27T06:00:00Z' };
const choose: ProviderOutcome = { outcome: 'choose_username', proposed_username: 'alice', display_name: 'Alice Liddell', provider_name: 'Corp SSO' };

describe('Providers REST calls', () => {
  it('uses the paths and bodies of protocol.md', async () => {
    const calls: { method: string; path: string; body?: unknown }[] = [];
    const answers: Record<string, unknown> = {
      '/auth/providers': { providers: [{ id: 'corp', name: 'Corp SSO', kind: 'oidc' }] },
      '/auth/providers/corp/start': { authorization_url: 'https://sso.example.org/auth?x=1' },
      '/users/me/identities': { authorization_url: 'https://sso.example.org/auth?x=2' },
      '/auth/providers/complete': choose,
      '/users/me/sign-in-methods': { password: false, identities: [identity], passkeys: 0 },
      '/users/me/password': { revoked: 2 },
    };
    const call = <T>(method: string, path: string, body?: unknown) => {
      calls.push(body === undefined ? { method, path } : { method, path, body });
      return Promise.resolve(answers[path] as T);
    };
    const p = new Providers({ call, get: (path) => call('GET', path), post: (path, body) => call('POST', path, body) });

    expect(await p.list()).toEqual([{ id: 'corp', name: 'Corp SSO', kind: 'oidc' }]);
    // An older server does not say whether passkeys are on: they are off.
    expect(await p.options()).toEqual({ providers: [{ id: 'corp', name: 'Corp SSO', kind: 'oidc' }], passkeys: false });
    answers['/auth/providers'] = { providers: [], passkeys: true };
    expect(await p.options()).toEqual({ providers: [], passkeys: true });
    expect(await p.start('corp')).toBe('https://sso.example.org/auth?x=1');
    expect(await p.link('corp')).toBe('https://sso.example.org/auth?x=2');
    expect(await p.complete({ username: 'alice', device_name: 'Chrome on Linux' })).toEqual(choose);
    expect((await p.methods()).identities).toEqual([identity]);
    await p.unlink('i/1');
    expect(await p.setPassword('seven quiet lanterns drift')).toEqual({ revoked: 2 });
    await p.removePassword('seven quiet lanterns drift');
    expect(calls).toEqual([
      { method: 'GET', path: '/auth/providers' },
      { method: 'GET', path: '/auth/providers' },
      { method: 'GET', path: '/auth/providers' },
      { method: 'POST', path: '/auth/providers/corp/start' },
      { method: 'POST', path: '/users/me/identities', body: { provider_id: 'corp' } },
      { method: 'POST', path: '/auth/providers/complete', body: { username: 'alice', device_name: 'Chrome on Linux' } },
      { method: 'GET', path: '/users/me/sign-in-methods' },
      { method: 'DELETE', path: '/users/me/identities/i%2F1' },
      // An account made through a provider has no current password: it is sent empty.
      { method: 'POST', path: '/users/me/password', body: { current_password: '', new_password: 'seven quiet lanterns drift' } },
      { method: 'DELETE', path: '/users/me/password', body: { password: 'seven quiet lanterns drift' } },
    ]);
  });
});

describe('the way back from the provider', () => {
  it("reads the callback's answer from the query, and takes it out again", () => {
    expect(readProviderReturn('?provider_flow=done')).toEqual({ status: 'done' });
    expect(readProviderReturn('?provider_flow=failed&code=provider_rejected')).toEqual({ status: 'failed', code: 'provider_rejected' });
    expect(readProviderReturn('?provider_flow=failed')).toEqual({ status: 'failed', code: 'internal' });
    expect(readProviderReturn('')).toBeNull();
    expect(readProviderReturn('?seq=4')).toBeNull();
    expect(readProviderReturn('?provider_flow=other')).toBeNull();
    expect(withoutProviderReturn('?provider_flow=failed&code=not_found')).toBe('');
    expect(withoutProviderReturn('?provider_flow=done&seq=4')).toBe('?seq=4');
  });

  it('says what each failure code means, naming the provider when it is known', () => {
    expect(providerFailureMessage('provider_rejected', 'Corp SSO')).toBe('Corp SSO did not sign you in, or its answer could not be verified. Try again.');
    expect(providerFailureMessage('provider_flow_invalid', 'Corp SSO')).toBe('That sign-in expired or was started in another browser. Try again.');
    expect(providerFailureMessage('provider_unavailable', 'Corp SSO')).toMatch(/^Corp SSO could not be reached/);
    expect(providerFailureMessage('provider_unavailable', null)).toMatch(/^The identity provider could not be reached/);
    expect(providerFailureMessage('identity_in_use', 'GitHub')).toMatch(/GitHub account is already linked to another Confab account/);
    expect(providerFailureMessage('not_found', null)).toMatch(/no longer offered/);
    expect(providerFailureMessage('something_new', 'Corp SSO')).toBe('Signing in with Corp SSO failed. Try again.');
  });

  it('checks a username as sign-up does before sending it', () => {
    expect(usernameProblem('alice')).toBeNull();
    expect(usernameProblem('a.b-c_9')).toBeNull();
    expect(usernameProblem('al')).toMatch(/3 to 32/);
    expect(usernameProblem('a'.repeat(33))).toMatch(/3 to 32/);
    expect(usernameProblem('-alice')).toMatch(/starting with a letter or digit/);
    expect(usernameProblem('alice smith')).toMatch(/letters, digits/);
  });
});

describe('ProviderFlow', () => {
  function setup(answers: (ProviderOutcome | Error)[]) {
    const storage = new MemoryStorage();
    const navigated: string[] = [];
    const completed: (string | undefined)[] = [];
    const deps: FlowDeps = {
      providers: {
        start: (id) => Promise.resolve(`https://sso.example.org/auth?start=${id}`),
        link: (id) => Promise.resolve(`https://sso.example.org/auth?link=${id}`),
      },
      complete: (username) => {
        completed.push(username);
        const next = answers.shift();
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next as ProviderOutcome);
      },
      navigate: (url) => navigated.push(url),
      storage,
    };
    return { flow: new ProviderFlow(deps), storage, navigated, completed };
  }

  it('leaves for the provider, remembering it for the tab, and names it when the answer is a failure', async () => {
    const t = setup([]);
    await t.flow.begin({ id: 'corp', name: 'Corp SSO' });
    expect(t.navigated).toEqual(['https://sso.example.org/auth?start=corp']);
    // The page is reloaded when it comes back: a new flow object, the same tab storage.
    const unused = () => Promise.reject(new Error('not called'));
    const back = new ProviderFlow({ providers: { start: unused, link: unused }, complete: unused, navigate: () => undefined, storage: t.storage });
    expect(back.resume({ status: 'failed', code: 'provider_rejected' })).toEqual({ linking: false });
    expect(back.getState()).toEqual({ step: 'failed', message: 'Corp SSO did not sign you in, or its answer could not be verified. Try again.' });
    // Told once: what the tab kept is gone.
    expect(t.storage.items.size).toBe(0);
    back.dismiss();
    expect(back.getState()).toEqual({ step: 'none' });
  });

  it('does nothing when the page did not come back from a provider', () => {
    const t = setup([]);
    expect(t.flow.resume(null)).toEqual({ linking: false });
    expect(t.flow.getState()).toEqual({ step: 'none' });
    expect(t.completed).toEqual([]);
  });

  it('asks for a username for a new identity, keeps the form on a taken one, and is done once signed in', async () => {
    const signedIn: ProviderOutcome = { outcome: 'signed_in', auth: {} as never };
    const t = setup([choose, new ApiError(409, 'username_taken', 'taken'), signedIn]);
    await t.flow.begin({ id: 'corp', name: 'Corp SSO' });
    const seen: string[] = [];
    t.flow.subscribe(() => seen.push(t.flow.getState().step));
    t.flow.resume({ status: 'done' });
    expect(t.flow.getState()).toEqual({ step: 'completing', provider: 'Corp SSO' });
    await settle();
    expect(t.flow.getState()).toEqual({ step: 'choose_username', proposal: choose, busy: false, error: null });

    await t.flow.chooseUsername('alice');
    const taken = t.flow.getState();
    expect(taken.step === 'choose_username' && taken.error).toBe('That username is taken. Choose another.');

    // A username the server would refuse is not sent (a refusal could end the flow).
    await t.flow.chooseUsername('a');
    const local = t.flow.getState();
    expect(local.step === 'choose_username' && local.error).toMatch(/3 to 32/);

    await t.flow.chooseUsername('alice2');
    expect(t.flow.getState()).toEqual({ step: 'none' });
    expect(t.completed).toEqual([undefined, 'alice', 'alice2']);
    expect(seen).toEqual(['completing', 'choose_username', 'choose_username', 'choose_username', 'choose_username', 'choose_username', 'none']);
  });

  it('ends in a message when the flow is refused or the server cannot be reached', async () => {
    const t = setup([new ApiError(400, 'provider_flow_invalid', 'x'), new NetworkError()]);
    t.flow.resume({ status: 'done' });
    await settle();
    expect(t.flow.getState()).toEqual({ step: 'failed', message: 'That sign-in expired or was started in another browser. Try again.' });
    t.flow.resume({ status: 'done' });
    await settle();
    expect(t.flow.getState()).toEqual({ step: 'failed', message: 'Cannot reach the server. Check your connection and try again.' });
  });

  it('says whether the flow was a link at once, and ends with the linked identity', async () => {
    const t = setup([{ outcome: 'linked', identity }]);
    await t.flow.begin({ id: 'corp', name: 'Corp SSO' }, true);
    expect(t.navigated).toEqual(['https://sso.example.org/auth?link=corp']);
    expect(t.flow.resume({ status: 'done' })).toEqual({ linking: true });
    await settle();
    expect(t.flow.getState()).toEqual({ step: 'linked', identity });
  });

  it('names the provider in a refused link', async () => {
    const t = setup([new ApiError(409, 'identity_in_use', 'x')]);
    await t.flow.begin({ id: 'gh', name: 'GitHub' }, true);
    t.flow.resume({ status: 'done' });
    await settle();
    const state = t.flow.getState();
    expect(state.step === 'failed' && state.message).toMatch(/^That GitHub account is already linked/);
  });
});

describe('ChatClient: coming back from a provider', () => {
  const me: Profile = { id: 1, username: 'alice', display_name: 'Alice Liddell', status_text: '', discoverable: true, created_at: '2026-11-25T09:00:00Z' };
  const tokens: AuthTokens = {
    session_id: 7,
    access_token: 'access-1',
    access_token_expires_at: new Date(Date.now() + 900_000).toISOString(),
    refresh_token_expires_at: new Date(Date.now() + 86_400_000).toISOString(),
  };

  it('completes with the refresh cookie header and this device, creates the account with the chosen username, and is signed in', async () => {
    const requests: { url: string; headers: Record<string, string>; body: Record<string, unknown> }[] = [];
    const fetch = (url: string, init?: RequestInit): Promise<Response> => {
      if (url !== '/api/v1/auth/providers/complete') return Promise.resolve(json({ rooms: [], invitations: [], blocked: [], users: [] }));
      const body = JSON.parse(init?.body as string) as Record<string, unknown>;
      requests.push({ url, headers: init?.headers as Record<string, string>, body });
      if (body.username === undefined) return Promise.resolve(json(choose));
      if (body.username === 'taken') return Promise.resolve(refusal('username_taken', 409));
      return Promise.resolve(json({ outcome: 'signed_in', auth: { user: me, tokens } }));
    };
    const storage = new MemoryStorage();
    const client = new ChatClient({
      fetch,
      openSocket: (url) => new FakeSocket(url),
      socketUrl: 'ws://test/api/v1/ws',
      storage,
      tabStorage: new MemoryStorage(),
      timers: new FakeTimers(),
      random: () => 0.5,
      newId: () => 'id',
    });

    client.providerFlow.resume({ status: 'done' });
    await settle();
    expect(client.providerFlow.getState().step).toBe('choose_username');
    expect(client.signedIn).toBe(false);

    await client.providerFlow.chooseUsername('taken');
    expect(client.signedIn).toBe(false);
    await client.providerFlow.chooseUsername('alice');
    expect(client.signedIn).toBe(true);
    expect(client.getState().me).toEqual(me);
    expect(client.providerFlow.getState()).toEqual({ step: 'none' });

    expect(requests.map((r) => r.body.username)).toEqual([undefined, 'taken', 'alice']);
    for (const r of requests) {
      expect(r.headers['X-Confab-Refresh']).toBe('cookie');
      expect(typeof r.body.device_name).toBe('string');
    }
    // Kept as after a password sign-in: the profile only, never a token.
    expect(storage.getItem('confab.session')).toBe(JSON.stringify({ user: me }));
  });
});
