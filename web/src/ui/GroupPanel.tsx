import { useState, type FormEvent } from 'react';
import { ApiError } from '../client/client';
import type { Member, Role } from '../client/types';
import { Avatar, presenceLabel } from './Avatar';
import { useChatState, useClient } from './hooks';
import { UserSearch } from './UserSearch';

const RANK: Record<Role, number> = { owner: 2, admin: 1, member: 0 };

/** Members with roles and presence; for groups also rename, topic, add, remove, leave. */
export function GroupPanel({ roomId, close, go }: { roomId: number; close: () => void; go: (path: string) => void }) {
  const state = useChatState();
  const client = useClient();
  const room = state.rooms[roomId];
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState(room?.room.name ?? '');
  const [topic, setTopic] = useState(room?.room.topic ?? '');
  if (!room) return null;
  const me = state.me?.id ?? -1;
  const group = room.room.kind === 'group';
  const canManage = group && room.myRole !== 'member';
  const members: Member[] = room.members ?? [];

  const run = (action: () => Promise<void>) => {
    setError(null);
    action().catch((e: unknown) => setError(e instanceof ApiError ? e.message : 'That did not work; try again.'));
  };

  const save = (e: FormEvent) => {
    e.preventDefault();
    run(() => client.updateRoom(roomId, { name: name.trim(), topic: topic.trim() }));
  };

  return (
    <aside className="panel" id="room-details" aria-label="Conversation details">
      <header className="panel__header">
        <h2>{group ? 'Group' : 'Details'}</h2>
        <button type="button" className="btn btn--ghost btn--icon" onClick={close} aria-label="Close details">
          ✕
        </button>
      </header>
      {error && (
        <p className="form-error" role="alert">
          {error}
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
      <h3>Members ({members.length})</h3>
      <ul className="members">
        {members.map((m) => {
          const user = state.users[m.user_id];
          const shown = user?.display_name ?? `User ${m.user_id}`;
          const presence = state.presence[m.user_id]?.status;
          const canRemove = group && m.user_id !== me && RANK[room.myRole] > RANK[m.role] && room.myRole !== 'member';
          return (
            <li key={m.user_id} className="member">
              <Avatar id={m.user_id} name={shown} size="sm" presence={presence ?? 'offline'} />
              <span className="member__name">
                {shown}
                {m.user_id === me && ' (you)'}
                <span className="member__presence muted small">{presenceLabel(presence)}</span>
              </span>
              {group && <span className={`role role--${m.role}`}>{m.role}</span>}
              {group && m.user_id !== me && (room.myRole === 'owner' || canRemove) && (
                <div className="member__actions">
                  {group && room.myRole === 'owner' && m.user_id !== me && m.role !== 'owner' && (
                    <button type="button" className="btn btn--ghost btn--sm" onClick={() => run(() => client.setRole(roomId, m.user_id, m.role === 'admin' ? 'member' : 'admin'))}>
                      {m.role === 'admin' ? 'Make member' : 'Make admin'}
                    </button>
                  )}
                  {group && room.myRole === 'owner' && m.user_id !== me && (
                    <button
                      type="button"
                      className="btn btn--ghost btn--sm"
                      onClick={() => {
                        if (confirm(`Make ${shown} the owner of this group? You will become an admin.`)) run(() => client.transferOwnership(roomId, m.user_id));
                      }}
                    >
                      Make owner
                    </button>
                  )}
                  {canRemove && (
                    <button type="button" className="btn btn--ghost btn--sm" aria-label={`Remove ${shown}`} onClick={() => run(() => client.removeMember(roomId, m.user_id))}>
                      Remove
                    </button>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {canManage && (
        <>
          <h3>Add people</h3>
          <UserSearch label="Add a member by username" exclude={members.map((m) => m.user_id)} onPick={(u) => run(() => client.addMembers(roomId, [u.id]))} />
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
              await client.removeMember(roomId, me);
              go('/');
            })
          }
        >
          Leave group
        </button>
      )}
    </aside>
  );
}
