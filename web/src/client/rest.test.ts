import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError, Rest, Tokens, type FetchFn } from './rest';
import { FakeTimers, MemoryStorage } from './testing';

function stored(n: number, expiresAt: number) {
  return {
    tokens: {
      session_id: 7,
      access_token: `access-${n}`,
      access_token_expires_at: new Date(expiresAt).toISOString(),
      refresh_token: `cfr_${n}`,
      refresh_token_expires_at: new Date(expiresAt + 86_400_000).toISOString(),
    },
    user: { id: 1, username: 'alice', display_name: 'Alice', status_text: '', created_at: '' },
  };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

function setup(handler: (path: string, auth: string | undefined, calls: number) => Response | Promise<Response>) {
  const timers = new FakeTimers();
  const storage = new MemoryStorage();
  // The format of older versions, with the refresh token in storage.
  storage.setItem('confab.session', JSON.stringify(stored(1, timers.time + 60_000)));
  let calls = 0;
  const requests: { path: string; headers: Record<string, string>; body?: string }[] = [];
  const fetch: FetchFn = async (url, init) => {
    calls += 1;
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const path = url.replace('/api/v1', '');
    requests.push({ path, headers, body: init?.body as string | undefined });
    return handler(path, headers.Authorization, calls);
  };
  const tokens = new Tokens(fetch, storage, timers);
  return { rest: new Rest(fetch, tokens), tokens, storage, requests };
}

describe('Rest', () => {
  it('refreshes once on token_expired and retries with the new token', async () => {
    const seen: string[] = [];
    const { rest } = setup((path, auth) => {
      seen.push(`${path} ${auth ?? '-'}`);
      if (path === '/auth/refresh') return json(stored(2, Date.now() + 900_000).tokens);
      if (auth === 'Bearer access-1') return json({ error: { code: 'token_expired', message: 'expired' } }, 401);
      return json({ rooms: [] });
    });
    await expect(rest.get('/rooms')).resolves.toEqual({ rooms: [] });
    expect(seen).toEqual(['/rooms Bearer access-1', '/auth/refresh -', '/rooms Bearer access-2']);
  });

  it('signs out when the session is over, and says which field a refusal is about', async () => {
    const { rest, tokens, storage } = setup((path) =>
      path === '/users/me'
        ? json({ error: { code: 'invalid_input', message: 'too long', field: 'display_name' } }, 400)
        : json({ error: { code: 'session_revoked', message: 'revoked' } }, 401),
    );
    const refused = await rest.call('PATCH', '/users/me', { display_name: 'x' }).catch((e: unknown) => e);
    expect(refused).toEqual(new ApiError(400, 'invalid_input', 'too long', 'display_name'));
    expect((refused as ApiError).field).toBe('display_name');
    await expect(rest.get('/rooms')).rejects.toMatchObject({ code: 'session_revoked' });
    expect(tokens.stored).toBeNull();
    expect(storage.getItem('confab.session')).toBeNull();
  });

  it('keeps no token in storage: an older stored refresh token is taken out and spent once', async () => {
    const { tokens, storage, requests } = setup((path) => (path === '/auth/refresh' ? json({ ...stored(2, Date.now() + 900_000).tokens, refresh_token: undefined }) : json({})));
    expect(JSON.parse(storage.getItem('confab.session')!)).toEqual({ user: stored(1, 0).user });
    expect(tokens.accessToken).toBe('access-1');
    await tokens.refresh();
    await tokens.refresh();
    // The first refresh presents the old token in the body; the server answers with
    // the next one in its cookie, which the second refresh uses.
    expect(requests.map((r) => r.body)).toEqual([JSON.stringify({ refresh_token: 'cfr_1' }), '{}']);
    expect(requests.every((r) => r.headers['X-Confab-Refresh'] === 'cookie')).toBe(true);
    expect(tokens.accessToken).toBe('access-2');
    expect(storage.getItem('confab.session')).not.toContain('cfr_');
    expect(storage.getItem('confab.session')).not.toContain('access-');
  });

  it('waits for the first refresh after a reload instead of asking without a token', async () => {
    const seen: string[] = [];
    const timers = new FakeTimers();
    const storage = new MemoryStorage();
    // What a reload finds: the profile, no token (that comes with the cookie's refresh).
    storage.setItem('confab.session', JSON.stringify({ user: stored(1, 0).user }));
    const fetch: FetchFn = async (url, init) => {
      const auth = ((init?.headers ?? {}) as Record<string, string>).Authorization;
      seen.push(`${url.replace('/api/v1', '')} ${auth ?? '-'}`);
      if (url.endsWith('/auth/refresh')) return json(stored(2, Date.now() + 900_000).tokens);
      return auth ? json({ sessions: [] }) : json({ error: { code: 'unauthenticated', message: 'no token' } }, 401);
    };
    const tokens = new Tokens(fetch, storage, timers);
    const rest = new Rest(fetch, tokens);
    await expect(Promise.all([rest.get('/sessions'), rest.get('/sessions')])).resolves.toEqual([{ sessions: [] }, { sessions: [] }]);
    expect(seen).toEqual(['/auth/refresh -', '/sessions Bearer access-2', '/sessions Bearer access-2']);
    expect(tokens.stored).not.toBeNull();
  });

  it('reports an unreachable server as a NetworkError', async () => {
    const { rest } = setup(() => Promise.reject(new TypeError('fetch failed')));
    await expect(rest.get('/rooms')).rejects.toBeInstanceOf(NetworkError);
  });
});
