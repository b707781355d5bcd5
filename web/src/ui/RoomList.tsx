import { useMemo, useRef, useState, type ReactNode } from 'react';
import { emptyLog, reveal } from '../client/e2eeView';
import { levelOf } from '../client/notifications';
import { awaitingPeer, isBlocked, roomsByActivity, roomTitle, type RoomState, type State } from '../client/state';
import { AccountMenu } from './AccountMenu';
import { Avatar } from './Avatar';
import { LockIcon } from './Encryption';
import { formatListTime, roomAvatarFile, useChatState } from './hooks';
import { Invitations } from './Invitations';
import { NewChat } from './NewChat';
import { MutedIcon, NotificationBell, useNotifications } from './Notifications';
import { messagePreview, PreviewLine } from './Preview';
import { SearchPanel, useSearchShortcut } from './SearchPanel';
import './channels.css';

function preview(state: State, room: RoomState): ReactNode {
  const last = room.lastMessage;
  if (!last || last.content.type !== 'message') {
    if (awaitingPeer(room)) return 'Message request sent';
    return room.room.kind === 'group' ? room.room.topic || 'No messages yet' : 'No messages yet';
  }
  if (room.room.kind === 'group' && last.sender_id !== state.me?.id && isBlocked(state, last.sender_id)) return 'Message from someone you blocked';
  // An encrypted message reads as its decrypted text once this device has it.
  const shown = (room.room.encrypted ? reveal([last], state.e2ee?.logs[room.room.id] ?? emptyLog, state.me?.id).events[0] : last) ?? last;
  const body = <PreviewLine preview={messagePreview(shown.content.type === 'message' ? shown.content : last.content)} />;
  const who = last.sender_id === state.me?.id ? 'You' : room.room.kind === 'group' ? (state.users[last.sender_id]?.display_name ?? '') : '';
  return who ? (
    <>
      {who}: {body}
    </>
  ) : (
    body
  );
}

const CONNECTION_TEXT: Record<State['connection'], string | null> = {
  online: null,
  syncing: 'Syncing…',
  connecting: 'Connecting…',
  offline: 'Offline: messages, edits, deletions and reactions are sent when the connection is back',
  outdated: 'Confab was updated on the server. Reload the page to continue.',
};

/** The conversation list: filter, new chat, rooms by activity with badges and presence; message search in its place. */
export function RoomList({ activeRoom, browsing, go }: { activeRoom: number | null; browsing: boolean; go: (path: string) => void }) {
  const state = useChatState();
  const notifications = useNotifications();
  const [filter, setFilter] = useState('');
  const [creating, setCreating] = useState(false);
  // Search replaces the list while open; `searchFocus` changes to focus its box again.
  const [searching, setSearching] = useState(false);
  const [searchFocus, setSearchFocus] = useState(0);
  const searchButton = useRef<HTMLButtonElement>(null);
  const openSearch = () => {
    setSearching(true);
    setSearchFocus((n) => n + 1);
    // On a phone the list (and so the search) is hidden behind a conversation.
    if (activeRoom !== null && matchMedia('(max-width: 720px)').matches) go('/');
  };
  useSearchShortcut(openSearch);
  const rooms = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    return roomsByActivity(state).filter((r) => !needle || roomTitle(state, r).toLowerCase().includes(needle));
  }, [state, filter]);
  const me = state.me;
  const banner = CONNECTION_TEXT[state.connection];

  if (searching && state.me) {
    return (
      <SearchPanel
        go={go}
        focusKey={searchFocus}
        close={() => {
          setSearching(false);
          requestAnimationFrame(() => searchButton.current?.focus());
        }}
      />
    );
  }

  return (
    <div className="roomlist">
      <header className="roomlist__header">
        <button type="button" className="me" onClick={() => go('/settings')} title="Profile and settings">
          {me && <Avatar id={me.id} name={me.display_name} fileId={me.avatar_file_id} presence={state.connection === 'online' ? 'online' : 'offline'} />}
          <span className="me__name">{me?.display_name}</span>
          <span className="sr-only">: profile and settings</span>
        </button>
        <AccountMenu go={go} />
        <button
          ref={searchButton}
          type="button"
          className="btn btn--ghost btn--icon roomlist__search"
          onClick={openSearch}
          aria-label="Search messages"
          aria-keyshortcuts="/ Control+K Meta+K"
          title="Search messages (/ or Ctrl+K)"
        >
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <circle cx="10.5" cy="10.5" r="6" className="stroke" />
            <path d="M15 15l5 5" className="stroke" />
          </svg>
        </button>
        <NotificationBell go={go} />
        <button type="button" className="btn btn--primary btn--icon" onClick={() => setCreating(true)} aria-label="New conversation" title="New conversation">
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <path d="M12 5v14M5 12h14" className="stroke" />
          </svg>
        </button>
      </header>
      {banner && (
        <p className={`banner banner--${state.connection}`} role="status">
          {banner}
          {state.connection === 'outdated' && (
            <>
              {' '}
              <button type="button" className="link" onClick={() => location.reload()}>
                Reload
              </button>
            </>
          )}
        </p>
      )}
      <div className="roomlist__filter">
        <input type="search" placeholder="Filter conversations" aria-label="Filter conversations" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      <a
        href="/channels"
        className={browsing ? 'roomlist__browse roomlist__browse--active' : 'roomlist__browse'}
        aria-current={browsing ? 'page' : undefined}
        onClick={(e) => {
          e.preventDefault();
          go('/channels');
        }}
      >
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path d="M9 4L7 20M17 4l-2 16M4 9h16M3 15h16" className="stroke" />
        </svg>
        Browse channels
      </a>
      <nav aria-label="Rooms">
        <Invitations go={go} />
        {(state.invitations?.length ?? 0) > 0 && (
          <h2 className="rooms__title" id="rooms-title">
            Conversations
          </h2>
        )}
        <ul className="rooms">
          {rooms.map((room) => {
            const title = roomTitle(state, room);
            const peer = room.peer;
            const presence = peer !== undefined ? (state.presence[peer]?.status ?? 'offline') : undefined;
            const active = room.room.id === activeRoom;
            const muted = levelOf(notifications, room) === 'nothing';
            const status = `${room.unread ? `, ${room.unread} unread` : ''}${room.mentions ? `, ${room.mentions} mentions` : ''}${presence ? `, ${presence}` : ''}${muted ? ', muted' : ''}`;
            return (
              <li key={room.room.id}>
                <a
                  href={`/rooms/${room.room.id}`}
                  className={active ? 'room room--active' : 'room'}
                  aria-current={active ? 'page' : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    go(`/rooms/${room.room.id}`);
                  }}
                >
                  <Avatar id={room.room.kind === 'group' ? -room.room.id : (peer ?? 0)} name={title} presence={presence} fileId={roomAvatarFile(state, room)} />
                  <span className="room__body">
                    <span className="room__top">
                      <span className={room.unread ? 'room__title room__title--unread' : 'room__title'}>
                        {title}
                        <span className="sr-only">{status}</span>
                      </span>
                      {room.room.encrypted && <LockIcon size={12} />}
                      {muted && <MutedIcon />}
                      <span className="room__time">{formatListTime(room.room.last_activity_at)}</span>
                    </span>
                    <span className="room__bottom">
                      <span className="room__preview">{preview(state, room)}</span>
                      {room.mentions > 0 && (
                        <span className="badge badge--mention" aria-hidden="true">
                          @
                        </span>
                      )}
                      {room.unread > 0 && (
                        <span className={muted ? 'badge badge--muted' : 'badge'} aria-hidden="true">
                          {room.unread > 999 ? '999+' : room.unread}
                        </span>
                      )}
                    </span>
                  </span>
                </a>
              </li>
            );
          })}
        </ul>
        {rooms.length === 0 && (
          <p className="muted center">
            {filter ? 'No conversation matches.' : (state.invitations?.length ?? 0) > 0 ? 'Accept an invitation, or start a conversation with the + button.' : 'No conversations yet. Start one with the + button.'}
          </p>
        )}
      </nav>
      {creating && <NewChat close={() => setCreating(false)} go={go} />}
    </div>
  );
}
