import { useState, type FormEvent } from 'react';
import { ApiError, UNREACHABLE_MESSAGE } from '../client/client';
import { signInRefusal } from '../client/twoFactor';
import { useClient } from './hooks';
import { ChooseUsername, ProviderButtons, ProviderCompleting, useProviderFlow, useSignInOptions } from './Providers';
import { TwoFactorSignIn } from './TwoFactorSignIn';

type Mode = 'signin' | 'signup';
type Errors = Partial<Record<'username' | 'password' | 'display_name' | 'form', string>>;

/**
 * Sign-in and sign-up, with the server's field errors next to their fields; signing in
 * with a passkey and the identity providers' buttons under them, and the steps of
 * coming back from a provider.
 */
export function AuthScreen() {
  const client = useClient();
  const flow = useProviderFlow();
  const options = useSignInOptions();
  const [mode, setMode] = useState<Mode>('signin');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  /** The password was right and the account asks for a second factor. */
  const [codeStep, setCodeStep] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    client.providerFlow.dismiss();
    const local: Errors = {};
    if (!username.trim()) local.username = 'Enter a username.';
    if (!password) local.password = 'Enter a password.';
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      if (mode === 'signup') await client.signUp({ username: username.trim(), password, display_name: displayName.trim() || undefined });
      else await client.signIn({ username: username.trim(), password });
    } catch (error) {
      const refusal = mode === 'signin' ? signInRefusal(error) : null;
      if (refusal?.kind === 'code_needed') {
        setCodeStep(true);
      } else if (refusal?.kind === 'rate_limited') {
        setErrors({ form: refusal.message });
      } else if (error instanceof ApiError) {
        const field = error.field ?? (error.code === 'username_taken' ? 'username' : error.code === 'weak_password' ? 'password' : undefined);
        if (field === 'username' || field === 'password' || field === 'display_name') setErrors({ [field]: error.message });
        else setErrors({ form: error.code === 'invalid_credentials' ? 'Wrong username or password.' : error.message });
      } else {
        setErrors({ form: UNREACHABLE_MESSAGE });
      }
    } finally {
      setBusy(false);
    }
  }

  const field = (name: keyof Errors) => (errors[name] ? { 'aria-invalid': true, 'aria-describedby': `${name}-error` } : {});

  if (flow.step === 'completing') {
    return (
      <div className="auth">
        <ProviderCompleting provider={flow.provider} />
      </div>
    );
  }
  if (flow.step === 'choose_username') {
    return (
      <div className="auth">
        <ChooseUsername flow={flow} />
      </div>
    );
  }

  // A provider flow that failed speaks in the form's error place, until the next try.
  const formError = flow.step === 'failed' ? flow.message : errors.form;

  if (codeStep) {
    return (
      <div className="auth">
        <TwoFactorSignIn
          username={username.trim()}
          password={password}
          passkeys={options?.passkeys === true}
          onBack={(error) => {
            setCodeStep(false);
            setErrors(error ? { form: error } : {});
          }}
        />
      </div>
    );
  }

  return (
    <div className="auth">
      <form className="auth__card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="auth-title">
        <div className="auth__logo" aria-hidden="true">
          <svg viewBox="0 0 32 32" width="40" height="40">
            <rect width="32" height="32" rx="8" className="logo-bg" />
            <path d="M8 10h16v10h-9l-5 4v-4H8z" className="logo-fg" />
          </svg>
        </div>
        <h1 id="auth-title">{mode === 'signin' ? 'Sign in to Confab' : 'Create your account'}</h1>
        {formError && (
          <p className="form-error" role="alert">
            {formError}
          </p>
        )}
        <label htmlFor="username">Username</label>
        <input id="username" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} {...field('username')} />
        {errors.username && (
          <p className="field-error" id="username-error" role="alert">
            {errors.username}
          </p>
        )}
        {mode === 'signup' && (
          <>
            <label htmlFor="display_name">
              Display name <span className="hint">(optional)</span>
            </label>
            <input id="display_name" name="display_name" autoComplete="name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} {...field('display_name')} />
            {errors.display_name && (
              <p className="field-error" id="display_name-error" role="alert">
                {errors.display_name}
              </p>
            )}
          </>
        )}
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          {...field('password')}
        />
        {errors.password && (
          <p className="field-error" id="password-error" role="alert">
            {errors.password}
          </p>
        )}
        <button type="submit" className="btn btn--primary btn--block" disabled={busy}>
          {busy ? 'Please wait…' : mode === 'signin' ? 'Sign in' : 'Create account'}
        </button>
        <ProviderButtons
          options={options}
          passkey={mode === 'signin'}
          onError={(message) => {
            client.providerFlow.dismiss();
            setErrors(message ? { form: message } : {});
          }}
        />
        <p className="auth__switch">
          {mode === 'signin' ? 'New here?' : 'Already have an account?'}{' '}
          <button
            type="button"
            className="link"
            onClick={() => {
              setMode(mode === 'signin' ? 'signup' : 'signin');
              setErrors({});
              client.providerFlow.dismiss();
            }}
          >
            {mode === 'signin' ? 'Create an account' : 'Sign in'}
          </button>
        </p>
      </form>
    </div>
  );
}
