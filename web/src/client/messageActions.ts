// Edits, deletions and reactions of sent messages, and what differs in an end-to-end
// encrypted room.
//
// - plain rooms: an edit, a deletion or a reaction goes over the socket when it is
//   connected, else over REST. Unlike new messages these are not queued: while offline
//   they are refused at once (with `OFFLINE_MESSAGE`), so the user sees that nothing
//   happened and can try again, rather than losing them silently;
// - encrypted rooms: edits and reactions are encrypted contents sent through E2ee
//   (e2ee.ts), like the new messages the outbox sends there (`sendEncrypted`, with
//   the keys of the files it carries, uploaded encrypted: uploads.ts);
//   deletions are not encrypted;
// - a write refused as `forbidden` in a direct room: one of us blocked the other, and
//   the room is marked as closed for writing (`noteRefusal`, the outbox's too).

import type { E2ee } from './e2ee';
import type { EncryptedContent } from './e2eeView';
import { ApiError, OFFLINE_MESSAGE, type Rest } from './rest';
import { DisconnectedError, RequestError, type Session } from './session';
import * as S from './state';
import type { MessageBody, RequestFrame, RoomId, Seq } from './types';

export interface MessageActionsDeps {
  rest: Pick<Rest, 'call'>;
  session: Pick<Session, 'isReady' | 'request'>;
  e2ee: Pick<E2ee, 'send'>;
  state: () => S.State;
  set: (state: S.State) => void;
}

export class MessageActions {
  constructor(private readonly deps: MessageActionsDeps) {}

  edit(roomId: RoomId, seq: Seq, text: string): Promise<void> {
    if (this.isEncrypted(roomId)) return this.deps.e2ee.send(roomId, { type: 'edit', target_seq: seq, text });
    const body: MessageBody = { type: 'text', text };
    return this.act({ type: 'edit', room_id: roomId, seq, body }, () =>
      this.deps.rest.call('PATCH', `/rooms/${roomId}/messages/${seq}`, { body }),
    );
  }

  delete(roomId: RoomId, seq: Seq): Promise<void> {
    return this.act({ type: 'delete', room_id: roomId, seq }, () => this.deps.rest.call('DELETE', `/rooms/${roomId}/messages/${seq}`));
  }

  react(roomId: RoomId, seq: Seq, emoji: string, add: boolean): Promise<void> {
    if (this.isEncrypted(roomId)) return this.deps.e2ee.send(roomId, { type: 'reaction', target_seq: seq, emoji, add });
    return this.act({ type: 'react', room_id: roomId, seq, emoji, add }, () =>
      this.deps.rest.call(add ? 'PUT' : 'DELETE', `/rooms/${roomId}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`),
    );
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

  /** Sends a plain room's edit, deletion or reaction: over the socket, else over REST. */
  private async act(frame: RequestFrame & { room_id: RoomId }, rest: () => Promise<unknown>): Promise<void> {
    if (this.deps.state().connection === 'offline') throw new Error(OFFLINE_MESSAGE);
    try {
      if (this.deps.session.isReady) {
        try {
          await this.deps.session.request(frame);
          return;
        } catch (error) {
          if (!(error instanceof DisconnectedError)) throw error;
        }
      }
      await rest();
    } catch (error) {
      this.noteRefusal(frame.room_id, error);
      throw error;
    }
  }
}
