// What end-to-end encryption shows, as pure functions over plain data (the E2ee
// service, e2ee.ts, keeps the data; this module has no MLS and no I/O):
//
// - EncryptedContent, the plaintext of an encrypted message (crates/confab-proto's
//   `mls::EncryptedContent`): UTF-8 JSON `{"type":"text","text","reply_to"?,"attachments"?}`
//   (each attachment an `EncryptedFile`: its id, name, type, size, key and iv),
//   `{"type":"edit","target_seq","text"}`, `{"type":"reaction","target_seq","emoji","add"}`;
//   unknown types are skipped.
// - A room's decrypted log (seq -> what it held, or that it cannot be read here), and
//   `reveal`, which turns a timeline's encrypted events into plain-looking ones: text
//   bodies, edits and reactions applied from encrypted edit/reaction contents, and
//   edits/reactions themselves hidden.
// - What cannot be decrypted here (`foldUnreadable`): one line for each run of such
//   messages, however many there are.
// - Safety numbers: 60 digits from SHA-256 of both users' sorted device keys, the
//   same on both sides.

import type { FileInfo, MessageContent, Reaction, RoomEvent, RoomId, Seq, UserId } from './types';

/**
 * A file of an encrypted message, as its content describes it (crates/confab-proto's
 * `mls::EncryptedFile`): the uploaded ciphertext's id, the plaintext's name, type and
 * size, and its AES-256-GCM key (32 bytes) and iv (12 bytes) in standard base64.
 */
export interface EncryptedFile {
  file_id: string;
  name: string;
  content_type: string;
  size: number;
  key: string;
  iv: string;
}

/**
 * A message's file as the client shows it: the server's FileInfo, or for a file of an
 * encrypted message (whose FileInfo says only `encrypted`) the plaintext's name, type
 * and size from the content, with `encrypted`, what downloads and decrypts it.
 */
export type ShownFile = FileInfo & { encrypted?: EncryptedFile };

/** How a file of an encrypted message shows: its own name, type and size. */
export function shownEncryptedFile(file: EncryptedFile): ShownFile {
  return { id: file.file_id, name: file.name, content_type: file.content_type, size: file.size, encrypted: file };
}

export type EncryptedContent =
  | { type: 'text'; text: string; reply_to?: Seq; attachments?: EncryptedFile[] }
  | { type: 'edit'; target_seq: Seq; text: string }
  | { type: 'reaction'; target_seq: Seq; emoji: string; add: boolean };

/** One encrypted message as this device knows it. */
export type LogEntry = { sender: UserId; content: EncryptedContent } | { sender: UserId; unreadable: true } | { sender: UserId; skipped: true };

/** A room's decrypted messages by seq, and this device's own sent contents by client_id. */
export interface RoomLog {
  bySeq: Record<Seq, LogEntry>;
  own: Record<string, EncryptedContent>;
}

export const emptyLog: RoomLog = { bySeq: {}, own: {} };

/** What the UI reads (in the client state as `e2ee`). */
export interface E2eeView {
  logs: Record<RoomId, RoomLog>;
  /** Users I verified, with the device keys I verified (sorted, base64). */
  verified: Record<UserId, string[]>;
  /** Verified users whose devices changed since. */
  changed: UserId[];
  /** Why this device cannot take part in encrypted rooms, if it cannot. */
  error?: string;
}

export const emptyView: E2eeView = { logs: {}, verified: {}, changed: [] };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeContent(content: EncryptedContent): Uint8Array {
  return encoder.encode(JSON.stringify(content));
}

/** The content of a plaintext, or null for malformed or unknown ones (skipped). */
export function parseContent(bytes: Uint8Array): EncryptedContent | null {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const seq = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x > 0;
  if (v.type === 'text' && typeof v.text === 'string') {
    const content: EncryptedContent = { type: 'text', text: v.text };
    if (seq(v.reply_to)) content.reply_to = v.reply_to as Seq;
    const files = Array.isArray(v.attachments) ? v.attachments.flatMap((f) => parseFile(f) ?? []) : [];
    if (files.length > 0) content.attachments = files;
    return content;
  }
  if (v.type === 'edit' && seq(v.target_seq) && typeof v.text === 'string') return { type: 'edit', target_seq: v.target_seq as Seq, text: v.text };
  if (v.type === 'reaction' && seq(v.target_seq) && typeof v.emoji === 'string' && typeof v.add === 'boolean')
    return { type: 'reaction', target_seq: v.target_seq as Seq, emoji: v.emoji, add: v.add };
  return null;
}

/** An attachment of a text content, or null when a field is missing or of the wrong type (left out). */
function parseFile(value: unknown): EncryptedFile | null {
  if (typeof value !== 'object' || value === null) return null;
  const f = value as Record<string, unknown>;
  const strings = [f.file_id, f.name, f.content_type, f.key, f.iv];
  if (!strings.every((x) => typeof x === 'string') || typeof f.size !== 'number' || !Number.isSafeInteger(f.size) || f.size < 0) return null;
  return { file_id: f.file_id as string, name: f.name as string, content_type: f.content_type as string, size: f.size, key: f.key as string, iv: f.iv as string };
}

/** The log entry of an encrypted message event, its own content looked up by client_id. */
export function entryOf(log: RoomLog, event: RoomEvent, me: UserId | undefined): LogEntry | undefined {
  const known = log.bySeq[event.seq];
  if (known) return known;
  const content = event.content;
  if (content.type === 'message' && event.sender_id === me) {
    const own = log.own[content.client_id];
    if (own) return { sender: event.sender_id, content: own };
  }
  return undefined;
}

/**
 * The key and real name of a file of an encrypted room, as this device's log knows
 * them: from the decrypted message `seq`, or from one of my own sent contents.
 */
export function encryptedFileIn(log: RoomLog, seq: Seq, fileId: string): EncryptedFile | undefined {
  const entry = log.bySeq[seq];
  const contents = entry && 'content' in entry ? [entry.content] : Object.values(log.own);
  for (const content of contents) {
    const found = content.type === 'text' ? content.attachments?.find((f) => f.file_id === fileId) : undefined;
    if (found) return found;
  }
  return undefined;
}

function isEncrypted(event: RoomEvent): event is RoomEvent & { content: MessageContent } {
  return event.content.type === 'message' && event.content.body?.type === 'encrypted';
}

/** What `reveal` made of an encrypted message the UI shows. */
export type Revealed = 'plain' | 'decrypted' | 'unreadable' | 'pending';

/**
 * The timeline as it reads: encrypted text messages get their text (and reply), edits
 * and reactions sent inside encrypted messages are applied to their targets (an edit
 * only by the target's sender) and not shown themselves. `status` tells, by seq, which
 * messages were encrypted and whether they could be read.
 */
export function reveal(timeline: RoomEvent[], log: RoomLog, me: UserId | undefined): { events: RoomEvent[]; status: Record<Seq, Revealed> } {
  const status: Record<Seq, Revealed> = {};
  const edits = new Map<Seq, { text: string; at: string }>();
  const reactions = new Map<Seq, Map<string, Set<UserId>>>();
  const senders = new Map<Seq, UserId>();
  for (const event of timeline) senders.set(event.seq, event.sender_id);
  // Edits and reactions of the whole log, oldest first (seqs order them).
  const entries = Object.entries(log.bySeq)
    .map(([seq, entry]) => [Number(seq), entry] as const)
    .sort((a, b) => a[0] - b[0]);
  for (const [seq, entry] of entries) {
    if (!('content' in entry)) continue;
    const c = entry.content;
    if (c.type === 'edit') {
      const target = log.bySeq[c.target_seq];
      const targetSender = target?.sender ?? senders.get(c.target_seq);
      if (targetSender === entry.sender) edits.set(c.target_seq, { text: c.text, at: timeline.find((e) => e.seq === seq)?.created_at ?? '' });
    } else if (c.type === 'reaction') {
      const byEmoji = reactions.get(c.target_seq) ?? new Map<string, Set<UserId>>();
      const users = byEmoji.get(c.emoji) ?? new Set<UserId>();
      if (c.add) users.add(entry.sender);
      else users.delete(entry.sender);
      byEmoji.set(c.emoji, users);
      reactions.set(c.target_seq, byEmoji);
    }
  }
  const events: RoomEvent[] = [];
  for (const event of timeline) {
    if (!isEncrypted(event)) {
      events.push(event);
      continue;
    }
    const entry = entryOf(log, event, me);
    if (entry === undefined || 'unreadable' in entry) {
      status[event.seq] = entry === undefined ? 'pending' : 'unreadable';
      // The server's attachments of an encrypted message are ciphertext named `encrypted`: nothing to show.
      events.push(event.content.attachments ? { ...event, content: { ...event.content, attachments: undefined } } : event);
      continue;
    }
    if ('skipped' in entry || entry.content.type !== 'text') continue;
    status[event.seq] = 'decrypted';
    const edit = edits.get(event.seq);
    const byEmoji = reactions.get(event.seq);
    const list: Reaction[] = byEmoji ? [...byEmoji].filter(([, users]) => users.size > 0).map(([emoji, users]) => ({ emoji, user_ids: [...users] })) : [];
    const content: MessageContent = { ...event.content, body: { type: 'text', text: edit?.text ?? entry.content.text } };
    if (entry.content.reply_to !== undefined) content.reply_to = entry.content.reply_to;
    // The files are those the content describes (the server's list names only ciphertext).
    const files = entry.content.attachments?.map(shownEncryptedFile) ?? [];
    if (files.length > 0) content.attachments = files;
    else delete content.attachments;
    if (edit) content.edited_at = edit.at || event.created_at;
    if (list.length > 0) content.reactions = list;
    else delete content.reactions;
    events.push({ ...event, content });
  }
  return { events, status };
}

/** Whether an event is an encrypted message that shows nothing (an edit or a reaction). */
export function isHiddenEncrypted(event: RoomEvent, log: RoomLog, me: UserId | undefined): boolean {
  if (!isEncrypted(event)) return false;
  const entry = entryOf(log, event, me);
  return entry !== undefined && ('skipped' in entry || ('content' in entry && entry.content.type !== 'text'));
}

// ---- what cannot be decrypted here ----

/** The messages this device cannot decrypt, folded into one line per run. */
export interface UnreadableRuns {
  /** The seqs of each run's messages, by the seq of its first one (where its line goes). */
  runs: Map<Seq, Seq[]>;
  /** Events inside a run after its first message: shown by the run's line, not themselves. */
  folded: Set<Seq>;
}

/**
 * Folds the messages `reveal` found unreadable: each run of them, with no event that
 * `shows` between them (a message, a system line), becomes one line. An edit or a
 * reaction that cannot be decrypted is not told apart from a text (what it is is
 * inside the ciphertext), so it is one of its run's messages and never a line alone.
 */
export function foldUnreadable(events: readonly RoomEvent[], status: Record<Seq, Revealed>, shows: (event: RoomEvent) => boolean): UnreadableRuns {
  const runs = new Map<Seq, Seq[]>();
  const folded = new Set<Seq>();
  let run: Seq[] | null = null;
  // Events that show nothing after the run's last message: folded if the run goes on.
  let silent: Seq[] = [];
  for (const event of events) {
    if (status[event.seq] === 'unreadable') {
      if (run) {
        run.push(event.seq);
        for (const seq of [...silent, event.seq]) folded.add(seq);
      } else {
        run = [event.seq];
        runs.set(event.seq, run);
      }
      silent = [];
    } else if (shows(event)) {
      run = null;
      silent = [];
    } else if (run) {
      silent.push(event.seq);
    }
  }
  return { runs, folded };
}

/** The line of a run of `count` messages that cannot be decrypted here. */
export function unreadableLine(count: number): string {
  return count === 1
    ? 'An earlier message was sent before this device joined: it cannot be decrypted here'
    : `${count} earlier messages were sent before this device joined: they cannot be decrypted here`;
}

// ---- safety numbers ----

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** Six groups of five digits from the first 30 bytes of a digest. */
function digits(hash: Uint8Array): string[] {
  const groups: string[] = [];
  for (let i = 0; i < 6; i++) {
    let n = 0;
    for (let j = 0; j < 5; j++) n = n * 256 + (hash[i * 5 + j] ?? 0);
    groups.push(String(n % 100000).padStart(5, '0'));
  }
  return groups;
}

/**
 * The safety number of two users: 12 groups of 5 digits, the lower user id's half
 * first, each half SHA-256 of "confab-safety-number-v1", the user id and its sorted
 * device keys. Both sides compute the same number from the same keys.
 */
export async function safetyNumber(a: { userId: UserId; keys: string[] }, b: { userId: UserId; keys: string[] }): Promise<string[]> {
  const [first, second] = a.userId <= b.userId ? [a, b] : [b, a];
  const half = (x: { userId: UserId; keys: string[] }) => sha256(`confab-safety-number-v1\n${x.userId}\n${[...x.keys].sort().join('\n')}`);
  return [...digits(await half(first)), ...digits(await half(second))];
}

/** Whether two lists of device keys hold the same keys. */
export function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((k, i) => k === y[i]);
}
