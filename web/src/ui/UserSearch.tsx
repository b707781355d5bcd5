import { useEffect, useState } from 'react';
import { ApiError } from '../client/client';
import type { Profile } from '../client/types';
import { Avatar } from './Avatar';
import { useChatState, useClient } from './hooks';

/** Username search (`GET /users?prefix=`), excluding me and `exclude`. */
export function UserSearch({ label, onPick, exclude = [] }: { label: string; onPick: (user: Profile) => void; exclude?: number[] }) {
  const client = useClient();
  const me = useChatState().me;
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Profile[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    const q = query.trim().replace(/^@/, '');
    setFailure(null);
    if (!q) {
      setResults([]);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      client
        .searchUsers(q)
        .then((users) => current && setResults(users))
        .catch((err: unknown) => {
          if (!current) return;
          setResults([]);
          setFailure(
            err instanceof ApiError && err.code === 'rate_limited'
              ? `Too many searches; try again in ${err.retryAfterSecs ?? 60} s.`
              : err instanceof ApiError
                ? err.message
                : 'Search failed; check your connection.',
          );
        });
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, query]);
  const shown = results.filter((u) => u.id !== me?.id && !exclude.includes(u.id));
  return (
    <div className="usersearch">
      <input type="search" aria-label={label} placeholder="Search by username" value={query} onChange={(e) => setQuery(e.target.value)} />
      {query.trim() !== '' && (
        <ul className="userlist" aria-label="Search results">
          {shown.map((u) => (
            <li key={u.id}>
              <button
                type="button"
                className="userrow"
                onClick={() => {
                  setQuery('');
                  onPick(u);
                }}
              >
                <Avatar id={u.id} name={u.display_name} size="sm" fileId={u.avatar_file_id} />
                <span>
                  <span className="userrow__name">{u.display_name}</span> <span className="muted">@{u.username}</span>
                </span>
              </button>
            </li>
          ))}
          {failure ? (
            <li className="form-error" role="status">
              {failure}
            </li>
          ) : (
            shown.length === 0 && <li className="muted">No one found. People who are hidden from search are found by their exact username.</li>
          )}
        </ul>
      )}
    </div>
  );
}
