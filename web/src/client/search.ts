// Message search (`GET /api/v1/search`, docs/protocol.md "Search") as state that the
// search screen draws: the query and the filters, the hits so far with the cursor of
// the next page, and what went wrong.
//
// - Typing searches after a pause (SEARCH_DEBOUNCE_MS); Enter and a change of filter
//   search at once.
// - A new search aborts the request of the previous one, and an answer that still
//   arrives for it is dropped: the hits always belong to what the box says.
// - Pages are appended by `next_before`; a hit already listed is not listed twice.
// - `rate_limited` waits for the server's Retry-After, then searches again by itself.
//
// The server searches only the rooms I am a member of now, and never the end-to-end
// encrypted ones (it cannot read them); the screen says so.

import { ApiError, asSentence, type Timers } from './rest';
import type { EventId, RoomId, SearchHit, SearchResults, UserId } from './types';

/** How long typing must pause before the query is sent. */
export const SEARCH_DEBOUNCE_MS = 300;
/** Hits per page. */
export const SEARCH_PAGE = 20;

export interface SearchFilters {
  roomId?: RoomId;
  senderId?: UserId;
  /** true: only messages with files; false: only messages without; absent: both. */
  hasAttachment?: boolean;
  /** The first day to search (`YYYY-MM-DD`, the browser's time zone). */
  since?: string;
  /** The last day to search, included (`YYYY-MM-DD`). */
  until?: string;
}

export interface SearchError {
  message: string;
  /** Whether trying again can help (not for a query the server refuses). */
  retryable: boolean;
  /** Searching too fast: when it searches again by itself (ms since the epoch). */
  retryAt?: number;
}

export interface SearchView {
  query: string;
  filters: SearchFilters;
  /** `idle`: nothing to search for; `done`: `hits` answer the query. */
  status: 'idle' | 'searching' | 'done' | 'error';
  hits: SearchHit[];
  /** The cursor of the next (older) page; null when there is none. */
  nextBefore: EventId | null;
  loadingMore: boolean;
  /** Why the search, or the next page, failed. */
  error: SearchError | null;
}

export const emptySearch: SearchView = { query: '', filters: {}, status: 'idle', hits: [], nextBefore: null, loadingMore: false, error: null };

export interface SearchDeps {
  /** A GET of the REST API, cancelled through `signal`. */
  get: (path: string, signal: AbortSignal) => Promise<SearchResults>;
  timers: Timers;
  /** Called with each page of hits (to look up who sent them). */
  onHits?: (hits: SearchHit[]) => void;
}

/** The start of a local calendar day, `days` after `day` (`YYYY-MM-DD`), as RFC 3339. */
export function dayStart(day: string, days = 0): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days).toISOString();
}

/** The request for one page of hits. */
export function searchPath(query: string, filters: SearchFilters, before?: EventId, limit = SEARCH_PAGE): string {
  const params = new URLSearchParams({ q: query.trim() });
  if (filters.roomId !== undefined) params.set('room_id', String(filters.roomId));
  if (filters.senderId !== undefined) params.set('sender_id', String(filters.senderId));
  if (filters.hasAttachment !== undefined) params.set('has_attachment', String(filters.hasAttachment));
  const since = filters.since ? dayStart(filters.since) : undefined;
  if (since) params.set('since', since);
  // The last day is included: up to the start of the next.
  const until = filters.until ? dayStart(filters.until, 1) : undefined;
  if (until) params.set('until', until);
  if (before !== undefined) params.set('before', String(before));
  params.set('limit', String(limit));
  return `/search?${params.toString()}`;
}

/** Whether any filter is set (the screen offers to clear them). */
export function filtering(filters: SearchFilters): boolean {
  return Object.values(filters).some((v) => v !== undefined && v !== '');
}

export class Search {
  private view: SearchView = emptySearch;
  private readonly listeners = new Set<() => void>();
  private debounce: unknown = null;
  private retryTimer: unknown = null;
  private controller: AbortController | null = null;
  /** Changes with every new search: the answers of an older one are dropped. */
  private generation = 0;

  constructor(private readonly deps: SearchDeps) {}

  getView = (): SearchView => this.view;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The text in the search box: searched once typing pauses. */
  setQuery(query: string): void {
    if (query === this.view.query) return;
    this.update({ query });
    this.cancelTimers();
    if (!query.trim()) {
      this.stop();
      return;
    }
    this.debounce = this.deps.timers.setTimeout(() => {
      this.debounce = null;
      void this.run();
    }, SEARCH_DEBOUNCE_MS);
  }

  /** Changes the filters; searches again at once. */
  setFilters(filters: SearchFilters): void {
    this.update({ filters });
    if (this.view.query.trim()) void this.run();
  }

  /** Searches now (Enter in the box). */
  submit(): void {
    if (this.view.query.trim()) void this.run();
  }

  /** Tries the failed request again: the search, or the next page. */
  retry(): void {
    if (this.view.status === 'error') void this.run();
    else if (this.view.error) void this.more();
  }

  /** Loads the next (older) page of hits, if there is one and none is loading. */
  loadMore(): void {
    if (this.view.status !== 'done' || this.view.nextBefore === null || this.view.loadingMore) return;
    void this.more();
  }

  /** Forgets the query, the filters and the hits (the search screen closed, or sign-out). */
  clear(): void {
    this.cancelTimers();
    this.stop();
    this.view = emptySearch;
    this.emit();
  }

  private async run(): Promise<void> {
    this.cancelTimers();
    const { query, filters } = this.view;
    const [generation, signal] = this.begin();
    this.update({ status: 'searching', error: null, loadingMore: false });
    try {
      const page = await this.deps.get(searchPath(query, filters), signal);
      if (generation !== this.generation) return;
      this.update({ status: 'done', hits: page.hits, nextBefore: page.next_before ?? null });
      this.deps.onHits?.(page.hits);
    } catch (error) {
      if (generation !== this.generation) return;
      this.update({ status: 'error', hits: [], nextBefore: null, error: this.failure(error, () => void this.run()) });
    }
  }

  private async more(): Promise<void> {
    const { query, filters, nextBefore } = this.view;
    if (nextBefore === null) return;
    this.cancelTimers();
    const [generation, signal] = this.begin();
    this.update({ loadingMore: true, error: null });
    try {
      const page = await this.deps.get(searchPath(query, filters, nextBefore), signal);
      if (generation !== this.generation) return;
      // Messages sent meanwhile do not shift the cursor, but a hit that comes twice
      // (an edited message, say) is listed once.
      const seen = new Set(this.view.hits.map((h) => h.event_id));
      const fresh = page.hits.filter((h) => !seen.has(h.event_id));
      this.update({ hits: [...this.view.hits, ...fresh], nextBefore: page.next_before ?? null, loadingMore: false });
      this.deps.onHits?.(fresh);
    } catch (error) {
      if (generation !== this.generation) return;
      this.update({ loadingMore: false, error: this.failure(error, () => void this.more()) });
    }
  }

  /** Starts a request: aborts the one running, and makes older answers stale. */
  private begin(): [number, AbortSignal] {
    this.controller?.abort();
    this.controller = new AbortController();
    this.generation += 1;
    return [this.generation, this.controller.signal];
  }

  /** Cancels the running request and drops its answer; nothing to search for. */
  private stop(): void {
    this.controller?.abort();
    this.controller = null;
    this.generation += 1;
    this.update({ status: 'idle', hits: [], nextBefore: null, loadingMore: false, error: null });
  }

  private failure(error: unknown, again: () => void): SearchError {
    if (error instanceof ApiError && error.code === 'rate_limited') {
      const wait = Math.max(1, error.retryAfterSecs ?? 1) * 1000;
      this.retryTimer = this.deps.timers.setTimeout(() => {
        this.retryTimer = null;
        again();
      }, wait);
      return { message: 'Searching too fast.', retryable: true, retryAt: this.deps.timers.now() + wait };
    }
    if (error instanceof ApiError && error.code === 'invalid_input') return { message: sentence(error.message), retryable: false };
    if (error instanceof ApiError) return { message: `Search failed: ${error.message}.`, retryable: true };
    return { message: 'Could not search; check your connection.', retryable: true };
  }

  private cancelTimers(): void {
    if (this.debounce !== null) this.deps.timers.clearTimeout(this.debounce);
    if (this.retryTimer !== null) this.deps.timers.clearTimeout(this.retryTimer);
    this.debounce = null;
    this.retryTimer = null;
  }

  private update(change: Partial<SearchView>): void {
    this.view = { ...this.view, ...change };
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

/** The server's message as a sentence. */
function sentence(text: string): string {
  return asSentence(text) || 'The query cannot be searched.';
}
