import { useEffect } from 'react';
import { AuthScreen } from './Auth';
import { ChannelDirectory } from './ChannelDirectory';
import { Conversation } from './Conversation';
import { InvitationCard } from './Invitations';
import { RoomList } from './RoomList';
import { Settings } from './Settings';
import { useChatState, useClient, useRoute } from './hooks';
import { pageTitle } from './title';

export function App() {
  const state = useChatState();
  const client = useClient();
  const [route, go, replace] = useRoute();
  const roomId = route.page === 'room' ? route.roomId : null;
  const seq = route.page === 'room' ? route.seq : undefined;

  // Open (load and mark read) the room on screen; again once it is known and once
  // the connection is back, since either can come after the route. A link to a
  // message (`?seq=`, from a notification) opens the room there, once: the address
  // then becomes the room's.
  const online = state.connection === 'online';
  const known = roomId !== null && state.rooms[roomId] !== undefined;
  useEffect(() => {
    if (roomId !== null && seq !== undefined) {
      void client.openRoomAt(roomId, seq).catch(() => undefined);
      replace(`/rooms/${roomId}`);
      return;
    }
    void client.openRoom(roomId).catch(() => undefined);
  }, [client, roomId, seq, online, known, replace]);

  const title = state.me ? pageTitle(state, roomId) : 'Confab';
  useEffect(() => {
    document.title = title;
  }, [title]);

  if (!state.me) return <AuthScreen />;

  const detail = route.page !== 'home';
  const invitation = route.page === 'room' ? state.invitations?.find((i) => i.room.id === route.roomId) : undefined;
  return (
    <div className={detail ? 'shell shell--detail' : 'shell'}>
      <aside className="sidebar" aria-label="Conversations">
        <RoomList activeRoom={roomId} browsing={route.page === 'channels'} go={go} />
      </aside>
      <main className="main">
        {route.page === 'room' ? (
          state.rooms[route.roomId] ? (
            <Conversation key={route.roomId} roomId={route.roomId} go={go} />
          ) : invitation ? (
            <div className="empty empty--invite">
              <p>You are invited to this conversation.</p>
              <InvitationCard invitation={invitation} go={go} as="div" />
            </div>
          ) : (
            <div className="empty">
              <p>{state.connection === 'online' ? 'This conversation is not available.' : 'Loading…'}</p>
              <button type="button" className="btn" onClick={() => go('/')}>
                Back to conversations
              </button>
            </div>
          )
        ) : route.page === 'settings' ? (
          <Settings go={go} />
        ) : route.page === 'channels' ? (
          <ChannelDirectory go={go} />
        ) : (
          <div className="empty">
            <h1 className="empty__title">Confab</h1>
            <p>Pick a conversation, or start a new one.</p>
          </div>
        )}
      </main>
    </div>
  );
}
