// Blocking someone: the confirmation dialog, and the button that opens it (or
// unblocks at once) wherever a person is shown.

import { useState, type ReactNode } from 'react';
import { ApiError } from '../client/client';
import { isBlocked } from '../client/state';
import type { UserId } from '../client/types';
import { Dialog } from './Dialog';
import { useChatState, useClient } from './hooks';

/** The name to show for someone whose profile may not have arrived yet. */
export function displayName(users: Record<UserId, { display_name: string }>, id: UserId): string {
  return users[id]?.display_name ?? 'Someone';
}

/** Asks before an action; shows the server's refusal if it fails. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger = false,
  onConfirm,
  close,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<void>;
  close: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = () => {
    setBusy(true);
    setError(null);
    onConfirm().then(close, (e: unknown) => {
      setBusy(false);
      setError(e instanceof ApiError ? e.message : 'That did not work; check your connection and try again.');
    });
  };
  return (
    <Dialog title={title} close={close} initialFocus=".dialog__actions .btn">
      <div className="dialog__text">{children}</div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog__actions">
        <button type="button" className="btn" onClick={close}>
          Cancel
        </button>
        <button type="button" className={danger ? 'btn btn--danger-solid' : 'btn btn--primary'} disabled={busy} onClick={confirm}>
          {confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}

/** "Block Bob?": what blocking does, then blocks. */
export function BlockDialog({ userId, close, onBlocked }: { userId: UserId; close: () => void; onBlocked?: () => void }) {
  const client = useClient();
  const state = useChatState();
  const who = displayName(state.users, userId);
  return (
    <ConfirmDialog
      title={`Block ${who}?`}
      confirmLabel="Block"
      danger
      close={close}
      onConfirm={async () => {
        await client.blockUser(userId);
        onBlocked?.();
      }}
    >
      <p>{who} will not be able to message you, invite you to groups, or see when you are online, and you will not see when they are.</p>
      <p>Their messages in groups you share are hidden behind a “Show” link. Any invitation between you two ends.</p>
      <p className="muted">They are not told, but will see that they cannot write to you. You can unblock them in Settings.</p>
    </ConfirmDialog>
  );
}

/** Block (after confirming) or unblock someone; `label` says who for screen readers. */
export function BlockButton({
  userId,
  className = 'btn btn--ghost btn--sm',
  icon = false,
  onError,
}: {
  userId: UserId;
  className?: string;
  /** With an icon, whose text label phones hide (a conversation's header). */
  icon?: boolean;
  onError?: (message: string) => void;
}) {
  const client = useClient();
  const state = useChatState();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const who = displayName(state.users, userId);
  if (isBlocked(state, userId)) {
    return (
      <button
        type="button"
        className={className}
        disabled={busy}
        aria-label={`Unblock ${who}`}
        onClick={() => {
          setBusy(true);
          client
            .unblockUser(userId)
            .catch((e: unknown) => onError?.(e instanceof ApiError ? e.message : 'Could not unblock; try again.'))
            .finally(() => setBusy(false));
        }}
      >
        {icon && <BlockIcon />}
        <Label icon={icon}>Unblock</Label>
      </button>
    );
  }
  return (
    <>
      <button type="button" className={className} aria-label={`Block ${who}`} title={icon ? `Block ${who}` : undefined} onClick={() => setAsking(true)}>
        {icon && <BlockIcon />}
        <Label icon={icon}>Block</Label>
      </button>
      {asking && <BlockDialog userId={userId} close={() => setAsking(false)} />}
    </>
  );
}

function Label({ icon, children }: { icon: boolean; children: ReactNode }) {
  return icon ? <span className="btn__label">{children}</span> : <>{children}</>;
}

function BlockIcon() {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
      <circle cx="12" cy="12" r="8.5" className="stroke" />
      <path d="M6 6l12 12" className="stroke" />
    </svg>
  );
}
