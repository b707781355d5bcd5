import { describe, expect, it } from 'vitest';
import { addUsers, applyEvent, emptyState, mergeHistory, messageStatus, setMembers, setRooms, type State, updateProfile } from './state';
import type { RoomEvent, RoomSummary } from './types';

const summary: RoomSummary = {
  room: { id: 9, kind: 'group', name: 'Crew', topic: '', encrypted: false, created_by: 1, created_at: '2026-11-25T09:00:00Z', last_seq: 3, last_activity_at: '2026-11-25T09:00:00Z', member_count: 3 },
  my_role: 'owner',
  unread_count: 0,
  mention_count: 0,
  read_seq: 3,
};

function base(): State {
  return setRooms({ ...emptyState, me: { id: 1, username: 'alice', display_name: 'Alice', status_text: '', discoverable: true, created_at: '' } }, [summary]);
}

function ev(seq: number, sender: number, content: RoomEvent['content']): RoomEvent {
  return { id: 100 + seq, room_id: 9, seq, sender_id: sender, created_at: '2026-11-25T10:00:00Z', content };
}

const text = (t: string) => ({ type: 'text' as const, text: t });

describe('applyEvent', () => {
  it('counts unread messages and mentions of others once, and not my own', () => {
    let s = base();
    [s] = applyEvent(s, ev(4, 2, { type: 'message', client_id: 'a', body: text('hi @alice'), mentions: [1] }));
    [s] = applyEvent(s, ev(5, 1, { type: 'message', client_id: 'b', body: text('mine') }));
    [s] = applyEvent(s, ev(4, 2, { type: 'message', client_id: 'a', body: text('hi @alice'), mentions: [1] }));
    expect(s.rooms[9]!.unread).toBe(1);
    expect(s.rooms[9]!.mentions).toBe(1);
    expect(s.rooms[9]!.lastMessage?.seq).toBe(5);
  });

  it('folds edits, deletions and reactions into the loaded timeline', () => {
    let s = mergeHistory(base(), 9, [ev(3, 2, { type: 'message', client_id: 'a', body: text('v1') })], false, false);
    [s] = applyEvent(s, ev(4, 2, { type: 'message_edited', target_seq: 3, body: text('v2') }));
    [s] = applyEvent(s, ev(5, 1, { type: 'reaction_added', target_seq: 3, emoji: '👍' }));
    [s] = applyEvent(s, ev(6, 3, { type: 'reaction_added', target_seq: 3, emoji: '👍' }));
    [s] = applyEvent(s, ev(7, 1, { type: 'reaction_removed', target_seq: 3, emoji: '👍' }));
    let m = s.rooms[9]!.timeline![0]!.content;
    expect(m).toMatchObject({ body: text('v2'), edited_at: '2026-11-25T10:00:00Z', reactions: [{ emoji: '👍', user_ids: [3] }] });
    [s] = applyEvent(s, ev(8, 2, { type: 'message_deleted', target_seq: 3 }));
    m = s.rooms[9]!.timeline![0]!.content;
    expect(m.type === 'message' && m.body).toBe(undefined);
    expect(m).toMatchObject({ deleted_at: '2026-11-25T10:00:00Z' });
    // Edits and reactions are not timeline entries of their own.
    expect(s.rooms[9]!.timeline).toHaveLength(1);
  });

  it('adds and removes the link preview of a loaded message, and ignores those of messages not loaded', () => {
    const preview = { url: 'https://example.com/a', title: 'Example', description: '', site_name: 'Example', image: { width: 400, height: 200, content_type: 'image/jpeg' } };
    let s = mergeHistory(base(), 9, [ev(3, 2, { type: 'message', client_id: 'a', body: text('see https://example.com/a') })], false, false);
    [s] = applyEvent(s, ev(4, 2, { type: 'link_preview_added', target_seq: 3, preview }));
    expect(s.rooms[9]!.timeline![0]!.content).toMatchObject({ body: text('see https://example.com/a'), preview });
    // Not a timeline entry of its own.
    expect(s.rooms[9]!.timeline).toHaveLength(1);
    [s] = applyEvent(s, ev(5, 2, { type: 'link_preview_removed', target_seq: 3 }));
    expect(s.rooms[9]!.timeline![0]!.content).not.toHaveProperty('preview');
    // A message this client has not loaded: nothing to change, nothing added.
    const before = s.rooms[9]!.timeline;
    [s] = applyEvent(s, ev(6, 3, { type: 'link_preview_added', target_seq: 2, preview }));
    expect(s.rooms[9]!.timeline).toEqual(before);
    expect(s.rooms[9]!.timeline!.some((e) => e.content.type === 'message' && e.content.preview)).toBe(false);
  });

  it('drops a preview with its message when the message is deleted', () => {
    const preview = { url: 'https://example.com/b', title: '', description: '', site_name: '' };
    let s = mergeHistory(base(), 9, [ev(3, 2, { type: 'message', client_id: 'a', body: text('https://example.com/b'), preview })], false, false);
    [s] = applyEvent(s, ev(4, 2, { type: 'message_deleted', target_seq: 3 }));
    expect(s.rooms[9]!.timeline![0]!.content).not.toHaveProperty('preview');
  });

  it('stops counting a deleted message as unread or as a mention', () => {
    let s = base();
    [s] = applyEvent(s, ev(4, 2, { type: 'message', client_id: 'a', body: text('hi @alice'), mentions: [1] }));
    expect([s.rooms[9]!.unread, s.rooms[9]!.mentions]).toEqual([1, 1]);
    [s] = applyEvent(s, ev(5, 2, { type: 'message_deleted', target_seq: 4 }));
    expect([s.rooms[9]!.unread, s.rooms[9]!.mentions]).toEqual([0, 0]);
    // The same deletion again (a replay overlapping REST) changes nothing.
    [s] = applyEvent(s, ev(5, 2, { type: 'message_deleted', target_seq: 4 }));
    expect([s.rooms[9]!.unread, s.rooms[9]!.mentions]).toEqual([0, 0]);
  });

  it('merges history pages with live events by seq, without duplicates', () => {
    let s = mergeHistory(base(), 9, [ev(2, 2, { type: 'message', client_id: 'a', body: text('x') })], true, false);
    [s] = applyEvent(s, ev(4, 2, { type: 'message', client_id: 'b', body: text('y') }));
    s = mergeHistory(s, 9, [ev(1, 2, { type: 'room_created', name: 'Crew', encrypted: false }), ev(2, 2, { type: 'message', client_id: 'a', body: text('x') })], false, true);
    expect(s.rooms[9]!.timeline!.map((e) => e.seq)).toEqual([1, 2, 4]);
    expect(s.rooms[9]!.hasOlder).toBe(false);
  });

  it('derives sent, delivered and read (with readers) from the receipts', () => {
    let s = setMembers(base(), 9, [
      { user_id: 1, role: 'owner', joined_at: '', delivered_seq: 0, read_seq: 0 },
      { user_id: 2, role: 'member', joined_at: '', delivered_seq: 0, read_seq: 0 },
      { user_id: 3, role: 'member', joined_at: '', delivered_seq: 0, read_seq: 0 },
    ]);
    expect(messageStatus(s.rooms[9]!, 4, 1).status).toBe('sent');
    [s] = applyEvent(s, ev(5, 2, { type: 'delivered_up_to', user_id: 2, seq: 4 }));
    expect(messageStatus(s.rooms[9]!, 4, 1).status).toBe('delivered');
    [s] = applyEvent(s, ev(6, 3, { type: 'read_up_to', user_id: 3, seq: 4 }));
    expect(messageStatus(s.rooms[9]!, 4, 1)).toEqual({ status: 'read', readBy: [3] });
  });

  it('clears my unread count when my read marker moves (from another device too)', () => {
    let s = base();
    [s] = applyEvent(s, ev(4, 2, { type: 'message', client_id: 'a', body: text('1') }));
    [s] = applyEvent(s, ev(5, 2, { type: 'message', client_id: 'b', body: text('2') }));
    expect(s.rooms[9]!.unread).toBe(2);
    [s] = applyEvent(s, ev(6, 1, { type: 'read_up_to', user_id: 1, seq: 5 }));
    expect(s.rooms[9]!.unread).toBe(0);
    expect(s.rooms[9]!.readSeq).toBe(5);
  });

  it('adds a new member at 0 and asks for the member list, which knows a returning member\'s markers', () => {
    const before = setMembers(base(), 9, [{ user_id: 1, role: 'owner', joined_at: '', delivered_seq: 3, read_seq: 3 }]);
    const [s, effects] = applyEvent(before, ev(4, 1, { type: 'member_added', user_id: 2, role: 'member' }));
    expect(s.rooms[9]!.members!.find((m) => m.user_id === 2)).toMatchObject({ read_seq: 0, delivered_seq: 0 });
    expect(effects.fetchMembers).toBe(9);
  });

  it('drops a room I leave, and asks to fetch one I am added to', () => {
    let s = base();
    const [, effects] = applyEvent(s, { ...ev(2, 5, { type: 'member_added', user_id: 1, role: 'member' }), room_id: 77 });
    expect(effects.fetchRoom).toBe(77);
    [s] = applyEvent(s, ev(4, 2, { type: 'member_removed', user_id: 1 }));
    expect(s.rooms[9]).toBeUndefined();
  });

  it('skips event types it does not know', () => {
    const s = base();
    const [next] = applyEvent(s, ev(4, 2, { type: 'poll_created' } as unknown as RoomEvent['content']));
    expect(next.rooms[9]!.room.last_seq).toBe(4);
  });
});

describe('updateProfile', () => {
  it('replaces a contact everywhere, and my own profile when it is mine', () => {
    const bob = { id: 2, username: 'bob', display_name: 'Bob', status_text: '', discoverable: true, created_at: '' };
    let s = addUsers(base(), [bob]);
    s = updateProfile(s, { ...bob, display_name: 'Bob Stone', status_text: 'on a train' });
    expect(s.users[2]!.display_name).toBe('Bob Stone');
    expect(s.users[2]!.status_text).toBe('on a train');
    expect(s.me!.display_name).toBe('Alice');
    s = updateProfile(s, { ...s.me!, display_name: 'Alice Liddell' });
    expect(s.me!.display_name).toBe('Alice Liddell');
    expect(s.users[1]!.display_name).toBe('Alice Liddell');
  });
});
