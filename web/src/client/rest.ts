// REST calls to /api/v1, and the access/refresh token pair that authenticates them.
//
// `Tokens` owns the pair: it persists it, schedules the refresh shortly before the
// access token expires, and makes sure a refresh token is never sent twice (which
// would revoke the session, see docs/security.md): one refresh at a time in this tab,
// and, where the browser has Web Locks, one at a time across tabs, adopting a pair
// another tab already obtained.

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

/** Sends one request; throws ApiError or NetworkError. */
export async function rawCall<T>(fetchFn: FetchFn, method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetchFn(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new NetworkError();
  }
  if (!response.ok) throw await readError(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export interface Stored {
  tokens: AuthTokens;
  user: Profile;
}

const STORAGE_KEY = 'confab.session';

/** The token pair of this device session. */
export class Tokens {
  private current: Stored | null;
  private inflight: Promise<void> | null = null;
  private timer: unknown = null;
  private readonly listeners = new Set<(stored: Stored | null) => void>();

  constructor(
    private readonly fetchFn: FetchFn,
    private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>,
    private readonly timers: Timers,
    private readonly locks?: { request(name: string, fn: () => Promise<void>): Promise<void> },
  ) {
    this.current = this.load();
  }

  get stored(): Stored | null {
    return this.current;
  }

  get accessToken(): string | null {
    return this.current?.tokens.access_token ?? null;
  }

  /** Called with the new pair after each refresh, and with null when signed out. */
  onChange(listener: (stored: Stored | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adopts the pair of a sign-in or sign-up. */
  set(auth: AuthResponse): void {
    this.save({ tokens: auth.tokens, user: auth.user });
  }

  setUser(user: Profile): void {
    if (this.current) this.save({ ...this.current, user }, false);
  }

  clear(): void {
    this.cancelTimer();
    this.current = null;
    this.storage.removeItem(STORAGE_KEY);
    for (const l of this.listeners) l(null);
  }

  /** Starts the refresh timer for the current pair. */
  schedule(): void {
    this.cancelTimer();
    if (!this.current) return;
    const delay = refreshDelay(Date.parse(this.current.tokens.access_token_expires_at), this.timers.now());
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
   * Exchanges the refresh token for a new pair. Concurrent callers share one
   * exchange. Throws ApiError (and signs out) when the session is over.
   */
  refresh(): Promise<void> {
    if (!this.inflight) {
      const used = this.current?.tokens.refresh_token;
      const run = () => this.exchange(used);
      const locked = this.locks ? this.locks.request('confab-token-refresh', run) : run();
      this.inflight = locked.finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async exchange(used: string | undefined): Promise<void> {
    // Another tab of this session may have refreshed meanwhile: its pair is ours too.
    const stored = this.load();
    if (stored && used && stored.tokens.refresh_token !== used) {
      this.save(stored);
      return;
    }
    if (!used) throw new ApiError(401, 'unauthenticated', 'not signed in');
    try {
      const tokens = await rawCall<AuthTokens>(this.fetchFn, 'POST', '/auth/refresh', { refresh_token: used });
      if (this.current) this.save({ ...this.current, tokens });
    } catch (error) {
      if (isSignedOutError(error)) this.clear();
      throw error;
    }
  }

  private save(stored: Stored, notify = true): void {
    this.current = stored;
    this.storage.setItem(STORAGE_KEY, JSON.stringify(stored));
    if (notify) {
      this.schedule();
      for (const l of this.listeners) l(stored);
    }
  }

  private load(): Stored | null {
    try {
      const raw = this.storage.getItem(STORAGE_KEY);
      return raw ? (JSON.parse(raw) as Stored) : null;
    } catch {
      return null;
    }
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Authenticated REST: adds the access token, and on `token_expired` refreshes and retries once. */
export class Rest {
  constructor(
    private readonly fetchFn: FetchFn,
    readonly tokens: Tokens,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    try {
      return await rawCall<T>(this.fetchFn, method, path, body, this.tokens.accessToken ?? undefined);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'token_expired') {
        await this.tokens.refresh();
        return rawCall<T>(this.fetchFn, method, path, body, this.tokens.accessToken ?? undefined);
      }
      if (isSignedOutError(error)) this.tokens.clear();
      throw error;
    }
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }
}
