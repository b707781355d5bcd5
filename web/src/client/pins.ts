// Pinned messages (docs/protocol.md, "Pinned messages"): who may pin (`mayPin`), how a
// room's events change its pins (pure, applied by state.ts), and `PinnedMessages`,
// which loads a room's pins when it opens.
//
// A room's pins (`RoomState.pins`, null until loaded) are the server's list, the
// latest pin first, read with GET /rooms/{id}/pins and then kept current by the
// room's events: `message_pinned` puts its message first (from the loaded timeline; a
// message the client does not have makes it read the list again), `message_unpinned`
// and `message_deleted` take it out (deleting a pinned message unpins it without an
// event of its own), and `message_edited` changes its text. Pin events that arrive
// while the list is being read are applied again to the answer, in order: each sets
// whether one message is pinned, so applying one the answer already reflects changes
// nothing. End-to-end encrypted rooms have no pins, and nothing is loaded there.

import type { RoomAdmin } from './rooms';
import type { RoomState, State } from './state';
import type { MessageEvent, Pin, Role, Room, RoomEvent, RoomId, Seq, UserId } from './types';

/**
 * Whether I may pin and unpin messages in a room: never in an encrypted one; in a
 * direct room, both people; in a group, admins and the owner, and every member where
 * the group's `pinning` is `everyone`.
 */
export function mayPin(room: Room, myRole: Role): boolean {
  if (room.encrypted) return false;
  return room.kind === 'direct' || room.pinning === 'everyone' || myRole === 'admin' || myRole === 'owner';
}

/** The pin of message `seq`, if it is pinned (as far as the loaded list says). */
export function pinOf(pins: readonly Pin[] | null, seq: Seq): Pin | undefined {
  return pins?.find((p) => p.message.seq === seq);
}

/** The seqs of a room's pinned messages; empty until its pins are loaded. */
export function pinnedSeqs(pins: readonly Pin[] | null): ReadonlySet<Seq> {
  return new Set((pins ?? []).map((p) => p.message.seq));
}

/** The message a pin event is about, or undefined for any other event. */
function pinTarget(event: RoomEvent): Seq | undefined {
  const c = event.content;
  return c.type === 'message_pinned' || c.type === 'message_unpinned' || c.type === 'message_deleted' ? c.target_seq : undefined;
}

/**
 * A room's pins after one of its events. `known` finds a message the client has (its
 * loaded timeline). Pins not loaded (null) stay so: their load reads them whole.
 */
export function pinsAfter(pins: Pin[] | null, event: RoomEvent, known: (seq: Seq) => MessageEvent | undefined): Pin[] | null {
  if (!pins) return pins;
  const c = event.content;
  switch (c.type) {
    case 'message_pinned': {
      const message = known(c.target_seq);
      if (pinOf(pins, c.target_seq) || !message || message.content.deleted_at) return pins;
      // The list holds messages without their reactions, as the server's does.
      const { reactions: _reactions, ...content } = message.content;
      return [{ message: { ...message, content }, pinned_by: event.sender_id, pinned_at: event.created_at }, ...pins];
    }
    case 'message_unpinned':
    case 'message_deleted':
      return pinOf(pins, c.target_seq) ? pins.filter((p) => p.message.seq !== c.target_seq) : pins;
    case 'message_edited':
      if (!pinOf(pins, c.target_seq)) return pins;
      return pins.map((p) =>
        p.message.seq === c.target_seq && p.message.content.type === 'message'
          ? { ...p, message: { ...p.message, content: { ...p.message.content, body: c.body ?? p.message.content.body, edited_at: event.created_at } } }
          : p,
      );
    default:
      return pins;
  }
}

/**
 * Whether pin events leave the list short of a message they pinned: the last word
 * about some message was `message_pinned`, and the list (which had no copy of the
 * message to show) does not hold it.
 */
export function missesPin(pins: readonly Pin[], events: readonly RoomEvent[]): boolean {
  const last = new Map<Seq, RoomEvent['content']['type']>();
  for (const event of events) {
    const target = pinTarget(event);
    if (target !== undefined) last.set(target, event.content.type);
  }
  return [...last].some(([seq, type]) => type === 'message_pinned' && !pinOf(pins, seq));
}

export interface PinnedMessagesDeps {
  rooms: Pick<RoomAdmin, 'pins'>;
  state: () => State;
  set: (state: State) => void;
  /** Looks up the profiles of people the client has not seen yet. */
  resolveUsers: (ids: UserId[]) => void;
  /** The message at `seq` if the client has it (state.ts's `knownMessage`). */
  known: (room: RoomState, seq: Seq) => MessageEvent | undefined;
}

export class PinnedMessages {
  /** Rooms whose pins are being read, with their pin events that arrived meanwhile. */
  private readonly loading = new Map<RoomId, { events: RoomEvent[]; done: Promise<void> }>();

  constructor(private readonly deps: PinnedMessagesDeps) {}

  /**
   * Loads a room's pins unless they are loaded (`again` reads them anyway); shares a
   * load that is running. Does nothing in an encrypted room.
   */
  load(roomId: RoomId, again = false): Promise<void> {
    const room = this.deps.state().rooms[roomId];
    if (!room || room.room.encrypted) return Promise.resolve();
    const running = this.loading.get(roomId);
    if (running) return running.done;
    if (room.pins && !again) return Promise.resolve();
    const events: RoomEvent[] = [];
    const done = this.read(roomId, events)
      .finally(() => this.loading.delete(roomId))
      // A pin made while the list was on its way, of a message this client has no copy of.
      .then((short) => (short ? this.load(roomId, true) : undefined));
    this.loading.set(roomId, { events, done });
    return done;
  }

  /** Call with each room event once it is applied to the state. */
  onEvent(event: RoomEvent): void {
    if (pinTarget(event) === undefined && event.content.type !== 'message_edited') return;
    const running = this.loading.get(event.room_id);
    if (running) {
      running.events.push(event);
      return;
    }
    const pins = this.deps.state().rooms[event.room_id]?.pins;
    if (pins && missesPin(pins, [event])) void this.load(event.room_id, true).catch(() => undefined);
  }

  /** Reads a room's pins and applies the events that came meanwhile; true if they still miss a pin. */
  private async read(roomId: RoomId, events: RoomEvent[]): Promise<boolean> {
    const answer = await this.deps.rooms.pins(roomId);
    const state = this.deps.state();
    const room = state.rooms[roomId];
    if (!room) return false;
    let pins: Pin[] = answer;
    for (const event of events) pins = pinsAfter(pins, event, (seq) => this.deps.known(room, seq)) ?? pins;
    this.deps.set({ ...state, rooms: { ...state.rooms, [roomId]: { ...room, pins } } });
    this.deps.resolveUsers(pins.flatMap((p) => [p.message.sender_id, p.pinned_by]));
    return missesPin(pins, events);
  }
}
