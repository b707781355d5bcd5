import { describe, expect, it } from 'vitest';
import { emptyLog, encodeContent, encryptedFileIn, foldUnreadable, isHiddenEncrypted, parseContent, reveal, safetyNumber, sameKeys, unreadableLine, type Revealed, type RoomLog } from './e2eeView';
import type { RoomEvent } from './types';

function encrypted(seq: number, sender: number, clientId = `c${seq}`): RoomEvent {
  return {
    id: seq,
    room_id: 1,
    seq,
    sender_id: sender,
    created_at: `2026-01-01T00:00:0${seq}Z`,
    content: { type: 'message', client_id: clientId, body: { type: 'encrypted', ciphertext: 'AAAA' } },
  };
}

describe('EncryptedContent', () => {
  it('round-trips and skips unknown or malformed contents', () => {
    expect(parseContent(encodeContent({ type: 'text', text: 'hi', reply_to: 3 }))).toEqual({ type: 'text', text: 'hi', reply_to: 3 });
    expect(parseContent(encodeContent({ type: 'reaction', target_seq: 2, emoji: '👍', add: true }))).toEqual({ type: 'reaction', target_seq: 2, emoji: '👍', add: true });
    expect(parseContent(new TextEncoder().encode('{"type":"poll"}'))).toBeNull();
    expect(parseContent(new TextEncoder().encode('not json'))).toBeNull();
    expect(parseContent(new Uint8Array([0xff, 0xfe]))).toBeNull();
  });
});

describe('reveal', () => {
  it('shows texts, applies edits by the sender and reactions, hides them, and marks the unreadable', () => {
    const log: RoomLog = {
      bySeq: {
        1: { sender: 7, content: { type: 'text', text: 'hello' } },
        3: { sender: 7, content: { type: 'edit', target_seq: 1, text: 'hello!' } },
        4: { sender: 8, content: { type: 'edit', target_seq: 1, text: 'hijacked' } },
        5: { sender: 8, content: { type: 'reaction', target_seq: 1, emoji: '👍', add: true } },
        6: { sender: 9, unreadable: true },
      },
      own: { mine: { type: 'text', text: 'from me', reply_to: 1 } },
    };
    const timeline = [encrypted(1, 7), encrypted(2, 8, 'mine'), encrypted(3, 7), encrypted(4, 8), encrypted(5, 8), encrypted(6, 9), encrypted(7, 7)];
    const { events, status } = reveal(timeline, log, 8);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 6, 7]);
    const first = events[0]?.content;
    expect(first?.type === 'message' && first.body).toEqual({ type: 'text', text: 'hello!' });
    expect(first?.type === 'message' && first.reactions).toEqual([{ emoji: '👍', user_ids: [8] }]);
    expect(first?.type === 'message' && first.edited_at).toBe('2026-01-01T00:00:03Z');
    const mine = events[1]?.content;
    expect(mine?.type === 'message' && mine.reply_to).toBe(1);
    expect(status).toEqual({ 1: 'decrypted', 2: 'decrypted', 6: 'unreadable', 7: 'pending' });
    expect(isHiddenEncrypted(encrypted(5, 8), log, 8)).toBe(true);
    expect(isHiddenEncrypted(encrypted(1, 7), emptyLog, 8)).toBe(false);
  });
});

describe('reveal: files of encrypted messages', () => {
  const sealedInfo = { id: 'f1', name: 'encrypted', size: 84, content_type: 'application/vnd.confab.encrypted' };
  const withFiles = (seq: number): RoomEvent => {
    const event = encrypted(seq, 7);
    return { ...event, content: { ...event.content, attachments: [sealedInfo] } } as RoomEvent;
  };
  const file = { file_id: 'f1', name: 'Plan.pdf', content_type: 'application/pdf', size: 68, key: 'k', iv: 'i' };

  it('shows the files the content describes, with what decrypts them, in place of the server’s `encrypted` ones', () => {
    const log: RoomLog = { bySeq: { 1: { sender: 7, content: { type: 'text', text: 'plan', attachments: [file] } }, 2: { sender: 7, content: { type: 'text', text: 'none' } } }, own: {} };
    const { events } = reveal([withFiles(1), withFiles(2)], log, 8);
    const [first, second] = events.map((e) => (e.content.type === 'message' ? e.content.attachments : null));
    expect(first).toEqual([{ id: 'f1', name: 'Plan.pdf', content_type: 'application/pdf', size: 68, encrypted: file }]);
    // A content without files shows none, whatever the server's list says.
    expect(second).toBeUndefined();
  });

  it('finds a file’s key for the Files tab: in the message decrypted at its seq, or in my own sent contents', () => {
    const mineFile = { ...file, file_id: 'f2', name: 'Mine.png' };
    const log: RoomLog = { bySeq: { 1: { sender: 7, content: { type: 'text', text: 'plan', attachments: [file] } } }, own: { c9: { type: 'text', text: '', attachments: [mineFile] } } };
    expect(encryptedFileIn(log, 1, 'f1')).toBe(file);
    expect(encryptedFileIn(log, 5, 'f2')).toBe(mineFile);
    // Another message's seq does not lend its files.
    expect(encryptedFileIn(log, 1, 'f2')).toBeUndefined();
    expect(encryptedFileIn(log, 6, 'f3')).toBeUndefined();
  });

  it('shows no file for a message still decrypting or that cannot be decrypted here', () => {
    const log: RoomLog = { bySeq: { 2: { sender: 7, unreadable: true } }, own: {} };
    const { events } = reveal([withFiles(1), withFiles(2)], log, 8);
    expect(events.map((e) => e.content.type === 'message' && e.content.attachments)).toEqual([undefined, undefined]);
  });
});

describe('foldUnreadable', () => {
  function system(seq: number, type: 'member_added' | 'mls_commit'): RoomEvent {
    const content = type === 'member_added' ? { type, user_id: 9 } : { type, epoch: seq, device_id: 1, commit: 'AAAA' };
    return { id: seq, room_id: 1, seq, sender_id: 7, created_at: '2026-01-01T00:00:00Z', content } as RoomEvent;
  }
  // A member's joining shows a line; an MLS commit shows nothing.
  const shows = (e: RoomEvent) => e.content.type !== 'mls_commit';

  it('folds each run of unreadable messages into one line, counting its messages', () => {
    const timeline = [
      system(1, 'member_added'),
      ...[2, 3, 4].map((seq) => encrypted(seq, 7)),
      system(5, 'mls_commit'),
      ...[6, 7, 8, 9, 10, 11, 12, 13, 14].map((seq) => encrypted(seq, 8)),
      system(15, 'member_added'),
      encrypted(16, 7),
      encrypted(17, 7),
      encrypted(18, 8),
      encrypted(19, 9),
      system(20, 'mls_commit'),
    ];
    const status: Record<number, Revealed> = { 16: 'decrypted', 18: 'pending' };
    for (const seq of [2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17, 19]) status[seq] = 'unreadable';
    const { runs, folded } = foldUnreadable(timeline, status, shows);
    // 2..14 across a commit (12 messages), 17 alone before a pending one, 19 alone.
    expect([...runs].map(([first, seqs]) => [first, seqs.length])).toEqual([
      [2, 12],
      [17, 1],
      [19, 1],
    ]);
    expect([...folded]).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(unreadableLine(12)).toBe('12 earlier messages were sent before this device joined: they cannot be decrypted here');
    expect(unreadableLine(1)).toBe('An earlier message was sent before this device joined: it cannot be decrypted here');
  });

  it('folds nothing where everything was read', () => {
    const { runs, folded } = foldUnreadable([encrypted(1, 7), encrypted(2, 7)], { 1: 'decrypted', 2: 'decrypted' }, shows);
    expect(runs.size).toBe(0);
    expect(folded.size).toBe(0);
  });
});

describe('safety numbers', () => {
  it('are 12 groups of 5 digits, the same from both sides, and change with a key', async () => {
    const alice = { userId: 1, keys: ['b', 'a'] };
    const bob = { userId: 2, keys: ['c'] };
    const one = await safetyNumber(alice, bob);
    expect(one).toHaveLength(12);
    for (const group of one) expect(group).toMatch(/^\d{5}$/);
    expect(await safetyNumber(bob, { userId: 1, keys: ['a', 'b'] })).toEqual(one);
    expect(await safetyNumber(alice, { userId: 2, keys: ['c', 'd'] })).not.toEqual(one);
    expect(sameKeys(['a', 'b'], ['b', 'a'])).toBe(true);
    expect(sameKeys(['a'], ['a', 'b'])).toBe(false);
  });
});
