// Changes to sent messages that wait for the connection: edits, deletions and
// reactions made while offline, or whose connection dropped before the server
// answered. Like new messages in the outbox (outbox.ts), they are not lost:
//
// - queued in the order made, shown at once on the message they change (`showChanges`:
//   the new text, the deletion, the reaction), marked as waiting;
// - coalesced while they wait (`queueChange`): a later edit replaces an earlier one,
//   a deletion makes the message's other changes moot, a reaction taken back before
//   it was sent cancels out;
// - replayed once the connection is back (after `ready`), one at a time in order, each
//   removed when the server has it. A change whose answer was lost is sent again: an
//   edit or a reaction again changes nothing more, and a deletion the server answers
//   `not_found` (already deleted) counts as done;
// - a refusal (`forbidden`, a message deleted meanwhile...) marks the change failed on
//   its message, with the reason, until the user retries or discards it;
// - kept in storage per account (under the outbox's prefix, so sign-out forgets them
//   with it). Encrypted rooms do not queue: their changes are encrypted contents that
//   need the group's current epoch (messageActions.ts refuses them offline).

import { ApiError, NetworkError, type KeyValueStorage, type Timers } from './rest';
import { DisconnectedError, RequestError } from './session';
import * as S from './state';
import type { MessageContent, RoomId, Seq, UserId } from './types';

/** Under the outbox's prefix (`confab.outbox.`): forgetting outboxes forgets these. */
const KEY_PREFIX = 'confab.outbox.changes.';
/** How long a change waits before it is sent again after `rate_limited` or a lost request. */
const RETRY_WAIT_MS = 1_000;

export type MessageChange = { kind: 'edit'; text: string } | { kind: 'delete' } | { kind: 'react'; emoji: string; add: boolean };

/** A change to one of a room's messages that the server does not have yet. */
export interface PendingChange {
  id: string;
  roomId: RoomId;
  seq: Seq;
  change: MessageChange;
  status: 'waiting' | 'failed';
  error?: string;
}

const sameMessage = (a: { roomId: RoomId; seq: Seq }, b: { roomId: RoomId; seq: Seq }) => a.roomId === b.roomId && a.seq === b.seq;

/** The queue with `next` added, coalesced with what waits for the same message. */
export function queueChange(queue: PendingChange[], next: PendingChange): PendingChange[] {
  const waiting = (c: PendingChange) => c.status === 'waiting' && sameMessage(c, next);
  const { change } = next;
  switch (change.kind) {
    case 'edit':
      return [...queue.filter((c) => !(waiting(c) && c.change.kind === 'edit')), next];
    case 'delete':
      return [...queue.filter((c) => !waiting(c)), next];
    case 'react': {
      const same = queue.find((c) => waiting(c) && c.change.kind === 'react' && c.change.emoji === change.emoji);
      const rest = queue.filter((c) => c !== same);
      if (same && same.change.kind === 'react' && same.change.add !== change.add) return rest;
      return [...rest, next];
    }
  }
}

/** What a message shows with the changes that wait for it, and whether any waits or failed. */
export function showChanges(content: MessageContent, changes: PendingChange[], me: UserId): { content: MessageContent; waiting: boolean; failed: PendingChange[] } {
  let shown = content;
  let waiting = false;
  const failed: PendingChange[] = [];
  for (const c of changes) {
    if (c.status === 'failed') {
      failed.push(c);
      continue;
    }
    if (shown.deleted_at) break;
    waiting = true;
    const { change } = c;
    if (change.kind === 'edit') shown = { ...shown, body: { type: 'text', text: change.text }, edited_at: shown.edited_at ?? new Date(0).toISOString() };
    else if (change.kind === 'react') shown = { ...shown, reactions: S.withReaction(shown.reactions, change.emoji, me, change.add) };
    else {
      const { body: _body, reactions: _reactions, attachments: _attachments, ...rest } = shown;
      shown = { ...rest, deleted_at: new Date(0).toISOString() };
    }
  }
  return { content: shown, waiting, failed };
}

/** The changes waiting for, or refused on, one message. */
export function changesOf(state: S.State, roomId: RoomId, seq: Seq): PendingChange[] {
  return state.changes.filter((c) => c.roomId === roomId && c.seq === seq);
}

export interface ChangeQueueDeps {
  state: () => S.State;
  set: (state: S.State) => void;
  storage: KeyValueStorage;
  timers: Timers;
  newId: () => string;
  isReady: () => boolean;
  refreshToken: () => Promise<void>;
  /** Sends one change (over the socket, else REST); rejects with the server's refusal. */
  send: (change: PendingChange) => Promise<void>;
  /** A change was refused: the client notes what that means for the room. */
  onRefused: (roomId: RoomId, error: unknown) => void;
}

/** Whether an error means the server was not reached (the change waits), not refused. */
export function unreached(error: unknown): boolean {
  return error instanceof DisconnectedError || error instanceof NetworkError;
}

export class ChangeQueue {
  private replaying = false;

  constructor(private readonly deps: ChangeQueueDeps) {}

  /** Whether changes wait: a new one queues behind them, to keep the order. */
  get hasWaiting(): boolean {
    return this.deps.state().changes.some((c) => c.status === 'waiting');
  }

  /** Queues a change, shown at once; it is sent now if connected, else after `ready`. */
  add(roomId: RoomId, seq: Seq, change: MessageChange): void {
    const pending: PendingChange = { id: this.deps.newId(), roomId, seq, change, status: 'waiting' };
    this.update(queueChange(this.deps.state().changes, pending));
    void this.flush();
  }

  /** Sends a refused change again. */
  retry(id: string): void {
    this.update(this.deps.state().changes.map((c) => (c.id === id ? { id: c.id, roomId: c.roomId, seq: c.seq, change: c.change, status: 'waiting' as const } : c)));
    void this.flush();
  }

  discard(id: string): void {
    this.update(this.deps.state().changes.filter((c) => c.id !== id));
  }

  /** Sends the waiting changes, one at a time in order (call after `ready`). */
  async flush(): Promise<void> {
    if (this.replaying) return;
    this.replaying = true;
    try {
      for (;;) {
        const next = this.deps.state().changes.find((c) => c.status === 'waiting');
        if (!next || !this.deps.isReady()) return;
        if (await this.sendOne(next)) this.update(this.deps.state().changes.filter((c) => c.id !== next.id));
      }
    } finally {
      this.replaying = false;
    }
  }

  /** The changes `userId` left in storage. */
  load(userId: UserId): PendingChange[] {
    try {
      const raw = this.deps.storage.getItem(KEY_PREFIX + userId);
      return raw ? (JSON.parse(raw) as PendingChange[]) : [];
    } catch {
      return [];
    }
  }

  /**
   * Sends one change: true once the server has it (or has it already), false when it
   * failed and is marked so; throws nothing. When the server cannot be reached it
   * waits: `flush` stops at the `isReady` check until the next `ready`.
   */
  private async sendOne(change: PendingChange): Promise<boolean> {
    for (;;) {
      try {
        await this.deps.send(change);
        return true;
      } catch (error) {
        const code = error instanceof RequestError || error instanceof ApiError ? error.code : undefined;
        if (unreached(error)) {
          if (!this.deps.isReady()) return false;
          await this.pause();
        } else if (code === 'rate_limited') {
          await this.pause();
        } else if (code === 'token_expired') {
          await this.deps.refreshToken().catch(() => undefined);
        } else if (code === 'not_found' && change.change.kind === 'delete') {
          return true; // deleted already: the answer to an earlier try was lost
        } else {
          this.deps.onRefused(change.roomId, error);
          const message = error instanceof Error ? error.message : 'refused';
          this.update(this.deps.state().changes.map((c) => (c.id === change.id ? { ...c, status: 'failed' as const, error: message } : c)));
          return false;
        }
      }
    }
  }

  private pause(): Promise<void> {
    return new Promise<void>((resolve) => this.deps.timers.setTimeout(resolve, RETRY_WAIT_MS));
  }

  private update(changes: PendingChange[]): void {
    const state = { ...this.deps.state(), changes };
    this.deps.set(state);
    const me = state.me?.id;
    if (me === undefined) return;
    if (changes.length === 0) this.deps.storage.removeItem(KEY_PREFIX + me);
    else this.deps.storage.setItem(KEY_PREFIX + me, JSON.stringify(changes));
  }
}
