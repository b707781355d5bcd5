import { describe, expect, it } from 'vitest';
import { ObjectUrlCache, previewImageId, ShownFiles } from './media';
import { settle } from './testing';

/** Object URLs as the browser makes them, with a record of what was revoked. */
function urls() {
  let n = 0;
  const live = new Set<string>();
  const revoked: string[] = [];
  return {
    live,
    revoked,
    create: (_blob: Blob) => {
      const url = `blob:test/${++n}`;
      live.add(url);
      return url;
    },
    revoke: (url: string) => {
      live.delete(url);
      revoked.push(url);
    },
  };
}

/** A load the test finishes by hand. */
function deferred() {
  let resolve!: (b: Blob) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<Blob>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ObjectUrlCache', () => {
  it('loads a key once for everyone who shows it, and keeps it for the next', async () => {
    const u = urls();
    const cache = new ObjectUrlCache(u, 10);
    let loads = 0;
    const load = async () => {
      loads += 1;
      return new Blob(['x']);
    };
    const a = cache.acquire('thumbnail:f1', load);
    const b = cache.acquire('thumbnail:f1', load);
    expect(await a.url).toBe('blob:test/1');
    expect(await b.url).toBe('blob:test/1');
    expect(loads).toBe(1);
    a.release();
    b.release();
    // Off screen but cached: shown again at once, without loading.
    expect(cache.peek('thumbnail:f1')).toBe('blob:test/1');
    const c = cache.acquire('thumbnail:f1', load);
    expect(await c.url).toBe('blob:test/1');
    expect(loads).toBe(1);
    expect(u.revoked).toEqual([]);
  });

  it('revokes the least recently shown URLs nobody holds once over capacity', async () => {
    const u = urls();
    const cache = new ObjectUrlCache(u, 2);
    const load = async () => new Blob(['x']);
    const one = cache.acquire('a', load);
    const two = cache.acquire('b', load);
    await Promise.all([one.url, two.url]);
    one.release();
    two.release();
    const three = cache.acquire('c', load);
    await three.url;
    // 'a' was released first: it goes; 'b' stays for a quick return.
    expect(u.revoked).toEqual(['blob:test/1']);
    expect(cache.peek('a')).toBeNull();
    expect(cache.peek('b')).toBe('blob:test/2');

    // Held URLs are never revoked, even far over capacity.
    const held = ['d', 'e', 'f'].map((k) => cache.acquire(k, load));
    await Promise.all(held.map((h) => h.url));
    expect(u.live.has('blob:test/3')).toBe(true);
    expect([...u.live].length).toBeGreaterThanOrEqual(4);
    for (const h of held) h.release();
    three.release();
    expect(cache.size).toBe(2);
  });

  it('counts a release once, however often it is called', async () => {
    const u = urls();
    const cache = new ObjectUrlCache(u, 0);
    const load = async () => new Blob(['x']);
    const first = cache.acquire('k', load);
    const second = cache.acquire('k', load);
    await first.url;
    first.release();
    first.release();
    expect(u.revoked).toEqual([]); // the second holder still shows it
    second.release();
    expect(u.revoked).toEqual(['blob:test/1']);
  });

  it('forgets a failed load, so that the next acquire tries again', async () => {
    const u = urls();
    const cache = new ObjectUrlCache(u, 5);
    const failing = deferred();
    const held = cache.acquire('k', () => failing.promise);
    failing.reject(new Error('404'));
    await expect(held.url).rejects.toThrow('404');
    expect(cache.size).toBe(0);
    const retry = cache.acquire('k', async () => new Blob(['x']));
    expect(await retry.url).toBe('blob:test/1');
    // The failed holder's release does not touch the new entry.
    held.release();
    expect(cache.peek('k')).toBe('blob:test/1');
  });

  it('revokes everything at sign-out, and what was still loading as soon as it arrives', async () => {
    const u = urls();
    const cache = new ObjectUrlCache(u, 5);
    const done = cache.acquire('a', async () => new Blob(['x']));
    await done.url;
    const slow = deferred();
    const loading = cache.acquire('b', () => slow.promise);
    cache.clear();
    expect(u.revoked).toEqual(['blob:test/1']);
    slow.resolve(new Blob(['y']));
    await loading.url;
    await settle();
    expect(u.live.size).toBe(0);
    expect(cache.size).toBe(0);
  });
});

describe('ShownFiles', () => {
  it('loads files, thumbnails and link preview pictures from their API paths, a preview per link', async () => {
    const paths: string[] = [];
    const shown = new ShownFiles(urls(), (path) => {
      paths.push(path);
      return Promise.resolve(new Blob(['x']));
    });
    await shown.acquire('f 1', 'thumbnail').url;
    await shown.acquire('f 1', 'full').url;
    await shown.acquire(previewImageId(9, 3, 'https://example.com/a/b'), 'preview').url;
    // Another link of the same message (after an edit) is another picture.
    await shown.acquire(previewImageId(9, 3, 'https://example.com/c'), 'preview').url;
    await shown.acquire(previewImageId(9, 3, 'https://example.com/c'), 'preview').url;
    expect(paths).toEqual(['/files/f%201/thumbnail', '/files/f%201', '/rooms/9/messages/3/preview/image', '/rooms/9/messages/3/preview/image']);
  });
});
