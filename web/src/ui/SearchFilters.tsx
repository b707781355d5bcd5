// The filters of message search: conversation, sender, files, and a range of days.
// Each change searches again at once (client/search.ts).

import { useId, useMemo } from 'react';
import { roomsByActivity, roomTitle, type State } from '../client/state';
import type { SearchFilters } from '../client/search';
import type { Profile } from '../client/types';

/** Today as `YYYY-MM-DD` in the browser's time zone (the latest day one can pick). */
function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The people one can pick as sender: the room's members when a room is picked, else everyone known. */
function senders(state: State, roomId: number | undefined): Profile[] {
  const members = roomId !== undefined ? state.rooms[roomId]?.members : null;
  const people = members ? members.flatMap((m) => (state.users[m.user_id] ? [state.users[m.user_id] as Profile] : [])) : Object.values(state.users);
  return [...people].sort((a, b) => a.display_name.localeCompare(b.display_name));
}

export function SearchFilterBar({ state, filters, onChange }: { state: State; filters: SearchFilters; onChange: (filters: SearchFilters) => void }) {
  const id = useId();
  const rooms = useMemo(() => roomsByActivity(state), [state]);
  const people = useMemo(() => senders(state, filters.roomId), [state, filters.roomId]);
  const set = (change: Partial<SearchFilters>) => {
    const next: SearchFilters = { ...filters, ...change };
    for (const key of Object.keys(next) as (keyof SearchFilters)[]) if (next[key] === undefined || next[key] === '') delete next[key];
    onChange(next);
  };
  const number = (value: string) => (value === '' ? undefined : Number(value));
  const max = today();

  return (
    <fieldset className="search-filters">
      <legend className="sr-only">Filters</legend>
      <label htmlFor={`${id}-room`}>In</label>
      <select id={`${id}-room`} value={filters.roomId ?? ''} onChange={(e) => set({ roomId: number(e.target.value) })}>
        <option value="">All conversations</option>
        {rooms.map((r) => (
          <option key={r.room.id} value={r.room.id}>
            {roomTitle(state, r)}
            {r.room.encrypted ? ' (encrypted, not searched)' : ''}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-sender`}>From</label>
      <select id={`${id}-sender`} value={filters.senderId ?? ''} onChange={(e) => set({ senderId: number(e.target.value) })}>
        <option value="">Anyone</option>
        {people.map((p) => (
          <option key={p.id} value={p.id}>
            {p.id === state.me?.id ? `${p.display_name} (you)` : p.display_name}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-files`}>Files</label>
      <select
        id={`${id}-files`}
        value={filters.hasAttachment === undefined ? '' : String(filters.hasAttachment)}
        onChange={(e) => set({ hasAttachment: e.target.value === '' ? undefined : e.target.value === 'true' })}
      >
        <option value="">Any message</option>
        <option value="true">With files</option>
        <option value="false">Without files</option>
      </select>
      <label htmlFor={`${id}-since`}>Since</label>
      <div className="search-filters__dates">
        <input id={`${id}-since`} type="date" max={filters.until ?? max} value={filters.since ?? ''} onChange={(e) => set({ since: e.target.value })} />
        <label htmlFor={`${id}-until`}>until</label>
        <input id={`${id}-until`} type="date" min={filters.since} max={max} value={filters.until ?? ''} onChange={(e) => set({ until: e.target.value })} />
      </div>
    </fieldset>
  );
}
