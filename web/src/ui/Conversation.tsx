import { useCallback, useMemo, useRef, useState, type DragEvent } from 'react';
import type { NewFile } from '../client/client';
import { emptyLog, reveal } from '../client/e2eeView';
import { MAX_ATTACHMENTS } from '../client/files';
import { awaitingPeer, isBlocked, roomTitle, writeAccess, type RoomState } from '../client/state';
import type { MessageEvent, Profile } from '../client/types';
import { ImageViewer } from './Attachments';
import { Avatar, presenceLabel } from './Avatar';
import { BackButton } from './BackButton';
import { BlockButton } from './Block';
import { Composer } from './Composer';
import { EncryptionNotices, LockIcon, VerifyDialog } from './Encryption';
import { GroupPanel, type DetailsTab } from './GroupPanel';
import { roomAvatarFile, useChatState, useClient } from './hooks';
import { name, PendingItem, Timeline, type Image, type OpenImages } from './Timeline';
import { useTimelineScroll } from './timelineScroll';

/** A conversation: header, history scrolled with timelineScroll.ts, typing, composer. */
export function Conversation({ roomId, go }: { roomId: number; go: (path: string) => void }) {
  const state = useChatState();
  const client = useClient();
  const room = state.rooms[roomId] as RoomState;
  const me = state.me as Profile;
  const [details, setDetails] = useState<DetailsTab | null>(null);
  const [replyTo, setReplyTo] = useState<MessageEvent | null>(null);
  const [editing, setEditing] = useState<MessageEvent | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [viewer, setViewer] = useState<{ images: Image[]; index: number } | null>(null);
  const [dragging, setDragging] = useState(false);
  const [verifying, setVerifying] = useState<number | null>(null);
  const dragDepth = useRef(0);
  // The read marker as the conversation opened: opening it marks everything read, but
  // the messages that were new stay under a "New messages" divider while it is open.
  const [readAtOpen] = useState(() => (room.unread > 0 ? room.readSeq : null));
  const { scroller, onScroll, loadOlder, loadNewer, atLatest, jumpToLatest } = useTimelineScroll(room, readAtOpen !== null);
  const pending = state.pending.filter((p) => p.roomId === roomId);
  const timeline = room.timeline;
  // An encrypted room's timeline as it reads: decrypted texts, edits and reactions applied.
  const log = state.e2ee?.logs[roomId];
  const revealed = useMemo(() => (room.room.encrypted && timeline ? reveal(timeline, log ?? emptyLog, me.id) : null), [room.room.encrypted, timeline, log, me.id]);
  const shownRoom = revealed ? { ...room, timeline: revealed.events } : room;
  const title = roomTitle(state, room);

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
  const pinCount = room.pins?.length ?? 0;
  const toggleDetails = (tab: DetailsTab) => setDetails(details === tab || (tab === 'about' && details !== null) ? null : tab);
  // On a phone the details cover the conversation: showing a pinned message closes them.
  const onShowMessage = () => {
    if (window.matchMedia('(max-width: 720px)').matches) setDetails(null);
  };

  // Files picked, dropped or pasted go to this room's composer and upload at once
  // (in an encrypted room, encrypted on this device first).
  const canAttach = access === 'ok';
  const addFiles = (files: NewFile[]) => {
    if (files.length === 0) return;
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
          <div className="conversation__name">
            <h1>{title}</h1>
            {room.room.encrypted && <LockIcon />}
          </div>
          <p className="muted">{subtitle}</p>
        </div>
        {direct && room.peer !== undefined && room.room.encrypted && (
          <button type="button" className="btn btn--ghost header-btn" onClick={() => setVerifying(room.peer ?? null)}>
            <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
              <path d="M12 3l7 3v5c0 4.5-3 8-7 10-4-2-7-5.5-7-10V6z" className="stroke" />
              <path d="M8.5 12l2.5 2.5 4.5-5" className="stroke" />
            </svg>
            <span className="btn__label">Verify</span>
          </button>
        )}
        {direct && room.peer !== undefined && <BlockButton userId={room.peer} className="btn btn--ghost header-btn" icon onError={setActionError} />}
        {pinCount > 0 && (
          <button
            type="button"
            className="btn btn--ghost header-btn header-btn--pins"
            onClick={() => toggleDetails('pinned')}
            aria-expanded={details === 'pinned'}
            aria-controls="room-details"
            title="Pinned messages"
          >
            <span aria-hidden="true">📌</span>
            <span className="header-btn__count" aria-hidden="true">
              {pinCount}
            </span>
            <span className="sr-only">Pinned messages ({pinCount})</span>
          </button>
        )}
        <button type="button" className="btn btn--ghost header-btn" onClick={() => toggleDetails('about')} aria-expanded={details !== null} aria-controls="room-details">
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
      <EncryptionNotices room={room} onVerify={setVerifying} />
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
                <Timeline state={state} room={shownRoom} encryption={revealed?.status} me={me} newAfter={readAtOpen} onReply={setReplyTo} onEdit={setEditing} onError={setActionError} onOpen={openImages} />
                {room.hasNewer ? (
                  <p className="muted center">
                    <button type="button" className="link" onClick={() => void loadNewer()}>
                      Load newer messages
                    </button>
                  </p>
                ) : (
                  pending.map((p) => <PendingItem key={p.clientId} pending={p} me={me} onOpen={openImages} />)
                )}
              </>
            )}
          </div>
          {!atLatest && (
            <button type="button" className="btn jump" onClick={jumpToLatest}>
              Jump to latest ↓
            </button>
          )}
        </div>
        {details && (
          <GroupPanel roomId={roomId} tab={details} setTab={setDetails} close={() => setDetails(null)} go={go} onOpen={openImages} onVerify={setVerifying} onShowMessage={onShowMessage} />
        )}
        {verifying !== null && <VerifyDialog userId={verifying} close={() => setVerifying(null)} />}
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
          room={shownRoom}
          state={state}
          replyTo={replyTo}
          editing={editing}
          clear={() => {
            setReplyTo(null);
            setEditing(null);
          }}
          onEdit={setEditing}
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
          ) : access === 'admins-only' ? (
            <p>Only admins post in this channel. You can still react to messages.</p>
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

