// Pinned messages in the client: who may pin (`mayPin`), the room's pins following
// `message_pinned`, `message_unpinned`, `message_deleted` and `message_edited`, the
// pinning policy following `room_access_changed`, loading a room's pins without losing
// the events that cross the answer, and the REST calls.
import { describe, expect, it } from 'vitest';
import { mayPin, missesPin, pinnedSeqs, PinnedMessages } from './pins';
import { RoomAdmin } from './rooms';
import { applyEvent, emptyState, knownMessage, mergeHistory, setRooms, type State } from './state';
import type { Pin, Room, RoomEvent, RoomSummary } from './types';

const me = { id: 1, username: 'alice', display_name: 'Alice', status_text: '', discoverable: true, created_at: '' };
const text = (t: string) => ({ type: 'text' as const, text: t });

function room(extra: Partial<Room> = {}): Room {
  return { id: 9, kind: 'group', name: 'Crew', topic: '', encrypted: false, created_by: 2, created_at: '2026-11-25T09:00:00Z', last_seq: 5, last_activity_at: '2026-11-25T09:00:00Z', member_count: 3, ...extra };
}

function summary(r: Room, role: RoomSummary['my_role'] = 'member'): RoomSummary {
  return { room: r, my_role: role, unread_count: 0, mention_count: 0, read_seq: 5 };
}

function ev(seq: number, sender: number, content: RoomEvent['content'], at = '2026-11-25T10:00:00Z'): RoomEvent {
  return { id: 100 + seq, room_id: 9, seq, sender_id: sender, created_at: at, content };
}

const message = (seq: number, t: string) => ev(seq, 2, { type: 'message', client_id: `c${seq}`, body: text(t), reactions: [{ emoji: '👍', user_ids: [1] }] }, '2026-11-25T09:30:00Z');

function pinOfMessage(seq: number, t: string, by = 3): Pin {
  const { content, ...rest } = message(seq, t);
  const { reactions: _reactions, ...plain } = content as Extract<RoomEvent['content'], { type: 'message' }>;
  return { message: { ...rest, content: plain }, pinned_by: by, pinned_at: '2026-11-25T09:45:00Z' };
}

/** A group whose timeline holds messages 4 and 5, with its pins loaded as `pins`. */
function opened(pins: Pin[] | null, r: Room = room(), role: RoomSummary['my_role'] = 'member'): State {
  const s = mergeHistory(setRooms({ ...emptyState, me }, [summary(r, role)]), 9, [message(4, 'Release checklist'), message(5, 'Lunch?')], false, false);
  return { ...s, rooms: { ...s.rooms, 9: { ...s.rooms[9]!, pins } } };
}

function apply(s: State, ...events: RoomEvent[]): State {
  for (const e of events) [s] = applyEvent(s, e);
  return s;
}

const seqs = (s: State) => [...pinnedSeqs(s.rooms[9]!.pins)];

describe('mayPin', () => {
  it('follows the room kind, the pinning policy and my role; never in an encrypted room', () => {
    expect(mayPin(room(), 'member')).toBe(false);
    expect(mayPin(room({ pinning: 'admins' }), 'member')).toBe(false);
    expect(mayPin(room({ pinning: 'admins' }), 'admin')).toBe(true);
    expect(mayPin(room(), 'owner')).toBe(true);
    expect(mayPin(room({ pinning: 'everyone' }), 'member')).toBe(true);
    expect(mayPin(room({ kind: 'direct', name: '' }), 'member')).toBe(true);
    expect(mayPin(room({ encrypted: true, pinning: 'everyone' }), 'owner')).toBe(false);
    expect(mayPin(room({ kind: 'direct', name: '', encrypted: true }), 'member')).toBe(false);
  });

  it('follows room_access_changed live; an event from before pins reads as admins only', () => {
    let s = opened([]);
    s = apply(s, ev(6, 2, { type: 'room_access_changed', visibility: 'private', posting: 'everyone', pinning: 'everyone' }));
    expect(s.rooms[9]!.room.pinning).toBe('everyone');
    expect(mayPin(s.rooms[9]!.room, s.rooms[9]!.myRole)).toBe(true);
    s = apply(s, ev(7, 2, { type: 'room_access_changed', visibility: 'public', posting: 'everyone' }));
    expect(s.rooms[9]!.room).toMatchObject({ visibility: 'public', pinning: 'admins' });
    expect(mayPin(s.rooms[9]!.room, s.rooms[9]!.myRole)).toBe(false);
    // Made an admin: may pin again.
    s = apply(s, ev(8, 2, { type: 'role_changed', user_id: 1, role: 'admin' }));
    expect(mayPin(s.rooms[9]!.room, s.rooms[9]!.myRole)).toBe(true);
  });
});

describe('pins from events', () => {
  it('pins a loaded message first, without its reactions, once, and shows the line in the timeline', () => {
    let s = opened([pinOfMessage(5, 'Lunch?')]);
    s = apply(s, ev(6, 3, { type: 'message_pinned', target_seq: 4 }, '2026-11-25T11:00:00Z'));
    const pins = s.rooms[9]!.pins!;
    expect(pins.map((p) => p.message.seq)).toEqual([4, 5]);
    expect(pins[0]).toMatchObject({ pinned_by: 3, pinned_at: '2026-11-25T11:00:00Z', message: { seq: 4, sender_id: 2, content: { body: text('Release checklist') } } });
    expect(pins[0]!.message.content).not.toHaveProperty('reactions');
    // The same event again (a replay) changes nothing.
    expect(apply(s, ev(6, 3, { type: 'message_pinned', target_seq: 4 })).rooms[9]!.pins).toBe(pins);
    expect(s.rooms[9]!.timeline!.map((e) => e.content.type)).toEqual(['message', 'message', 'message_pinned']);
  });

  it('unpins on message_unpinned and on message_deleted (which has no unpin event of its own)', () => {
    let s = opened([pinOfMessage(5, 'Lunch?'), pinOfMessage(4, 'Release checklist')]);
    s = apply(s, ev(6, 3, { type: 'message_unpinned', target_seq: 5 }));
    expect(seqs(s)).toEqual([4]);
    s = apply(s, ev(7, 2, { type: 'message_deleted', target_seq: 4 }));
    expect(seqs(s)).toEqual([]);
    s = apply(s, ev(8, 3, { type: 'message_unpinned', target_seq: 4 }));
    expect(s.rooms[9]!.pins).toEqual([]);
    expect(s.rooms[9]!.timeline!.filter((e) => e.content.type === 'message_unpinned').map((e) => e.seq)).toEqual([6, 8]);
  });

  it('keeps a pinned message’s text current through edits', () => {
    let s = opened([pinOfMessage(4, 'Release checklist')]);
    s = apply(s, ev(6, 2, { type: 'message_edited', target_seq: 4, body: text('Release checklist v2') }, '2026-11-25T11:30:00Z'));
    expect(s.rooms[9]!.pins![0]!.message.content).toMatchObject({ body: text('Release checklist v2'), edited_at: '2026-11-25T11:30:00Z' });
  });

  it('leaves pins not loaded yet alone, and does not pin a deleted or unknown message', () => {
    let s = apply(opened(null), ev(6, 3, { type: 'message_pinned', target_seq: 4 }));
    expect(s.rooms[9]!.pins).toBeNull();
    s = apply(opened([]), ev(6, 2, { type: 'message_deleted', target_seq: 4 }), ev(7, 3, { type: 'message_pinned', target_seq: 4 }), ev(8, 3, { type: 'message_pinned', target_seq: 2 }));
    expect(s.rooms[9]!.pins).toEqual([]);
  });

  it('tells when events pinned a message the list does not hold', () => {
    const pinned = (seq: number) => ev(10 + seq, 3, { type: 'message_pinned', target_seq: seq });
    const unpinned = (seq: number) => ev(20 + seq, 3, { type: 'message_unpinned', target_seq: seq });
    expect(missesPin([], [pinned(2)])).toBe(true);
    expect(missesPin([pinOfMessage(2, 'x')], [pinned(2)])).toBe(false);
    // Unpinned (or deleted) after: nothing is missing.
    expect(missesPin([], [pinned(2), unpinned(2)])).toBe(false);
    expect(missesPin([], [unpinned(2), pinned(2)])).toBe(true);
  });
});

describe('PinnedMessages', () => {
  function harness(initial: State) {
    let state = initial;
    const calls: string[] = [];
    const answers: ((pins: Pin[]) => void)[] = [];
    const pins = new PinnedMessages({
      rooms: {
        pins: (roomId) => {
          calls.push(`GET /rooms/${roomId}/pins`);
          return new Promise<Pin[]>((resolve) => answers.push(resolve));
        },
      },
      state: () => state,
      set: (next) => {
        state = next;
      },
      resolveUsers: (ids) => calls.push(`resolve ${ids.join(',')}`),
      known: knownMessage,
    });
    /** Applies an event as the stream does: to the state, then to `pins`. */
    const receive = (event: RoomEvent) => {
      [state] = applyEvent(state, event);
      pins.onEvent(event);
    };
    return { pins, calls, answers, receive, state: () => state };
  }

  it('loads a room’s pins once, shares a running load, and loads nothing in an encrypted room', async () => {
    const h = harness(opened(null));
    const first = h.pins.load(9);
    expect(h.pins.load(9)).toBe(first);
    h.answers[0]!([pinOfMessage(4, 'Release checklist', 3)]);
    await first;
    expect(seqs(h.state())).toEqual([4]);
    expect(h.calls).toEqual(['GET /rooms/9/pins', 'resolve 2,3']);
    await h.pins.load(9);
    expect(h.calls).toHaveLength(2);

    const sealed = harness(opened(null, room({ encrypted: true })));
    await sealed.pins.load(9);
    expect(sealed.calls).toEqual([]);
    expect(sealed.state().rooms[9]!.pins).toBeNull();
  });

  it('applies the pin events that cross the answer to it, in order', async () => {
    const h = harness(opened(null));
    const loading = h.pins.load(9);
    // Read by the server before these events: 5 pinned, 4 not yet.
    h.receive(ev(6, 3, { type: 'message_pinned', target_seq: 4 }));
    h.receive(ev(7, 3, { type: 'message_unpinned', target_seq: 5 }));
    h.answers[0]!([pinOfMessage(5, 'Lunch?')]);
    await loading;
    expect(seqs(h.state())).toEqual([4]);
    expect(h.calls.filter((c) => c.startsWith('GET'))).toHaveLength(1);
  });

  it('reads the list again when a message it has no copy of is pinned', async () => {
    const h = harness(opened([]));
    h.receive(ev(6, 3, { type: 'message_pinned', target_seq: 2 }));
    expect(h.calls).toEqual(['GET /rooms/9/pins']);
    h.answers[0]!([pinOfMessage(2, 'From last week')]);
    await h.pins.load(9);
    expect(seqs(h.state())).toEqual([2]);
    // A pin of a loaded message needs no request.
    h.receive(ev(7, 3, { type: 'message_pinned', target_seq: 5 }));
    expect(seqs(h.state())).toEqual([5, 2]);
    expect(h.calls.filter((c) => c.startsWith('GET'))).toHaveLength(1);
  });
});

describe('the REST calls', () => {
  it('lists, pins and unpins; a new group says who may pin', async () => {
    const calls: string[] = [];
    const bodies: unknown[] = [];
    const admin = new RoomAdmin({
      rest: {
        get: <T>(path: string) => {
          calls.push(`GET ${path}`);
          return Promise.resolve({ pins: [pinOfMessage(4, 'x')] } as T);
        },
        post: <T>(path: string, body?: unknown) => {
          calls.push(`POST ${path}`);
          bodies.push(body);
          return Promise.resolve({ id: 9 } as T);
        },
        call: <T>(method: string, path: string, body?: unknown) => {
          calls.push(`${method} ${path}`);
          if (body !== undefined) bodies.push(body);
          return Promise.resolve(undefined as T);
        },
      },
      state: () => ({ ...emptyState, me }),
      set: () => undefined,
      fetchRoom: () => Promise.resolve(),
    });
    expect((await admin.pins(9)).map((p) => p.message.seq)).toEqual([4]);
    await admin.pin(9, 4);
    await admin.unpin(9, 4);
    await admin.createGroup('Crew', '', [], { pinning: 'everyone' });
    await admin.update(9, { pinning: 'admins' });
    expect(calls).toEqual(['GET /rooms/9/pins', 'PUT /rooms/9/pins/4', 'DELETE /rooms/9/pins/4', 'POST /rooms', 'PATCH /rooms/9']);
    expect(bodies).toEqual([{ name: 'Crew', topic: '', members: [], encrypted: false, visibility: 'private', posting: 'everyone', pinning: 'everyone' }, { pinning: 'admins' }]);
  });
});
