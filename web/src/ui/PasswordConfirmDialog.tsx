import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, UNREACHABLE_MESSAGE } from '../client/client';
import { PasskeyError } from '../client/passkeys';
import { waitMessage } from '../client/twoFactor';
import { Dialog } from './Dialog';
import { Actions, Field, FormError } from './Form';

/** Where a refusal is shown: beside the password, or above the form. */
export interface Refusal {
  password?: string;
  form?: string;
}

/**
 * A refusal in words: the server's about the password beside the password field
 * (`wrongPassword` when given, else the server's message), anything else above the
 * form; a passkey prompt's refusal in its own words.
 */
export function defaultRefusal(err: unknown, wrongPassword?: string): Refusal {
  if (err instanceof PasskeyError) return { form: err.message };
  if (!(err instanceof ApiError)) return { form: UNREACHABLE_MESSAGE };
  if (err.code === 'rate_limited') return { form: waitMessage(err.retryAfterSecs) };
  if (err.field === 'password') return { password: wrongPassword ?? err.message };
  return { form: err.message };
}

/**
 * A dialog that asks for the account's password before a change (turning on
 * two-factor sign-in, new recovery codes, removing the password, adding a passkey),
 * and runs `confirm` with it. `confirm` resolves when the change is done (the caller
 * then closes the dialog or moves on) and throws its refusal, shown by `refusal`.
 *
 * `children` are fields of the change itself, above the password; `validate` checks
 * them first (false: not sent, the caller shows why). Without `askPassword` (an
 * account that has none) it is a plain confirmation.
 */
export function PasswordConfirmDialog({
  title,
  lead,
  submit,
  confirm,
  close,
  id = 'confirm-password',
  danger,
  busyLabel,
  askPassword = true,
  wrongPassword,
  refusal,
  validate,
  children,
}: {
  title: string;
  lead: ReactNode;
  submit: string;
  confirm: (password: string) => Promise<void>;
  close: () => void;
  /** The password field's id (its error's is `${id}-error`). */
  id?: string;
  danger?: boolean;
  busyLabel?: string;
  askPassword?: boolean;
  /** What a wrong password is called beside the field, instead of the server's message. */
  wrongPassword?: string;
  /** A refusal's place and words, when the default ones do not fit; `undefined` for the default. */
  refusal?: (err: unknown) => Refusal | undefined;
  validate?: () => boolean;
  children?: ReactNode;
}) {
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Refusal>({});
  const [busy, setBusy] = useState(false);

  const submitForm = (e: FormEvent) => {
    e.preventDefault();
    const fieldsOk = validate ? validate() : true;
    if (askPassword && !password) return setErrors({ password: 'Enter your password.' });
    if (!fieldsOk) return setErrors({});
    setBusy(true);
    setErrors({});
    confirm(askPassword ? password : '')
      .then(() => setBusy(false))
      .catch((err: unknown) => {
        setErrors(refusal?.(err) ?? defaultRefusal(err, wrongPassword));
        setBusy(false);
      });
  };

  return (
    <Dialog title={title} close={close}>
      <form className="stack" onSubmit={submitForm} noValidate>
        {typeof lead === 'string' ? <p className="muted">{lead}</p> : lead}
        <FormError text={errors.form} />
        {children}
        {askPassword && <Field id={id} label="Password" kind="password" value={password} onChange={setPassword} error={errors.password} />}
        <Actions close={close} busy={busy} submit={submit} danger={danger} busyLabel={busyLabel} />
      </form>
    </Dialog>
  );
}
