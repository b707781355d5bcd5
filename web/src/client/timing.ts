// Pure timing rules of the client: reconnect back-off and token refresh scheduling.
// Kept free of timers and I/O so that unit tests can check them exactly.

export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  baseMs: number;
  /** Upper bound of a delay, in ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * Delay before reconnect attempt number `attempt` (0 for the first retry after a
 * drop): exponential, capped, with "equal jitter" so that many clients dropped by
 * the same server restart do not come back in lockstep. `random` is in [0, 1).
 */
export function backoffDelay(attempt: number, random: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const exp = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(exp / 2 + (exp / 2) * random);
}

/**
 * When to refresh an access token that expires at `expiresAtMs`, seen at `nowMs`:
 * ms from now. The lead time is a fifth of the remaining lifetime, between 5 s and
 * 60 s, so a 15-minute token is refreshed a minute early and a short one still in
 * time. Never negative: an already (nearly) expired token is refreshed at once.
 */
export function refreshDelay(expiresAtMs: number, nowMs: number): number {
  const remaining = expiresAtMs - nowMs;
  const lead = Math.min(60_000, Math.max(5_000, remaining / 5));
  return Math.max(0, Math.floor(remaining - lead));
}

/** The socket is considered dead when a `ping` gets no `pong` within this time. */
export const PONG_TIMEOUT_MS = 10_000;
/** How often the client pings an otherwise quiet socket. */
export const PING_INTERVAL_MS = 25_000;
/** A typing indicator with no news for this long is dropped (the server's `false` may be lost). */
export const TYPING_TTL_MS = 7_000;
/** While the user types, `typing: true` is repeated this often. */
export const TYPING_REPEAT_MS = 2_500;
/** Without a keystroke for this long, `typing: false` is sent. */
export const TYPING_IDLE_MS = 4_000;
