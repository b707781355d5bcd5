// The channel directory (`/channels`): the server's public groups, most members first,
// searched by name and topic, with Join (or Open, for those I am in). It takes the
// conversation's place, like Settings.

import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../client/client';
import { DIRECTORY_PAGE } from '../client/rooms';
import type { ChannelEntry } from '../client/types';
import { Avatar } from './Avatar';
import { BackButton, CloseButton } from './BackButton';
import { formatListTime, useClient } from './hooks';
import './channels.css';

/** How long typing pauses before the directory is searched. */
const SEARCH_DELAY_MS = 250;

interface Listing {
  search: string;
  channels: ChannelEntry[];
  total: number;
}

export function ChannelDirectory({ go }: { go: (path: string) => void }) {
  const client = useClient();
  const [search, setSearch] = useState('');
  const [listing, setListing] = useState<Listing | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [joining, setJoining] = useState<number | null>(null);
  // Answers to an older search that arrive late are dropped.
  const latest = useRef('');

  const load = (query: string, offset: number) => {
    latest.current = query;
    setLoading(true);
    setError(null);
    client.rooms
      .directory(query, offset)
      .then((page) => {
        if (latest.current !== query) return;
        setListing((before) => ({
          search: query,
          channels: offset > 0 && before?.search === query ? [...before.channels, ...page.channels] : page.channels,
          total: page.total,
        }));
      })
      .catch((e: unknown) => {
        if (latest.current === query) setError(e instanceof ApiError ? e.message : 'Could not load the channels; check your connection.');
      })
      .finally(() => {
        if (latest.current === query) setLoading(false);
      });
  };

  useEffect(() => {
    const timer = setTimeout(() => load(search, 0), search ? SEARCH_DELAY_MS : 0);
    return () => clearTimeout(timer);
    // `load` is stable in what it does; only the search starts a new listing.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);

  const join = (channel: ChannelEntry) => {
    setJoining(channel.room_id);
    setError(null);
    client.rooms
      .join(channel.room_id)
      .then(() => go(`/rooms/${channel.room_id}`))
      .catch((e: unknown) => setError(e instanceof ApiError && e.code === 'not_found' ? `“${channel.name}” is no longer public.` : e instanceof ApiError ? e.message : 'Could not join; try again.'))
      .finally(() => setJoining(null));
  };

  const channels = listing?.channels ?? [];
  const more = listing !== null && channels.length < listing.total;
  return (
    <section className="settings channels" aria-labelledby="channels-title">
      <header className="conversation__header">
        <BackButton onBack={() => go('/')} />
        <h1 id="channels-title">Browse channels</h1>
        <CloseButton label="Close channels" onClose={() => go('/')} />
      </header>
      <div className="channels__body">
        <input type="search" className="channels__search" placeholder="Search channels by name or topic" aria-label="Search channels" value={search} onChange={(e) => setSearch(e.target.value)} maxLength={100} />
        <p className="muted small" role="status">
          {listing === null ? 'Loading…' : listing.total === 0 ? '' : listing.search ? `${listing.total} ${listing.total === 1 ? 'channel matches' : 'channels match'} “${listing.search}”` : `${listing.total} ${listing.total === 1 ? 'channel' : 'channels'}`}
        </p>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {listing !== null && listing.total === 0 && (
          <p className="muted center">
            {listing.search ? `No public channel matches “${listing.search}”.` : 'No public channels yet. Make one with + → New group → Who can join: Anyone on this server.'}
          </p>
        )}
        <ul className="channels__list" aria-label="Public channels">
          {channels.map((c) => (
            <li key={c.room_id} className="channel">
              <Avatar id={-c.room_id} name={c.name} fileId={c.avatar_file_id} />
              <div className="channel__text">
                <span className="channel__name">
                  <span className="ellipsis">{c.name}</span>
                  {c.posting === 'admins' && <span className="channel__badge">Announcements</span>}
                </span>
                {c.topic && <span className="channel__topic">{c.topic}</span>}
                <span className="muted small">
                  {c.member_count === 1 ? '1 member' : `${c.member_count} members`} · active {formatListTime(c.last_activity_at)}
                </span>
              </div>
              {c.joined ? (
                <button type="button" className="btn btn--sm" onClick={() => go(`/rooms/${c.room_id}`)} aria-label={`Open ${c.name}`}>
                  Open
                </button>
              ) : (
                <button type="button" className="btn btn--primary btn--sm" disabled={joining !== null} onClick={() => join(c)} aria-label={`Join ${c.name}`}>
                  {joining === c.room_id ? 'Joining…' : 'Join'}
                </button>
              )}
            </li>
          ))}
        </ul>
        {more && (
          <button type="button" className="btn channels__more" disabled={loading} onClick={() => load(listing.search, channels.length)}>
            {loading ? 'Loading…' : `Show ${Math.min(DIRECTORY_PAGE, listing.total - channels.length)} more`}
          </button>
        )}
      </div>
    </section>
  );
}
