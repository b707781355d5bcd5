// My pending invitations, above the conversations: group invitations and message
// requests, each with Accept and Decline (and Block for a request). Kept live by the
// client from the `invitation_received` and `invitation_ended` frames.

import { useState } from 'react';
import { ApiError } from '../client/client';
import { isMessageRequest } from '../client/state';
import type { Invitation } from '../client/types';
import { Avatar } from './Avatar';
import { BlockDialog, displayName } from './Block';
import { formatListTime, useChatState, useClient } from './hooks';

/** The "Invitations" section of the room list; nothing when there are none. */
export function Invitations({ go }: { go: (path: string) => void }) {
  const state = useChatState();
  const [open, setOpen] = useState(true);
  const list = state.invitations ?? [];
  if (list.length === 0) return null;
  return (
    <section className="invites" aria-labelledby="invites-title">
      <h2 className="invites__title" id="invites-title">
        <button type="button" className="invites__toggle" aria-expanded={open} aria-controls="invites-list" onClick={() => setOpen(!open)}>
          <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" className={open ? 'chevron chevron--open' : 'chevron'}>
            <path d="M9 6l6 6-6 6" className="stroke" />
          </svg>
          Invitations
          <span className="badge badge--soft">
            {list.length}
            <span className="sr-only"> pending</span>
          </span>
        </button>
      </h2>
      {open && (
        <ul className="invites__list" id="invites-list">
          {list.map((invitation) => (
            <InvitationCard key={invitation.room.id} invitation={invitation} go={go} />
          ))}
        </ul>
      )}
    </section>
  );
}

function failure(e: unknown, fallback: string): string {
  if (e instanceof ApiError && e.code === 'not_found') return 'This invitation is no longer open.';
  return e instanceof ApiError ? e.message : fallback;
}

/** One invitation with its answers. `as` lets the page of a room I am invited to reuse it. */
export function InvitationCard({ invitation, go, as: Tag = 'li' }: { invitation: Invitation; go: (path: string) => void; as?: 'li' | 'div' }) {
  const state = useChatState();
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [blocking, setBlocking] = useState(false);
  const request = isMessageRequest(invitation);
  const room = invitation.room;
  const inviter = state.users[invitation.invited_by];
  const from = displayName(state.users, invitation.invited_by);
  const titleId = `invite-${room.id}-title`;
  const what = request ? `message request from ${from}` : `invitation to ${room.name}`;
  const members = `${room.member_count} ${room.member_count === 1 ? 'member' : 'members'}`;

  const answer = (action: () => Promise<void>, fallback: string) => {
    setBusy(true);
    setError(null);
    action().catch((e: unknown) => {
      setBusy(false);
      setError(failure(e, fallback));
    });
  };

  return (
    <Tag className="invite">
      <div className="invite__top">
        <Avatar id={request ? invitation.invited_by : -room.id} name={request ? from : room.name} fileId={request ? inviter?.avatar_file_id : room.avatar_file_id} />
        <div className="invite__text">
          {request ? (
            <p className="invite__title" id={titleId}>
              <strong className="ellipsis">{from}</strong> <span className="invite__what">wants to message you</span>
            </p>
          ) : (
            <>
              <p className="invite__title invite__title--group" id={titleId}>
                <strong>{room.name}</strong>
              </p>
              <p className="invite__detail ellipsis">Invited by {from}</p>
            </>
          )}
          <p className="invite__meta ellipsis">
            {request ? (inviter ? `@${inviter.username}` : 'Message request') : members}
            {' · '}
            <time dateTime={invitation.invited_at}>{formatListTime(invitation.invited_at)}</time>
          </p>
        </div>
      </div>
      {error && (
        <p className="form-error small" role="alert">
          {error}
        </p>
      )}
      <div className="invite__actions">
        <button
          type="button"
          className="btn btn--primary btn--sm"
          disabled={busy}
          aria-label={`Accept ${what}`}
          onClick={() =>
            answer(async () => {
              const id = await client.acceptInvitation(room.id);
              go(`/rooms/${id}`);
            }, 'Could not accept; check your connection and try again.')
          }
        >
          Accept
        </button>
        <button
          type="button"
          className="btn btn--sm"
          disabled={busy}
          aria-label={`Decline ${what}`}
          onClick={() => answer(() => client.declineInvitation(room.id), 'Could not decline; check your connection and try again.')}
        >
          Decline
        </button>
        {request && (
          <button type="button" className="btn btn--sm btn--danger invite__block" disabled={busy} aria-label={`Block ${from}`} onClick={() => setBlocking(true)}>
            Block
          </button>
        )}
      </div>
      {blocking && <BlockDialog userId={invitation.invited_by} close={() => setBlocking(false)} />}
    </Tag>
  );
}
