// The loaded part of each room's timeline, and jumping to a message in it.
//
// Opening a room loads its newest page. Jumping to a message (a search hit, a quoted
// reply, a notification, a `/rooms/{id}?seq=N` link) loads the page *around* it
// (`GET /rooms/{id}/messages?around=seq`) unless it is loaded already, and asks the
// screen to bring it into view (`RoomState.focus`). Such a window does not reach the
// newest events (`hasNewer`): live events wait on the server until paging forward
// (`after=`) reaches the end, where the window joins the live tail again.
//
// Each replacement of a room's window (open, jump, back to the latest) makes the
// answers of older requests for that room stale: a page that arrives for a window
// that is gone is dropped, so pages never merge across a gap.

import type { Rest } from './rest';
import * as S from './state';
import type { HistoryPage, MemberList, RoomEvent, RoomId, Seq, UserId } from './types';

/** Events per history page. */
export const HISTORY_PAGE = 50;

export interface HistoryDeps {
  rest: Pick<Rest, 'get'>;
  state: () => S.State;
  set: (state: S.State) => void;
  /** Looks up the profiles of people the client has not seen yet. */
  resolveUsers: (ids: UserId[]) => void;
  refreshPresence: (ids: UserId[]) => void;
}

/**
 * Replaces a room's loaded timeline with one page (a fresh window). Live events that
 * arrived after the server read a page of the newest events are kept.
 */
export function setWindow(state: S.State, roomId: RoomId, page: HistoryPage): S.State {
  const room = state.rooms[roomId];
  if (!room) return state;
  const last = page.events.at(-1)?.seq ?? -1;
  const live = !page.has_newer && room.timeline && !room.hasNewer ? room.timeline.filter((e) => e.seq > last) : [];
  return { ...state, rooms: { ...state.rooms, [roomId]: { ...room, timeline: [...page.events, ...live], hasOlder: page.has_older, hasNewer: page.has_newer } } };
}

/** Appends a page after the window (`after=`); `hasNewer` false joins it to the live tail. */
export function mergeNewer(state: S.State, roomId: RoomId, events: RoomEvent[], hasNewer: boolean): S.State {
  const merged = S.mergeHistory(state, roomId, events, false, false);
  const room = merged.rooms[roomId];
  return room ? { ...merged, rooms: { ...merged.rooms, [roomId]: { ...room, hasNewer } } } : merged;
}

/**
 * The event to show for a jump to `seq`: the event itself, or the first one after it
 * when history does not show it (an event folded into another, say); undefined when
 * the loaded timeline does not reach that far.
 */
export function focusTarget(timeline: RoomEvent[] | null, seq: Seq, hasNewer: boolean): Seq | undefined {
  if (!timeline || timeline.length === 0) return undefined;
  const first = timeline[0] as RoomEvent;
  if (seq < first.seq) return undefined;
  const found = timeline.find((e) => e.seq >= seq);
  if (found) return found.seq;
  return hasNewer ? undefined : (timeline[timeline.length - 1] as RoomEvent).seq;
}

let focusTokens = 0;

function withFocus(state: S.State, roomId: RoomId, seq: Seq | undefined): S.State {
  const room = state.rooms[roomId];
  if (!room) return state;
  const focus = seq === undefined ? undefined : { seq, token: ++focusTokens };
  return { ...state, rooms: { ...state.rooms, [roomId]: { ...room, focus } } };
}

export class History {
  /** Per room: bumped by every new window; a request of an older one is stale. */
  private readonly windows = new Map<RoomId, number>();
  /** Per room: the load of a new window that is running. */
  private readonly loading = new Map<RoomId, Promise<void>>();
  /** Jumps asked for before the room was known (a link opened before the room list came). */
  private readonly wanted = new Map<RoomId, Seq>();
  private readonly paging = new Set<string>();

  constructor(private readonly deps: HistoryDeps) {}

  /**
   * Loads a room for the screen: its newest page (and its members), or the page
   * around a message if a jump to it is waiting. Shares a load that is running.
   */
  open(roomId: RoomId): Promise<void> {
    const wanted = this.wanted.get(roomId);
    if (wanted !== undefined) return this.jump(roomId, wanted);
    return this.loading.get(roomId) ?? this.load(roomId, `limit=${HISTORY_PAGE}`);
  }

  /**
   * Shows a message: loads the page around it unless it is loaded already, then
   * marks it as the room's focus, which the screen scrolls to and flashes.
   */
  async jump(roomId: RoomId, seq: Seq): Promise<void> {
    const room = this.deps.state().rooms[roomId];
    if (!room) {
      this.wanted.set(roomId, seq);
      return;
    }
    this.wanted.delete(roomId);
    const loaded = focusTarget(room.timeline, seq, room.hasNewer);
    if (loaded !== undefined && this.loading.get(roomId) === undefined) {
      this.deps.set(withFocus(this.deps.state(), roomId, loaded));
      return;
    }
    const loading = this.load(roomId, `around=${seq}&limit=${HISTORY_PAGE}`);
    const window = this.windows.get(roomId) ?? 0;
    await loading;
    const after = this.deps.state().rooms[roomId];
    // Another jump (or going back to the latest) may have replaced this window meanwhile.
    if (after && this.current(roomId, window)) this.deps.set(withFocus(this.deps.state(), roomId, focusTarget(after.timeline, seq, after.hasNewer)));
  }

  /** Goes back to the newest page (the window was elsewhere). */
  latest(roomId: RoomId): Promise<void> {
    return this.load(roomId, `limit=${HISTORY_PAGE}`);
  }

  /** The screen brought the focused message into view. */
  focusShown(roomId: RoomId): void {
    if (this.deps.state().rooms[roomId]?.focus) this.deps.set(withFocus(this.deps.state(), roomId, undefined));
  }

  /** Loads the page before the first loaded event; false when there is none. */
  older(roomId: RoomId): Promise<boolean> {
    return this.page(roomId, 'older', async (room, window) => {
      const first = room.timeline?.[0];
      if (!first || !room.hasOlder) return false;
      const page = await this.deps.rest.get<HistoryPage>(`/rooms/${roomId}/messages?before=${first.seq}&limit=${HISTORY_PAGE}`);
      if (!this.current(roomId, window)) return false;
      this.deps.set(S.mergeHistory(this.deps.state(), roomId, page.events, page.has_older, true));
      this.deps.resolveUsers(page.events.map((e) => e.sender_id));
      return page.has_older;
    });
  }

  /** Loads the page after the last loaded event of a window; false once it reaches the end. */
  newer(roomId: RoomId): Promise<boolean> {
    return this.page(roomId, 'newer', async (room, window) => {
      const last = room.timeline?.at(-1);
      if (!last || !room.hasNewer) return false;
      const page = await this.deps.rest.get<HistoryPage>(`/rooms/${roomId}/messages?after=${last.seq}&limit=${HISTORY_PAGE}`);
      if (!this.current(roomId, window)) return false;
      this.deps.set(mergeNewer(this.deps.state(), roomId, page.events, page.has_newer));
      this.deps.resolveUsers(page.events.map((e) => e.sender_id));
      if (!page.has_newer) await this.catchUp(roomId, window);
      return page.has_newer;
    });
  }

  /**
   * The window just joined the live tail. Live events that arrived while the last
   * page was on its way were not added (the window was not at the end yet) and may
   * be missing from that page too: ask once more for what follows.
   */
  private async catchUp(roomId: RoomId, window: number): Promise<void> {
    const room = this.deps.state().rooms[roomId];
    const last = room?.timeline?.at(-1);
    if (!room || !last || room.contentSeq <= last.seq) return;
    const page = await this.deps.rest.get<HistoryPage>(`/rooms/${roomId}/messages?after=${last.seq}&limit=${HISTORY_PAGE}`).catch(() => null);
    if (page && this.current(roomId, window)) this.deps.set(mergeNewer(this.deps.state(), roomId, page.events, false));
  }

  /** Runs one page request per room and direction at a time. */
  private async page(roomId: RoomId, direction: 'older' | 'newer', run: (room: S.RoomState, window: number) => Promise<boolean>): Promise<boolean> {
    const key = `${roomId}:${direction}`;
    const room = this.deps.state().rooms[roomId];
    if (!room || this.paging.has(key) || this.loading.has(roomId)) return false;
    this.paging.add(key);
    try {
      return await run(room, this.windows.get(roomId) ?? 0);
    } finally {
      this.paging.delete(key);
    }
  }

  private current(roomId: RoomId, window: number): boolean {
    return (this.windows.get(roomId) ?? 0) === window;
  }

  /** Replaces the room's window with the page `query` asks for; members too, once. */
  private load(roomId: RoomId, query: string): Promise<void> {
    const window = (this.windows.get(roomId) ?? 0) + 1;
    this.windows.set(roomId, window);
    const run = (async () => {
      const needMembers = this.deps.state().rooms[roomId]?.members == null;
      const [page, members] = await Promise.all([
        this.deps.rest.get<HistoryPage>(`/rooms/${roomId}/messages?${query}`),
        needMembers ? this.deps.rest.get<MemberList>(`/rooms/${roomId}/members`) : Promise.resolve(null),
      ]);
      if (!this.current(roomId, window)) return;
      let next = setWindow(this.deps.state(), roomId, page);
      if (members) next = S.setMembers(next, roomId, members.members);
      this.deps.set(next);
      this.deps.resolveUsers(page.events.map((e) => e.sender_id));
      if (members) {
        const ids = members.members.map((m) => m.user_id);
        this.deps.resolveUsers(ids);
        this.deps.refreshPresence(ids);
      }
    })();
    this.loading.set(roomId, run);
    const done = () => {
      if (this.loading.get(roomId) === run) this.loading.delete(roomId);
    };
    run.then(done, done);
    return run;
  }
}
