import { useEffect, useLayoutEffect, useRef, type ReactNode } from 'react';

/** A modal dialog: focus moves in, Escape or the backdrop closes it, focus returns. */
export function Dialog({ title, close, children, initialFocus }: { title: string; close: () => void; children: ReactNode; initialFocus?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  // The latest `close`, so that a parent drawing again (with a new function) neither
  // moves the focus nor re-registers the key handler.
  const closeRef = useRef(close);
  useLayoutEffect(() => {
    closeRef.current = close;
  });
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = (initialFocus ? ref.current?.querySelector<HTMLElement>(initialFocus) : null) ?? ref.current?.querySelector<HTMLElement>('input, button, select, textarea');
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') closeRef.current();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      before?.focus();
    };
  }, [initialFocus]);
  return (
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title" ref={ref}>
        <header className="dialog__header">
          <h2 id="dialog-title">{title}</h2>
          <button type="button" className="btn btn--ghost btn--icon" onClick={close} aria-label="Close">
            ✕
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}
