// Object URLs for files the page shows. Downloads need the access token, so an
// `<img src>` cannot point at the API: the bytes are fetched with the token and shown
// through `URL.createObjectURL(blob)` (the CSP allows `img-src blob:`).
//
// `ObjectUrlCache` keeps those URLs per key (a file id and what of it: thumbnail,
// avatar, full image): whoever shows one `acquire`s it and `release`s it when it is
// no longer on screen. Loads of one key are shared; a URL nobody holds stays cached
// (scrolling back shows it at once) until the cache is over its capacity, when the
// least recently used ones are revoked. A failed load is forgotten, so the next
// acquire tries again. `clear` revokes everything (at sign-out).

export interface ObjectUrls {
  create(blob: Blob): string;
  revoke(url: string): void;
}

export const browserObjectUrls: ObjectUrls = {
  create: (blob) => URL.createObjectURL(blob),
  revoke: (url) => URL.revokeObjectURL(url),
};

interface Entry {
  url: string | null;
  promise: Promise<string>;
  refs: number;
  used: number;
  /** Bumped by clear(): a load that finishes after it must not be cached. */
  generation: number;
}

export class ObjectUrlCache {
  private readonly entries = new Map<string, Entry>();
  private clock = 0;
  private generation = 0;

  constructor(
    private readonly urls: ObjectUrls,
    /** URLs kept while nobody shows them. */
    private readonly capacity: number,
  ) {}

  /** The URL for `key` if it is loaded already (to draw it without a flash). */
  peek(key: string): string | null {
    return this.entries.get(key)?.url ?? null;
  }

  /**
   * The object URL of `key`, loading it with `load` unless it is cached or loading.
   * The caller holds it until it calls the answer's `release` (once; more calls do
   * nothing).
   */
  acquire(key: string, load: () => Promise<Blob>): { url: Promise<string>; release: () => void } {
    let entry = this.entries.get(key);
    if (entry) {
      entry.refs += 1;
      entry.used = ++this.clock;
    } else {
      entry = this.load(key, load);
    }
    const held = entry;
    let released = false;
    return {
      url: held.promise,
      release: () => {
        if (released) return;
        released = true;
        held.refs = Math.max(0, held.refs - 1);
        held.used = ++this.clock;
        this.trim();
      },
    };
  }

  private load(key: string, load: () => Promise<Blob>): Entry {
    const generation = this.generation;
    const entry: Entry = { url: null, promise: Promise.resolve(''), refs: 1, used: ++this.clock, generation };
    entry.promise = load().then(
      (blob) => {
        const url = this.urls.create(blob);
        if (entry.generation !== this.generation) {
          // Cleared (signed out) while loading: nothing may keep it.
          this.urls.revoke(url);
          return url;
        }
        // (Loading entries are never evicted: `trim` only drops loaded ones.)
        entry.url = url;
        this.trim();
        return url;
      },
      (error: unknown) => {
        // Forgotten, so that the next acquire tries again.
        if (this.entries.get(key) === entry) this.entries.delete(key);
        throw error;
      },
    );
    this.entries.set(key, entry);
    return entry;
  }

  /** How many keys hold a URL or are loading. */
  get size(): number {
    return this.entries.size;
  }

  /** Revokes every URL (sign-out); URLs still on screen stop working. */
  clear(): void {
    this.generation += 1;
    for (const entry of this.entries.values()) if (entry.url) this.urls.revoke(entry.url);
    this.entries.clear();
  }

  /** Revokes the least recently used URLs nobody holds, down to the capacity. */
  private trim(): void {
    if (this.entries.size <= this.capacity) return;
    const idle = [...this.entries.entries()].filter(([, e]) => e.refs === 0 && e.url !== null).sort((a, b) => a[1].used - b[1].used);
    for (const [key, entry] of idle) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(key);
      if (entry.url) this.urls.revoke(entry.url);
    }
  }
}

/**
 * Which copy of a file to show: its thumbnail, the whole file, an avatar image, or the
 * picture of a link preview (whose "id" is `previewImageId`'s).
 */
export type FileView = 'thumbnail' | 'full' | 'avatar' | 'preview';

/** The API path of a file's bytes, or of its thumbnail's. */
export function filePath(id: string, thumbnail: boolean): string {
  return `/files/${encodeURIComponent(id)}${thumbnail ? '/thumbnail' : ''}`;
}

/**
 * The id under which the picture of a message's link preview is cached. It names the
 * link too: an edit that links elsewhere brings a new preview, whose picture must not
 * be the old one's.
 */
export function previewImageId(roomId: number, seq: number, url: string): string {
  return `${roomId}/${seq}/${url}`;
}

/** The API path of what `id` names in `view`. */
function viewPath(id: string, view: FileView): string {
  if (view !== 'preview') return filePath(id, view === 'thumbnail');
  const [roomId, seq] = id.split('/', 2);
  return `/rooms/${roomId}/messages/${seq}/preview/image`;
}

/**
 * The object URLs of the files on screen, in two caches: thumbnails, avatars and
 * preview pictures are many and small, so many are kept; full images (the viewer)
 * are large, so few are.
 */
export class ShownFiles {
  private readonly small: ObjectUrlCache;
  private readonly large: ObjectUrlCache;

  constructor(
    urls: ObjectUrls,
    /** The bytes at an API path, fetched with the token. */
    private readonly load: (path: string) => Promise<Blob>,
  ) {
    this.small = new ObjectUrlCache(urls, 300);
    this.large = new ObjectUrlCache(urls, 4);
  }

  acquire(id: string, view: FileView): { url: Promise<string>; release: () => void } {
    return this.cache(view).acquire(`${view}:${id}`, () => this.load(viewPath(id, view)));
  }

  peek(id: string, view: FileView): string | null {
    return this.cache(view).peek(`${view}:${id}`);
  }

  clear(): void {
    this.small.clear();
    this.large.clear();
  }

  private cache(view: FileView): ObjectUrlCache {
    return view === 'full' ? this.large : this.small;
  }
}
