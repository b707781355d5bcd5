// The outbox: messages I wrote that the server has not stored yet.
//
// A message gets its client_id when written and shows as pending at once. It is sent
// when connected, sent again with the same client_id after a reconnect (the server
// stores it once), and leaves the outbox when its event arrives from the stream (the
// client removes it there). A refusal marks it failed until the user retries (same
// client_id) or discards it; `rate_limited` and `token_expired` are waited out. The
// outbox is kept in storage per account, so unsent messages survive a reload (except
// those of end-to-end encrypted rooms, which e2ee.ts sends: not kept in the clear).

import type { KeyValueStorage, Timers } from './rest';
import { DisconnectedError, RequestError, type Session } from './session';
import * as S from './state';
import type { ShownFile } from './e2eeView';
import type { RequestFrame, RoomId, Seq, UserId } from './types';

const KEY_PREFIX = 'confab.outbox.';

export interface OutboxDeps {
  state: () => S.State;
  set: (state: S.State) => void;
  session: Pick<Session, 'isReady' | 'request'>;
  storage: KeyValueStorage;
  timers: Timers;
  newId: () => string;
  refreshToken: () => Promise<void>;
  /** A send was refused: the client notes what that means for the room. */
  onRefused: (roomId: RoomId, error: unknown) => void;
  /** Sends a message of an end-to-end encrypted room (e2ee.ts) instead of the socket. */
  sendEncrypted?: (pending: S.PendingMessage) => Promise<void>;
}

/** Removes the unsent messages of every account from storage (at sign-out). */
export function forgetOutboxes(storage: KeyValueStorage): void {
  const keys: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key?.startsWith(KEY_PREFIX)) keys.push(key);
  }
  for (const key of keys) storage.removeItem(key);
}

export class Outbox {
  constructor(private readonly deps: OutboxDeps) {}

  /**
   * Queues a message; it shows as pending until the server's event replaces it.
   * `attachments` are files uploaded already.
   */
  send(roomId: RoomId, text: string, replyTo?: Seq, attachments?: ShownFile[]): void {
    const pending: S.PendingMessage = {
      clientId: this.deps.newId(),
      roomId,
      body: { type: 'text', text },
      replyTo,
      createdAt: new Date(this.deps.timers.now()).toISOString(),
      status: 'sending',
    };
    if (attachments && attachments.length > 0) pending.attachments = attachments;
    const next = S.addPending(this.deps.state(), pending);
    this.deps.set(next);
    this.save(next);
    void this.deliver(pending);
  }

  /** Sends a failed message again, with the same client_id. */
  retry(clientId: string): void {
    const state = this.deps.state();
    const pending = state.pending.find((p) => p.clientId === clientId);
    if (!pending) return;
    this.deps.set(S.updatePending(state, clientId, { status: 'sending', error: undefined }));
    void this.deliver({ ...pending, status: 'sending' });
  }

  discard(clientId: string): void {
    const next = S.removePending(this.deps.state(), clientId);
    this.deps.set(next);
    this.save(next);
  }

  /** Sends every message waiting to be sent (after `ready`). */
  flush(): void {
    for (const pending of this.deps.state().pending) if (pending.status === 'sending') void this.deliver(pending);
  }

  /** The outbox `userId` left in storage. */
  load(userId: UserId): S.PendingMessage[] {
    try {
      const raw = this.deps.storage.getItem(KEY_PREFIX + userId);
      return raw ? (JSON.parse(raw) as S.PendingMessage[]) : [];
    } catch {
      return [];
    }
  }

  /** Stores the outbox of `state` (call after each change to it). */
  save(state: S.State): void {
    if (!state.me) return;
    // The plaintext of an end-to-end encrypted room is not left in storage in the clear,
    // nor the keys of its files (checked on their own too: the room may not be listed yet).
    const kept = state.pending.filter((p) => !state.rooms[p.roomId]?.room.encrypted && !p.attachments?.some((f) => f.encrypted));
    if (kept.length === 0) this.deps.storage.removeItem(KEY_PREFIX + state.me.id);
    else this.deps.storage.setItem(KEY_PREFIX + state.me.id, JSON.stringify(kept));
  }

  private async deliver(pending: S.PendingMessage): Promise<void> {
    if (!this.deps.session.isReady) return; // sent by flush after the next `ready`
    if (this.deps.sendEncrypted && this.deps.state().rooms[pending.roomId]?.room.encrypted) {
      try {
        await this.deps.sendEncrypted(pending);
      } catch (error) {
        this.fail(pending, error);
      }
      return;
    }
    const frame: RequestFrame = { type: 'send', room_id: pending.roomId, client_id: pending.clientId, body: pending.body };
    if (pending.replyTo !== undefined) frame.reply_to = pending.replyTo;
    if (pending.attachments && pending.attachments.length > 0) frame.attachments = pending.attachments.map((f) => f.id);
    try {
      await this.deps.session.request(frame);
      // Removed when its event arrives from the stream (right after this `ok`).
    } catch (error) {
      if (error instanceof DisconnectedError) return; // re-sent after the reconnect
      if (error instanceof RequestError && error.code === 'rate_limited') {
        this.deps.timers.setTimeout(() => void this.deliver(pending), 1_000);
        return;
      }
      if (error instanceof RequestError && error.code === 'token_expired') {
        await this.deps.refreshToken().catch(() => undefined);
        this.deps.timers.setTimeout(() => void this.deliver(pending), 200);
        return;
      }
      // Any other refusal is final (a `forbidden` above all: retrying cannot help until
      // something changes); it stays in the outbox, failed, until the user retries or
      // discards it.
      this.fail(pending, error);
    }
  }

  private fail(pending: S.PendingMessage, error: unknown): void {
    this.deps.onRefused(pending.roomId, error);
    const message = error instanceof Error ? error.message : 'could not send';
    const next = S.updatePending(this.deps.state(), pending.clientId, { status: 'failed', error: message });
    this.deps.set(next);
    this.save(next);
  }
}
