// Edits, deletions and reactions of sent messages (and removing a link preview), and
// what differs in an end-to-end encrypted room.
//
// - plain rooms: an edit, a deletion or a reaction goes over the socket when it is
//   connected, else over REST. Made offline, or cut off by a lost connection, it waits
//   in the change queue (changes.ts), shown at once, and is sent once the connection
//   is back; while changes wait, new ones queue behind them to keep the order;
// - encrypted rooms: edits and reactions are encrypted contents sent through E2ee
//   (e2ee.ts), like the new messages the outbox sends there (`sendEncrypted`, with
//   the keys of the files it carries, uploaded encrypted: uploads.ts). They need the
//   group's current epoch, so offline they are refused at once in words
//   (`OFFLINE_ENCRYPTED_MESSAGE`). Deletions are not encrypted, and queue like any;
// - a write refused as `forbidden` in a direct room: one of us blocked the other, and
//   the room is marked as closed for writing (`noteRefusal`, the outbox's too).

import { ChangeQueue, unreached, type MessageChange, type PendingChange } from './changes';
import type { E2ee } from './e2ee';
import type { EncryptedContent } from './e2eeView';
import { ApiError, type KeyValueStorage, type Rest, type Timers } from './rest';
import { DisconnectedError, RequestError, type Session } from './session';
import * as S from './state';
import type { MessageBody, RequestFrame, RoomId, Seq } from './types';

/** Why an edit or a reaction in an encrypted room is refused offline. */
export const OFFLINE_ENCRYPTED_MESSAGE = 'you are offline; in an end-to-end encrypted conversation, edits and reactions need the connection, so try again once you are back online';

export interface MessageActionsDeps {
  rest: Pick<Rest, 'call'>;
  session: Pick<Session, 'isReady' | 'request'>;
  e2ee: Pick<E2ee, 'send'>;
  state: () => S.State;
  set: (state: S.State) => void;
  storage: KeyValueStorage;
  timers: Timers;
  newId: () => string;
  refreshToken: () => Promise<void>;
}

export class MessageActions {
  /** Changes of plain rooms that wait for the connection. */
  readonly changes: ChangeQueue;

  constructor(private readonly deps: MessageActionsDeps) {
    this.changes = new ChangeQueue({
      state: deps.state,
      set: deps.set,
      storage: deps.storage,
      timers: deps.timers,
      newId: deps.newId,
      isReady: () => deps.session.isReady,
      refreshToken: deps.refreshToken,
      send: (change) => this.send(change),
      onRefused: (roomId, error) => this.noteRefusal(roomId, error),
    });
  }

  edit(roomId: RoomId, seq: Seq, text: string): Promise<void> {
    if (this.isEncrypted(roomId)) return this.sendEncryptedChange(roomId, { type: 'edit', target_seq: seq, text });
    return this.act(roomId, seq, { kind: 'edit', text });
  }

  delete(roomId: RoomId, seq: Seq): Promise<void> {
    return this.act(roomId, seq, { kind: 'delete' });
  }

  react(roomId: RoomId, seq: Seq, emoji: string, add: boolean): Promise<void> {
    if (this.isEncrypted(roomId)) return this.sendEncryptedChange(roomId, { type: 'reaction', target_seq: seq, emoji, add });
    return this.act(roomId, seq, { kind: 'react', emoji, add });
  }

  /**
   * Removes the link preview of a message of mine (REST only: it is not queued, so an
   * error reaches the caller). The `link_preview_removed` event updates the state.
   */
  async removePreview(roomId: RoomId, seq: Seq): Promise<void> {
    await this.deps.rest.call('DELETE', `/rooms/${roomId}/messages/${seq}/preview`);
  }

  /** Sends a new message of the outbox to an encrypted room, with its client_id and its files' keys. */
  sendEncrypted(pending: S.PendingMessage): Promise<void> {
    const { roomId, body, replyTo, clientId } = pending;
    const files = (pending.attachments ?? []).flatMap((f) => (f.encrypted ? [f.encrypted] : []));
    const content: EncryptedContent = {
      type: 'text',
      text: body.type === 'text' ? body.text : '',
      ...(replyTo !== undefined ? { reply_to: replyTo } : {}),
      ...(files.length > 0 ? { attachments: files } : {}),
    };
    return this.deps.e2ee.send(roomId, content, clientId);
  }

  /** A write refused as `forbidden` in a direct room: one of us blocked the other. */
  noteRefusal(roomId: RoomId, error: unknown): void {
    const forbidden = (error instanceof RequestError || error instanceof ApiError) && error.code === 'forbidden';
    const state = this.deps.state();
    if (forbidden && state.rooms[roomId]?.room.kind === 'direct') this.deps.set(S.setCannotWrite(state, roomId, true));
  }

  private isEncrypted(roomId: RoomId): boolean {
    return this.deps.state().rooms[roomId]?.room.encrypted === true;
  }

  private sendEncryptedChange(roomId: RoomId, content: EncryptedContent): Promise<void> {
    if (this.deps.state().connection === 'offline') return Promise.reject(new Error(OFFLINE_ENCRYPTED_MESSAGE));
    return this.deps.e2ee.send(roomId, content);
  }

  /**
   * A plain room's change: sent now when connected and nothing waits before it, else
   * queued (shown at once, sent after `ready`). Resolves once the server has it or it
   * is queued; rejects with the server's refusal.
   */
  private async act(roomId: RoomId, seq: Seq, change: MessageChange): Promise<void> {
    if (this.deps.state().connection === 'offline' || this.changes.hasWaiting) {
      this.changes.add(roomId, seq, change);
      return;
    }
    try {
      await this.send({ id: '', roomId, seq, change, status: 'waiting' });
    } catch (error) {
      if (unreached(error)) {
        this.changes.add(roomId, seq, change);
        return;
      }
      this.noteRefusal(roomId, error);
      throw error;
    }
  }

  /** Sends one change: over the socket when it is ready, else over REST. */
  private async send({ roomId, seq, change }: PendingChange): Promise<void> {
    if (this.deps.session.isReady) {
      try {
        await this.deps.session.request(changeFrame(roomId, seq, change));
        return;
      } catch (error) {
        if (!(error instanceof DisconnectedError)) throw error;
      }
    }
    const path = `/rooms/${roomId}/messages/${seq}`;
    if (change.kind === 'edit') await this.deps.rest.call('PATCH', path, { body: textBody(change.text) });
    else if (change.kind === 'delete') await this.deps.rest.call('DELETE', path);
    else await this.deps.rest.call(change.add ? 'PUT' : 'DELETE', `${path}/reactions/${encodeURIComponent(change.emoji)}`);
  }
}

function textBody(text: string): MessageBody {
  return { type: 'text', text };
}

/** The WebSocket request of a change. */
function changeFrame(roomId: RoomId, seq: Seq, change: MessageChange): RequestFrame {
  switch (change.kind) {
    case 'edit':
      return { type: 'edit', room_id: roomId, seq, body: textBody(change.text) };
    case 'delete':
      return { type: 'delete', room_id: roomId, seq };
    case 'react':
      return { type: 'react', room_id: roomId, seq, emoji: change.emoji, add: change.add };
  }
}
