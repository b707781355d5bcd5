import { describe, expect, it } from 'vitest';
import { emptyLog, encodeContent, isHiddenEncrypted, parseContent, reveal, safetyNumber, sameKeys, type RoomLog } from './e2eeView';
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
