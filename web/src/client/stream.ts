// The room event stream of the WebSocket, applied to the state, and the receipts it
// brings about:
//
// - fresh start: after `ready`, fetch the room list over REST while buffering live
//   events, then apply the buffer and start resuming from `ready.cursor`;
// - resume: reconnect with `since` = the id of the last event applied; replayed
//   events go through the same path as live ones, deduplicated by id and seq;
// - `resync_required`: throw the cached rooms away and do a fresh fetch;
// - each event applied once: my own message replaces its pending copy in the outbox,
//   a room or its member list is fetched again when the event says so, and the
//   people it names are looked up;
// - receipts: `delivered` for every message of others that arrives, `read` for the
//   room on screen while the tab is visible.

import { RecentIds } from './ids';
import type { ChangeQueue } from './changes';
import type { Outbox } from './outbox';
import type { People } from './people';
import { isSignedOutError, type Rest, type Timers } from './rest';
import type { Session } from './session';
import * as S from './state';
import type { EventId, MemberList, Profile, RoomEvent, RoomId, RoomList, RoomSummary, Seq } from './types';

export interface EventStreamDeps {
  rest: Pick<Rest, 'get'>;
  session: Pick<Session, 'cursor' | 'isReady' | 'request' | 'start' | 'stop'>;
  timers: Timers;
  state: () => S.State;
  set: (state: S.State) => void;
  setConnection: (connection: S.ConnectionStatus) => void;
  /** The room on screen, if any. */
  activeRoom: () => RoomId | null;
  isHidden: () => boolean;
  /** Loads a room's history from scratch (history.ts). */
  openHistory: (roomId: RoomId) => Promise<void>;
  people: Pick<People, 'resolve' | 'refreshPresence' | 'knownIds'>;
  outbox: Pick<Outbox, 'save' | 'flush'>;
  /** Edits, deletions and reactions waiting for the connection (changes.ts). */
  changes: Pick<ChangeQueue, 'flush'>;
  /** Sees every event once, after it is applied (end-to-end encryption does). */
  onApplied: (event: RoomEvent) => void;
}

export class EventStream {
  private readonly recent = new RecentIds();
  /** Events that arrived while a REST sync was running; applied after it. */
  private buffer: RoomEvent[] | null = null;
  private readonly deliveredDue = new Map<RoomId, Seq>();
  private deliveredTimer: unknown = null;
  private readonly readSent = new Map<RoomId, Seq>();
  /** Changes with every socket: a sync that outlives its socket is abandoned. */
  private socketGeneration = 0;

  constructor(private readonly deps: EventStreamDeps) {}

  get generation(): number {
    return this.socketGeneration;
  }

  socketClosed(): void {
    this.socketGeneration += 1;
  }

  /** Signed out: nothing seen or sent is remembered. */
  reset(): void {
    this.recent.clear();
    this.buffer = null;
    this.readSent.clear();
  }

  /** `ready`: live at once when `resumed`, else after a fresh sync from `cursor`. */
  onReady(cursor: EventId, resumed: boolean): void {
    if (resumed) {
      this.deps.setConnection('online');
      this.afterConnect();
    } else {
      void this.sync(cursor);
    }
  }

  onResync(cursor: EventId): void {
    // The cached rooms are too old to patch: fetch them again (keeping the outbox).
    this.recent.clear();
    this.deps.set({ ...this.deps.state(), rooms: {} });
    void this.sync(cursor);
  }

  /** Fetches the room list (and the open room) over REST, then goes live from `cursor`. */
  private async sync(cursor: EventId): Promise<void> {
    const { deps } = this;
    deps.setConnection('syncing');
    this.buffer = [];
    const generation = this.generation;
    try {
      const [{ rooms }, me] = await Promise.all([
        deps.rest.get<RoomList>('/rooms'),
        deps.rest.get<Profile>('/users/me'),
      ]);
      let next = S.setRooms({ ...deps.state(), me }, rooms);
      next = S.addUsers(next, [me]);
      // Timelines (and pins) kept from before are stale: reload the open one from
      // scratch. A refusal to write may be over too (the next send finds out).
      for (const id of Object.keys(next.rooms)) {
        const room = next.rooms[Number(id)];
        if (room) next = { ...next, rooms: { ...next.rooms, [room.room.id]: { ...room, timeline: null, members: null, invitations: null, cannotWrite: false, pins: null } } };
      }
      deps.set(next);
      const active = deps.activeRoom();
      if (active !== null && deps.state().rooms[active]) await deps.openHistory(active);
    } catch (error) {
      if (generation !== this.generation) return;
      this.buffer = null;
      if (isSignedOutError(error)) return;
      // Start over on a fresh connection: the cursor is not valid before the sync is done.
      deps.session.stop();
      deps.timers.setTimeout(() => deps.session.start(), 2_000);
      return;
    }
    // The socket dropped meanwhile: `cursor` belonged to it, and the next
    // connection starts afresh (the session still has no cursor).
    if (generation !== this.generation) return;
    const buffered = this.buffer ?? [];
    this.buffer = null;
    deps.session.cursor = cursor;
    for (const event of buffered) this.apply(event);
    deps.setConnection('online');
    this.afterConnect();
    void deps.people.resolve(deps.people.knownIds());
  }

  private afterConnect(): void {
    this.deps.outbox.flush();
    void this.deps.changes.flush();
    void this.deps.people.refreshPresence();
    const active = this.deps.activeRoom();
    if (active !== null) this.markRead(active);
  }

  onEvent(event: RoomEvent): void {
    if (this.buffer) this.buffer.push(event);
    else this.apply(event);
  }

  /** Applies one event exactly once, then moves the cursor past it. */
  private apply(event: RoomEvent): void {
    const { deps } = this;
    if (this.recent.add(event.id)) {
      const [next, effects] = S.applyEvent(deps.state(), event);
      let state = next;
      const content = event.content;
      if (content.type === 'message' && event.sender_id === deps.state().me?.id) {
        state = S.removePending(state, content.client_id);
        deps.outbox.save(state);
      }
      deps.set(state);
      if (effects.fetchRoom !== undefined) void this.fetchRoom(effects.fetchRoom);
      if (effects.fetchMembers !== undefined) void this.fetchMembers(effects.fetchMembers);
      if (effects.delivered !== undefined) {
        if (this.isVisible(event.room_id)) this.markRead(event.room_id);
        else this.queueDelivered(event.room_id, effects.delivered);
      }
      if ('user_id' in content && !deps.state().users[content.user_id]) void deps.people.resolve([content.user_id]);
      // Someone joined a room of mine: perhaps a new contact, whose presence frames
      // (sent on changes only) told me nothing yet.
      if (content.type === 'member_added' && content.user_id !== deps.state().me?.id) void deps.people.refreshPresence([content.user_id]);
      if (!deps.state().users[event.sender_id]) void deps.people.resolve([event.sender_id]);
      deps.onApplied(event);
    }
    if (deps.session.cursor === null || event.id > deps.session.cursor) deps.session.cursor = event.id;
  }

  private isVisible(roomId: RoomId): boolean {
    return this.deps.activeRoom() === roomId && !this.deps.isHidden();
  }

  async fetchRoom(roomId: RoomId): Promise<void> {
    // One room as the list shows it: my role, the peer and the counts.
    const summary = await this.deps.rest.get<RoomSummary>(`/rooms/${roomId}`).catch(() => null);
    if (!summary) return;
    this.deps.set(S.upsertRoom(this.deps.state(), summary));
    if (summary.peer !== undefined) {
      void this.deps.people.resolve([summary.peer]);
      void this.deps.people.refreshPresence([summary.peer]);
    }
  }

  /** Reloads a room's member list (with everyone's markers). */
  private async fetchMembers(roomId: RoomId): Promise<void> {
    const list = await this.deps.rest.get<MemberList>(`/rooms/${roomId}/members`).catch(() => null);
    if (list && this.deps.state().rooms[roomId]?.members) this.deps.set(S.setMembers(this.deps.state(), roomId, list.members));
  }

  markRead(roomId: RoomId): void {
    const room = this.deps.state().rooms[roomId];
    if (!room) return;
    const seq = room.contentSeq;
    if (seq <= room.readSeq || (this.readSent.get(roomId) ?? -1) >= seq) return;
    if (!this.deps.session.isReady) return;
    this.readSent.set(roomId, seq);
    this.deps.session.request({ type: 'read', room_id: roomId, seq }).catch(() => this.readSent.delete(roomId));
  }

  private queueDelivered(roomId: RoomId, seq: Seq): void {
    this.deliveredDue.set(roomId, Math.max(seq, this.deliveredDue.get(roomId) ?? 0));
    if (this.deliveredTimer !== null) return;
    this.deliveredTimer = this.deps.timers.setTimeout(() => {
      this.deliveredTimer = null;
      for (const [room, due] of this.deliveredDue) {
        this.deps.session.request({ type: 'delivered', room_id: room, seq: due }).catch(() => undefined);
      }
      this.deliveredDue.clear();
    }, 200);
  }
}
