// A button that opens the emoji picker beside itself: the composer's "Insert emoji"
// and the reactions' "More reactions". The picker's code and styles are a chunk of the
// build of their own, loaded when a picker first opens (its data is another, see
// client/emoji.ts), so that the main bundle carries neither.

import { lazy, Suspense, useRef, useState, type ReactNode } from 'react';

const EmojiPicker = lazy(() => import('./EmojiPicker').then((m) => ({ default: m.EmojiPicker })));

/** `children` draw the button; `onPick` gets the emoji picked, once the picker has closed. */
export function EmojiPickerButton({ label, className, children, onPick }: { label: string; className: string; children: ReactNode; onPick: (emoji: string) => void }) {
  const button = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useState(false);
  return (
    <>
      <button ref={button} type="button" className={className} aria-label={label} title={label} aria-expanded={open} aria-haspopup="dialog" onClick={() => setOpen(!open)}>
        {children}
      </button>
      {open && (
        <Suspense fallback={null}>
          <EmojiPicker
            opener={button}
            onPick={(emoji) => {
              setOpen(false);
              onPick(emoji);
            }}
            onClose={() => setOpen(false)}
          />
        </Suspense>
      )}
    </>
  );
}
