import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { QrCode as SharedQrCode } from './QrCode';
import { ApiError, UNREACHABLE_MESSAGE } from '../client/client';
import { FEW_RECOVERY_CODES, groupSecret, recoveryCodesFile, waitMessage, WRONG_CODE_MESSAGE } from '../client/twoFactor';
import type { TotpSetup, TwoFactorStatus } from '../client/types';
import { Dialog } from './Dialog';
import { Actions, Field, FormError } from './Form';
import { useChatState, useClient } from './hooks';
import { PasswordConfirmDialog } from './PasswordConfirmDialog';
import './twoFactor.css';

/**
 * Settings → Security: two-factor sign-in with an authenticator app, and recovery
 * codes. It guards password sign-in, so an account without a password (made through
 * an identity provider) is asked to set one first.
 */
export function TwoFactorSettings({ hasPassword = true }: { hasPassword?: boolean }) {
  const client = useClient();
  const [status, setStatus] = useState<TwoFactorStatus | null>(null);
  const [failed, setFailed] = useState(false);
  const [dialog, setDialog] = useState<'enable' | 'codes' | 'disable' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = () => {
    client.twoFactor
      .status()
      .then((s) => {
        setStatus(s);
        setFailed(false);
      })
      .catch(() => setFailed(true));
  };
  useEffect(load, [client]);

  const finish = (text: string) => {
    setDialog(null);
    setNotice(text);
    load();
  };

  const few = status?.totp_enabled && status.recovery_codes_left <= FEW_RECOVERY_CODES;
  return (
    <section className="card stack" aria-labelledby="tfa-title">
      <h2 id="tfa-title">Two-factor authentication</h2>
      <p className="muted">
        Besides your password, signing in asks for a code from an authenticator app on your phone (such as Aegis, FreeOTP, Google Authenticator or 1Password), so a stolen password alone is not
        enough.
      </p>
      {status === null ? (
        <p className="muted" role="status">
          {failed ? 'Could not load the two-factor settings.' : 'Loading…'}
        </p>
      ) : (
        <>
          <p className="tfa__status">
            <span className={status.totp_enabled ? 'tfa__badge tfa__badge--on' : 'tfa__badge'}>{status.totp_enabled ? 'On' : 'Off'}</span>
            {status.totp_enabled ? (
              <span>
                Authenticator app · {status.recovery_codes_left} recovery {status.recovery_codes_left === 1 ? 'code' : 'codes'} left
              </span>
            ) : hasPassword ? (
              <span>Signing in needs only your password.</span>
            ) : (
              <span>It protects signing in with a password: set one under Sign-in methods first.</span>
            )}
          </p>
          {few && (
            <p className="tfa__warn" role="note">
              {status.recovery_codes_left === 0 ? 'You have no recovery codes left.' : `Only ${status.recovery_codes_left} recovery ${status.recovery_codes_left === 1 ? 'code is' : 'codes are'} left.`}{' '}
              Make new ones so that you can still sign in if you lose your phone.
            </p>
          )}
          <div className="tfa__actions">
            {status.totp_enabled ? (
              <>
                <button type="button" className="btn" onClick={() => setDialog('codes')}>
                  New recovery codes
                </button>
                <button type="button" className="btn btn--danger" onClick={() => setDialog('disable')}>
                  Turn off
                </button>
              </>
            ) : (
              hasPassword && (
                <button type="button" className="btn btn--primary" onClick={() => setDialog('enable')}>
                  Turn on two-factor authentication
                </button>
              )
            )}
          </div>
        </>
      )}
      <p className="ok" role="status">
        {notice}
      </p>
      {dialog === 'enable' && <EnableDialog close={() => setDialog(null)} done={() => finish('Two-factor authentication is on.')} />}
      {dialog === 'codes' && <NewCodesDialog close={() => setDialog(null)} done={() => finish('New recovery codes made; the old ones no longer work.')} />}
      {dialog === 'disable' && <DisableDialog close={() => setDialog(null)} done={() => finish('Two-factor authentication is off.')} />}
    </section>
  );
}

const WRONG_PASSWORD = 'That password is wrong.';

type FieldErrors = Partial<Record<'password' | 'code' | 'second_factor' | 'form', string>>;

/** The server's refusal as errors by field (its `field`), or for the whole form. */
function fieldErrors(err: unknown, fallbackField?: 'code' | 'second_factor'): FieldErrors {
  if (!(err instanceof ApiError)) return { form: UNREACHABLE_MESSAGE };
  if (err.code === 'rate_limited') return { form: waitMessage(err.retryAfterSecs) };
  const field = err.field === 'password' || err.field === 'code' || err.field === 'second_factor' ? err.field : undefined;
  if (field === 'password') return { password: WRONG_PASSWORD };
  if (field === 'code' || field === 'second_factor') return { [field]: WRONG_CODE_MESSAGE };
  if (fallbackField && err.code === 'invalid_input') return { [fallbackField]: err.message };
  return { form: err.message };
}

/** Turning it on: password, then the QR code and the first code, then the recovery codes. */
function EnableDialog({ close, done }: { close: () => void; done: () => void }) {
  const client = useClient();
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  // The password dialog goes when the QR code comes: focus follows to the code field,
  // without scrolling the dialog past its title and the QR code on a small screen.
  useEffect(() => {
    if (setup) document.getElementById('tfa-code')?.focus({ preventScroll: true });
  }, [setup]);

  const confirm = (e: FormEvent) => {
    e.preventDefault();
    if (!code.trim()) return setErrors({ code: 'Enter the 6-digit code your app shows.' });
    setBusy(true);
    setErrors({});
    client.twoFactor
      .confirmTotp(code)
      .then(setCodes)
      .catch((err: unknown) => setErrors(fieldErrors(err, 'code')))
      .finally(() => setBusy(false));
  };

  if (codes) return <CodesDialog title="Save your recovery codes" codes={codes} done={done} />;
  if (!setup) {
    return (
      <PasswordConfirmDialog
        title="Turn on two-factor authentication"
        lead="Confirm your password to continue."
        submit="Continue"
        id="tfa-password"
        wrongPassword={WRONG_PASSWORD}
        confirm={(password) => client.twoFactor.startTotp(password).then(setSetup)}
        close={close}
      />
    );
  }
  return (
    <Dialog title="Turn on two-factor authentication" close={close}>
      <form className="stack" onSubmit={confirm} noValidate>
        <ol className="tfa__steps">
          <li>Scan this QR code with your authenticator app.</li>
          <li>Enter the 6-digit code the app shows.</li>
        </ol>
        <QrCode uri={setup.otpauth_uri} />
        <Secret secret={setup.secret} />
        <FormError text={errors.form} />
        <Field id="tfa-code" label="6-digit code from the app" kind="code" value={code} onChange={setCode} error={errors.code} />
        <Actions close={close} busy={busy} submit="Turn on" />
      </form>
    </Dialog>
  );
}

/** Ten new recovery codes, after the password. */
function NewCodesDialog({ close, done }: { close: () => void; done: () => void }) {
  const client = useClient();
  const [codes, setCodes] = useState<string[] | null>(null);
  if (codes) return <CodesDialog title="Your new recovery codes" codes={codes} done={done} />;
  return (
    <PasswordConfirmDialog
      title="New recovery codes"
      lead="Your current recovery codes stop working once the new ones are made. Confirm your password to continue."
      submit="Make new codes"
      id="tfa-password"
      wrongPassword={WRONG_PASSWORD}
      confirm={(password) => client.twoFactor.newRecoveryCodes(password).then(setCodes)}
      close={close}
    />
  );
}

/** Turning it off: the password and a code (or a recovery code). */
function DisableDialog({ close, done }: { close: () => void; done: () => void }) {
  const client = useClient();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const local: FieldErrors = {};
    if (!password) local.password = 'Enter your password.';
    if (!code.trim()) local.second_factor = 'Enter a code from your app, or a recovery code.';
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    client.twoFactor
      .disable(password, code)
      .then(done)
      .catch((err: unknown) => setErrors(fieldErrors(err, 'second_factor')))
      .finally(() => setBusy(false));
  };

  return (
    <Dialog title="Turn off two-factor authentication" close={close}>
      <form className="stack" onSubmit={submit} noValidate>
        <p className="muted">Signing in will need only your password. Your authenticator app’s entry and your recovery codes stop working.</p>
        <FormError text={errors.form} />
        <Field id="tfa-password" label="Password" kind="password" value={password} onChange={setPassword} error={errors.password} />
        <Field id="tfa-second" label="Code from your app, or a recovery code" kind="any-code" value={code} onChange={setCode} error={errors.second_factor} />
        <Actions close={close} busy={busy} submit="Turn off" danger />
      </form>
    </Dialog>
  );
}

/** The otpauth URI as a QR code. */
function QrCode({ uri }: { uri: string }) {
  return <SharedQrCode text={uri} alt="QR code to scan with your authenticator app" className="tfa__qr" />;
}

/** The secret for typing, in groups of four, with Copy. */
function Secret({ secret }: { secret: string }) {
  const id = useId();
  return (
    <div className="stack">
      <p className="muted small" id={id}>
        Can’t scan it? Type this key into the app instead (time-based, 6 digits):
      </p>
      <div className="tfa__secret">
        <code aria-labelledby={id} data-testid="totp-secret">
          {groupSecret(secret)}
        </code>
        <CopyButton text={secret} label="Copy key" />
      </div>
    </div>
  );
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <>
      <button
        type="button"
        className="btn btn--sm"
        onClick={() => {
          navigator.clipboard.writeText(text).then(
            () => setCopied(true),
            () => setCopied(false),
          );
        }}
      >
        {label}
      </button>
      <span className="muted small" role="status">
        {copied === true ? 'Copied.' : copied === false ? 'Could not copy; select the text instead.' : ''}
      </span>
    </>
  );
}

/** Recovery codes, shown once: Copy, Download, and Done once they are saved. */
function CodesDialog({ title, codes, done }: { title: string; codes: string[]; done: () => void }) {
  const me = useChatState().me;
  const [saved, setSaved] = useState(false);
  const [hint, setHint] = useState<ReactNode>(null);
  const check = useRef<HTMLInputElement>(null);
  const text = recoveryCodesFile(codes, me?.username ?? '', location.host, new Date());

  // Closing before the codes are saved would lose them: point at the checkbox instead.
  const close = () => {
    if (saved) return done();
    setHint('Tick the box once you have saved your recovery codes.');
    check.current?.focus();
  };

  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `confab-recovery-codes-${me?.username ?? 'account'}.txt`;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };

  return (
    <Dialog title={title} close={close} initialFocus=".tfa__codes-actions button">
      <div className="stack">
        <p>
          Each code signs you in once if you lose your authenticator app. <strong>They will not be shown again:</strong> copy them or download them now, and keep them somewhere safe.
        </p>
        <ul className="tfa__codes" aria-label="Recovery codes" data-testid="recovery-codes">
          {codes.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
        <div className="tfa__actions tfa__codes-actions">
          <CopyButton text={codes.join('\n')} label="Copy" />
          <button type="button" className="btn btn--sm" onClick={download}>
            Download (.txt)
          </button>
        </div>
        <label className="check" htmlFor="tfa-saved">
          <input ref={check} id="tfa-saved" type="checkbox" checked={saved} onChange={(e) => setSaved(e.target.checked)} />I have saved my recovery codes
        </label>
        <div aria-live="polite">{hint && !saved && <p className="field-error">{hint}</p>}</div>
        <div className="dialog__actions">
          <button type="button" className="btn btn--primary" disabled={!saved} onClick={done}>
            Done
          </button>
        </div>
      </div>
    </Dialog>
  );
}
