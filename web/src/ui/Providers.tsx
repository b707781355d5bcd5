import { useCallback, useEffect, useRef, useState, useSyncExternalStore, type FormEvent, type ReactNode } from 'react';
import { ApiError, UNREACHABLE_MESSAGE } from '../client/client';
import { continueLabel, failureOf, type FlowState, type SignInOptions } from '../client/providers';
import { waitMessage } from '../client/twoFactor';
import type { LinkedIdentity, ProviderInfo, SignInMethods } from '../client/types';
import { ConfirmDialog } from './ConfirmDialog';
import { Dialog } from './Dialog';
import { formatDayInSentence, useClient } from './hooks';
import { Actions, Field, FormError } from './Form';
import { PasskeySignInButton } from './Passkeys';
import { PasswordConfirmDialog } from './PasswordConfirmDialog';
import './providers.css';

/** Where a sign-in (or link) through an identity provider stands on this page. */
export function useProviderFlow(): FlowState {
  const flow = useClient().providerFlow;
  return useSyncExternalStore(flow.subscribe, flow.getState);
}

/** The providers configured and whether passkeys are on; null while loading, none (and off) when the list failed. */
export function useSignInOptions(): SignInOptions | null {
  const client = useClient();
  const [options, setOptions] = useState<SignInOptions | null>(null);
  useEffect(() => {
    let live = true;
    client.providers
      .options()
      .then((o) => live && setOptions(o))
      .catch(() => live && setOptions({ providers: [], passkeys: false }));
    return () => {
      live = false;
    };
  }, [client]);
  return options;
}

/** The configured providers; null while loading, empty when none (or when the list failed). */
export function useProviderList(): ProviderInfo[] | null {
  return useSignInOptions()?.providers ?? null;
}

/** A provider's mark: GitHub's logo, or a key for any OpenID Connect provider. */
function ProviderIcon({ kind }: { kind: ProviderInfo['kind'] }) {
  if (kind === 'github') {
    return (
      <svg viewBox="0 0 16 16" width="18" height="18" aria-hidden="true" className="provider-icon">
        <path
          fill="currentColor"
          d="M8 0C3.58 0 0 3.58 0 8c0 3.54 2.29 6.53 5.47 7.59.4.07.55-.17.55-.38 0-.19-.01-.82-.01-1.49-2.01.37-2.53-.49-2.69-.94-.09-.23-.48-.94-.82-1.13-.28-.15-.68-.52-.01-.53.63-.01 1.08.58 1.23.82.72 1.21 1.87.87 2.33.66.07-.52.28-.87.51-1.07-1.78-.2-3.64-.89-3.64-3.95 0-.87.31-1.59.82-2.15-.08-.2-.36-1.02.08-2.12 0 0 .67-.21 2.2.82.64-.18 1.32-.27 2-.27.68 0 1.36.09 2 .27 1.53-1.04 2.2-.82 2.2-.82.44 1.1.16 1.92.08 2.12.51.56.82 1.27.82 2.15 0 3.07-1.87 3.75-3.65 3.95.29.25.54.73.54 1.48 0 1.07-.01 1.93-.01 2.2 0 .21.15.46.55.38A8.013 8.013 0 0016 8c0-4.42-3.58-8-8-8z"
        />
      </svg>
    );
  }
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" className="provider-icon stroke">
      <circle cx="8" cy="15" r="4" />
      <path d="M10.8 12.2 20 3m-3 3 3 3m-6 0 2 2" />
    </svg>
  );
}

/**
 * The sign-in page's other ways in, under the password form: "Sign in with a passkey"
 * (when the server has passkeys on and `passkey` is asked for) and "Continue with ..."
 * for each provider; nothing when there are none. A provider's button starts its flow
 * and leaves for the provider.
 */
export function ProviderButtons({ options, passkey, onError }: { options: SignInOptions | null; passkey: boolean; onError: (message: string | null) => void }) {
  const client = useClient();
  const [busy, setBusy] = useState<string | null>(null);
  const providers = options?.providers ?? [];
  const withPasskey = passkey && options?.passkeys === true && client.authenticator.supported();
  if (providers.length === 0 && !withPasskey) return null;

  const begin = (provider: ProviderInfo) => {
    setBusy(provider.id);
    onError(null);
    client.providerFlow.begin(provider).catch((err: unknown) => {
      setBusy(null);
      onError(failureOf(err, provider.name));
    });
  };

  return (
    <div className="providers" role="group" aria-label="Other ways to sign in">
      <p className="providers__or" aria-hidden="true">
        <span>or</span>
      </p>
      {withPasskey && <PasskeySignInButton disabled={busy !== null} onError={onError} />}
      {providers.map((p) => (
        <button key={p.id} type="button" className={`btn btn--block provider-btn provider-btn--${p.kind}`} disabled={busy !== null} onClick={() => begin(p)}>
          <ProviderIcon kind={p.kind} />
          {busy === p.id ? `Opening ${p.name}…` : continueLabel(p)}
        </button>
      ))}
    </div>
  );
}

/** The sign-in page's card frame, with the logo: the same as the password form's. */
function AuthCard({ title, children, onSubmit }: { title: string; children: ReactNode; onSubmit?: (e: FormEvent) => void }) {
  const body = (
    <>
      <div className="auth__logo" aria-hidden="true">
        <svg viewBox="0 0 32 32" width="40" height="40">
          <rect width="32" height="32" rx="8" className="logo-bg" />
          <path d="M8 10h16v10h-9l-5 4v-4H8z" className="logo-fg" />
        </svg>
      </div>
      <h1 id="auth-title">{title}</h1>
      {children}
    </>
  );
  return onSubmit ? (
    <form className="auth__card" onSubmit={onSubmit} noValidate aria-labelledby="auth-title">
      {body}
    </form>
  ) : (
    <div className="auth__card" role="region" aria-labelledby="auth-title">
      {body}
    </div>
  );
}

/** While `complete` is on its way, after coming back from the provider. */
export function ProviderCompleting({ provider }: { provider: string | null }) {
  return (
    <AuthCard title={provider ? `Signing in with ${provider}` : 'Signing in'}>
      <p className="muted" role="status">
        Just a moment…
      </p>
    </AuthCard>
  );
}

/**
 * A first sign-in through a provider: no account has this identity, so the person
 * picks the username of the new one (the server's proposal to start with).
 */
export function ChooseUsername({ flow }: { flow: Extract<FlowState, { step: 'choose_username' }> }) {
  const client = useClient();
  const { proposal, busy, error } = flow;
  const [username, setUsername] = useState(proposal.proposed_username);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (error) input.current?.focus();
  }, [error]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void client.providerFlow.chooseUsername(username.trim());
  };

  return (
    <AuthCard title="Choose your username" onSubmit={submit}>
      <p className="muted auth__lead">
        You signed in with {proposal.provider_name} as <strong className="provider-who">{proposal.display_name}</strong>. This creates your Confab account: pick the username people will find you by.
      </p>
      <label htmlFor="choose-username">Username</label>
      <input
        ref={input}
        id="choose-username"
        name="username"
        autoComplete="username"
        autoCapitalize="off"
        spellCheck={false}
        maxLength={32}
        value={username}
        onChange={(e) => setUsername(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'choose-username-error' : 'choose-username-help'}
      />
      {error ? (
        <p className="field-error" id="choose-username-error" role="alert">
          {error}
        </p>
      ) : (
        <p className="muted small" id="choose-username-help">
          3 to 32 letters, digits, “_”, “.” or “-”. Your display name is {proposal.display_name}; you can change it later in Settings.
        </p>
      )}
      <button type="submit" className="btn btn--primary btn--block" disabled={busy}>
        {busy ? 'Creating your account…' : 'Create account'}
      </button>
      <p className="auth__switch">
        <button type="button" className="link" onClick={() => client.providerFlow.dismiss()}>
          Cancel
        </button>
      </p>
    </AuthCard>
  );
}

/** My account's password, linked identities and passkeys, loaded for Settings; `reload` after a change. */
export function useSignInMethods(): [SignInMethods | null, boolean, () => void] {
  const client = useClient();
  const [methods, setMethods] = useState<SignInMethods | null>(null);
  const [failed, setFailed] = useState(false);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    client.providers
      .methods()
      .then((m) => {
        if (!live) return;
        setMethods(m);
        setFailed(false);
      })
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [client, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return [methods, failed, reload];
}

const LAST_METHOD = 'This is your only way to sign in. Set a password, link another account or add a passkey first.';

/** How many ways the account has to sign in. */
function methodCount(m: SignInMethods): number {
  return (m.password ? 1 : 0) + m.identities.length + m.passkeys;
}

/** A refusal about the last sign-in method, or any other, in words. */
function refusalText(err: unknown): string {
  if (!(err instanceof ApiError)) return UNREACHABLE_MESSAGE;
  if (err.code === 'last_sign_in_method') return LAST_METHOD;
  if (err.code === 'rate_limited') return waitMessage(err.retryAfterSecs);
  return err.message;
}

/**
 * Settings → Sign-in methods: the password (set one, remove it), identities at
 * providers (linked when and last used, Unlink) and "Link ..." for the providers not
 * linked yet. The last way to sign in cannot be removed. Also shows how a link that
 * just came back from its provider ended.
 */
export function SignInMethodsSettings({ methods, failed, reload }: { methods: SignInMethods | null; failed: boolean; reload: () => void }) {
  const client = useClient();
  const flow = useProviderFlow();
  const providers = useProviderList();
  const [dialog, setDialog] = useState<{ kind: 'set-password' | 'remove-password' } | { kind: 'unlink'; identity: LinkedIdentity } | null>(null);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const [linking, setLinking] = useState<string | null>(null);
  const section = useRef<HTMLElement>(null);

  // Back from a provider (a link, or a failure while signed in): say how it went here,
  // in view, once.
  useEffect(() => {
    if (flow.step === 'linked') {
      setNotice({ ok: true, text: `${flow.identity.provider_name} linked. You can now sign in with it.` });
      reload();
    } else if (flow.step === 'failed') {
      setNotice({ ok: false, text: flow.message });
    } else {
      return;
    }
    client.providerFlow.dismiss();
    section.current?.scrollIntoView({ block: 'start' });
  }, [flow, client, reload]);

  const finish = (text: string) => {
    setDialog(null);
    setNotice({ ok: true, text });
    reload();
  };

  const link = (provider: ProviderInfo) => {
    setLinking(provider.id);
    setNotice(null);
    client.providerFlow.begin(provider, true).catch((err: unknown) => {
      setLinking(null);
      setNotice({ ok: false, text: failureOf(err, provider.name) });
    });
  };

  const last = methods !== null && methodCount(methods) <= 1;
  const linked = new Set(methods?.identities.map((i) => i.provider_id));
  const linkable = (providers ?? []).filter((p) => !linked.has(p.id));
  const providerNames = methods?.identities.map((i) => i.provider_name).join(' or ');

  return (
    <section className="card stack" aria-labelledby="methods-title" ref={section}>
      <h2 id="methods-title">Sign-in methods</h2>
      <p className="muted">Ways you can sign in to this account. Keep more than one, so that losing one does not lock you out.</p>
      {methods === null ? (
        <p className="muted" role="status">
          {failed ? 'Could not load your sign-in methods.' : 'Loading…'}
        </p>
      ) : (
        <>
          <ul className="sessions methods" aria-labelledby="methods-title">
            <li className="session method">
              <span className="method__text">
                <strong>Password</strong>
                <span className="muted small">
                  {methods.password ? 'Set. You sign in with your username and password.' : `No password. You sign in with ${providerNames || 'another method'}.`}
                </span>
              </span>
              {methods.password ? (
                <button type="button" className="btn btn--sm btn--danger" disabled={last} onClick={() => setDialog({ kind: 'remove-password' })}>
                  Remove
                </button>
              ) : (
                <button type="button" className="btn btn--sm" onClick={() => setDialog({ kind: 'set-password' })}>
                  Set a password
                </button>
              )}
            </li>
            {methods.identities.map((identity) => (
              <li key={identity.id} className="session method">
                <span className="method__text">
                  <strong className="ellipsis">{identity.provider_name}</strong>
                  <span className="ellipsis">{identity.label}</span>
                  <span className="muted small">
                    Linked {formatDayInSentence(identity.created_at)} · {identity.last_used_at ? `last used ${formatDayInSentence(identity.last_used_at)}` : 'not used to sign in yet'}
                  </span>
                </span>
                <button
                  type="button"
                  className="btn btn--sm btn--danger"
                  disabled={last}
                  onClick={() => setDialog({ kind: 'unlink', identity })}
                  aria-label={`Unlink ${identity.provider_name} (${identity.label})`}
                >
                  Unlink
                </button>
              </li>
            ))}
            {methods.passkeys > 0 && (
              <li className="session method">
                <span className="method__text">
                  <strong>Passkeys</strong>
                  <span className="muted small">
                    {methods.passkeys} {methods.passkeys === 1 ? 'passkey' : 'passkeys'}, listed under Passkeys.
                  </span>
                </span>
              </li>
            )}
          </ul>
          {last && (
            <p className="muted small" role="note">
              {LAST_METHOD}
            </p>
          )}
          {linkable.length > 0 && (
            <div className="tfa__actions">
              {linkable.map((p) => (
                <button key={p.id} type="button" className="btn" disabled={linking !== null} onClick={() => link(p)}>
                  <ProviderIcon kind={p.kind} />
                  {linking === p.id ? `Opening ${p.name}…` : `Link ${p.name}`}
                </button>
              ))}
            </div>
          )}
        </>
      )}
      <div aria-live="polite">
        {flow.step === 'completing' && <p className="muted">Linking {flow.provider ?? 'your account'}…</p>}
        {notice && <p className={notice.ok ? 'ok' : 'form-error'}>{notice.text}</p>}
      </div>
      {dialog?.kind === 'set-password' && <SetPasswordDialog close={() => setDialog(null)} done={(revoked) => finish(`Password set.${revoked ? ` ${revoked} other device(s) signed out.` : ''}`)} />}
      {dialog?.kind === 'remove-password' && <RemovePasswordDialog close={() => setDialog(null)} done={() => finish('Password removed.')} />}
      {dialog?.kind === 'unlink' && <UnlinkDialog identity={dialog.identity} close={() => setDialog(null)} done={() => finish(`${dialog.identity.provider_name} unlinked.`)} />}
    </section>
  );
}

type PasswordErrors = Partial<Record<'password' | 'new_password' | 'confirm' | 'form', string>>;

/** The first password of an account made through a provider: typed twice. */
function SetPasswordDialog({ close, done }: { close: () => void; done: (revoked: number) => void }) {
  const client = useClient();
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<PasswordErrors>({});
  const [busy, setBusy] = useState(false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const local: PasswordErrors = {};
    if (!next) local.new_password = 'Enter a password.';
    else if (confirm !== next) local.confirm = 'The two passwords are not the same.';
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    client.providers
      .setPassword(next)
      .then(({ revoked }) => done(revoked))
      .catch((err: unknown) => {
        setErrors(err instanceof ApiError && err.field === 'new_password' ? { new_password: err.message } : { form: refusalText(err) });
        setBusy(false);
      });
  };

  return (
    <Dialog title="Set a password" close={close}>
      <form className="stack" onSubmit={submit} noValidate>
        <p className="muted">You can then sign in with your username and this password too. A few unrelated words make a strong password that is easy to remember.</p>
        <FormError text={errors.form} />
        <Field id="set-pw-new" label="New password" kind="new-password" value={next} onChange={setNext} error={errors.new_password} />
        <Field id="set-pw-confirm" label="New password again" kind="new-password" value={confirm} onChange={setConfirm} error={errors.confirm} />
        <Actions close={close} busy={busy} submit="Set password" />
      </form>
    </Dialog>
  );
}

/** Removing the password, confirmed with it. */
function RemovePasswordDialog({ close, done }: { close: () => void; done: () => void }) {
  const client = useClient();
  return (
    <PasswordConfirmDialog
      title="Remove your password"
      lead="You will sign in only with your linked accounts and passkeys. Two-factor authentication must be off first. Confirm your password to continue."
      submit="Remove password"
      danger
      id="rm-pw"
      // `invalid_input` on `password`: wrong, or two-factor sign-in is on (the server says which).
      refusal={(err) => (err instanceof ApiError && err.field === 'password' ? { password: err.message } : { form: refusalText(err) })}
      confirm={(password) => client.providers.removePassword(password).then(done)}
      close={close}
    />
  );
}

/** Unlinking an identity, after saying what it means. */
function UnlinkDialog({ identity, close, done }: { identity: LinkedIdentity; close: () => void; done: () => void }) {
  const client = useClient();
  return (
    <ConfirmDialog title={`Unlink ${identity.provider_name}?`} submit="Unlink" act={() => client.providers.unlink(identity.id).then(done)} refusal={refusalText} close={close}>
      <p>
        You will no longer be able to sign in with the {identity.provider_name} account <strong className="provider-who">{identity.label}</strong>. You can link it again later.
      </p>
    </ConfirmDialog>
  );
}
