/**
 * The pieces of the account dialogs (two-factor, sign-in methods, passkeys): a
 * labelled field with its error beside it, the form's error line, and Cancel with the
 * submit button.
 */

/** A labelled input with its error beside it (`aria-describedby`, announced). */
export function Field({
  id,
  label,
  error,
  value,
  onChange,
  kind,
  maxLength,
  hint,
}: {
  id: string;
  label: string;
  error?: string;
  value: string;
  onChange: (v: string) => void;
  /** `text`: a name of something (no autofill). */
  kind: 'password' | 'new-password' | 'code' | 'any-code' | 'text';
  maxLength?: number;
  /** A line of help under the field, read with it. */
  hint?: string;
}) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : '', hint ? hintId : ''].filter(Boolean).join(' ') || undefined;
  const code = kind === 'code' || kind === 'any-code';
  const text = code || kind === 'text';
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={text ? 'text' : 'password'}
        className={code ? 'code-input' : undefined}
        autoComplete={kind === 'password' ? 'current-password' : kind === 'new-password' ? 'new-password' : kind === 'text' ? 'off' : 'one-time-code'}
        inputMode={kind === 'code' ? 'numeric' : undefined}
        autoCapitalize={kind === 'text' ? undefined : 'off'}
        spellCheck={false}
        maxLength={maxLength ?? (code ? 32 : undefined)}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
      {error && (
        <p className="field-error" id={errorId} role="alert">
          {error}
        </p>
      )}
      {hint && (
        <p className="muted small" id={hintId}>
          {hint}
        </p>
      )}
    </>
  );
}

/** The error of the whole form, announced. */
export function FormError({ text }: { text?: string }) {
  return (
    <div aria-live="assertive">
      {text && <p className="form-error">{text}</p>}
    </div>
  );
}

/** Cancel, and the submit button (its `busy` label while the request is on its way). */
export function Actions({ close, busy, submit, danger, busyLabel = 'Please wait…' }: { close: () => void; busy: boolean; submit: string; danger?: boolean; busyLabel?: string }) {
  return (
    <div className="dialog__actions">
      <button type="button" className="btn btn--ghost" onClick={close}>
        Cancel
      </button>
      <button type="submit" className={danger ? 'btn btn--danger-solid' : 'btn btn--primary'} disabled={busy}>
        {busy ? busyLabel : submit}
      </button>
    </div>
  );
}
