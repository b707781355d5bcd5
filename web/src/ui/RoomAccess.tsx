// Who may join a group, who may post in it and who may pin its messages: the choices
// when a group is made (NewChat) and in its details (GroupPanel), where admins change
// them and members read them. End-to-end encrypted groups have no pins, so no choice
// of who pins.

import { useState } from 'react';
import { ApiError } from '../client/client';
import type { RoomState } from '../client/state';
import type { PinPolicy, PostingPolicy, RoomVisibility } from '../client/types';
import { useClient } from './hooks';

const VISIBILITY: Record<RoomVisibility, { label: string; hint: string }> = {
  private: { label: 'Invited people', hint: 'Private: only people a member invites can join.' },
  public: { label: 'Anyone on this server', hint: 'Public: listed under Browse channels; anyone signed in can join.' },
};

const POSTING: Record<PostingPolicy, { label: string; hint: string }> = {
  everyone: { label: 'Every member', hint: 'An ordinary conversation.' },
  admins: { label: 'Admins only', hint: 'Announcements: members read and react.' },
};

const PINNING: Record<PinPolicy, { label: string; hint: string }> = {
  admins: { label: 'Admins only', hint: 'Admins and the owner pin what matters.' },
  everyone: { label: 'Everyone', hint: 'Any member can pin and unpin messages.' },
};

/** Who may join a group, post in it and pin its messages. */
export interface Access {
  visibility: RoomVisibility;
  posting: PostingPolicy;
  pinning: PinPolicy;
}

/** One radio group of choices, each with a hint. */
function Choices<T extends string>({
  name,
  title,
  options,
  value,
  disabled,
  onChange,
}: {
  name: string;
  title: string;
  options: Record<T, { label: string; hint: string }>;
  value: T;
  disabled?: Partial<Record<T, string>>;
  onChange: (value: T) => void;
}) {
  const id = `${name}-title`;
  return (
    <div className="stack">
      <span className="label" id={id}>
        {title}
      </span>
      <div role="radiogroup" aria-labelledby={id} className="choices">
        {(Object.keys(options) as T[]).map((choice) => {
          const why = disabled?.[choice];
          return (
            <label key={choice} className={value === choice ? 'choice choice--on' : 'choice'} title={why}>
              <input type="radio" name={name} value={choice} checked={value === choice} disabled={why !== undefined} onChange={() => onChange(choice)} />
              <span className="choice__text">
                {options[choice].label}
                <span className="muted small">{why ?? options[choice].hint}</span>
              </span>
            </label>
          );
        })}
      </div>
    </div>
  );
}

/**
 * The settings as a form's fields (a new group). An encrypted group cannot be public,
 * and has no pins.
 */
export function AccessFields({ idPrefix, access, encrypted, onChange }: { idPrefix: string; access: Access; encrypted: boolean; onChange: (change: Partial<Access>) => void }) {
  return (
    <>
      <Choices
        name={`${idPrefix}-visibility`}
        title="Who can join"
        options={VISIBILITY}
        value={access.visibility}
        disabled={encrypted ? { public: 'End-to-end encrypted groups are invite-only.' } : undefined}
        onChange={(visibility) => onChange({ visibility })}
      />
      <Choices name={`${idPrefix}-posting`} title="Who can post" options={POSTING} value={access.posting} onChange={(posting) => onChange({ posting })} />
      {!encrypted && <Choices name={`${idPrefix}-pinning`} title="Who can pin messages" options={PINNING} value={access.pinning} onChange={(pinning) => onChange({ pinning })} />}
    </>
  );
}

/** A group's settings in its details: admins change them at once, members see them. */
export function RoomAccessSettings({ room, canManage }: { room: RoomState; canManage: boolean }) {
  const client = useClient();
  const [error, setError] = useState<string | null>(null);
  // A choice shows as made while the server stores it; the room's settings (from its
  // `room_access_changed` event) take over once the request is answered.
  const [choosing, setChoosing] = useState<Partial<Access> | null>(null);
  const { encrypted } = room.room;
  const access: Access = {
    visibility: choosing?.visibility ?? room.room.visibility ?? 'private',
    posting: choosing?.posting ?? room.room.posting ?? 'everyone',
    pinning: choosing?.pinning ?? room.room.pinning ?? 'admins',
  };
  if (!canManage) {
    return (
      <p className="muted small room-access">
        {access.visibility === 'public' ? 'Public channel: anyone on this server can join.' : 'Private group: people join by invitation.'}
        {access.posting === 'admins' && ' Only admins post here.'}
        {!encrypted && (access.pinning === 'everyone' ? ' Every member can pin messages.' : ' Only admins pin messages.')}
      </p>
    );
  }
  const change = (update: Partial<Access>) => {
    setError(null);
    setChoosing(update);
    client.rooms
      .update(room.room.id, update)
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : 'Could not change it; try again.'))
      .finally(() => setChoosing(null));
  };
  return (
    <div className="stack room-access">
      <AccessFields idPrefix={`room-${room.room.id}`} access={access} encrypted={encrypted} onChange={change} />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
