import { useEffect, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError } from '../client/client';
import { awaitingPeer, isBlocked, roomTitle } from '../client/state';
import type { FileInfo, Member, PendingInvitation, Role } from '../client/types';
import { Avatar, presenceLabel } from './Avatar';
import { BlockButton, displayName } from './Block';
import { formatDay, roomAvatarFile, useChatState, useClient, userAvatarFile } from './hooks';
import { RoomNotificationLevel } from './NotificationSettings';
import { RoomAccessSettings } from './RoomAccess';
import { PhotoPicker } from './PhotoPicker';
import { RoomFiles } from './RoomFiles';
import { RoomPins } from './RoomPins';
import { UserSearch } from './UserSearch';

const RANK: Record<Role, number> = { owner: 2, admin: 1, member: 0 };

/** The tabs of a conversation's details. */
export type DetailsTab = 'about' | 'files' | 'pinned';

/**
 * A conversation's details, in tabs. The first: its picture (a group's can be
 * changed by admins), members with roles and presence, and blocking; for groups also
 * rename, topic, who may join, post and pin, invitations (invite, pending ones,
 * withdraw), remove, leave. The second: the files shared in it. The third (not in an
 * encrypted room): its pinned messages.
 */
export function GroupPanel({
  roomId,
  tab,
  setTab,
  close,
  go,
  onOpen,
  onVerify,
  onShowMessage,
}: {
  roomId: number;
  tab: DetailsTab;
  setTab: (tab: DetailsTab) => void;
  close: () => void;
  go: (path: string) => void;
  /** In an encrypted room: opens the safety-number screen with a member. */
  onVerify?: (userId: number) => void;
  onOpen: (images: (FileInfo & { width: number; height: number })[], index: number) => void;
  /** A pinned message is being shown in the conversation. */
  onShowMessage: () => void;
}) {
  const state = useChatState();
  const client = useClient();
  const room = state.rooms[roomId];
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const [name, setName] = useState(room?.room.name ?? '');
  const [topic, setTopic] = useState(room?.room.topic ?? '');
  const group = room?.room.kind === 'group';

  // Who is invited and has not answered yet (a member may look; it changes without
  // events, so it is fetched each time the panel opens).
  useEffect(() => {
    if (group) client.loadRoomInvitations(roomId).catch(() => undefined);
  }, [client, roomId, group]);

  if (!room) return null;
  const me = state.me?.id ?? -1;
  const title = roomTitle(state, room);
  const peer = room.peer !== undefined ? state.users[room.peer] : undefined;
  const pinCount = room.pins?.length ?? 0;
  const tabs: { id: DetailsTab; label: string; count?: number }[] = [
    { id: 'about', label: group ? 'Members' : 'About' },
    { id: 'files', label: 'Files' },
    ...(room.room.encrypted ? [] : [{ id: 'pinned' as const, label: 'Pinned', count: pinCount }]),
  ];
  const onTabKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    const at = tabs.findIndex((t) => t.id === tab);
    const next = tabs[(at + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length]?.id ?? 'about';
    setTab(next);
    document.getElementById(`details-tab-${next}`)?.focus();
  };
  const canManage = group && room.myRole !== 'member';
  const members: Member[] = room.members ?? [];
  const invitations: PendingInvitation[] = room.invitations ?? [];

  const run = (action: () => Promise<void>) => {
    setError(null);
    setInfo(null);
    action().catch((e: unknown) => setError(e instanceof ApiError ? e.message : 'That did not work; try again.'));
  };

  const save = (e: FormEvent) => {
    e.preventDefault();
    run(() => client.rooms.update(roomId, { name: name.trim(), topic: topic.trim() }));
  };

  const invite = (userId: number) =>
    run(async () => {
      const who = displayName(state.users, userId);
      try {
        const made = await client.invite(roomId, [userId]);
        setInfo(made.length > 0 ? `Invited ${who}. They join when they accept.` : `${who} is already a member or invited.`);
      } catch (e) {
        if (e instanceof ApiError && e.code === 'forbidden' && isBlocked(state, userId)) throw new ApiError(403, 'forbidden', `You blocked ${who}. Unblock them in Settings to invite them.`);
        if (e instanceof ApiError && e.code === 'forbidden') throw new ApiError(403, 'forbidden', `You can’t invite ${who}.`);
        throw e;
      }
    });

  return (
    <aside className="panel" id="room-details" aria-label="Conversation details">
      <header className="panel__header">
        <h2>{group ? 'Group' : 'Details'}</h2>
        <button type="button" className="btn btn--ghost btn--icon" onClick={close} aria-label="Close details">
          ✕
        </button>
      </header>
      <div className="tabs" role="tablist" aria-label="Conversation details" onKeyDown={onTabKey}>
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`details-tab-${t.id}`}
            className="tab"
            aria-selected={tab === t.id}
            aria-controls={`details-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => setTab(t.id)}
          >
            {t.label}
            {t.count ? <span className="tab__count">{t.count}</span> : null}
          </button>
        ))}
      </div>
      {tab === 'files' ? (
        <RoomFiles roomId={roomId} onOpen={onOpen} id="details-files" labelledBy="details-tab-files" />
      ) : tab === 'pinned' && !room.room.encrypted ? (
        <RoomPins roomId={roomId} id="details-pinned" labelledBy="details-tab-pinned" onShow={onShowMessage} />
      ) : (
        <div className="panel__tab" role="tabpanel" id="details-about" aria-labelledby="details-tab-about">
          <div className="profile-head">
            <Avatar id={group ? -room.room.id : (room.peer ?? 0)} name={title} size="xl" fileId={roomAvatarFile(state, room)} />
            <div className="profile-head__text">
              <strong className="profile-head__name">{title}</strong>
              {group ? (
                room.room.topic && <span className="muted small">{room.room.topic}</span>
              ) : (
                peer && (
                  <span className="muted small ellipsis">
                    @{peer.username}
                    {peer.status_text ? ` · ${peer.status_text}` : ''}
                  </span>
                )
              )}
            </div>
            {canManage && (
              <PhotoPicker
                hasPhoto={room.room.avatar_file_id !== undefined}
                what="the group photo"
                apply={(fileId) => client.rooms.setAvatar(roomId, fileId)}
                remove={() => client.rooms.removeAvatar(roomId)}
              />
            )}
          </div>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          {info && (
            <p className="ok small" role="status">
              {info}
            </p>
          )}
          {canManage && (
            <form className="stack" onSubmit={save}>
              <label htmlFor="room-name">Name</label>
              <input id="room-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={64} />
              <label htmlFor="room-topic">Topic</label>
              <input id="room-topic" value={topic} onChange={(e) => setTopic(e.target.value)} maxLength={512} />
              <button type="submit" className="btn">
                Save
              </button>
            </form>
          )}
          {group && <RoomAccessSettings room={room} canManage={canManage} />}
          <RoomNotificationLevel room={room} />
          <h3>Members ({members.length})</h3>
          <ul className="members">
            {members.map((m) => {
              const user = state.users[m.user_id];
              const shown = user?.display_name ?? `User ${m.user_id}`;
              const presence = state.presence[m.user_id]?.status;
              const canRemove = group && m.user_id !== me && RANK[room.myRole] > RANK[m.role] && room.myRole !== 'member';
              const blocked = isBlocked(state, m.user_id);
              return (
                <li key={m.user_id} className="member">
                  <Avatar id={m.user_id} name={shown} size="sm" presence={presence ?? 'offline'} fileId={userAvatarFile(state, m.user_id)} />
                  <span className="member__name">
                    {shown}
                    {m.user_id === me && ' (you)'}
                    <span className="member__presence muted small">{blocked ? 'Blocked' : presenceLabel(presence)}</span>
                  </span>
                  {group && <span className={`role role--${m.role}`}>{m.role}</span>}
                  {m.user_id !== me && (
                    <div className="member__actions">
                      {group && room.myRole === 'owner' && m.role !== 'owner' && (
                        <button type="button" className="btn btn--ghost btn--sm" onClick={() => run(() => client.rooms.setRole(roomId, m.user_id, m.role === 'admin' ? 'member' : 'admin'))}>
                          {m.role === 'admin' ? 'Make member' : 'Make admin'}
                        </button>
                      )}
                      {group && room.myRole === 'owner' && (
                        <button
                          type="button"
                          className="btn btn--ghost btn--sm"
                          onClick={() => {
                            if (confirm(`Make ${shown} the owner of this group? You will become an admin.`)) run(() => client.rooms.transferOwnership(roomId, m.user_id));
                          }}
                        >
                          Make owner
                        </button>
                      )}
                      {canRemove && (
                        <button type="button" className="btn btn--ghost btn--sm" aria-label={`Remove ${shown}`} onClick={() => run(() => client.rooms.removeMember(roomId, m.user_id))}>
                          Remove
                        </button>
                      )}
                      {room.room.encrypted && onVerify && (
                        <button type="button" className="btn btn--ghost btn--sm" aria-label={`Verify ${shown}`} onClick={() => onVerify(m.user_id)}>
                          {state.e2ee?.verified[m.user_id] && !state.e2ee.changed.includes(m.user_id) ? 'Verified' : 'Verify'}
                        </button>
                      )}
                      <BlockButton userId={m.user_id} onError={setError} />
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
          {!group && awaitingPeer(room) && room.peer !== undefined && (
            <>
              <h3>Message request</h3>
              <div className="member">
                <Avatar id={room.peer} name={displayName(state.users, room.peer)} size="sm" fileId={userAvatarFile(state, room.peer)} />
                <span className="member__name">
                  {displayName(state.users, room.peer)}
                  <span className="member__presence muted small">Has not accepted yet</span>
                </span>
                <div className="member__actions">
                  <BlockButton userId={room.peer} onError={setError} />
                </div>
              </div>
            </>
          )}
          {group && invitations.length > 0 && (
            <>
              <h3>Invited ({invitations.length})</h3>
              <ul className="members" aria-label="Pending invitations">
                {invitations.map((i) => {
                  const shown = displayName(state.users, i.user_id);
                  const canWithdraw = room.myRole !== 'member' || i.invited_by === me;
                  return (
                    <li key={i.user_id} className="member">
                      <Avatar id={i.user_id} name={shown} size="sm" fileId={userAvatarFile(state, i.user_id)} />
                      <span className="member__name">
                        {shown}
                        <span className="member__presence muted small" title={`Invited on ${formatDay(i.invited_at)}`}>
                          Invited by {i.invited_by === me ? 'you' : displayName(state.users, i.invited_by)}
                        </span>
                      </span>
                      {canWithdraw && (
                        <div className="member__actions">
                          <button
                            type="button"
                            className="btn btn--ghost btn--sm"
                            aria-label={`Withdraw the invitation to ${shown}`}
                            onClick={() => run(() => client.withdrawInvitation(roomId, i.user_id))}
                          >
                            Withdraw
                          </button>
                        </div>
                      )}
                    </li>
                  );
                })}
              </ul>
            </>
          )}
          {canManage && (
            <>
              <h3>Invite people</h3>
              <p className="muted small flush">They join the group when they accept your invitation.</p>
              <UserSearch label="Invite someone by username" exclude={[...members.map((m) => m.user_id), ...invitations.map((i) => i.user_id)]} onPick={(u) => invite(u.id)} />
            </>
          )}
          {group && room.myRole === 'owner' && members.length > 1 && <p className="muted small">To leave, first make someone else the owner.</p>}
          {group && (
            <button
              type="button"
              disabled={room.myRole === 'owner' && members.length > 1}
              className="btn btn--danger"
              onClick={() =>
                run(async () => {
                  await client.rooms.removeMember(roomId, me);
                  go('/');
                })
              }
            >
              Leave group
            </button>
          )}
        </div>
      )}
    </aside>
  );
}
