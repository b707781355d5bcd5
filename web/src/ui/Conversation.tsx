import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ClipboardEvent, type DragEvent, type KeyboardEvent } from 'react';
import type { NewFile } from '../client/client';
import { MAX_ATTACHMENTS, pastedName, roomUploads, uploadsReadiness } from '../client/files';
import { awaitingPeer, isBlocked, joinedByAccepting, messageStatus, roomTitle, writeAccess, type PendingMessage, type RoomState, type State } from '../client/state';
import type { FileInfo, MessageEvent, Profile, RoomEvent } from '../client/types';
import { ImageViewer, MessageAttachments, UploadTray } from './Attachments';
import { Avatar, presenceLabel } from './Avatar';
import { BackButton } from './BackButton';
import { BlockButton } from './Block';
import { GroupPanel } from './GroupPanel';
import { dayKey, formatDay, formatTime, roomAvatarFile, useChatState, useClient, userAvatarFile } from './hooks';
import { Formatted } from './markdown';
import { messagePreview, PreviewLine } from './Preview';

type Image = FileInfo & { width: number; height: number };
/** Opens the image viewer on one of a message's images. */
type OpenImages = (images: Image[], index: number) => void;

const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢'];
/** Consecutive messages of one sender within this time share one header. */
const GROUP_GAP_MS = 5 * 60_000;

function name(state: State, id: number): string {
  return state.users[id]?.display_name ?? 'Someone';
}

function isMessage(e: RoomEvent): e is MessageEvent {
  return e.content.type === 'message';
}

/** Why an action on a message failed, in words for the conversation's notice. */
function actionFailure(what: string, e: unknown): string {
  // The server's refusal (REST or WebSocket), or "cannot reach the server".
  return e instanceof Error && e.message ? `Could not ${what}: ${e.message}.` : `Could not ${what}; check your connection and try again.`;
}

/** One line for a membership or room change in the timeline. */
function systemText(state: State, room: RoomState, e: RoomEvent): string | null {
  const c = e.content;
  const who = name(state, e.sender_id);
  switch (c.type) {
    case 'room_created':
      return c.name ? `${who} created the group “${c.name}”` : `${who} started the conversation`;
    case 'member_added':
      // Someone who accepted an invitation joined by themselves.
      if (joinedByAccepting(room, e)) return `${name(state, c.user_id)} joined`;
      // The creator joining their own room, and the other person of a direct room
      // (there when it started), are not news.
      return c.user_id === e.sender_id || room.room.kind === 'direct' ? null : `${who} added ${name(state, c.user_id)}`;
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
    default:
      return null;
  }
}

/** A conversation: header, history with infinite scroll upward, typing, composer. */
export function Conversation({ roomId, go }: { roomId: number; go: (path: string) => void }) {
  const state = useChatState();
  const client = useClient();
  const room = state.rooms[roomId] as RoomState;
  const me = state.me as Profile;
  const [showDetails, setShowDetails] = useState(false);
  const [replyTo, setReplyTo] = useState<MessageEvent | null>(null);
  const [editing, setEditing] = useState<MessageEvent | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [viewer, setViewer] = useState<{ images: Image[]; index: number } | null>(null);
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);
  const scroller = useRef<HTMLDivElement>(null);
  const [atBottom, setAtBottom] = useState(true);
  const loadingOlder = useRef(false);
  const pending = state.pending.filter((p) => p.roomId === roomId);
  const timeline = room.timeline;
  const title = roomTitle(state, room);

  // Keep the view pinned to the bottom while it is there; keep the reading position
  // when older pages are put on top.
  const anchor = useRef<{ height: number; top: number; first: number | undefined } | null>(null);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const first = timeline?.[0]?.seq;
    const before = anchor.current;
    if (before && before.first !== undefined && first !== undefined && first < before.first) {
      el.scrollTop = before.top + (el.scrollHeight - before.height);
    } else if (atBottom) {
      el.scrollTop = el.scrollHeight;
    }
    anchor.current = { height: el.scrollHeight, top: el.scrollTop, first };
  });

  const loadOlder = useCallback(async () => {
    if (loadingOlder.current || !room.hasOlder || !room.timeline) return;
    loadingOlder.current = true;
    try {
      await client.loadOlder(roomId);
    } finally {
      loadingOlder.current = false;
    }
  }, [client, roomId, room.hasOlder, room.timeline]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    setAtBottom(el.scrollHeight - el.scrollTop - el.clientHeight < 48);
    if (anchor.current) anchor.current = { ...anchor.current, top: el.scrollTop, height: el.scrollHeight };
    if (el.scrollTop < 200) void loadOlder();
  };

  // A first page that does not fill the screen cannot be scrolled: load more at once.
  useEffect(() => {
    const el = scroller.current;
    if (el && timeline && room.hasOlder && el.scrollHeight <= el.clientHeight + 10) void loadOlder();
  }, [timeline, room.hasOlder, loadOlder]);

  const jumpToLatest = () => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
    setAtBottom(true);
  };

  const peerPresence = room.peer !== undefined ? state.presence[room.peer]?.status : undefined;
  const direct = room.room.kind === 'direct';
  const peerName = room.peer !== undefined ? name(state, room.peer) : title;
  const waiting = awaitingPeer(room);
  const access = writeAccess(state, room);
  const typers = Object.keys(room.typing)
    .map(Number)
    .filter((id) => id !== me.id && !isBlocked(state, id))
    .map((id) => name(state, id));
  const subtitle = direct
    ? access === 'blocked-by-me'
      ? 'Blocked'
      : waiting
        ? 'Message request not accepted yet'
        : [presenceLabel(peerPresence), room.peer !== undefined ? state.users[room.peer]?.status_text : ''].filter(Boolean).join(' · ')
    : `${room.room.member_count} ${room.room.member_count === 1 ? 'member' : 'members'}${room.room.topic ? ` · ${room.room.topic}` : ''}`;
  const typingText =
    typers.length === 0 ? '' : typers.length === 1 ? `${typers[0]} is typing…` : typers.length === 2 ? `${typers[0]} and ${typers[1]} are typing…` : 'Several people are typing…';
  const openImages = useCallback<OpenImages>((images, index) => setViewer({ images, index }), []);

  // Files picked, dropped or pasted go to this room's composer and upload at once.
  const canAttach = access === 'ok' && !room.room.encrypted;
  const addFiles = (files: NewFile[]) => {
    if (files.length === 0) return;
    if (room.room.encrypted) {
      setActionError('Files can’t be shared in end-to-end encrypted conversations.');
      return;
    }
    const left = client.addFiles(roomId, files);
    if (left > 0) setActionError(`A message can carry at most ${MAX_ATTACHMENTS} files; ${left === 1 ? '1 file was' : `${left} files were`} left out.`);
  };
  const draggingFiles = (e: DragEvent) => canAttach && e.dataTransfer.types.includes('Files');
  const dropHandlers = {
    onDragEnter: (e: DragEvent) => {
      if (!draggingFiles(e)) return;
      e.preventDefault();
      dragDepth.current += 1;
      setDragging(true);
    },
    onDragOver: (e: DragEvent) => {
      if (!draggingFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    },
    onDragLeave: (e: DragEvent) => {
      if (!draggingFiles(e)) return;
      dragDepth.current = Math.max(0, dragDepth.current - 1);
      if (dragDepth.current === 0) setDragging(false);
    },
    onDrop: (e: DragEvent) => {
      if (!draggingFiles(e)) return;
      e.preventDefault();
      dragDepth.current = 0;
      setDragging(false);
      addFiles([...e.dataTransfer.files].map((f) => ({ name: f.name, blob: f })));
    },
  };

  return (
    <section className="conversation" aria-label={`Conversation with ${title}`} {...dropHandlers}>
      <header className="conversation__header">
        <BackButton onBack={() => go('/')} />
        <Avatar
          id={room.room.kind === 'group' ? -room.room.id : (room.peer ?? 0)}
          name={title}
          fileId={roomAvatarFile(state, room)}
          presence={room.peer !== undefined ? (peerPresence ?? 'offline') : undefined}
        />
        <div className="conversation__title">
          <h1>{title}</h1>
          <p className="muted">{subtitle}</p>
        </div>
        {direct && room.peer !== undefined && <BlockButton userId={room.peer} className="btn btn--ghost header-btn" icon onError={setActionError} />}
        <button type="button" className="btn btn--ghost header-btn" onClick={() => setShowDetails(!showDetails)} aria-expanded={showDetails} aria-controls="room-details">
          <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
            {direct ? (
              <>
                <circle cx="12" cy="12" r="8.5" className="stroke" />
                <path d="M12 11v5M12 8h.01" className="stroke" />
              </>
            ) : (
              <>
                <circle cx="9" cy="9" r="3.2" className="stroke" />
                <path d="M3.5 19c.6-3 2.8-4.6 5.5-4.6s4.9 1.6 5.5 4.6M15.5 6.2a3 3 0 010 5.6M17.5 14.8c1.6.6 2.7 2 3 4.2" className="stroke" />
              </>
            )}
          </svg>
          <span className="btn__label">{direct ? 'Details' : 'Members'}</span>
        </button>
      </header>
      <div className="conversation__body">
        <div className="timeline-wrap">
          <div className="timeline" ref={scroller} onScroll={onScroll} role="log" aria-label="Messages" aria-live="polite" tabIndex={0}>
            {timeline === null ? (
              <p className="muted center">Loading messages…</p>
            ) : (
              <>
                {room.hasOlder ? (
                  <p className="muted center">
                    <button type="button" className="link" onClick={() => void loadOlder()}>
                      Load earlier messages
                    </button>
                  </p>
                ) : (
                  <p className="muted center small">This is the beginning of the conversation.</p>
                )}
                <Timeline state={state} room={room} me={me} onReply={setReplyTo} onEdit={setEditing} onError={setActionError} onOpen={openImages} />
                {pending.map((p) => (
                  <PendingItem key={p.clientId} pending={p} me={me} onOpen={openImages} />
                ))}
              </>
            )}
          </div>
          {!atBottom && (
            <button type="button" className="btn jump" onClick={jumpToLatest}>
              Jump to latest ↓
            </button>
          )}
        </div>
        {showDetails && <GroupPanel roomId={roomId} close={() => setShowDetails(false)} go={go} onOpen={openImages} />}
      </div>
      {waiting && access === 'ok' && (
        <p className="notice" role="status">
          <strong>Waiting for {peerName} to accept your message request.</strong> You can already write; they see your messages once they accept.
        </p>
      )}
      {actionError && (
        <p className="notice notice--error" role="alert">
          <span>{actionError}</span>
          <button type="button" className="btn btn--ghost btn--sm" aria-label="Dismiss" onClick={() => setActionError(null)}>
            ✕
          </button>
        </p>
      )}
      <p className="typing" aria-live="polite">
        {access === 'ok' ? typingText : ''}
      </p>
      {access === 'ok' ? (
        <Composer
          room={room}
          state={state}
          replyTo={replyTo}
          editing={editing}
          clear={() => {
            setReplyTo(null);
            setEditing(null);
          }}
          onSent={jumpToLatest}
          onError={setActionError}
          onFiles={addFiles}
        />
      ) : (
        <div className="composer composer--closed" role="status">
          {access === 'blocked-by-me' && room.peer !== undefined ? (
            <>
              <p>You blocked {peerName}. Unblock to write again.</p>
              <BlockButton userId={room.peer} className="btn" onError={setActionError} />
            </>
          ) : (
            <p>You can’t reply to this conversation.</p>
          )}
        </div>
      )}
      {dragging && (
        <div className="dropzone" aria-hidden="true">
          <div className="dropzone__box">
            <svg viewBox="0 0 24 24" width="34" height="34" aria-hidden="true">
              <path d="M12 15V4M7.5 8.5L12 4l4.5 4.5M5 14v4.5A1.5 1.5 0 0 0 6.5 20h11a1.5 1.5 0 0 0 1.5-1.5V14" className="stroke" />
            </svg>
            <strong>Drop files to share them</strong>
            <span>with {title}</span>
          </div>
        </div>
      )}
      {viewer && <ImageViewer images={viewer.images} start={viewer.index} close={() => setViewer(null)} />}
    </section>
  );
}

function Timeline({
  state,
  room,
  me,
  onReply,
  onEdit,
  onError,
  onOpen,
}: {
  state: State;
  room: RoomState;
  me: Profile;
  onReply: (m: MessageEvent) => void;
  onEdit: (m: MessageEvent) => void;
  onError: (message: string) => void;
  onOpen: OpenImages;
}) {
  const items: React.ReactNode[] = [];
  let previous: RoomEvent | null = null;
  for (const e of room.timeline ?? []) {
    if (!previous || dayKey(previous.created_at) !== dayKey(e.created_at)) {
      items.push(
        <div key={`day-${e.seq}`} className="day" role="separator" aria-label={formatDay(e.created_at)}>
          <span>{formatDay(e.created_at)}</span>
        </div>,
      );
      previous = null;
    }
    if (isMessage(e) && room.room.kind === 'group' && e.sender_id !== me.id && isBlocked(state, e.sender_id)) {
      items.push(<BlockedMessage key={e.seq} state={state} room={room} me={me} message={e} onReply={onReply} onEdit={onEdit} onError={onError} onOpen={onOpen} />);
    } else if (isMessage(e)) {
      const grouped =
        previous !== null &&
        isMessage(previous) &&
        !isBlocked(state, previous.sender_id) &&
        previous.sender_id === e.sender_id &&
        !e.content.reply_to &&
        Date.parse(e.created_at) - Date.parse(previous.created_at) < GROUP_GAP_MS;
      items.push(<MessageItem key={e.seq} state={state} room={room} me={me} message={e} grouped={grouped} onReply={onReply} onEdit={onEdit} onError={onError} onOpen={onOpen} />);
    } else {
      const text = systemText(state, room, e);
      if (text)
        items.push(
          <p key={e.seq} className="system">
            {text}
          </p>,
        );
    }
    previous = e;
  }
  return <>{items}</>;
}

/** A group message from someone I blocked: one muted line, and the message on request. */
function BlockedMessage(props: {
  state: State;
  room: RoomState;
  me: Profile;
  message: MessageEvent;
  onReply: (m: MessageEvent) => void;
  onEdit: (m: MessageEvent) => void;
  onError: (message: string) => void;
  onOpen: OpenImages;
}) {
  const [shown, setShown] = useState(false);
  const toggle = (
    <button type="button" className="link" aria-expanded={shown} onClick={() => setShown(!shown)}>
      {shown ? 'Hide' : 'Show'}
    </button>
  );
  return (
    <div className="blocked-msg">
      <p className="blocked-msg__line">
        <span>Message from someone you blocked</span> · {toggle}
      </p>
      {shown && <MessageItem {...props} grouped={false} />}
    </div>
  );
}

function MessageItem({
  state,
  room,
  me,
  message,
  grouped,
  onReply,
  onEdit,
  onError,
  onOpen,
}: {
  state: State;
  room: RoomState;
  me: Profile;
  message: MessageEvent;
  grouped: boolean;
  onReply: (m: MessageEvent) => void;
  onEdit: (m: MessageEvent) => void;
  onError: (message: string) => void;
  onOpen: OpenImages;
}) {
  const client = useClient();
  const react = (emoji: string, add: boolean) => void client.react(room.room.id, message.seq, emoji, add).catch((e: unknown) => onError(actionFailure('react', e)));
  const [picking, setPicking] = useState(false);
  const c = message.content;
  const mine = message.sender_id === me.id;
  const deleted = Boolean(c.deleted_at);
  const canDelete = !deleted && (mine || (room.room.kind === 'group' && room.myRole !== 'member'));
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
      {status.status === 'sent' ? '✓' : '✓✓'}
    </span>
  );

  return (
    <article className={`msg${grouped ? ' msg--grouped' : ''}${mine ? ' msg--mine' : ''}`} aria-label={`${sender} at ${formatTime(message.created_at)}`} data-seq={message.seq}>
      <div className="msg__gutter">
        {grouped ? <span className="msg__time-hover">{formatTime(message.created_at)}</span> : <Avatar id={message.sender_id} name={sender} fileId={userAvatarFile(state, message.sender_id)} />}
      </div>
      <div className="msg__main">
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
          </blockquote>
        )}
        {(deleted || !files.length || hasText || c.body?.type !== 'text') && (
          <div className="msg__body">
            {deleted ? (
              <em className="muted">This message was deleted.</em>
            ) : c.body?.type === 'text' ? (
              <Formatted text={c.body.text} isMe={isMe} />
            ) : (
              <em className="muted">Encrypted message</em>
            )}
            {c.edited_at && !deleted && <span className="muted small"> (edited)</span>}
            {!files.length && statusMark}
          </div>
        )}
        {!deleted && files.length > 0 && (
          <div className="msg__files">
            <MessageAttachments files={files} onOpen={onOpen} />
            {statusMark}
          </div>
        )}
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
          {canDelete && (
            <button
              type="button"
              className="btn btn--ghost btn--sm"
              aria-label="Delete"
              onClick={() => {
                if (confirm('Delete this message for everyone?')) void client.deleteMessage(room.room.id, message.seq).catch((e: unknown) => onError(actionFailure('delete the message', e)));
              }}
            >
              🗑
            </button>
          )}
          {picking && (
            <div className="picker" role="group" aria-label="Reactions">
              {QUICK_REACTIONS.map((emoji) => (
                <button
                  key={emoji}
                  type="button"
                  className="btn btn--ghost btn--sm"
                  aria-label={`React with ${emoji}`}
                  onClick={() => {
                    setPicking(false);
                    react(emoji, true);
                  }}
                >
                  {emoji}
                </button>
              ))}
            </div>
          )}
        </div>
      )}
    </article>
  );
}

function PendingItem({ pending, me, onOpen }: { pending: PendingMessage; me: Profile; onOpen: OpenImages }) {
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
        {failed && (
          <p className="failed" role="alert">
            Not sent{pending.error ? `: ${pending.error}` : ''}.{' '}
            <button type="button" className="link" onClick={() => client.retry(pending.clientId)}>
              Retry
            </button>{' '}
            ·{' '}
            <button type="button" className="link" onClick={() => client.discard(pending.clientId)}>
              Discard
            </button>
          </p>
        )}
      </div>
    </article>
  );
}

/** The message box: Enter sends, Shift+Enter breaks the line, @ completes members. */
function Composer({
  room,
  state,
  replyTo,
  editing,
  clear,
  onSent,
  onError,
  onFiles,
}: {
  room: RoomState;
  state: State;
  replyTo: MessageEvent | null;
  editing: MessageEvent | null;
  clear: () => void;
  onSent: () => void;
  onError: (message: string) => void;
  onFiles: (files: NewFile[]) => void;
}) {
  const client = useClient();
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [choice, setChoice] = useState(0);
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const roomId = room.room.id;
  const uploads = useMemo(() => roomUploads(state.uploads, roomId), [state.uploads, roomId]);
  const readiness = uploadsReadiness(uploads);
  const editingHasFiles = (editing?.content.attachments?.length ?? 0) > 0;
  const canSend = editing ? Boolean(text.trim()) || editingHasFiles : (Boolean(text.trim()) && readiness !== 'uploading' && readiness !== 'failed') || readiness === 'ready';
  const waitHint = !editing && readiness === 'uploading' ? 'Waiting for the files to finish uploading' : !editing && readiness === 'failed' ? 'Retry or remove the files that failed' : undefined;

  useEffect(() => {
    if (editing && editing.content.body?.type === 'text') setText(editing.content.body.text);
    if (editing || replyTo) box.current?.focus();
  }, [editing, replyTo]);

  const mention = /(^|\s)@([A-Za-z0-9_.-]*)$/.exec(text.slice(0, caret))?.[2];
  const candidates = useMemo(() => {
    if (mention === undefined) return [];
    const prefix = mention.toLowerCase();
    return (room.members ?? [])
      .map((m) => state.users[m.user_id])
      .filter((u): u is Profile => u !== undefined && u.id !== state.me?.id && u.username.toLowerCase().startsWith(prefix))
      .slice(0, 6);
  }, [mention, room.members, state.users, state.me?.id]);

  function complete(user: Profile) {
    const before = text.slice(0, caret).replace(/@[A-Za-z0-9_.-]*$/, `@${user.username} `);
    const next = before + text.slice(caret);
    setText(next);
    setCaret(before.length);
    requestAnimationFrame(() => box.current?.setSelectionRange(before.length, before.length));
  }

  function submit() {
    const body = text;
    if (!canSend) return;
    if (editing) {
      void client.edit(roomId, editing.seq, body).catch((e: unknown) => onError(actionFailure('save your edit', e)));
    } else {
      // Waits (nothing happens) until every file is uploaded; Send says so.
      if (!client.sendWithFiles(roomId, body, replyTo?.seq)) return;
      onSent();
    }
    setText('');
    setCaret(0);
    clear();
  }

  /**
   * Pasted files (a screenshot, files copied in a file manager) are attached; text is
   * pasted as usual, also when a rich copy (a spreadsheet's cells, say) brings a
   * picture of itself along.
   */
  function onPaste(e: ClipboardEvent<HTMLTextAreaElement>) {
    const files = [...e.clipboardData.files];
    const types = e.clipboardData.types;
    if (files.length === 0 || editing || (types.includes('text/plain') && types.includes('text/html'))) return;
    e.preventDefault();
    const now = new Date();
    onFiles(files.map((f) => ({ name: pastedName(f.name, f.type, now), blob: f })));
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (candidates.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setChoice((choice + (e.key === 'ArrowDown' ? 1 : candidates.length - 1)) % candidates.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        const user = candidates[Math.min(choice, candidates.length - 1)];
        if (user) complete(user);
        return;
      }
    }
    if (e.key === 'Escape' && (editing || replyTo)) {
      e.preventDefault();
      setText('');
      clear();
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  }

  const active = candidates.length > 0 ? `mention-${candidates[Math.min(choice, candidates.length - 1)]?.id}` : undefined;
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {(replyTo || editing) && (
        <div className="composer__context">
          <span className="ellipsis">
            {editing ? 'Editing your message' : `Replying to ${name(state, replyTo?.sender_id ?? 0)}`}
            {replyTo && (
              <span className="muted">
                : <PreviewLine preview={messagePreview(replyTo.content)} max={80} />
              </span>
            )}
          </span>
          <button
            type="button"
            className="btn btn--ghost btn--sm"
            aria-label="Cancel"
            onClick={() => {
              if (editing) setText('');
              clear();
            }}
          >
            ✕
          </button>
        </div>
      )}
      {candidates.length > 0 && (
        <ul className="mentions" role="listbox" id="mention-list" aria-label="Mention someone">
          {candidates.map((u, i) => (
            <li
              key={u.id}
              id={`mention-${u.id}`}
              role="option"
              aria-selected={i === Math.min(choice, candidates.length - 1)}
              onMouseDown={(e) => {
                e.preventDefault();
                complete(u);
              }}
            >
              <Avatar id={u.id} name={u.display_name} size="sm" fileId={u.avatar_file_id} /> {u.display_name} <span className="muted">@{u.username}</span>
            </li>
          ))}
        </ul>
      )}
      {uploads.length > 0 && <UploadTray items={uploads} />}
      <div className="composer__row">
        {!editing && (
          <>
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              tabIndex={-1}
              onChange={(e) => {
                const files = [...(e.target.files ?? [])];
                e.target.value = '';
                onFiles(files.map((f) => ({ name: f.name, blob: f })));
              }}
            />
            <button
              type="button"
              className="btn btn--ghost btn--icon composer__attach"
              onClick={() => picker.current?.click()}
              disabled={room.room.encrypted || uploads.length >= MAX_ATTACHMENTS}
              aria-label="Attach files"
              title={room.room.encrypted ? 'Files can’t be shared in end-to-end encrypted conversations' : uploads.length >= MAX_ATTACHMENTS ? `At most ${MAX_ATTACHMENTS} files per message` : 'Attach files'}
            >
              <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                <path d="M20 11.5l-7.8 7.8a5 5 0 0 1-7.1-7.1l8.2-8.2a3.4 3.4 0 0 1 4.8 4.8l-8.1 8.1a1.7 1.7 0 0 1-2.4-2.4l7.4-7.4" className="stroke" />
              </svg>
            </button>
          </>
        )}
        <textarea
          ref={box}
          rows={1}
          value={text}
          placeholder={`Message ${roomTitle(state, room)}`}
          aria-label="Message"
          role="combobox"
          aria-expanded={candidates.length > 0}
          aria-controls="mention-list"
          aria-autocomplete="list"
          aria-activedescendant={active}
          onChange={(e) => {
            setText(e.target.value);
            setCaret(e.target.selectionStart);
            setChoice(0);
            if (e.target.value) client.typing(roomId);
            else client.stopTyping();
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          onBlur={() => client.stopTyping()}
          aria-describedby={uploads.length > 0 ? 'uploads-summary' : undefined}
        />
        <button type="submit" className="btn btn--primary" disabled={!canSend} title={waitHint}>
          {editing ? 'Save' : 'Send'}
        </button>
      </div>
    </form>
  );
}
