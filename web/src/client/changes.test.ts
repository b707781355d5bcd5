import { describe, expect, it } from 'vitest';
import { queueChange, showChanges, type PendingChange } from './changes';
import type { MessageContent } from './types';

let ids = 0;
const change = (seq: number, c: PendingChange['change'], status: PendingChange['status'] = 'waiting'): PendingChange => ({ id: `x${++ids}`, roomId: 9, seq, change: c, status });
const content: MessageContent = { type: 'message', client_id: 'c1', body: { type: 'text', text: 'first' }, reactions: [{ emoji: '👍', user_ids: [2] }] };

describe('queueChange', () => {
  it('keeps only the latest edit of a message, and edits of others', () => {
    let queue: PendingChange[] = [];
    queue = queueChange(queue, change(3, { kind: 'edit', text: 'a' }));
    queue = queueChange(queue, change(4, { kind: 'edit', text: 'other' }));
    queue = queueChange(queue, change(3, { kind: 'edit', text: 'b' }));
    expect(queue.map((c) => [c.seq, c.change])).toEqual([
      [4, { kind: 'edit', text: 'other' }],
      [3, { kind: 'edit', text: 'b' }],
    ]);
  });

  it('drops what waits for a message being deleted, but not what failed', () => {
    let queue = [change(3, { kind: 'edit', text: 'a' }), change(3, { kind: 'react', emoji: '🎉', add: true }), change(3, { kind: 'edit', text: 'refused' }, 'failed')];
    queue = queueChange(queue, change(3, { kind: 'delete' }));
    expect(queue.map((c) => c.change.kind)).toEqual(['edit', 'delete']);
    expect(queue[0]!.status).toBe('failed');
  });

  it('cancels a reaction taken back before it was sent, and keeps one of two alike', () => {
    let queue = queueChange([], change(3, { kind: 'react', emoji: '🎉', add: true }));
    queue = queueChange(queue, change(3, { kind: 'react', emoji: '🎉', add: false }));
    expect(queue).toEqual([]);
    queue = queueChange(queue, change(3, { kind: 'react', emoji: '👍', add: true }));
    queue = queueChange(queue, change(3, { kind: 'react', emoji: '👍', add: true }));
    queue = queueChange(queue, change(3, { kind: 'react', emoji: '❤️', add: true }));
    expect(queue.map((c) => c.change)).toEqual([
      { kind: 'react', emoji: '👍', add: true },
      { kind: 'react', emoji: '❤️', add: true },
    ]);
  });
});

describe('showChanges', () => {
  it('shows an edit and reactions at once, marked as waiting', () => {
    const shown = showChanges(content, [change(3, { kind: 'edit', text: 'second' }), change(3, { kind: 'react', emoji: '👍', add: true }), change(3, { kind: 'react', emoji: '🎉', add: true })], 1);
    expect(shown.waiting).toBe(true);
    expect(shown.content.body).toEqual({ type: 'text', text: 'second' });
    expect(shown.content.edited_at).toBeTruthy();
    expect(shown.content.reactions).toEqual([
      { emoji: '👍', user_ids: [2, 1] },
      { emoji: '🎉', user_ids: [1] },
    ]);
    expect(shown.failed).toEqual([]);
  });

  it('shows a deletion as a tombstone, and a refused change apart, not applied', () => {
    const refused = change(3, { kind: 'edit', text: 'not this' }, 'failed');
    const shown = showChanges(content, [refused, change(3, { kind: 'delete' })], 1);
    expect(shown.content.deleted_at).toBeTruthy();
    expect(shown.content.body).toBeUndefined();
    expect(shown.content.reactions).toBeUndefined();
    expect(shown.failed).toEqual([refused]);
  });

  it('leaves a message with nothing waiting as it is', () => {
    expect(showChanges(content, [], 1)).toEqual({ content, waiting: false, failed: [] });
  });
});
