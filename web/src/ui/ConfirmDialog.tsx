import { useState, type FormEvent, type ReactNode } from 'react';
import { Dialog } from './Dialog';
import { Actions, FormError } from './Form';

/**
 * A dialog that says what an action means (`children`) and does it (`act`) when
 * confirmed; a refusal stays in the dialog, in the words `refusal` gives it.
 */
export function ConfirmDialog({
  title,
  submit,
  act,
  refusal,
  close,
  children,
}: {
  title: string;
  /** The label of the (dangerous) confirming button. */
  submit: string;
  act: () => Promise<unknown>;
  refusal: (err: unknown) => string;
  close: () => void;
  children: ReactNode;
}) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const confirm = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    act().catch((err: unknown) => {
      setError(refusal(err));
      setBusy(false);
    });
  };

  return (
    <Dialog title={title} close={close}>
      <form className="stack" onSubmit={confirm} noValidate>
        {children}
        <FormError text={error} />
        <Actions close={close} busy={busy} submit={submit} danger />
      </form>
    </Dialog>
  );
}
