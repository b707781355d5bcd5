// The account menu beside my name in the conversation list: Settings, and Sign out
// (which otherwise is only at the end of Settings). A disclosure: the button shows
// and hides a short list of buttons; Escape or a click elsewhere closes it, and the
// focus goes back to the button.

import { useEffect, useRef, useState } from 'react';
import { useClient } from './hooks';

export function AccountMenu({ go }: { go: (path: string) => void }) {
  const client = useClient();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector('button')?.focus();
    const close = (focusButton: boolean) => {
      setOpen(false);
      if (focusButton) button.current?.focus();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close(true);
    };
    const onDown = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) close(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onDown);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onDown);
    };
  }, [open]);

  return (
    <div className="account-menu">
      <button
        ref={button}
        type="button"
        className="btn btn--ghost btn--icon"
        aria-label="Account"
        title="Account: settings, sign out"
        aria-expanded={open}
        aria-controls="account-menu"
        onClick={() => setOpen(!open)}
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <circle cx="12" cy="5.5" r="1.7" className="fill" />
          <circle cx="12" cy="12" r="1.7" className="fill" />
          <circle cx="12" cy="18.5" r="1.7" className="fill" />
        </svg>
      </button>
      {open && (
        <div className="account-menu__list" id="account-menu" ref={menu}>
          <button
            type="button"
            className="account-menu__item"
            onClick={() => {
              setOpen(false);
              go('/settings');
            }}
          >
            Settings
          </button>
          <button
            type="button"
            className="account-menu__item account-menu__item--danger"
            onClick={() => {
              setOpen(false);
              void client.signOut().then(() => go('/'));
            }}
          >
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}
