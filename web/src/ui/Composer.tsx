// The message box of a conversation: text with completions (members after @, emoji
// after : and two letters), replies and edits, files picked or pasted (they upload at
// once; see files.ts), emoji from the picker inserted at the caret.

import { useEffect, useMemo, useRef, useState, type ClipboardEvent, type KeyboardEvent, type ReactNode } from 'react';
import type { NewFile } from '../client/client';
import { applyTone, loadEmojis, readSkinTone, recordRecent, searchEmojis, type EmojiEntry } from '../client/emoji';
import { MAX_ATTACHMENTS, pastedName, roomUploads, uploadsReadiness } from '../client/files';
import { roomTitle, type RoomState, type State } from '../client/state';
import type { MessageEvent, Profile } from '../client/types';
import { UploadTray } from './Attachments';
import { Avatar } from './Avatar';
import { EmojiPickerButton } from './EmojiPickerButton';
import { useClient } from './hooks';
import { messagePreview, PreviewLine } from './Preview';
import { actionFailure, name } from './Timeline';

/** A completion offered above the box: what it puts in place of the word being typed. */
interface Suggestion {
  id: string;
  /** The word being completed, just before the caret. */
  word: RegExp;
  replacement: string;
  /** An emoji, which then counts as used (the picker's recent list). */
  emoji?: boolean;
  content: ReactNode;
}

const MENTION_WORD = /@[A-Za-z0-9_.-]*$/;
const EMOJI_WORD = /:[^\s:]*$/;

/** The message box: Enter sends, Shift+Enter breaks the line, @ completes members, :xx emoji. */
export function Composer({
  room,
  state,
  replyTo,
  editing,
  clear,
  onEdit,
  onSent,
  onError,
  onFiles,
}: {
  room: RoomState;
  state: State;
  replyTo: MessageEvent | null;
  editing: MessageEvent | null;
  clear: () => void;
  /** Start editing one of my messages (the up arrow in an empty composer). */
  onEdit: (message: MessageEvent) => void;
  onSent: () => void;
  onError: (message: string) => void;
  onFiles: (files: NewFile[]) => void;
}) {
  const client = useClient();
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [choice, setChoice] = useState(0);
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const roomId = room.room.id;
  const uploads = useMemo(() => roomUploads(state.uploads, roomId), [state.uploads, roomId]);
  const readiness = uploadsReadiness(uploads);
  const editingHasFiles = (editing?.content.attachments?.length ?? 0) > 0;
  const canSend = editing ? Boolean(text.trim()) || editingHasFiles : (Boolean(text.trim()) && readiness !== 'uploading' && readiness !== 'failed') || readiness === 'ready';
  const waitHint = !editing && readiness === 'uploading' ? 'Waiting for the files to finish uploading' : !editing && readiness === 'failed' ? 'Retry or remove the files that failed' : undefined;

  useEffect(() => {
    if (editing && editing.content.body?.type === 'text') setText(editing.content.body.text);
    if (editing || replyTo) box.current?.focus();
  }, [editing, replyTo]);

  const typed = text.slice(0, caret);
  const mention = /(^|\s)@([A-Za-z0-9_.-]*)$/.exec(typed)?.[2];
  const emojiWord = mention === undefined ? /(^|\s):(\p{L}{2}[\p{L}\p{N}_+-]*)$/u.exec(typed)?.[2] : undefined;
  // The emoji data loads (once) when a completion first needs it.
  const [emojiList, setEmojiList] = useState<EmojiEntry[] | null>(null);
  const wantsEmoji = emojiWord !== undefined;
  useEffect(() => {
    if (wantsEmoji && !emojiList) loadEmojis().then(setEmojiList, () => undefined);
  }, [wantsEmoji, emojiList]);
  // Escape hides the completions until the text changes.
  const [dismissed, setDismissed] = useState<string | null>(null);
  const suggestions = useMemo((): Suggestion[] => {
    if (mention !== undefined) {
      const prefix = mention.toLowerCase();
      return (room.members ?? [])
        .map((m) => state.users[m.user_id])
        .filter((u): u is Profile => u !== undefined && u.id !== state.me?.id && u.username.toLowerCase().startsWith(prefix))
        .slice(0, 6)
        .map((u) => ({
          id: `mention-${u.id}`,
          word: MENTION_WORD,
          replacement: `@${u.username} `,
          content: (
            <>
              <Avatar id={u.id} name={u.display_name} size="sm" fileId={u.avatar_file_id} /> {u.display_name} <span className="muted">@{u.username}</span>
            </>
          ),
        }));
    }
    if (emojiWord === undefined || !emojiList) return [];
    const tone = readSkinTone();
    return searchEmojis(emojiList, emojiWord)
      .slice(0, 6)
      .map((e, i) => {
        const emoji = applyTone(e, tone);
        return {
          id: `emoji-completion-${i}`,
          word: EMOJI_WORD,
          replacement: emoji,
          emoji: true,
          content: `${emoji} ${e.shortcodes[0] ? `:${e.shortcodes[0]}:` : e.label}`,
        };
      });
  }, [mention, emojiWord, emojiList, room.members, state.users, state.me?.id]);
  const candidates = dismissed === text ? [] : suggestions;

  function complete(suggestion: Suggestion) {
    const before = typed.replace(suggestion.word, suggestion.replacement);
    const next = before + text.slice(caret);
    if (suggestion.emoji) recordRecent(suggestion.replacement);
    setText(next);
    setCaret(before.length);
    requestAnimationFrame(() => box.current?.setSelectionRange(before.length, before.length));
  }

  /** Puts `emoji` in place of the selection (or at the caret), and the caret after it. */
  function insertEmoji(emoji: string) {
    const el = box.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? start;
    const at = start + emoji.length;
    setText(text.slice(0, start) + emoji + text.slice(end));
    setCaret(at);
    client.typing(roomId);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(at, at);
    });
  }

  function submit() {
    const body = text;
    if (!canSend) return;
    if (editing) {
      // The edit stays in the composer until the server has it: a refusal (offline
      // above all) leaves it there to try again.
      client.messageActions.edit(roomId, editing.seq, body).then(
        () => {
          setText('');
          setCaret(0);
          clear();
        },
        (e: unknown) => onError(actionFailure('save your edit', e)),
      );
      return;
    }
    // Waits (nothing happens) until every file is uploaded; Send says so.
    if (!client.sendWithFiles(roomId, body, replyTo?.seq)) return;
    onSent();
    setText('');
    setCaret(0);
    clear();
  }

  /**
   * Pasted files (a screenshot, files copied in a file manager) are attached; text is
   * pasted as usual, also when a rich copy (a spreadsheet's cells, say) brings a
   * picture of itself along.
   */
  function onPaste(e: ClipboardEvent<HTMLTextAreaElement>) {
    const files = [...e.clipboardData.files];
    const types = e.clipboardData.types;
    if (files.length === 0 || editing || (types.includes('text/plain') && types.includes('text/html'))) return;
    e.preventDefault();
    const now = new Date();
    onFiles(files.map((f) => ({ name: pastedName(f.name, f.type, now), blob: f })));
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (candidates.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setChoice((choice + (e.key === 'ArrowDown' ? 1 : candidates.length - 1)) % candidates.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        const chosen = candidates[Math.min(choice, candidates.length - 1)];
        if (chosen) complete(chosen);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setDismissed(text);
        return;
      }
    }
    if (e.key === 'ArrowUp' && !editing && text === '') {
      const last = lastEditable(room, state.me?.id);
      if (last) {
        e.preventDefault();
        onEdit(last);
        return;
      }
    }
    if (e.key === 'Escape' && (editing || replyTo)) {
      e.preventDefault();
      setText('');
      clear();
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  }

  const active = candidates[Math.min(choice, candidates.length - 1)]?.id;
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {(replyTo || editing) && (
        <div className="composer__context">
          <span className="ellipsis">
            {editing ? 'Editing your message' : `Replying to ${name(state, replyTo?.sender_id ?? 0)}`}
            {replyTo && (
              <span className="muted">
                : <PreviewLine preview={messagePreview(replyTo.content)} max={80} />
              </span>
            )}
          </span>
          <button
            type="button"
            className="btn btn--ghost btn--sm"
            aria-label="Cancel"
            onClick={() => {
              if (editing) setText('');
              clear();
            }}
          >
            ✕
          </button>
        </div>
      )}
      {candidates.length > 0 && (
        <ul className="mentions" role="listbox" id="mention-list" aria-label={mention !== undefined ? 'Mention someone' : 'Emoji'}>
          {candidates.map((c, i) => (
            <li
              key={c.id}
              id={c.id}
              role="option"
              aria-selected={i === Math.min(choice, candidates.length - 1)}
              onMouseDown={(e) => {
                e.preventDefault();
                complete(c);
              }}
            >
              {c.content}
            </li>
          ))}
        </ul>
      )}
      {uploads.length > 0 && <UploadTray items={uploads} />}
      <div className="composer__row">
        {!editing && (
          <>
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              tabIndex={-1}
              onChange={(e) => {
                const files = [...(e.target.files ?? [])];
                e.target.value = '';
                onFiles(files.map((f) => ({ name: f.name, blob: f })));
              }}
            />
            <button
              type="button"
              className="btn btn--ghost btn--icon composer__attach"
              onClick={() => picker.current?.click()}
              disabled={uploads.length >= MAX_ATTACHMENTS}
              aria-label="Attach files"
              title={uploads.length >= MAX_ATTACHMENTS ? `At most ${MAX_ATTACHMENTS} files per message` : room.room.encrypted ? 'Attach files (encrypted on this device)' : 'Attach files'}
            >
              <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                <path d="M20 11.5l-7.8 7.8a5 5 0 0 1-7.1-7.1l8.2-8.2a3.4 3.4 0 0 1 4.8 4.8l-8.1 8.1a1.7 1.7 0 0 1-2.4-2.4l7.4-7.4" className="stroke" />
              </svg>
            </button>
          </>
        )}
        <EmojiPickerButton label="Insert emoji" className="btn btn--ghost btn--icon composer__attach" onPick={insertEmoji}>
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <circle cx="12" cy="12" r="9" className="stroke" />
            <path d="M8.5 10h.01M15.5 10h.01M8 14.5a5 5 0 0 0 8 0" className="stroke" />
          </svg>
        </EmojiPickerButton>
        <textarea
          ref={box}
          rows={1}
          value={text}
          placeholder={placeholder(roomTitle(state, room))}
          aria-label="Message"
          role="combobox"
          aria-expanded={candidates.length > 0}
          aria-controls="mention-list"
          aria-autocomplete="list"
          aria-activedescendant={active}
          onChange={(e) => {
            setText(e.target.value);
            setCaret(e.target.selectionStart);
            setChoice(0);
            if (e.target.value) client.typing(roomId);
            else client.stopTyping();
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          onBlur={() => client.stopTyping()}
          aria-describedby={uploads.length > 0 ? 'uploads-summary' : undefined}
        />
        <button type="submit" className="btn btn--primary" disabled={!canSend} title={waitHint}>
          {editing ? 'Save' : 'Send'}
        </button>
      </div>
    </form>
  );
}

/** My newest message that can be edited (text, not deleted), among those loaded. */
function lastEditable(room: RoomState, me: number | undefined): MessageEvent | undefined {
  const timeline = room.timeline ?? [];
  for (let i = timeline.length - 1; i >= 0; i--) {
    const event = timeline[i]!;
    if (event.content.type !== 'message' || event.sender_id !== me) continue;
    const message = event as MessageEvent;
    if (!message.content.deleted_at && message.content.body?.type === 'text') return message;
  }
  return undefined;
}

/**
 * "Message Design"; with a long room name only "Write a message": the box is as tall
 * as its placeholder, and a phone's narrow box stayed two or three lines tall.
 */
function placeholder(title: string): string {
  return title.length > 16 ? 'Write a message' : `Message ${title}`;
}
