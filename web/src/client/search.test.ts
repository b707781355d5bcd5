import { describe, expect, it } from 'vitest';
import { ApiError } from './rest';
import { dayStart, Search, SEARCH_DEBOUNCE_MS, searchPath } from './search';
import { FakeTimers, settle } from './testing';
import type { SearchHit, SearchResults } from './types';

function hit(eventId: number, text = `hit ${eventId}`): SearchHit {
  return { room_id: 9, seq: eventId, event_id: eventId, sender_id: 2, sent_at: '2026-11-25T10:00:00Z', has_attachment: false, snippet: [{ text }] };
}

/** A search against a fake server whose answers the test releases one by one. */
function setup() {
  const timers = new FakeTimers();
  const requests: { path: string; signal: AbortSignal; resolve: (r: SearchResults) => void; reject: (e: unknown) => void }[] = [];
  const seen: SearchHit[][] = [];
  const search = new Search({
    timers,
    get: (path, signal) => new Promise<SearchResults>((resolve, reject) => requests.push({ path, signal, resolve, reject })),
    onHits: (hits) => seen.push(hits),
  });
  const params = (i: number) => new URLSearchParams(requests[i]?.path.split('?')[1]);
  return { timers, requests, search, seen, params };
}

describe('search', () => {
  it('waits for typing to pause, then sends one request for the last text', () => {
    const { timers, requests, search, params } = setup();
    search.setQuery('h');
    timers.advance(100);
    search.setQuery('ha');
    timers.advance(SEARCH_DEBOUNCE_MS - 1);
    search.setQuery('hallo');
    timers.advance(SEARCH_DEBOUNCE_MS - 1);
    expect(requests).toHaveLength(0);
    timers.advance(1);
    expect(requests).toHaveLength(1);
    expect(params(0).get('q')).toBe('hallo');
    expect(search.getView().status).toBe('searching');
  });

  it('sends nothing for an empty query, and clearing the box drops the hits', async () => {
    const { timers, requests, search } = setup();
    search.setQuery('   ');
    timers.advance(1_000);
    expect(requests).toHaveLength(0);
    search.setQuery('hallo');
    timers.advance(SEARCH_DEBOUNCE_MS);
    requests[0]?.resolve({ hits: [hit(5)] });
    await settle();
    expect(search.getView().hits).toHaveLength(1);
    search.setQuery('');
    expect(search.getView()).toMatchObject({ status: 'idle', hits: [] });
  });

  it('aborts the previous request and ignores its late answer', async () => {
    const { timers, requests, search } = setup();
    search.setQuery('first');
    timers.advance(SEARCH_DEBOUNCE_MS);
    search.setQuery('second');
    timers.advance(SEARCH_DEBOUNCE_MS);
    expect(requests).toHaveLength(2);
    expect(requests[0]?.signal.aborted).toBe(true);
    expect(requests[1]?.signal.aborted).toBe(false);
    requests[1]?.resolve({ hits: [hit(2, 'second')] });
    await settle();
    // The first answer comes after all (the server ignored the abort).
    requests[0]?.resolve({ hits: [hit(1, 'first')] });
    await settle();
    expect(search.getView().hits.map((h) => h.event_id)).toEqual([2]);
    expect(search.getView().status).toBe('done');
  });

  it('ignores an error of a stale request', async () => {
    const { timers, requests, search } = setup();
    search.setQuery('first');
    timers.advance(SEARCH_DEBOUNCE_MS);
    search.setQuery('second');
    timers.advance(SEARCH_DEBOUNCE_MS);
    requests[0]?.reject(new DOMException('aborted', 'AbortError'));
    await settle();
    expect(search.getView()).toMatchObject({ status: 'searching', error: null });
  });

  it('pages with next_before and lists no hit twice', async () => {
    const { timers, requests, search, params, seen } = setup();
    search.setQuery('hallo');
    timers.advance(SEARCH_DEBOUNCE_MS);
    requests[0]?.resolve({ hits: [hit(30), hit(29)], next_before: 29 });
    await settle();
    expect(search.getView().nextBefore).toBe(29);
    search.loadMore();
    search.loadMore(); // already loading: no second request
    expect(requests).toHaveLength(2);
    expect(params(1).get('before')).toBe('29');
    expect(params(1).get('q')).toBe('hallo');
    requests[1]?.resolve({ hits: [hit(29), hit(12)], next_before: 12 });
    await settle();
    expect(search.getView().hits.map((h) => h.event_id)).toEqual([30, 29, 12]);
    requests.length = 0;
    search.loadMore();
    requests[0]?.resolve({ hits: [hit(3)] });
    await settle();
    expect(search.getView()).toMatchObject({ nextBefore: null, loadingMore: false });
    expect(search.getView().hits.map((h) => h.event_id)).toEqual([30, 29, 12, 3]);
    search.loadMore(); // the last page: nothing more to ask for
    expect(requests).toHaveLength(1);
    expect(seen.map((page) => page.map((h) => h.event_id))).toEqual([[30, 29], [12], [3]]);
  });

  it('drops a page that arrives after a new query', async () => {
    const { timers, requests, search } = setup();
    search.setQuery('hallo');
    timers.advance(SEARCH_DEBOUNCE_MS);
    requests[0]?.resolve({ hits: [hit(30)], next_before: 30 });
    await settle();
    search.loadMore();
    search.setQuery('welt');
    timers.advance(SEARCH_DEBOUNCE_MS);
    expect(requests[1]?.signal.aborted).toBe(true);
    requests[1]?.resolve({ hits: [hit(4)] });
    requests[2]?.resolve({ hits: [hit(8)] });
    await settle();
    expect(search.getView().hits.map((h) => h.event_id)).toEqual([8]);
  });

  it('puts the filters into the query string and searches again at once when they change', () => {
    const { timers, requests, search, params } = setup();
    search.setQuery('  Привет мир ');
    timers.advance(SEARCH_DEBOUNCE_MS);
    expect([...params(0).keys()].sort()).toEqual(['limit', 'q']);
    expect(params(0).get('q')).toBe('Привет мир');
    search.setFilters({ roomId: 9, senderId: 2, hasAttachment: false, since: '2026-11-01', until: '2026-11-30' });
    expect(requests).toHaveLength(2);
    expect(requests[0]?.signal.aborted).toBe(true);
    const p = params(1);
    expect(p.get('room_id')).toBe('9');
    expect(p.get('sender_id')).toBe('2');
    expect(p.get('has_attachment')).toBe('false');
    expect(p.get('since')).toBe(new Date(2026, 10, 1).toISOString());
    // The last day is included: until the start of the next one.
    expect(p.get('until')).toBe(new Date(2026, 11, 1).toISOString());
  });

  it('does not search when only the filters are set', () => {
    const { requests, search } = setup();
    search.setFilters({ hasAttachment: true });
    expect(requests).toHaveLength(0);
    expect(search.getView().status).toBe('idle');
  });

  it('encodes the query, and builds paths for any page', () => {
    expect(searchPath('a&b c', {}, 17, 5)).toBe('/search?q=a%26b+c&before=17&limit=5');
    expect(searchPath('x', { since: 'not a day' })).toBe('/search?q=x&limit=20');
    expect(dayStart('2026-02-28', 1)).toBe(new Date(2026, 2, 1).toISOString());
  });

  it('shows the reason a query is refused, without a retry', async () => {
    const { timers, requests, search } = setup();
    search.setQuery('a b c d e f g h i');
    timers.advance(SEARCH_DEBOUNCE_MS);
    requests[0]?.reject(new ApiError(400, 'invalid_input', 'the query has more than 8 words', 'q'));
    await settle();
    expect(search.getView()).toMatchObject({ status: 'error', error: { message: 'The query has more than 8 words.', retryable: false } });
  });

  it('waits out rate limiting, then searches again by itself', async () => {
    const { timers, requests, search } = setup();
    search.setQuery('hallo');
    timers.advance(SEARCH_DEBOUNCE_MS);
    requests[0]?.reject(new ApiError(429, 'rate_limited', 'slow down', undefined, 3));
    await settle();
    const view = search.getView();
    expect(view.status).toBe('error');
    expect(view.error?.retryAt).toBe(timers.now() + 3_000);
    timers.advance(2_999);
    expect(requests).toHaveLength(1);
    timers.advance(1);
    expect(requests).toHaveLength(2);
    requests[1]?.resolve({ hits: [hit(1)] });
    await settle();
    expect(search.getView()).toMatchObject({ status: 'done', error: null });
  });

  it('keeps the hits when a next page fails, and retries that page', async () => {
    const { timers, requests, search, params } = setup();
    search.setQuery('hallo');
    timers.advance(SEARCH_DEBOUNCE_MS);
    requests[0]?.resolve({ hits: [hit(30)], next_before: 30 });
    await settle();
    search.loadMore();
    requests[1]?.reject(new TypeError('network'));
    await settle();
    expect(search.getView()).toMatchObject({ status: 'done', loadingMore: false, error: { retryable: true } });
    expect(search.getView().hits).toHaveLength(1);
    search.retry();
    expect(params(2).get('before')).toBe('30');
  });

  it('a change of query cancels a pending rate-limit retry', async () => {
    const { timers, requests, search } = setup();
    search.setQuery('hallo');
    timers.advance(SEARCH_DEBOUNCE_MS);
    requests[0]?.reject(new ApiError(429, 'rate_limited', 'slow down', undefined, 5));
    await settle();
    search.setQuery('');
    timers.advance(10_000);
    expect(requests).toHaveLength(1);
    expect(search.getView()).toMatchObject({ status: 'idle', error: null });
  });
});
