// Public channels and announcements in the client: the room's settings follow
// `room_access_changed`, the composer closes for members where only admins post, and
// the directory and joining call the API as docs/protocol.md says.
import { describe, expect, it } from 'vitest';
import { RoomAdmin } from './rooms';
import { addInvitation, applyEvent, emptyState, setRooms, writeAccess, type State } from './state';
import type { Room, RoomEvent, RoomSummary } from './types';

const me = { id: 1, username: 'alice', display_name: 'Alice', status_text: '', discoverable: true, created_at: '' };

function group(id: number, extra: Partial<Room> = {}): Room {
  return { id, kind: 'group', name: `Room ${id}`, topic: '', encrypted: false, created_by: 2, created_at: '2026-11-25T09:00:00Z', last_seq: 2, last_activity_at: '2026-11-25T09:00:00Z', member_count: 3, ...extra };
}

function summary(room: Room, role: RoomSummary['my_role']): RoomSummary {
  return { room, my_role: role, unread_count: 0, mention_count: 0, read_seq: 2 };
}

function ev(roomId: number, seq: number, content: RoomEvent['content']): RoomEvent {
  return { id: 1000 + seq, room_id: roomId, seq, sender_id: 2, created_at: '2026-11-25T10:00:00Z', content };
}

describe('announcements', () => {
  it('closes the composer of a member where only admins post, and follows the setting live', () => {
    let s: State = setRooms({ ...emptyState, me }, [summary(group(12, { visibility: 'public', posting: 'admins' }), 'member'), summary(group(13, { posting: 'admins' }), 'admin')]);
    expect(writeAccess(s, s.rooms[12]!)).toBe('admins-only');
    expect(writeAccess(s, s.rooms[13]!)).toBe('ok');
    [s] = applyEvent(s, ev(12, 3, { type: 'room_access_changed', visibility: 'public', posting: 'everyone' }));
    expect(s.rooms[12]!.room).toMatchObject({ visibility: 'public', posting: 'everyone', last_seq: 3 });
    expect(writeAccess(s, s.rooms[12]!)).toBe('ok');
    [s] = applyEvent(s, ev(12, 4, { type: 'room_access_changed', visibility: 'private', posting: 'admins' }));
    expect(s.rooms[12]!.room.visibility).toBe('private');
    expect(writeAccess(s, s.rooms[12]!)).toBe('admins-only');
    // Made an admin: the composer opens.
    [s] = applyEvent(s, ev(12, 5, { type: 'role_changed', user_id: 1, role: 'admin' }));
    expect(writeAccess(s, s.rooms[12]!)).toBe('ok');
  });

  it('shows the change in the timeline of an open room', () => {
    let s: State = setRooms({ ...emptyState, me }, [summary(group(12), 'member')]);
    s = { ...s, rooms: { ...s.rooms, 12: { ...s.rooms[12]!, timeline: [] } } };
    [s] = applyEvent(s, ev(12, 3, { type: 'room_access_changed', visibility: 'public', posting: 'everyone' }));
    expect(s.rooms[12]!.timeline!.map((e) => e.content.type)).toEqual(['room_access_changed']);
  });
});

describe('the directory and joining', () => {
  function admin(initial: State) {
    const calls: string[] = [];
    let state = initial;
    const rooms = new RoomAdmin({
      rest: {
        get: <T>(path: string) => {
          calls.push(`GET ${path}`);
          return Promise.resolve({ channels: [], total: 0 } as T);
        },
        post: <T>(path: string) => {
          calls.push(`POST ${path}`);
          return Promise.resolve(undefined as T);
        },
        call: <T>(method: string, path: string) => {
          calls.push(`${method} ${path}`);
          return Promise.resolve(undefined as T);
        },
      },
      state: () => state,
      set: (next) => {
        state = next;
      },
      fetchRoom: (id) => {
        calls.push(`fetch ${id}`);
        return Promise.resolve();
      },
    });
    return { rooms, calls, state: () => state };
  }

  it('asks for a page by words, offset and size', async () => {
    const { rooms, calls } = admin({ ...emptyState, me });
    await rooms.directory('  café bar ', 30);
    expect(calls).toEqual(['GET /channels?q=caf%C3%A9+bar&offset=30&limit=30']);
  });

  it('joins, loads the room, and drops an invitation to it', async () => {
    const invited = addInvitation({ ...emptyState, me }, { room: group(40), invited_by: 2, invited_at: '2026-11-25T08:00:00Z' });
    const { rooms, calls, state } = admin(invited);
    await rooms.join(40);
    expect(calls).toEqual(['POST /rooms/40/join', 'fetch 40']);
    expect(state().invitations).toEqual([]);
  });

  it('creates a public announcements group with the settings in the body', async () => {
    const bodies: unknown[] = [];
    const rooms = new RoomAdmin({
      rest: {
        get: () => Promise.reject(new Error('unused')),
        post: <T>(_path: string, body?: unknown) => {
          bodies.push(body);
          return Promise.resolve({ id: 7 } as T);
        },
        call: () => Promise.reject(new Error('unused')),
      },
      state: () => ({ ...emptyState, me }),
      set: () => undefined,
      fetchRoom: () => Promise.resolve(),
    });
    expect(await rooms.createGroup('News', '', [], { visibility: 'public', posting: 'admins' })).toBe(7);
    expect(bodies).toEqual([{ name: 'News', topic: '', members: [], encrypted: false, visibility: 'public', posting: 'admins', pinning: 'admins' }]);
  });
});
