import { describe, expect, it } from 'vitest';
import { focusTarget, History, HISTORY_PAGE } from './history';
import * as S from './state';
import { settle } from './testing';
import type { HistoryPage, RoomEvent, RoomSummary } from './types';

function message(seq: number): RoomEvent {
  return { id: 1000 + seq, room_id: 9, seq, sender_id: 2, created_at: '2026-11-25T10:00:00Z', content: { type: 'message', client_id: `c${seq}`, body: { type: 'text', text: `m${seq}` } } };
}

function summary(lastSeq: number): RoomSummary {
  return {
    room: { id: 9, kind: 'group', name: 'Crew', topic: '', encrypted: false, created_by: 1, created_at: '2026-11-25T09:00:00Z', last_seq: lastSeq, last_activity_at: '2026-11-25T09:00:00Z', member_count: 2 },
    my_role: 'member',
    unread_count: 0,
    mention_count: 0,
    read_seq: lastSeq,
  };
}

/** The server's history rules (docs/protocol.md, GET /rooms/{id}/messages) over `events`. */
function page(events: RoomEvent[], query: URLSearchParams): HistoryPage {
  const limit = Number(query.get('limit') ?? 50);
  const before = query.get('before');
  const after = query.get('after');
  const around = query.get('around');
  let chosen: RoomEvent[];
  if (before !== null) chosen = events.filter((e) => e.seq < Number(before)).slice(-limit);
  else if (after !== null) chosen = events.filter((e) => e.seq > Number(after)).slice(0, limit);
  else if (around !== null) {
    const s = Number(around);
    chosen = [...events.filter((e) => e.seq < s).slice(-Math.floor(limit / 2)), ...events.filter((e) => e.seq >= s).slice(0, limit - Math.floor(limit / 2))];
  } else chosen = events.slice(-limit);
  const first = chosen[0]?.seq ?? Infinity;
  const last = chosen.at(-1)?.seq ?? -Infinity;
  return { events: chosen, has_older: events.some((e) => e.seq < first), has_newer: events.some((e) => e.seq > last) };
}

/** A History over a room of `count` messages on a fake server; `hold` keeps answers until released. */
function setup(count = 200, known = true) {
  const events = Array.from({ length: count }, (_, i) => message(i + 1));
  let state: S.State = { ...S.emptyState, me: { id: 1, username: 'alice', display_name: 'Alice', status_text: '', discoverable: true, created_at: '2026-11-25T09:00:00Z' } };
  if (known) state = S.setRooms(state, [summary(count)]);
  const calls: string[] = [];
  let hold = false;
  const held: (() => void)[] = [];
  const history = new History({
    rest: {
      get: async <T,>(path: string): Promise<T> => {
        calls.push(path);
        const [route, query] = path.split('?');
        // The server reads the page at once; the answer may take its time.
        const answer = route === '/rooms/9/members' ? { members: [] } : page(events, new URLSearchParams(query));
        if (hold) await new Promise<void>((r) => held.push(r));
        return answer as T;
      },
    },
    state: () => state,
    set: (next) => {
      state = next;
    },
    resolveUsers: () => undefined,
    refreshPresence: () => undefined,
  });
  return {
    history,
    events,
    calls,
    room: () => state.rooms[9] as S.RoomState,
    seqs: () => (state.rooms[9]?.timeline ?? []).map((e) => e.seq),
    setState: (change: (s: S.State) => S.State) => (state = change(state)),
    hold: (on: boolean) => (hold = on),
    release: () => held.splice(0).forEach((r) => r()),
  };
}

describe('history and jumps', () => {
  it('jumps far back: loads the page around the message and focuses it', async () => {
    const t = setup();
    await t.history.open(9);
    expect(t.seqs()).toEqual(t.events.slice(-HISTORY_PAGE).map((e) => e.seq));
    await t.history.jump(9, 100);
    expect(t.calls.at(-1)).toBe(`/rooms/9/messages?around=100&limit=${HISTORY_PAGE}`);
    expect(t.seqs()[0]).toBe(100 - HISTORY_PAGE / 2);
    expect(t.seqs()).toContain(100);
    expect(t.room()).toMatchObject({ hasOlder: true, hasNewer: true, focus: { seq: 100 } });
    t.history.focusShown(9);
    expect(t.room().focus).toBeUndefined();
  });

  it('does not fetch for a message that is loaded, and focuses it again on each jump', async () => {
    const t = setup();
    await t.history.open(9);
    const calls = t.calls.length;
    await t.history.jump(9, 190);
    const first = t.room().focus;
    await t.history.jump(9, 190);
    expect(t.calls.length).toBe(calls);
    expect(t.room().focus?.seq).toBe(190);
    expect(t.room().focus?.token).not.toBe(first?.token);
  });

  it('pages both ways from a jump, without duplicates, until it joins the live tail', async () => {
    const t = setup();
    await t.history.jump(9, 100);
    await t.history.older(9);
    expect(t.seqs()[0]).toBe(100 - HISTORY_PAGE / 2 - HISTORY_PAGE);
    // A live message meanwhile is not put after the window's gap.
    t.events.push(message(201));
    t.setState((s) => S.applyEvent(s, message(201))[0]);
    expect(t.room().room.last_seq).toBe(201);
    expect(t.seqs()).not.toContain(201);
    while (await t.history.newer(9));
    const seqs = t.seqs();
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs.at(-1)).toBe(201);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => (seqs[0] ?? 0) + i));
    expect(t.room().hasNewer).toBe(false);
    // Joined: live events are appended again.
    t.setState((s) => S.applyEvent(s, message(202))[0]);
    expect(t.seqs().at(-1)).toBe(202);
  });

  it('asks once more for what arrived live while the last page was on its way', async () => {
    const t = setup(120);
    await t.history.jump(9, 60);
    t.hold(true);
    const paging = t.history.newer(9);
    await settle();
    // The server read the page, then 121 was sent; it arrives live before the page.
    t.setState((s) => S.applyEvent(s, message(121))[0]);
    t.events.push(message(121));
    t.hold(false);
    t.release();
    await paging;
    expect(t.seqs().at(-1)).toBe(121);
    expect(t.calls.filter((c) => c.includes('after=')).length).toBe(2);
  });

  it('drops the answer for a window that a jump replaced', async () => {
    const t = setup();
    t.hold(true);
    const opening = t.history.open(9);
    const jumping = t.history.jump(9, 30);
    await settle();
    expect(t.calls.filter((c) => c.startsWith('/rooms/9/messages'))).toEqual([`/rooms/9/messages?limit=${HISTORY_PAGE}`, `/rooms/9/messages?around=30&limit=${HISTORY_PAGE}`]);
    t.hold(false);
    t.release();
    await Promise.all([opening, jumping]);
    expect(t.seqs()).toContain(30);
    expect(t.seqs()).not.toContain(200);
    expect(t.room()).toMatchObject({ hasNewer: true, focus: { seq: 30 } });
  });

  it('drops an older page that arrives after a jump elsewhere', async () => {
    const t = setup();
    await t.history.open(9);
    t.hold(true);
    const paging = t.history.older(9);
    await settle();
    t.hold(false);
    await t.history.jump(9, 10);
    t.release();
    await paging;
    expect(t.seqs()[0]).toBe(1);
    expect(t.seqs().at(-1)).toBe(10 + HISTORY_PAGE / 2 - 1);
    expect(t.seqs()).not.toContain(140);
  });

  it('keeps a jump asked for before the room is known, and opens there', async () => {
    const t = setup(200, false);
    await t.history.jump(9, 42);
    expect(t.calls).toEqual([]);
    t.setState((s) => S.setRooms(s, [summary(200)]));
    await t.history.open(9);
    expect(t.room().focus?.seq).toBe(42);
    expect(t.seqs()).toContain(42);
  });

  it('goes back to the newest messages', async () => {
    const t = setup();
    await t.history.jump(9, 42);
    await t.history.latest(9);
    expect(t.seqs().at(-1)).toBe(200);
    expect(t.room().hasNewer).toBe(false);
  });

  it('focuses the next event when history does not show the one asked for', () => {
    const timeline = [message(3), message(5), message(9)];
    expect(focusTarget(timeline, 4, false)).toBe(5);
    expect(focusTarget(timeline, 9, true)).toBe(9);
    expect(focusTarget(timeline, 2, false)).toBeUndefined();
    expect(focusTarget(timeline, 12, true)).toBeUndefined();
    expect(focusTarget(timeline, 12, false)).toBe(9);
    expect(focusTarget(null, 1, false)).toBeUndefined();
  });
});
