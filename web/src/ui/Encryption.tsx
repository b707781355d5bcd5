// End-to-end encryption in the UI: the lock, the switch when starting a conversation,
// the warning when a verified contact's devices changed, and the safety-number screen
// (client/e2ee.ts and client/e2eeView.ts do the work).

import { useEffect, useState } from 'react';
import { awaitingPeer, type RoomState, type State } from '../client/state';
import type { UserId } from '../client/types';
import { Dialog } from './Dialog';
import { useChatState, useClient } from './hooks';
import { QrCode } from './QrCode';
import './encryption.css';
import { name } from './Timeline';

export const ENCRYPTED_LABEL = 'End-to-end encrypted';

/** A padlock, labelled for screen readers. */
export function LockIcon({ size = 14 }: { size?: number }) {
  return (
    <svg className="lock-icon" viewBox="0 0 24 24" width={size} height={size} role="img" aria-label={ENCRYPTED_LABEL}>
      <title>{ENCRYPTED_LABEL}</title>
      <rect x="5" y="10.5" width="14" height="10" rx="2" className="fill" />
      <path d="M8 10.5V8a4 4 0 018 0v2.5" className="stroke" fill="none" />
    </svg>
  );
}

/** The "End-to-end encrypted" switch of a new conversation. */
export function EncryptedSwitch({ id, checked, onChange }: { id: string; checked: boolean; onChange: (on: boolean) => void }) {
  return (
    <div className="stack e2ee-switch">
      <label className="check" htmlFor={id}>
        <input id={id} type="checkbox" role="switch" checked={checked} onChange={(e) => onChange(e.target.checked)} aria-describedby={`${id}-hint`} />
        {ENCRYPTED_LABEL}
      </label>
      <p className="muted small flush" id={`${id}-hint`}>
        Only its members’ devices can read it, not the server (no files or search).
      </p>
    </div>
  );
}

/** The other members of an encrypted room whose devices changed since I verified them. */
function changedIn(state: State, room: RoomState): UserId[] {
  const changed = state.e2ee?.changed ?? [];
  const ids = room.members?.map((m) => m.user_id) ?? (room.peer !== undefined ? [room.peer] : []);
  return changed.filter((id) => ids.includes(id));
}

/** The warnings at the top of an encrypted room: changed devices, unreadable history. */
export function EncryptionNotices({ room, onVerify }: { room: RoomState; onVerify: (userId: UserId) => void }) {
  const state = useChatState();
  if (!room.room.encrypted) return null;
  const changed = changedIn(state, room);
  const log = state.e2ee?.logs[room.room.id];
  const unreadable = log ? Object.values(log.bySeq).some((e) => 'unreadable' in e) : false;
  return (
    <>
      {state.e2ee?.error && (
        <p className="e2ee-notice e2ee-notice--warn" role="alert">
          {state.e2ee.error}
        </p>
      )}
      {changed.map((id) => (
        <p key={id} className="e2ee-notice e2ee-notice--warn" role="alert">
          {name(state, id)}’s devices changed; verify again.{' '}
          <button type="button" className="link" onClick={() => onVerify(id)}>
            Verify
          </button>
        </p>
      ))}
      {unreadable && <p className="e2ee-notice muted small">Messages sent before this device joined can’t be read on it.</p>}
      {awaitingPeer(room) && room.peer !== undefined && (
        <p className="e2ee-notice muted small">{name(state, room.peer)} can read only what is sent after they accept: their devices join the encryption then.</p>
      )}
    </>
  );
}

/** The safety number with someone, its QR code, and "Mark as verified". */
export function VerifyDialog({ userId, close }: { userId: UserId; close: () => void }) {
  const client = useClient();
  const state = useChatState();
  const [digits, setDigits] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const verified = state.e2ee?.verified[userId] !== undefined && !(state.e2ee?.changed ?? []).includes(userId);
  const who = name(state, userId);
  useEffect(() => {
    let live = true;
    client.e2ee.safetyNumber(userId).then(
      (n) => live && setDigits(n),
      (e: unknown) => live && setError(e instanceof Error ? e.message : 'Could not compute the safety number'),
    );
    return () => {
      live = false;
    };
  }, [client, userId, state.e2ee?.changed]);
  return (
    <Dialog title={`Verify ${who}`} close={close}>
      <div className="stack verify">
        <p className="muted small flush">
          Compare this number with the one {who} sees (in person or on a call), or scan their code. If they match, nobody is listening in between.
        </p>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {digits && (
          <>
            <p className="safety-number" aria-label="Safety number" data-testid="safety-number">
              {digits.map((group, i) => (
                <span key={i}>{group}</span>
              ))}
            </p>
            <QrCode text={digits.join('')} alt={`QR code of the safety number with ${who}`} className="verify__qr" />
          </>
        )}
        {verified ? (
          <p className="verify__done" role="status">
            <LockIcon /> You verified {who}.
          </p>
        ) : (
          <button type="button" className="btn btn--primary" disabled={!digits} onClick={() => void client.e2ee.markVerified(userId).catch((e: unknown) => setError(e instanceof Error ? e.message : 'Could not save'))}>
            Mark as verified
          </button>
        )}
      </div>
    </Dialog>
  );
}
