import { useEffect, useRef, useState, type FormEvent } from 'react';
import { passkeyFailure } from '../client/passkeys';
import { signInRefusal } from '../client/twoFactor';
import { useClient } from './hooks';
import { PasskeyIcon } from './Passkeys';
import './twoFactor.css';

/**
 * The second step of signing in to an account with two-factor sign-in on: a code
 * from the authenticator app, or a recovery code. It sends the same sign-in again
 * with `second_factor`; the code stays in this component's state only. With
 * `passkeys` (the server has them on) one of the account's passkeys will do instead:
 * the same sign-in again with `passkey`.
 */
export function TwoFactorSignIn({ username, password, passkeys = false, onBack }: { username: string; password: string; passkeys?: boolean; onBack: (error?: string) => void }) {
  const client = useClient();
  const withPasskey = passkeys && client.authenticator.supported();
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  // Focus the code field when the step opens and when the kind of code changes.
  useEffect(() => {
    input.current?.focus();
  }, [recovery]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const typed = code.trim();
    if (!typed) {
      setError(recovery ? 'Enter one of your recovery codes.' : 'Enter the 6-digit code.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await client.signIn({ username, password, second_factor: typed });
    } catch (err) {
      const refusal = signInRefusal(err);
      if (refusal.kind === 'wrong_code' || refusal.kind === 'rate_limited') {
        setError(refusal.message);
        setCode('');
        input.current?.focus();
      } else if (refusal.kind === 'wrong_password') {
        // The password changed meanwhile: back to the first step, with the reason.
        onBack(refusal.message);
      } else {
        setError(refusal.kind === 'code_needed' ? 'Enter the 6-digit code.' : refusal.message);
      }
    } finally {
      setBusy(false);
    }
  }

  async function signInWithPasskey() {
    setBusy(true);
    setError(null);
    try {
      const passkey = await client.passkeySecondFactor();
      await client.signIn({ username, password, passkey });
    } catch (err) {
      const refusal = signInRefusal(err);
      if (refusal.kind === 'wrong_password') {
        onBack(refusal.message);
      } else {
        setError(passkeyFailure(err, 'second_factor'));
        input.current?.focus();
      }
    } finally {
      setBusy(false);
    }
  }

  const label = recovery ? 'Recovery code' : 'Enter the 6-digit code from your authenticator app';
  return (
    <form className="auth__card" method="post" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="auth-title">
      <div className="auth__logo" aria-hidden="true">
        <svg viewBox="0 0 32 32" width="40" height="40">
          <rect width="32" height="32" rx="8" className="logo-bg" />
          <path d="M8 10h16v10h-9l-5 4v-4H8z" className="logo-fg" />
        </svg>
      </div>
      <h1 id="auth-title">Two-factor sign-in</h1>
      <p className="muted auth__lead">
        {recovery
          ? 'Enter one of the recovery codes you saved when you turned on two-factor sign-in. Each code works once.'
          : `Signing in as @${username}. Open your authenticator app to get the code${withPasskey ? ', or use one of your passkeys' : ''}.`}
      </p>
      <div aria-live="assertive" className="auth__live">
        {error && (
          <p className="form-error" id="code-error">
            {error}
          </p>
        )}
      </div>
      <label htmlFor="second-factor">{label}</label>
      <input
        ref={input}
        id="second-factor"
        name="second_factor"
        className="code-input"
        autoComplete="one-time-code"
        inputMode={recovery ? 'text' : 'numeric'}
        autoCapitalize="off"
        autoCorrect="off"
        spellCheck={false}
        maxLength={recovery ? 32 : 12}
        placeholder={recovery ? 'xxxxx-xxxxx' : '123456'}
        value={code}
        onChange={(e) => setCode(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'code-error' : undefined}
      />
      <button type="submit" className="btn btn--primary btn--block" disabled={busy}>
        {busy ? 'Verifying…' : 'Verify'}
      </button>
      {withPasskey && (
        <button type="button" className="btn btn--block passkey-btn" disabled={busy} onClick={() => void signInWithPasskey()}>
          <PasskeyIcon />
          Use a passkey instead
        </button>
      )}
      <p className="auth__switch">
        <button
          type="button"
          className="link"
          onClick={() => {
            setRecovery(!recovery);
            setCode('');
            setError(null);
          }}
        >
          {recovery ? 'Use a code from your authenticator app instead' : 'Use a recovery code instead'}
        </button>
      </p>
      <p className="auth__switch">
        <button type="button" className="link" onClick={() => onBack()}>
          Back
        </button>
      </p>
    </form>
  );
}
