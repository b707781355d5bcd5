// The timeline of a conversation: day separators, messages (grouped by sender, with
// quotes, link previews, attachments, reactions, the pinned mark and their actions),
// membership and room lines (a pin's line shows its message when clicked), messages from people I
// blocked folded away, messages of an encrypted room that cannot be decrypted here
// folded into one line per run, and my messages still in the outbox.
//
// The messages are one stop of the Tab key (a roving tabindex): the last message, or
// the one last focused, takes it; the arrow keys move between messages, Home and End
// go to the first and last; Tab from a message reaches its toolbar (Reply, React,
// Edit, Pin, Delete), which shows while the message has the focus; Escape goes back
// from the toolbar to the message.

import { useRef, useState, type KeyboardEvent } from 'react';
import { ApiError, type ChatClient } from '../client/client';
import { mayPin, pinOf } from '../client/pins';
import { isBlocked, joinedByAccepting, messageStatus, type PendingMessage, type RoomState, type State } from '../client/state';
import { changesOf, showChanges, type PendingChange } from '../client/changes';
import { foldUnreadable, unreadableLine, type Revealed } from '../client/e2eeView';
import type { FileInfo, MessageEvent, Profile, RoomEvent } from '../client/types';
import { MessageAttachments } from './Attachments';
import { Avatar } from './Avatar';
import { dayKey, formatDay, formatDayInSentence, formatTime, useClient, userAvatarFile } from './hooks';
import { Formatted } from './markdown';
import { LinkPreviewCard } from './LinkPreviewCard';
import { ReactionPicker } from './ReactionPicker';
import { messagePreview, PreviewLine } from './Preview';
import './pins.css';

export type Image = FileInfo & { width: number; height: number };
/** Opens the image viewer on one of a message's images. */
export type OpenImages = (images: Image[], index: number) => void;

/** Consecutive messages of one sender within this time share one header. */
const GROUP_GAP_MS = 5 * 60_000;

export function name(state: State, id: number): string {
  return state.users[id]?.display_name ?? 'Someone';
}

function isMessage(e: RoomEvent): e is MessageEvent {
  return e.content.type === 'message';
}

/** Why an action on a message failed, in words for the conversation's notice. */
export function actionFailure(what: string, e: unknown): string {
  // The server's refusal (REST or WebSocket), or "cannot reach the server".
  return e instanceof Error && e.message ? `Could not ${what}: ${e.message}.` : `Could not ${what}; check your connection and try again.`;
}

/** Why pinning or unpinning a message failed, in words for the conversation's notice. */
export function pinFailure(e: unknown, pin: boolean, direct: boolean): string {
  const what = pin ? 'pin the message' : 'unpin the message';
  if (e instanceof ApiError && e.code === 'too_many_pins') return 'Could not pin the message: this conversation has as many pinned messages as it can hold. Unpin one first.';
  if (e instanceof ApiError && e.code === 'forbidden') return `Could not ${what}: ${direct ? 'one of you blocked the other' : 'only admins pin messages in this group'}.`;
  if (e instanceof ApiError && e.code === 'not_found') return `Could not ${what}: it was deleted.`;
  return actionFailure(what, e);
}

/** Shows a message of the room in the conversation, loading the history around it if need be. */
export function showMessage(client: ChatClient, roomId: number, seq: number, onError: (message: string) => void): void {
  client.openRoomAt(roomId, seq).catch(() => onError('Could not load the message; check your connection.'));
}

/** One line for a membership or room change in the timeline. */
function systemText(state: State, room: RoomState, e: RoomEvent): string | null {
  const c = e.content;
  const who = name(state, e.sender_id);
  switch (c.type) {
    case 'room_created':
      // A direct conversation is the two people in it: its start is not news.
      if (room.room.kind === 'direct') return null;
      return c.name ? `${who} created the group “${c.name}”` : `${who} started the conversation`;
    case 'member_added':
      // Nor is either person of a direct room being added (or accepting the request).
      if (room.room.kind === 'direct') return null;
      // Someone who accepted an invitation joined by themselves.
      if (joinedByAccepting(room, e)) return `${name(state, c.user_id)} joined`;
      // The creator joining their own room is not news either.
      return c.user_id === e.sender_id ? null : `${who} added ${name(state, c.user_id)}`;
    case 'member_left':
      return `${name(state, c.user_id)} left`;
    case 'member_removed':
      return `${who} removed ${name(state, c.user_id)}`;
    case 'role_changed':
      return `${who} made ${name(state, c.user_id)} ${c.role === 'admin' ? 'an admin' : 'a member'}`;
    case 'ownership_transferred':
      return `${who} handed the group over to ${name(state, c.to)}`;
    case 'room_renamed':
      return `${who} renamed the group to “${c.name}”`;
    case 'topic_changed':
      return c.topic ? `${who} set the topic to “${c.topic}”` : `${who} cleared the topic`;
    case 'room_avatar_changed':
      return c.avatar_file_id ? `${who} changed the group photo` : `${who} removed the group photo`;
    case 'room_access_changed':
      return `${who} made the group ${c.visibility}; ${c.posting === 'admins' ? 'only admins post' : 'every member posts'}; ${c.pinning === 'everyone' ? 'every member pins messages' : 'only admins pin messages'}`;
    case 'message_pinned':
      return `${who} pinned a message`;
    case 'message_unpinned':
      return `${who} unpinned a message`;
    default:
      return null;
  }
}

/** What the timeline and each message in it are drawn from, and what they call. */
interface TimelineProps {
  state: State;
  room: RoomState;
  me: Profile;
  /** The read marker when the conversation opened: a divider goes before the first message after it (not mine). */
  newAfter?: number | null;
  onReply: (m: MessageEvent) => void;
  onEdit: (m: MessageEvent) => void;
  onError: (message: string) => void;
  onOpen: OpenImages;
  /** In an encrypted room: which messages were decrypted, and which cannot be here. */
  encryption?: Record<number, Revealed>;
}

/** Where the roving tabindex is, and how a message takes it. */
interface Roving {
  /** The seq of the message that is the Tab stop. */
  stop: number | null;
  onFocus: (seq: number) => void;
}

type MessageProps = TimelineProps & { message: MessageEvent; roving: Roving };

/** The id of the hidden text that tells how to move between messages (read with each message). */
const KEYS_HINT_ID = 'timeline-keys';

/** Moves the focus between messages with the arrow keys, Home and End; Escape leaves the toolbar. */
function onMessageKey(e: KeyboardEvent<HTMLElement>) {
  const article = e.currentTarget;
  if (e.key === 'Escape' && e.target !== article) {
    e.preventDefault();
    article.focus();
    return;
  }
  if (e.target !== article || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  const all = [...(article.closest('[role="log"]')?.querySelectorAll<HTMLElement>('article.msg[data-seq]') ?? [])];
  const at = all.indexOf(article);
  const to = { ArrowUp: at - 1, ArrowDown: at + 1, Home: 0, End: all.length - 1 }[e.key];
  if (to === undefined) return;
  e.preventDefault();
  all[Math.max(0, Math.min(all.length - 1, to))]?.focus();
}

/** The message a pin line is about (it shows it when clicked). */
function pinLineTarget(e: RoomEvent): number | undefined {
  return e.content.type === 'message_pinned' || e.content.type === 'message_unpinned' ? e.content.target_seq : undefined;
}

export function Timeline(props: TimelineProps) {
  const { state, room, me } = props;
  const client = useClient();
  // The message last focused keeps the Tab stop; else the newest message has it.
  const [focused, setFocused] = useState<number | null>(null);
  const unreadable = (e: RoomEvent) => props.encryption?.[e.seq] === 'unreadable';
  const fold = props.encryption ? foldUnreadable(room.timeline ?? [], props.encryption, (e) => isMessage(e) || Boolean(systemText(state, room, e))) : null;
  const messages = (room.timeline ?? []).filter((e) => isMessage(e) && !unreadable(e));
  const stop = focused !== null && messages.some((m) => m.seq === focused) ? focused : (messages[messages.length - 1]?.seq ?? null);
  const roving: Roving = { stop, onFocus: setFocused };
  const { onReply, onEdit, onError, onOpen } = props;
  const items: React.ReactNode[] = [
    <span key="keys" id={KEYS_HINT_ID} hidden>
      Up and down arrows: previous and next message. Tab: the message’s actions.
    </span>,
  ];
  let previous: RoomEvent | null = null;
  // The divider goes where the read messages end, if that is among those loaded: with
  // more unread messages than a page, it would mark the wrong place.
  const loadedFrom = room.timeline?.[0]?.seq ?? Infinity;
  let divided = props.newAfter === null || props.newAfter === undefined || (room.hasOlder && loadedFrom > props.newAfter);
  for (const e of room.timeline ?? []) {
    if (fold?.folded.has(e.seq)) {
      previous = e;
      continue;
    }
    if (!divided && isMessage(e) && e.seq > (props.newAfter ?? 0) && e.sender_id !== me.id) {
      items.push(
        <div key="new-messages" className="new-messages" role="separator" aria-label="New messages">
          <span>New messages</span>
        </div>,
      );
      divided = true;
    }
    if (!previous || dayKey(previous.created_at) !== dayKey(e.created_at)) {
      items.push(
        <div key={`day-${e.seq}`} className="day" role="separator" aria-label={formatDay(e.created_at)}>
          <span>{formatDay(e.created_at)}</span>
        </div>,
      );
      previous = null;
    }
    const run = fold?.runs.get(e.seq);
    if (run) {
      // A jump to one of the run's messages lands on its line.
      const focused = room.focus && run.includes(room.focus.seq) ? room.focus.seq : e.seq;
      items.push(
        <p key={e.seq} className="system" data-seq={focused}>
          {unreadableLine(run.length)}
        </p>,
      );
    } else if (isMessage(e) && room.room.kind === 'group' && e.sender_id !== me.id && isBlocked(state, e.sender_id)) {
      items.push(<BlockedMessage key={e.seq} state={state} room={room} me={me} message={e} roving={roving} onReply={onReply} onEdit={onEdit} onError={onError} onOpen={onOpen} />);
    } else if (isMessage(e)) {
      const grouped =
        previous !== null &&
        isMessage(previous) &&
        !unreadable(previous) &&
        !isBlocked(state, previous.sender_id) &&
        previous.sender_id === e.sender_id &&
        !e.content.reply_to &&
        Date.parse(e.created_at) - Date.parse(previous.created_at) < GROUP_GAP_MS;
      items.push(
        <MessageItem key={e.seq} state={state} room={room} me={me} message={e} roving={roving} grouped={grouped} onReply={onReply} onEdit={onEdit} onError={onError} onOpen={onOpen} encryption={props.encryption} />,
      );
    } else {
      const text = systemText(state, room, e);
      const target = pinLineTarget(e);
      if (text)
        items.push(
          <p key={e.seq} className="system" data-seq={e.seq}>
            {target === undefined ? (
              text
            ) : (
              <button type="button" className="link system__link" title="Show the message" onClick={() => showMessage(client, room.room.id, target, onError)}>
                {text}
              </button>
            )}
          </p>,
        );
    }
    previous = e;
  }
  return <>{items}</>;
}

/** A group message from someone I blocked: one muted line, and the message on request. */
function BlockedMessage(props: MessageProps) {
  const [shown, setShown] = useState(false);
  const toggle = (
    <button type="button" className="link" aria-expanded={shown} onClick={() => setShown(!shown)}>
      {shown ? 'Hide' : 'Show'}
    </button>
  );
  return (
    <div className="blocked-msg" data-seq={props.message.seq}>
      <p className="blocked-msg__line">
        <span>Message from someone you blocked</span> · {toggle}
      </p>
      {shown && <MessageItem {...props} grouped={false} />}
    </div>
  );
}

function MessageItem({ state, room, me, message, roving, grouped, onReply, onEdit, onError, onOpen, encryption }: MessageProps & { grouped: boolean }) {
  const client = useClient();
  const react = (emoji: string, add: boolean) => void client.messageActions.react(room.room.id, message.seq, emoji, add).catch((e: unknown) => onError(actionFailure('react', e)));
  const [picking, setPicking] = useState(false);
  const article = useRef<HTMLElement>(null);
  // The quoted message, loaded around it if it is not loaded.
  const showOriginal = (seq: number) => showMessage(client, room.room.id, seq, onError);
  // Changes of mine that wait for the connection show at once (changes.ts).
  const changes = showChanges(message.content, changesOf(state, room.room.id, message.seq), me.id);
  const c = changes.content;
  const mine = message.sender_id === me.id;
  const deleted = Boolean(c.deleted_at);
  const canDelete = !deleted && (mine || (room.room.kind === 'group' && room.myRole !== 'member'));
  // Pin and Unpin once the room's pins are known (encrypted rooms have none).
  const pin = pinOf(room.pins, message.seq);
  const pinner = pin && (pin.pinned_by === me.id ? 'you' : name(state, pin.pinned_by));
  const canPin = !deleted && room.pins !== null && mayPin(room.room, room.myRole);
  const togglePin = () => {
    const direct = room.room.kind === 'direct';
    (pin ? client.rooms.unpin(room.room.id, message.seq) : client.rooms.pin(room.room.id, message.seq)).catch((e: unknown) => onError(pinFailure(e, !pin, direct)));
  };
  const removePreview = () => void client.messageActions.removePreview(room.room.id, message.seq).catch((e: unknown) => onError(actionFailure('remove the preview', e)));
  const sender = name(state, message.sender_id);
  const target = c.reply_to !== undefined ? room.timeline?.find((e) => e.seq === c.reply_to) : undefined;
  const status = mine && !deleted ? messageStatus(room, message.seq, me.id) : null;
  const readers = status?.readBy.map((id) => name(state, id)) ?? [];
  const statusText = status
    ? status.status === 'read'
      ? room.room.kind === 'direct'
        ? 'Read'
        : `Read by ${readers.join(', ')}`
      : status.status === 'delivered'
        ? 'Delivered'
        : 'Sent'
    : '';
  const isMe = (n: string) => n.toLowerCase() === me.username.toLowerCase();
  const files = c.attachments ?? [];
  const hasText = c.body?.type === 'text' && c.body.text.trim() !== '';
  const statusMark = status && (
    <span className={`status status--${status.status}`} title={statusText} aria-label={statusText} role="img">
      <svg viewBox="0 0 20 16" aria-hidden="true">
        {status.status === 'sent' ? <path d="M4 8.5l3.5 3.5L15 4.5" className="tick" /> : <path d="M1.5 8.5L5 12l7.5-7.5M8.5 11l1 1L17 4.5" className="tick" />}
      </svg>
    </span>
  );

  return (
    <article
      className={`msg${grouped ? ' msg--grouped' : ''}${mine ? ' msg--mine' : ''}${pin ? ' msg--pinned' : ''}`}
      aria-label={`${sender} at ${formatTime(message.created_at)}${pin ? ', pinned' : ''}`}
      aria-describedby={KEYS_HINT_ID}
      data-seq={message.seq}
      ref={article}
      tabIndex={roving.stop === message.seq ? 0 : -1}
      onFocus={() => roving.onFocus(message.seq)}
      onKeyDown={onMessageKey}
    >
      <div className="msg__gutter">
        {grouped ? <span className="msg__time-hover">{formatTime(message.created_at)}</span> : <Avatar id={message.sender_id} name={sender} fileId={userAvatarFile(state, message.sender_id)} />}
      </div>
      <div className="msg__main">
        {pin && (
          <p className="msg__pinned" title={`Pinned by ${pinner} ${formatDayInSentence(pin.pinned_at)} at ${formatTime(pin.pinned_at)}`}>
            <span aria-hidden="true">📌</span> Pinned by {pinner}
          </p>
        )}
        {!grouped && (
          <div className="msg__head">
            <span className="msg__sender">{sender}</span>
            <time className="msg__time" dateTime={message.created_at}>
              {formatTime(message.created_at)}
            </time>
          </div>
        )}
        {c.reply_to !== undefined && (
          <blockquote className="quote">
            <button type="button" className="quote__jump" title="Show the original message" onClick={() => showOriginal(c.reply_to as number)}>
              {target && isMessage(target) && room.room.kind === 'group' && target.sender_id !== me.id && isBlocked(state, target.sender_id) ? (
                <em>Message from someone you blocked</em>
              ) : target && isMessage(target) ? (
                <>
                  <span className="quote__sender">{name(state, target.sender_id)}</span>{' '}
                  {target.content.deleted_at ? <em>Message deleted</em> : <PreviewLine preview={messagePreview(target.content)} />}
                </>
              ) : (
                <em>Reply to an earlier message</em>
              )}
            </button>
          </blockquote>
        )}
        {(deleted || !files.length || hasText || c.body?.type !== 'text') && (
          <div className="msg__body">
            {deleted ? (
              <em className="muted">This message was deleted.</em>
            ) : c.body?.type === 'text' ? (
              <Formatted text={c.body.text} isMe={isMe} />
            ) : (
              <em className="muted">{encryption ? 'Decrypting…' : 'Encrypted message'}</em>
            )}
            {c.edited_at && !deleted && <span className="muted small"> (edited)</span>}
            {changes.waiting && <span className="muted small"> · waiting for the connection</span>}
            {!files.length && statusMark}
          </div>
        )}
        {!deleted && c.preview && <LinkPreviewCard roomId={room.room.id} seq={message.seq} preview={c.preview} onRemove={mine ? removePreview : undefined} />}
        {!deleted && files.length > 0 && (
          <div className="msg__files">
            <MessageAttachments files={files} onOpen={onOpen} />
            {statusMark}
          </div>
        )}
        {changes.failed.map((f) => (
          <FailedChange key={f.id} change={f} />
        ))}
        {c.reactions && c.reactions.length > 0 && (
          <div className="reactions">
            {c.reactions.map((r) => {
              const minePicked = r.user_ids.includes(me.id);
              const who = r.user_ids.map((id) => name(state, id)).join(', ');
              return (
                <button
                  key={r.emoji}
                  type="button"
                  className={minePicked ? 'reaction reaction--mine' : 'reaction'}
                  aria-pressed={minePicked}
                  title={who}
                  aria-label={`${r.emoji} ${r.user_ids.length}: ${who}`}
                  onClick={() => react(r.emoji, !minePicked)}
                >
                  {r.emoji} {r.user_ids.length}
                </button>
              );
            })}
          </div>
        )}
      </div>
      {!deleted && (
        <div className="msg__actions" role="toolbar" aria-label="Message actions">
          <button type="button" className="btn btn--ghost btn--sm" onClick={() => onReply(message)} aria-label="Reply">
            ↩
          </button>
          <button type="button" className="btn btn--ghost btn--sm" onClick={() => setPicking(!picking)} aria-label="Add reaction" aria-expanded={picking}>
            ☺
          </button>
          {mine && (
            <button type="button" className="btn btn--ghost btn--sm" onClick={() => onEdit(message)} aria-label="Edit">
              ✎
            </button>
          )}
          {canPin && (
            <button type="button" className={`btn btn--ghost btn--sm${pin ? ' btn--on' : ''}`} onClick={togglePin} aria-label={pin ? 'Unpin' : 'Pin'}>
              📌
            </button>
          )}
          {canDelete && (
            <button
              type="button"
              className="btn btn--ghost btn--sm"
              aria-label="Delete"
              onClick={() => {
                if (!confirm('Delete this message for everyone?')) return;
                // The toolbar goes with the message's text: the focus stays on the message.
                article.current?.focus();
                void client.messageActions.delete(room.room.id, message.seq).catch((e: unknown) => onError(actionFailure('delete the message', e)));
              }}
            >
              🗑
            </button>
          )}
          {picking && (
            <ReactionPicker
              onReact={(emoji) => react(emoji, true)}
              onDone={() => {
                setPicking(false);
                // The picker goes away: the focus stays on the message.
                article.current?.focus();
              }}
            />
          )}
        </div>
      )}
    </article>
  );
}

/** A change of mine the server refused, with why, to retry or discard. */
function FailedChange({ change }: { change: PendingChange }) {
  const client = useClient();
  const what = change.change.kind === 'edit' ? 'Edit not saved' : change.change.kind === 'delete' ? 'Not deleted' : `Reaction ${change.change.emoji} not saved`;
  const { changes } = client.messageActions;
  return <Refused what={what} error={change.error} onRetry={() => changes.retry(change.id)} onDiscard={() => changes.discard(change.id)} />;
}

/** What the server refused and why, with Retry and Discard. */
function Refused({ what, error, onRetry, onDiscard }: { what: string; error?: string; onRetry: () => void; onDiscard: () => void }) {
  return (
    <p className="failed" role="alert">
      {what}
      {error ? `: ${error}` : ''}.{' '}
      <button type="button" className="link" onClick={onRetry}>
        Retry
      </button>{' '}
      ·{' '}
      <button type="button" className="link" onClick={onDiscard}>
        Discard
      </button>
    </p>
  );
}

export function PendingItem({ pending, me, onOpen }: { pending: PendingMessage; me: Profile; onOpen: OpenImages }) {
  const client = useClient();
  const failed = pending.status === 'failed';
  const files = pending.attachments ?? [];
  const text = pending.body.type === 'text' ? pending.body.text : '';
  const sending = !failed && (
    <span className="status status--sending" title="Sending" aria-label="Sending" role="img">
      ◷
    </span>
  );
  return (
    <article className={`msg msg--mine msg--pending${failed ? ' msg--failed' : ''}`} aria-label={failed ? 'Message not sent' : 'Message sending'}>
      <div className="msg__gutter">
        <Avatar id={me.id} name={me.display_name} fileId={me.avatar_file_id} />
      </div>
      <div className="msg__main">
        {(text.trim() || files.length === 0) && (
          <div className="msg__body">
            <Formatted text={text} isMe={() => false} />
            {files.length === 0 && sending}
          </div>
        )}
        {files.length > 0 && (
          <div className="msg__files">
            <MessageAttachments files={files} onOpen={onOpen} />
            {sending}
          </div>
        )}
        {failed && <Refused what="Not sent" error={pending.error} onRetry={() => client.retry(pending.clientId)} onDiscard={() => client.discard(pending.clientId)} />}
      </div>
    </article>
  );
}

