import { useState, type FormEvent } from 'react';
import { ApiError } from '../client/client';
import { isBlocked } from '../client/state';
import type { Profile } from '../client/types';
import { Dialog } from './Dialog';
import { EncryptedSwitch } from './Encryption';
import { useChatState, useClient } from './hooks';
import { AccessFields, type Access } from './RoomAccess';
import { UserSearch } from './UserSearch';

/** Start a direct conversation, or create a group and invite people to it. */
export function NewChat({ close, go }: { close: () => void; go: (path: string) => void }) {
  const client = useClient();
  const state = useChatState();
  const [tab, setTab] = useState<'direct' | 'group'>('direct');
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [members, setMembers] = useState<Profile[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [encrypted, setEncrypted] = useState(false);
  const [access, setAccess] = useState<Access>({ visibility: 'private', posting: 'everyone', pinning: 'admins' });

  async function openDirect(user: Profile) {
    try {
      const id = await client.rooms.openDirect(user.id, encrypted);
      close();
      go(`/rooms/${id}`);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'forbidden') {
        setError(
          isBlocked(state, user.id)
            ? `You blocked ${user.display_name}. Unblock them in Settings to message them.`
            : `You can’t message ${user.display_name}.`,
        );
      } else setError(e instanceof Error ? e.message : 'Could not open the conversation');
    }
  }

  async function createGroup(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) {
      setError('Give the group a name.');
      return;
    }
    try {
      const id = await client.rooms.createGroup(name.trim(), topic.trim(), members.map((m) => m.id), { encrypted, ...access });
      close();
      go(`/rooms/${id}`);
    } catch (e) {
      const blocked = members.filter((m) => isBlocked(state, m.id)).map((m) => m.display_name);
      if (e instanceof ApiError && e.code === 'forbidden') {
        setError(
          blocked.length > 0
            ? `You blocked ${blocked.join(', ')}. Remove them from the list, or unblock them in Settings.`
            : 'Someone on the list can’t be invited. Remove people one by one to find out who.',
        );
      } else setError(e instanceof ApiError ? e.message : 'Could not create the group');
    }
  }

  return (
    <Dialog title="New conversation" close={close}>
      <div className="tabs" role="tablist" aria-label="Kind of conversation">
        <button type="button" role="tab" aria-selected={tab === 'direct'} className="tab" onClick={() => setTab('direct')}>
          Direct message
        </button>
        <button type="button" role="tab" aria-selected={tab === 'group'} className="tab" onClick={() => setTab('group')}>
          New group
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {tab === 'direct' ? (
        <div className="stack">
          <EncryptedSwitch id="direct-encrypted" checked={encrypted} onChange={setEncrypted} />
          <UserSearch label="Find someone by username" onPick={(u) => void openDirect(u)} />
          <p className="muted small flush">Someone you have no conversation with yet gets a message request, and sees your messages once they accept it.</p>
        </div>
      ) : (
        <form onSubmit={(e) => void createGroup(e)} className="stack">
          <label htmlFor="group-name">Group name</label>
          <input id="group-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={64} />
          <label htmlFor="group-topic">
            Topic <span className="hint">(optional)</span>
          </label>
          <input id="group-topic" value={topic} onChange={(e) => setTopic(e.target.value)} maxLength={512} />
          <span className="label">Invite people</span>
          <p className="muted small flush">
            Each person gets an invitation and joins the group when they accept it.
          </p>
          {members.length > 0 && (
            <ul className="chips" aria-label="People to invite">
              {members.map((m) => (
                <li key={m.id} className="chip">
                  <span className="ellipsis">{m.display_name}</span>
                  <button type="button" aria-label={`Remove ${m.display_name}`} onClick={() => setMembers(members.filter((x) => x.id !== m.id))}>
                    ✕
                  </button>
                </li>
              ))}
            </ul>
          )}
          <UserSearch label="Invite people by username" exclude={members.map((m) => m.id)} onPick={(u) => setMembers([...members, u])} />
          <EncryptedSwitch
            id="group-encrypted"
            checked={encrypted}
            onChange={(on) => {
              setEncrypted(on);
              if (on) setAccess({ ...access, visibility: 'private' });
            }}
          />
          <AccessFields idPrefix="new-group" access={access} encrypted={encrypted} onChange={(change) => setAccess({ ...access, ...change })} />
          <button type="submit" className="btn btn--primary">
            {members.length === 0 ? 'Create group' : `Create group and invite ${members.length === 1 ? '1 person' : `${members.length} people`}`}
          </button>
        </form>
      )}
    </Dialog>
  );
}
