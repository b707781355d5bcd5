import { useState, type FormEvent } from 'react';
import { ApiError } from '../client/client';
import type { Profile } from '../client/types';
import { Dialog } from './Dialog';
import { useClient } from './hooks';
import { UserSearch } from './UserSearch';

/** Start a direct conversation, or create a group with some members. */
export function NewChat({ close, go }: { close: () => void; go: (path: string) => void }) {
  const client = useClient();
  const [tab, setTab] = useState<'direct' | 'group'>('direct');
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [members, setMembers] = useState<Profile[]>([]);
  const [error, setError] = useState<string | null>(null);

  async function openDirect(user: Profile) {
    try {
      const id = await client.openDirect(user.id);
      close();
      go(`/rooms/${id}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Could not open the conversation');
    }
  }

  async function createGroup(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) {
      setError('Give the group a name.');
      return;
    }
    try {
      const id = await client.createGroup(name.trim(), topic.trim(), members.map((m) => m.id));
      close();
      go(`/rooms/${id}`);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Could not create the group');
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
        <UserSearch label="Find someone by username" onPick={(u) => void openDirect(u)} />
      ) : (
        <form onSubmit={(e) => void createGroup(e)} className="stack">
          <label htmlFor="group-name">Group name</label>
          <input id="group-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={64} />
          <label htmlFor="group-topic">
            Topic <span className="hint">(optional)</span>
          </label>
          <input id="group-topic" value={topic} onChange={(e) => setTopic(e.target.value)} maxLength={512} />
          <span className="label">Members</span>
          {members.length > 0 && (
            <ul className="chips" aria-label="Chosen members">
              {members.map((m) => (
                <li key={m.id} className="chip">
                  {m.display_name}
                  <button type="button" aria-label={`Remove ${m.display_name}`} onClick={() => setMembers(members.filter((x) => x.id !== m.id))}>
                    ✕
                  </button>
                </li>
              ))}
            </ul>
          )}
          <UserSearch label="Add members by username" exclude={members.map((m) => m.id)} onPick={(u) => setMembers([...members, u])} />
          <button type="submit" className="btn btn--primary">
            Create group
          </button>
        </form>
      )}
    </Dialog>
  );
}
