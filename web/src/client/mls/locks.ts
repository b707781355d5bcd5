// One MLS operation at a time per group, across the tabs of this browser: two tabs
// processing the same room from the same saved state would fork it. The Web Locks
// API (`navigator.locks`) gives an exclusive lock named `confab-mls-room-{roomId}`
// held for the whole of `fn` (load state, process, `put`, acknowledge); where it is
// missing (tests, old browsers) an in-page queue serialises within the page only.

/** The part of the Web Locks API used here (tests pass a fake). */
export interface LockManagerLike {
  request<T>(name: string, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier call with the same name has settled (in this page). */
function inPage<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const before = queues.get(name) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(name, tail);
  void tail.then(() => {
    if (queues.get(name) === tail) queues.delete(name);
  });
  return run;
}

function browserLocks(): LockManagerLike | undefined {
  return typeof navigator === 'undefined' || !('locks' in navigator) ? undefined : navigator.locks;
}

export function groupLockName(roomId: number): string {
  return `confab-mls-room-${roomId}`;
}

/**
 * Runs `fn` holding the lock of a room's group, exclusively across tabs where the
 * browser has Web Locks. Resolves or rejects as `fn` does; the lock is released
 * either way.
 */
export function withGroupLock<T>(roomId: number, fn: () => Promise<T>, locks: LockManagerLike | undefined = browserLocks()): Promise<T> {
  const name = groupLockName(roomId);
  return locks ? locks.request(name, () => fn()) : inPage(name, fn);
}
