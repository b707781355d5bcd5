// The "Pinned" tab of a conversation's details: its pinned messages, the latest pin
// first, each with its sender, an excerpt of its text (without its marks, as previews
// show it) and who pinned it when. The list is the room's `pins` (client/pins.ts),
// which pin events keep current while it is open. A click shows the message in the
// conversation, loading the history around it; those who may pin have Unpin.

import { useCallback, useEffect, useState } from 'react';
import { mayPin } from '../client/pins';
import { isBlocked } from '../client/state';
import type { Pin, RoomId } from '../client/types';
import { Avatar } from './Avatar';
import { formatListTime, useChatState, useClient, userAvatarFile } from './hooks';
import { messagePreview, PreviewLine } from './Preview';
import { name, pinFailure, showMessage } from './Timeline';

export function RoomPins({ roomId, id, labelledBy, onShow }: { roomId: RoomId; id: string; labelledBy: string; onShow: () => void }) {
  const client = useClient();
  const state = useChatState();
  const room = state.rooms[roomId];
  const [failed, setFailed] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // Loaded when the room opened; this loads them if that failed.
  const load = useCallback(() => {
    setFailed(false);
    client.pins.load(roomId).catch(() => setFailed(true));
  }, [client, roomId]);
  useEffect(load, [load]);

  if (!room) return null;
  const pins = room.pins;
  const canPin = mayPin(room.room, room.myRole);
  const show = (seq: number) => {
    setError(null);
    showMessage(client, roomId, seq, setError);
    onShow();
  };
  const unpin = (seq: number) => {
    setError(null);
    client.rooms.unpin(roomId, seq).catch((e: unknown) => setError(pinFailure(e, false, room.room.kind === 'direct')));
  };

  return (
    <div className="room-pins" role="tabpanel" id={id} aria-labelledby={labelledBy}>
      {error && (
        <p className="form-error small" role="alert">
          {error}
        </p>
      )}
      {pins === null ? (
        failed ? (
          <p className="form-error small" role="alert">
            Could not load the pinned messages.{' '}
            <button type="button" className="link" onClick={load}>
              Try again
            </button>
          </p>
        ) : (
          <p className="muted center">Loading pinned messages…</p>
        )
      ) : pins.length === 0 ? (
        <div className="room-pins__empty muted center">
          <p>No pinned messages yet.</p>
          <p className="small">
            {canPin
              ? 'To keep a message here for everyone, choose Pin (📌) among its actions.'
              : 'Admins pin important messages with Pin (📌) among a message’s actions; they show here.'}
          </p>
        </div>
      ) : (
        <ul className="pins" aria-label="Pinned messages">
          {pins.map((pin) => (
            <PinRow key={pin.message.seq} pin={pin} group={room.room.kind === 'group'} onShow={show} onUnpin={canPin ? unpin : undefined} />
          ))}
        </ul>
      )}
    </div>
  );
}

function PinRow({ pin, group, onShow, onUnpin }: { pin: Pin; group: boolean; onShow: (seq: number) => void; onUnpin?: (seq: number) => void }) {
  const state = useChatState();
  const { message } = pin;
  const me = state.me?.id;
  const sender = name(state, message.sender_id);
  const pinner = pin.pinned_by === me ? 'you' : name(state, pin.pinned_by);
  const content = message.content.type === 'message' ? message.content : null;
  // As in the timeline, a group message from someone I blocked is not shown.
  const hidden = group && message.sender_id !== me && isBlocked(state, message.sender_id);
  return (
    <li className="pin">
      <button type="button" className="pin__open" onClick={() => onShow(message.seq)} aria-describedby={`pin-hint-${message.seq}`}>
        <Avatar id={message.sender_id} name={sender} size="sm" fileId={userAvatarFile(state, message.sender_id)} />
        <span className="pin__text">
          <span className="pin__head">
            <span className="pin__sender">{sender}</span>
            <time className="pin__time" dateTime={message.created_at}>
              {formatListTime(message.created_at)}
            </time>
          </span>
          <span className="pin__excerpt">{hidden ? <em>Message from someone you blocked</em> : content && <PreviewLine preview={messagePreview(content)} max={400} />}</span>
          <span className="pin__meta">
            Pinned by {pinner} · <time dateTime={pin.pinned_at}>{formatListTime(pin.pinned_at)}</time>
          </span>
        </span>
        <span id={`pin-hint-${message.seq}`} hidden>
          Shows the message in the conversation
        </span>
      </button>
      {onUnpin && (
        <button type="button" className="btn btn--ghost btn--sm pin__unpin" aria-label={`Unpin the message from ${sender}`} onClick={() => onUnpin(message.seq)}>
          Unpin
        </button>
      )}
    </li>
  );
}
