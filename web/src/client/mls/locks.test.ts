// The group lock: Web Locks when present, an in-page queue otherwise.

import { describe, expect, it } from 'vitest';
import { withGroupLock, type LockManagerLike } from './locks';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('withGroupLock', () => {
  it('serialises the operations of one room (in-page queue)', async () => {
    const log: string[] = [];
    const gate = deferred();
    const first = withGroupLock(
      1,
      async () => {
        log.push('first start');
        await gate.promise;
        log.push('first end');
        return 1;
      },
      undefined,
    );
    const second = withGroupLock(
      1,
      async () => {
        log.push('second');
        return 2;
      },
      undefined,
    );
    await new Promise((r) => setTimeout(r, 5));
    expect(log).toEqual(['first start']);
    gate.resolve();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(log).toEqual(['first start', 'first end', 'second']);
  });

  it('does not make other rooms wait', async () => {
    const gate = deferred();
    const blocked = withGroupLock(2, () => gate.promise, undefined);
    let other = false;
    await withGroupLock(3, async () => void (other = true), undefined);
    expect(other).toBe(true);
    gate.resolve();
    await blocked;
  });

  it('goes on after a failed operation', async () => {
    const failed = withGroupLock(4, async () => Promise.reject(new Error('boom')), undefined);
    const next = withGroupLock(4, async () => 'ran', undefined);
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('ran');
  });

  it('falls back to the in-page queue by itself where navigator.locks is missing', async () => {
    expect(typeof navigator === 'undefined' || !('locks' in navigator)).toBe(true);
    const order: number[] = [];
    const gate = deferred();
    const a = withGroupLock(5, async () => {
      await gate.promise;
      order.push(1);
    });
    const b = withGroupLock(5, async () => void order.push(2));
    gate.resolve();
    await Promise.all([a, b]);
    expect(order).toEqual([1, 2]);
  });

  it('uses the Web Locks API with the room lock name when present', async () => {
    const names: string[] = [];
    const locks: LockManagerLike = {
      request: async (name, callback) => {
        names.push(name);
        return callback({ name, mode: 'exclusive' });
      },
    };
    expect(await withGroupLock(42, async () => 'locked', locks)).toBe('locked');
    expect(names).toEqual(['confab-mls-room-42']);
  });
});
