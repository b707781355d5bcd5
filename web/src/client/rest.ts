// REST calls to /api/v1, and the access/refresh token pair that authenticates them.
//
// The refresh token never reaches script: every request carries
// `X-Confab-Refresh: cookie`, so the server keeps it in an HttpOnly, SameSite=Strict
// cookie scoped to /api/v1/auth (docs/security.md). The access token lives in memory
// only; a new tab or a reload gets one by refreshing with the cookie. Storage holds
// only the signed-in user's profile, so the app can draw itself before it connects.
//
// `Tokens` owns the pair: it schedules the refresh shortly before the access token
// expires, and makes sure one refresh runs at a time (two at once would present the
// same refresh token twice, which revokes the session): one in this tab, and, where
// the browser has Web Locks, one across tabs, which share the cookie.

import { refreshDelay } from './timing';
import type { AuthResponse, AuthTokens, ErrorBody, ErrorCode, Profile } from './types';

/** A refusal from the server, in its `{"error": {...}}` format. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly retryAfterSecs?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What a form says when its request got no answer (a {@link NetworkError}). */
export const UNREACHABLE_MESSAGE = 'Cannot reach the server. Check your connection and try again.';

/** A server's message as a sentence: capital first letter, full stop ("" stays ""). */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  return trimmed[0]!.toUpperCase() + trimmed.slice(1) + (/[.!?]$/.test(trimmed) ? '' : '.');
}

/** The request did not reach the server, or its answer did not come back. */
export class NetworkError extends Error {
  constructor(message = 'cannot reach the server') {
    super(message);
    this.name = 'NetworkError';
  }
}

/** Codes after which only signing in again helps. */
const SIGNED_OUT_CODES: ReadonlySet<string> = new Set([
  'invalid_token',
  'session_revoked',
  'refresh_token_reused',
  'unauthenticated',
] satisfies ErrorCode[]);

export function isSignedOutError(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401 && SIGNED_OUT_CODES.has(error.code);
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const browserTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

async function readError(response: Response): Promise<ApiError> {
  let body: Partial<ErrorBody> = {};
  try {
    body = (await response.json()) as Partial<ErrorBody>;
  } catch {
    // Not our JSON (a proxy's error page): fall back to the status.
  }
  const error = body.error;
  return new ApiError(
    response.status,
    error?.code ?? 'internal',
    error?.message ?? `the server answered ${response.status}`,
    error?.field,
    error?.retry_after_secs,
  );
}

/** The header by which the server keeps the refresh token in its cookie. */
export const REFRESH_COOKIE_HEADER = 'X-Confab-Refresh';

/**
 * Sends one request; throws ApiError or NetworkError, or the `AbortError` of `signal`
 * when it is aborted.
 */
export async function rawCall<T>(fetchFn: FetchFn, method: string, path: string, body?: unknown, token?: string, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { [REFRESH_COOKIE_HEADER]: 'cookie' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetchFn(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new NetworkError();
  }
  if (!response.ok) throw await readError(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** Downloads a file's bytes (`GET`, token in the header); throws ApiError or NetworkError. */
export async function rawBlob(fetchFn: FetchFn, path: string, token?: string): Promise<Blob> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetchFn(`/api/v1${path}`, { method: 'GET', headers, credentials: 'same-origin' });
  } catch {
    throw new NetworkError();
  }
  if (!response.ok) throw await readError(response);
  try {
    return await response.blob();
  } catch {
    throw new NetworkError('the download was interrupted');
  }
}

/** The signed-in session: who, and (once obtained) its access token. */
export interface Stored {
  /** In memory only; null until the first refresh after a reload. */
  tokens: AuthTokens | null;
  user: Profile;
}

const STORAGE_KEY = 'confab.session';

export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

/** The token pair of this device session. */
export class Tokens {
  private current: Stored | null;
  /**
   * A refresh token that an older version of this client kept in storage: presented
   * once in the body, after which the server keeps its successor in the cookie.
   */
  private legacyRefreshToken: string | null = null;
  private inflight: Promise<void> | null = null;
  private timer: unknown = null;
  private readonly listeners = new Set<(stored: Stored | null) => void>();

  constructor(
    private readonly fetchFn: FetchFn,
    private readonly storage: KeyValueStorage,
    private readonly timers: Timers,
    private readonly locks?: { request(name: string, fn: () => Promise<void>): Promise<void> },
  ) {
    this.current = this.load();
  }

  get stored(): Stored | null {
    return this.current;
  }

  get accessToken(): string | null {
    return this.current?.tokens?.access_token ?? null;
  }

  /** Called with the new pair after each refresh, and with null when signed out. */
  onChange(listener: (stored: Stored | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adopts the pair of a sign-in or sign-up. */
  set(auth: AuthResponse): void {
    this.legacyRefreshToken = null;
    this.save({ tokens: withoutRefreshToken(auth.tokens), user: auth.user });
  }

  setUser(user: Profile): void {
    if (this.current) this.save({ ...this.current, user }, false);
  }

  clear(): void {
    this.cancelTimer();
    this.current = null;
    this.legacyRefreshToken = null;
    this.storage.removeItem(STORAGE_KEY);
    for (const l of this.listeners) l(null);
  }

  /** Starts the refresh timer for the current access token (at once if there is none). */
  schedule(): void {
    this.cancelTimer();
    if (!this.current) return;
    const expires = this.current.tokens ? Date.parse(this.current.tokens.access_token_expires_at) : 0;
    const delay = this.current.tokens ? refreshDelay(expires, this.timers.now()) : 0;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      // A failed refresh (network) is retried a little later; a refused one signs out.
      this.refresh().catch((error: unknown) => {
        if (!isSignedOutError(error) && this.current) {
          this.timer = this.timers.setTimeout(() => this.schedule(), 5_000);
        }
      });
    }, delay);
  }

  /**
   * Exchanges the refresh token (in the cookie) for a new pair. Concurrent callers
   * share one exchange. Throws ApiError (and signs out) when the session is over.
   */
  refresh(): Promise<void> {
    if (!this.inflight) {
      const run = () => this.exchange();
      const locked = this.locks ? this.locks.request('confab-token-refresh', run) : run();
      this.inflight = locked.finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async exchange(): Promise<void> {
    if (!this.current) throw new ApiError(401, 'unauthenticated', 'not signed in');
    const legacy = this.legacyRefreshToken;
    try {
      const tokens = await rawCall<AuthTokens>(this.fetchFn, 'POST', '/auth/refresh', legacy ? { refresh_token: legacy } : {});
      this.legacyRefreshToken = null;
      if (this.current) this.save({ ...this.current, tokens: withoutRefreshToken(tokens) });
    } catch (error) {
      if (isSignedOutError(error)) this.clear();
      throw error;
    }
  }

  private save(stored: Stored, notify = true): void {
    this.current = stored;
    this.storage.setItem(STORAGE_KEY, JSON.stringify({ user: stored.user }));
    if (notify) {
      this.schedule();
      for (const l of this.listeners) l(stored);
    }
  }

  private load(): Stored | null {
    try {
      const raw = this.storage.getItem(STORAGE_KEY);
      if (!raw) return null;
      const stored = JSON.parse(raw) as { user: Profile; tokens?: AuthTokens };
      if (stored.tokens) {
        // Stored by an older version: take the token out of storage at once.
        this.legacyRefreshToken = stored.tokens.refresh_token ?? null;
        this.storage.setItem(STORAGE_KEY, JSON.stringify({ user: stored.user }));
      }
      return { tokens: stored.tokens ? withoutRefreshToken(stored.tokens) : null, user: stored.user };
    } catch {
      return null;
    }
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}

/** The pair as this client keeps it: the refresh token stays in the cookie. */
function withoutRefreshToken(tokens: AuthTokens): AuthTokens {
  const { refresh_token: _ignored, ...rest } = tokens;
  return rest;
}

/** Authenticated REST: adds the access token, and on `token_expired` refreshes and retries once. */
export class Rest {
  constructor(
    private readonly fetchFn: FetchFn,
    readonly tokens: Tokens,
  ) {}

  /**
   * After a reload the access token comes with the first refresh (the cookie's): a
   * request made before it waits for it, instead of going without a token and being
   * taken for a signed-out session (a page opened at /settings asks at once).
   */
  private async token(): Promise<string | undefined> {
    if (!this.tokens.accessToken && this.tokens.stored) await this.tokens.refresh();
    return this.tokens.accessToken ?? undefined;
  }

  async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const token = await this.token();
    try {
      return await rawCall<T>(this.fetchFn, method, path, body, token, signal);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'token_expired') {
        await this.tokens.refresh();
        return rawCall<T>(this.fetchFn, method, path, body, this.tokens.accessToken ?? undefined, signal);
      }
      if (isSignedOutError(error)) this.tokens.clear();
      throw error;
    }
  }

  /** A GET; aborting `signal` cancels it (the promise rejects with the `AbortError`). */
  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.call<T>('GET', path, undefined, signal);
  }

  /** A file's bytes; refreshes and retries once on `token_expired`, like `call`. */
  async blob(path: string): Promise<Blob> {
    const token = await this.token();
    try {
      return await rawBlob(this.fetchFn, path, token);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'token_expired') {
        await this.tokens.refresh();
        return rawBlob(this.fetchFn, path, this.tokens.accessToken ?? undefined);
      }
      if (isSignedOutError(error)) this.tokens.clear();
      throw error;
    }
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }
}
