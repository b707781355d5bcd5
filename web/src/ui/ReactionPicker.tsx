// A message's reaction picker (its toolbar's "Add reaction"): six quick reactions, the
// ones used most recently filled up with the usual ones, and "More reactions", the
// full emoji picker. Whatever is picked counts as used (client/emoji.ts).

import { useEffect, useRef, useState } from 'react';
import { quickReactions, readRecent, readSkinTone, recordRecent } from '../client/emoji';
import { EmojiPickerButton } from './EmojiPickerButton';

/** `onReact` reacts with the emoji; `onDone` closes the picker (the message keeps the focus). */
export function ReactionPicker({ onReact, onDone }: { onReact: (emoji: string) => void; onDone: () => void }) {
  const row = useRef<HTMLDivElement>(null);
  // Read when it opens: another message's picker may have changed them.
  const [quick] = useState(() => quickReactions(readRecent(), readSkinTone()));
  // The reactions open with the focus on the first one (a click or a key alike).
  useEffect(() => row.current?.querySelector('button')?.focus(), []);

  const react = (emoji: string) => {
    onReact(emoji);
    onDone();
  };

  return (
    <div className="picker" role="group" aria-label="Reactions" ref={row}>
      {quick.map((emoji) => (
        <button
          key={emoji}
          type="button"
          className="btn btn--ghost btn--sm"
          aria-label={`React with ${emoji}`}
          onClick={() => {
            recordRecent(emoji);
            react(emoji);
          }}
        >
          {emoji}
        </button>
      ))}
      <EmojiPickerButton label="More reactions" className="btn btn--ghost btn--sm" onPick={react}>
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <circle cx="11" cy="13" r="8" className="stroke" />
          <path d="M8 11.5h.01M14 11.5h.01M8 15.5a4 4 0 0 0 6 0M19 2v6M16 5h6" className="stroke" />
        </svg>
      </EmojiPickerButton>
    </div>
  );
}
