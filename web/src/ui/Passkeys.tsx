import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError, UNREACHABLE_MESSAGE } from '../client/client';
import { asSentence } from '../client/rest';
import { DEFAULT_PASSKEY_NAME, PASSKEY_NAME_MAX, passkeyFailure, passkeyNameProblem, type PasskeyInfo } from '../client/passkeys';
import { waitMessage } from '../client/twoFactor';
import { ConfirmDialog } from './ConfirmDialog';
import { Dialog } from './Dialog';
import { Actions, Field, FormError } from './Form';
import { formatDayInSentence, useChatState, useClient } from './hooks';
import { PasswordConfirmDialog } from './PasswordConfirmDialog';
import './passkeys.css';

/** A passkey's mark: a person with a key. */
export function PasskeyIcon() {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" className="provider-icon stroke">
      <circle cx="9" cy="7" r="4" />
      <path d="M2 21v-1a6 6 0 0 1 9.5-4.9" />
      <circle cx="18" cy="13" r="2.5" />
      <path d="M18 15.5V22m0-3h2" />
    </svg>
  );
}

/**
 * The sign-in page's "Sign in with a passkey": the browser offers the passkeys it
 * keeps for this server, no username typed. Nothing in a browser without passkeys.
 */
export function PasskeySignInButton({ disabled, onError }: { disabled?: boolean; onError: (message: string | null) => void }) {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  if (!client.authenticator.supported()) return null;

  const signIn = () => {
    setBusy(true);
    onError(null);
    // Signed in, the app replaces the sign-in page: nothing to do after success.
    client.signInWithPasskey().catch((err: unknown) => {
      setBusy(false);
      onError(passkeyFailure(err, 'sign_in'));
    });
  };

  return (
    <button type="button" className="btn btn--block passkey-btn" disabled={busy || disabled} onClick={signIn}>
      <PasskeyIcon />
      {busy ? 'Waiting for your passkey…' : 'Sign in with a passkey'}
    </button>
  );
}

type PasskeyDialog = { kind: 'add' } | { kind: 'rename'; passkey: PasskeyInfo } | { kind: 'remove'; passkey: PasskeyInfo };

/**
 * Settings → Passkeys: my passkeys (name, when added, last used), adding one (after
 * the password, when the account has one), renaming and removing one. `changed`
 * tells Settings to count the sign-in methods again.
 */
export function PasskeySettings({ hasPassword, changed }: { hasPassword: boolean; changed: () => void }) {
  const client = useClient();
  const [passkeys, setPasskeys] = useState<PasskeyInfo[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [dialog, setDialog] = useState<PasskeyDialog | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const supported = client.authenticator.supported();

  const load = useCallback(() => {
    client.passkeys
      .list()
      .then((list) => {
        setPasskeys(list);
        setFailed(false);
      })
      .catch(() => setFailed(true));
  }, [client]);
  useEffect(load, [load]);

  const finish = (text: string, countChanged: boolean) => {
    setDialog(null);
    setNotice(text);
    load();
    if (countChanged) changed();
  };

  return (
    <section className="card stack" aria-labelledby="passkeys-title">
      <h2 id="passkeys-title">Passkeys</h2>
      <p className="muted">
        Sign in with your fingerprint, face, screen lock or a security key instead of typing your password. The passkey stays on your device or in your password manager; nothing secret is sent
        to the server.
      </p>
      {passkeys === null ? (
        <p className="muted" role="status">
          {failed ? 'Could not load your passkeys.' : 'Loading…'}
        </p>
      ) : passkeys.length === 0 ? (
        <p className="muted">You have no passkeys yet.</p>
      ) : (
        <ul className="sessions methods" aria-labelledby="passkeys-title">
          {passkeys.map((p) => (
            <li key={p.id} className="session method passkey">
              <span className="method__text">
                <strong className="passkey__name">{p.name}</strong>
                <span className="muted small">
                  Added {formatDayInSentence(p.created_at)} · {p.last_used_at ? `last used ${formatDayInSentence(p.last_used_at)}` : 'not used to sign in yet'}
                </span>
              </span>
              <span className="passkey__actions">
                <button type="button" className="btn btn--sm" onClick={() => setDialog({ kind: 'rename', passkey: p })} aria-label={`Rename ${p.name}`}>
                  Rename
                </button>
                <button type="button" className="btn btn--sm btn--danger" onClick={() => setDialog({ kind: 'remove', passkey: p })} aria-label={`Remove ${p.name}`}>
                  Remove
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
      {supported ? (
        <div className="tfa__actions">
          <button type="button" className="btn btn--primary" onClick={() => setDialog({ kind: 'add' })}>
            <PasskeyIcon />
            Add a passkey
          </button>
        </div>
      ) : (
        <p className="muted small" role="note">
          This browser cannot create passkeys. Add one from a browser that can, such as a current Chrome, Edge, Firefox or Safari.
        </p>
      )}
      <p className="ok" role="status">
        {notice}
      </p>
      {dialog?.kind === 'add' && <AddPasskeyDialog hasPassword={hasPassword} close={() => setDialog(null)} done={(p) => finish(`Passkey “${p.name}” added. You can now sign in with it.`, true)} />}
      {dialog?.kind === 'rename' && <RenamePasskeyDialog passkey={dialog.passkey} close={() => setDialog(null)} done={(p) => finish(`Renamed to “${p.name}”.`, false)} />}
      {dialog?.kind === 'remove' && <RemovePasskeyDialog passkey={dialog.passkey} close={() => setDialog(null)} done={() => finish(`Passkey “${dialog.passkey.name}” removed.`, true)} />}
    </section>
  );
}

/** Adding a passkey: its name, the password (when the account has one), then the browser's prompt. */
function AddPasskeyDialog({ hasPassword, close, done }: { hasPassword: boolean; close: () => void; done: (passkey: PasskeyInfo) => void }) {
  const client = useClient();
  const me = useChatState().me;
  const [name, setName] = useState(DEFAULT_PASSKEY_NAME);
  const [nameError, setNameError] = useState<string | undefined>();

  const validate = () => {
    const problem = passkeyNameProblem(name);
    setNameError(problem ?? undefined);
    return problem === null;
  };

  return (
    <PasswordConfirmDialog
      title="Add a passkey"
      lead={
        <p className="muted">
          When you continue, your browser asks where to keep the passkey for @{me?.username ?? 'you'}: this device, your phone, a password manager or a security key.
          {hasPassword ? ' Confirm your password first.' : ''}
        </p>
      }
      submit="Continue"
      busyLabel="Waiting for your passkey…"
      id="passkey-password"
      askPassword={hasPassword}
      wrongPassword="That password is wrong."
      validate={validate}
      // A wrong password beside its field (the default); anything else in words above the form.
      refusal={(err) => (err instanceof ApiError && err.field === 'password' ? undefined : { form: passkeyFailure(err, 'register') })}
      confirm={(password) => client.addPasskey({ password: hasPassword ? password : undefined, name }).then(done)}
      close={close}
    >
      <Field
        id="passkey-name"
        label="Name"
        kind="text"
        maxLength={PASSKEY_NAME_MAX}
        value={name}
        onChange={setName}
        error={nameError}
        hint="For example the device or password manager that keeps it, so that you can tell your passkeys apart."
      />
    </PasswordConfirmDialog>
  );
}

/** Renaming a passkey. */
function RenamePasskeyDialog({ passkey, close, done }: { passkey: PasskeyInfo; close: () => void; done: (passkey: PasskeyInfo) => void }) {
  const client = useClient();
  const [name, setName] = useState(passkey.name);
  const [errors, setErrors] = useState<{ name?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problem = passkeyNameProblem(name);
    if (problem) return setErrors({ name: problem });
    setBusy(true);
    setErrors({});
    client.passkeys
      .rename(passkey.id, name)
      .then(done)
      .catch((err: unknown) => {
        setErrors(err instanceof ApiError && err.field === 'name' ? { name: err.message } : { form: refusalText(err) });
        setBusy(false);
      });
  };

  return (
    <Dialog title="Rename passkey" close={close}>
      <form className="stack" onSubmit={submit} noValidate>
        <FormError text={errors.form} />
        <Field id="passkey-rename" label="Name" kind="text" maxLength={PASSKEY_NAME_MAX} value={name} onChange={setName} error={errors.name} />
        <Actions close={close} busy={busy} submit="Save" />
      </form>
    </Dialog>
  );
}

/** Removing a passkey, after saying what it means; the server refuses the last way to sign in. */
function RemovePasskeyDialog({ passkey, close, done }: { passkey: PasskeyInfo; close: () => void; done: () => void }) {
  const client = useClient();
  return (
    <ConfirmDialog title="Remove this passkey?" submit="Remove" act={() => client.passkeys.remove(passkey.id).then(done)} refusal={refusalText} close={close}>
      <p>
        You will no longer be able to sign in with <strong className="provider-who">{passkey.name}</strong>. Your device or password manager may still list it; you can delete it there too.
      </p>
    </ConfirmDialog>
  );
}

/** The server's refusal (`last_sign_in_method` included) in its own words, as a sentence. */
function refusalText(err: unknown): string {
  if (!(err instanceof ApiError)) return UNREACHABLE_MESSAGE;
  if (err.code === 'rate_limited') return waitMessage(err.retryAfterSecs);
  if (err.code === 'not_found') return 'That passkey is gone already.';
  return asSentence(err.message);
}

