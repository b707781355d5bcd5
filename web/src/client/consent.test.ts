// The state transitions of invitations, message requests and blocking.
import { describe, expect, it } from 'vitest';
import {
  addInvitation,
  addRoomInvitations,
  applyEvent,
  awaitingPeer,
  block,
  emptyState,
  isBlocked,
  joinedByAccepting,
  removeInvitation,
  removeRoomInvitation,
  setBlocked,
  setCannotWrite,
  setInvitations,
  setRoomInvitations,
  setRooms,
  unblock,
  upsertRoom,
  writeAccess,
  type State,
} from './state';
import type { Invitation, Room, RoomEvent, RoomSummary } from './types';

const me = { id: 1, username: 'alice', display_name: 'Alice', status_text: '', discoverable: true, created_at: '' };

function room(id: number, kind: Room['kind'], memberCount: number, extra: Partial<Room> = {}): Room {
  return { id, kind, name: kind === 'group' ? `Room ${id}` : '', topic: '', encrypted: false, created_by: 1, created_at: '2026-11-25T09:00:00Z', last_seq: 2, last_activity_at: '2026-11-25T09:00:00Z', member_count: memberCount, ...extra };
}

function summary(r: Room, peer?: number): RoomSummary {
  return { room: r, my_role: r.kind === 'group' ? 'owner' : 'member', peer, unread_count: 0, mention_count: 0, read_seq: 2 };
}

function invitation(roomId: number, from: number, at: string, kind: Room['kind'] = 'group'): Invitation {
  return { room: room(roomId, kind, 1, { created_by: from }), invited_by: from, invited_at: at };
}

function ev(roomId: number, seq: number, sender: number, content: RoomEvent['content']): RoomEvent {
  return { id: 1000 + seq, room_id: roomId, seq, sender_id: sender, created_at: '2026-11-25T10:00:00Z', content };
}

function base(): State {
  // 9: a direct room I opened with 2 (a request they have not accepted); 12: a group.
  return setRooms({ ...emptyState, me }, [summary(room(9, 'direct', 1), 2), summary(room(12, 'group', 3))]);
}

describe('my invitations', () => {
  it('keeps them newest first, replaces one to the same room, and drops ended ones', () => {
    let s = setInvitations(base(), [invitation(20, 5, '2026-11-25T08:00:00Z'), invitation(21, 6, '2026-11-25T11:00:00Z')]);
    expect(s.invitations!.map((i) => i.room.id)).toEqual([21, 20]);
    s = addInvitation(s, invitation(22, 7, '2026-11-25T12:00:00Z', 'direct'));
    s = addInvitation(s, invitation(20, 8, '2026-11-25T13:00:00Z'));
    expect(s.invitations!.map((i) => [i.room.id, i.invited_by])).toEqual([
      [20, 8],
      [22, 7],
      [21, 6],
    ]);
    s = removeInvitation(s, 22);
    expect(s.invitations!.map((i) => i.room.id)).toEqual([20, 21]);
    // Ending one that is not there changes nothing (the same object back).
    expect(removeInvitation(s, 99)).toBe(s);
  });

  it('ignores a live invitation to a room I am already in', () => {
    const s = setInvitations(base(), []);
    expect(addInvitation(s, invitation(12, 5, '2026-11-25T08:00:00Z')).invitations).toEqual([]);
  });

  it('accepting: the room joins the list and the invitation leaves', () => {
    let s = setInvitations(base(), [invitation(30, 5, '2026-11-25T08:00:00Z', 'direct')]);
    s = upsertRoom(removeInvitation(s, 30), summary(room(30, 'direct', 2), 5));
    expect(s.invitations).toEqual([]);
    expect(s.rooms[30]!.peer).toBe(5);
  });
});

describe('message requests I sent', () => {
  it('wait for the peer until the member_added of their acceptance arrives', () => {
    let s = base();
    expect(awaitingPeer(s.rooms[9]!)).toBe(true);
    const joined = ev(9, 3, 2, { type: 'member_added', user_id: 2, role: 'member' });
    expect(joinedByAccepting(s.rooms[9]!, joined)).toBe(true);
    [s] = applyEvent(s, joined);
    expect(s.rooms[9]!.room.member_count).toBe(2);
    expect(awaitingPeer(s.rooms[9]!)).toBe(false);
    expect(awaitingPeer(s.rooms[12]!)).toBe(false);
  });

  it('does not call the creator joining at creation an acceptance, nor someone added by another', () => {
    const s = base();
    expect(joinedByAccepting(s.rooms[12]!, ev(12, 2, 1, { type: 'member_added', user_id: 1, role: 'owner' }))).toBe(false);
    expect(joinedByAccepting(s.rooms[12]!, ev(12, 5, 1, { type: 'member_added', user_id: 4, role: 'member' }))).toBe(false);
    // The creator coming back later by accepting an invitation did join.
    expect(joinedByAccepting(s.rooms[12]!, ev(12, 9, 1, { type: 'member_added', user_id: 1, role: 'member' }))).toBe(true);
  });
});

describe("a group's pending invitations", () => {
  it('adds the ones made, removes withdrawn ones, and ends one when its person joins', () => {
    let s = setRoomInvitations(base(), 12, [{ room_id: 12, user_id: 4, invited_by: 1, invited_at: '2026-11-25T09:00:00Z' }]);
    s = addRoomInvitations(s, 12, [
      { room_id: 12, user_id: 5, invited_by: 1, invited_at: '2026-11-25T09:05:00Z' },
      { room_id: 12, user_id: 6, invited_by: 1, invited_at: '2026-11-25T09:05:00Z' },
    ]);
    expect(s.rooms[12]!.invitations!.map((i) => i.user_id)).toEqual([4, 5, 6]);
    s = removeRoomInvitation(s, 12, 6);
    [s] = applyEvent(s, ev(12, 3, 4, { type: 'member_added', user_id: 4, role: 'member' }));
    expect(s.rooms[12]!.invitations!.map((i) => i.user_id)).toEqual([5]);
    expect(s.rooms[12]!.room.member_count).toBe(4);
  });

  it('survive a fresh room list (kept like the timeline)', () => {
    let s = setRoomInvitations(base(), 12, [{ room_id: 12, user_id: 4, invited_by: 1, invited_at: '2026-11-25T09:00:00Z' }]);
    s = setRooms(s, [summary(room(12, 'group', 3))]);
    expect(s.rooms[12]!.invitations).toHaveLength(1);
  });
});

describe('blocking', () => {
  it('knows who I blocked, and blocking ends the invitations they sent me', () => {
    let s = setBlocked(base(), [{ user_id: 7, blocked_at: '2026-11-25T09:00:00Z' }]);
    s = setInvitations(s, [invitation(40, 8, '2026-11-25T08:00:00Z', 'direct'), invitation(41, 8, '2026-11-25T08:30:00Z'), invitation(42, 5, '2026-11-25T08:00:00Z')]);
    expect(isBlocked(s, 7)).toBe(true);
    expect(isBlocked(s, 8)).toBe(false);
    expect(isBlocked(s, undefined)).toBe(false);
    s = block(s, 8, '2026-11-25T10:00:00Z');
    expect(isBlocked(s, 8)).toBe(true);
    expect(s.invitations!.map((i) => i.room.id)).toEqual([42]);
  });

  it('closes the composer of the direct room with someone I blocked, and opens it when I unblock', () => {
    let s = block(base(), 2, '2026-11-25T10:00:00Z');
    expect(writeAccess(s, s.rooms[9]!)).toBe('blocked-by-me');
    // Blocking someone does not close a group's composer.
    expect(writeAccess(s, s.rooms[12]!)).toBe('ok');
    s = setCannotWrite(s, 9, true);
    s = unblock(s, 2);
    expect(isBlocked(s, 2)).toBe(false);
    expect(writeAccess(s, s.rooms[9]!)).toBe('ok');
  });

  it('closes the composer after a refusal (they blocked me) until a message gets through', () => {
    let s = setCannotWrite(base(), 9, true);
    expect(writeAccess(s, s.rooms[9]!)).toBe('refused');
    // An older message (a replay) says nothing about now.
    [s] = applyEvent(s, ev(9, 2, 2, { type: 'message', client_id: 'old', body: { type: 'text', text: 'old' } }));
    expect(writeAccess(s, s.rooms[9]!)).toBe('refused');
    [s] = applyEvent(s, ev(9, 3, 2, { type: 'message', client_id: 'new', body: { type: 'text', text: 'unblocked you' } }));
    expect(writeAccess(s, s.rooms[9]!)).toBe('ok');
  });
});
