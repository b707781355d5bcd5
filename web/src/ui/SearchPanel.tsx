// Message search: the box, the filters and the hits (client/search.ts holds the
// state). It takes the place of the conversation list: the whole screen on a phone,
// the list's column on a desktop, so that hits stay beside the conversation they
// open. Keyboard: type, arrows through the hits, Enter opens one, Escape closes;
// `/` or Ctrl+K (⌘K) opens it from anywhere.

import { useEffect, useRef, useState, useSyncExternalStore, type KeyboardEvent } from 'react';
import { filtering, type SearchView } from '../client/search';
import { roomTitle, type State } from '../client/state';
import type { SearchHit } from '../client/types';
import { Avatar } from './Avatar';
import { formatListTime, useChatState, useClient, userAvatarFile } from './hooks';
import { SearchFilterBar } from './SearchFilters';
import './search.css';

/** How near the end of the hits (in pixels) scrolling loads the next page. */
const MORE_MARGIN = 300;

export function useSearchView(): SearchView {
  const client = useClient();
  return useSyncExternalStore(client.search.subscribe, client.search.getView);
}

/** Calls `open` on `/` (outside text fields) and on Ctrl+K or ⌘K (anywhere). */
export function useSearchShortcut(open: () => void): void {
  const latest = useRef(open);
  useEffect(() => {
    latest.current = open;
  });
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const typing = target?.closest('input, textarea, select, [contenteditable="true"]') != null;
      const slash = e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey;
      const ctrlK = e.key.toLowerCase() === 'k' && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey;
      if (!slash && !ctrlK) return;
      e.preventDefault();
      latest.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** The note about encrypted rooms, when it applies to this search. */
function encryptedNote(state: State, roomId: number | undefined): string | null {
  if (roomId !== undefined) return state.rooms[roomId]?.room.encrypted ? 'This conversation is end-to-end encrypted: its messages are not searched.' : null;
  return Object.values(state.rooms).some((r) => r.room.encrypted) ? 'Messages in end-to-end encrypted rooms are not searched.' : null;
}

function hitId(hit: SearchHit): string {
  return `search-hit-${hit.event_id}`;
}

export function SearchPanel({ close, go, focusKey }: { close: () => void; go: (path: string) => void; focusKey: number }) {
  const client = useClient();
  const state = useChatState();
  const view = useSearchView();
  const [showFilters, setShowFilters] = useState(() => filtering(view.filters));
  const [active, setActive] = useState(-1);
  const [opened, setOpened] = useState<number | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const { hits, status, error, filters } = view;
  const activeHit = hits[Math.min(active, hits.length - 1)];

  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, [focusKey]);

  // New hits: nothing is picked until the arrows pick one.
  const first = hits[0]?.event_id;
  useEffect(() => setActive(-1), [first, view.query]);

  const finish = () => {
    client.search.clear();
    close();
  };

  // The room opens at the message as a notification's link does (App hands `?seq=`
  // to ChatClient.openRoomAt).
  const open = (hit: SearchHit) => {
    setOpened(hit.event_id);
    go(`/rooms/${hit.room_id}?seq=${hit.seq}`);
  };

  const move = (to: number) => {
    const next = Math.max(0, Math.min(hits.length - 1, to));
    setActive(next);
    const hit = hits[next];
    if (hit) document.getElementById(hitId(hit))?.scrollIntoView({ block: 'nearest' });
    if (next >= hits.length - 3) client.search.loadMore();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (hits.length === 0) return;
      e.preventDefault();
      move(active < 0 ? 0 : active + (e.key === 'ArrowDown' ? 1 : -1));
    } else if (e.key === 'Enter' && !e.nativeEvent.isComposing) {
      e.preventDefault();
      if (activeHit && active >= 0) open(activeHit);
      else client.search.submit();
    }
  };

  const onScroll = () => {
    const el = list.current?.parentElement;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < MORE_MARGIN) client.search.loadMore();
  };

  const note = encryptedNote(state, filters.roomId);
  const count = Object.keys(filters).length;
  const query = view.query.trim();
  const waitSecs = error?.retryAt ? Math.max(1, Math.ceil((error.retryAt - Date.now()) / 1000)) : 0;

  return (
    <section
      className="search"
      aria-label="Search messages"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !e.defaultPrevented) {
          e.preventDefault();
          finish();
        }
      }}
    >
      <header className="search__header">
        <button type="button" className="btn btn--ghost btn--icon" onClick={finish} aria-label="Close search" title="Close search (Esc)">
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <path d="M15 5l-7 7 7 7" className="stroke" />
          </svg>
        </button>
        <div className="search__box">
          <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" className="search__icon">
            <circle cx="10.5" cy="10.5" r="6" className="stroke" />
            <path d="M15 15l5 5" className="stroke" />
          </svg>
          <input
            ref={input}
            type="search"
            placeholder="Search messages"
            aria-label="Search messages"
            role="combobox"
            aria-expanded={hits.length > 0}
            aria-controls="search-results"
            aria-autocomplete="list"
            aria-activedescendant={activeHit && active >= 0 ? hitId(activeHit) : undefined}
            enterKeyHint="search"
            value={view.query}
            onChange={(e) => client.search.setQuery(e.target.value)}
            onKeyDown={onKeyDown}
          />
        </div>
        <button
          type="button"
          className={`btn btn--ghost btn--icon search__filter-btn${count > 0 ? ' search__filter-btn--on' : ''}`}
          aria-expanded={showFilters}
          aria-controls="search-filters"
          aria-label={count > 0 ? `Filters, ${count} set` : 'Filters'}
          title="Filters"
          onClick={() => setShowFilters(!showFilters)}
        >
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <path d="M4 6h16M7 12h10M10 18h4" className="stroke" />
          </svg>
          {count > 0 && <span className="search__count">{count}</span>}
        </button>
      </header>
      {showFilters && (
        <div id="search-filters" className="search__filters">
          <SearchFilterBar state={state} filters={filters} onChange={(f) => client.search.setFilters(f)} />
          {count > 0 && (
            <button type="button" className="link small" onClick={() => client.search.setFilters({})}>
              Clear filters
            </button>
          )}
        </div>
      )}
      {note && (
        <p className="search__note">
          <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true">
            <rect x="5" y="10.5" width="14" height="9.5" rx="2" className="stroke" />
            <path d="M8.5 10.5V8a3.5 3.5 0 0 1 7 0v2.5" className="stroke" />
          </svg>
          <span>{note}</span>
        </p>
      )}
      <div className="search__results" onScroll={onScroll}>
        <p className="sr-only" role="status" aria-live="polite">
          {status === 'searching' ? 'Searching' : status === 'done' ? (hits.length === 0 ? 'No results' : `${hits.length}${view.nextBefore !== null ? ' or more' : ''} results`) : ''}
        </p>
        {status === 'idle' && (
          <div className="search__empty">
            <p className="search__empty-title">Search your conversations</p>
            <p>Every word you type must appear in a message. Narrow it down with the filters.</p>
            <p className="small search__keys">
              Press <kbd>/</kbd> or <kbd>Ctrl</kbd> <kbd>K</kbd> to search from anywhere.
            </p>
          </div>
        )}
        {status === 'searching' && hits.length === 0 && <p className="search__empty">Searching…</p>}
        {status === 'done' && hits.length === 0 && (
          <div className="search__empty">
            <p className="search__empty-title">No messages match “{query}”</p>
            {count > 0 ? (
              <button type="button" className="btn btn--sm" onClick={() => client.search.setFilters({})}>
                Search without filters
              </button>
            ) : (
              <p>Check the spelling, or try fewer words.</p>
            )}
          </div>
        )}
        {status === 'error' && error && <SearchErrorLine message={error.message} retry={error.retryable ? () => client.search.retry() : undefined} waitSecs={waitSecs} />}
        {hits.length > 0 && (
          <ul className={`hits${status === 'searching' ? ' hits--stale' : ''}`} id="search-results" role="listbox" aria-label="Results" ref={list}>
            {hits.map((hit, i) => (
              <HitItem key={hit.event_id} hit={hit} state={state} active={i === active} current={hit.event_id === opened} onOpen={() => open(hit)} onHover={() => setActive(i)} />
            ))}
          </ul>
        )}
        {status === 'done' && hits.length > 0 && error && <SearchErrorLine message={error.message} retry={error.retryable ? () => client.search.retry() : undefined} waitSecs={waitSecs} />}
        {status === 'done' && view.nextBefore !== null && !error && (
          <p className="center">
            <button type="button" className="btn btn--sm" onClick={() => client.search.loadMore()} disabled={view.loadingMore}>
              {view.loadingMore ? 'Loading…' : 'Load more results'}
            </button>
          </p>
        )}
        {status === 'done' && hits.length > 0 && view.nextBefore === null && <p className="muted center small">No more results.</p>}
      </div>
    </section>
  );
}

function SearchErrorLine({ message, retry, waitSecs }: { message: string; retry?: () => void; waitSecs: number }) {
  return (
    <p className="search__error" role="alert">
      {message}
      {waitSecs > 0 ? ` Trying again in ${waitSecs} s.` : ''}{' '}
      {retry && (
        <button type="button" className="link" onClick={retry}>
          Try again
        </button>
      )}
    </p>
  );
}

function HitItem({ hit, state, active, current, onOpen, onHover }: { hit: SearchHit; state: State; active: boolean; current: boolean; onOpen: () => void; onHover: () => void }) {
  const fullName = state.users[hit.sender_id]?.display_name ?? 'Someone';
  const sender = hit.sender_id === state.me?.id ? 'You' : fullName;
  const room = state.rooms[hit.room_id];
  const where = room ? roomTitle(state, room) : 'A conversation';
  const when = new Date(hit.sent_at);
  return (
    // Picked with the arrow keys in the search box (aria-activedescendant), or clicked.
    <li
      id={hitId(hit)}
      role="option"
      aria-selected={active}
      aria-current={current ? 'true' : undefined}
      className={`hit${active ? ' hit--active' : ''}${current ? ' hit--current' : ''}`}
      onClick={onOpen}
      onMouseMove={active ? undefined : onHover}
    >
      <Avatar id={hit.sender_id} name={fullName} fileId={userAvatarFile(state, hit.sender_id)} />
      <div className="hit__body">
        <div className="hit__top">
          <span className="hit__sender">{sender}</span>
          {room?.room.kind === 'group' || room?.peer !== hit.sender_id ? (
            <span className="hit__room">
              <span className="sr-only"> in </span>
              {where}
            </span>
          ) : null}
          <time className="hit__time" dateTime={hit.sent_at} title={when.toLocaleString()}>
            {formatListTime(hit.sent_at)}
            {when.getFullYear() !== new Date().getFullYear() ? ` ${when.getFullYear()}` : ''}
          </time>
        </div>
        <p className="hit__snippet">
          {hit.has_attachment && (
            <span className="hit__file" role="img" aria-label="Has files" title="Has files">
              <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true">
                <path d="M20 11.5l-7.8 7.8a5 5 0 0 1-7.1-7.1l8.2-8.2a3.4 3.4 0 0 1 4.8 4.8l-8.1 8.1a1.7 1.7 0 0 1-2.4-2.4l7.4-7.4" className="stroke" />
              </svg>
            </span>
          )}
          {hit.snippet.map((part, i) => (part.highlight ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>))}
        </p>
      </div>
    </li>
  );
}
