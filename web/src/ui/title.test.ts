import { describe, expect, it } from 'vitest';
import { emptyState, setRooms, type State } from '../client/state';
import type { RoomSummary } from '../client/types';
import { pageTitle } from './title';

function room(id: number, name: string, unread: number): RoomSummary {
  return {
    room: { id, kind: 'group', name, topic: '', encrypted: false, created_by: 1, created_at: '2026-11-25T09:00:00Z', last_seq: 3, last_activity_at: '2026-11-25T09:00:00Z', member_count: 3 },
    my_role: 'member',
    unread_count: unread,
    mention_count: 0,
    read_seq: 3 - unread,
  };
}

describe('pageTitle', () => {
  it('counts unread messages across rooms and names the open room', () => {
    const state: State = setRooms({ ...emptyState }, [room(1, 'Crew', 2), room(2, 'Ops', 3)]);
    expect(pageTitle(state, null)).toBe('(5) Confab');
    expect(pageTitle(state, 2)).toBe('(5) Ops · Confab');
    expect(pageTitle(setRooms({ ...emptyState }, [room(1, 'Crew', 0)]), 1)).toBe('Crew · Confab');
    expect(pageTitle(setRooms({ ...emptyState }, [room(1, 'Crew', 150)]), null)).toBe('(99+) Confab');
  });
});
