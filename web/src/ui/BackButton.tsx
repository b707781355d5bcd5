/** The "back to the conversation list" button of a screen's header (shown on phones). */
export function BackButton({ onBack }: { onBack: () => void }) {
  return (
    <button type="button" className="btn btn--ghost btn--icon back" onClick={onBack} aria-label="Back to conversations">
      <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
        <path d="M15 5l-7 7 7 7" className="stroke" />
      </svg>
    </button>
  );
}

/** The ✕ that closes a screen shown in the conversation's place (Settings, Browse channels). */
export function CloseButton({ label, onClose }: { label: string; onClose: () => void }) {
  return (
    <button type="button" className="btn btn--ghost btn--icon settings__close" onClick={onClose} aria-label={label} title={label}>
      <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
        <path d="M6 6l12 12M18 6L6 18" className="stroke" />
      </svg>
    </button>
  );
}
