// The client's state and the pure functions that change it. Every change returns a
// new object (never mutates), so React can compare snapshots by reference and the
// tests can check each transition on its own.

import type { PendingChange } from './changes';
import type { E2eeView, ShownFile } from './e2eeView';
import type { UploadItem } from './files';
import { pinsAfter } from './pins';
import type {
  BlockedUser,
  EventContent,
  Invitation,
  Member,
  MessageBody,
  NotificationLevel,
  MessageContent,
  MessageEvent,
  Presence,
  PendingInvitation,
  Pin,
  Profile,
  Reaction,
  Role,
  Room,
  RoomEvent,
  RoomId,
  RoomSummary,
  Seq,
  UserId,
} from './types';

/**
 * Whether history shows an event type as its own entry (docs/protocol.md#the-timeline);
 * edits, deletions, reactions and receipts are folded into what they are about.
 * `satisfies` makes every event type of the protocol a compile error until it is
 * listed here.
 */
const SHOWN_IN_TIMELINE = {
  room_created: true,
  message: true,
  message_edited: false,
  message_deleted: false,
  reaction_added: false,
  reaction_removed: false,
  member_added: true,
  member_left: true,
  member_removed: true,
  role_changed: true,
  ownership_transferred: true,
  read_up_to: false,
  delivered_up_to: false,
  room_renamed: true,
  topic_changed: true,
  room_avatar_changed: true,
  room_access_changed: true,
  message_pinned: true,
  message_unpinned: true,
  link_preview_added: false,
  link_preview_removed: false,
  mls_commit: false,
  unknown: false,
} as const satisfies Record<EventContent['type'], boolean>;

/** Event types that history shows. A Set, so a type from a newer server is simply absent. */
const TIMELINE_TYPES: ReadonlySet<string> = new Set(
  Object.entries(SHOWN_IN_TIMELINE)
    .filter(([, shown]) => shown)
    .map(([type]) => type),
);

/**
 * `outdated`: the server speaks another protocol version than this page (the server
 * was upgraded while the page was open); only a reload helps.
 */
export type ConnectionStatus = 'offline' | 'connecting' | 'syncing' | 'online' | 'outdated';

export interface RoomState {
  room: Room;
  myRole: Role;
  peer?: UserId;
  lastMessage?: RoomEvent;
  unread: number;
  mentions: number;
  readSeq: Seq;
  /**
   * The seq of the room's latest event that is not a receipt: what "read up to
   * here" means. Receipts take seqs too, so using `last_seq` would make each read
   * receipt call for another one.
   */
  contentSeq: Seq;
  /**
   * The loaded part of the timeline, oldest first; null until the room is opened.
   * Usually its tail; after a jump to an older message (history.ts), a window
   * around it, with `hasNewer` set.
   */
  timeline: RoomEvent[] | null;
  hasOlder: boolean;
  /**
   * The loaded timeline stops before the room's newest events: live events are not
   * added to it (that would leave a gap) until paging forward reaches the end.
   */
  hasNewer: boolean;
  /** A message to bring into view and flash (a jump's target), until the screen has. */
  focus?: { seq: Seq; token: number };
  /** Current members with their receipts; null until fetched. */
  members: Member[] | null;
  /** When the room notifies me, as the room list said (notifications.ts keeps later changes). */
  notificationLevel?: NotificationLevel;
  /** Who is typing, and until when (ms since epoch). */
  typing: Record<UserId, number>;
  /** People invited to the room who have not answered yet; null until fetched. */
  invitations: PendingInvitation[] | null;
  /**
   * The server refused a write here as `forbidden`: in a direct room, that means one
   * of us blocked the other. Cleared when the other person's message arrives (they
   * could write, so nobody blocks anymore) and by a fresh start.
   */
  cannotWrite: boolean;
  /**
   * The room's pinned messages, the latest pin first; null until loaded (pins.ts),
   * and always in an encrypted room, which has none.
   */
  pins: Pin[] | null;
}

/** A message the user wrote that the server has not acknowledged yet. */
export interface PendingMessage {
  clientId: string;
  roomId: RoomId;
  body: MessageBody;
  replyTo?: Seq;
  /**
   * Files uploaded already, carried by id (the outbox keeps only what was uploaded);
   * in an encrypted room with their keys, so such a message is never stored (outbox.ts).
   */
  attachments?: ShownFile[];
  createdAt: string;
  status: 'sending' | 'failed';
  error?: string;
}

export interface State {
  me: Profile | null;
  connection: ConnectionStatus;
  rooms: Record<RoomId, RoomState>;
  users: Record<UserId, Profile>;
  presence: Record<UserId, Presence>;
  pending: PendingMessage[];
  /** Edits, deletions and reactions the server does not have yet (changes.ts). */
  changes: PendingChange[];
  /** My pending invitations and message requests, newest first; null until fetched. */
  invitations: Invitation[] | null;
  /** The people I blocked, with when; null until fetched. */
  blocked: Record<UserId, string> | null;
  /** Files added to composers and not sent yet, in the order added (files.ts). */
  uploads: UploadItem[];
  /** End-to-end encryption: decrypted messages, verifications (e2ee.ts); absent until set up. */
  e2ee?: E2eeView;
}

export const emptyState: State = {
  me: null,
  connection: 'offline',
  rooms: {},
  users: {},
  presence: {},
  pending: [],
  changes: [],
  invitations: null,
  blocked: null,
  uploads: [],
};

export function roomFromSummary(summary: RoomSummary, previous?: RoomState): RoomState {
  return {
    room: summary.room,
    myRole: summary.my_role,
    peer: summary.peer,
    lastMessage: summary.last_message,
    unread: summary.unread_count,
    mentions: summary.mention_count,
    readSeq: summary.read_seq,
    contentSeq: Math.max(summary.last_message?.seq ?? 0, previous?.contentSeq ?? 0, summary.read_seq),
    timeline: previous?.timeline ?? null,
    hasOlder: previous?.hasOlder ?? true,
    hasNewer: previous?.hasNewer ?? false,
    focus: previous?.focus,
    members: previous?.members ?? null,
    notificationLevel: summary.notification_level,
    typing: previous?.typing ?? {},
    invitations: previous?.invitations ?? null,
    cannotWrite: previous?.cannotWrite ?? false,
    pins: previous?.pins ?? null,
  };
}

/** Replaces the room list with a fresh REST answer, keeping loaded timelines. */
export function setRooms(state: State, summaries: RoomSummary[]): State {
  const rooms: Record<RoomId, RoomState> = {};
  for (const summary of summaries) {
    rooms[summary.room.id] = roomFromSummary(summary, state.rooms[summary.room.id]);
  }
  return { ...state, rooms };
}

export function upsertRoom(state: State, summary: RoomSummary): State {
  return { ...state, rooms: { ...state.rooms, [summary.room.id]: roomFromSummary(summary, state.rooms[summary.room.id]) } };
}

function updateRoom(state: State, roomId: RoomId, change: (room: RoomState) => RoomState): State {
  const room = state.rooms[roomId];
  if (!room) return state;
  return { ...state, rooms: { ...state.rooms, [roomId]: change(room) } };
}

/**
 * Merges a page of history into a room's timeline by `seq`: a page from REST may
 * overlap events that already arrived live, and must not duplicate them.
 */
export function mergeHistory(state: State, roomId: RoomId, events: RoomEvent[], hasOlder: boolean, older: boolean): State {
  return updateRoom(state, roomId, (room) => {
    const bySeq = new Map<Seq, RoomEvent>();
    for (const event of room.timeline ?? []) bySeq.set(event.seq, event);
    for (const event of events) {
      // A live event is never older than history's copy of it, except that history
      // carries reactions (folded in) which live message events never do.
      const known = bySeq.get(event.seq);
      if (!known || !older) bySeq.set(event.seq, known && event.id < known.id ? known : event);
    }
    const timeline = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    return { ...room, timeline, hasOlder: older || room.timeline === null ? hasOlder : room.hasOlder };
  });
}

export function setMembers(state: State, roomId: RoomId, members: Member[]): State {
  return updateRoom(state, roomId, (room) => ({ ...room, members }));
}

/** A profile that changed: the one shown everywhere from now, mine included. */
export function updateProfile(state: State, profile: Profile): State {
  const me = state.me?.id === profile.id ? profile : state.me;
  return { ...addUsers(state, [profile]), me };
}

export function addUsers(state: State, profiles: Profile[]): State {
  if (profiles.length === 0) return state;
  const users = { ...state.users };
  for (const profile of profiles) users[profile.id] = profile;
  return { ...state, users };
}

export function setPresence(state: State, presences: Presence[]): State {
  const presence = { ...state.presence };
  for (const p of presences) presence[p.user_id] = p;
  return { ...state, presence };
}

export function setTyping(state: State, roomId: RoomId, userId: UserId, until: number | null): State {
  return updateRoom(state, roomId, (room) => {
    const typing = { ...room.typing };
    if (until === null) delete typing[userId];
    else typing[userId] = until;
    return { ...room, typing };
  });
}

/** Drops typing indicators whose time is up; returns the same state if none was. */
export function expireTyping(state: State, now: number): State {
  let next = state;
  for (const room of Object.values(state.rooms)) {
    for (const [user, until] of Object.entries(room.typing)) {
      if (until <= now) next = setTyping(next, room.room.id, Number(user), null);
    }
  }
  return next;
}

/** What applying an event asks the caller to do besides changing state. */
export interface Effects {
  /** The user was added to a room this client does not know: fetch it. */
  fetchRoom?: RoomId;
  /**
   * Someone joined a room whose member list is loaded. A new member's markers are 0,
   * but one who comes back keeps their earlier ones, which only the server knows:
   * fetch the list again.
   */
  fetchMembers?: RoomId;
  /** Someone else's message arrived: acknowledge delivery up to this seq. */
  delivered?: Seq;
}

export function withReaction(reactions: Reaction[] | undefined, emoji: string, user: UserId, add: boolean): Reaction[] {
  const list = (reactions ?? []).map((r) => ({ ...r, user_ids: [...r.user_ids] }));
  const existing = list.find((r) => r.emoji === emoji);
  if (add) {
    if (!existing) list.push({ emoji, user_ids: [user] });
    else if (!existing.user_ids.includes(user)) existing.user_ids.push(user);
  } else if (existing) {
    existing.user_ids = existing.user_ids.filter((u) => u !== user);
  }
  return list.filter((r) => r.user_ids.length > 0);
}

function changeMessage(room: RoomState, seq: Seq, change: (content: MessageContent) => MessageContent): RoomState {
  const patch = (event: RoomEvent | undefined): RoomEvent | undefined =>
    event && event.seq === seq && event.content.type === 'message' ? { ...event, content: change(event.content) } : event;
  return {
    ...room,
    timeline: room.timeline ? room.timeline.map((e) => patch(e) as RoomEvent) : null,
    lastMessage: patch(room.lastMessage),
  };
}

function changeMember(room: RoomState, userId: UserId, change: (m: Member) => Member | null): RoomState {
  if (!room.members) return room;
  const members: Member[] = [];
  for (const m of room.members) {
    if (m.user_id !== userId) members.push(m);
    else {
      const changed = change(m);
      if (changed) members.push(changed);
    }
  }
  return { ...room, members };
}

/** The message at `seq` if this client knows it: in the loaded timeline, or the latest message. */
export function knownMessage(room: RoomState, seq: Seq): MessageEvent | undefined {
  const known = room.timeline?.find((e) => e.seq === seq) ?? (room.lastMessage?.seq === seq ? room.lastMessage : undefined);
  return known?.content.type === 'message' ? (known as MessageEvent) : undefined;
}

/**
 * The message at `seq` if this client knows it and it counts in my unread count:
 * someone else's, not deleted, after my marker.
 */
function countedMessage(room: RoomState, seq: Seq, me: UserId): MessageEvent | undefined {
  const message = knownMessage(room, seq);
  return message && message.sender_id !== me && !message.content.deleted_at && message.seq > room.readSeq ? message : undefined;
}

function unreadAfter(room: RoomState, readSeq: Seq, me: UserId): number {
  if (!room.timeline || room.hasNewer) return readSeq >= (room.lastMessage?.seq ?? 0) ? 0 : room.unread;
  return room.timeline.filter(
    (e) => e.content.type === 'message' && e.seq > readSeq && e.sender_id !== me && !e.content.deleted_at,
  ).length;
}

/**
 * Applies one room event. Idempotent for an event the room already reflects: a
 * `seq` at or below the room's `last_seq` changes no counter (REST answers and the
 * live stream overlap after a fresh start or a resync).
 */
export function applyEvent(state: State, event: RoomEvent, now: string = event.created_at): [State, Effects] {
  const me = state.me?.id ?? -1;
  const effects: Effects = {};
  const current = state.rooms[event.room_id];
  const content: EventContent = event.content;
  if (!current) {
    if (content.type === 'member_added' && 'user_id' in content && content.user_id === me) effects.fetchRoom = event.room_id;
    return [state, effects];
  }
  const fresh = event.seq > current.room.last_seq;
  let room: RoomState = current;
  if (fresh) {
    const activity = content.type === 'read_up_to' || content.type === 'delivered_up_to' ? room.room.last_activity_at : event.created_at;
    room = { ...room, room: { ...room.room, last_seq: event.seq, last_activity_at: activity } };
    if (content.type !== 'read_up_to' && content.type !== 'delivered_up_to') room = { ...room, contentSeq: event.seq };
  }
  if (room.timeline && !room.hasNewer && TIMELINE_TYPES.has(content.type) && !room.timeline.some((e) => e.seq === event.seq)) {
    room = { ...room, timeline: [...room.timeline, event].sort((a, b) => a.seq - b.seq) };
  }
  const pins = pinsAfter(room.pins, event, (seq) => knownMessage(room, seq));
  if (pins !== room.pins) room = { ...room, pins };
  switch (content.type) {
    case 'message': {
      const message = event as MessageEvent;
      if (!room.lastMessage || room.lastMessage.seq <= event.seq) room = { ...room, lastMessage: message };
      if (fresh && event.sender_id !== me && !message.content.deleted_at) {
        if (event.seq > room.readSeq) room = { ...room, unread: room.unread + 1 };
        if (message.content.mentions?.includes(me) && event.seq > room.readSeq) room = { ...room, mentions: room.mentions + 1 };
        effects.delivered = event.seq;
      }
      // A new message got through: nobody blocks anybody (any more).
      if (room.cannotWrite && fresh) room = { ...room, cannotWrite: false };
      // A message ends its sender's typing indicator.
      if (room.typing[event.sender_id] !== undefined) {
        const typing = { ...room.typing };
        delete typing[event.sender_id];
        room = { ...room, typing };
      }
      break;
    }
    case 'message_edited':
      room = changeMessage(room, content.target_seq, (m) => ({ ...m, body: content.body ?? m.body, edited_at: event.created_at }));
      break;
    case 'message_deleted': {
      // A deleted message counts neither as unread nor as a mention (the server's
      // counts drop at once too). Only a fresh deletion changes the counts: an older
      // one is already reflected in the counts REST returned.
      const counted = fresh ? countedMessage(room, content.target_seq, me) : undefined;
      room = changeMessage(room, content.target_seq, (m) => {
        // Its files go with it.
        const { body: _body, reactions: _reactions, attachments: _attachments, preview: _preview, ...rest } = m;
        return { ...rest, deleted_at: event.created_at };
      });
      if (room.timeline && !room.hasNewer) room = { ...room, unread: unreadAfter(room, room.readSeq, me) };
      else if (counted) room = { ...room, unread: Math.max(0, room.unread - 1) };
      if (counted?.content.mentions?.includes(me)) room = { ...room, mentions: Math.max(0, room.mentions - 1) };
      break;
    }
    case 'reaction_added':
    case 'reaction_removed':
      room = changeMessage(room, content.target_seq, (m) => ({
        ...m,
        reactions: withReaction(m.reactions, content.emoji, event.sender_id, content.type === 'reaction_added'),
      }));
      break;
    case 'link_preview_added':
      room = changeMessage(room, content.target_seq, (m) => (m.deleted_at ? m : { ...m, preview: content.preview }));
      break;
    case 'link_preview_removed':
      room = changeMessage(room, content.target_seq, (m) => {
        const { preview: _preview, ...rest } = m;
        return rest;
      });
      break;
    case 'member_added':
      // Joining by accepting ends the invitation.
      if (room.invitations?.some((i) => i.user_id === content.user_id)) {
        room = { ...room, invitations: room.invitations.filter((i) => i.user_id !== content.user_id) };
      }
      if (room.members && !room.members.some((m) => m.user_id === content.user_id)) {
        room = { ...room, members: [...room.members, { user_id: content.user_id, role: content.role, joined_at: now, delivered_seq: 0, read_seq: 0 }] };
        effects.fetchMembers = event.room_id;
      }
      if (fresh) room = { ...room, room: { ...room.room, member_count: room.room.member_count + 1 } };
      break;
    case 'member_left':
    case 'member_removed': {
      if (content.user_id === me) {
        const rooms = { ...state.rooms };
        delete rooms[event.room_id];
        return [{ ...state, rooms }, effects];
      }
      room = changeMember(room, content.user_id, () => null);
      if (fresh) room = { ...room, room: { ...room.room, member_count: Math.max(0, room.room.member_count - 1) } };
      break;
    }
    case 'role_changed':
      room = changeMember(room, content.user_id, (m) => ({ ...m, role: content.role }));
      if (content.user_id === me) room = { ...room, myRole: content.role };
      break;
    case 'ownership_transferred':
      room = changeMember(room, content.from, (m) => ({ ...m, role: 'admin' }));
      room = changeMember(room, content.to, (m) => ({ ...m, role: 'owner' }));
      if (content.from === me) room = { ...room, myRole: 'admin' };
      if (content.to === me) room = { ...room, myRole: 'owner' };
      break;
    case 'room_renamed':
      room = { ...room, room: { ...room.room, name: content.name } };
      break;
    case 'topic_changed':
      room = { ...room, room: { ...room.room, topic: content.topic } };
      break;
    case 'room_avatar_changed':
      room = { ...room, room: withAvatar(room.room, content.avatar_file_id) };
      break;
    case 'room_access_changed':
      // Events stored before pins existed say nothing of pinning: it was `admins`.
      room = { ...room, room: { ...room.room, visibility: content.visibility, posting: content.posting, pinning: content.pinning ?? 'admins' } };
      break;
    case 'read_up_to':
      room = changeMember(room, content.user_id, (m) => ({
        ...m,
        read_seq: Math.max(m.read_seq, content.seq),
        delivered_seq: Math.max(m.delivered_seq, content.seq),
      }));
      if (content.user_id === me && content.seq > room.readSeq) {
        room = { ...room, readSeq: content.seq, unread: unreadAfter(room, content.seq, me), mentions: 0 };
      }
      break;
    case 'delivered_up_to':
      room = changeMember(room, content.user_id, (m) => ({ ...m, delivered_seq: Math.max(m.delivered_seq, content.seq) }));
      break;
    default:
      // A type from a newer server: skipped, as the protocol asks.
      break;
  }
  return [{ ...state, rooms: { ...state.rooms, [event.room_id]: room } }, effects];
}

function withAvatar(room: Room, avatar: string | undefined): Room {
  const { avatar_file_id: _old, ...rest } = room;
  return avatar ? { ...rest, avatar_file_id: avatar } : rest;
}

/**
 * A room's picture as the server answered a change of mine (its event follows; only
 * the picture is taken, so that the event still counts as new).
 */
export function setRoomAvatar(state: State, roomId: RoomId, avatar: string | undefined): State {
  return updateRoom(state, roomId, (room) => (room.room.avatar_file_id === avatar ? room : { ...room, room: withAvatar(room.room, avatar) }));
}

/** Rooms ordered by activity, most recent first. */
export function roomsByActivity(state: State): RoomState[] {
  return Object.values(state.rooms).sort(
    (a, b) => Date.parse(b.room.last_activity_at) - Date.parse(a.room.last_activity_at) || b.room.id - a.room.id,
  );
}

/** Delivery state of one of my messages, as shown next to it. */
export type MessageStatus = 'sending' | 'failed' | 'sent' | 'delivered' | 'read';

/** The status of my message `seq`, and who has read it, from the members' receipts. */
export function messageStatus(room: RoomState, seq: Seq, me: UserId): { status: MessageStatus; readBy: UserId[] } {
  const others = (room.members ?? []).filter((m) => m.user_id !== me);
  const readBy = others.filter((m) => m.read_seq >= seq).map((m) => m.user_id);
  if (others.length > 0 && readBy.length > 0) return { status: 'read', readBy };
  if (others.some((m) => m.delivered_seq >= seq)) return { status: 'delivered', readBy };
  return { status: 'sent', readBy };
}

/** The name a room is shown under: the group's name, or the other person's. */
export function roomTitle(state: State, room: RoomState): string {
  if (room.room.kind === 'group') return room.room.name;
  const peer = room.peer !== undefined ? state.users[room.peer] : undefined;
  return peer ? peer.display_name : 'Direct message';
}

/** Adds a message to the outbox. */
export function addPending(state: State, pending: PendingMessage): State {
  return { ...state, pending: [...state.pending, pending] };
}

export function updatePending(state: State, clientId: string, change: Partial<PendingMessage>): State {
  return { ...state, pending: state.pending.map((p) => (p.clientId === clientId ? { ...p, ...change } : p)) };
}

export function removePending(state: State, clientId: string): State {
  if (!state.pending.some((p) => p.clientId === clientId)) return state;
  return { ...state, pending: state.pending.filter((p) => p.clientId !== clientId) };
}

// ---- consent: invitations, message requests and blocking ----

function newestFirst(list: Invitation[]): Invitation[] {
  return [...list].sort((a, b) => Date.parse(b.invited_at) - Date.parse(a.invited_at) || b.room.id - a.room.id);
}

/** Replaces my invitations with a fresh REST answer. */
export function setInvitations(state: State, invitations: Invitation[]): State {
  return { ...state, invitations: newestFirst(invitations) };
}

/**
 * Adds an invitation that arrived live (replacing any earlier one to the same room).
 * An invitation to a room I am already in is stale and ignored.
 */
export function addInvitation(state: State, invitation: Invitation): State {
  if (state.rooms[invitation.room.id]) return state;
  const others = (state.invitations ?? []).filter((i) => i.room.id !== invitation.room.id);
  return { ...state, invitations: newestFirst([...others, invitation]) };
}

/** My invitation to `roomId` ended (accepted, declined, withdrawn or blocked). */
export function removeInvitation(state: State, roomId: RoomId): State {
  if (!state.invitations?.some((i) => i.room.id === roomId)) return state;
  return { ...state, invitations: state.invitations.filter((i) => i.room.id !== roomId) };
}

/** A direct-room invitation is a message request from the person who sent it. */
export function isMessageRequest(invitation: Invitation): boolean {
  return invitation.room.kind === 'direct';
}

export function setBlocked(state: State, list: BlockedUser[]): State {
  const blocked: Record<UserId, string> = {};
  for (const b of list) blocked[b.user_id] = b.blocked_at;
  return { ...state, blocked };
}

export function isBlocked(state: State, userId: UserId | undefined): boolean {
  return userId !== undefined && state.blocked?.[userId] !== undefined;
}

/**
 * I blocked `userId`: the server ends every pending invitation between us, so the
 * ones they sent me go at once (its `invitation_ended` frames follow).
 */
export function block(state: State, userId: UserId, at: string): State {
  const invitations = state.invitations?.filter((i) => i.invited_by !== userId) ?? null;
  return { ...state, blocked: { ...(state.blocked ?? {}), [userId]: at }, invitations };
}

/** I unblocked `userId`: the direct room with them may be written to again. */
export function unblock(state: State, userId: UserId): State {
  const blocked = { ...(state.blocked ?? {}) };
  delete blocked[userId];
  const rooms = { ...state.rooms };
  for (const room of Object.values(state.rooms)) {
    if (room.cannotWrite && room.peer === userId) rooms[room.room.id] = { ...room, cannotWrite: false };
  }
  return { ...state, blocked, rooms };
}

export function setCannotWrite(state: State, roomId: RoomId, cannotWrite: boolean): State {
  return updateRoom(state, roomId, (room) => (room.cannotWrite === cannotWrite ? room : { ...room, cannotWrite }));
}

export function setRoomInvitations(state: State, roomId: RoomId, invitations: PendingInvitation[]): State {
  return updateRoom(state, roomId, (room) => ({ ...room, invitations }));
}

/** Invitations I just made (the server answers the ones it created). */
export function addRoomInvitations(state: State, roomId: RoomId, created: PendingInvitation[]): State {
  return updateRoom(state, roomId, (room) => {
    const list = (room.invitations ?? []).filter((i) => !created.some((c) => c.user_id === i.user_id));
    return { ...room, invitations: [...list, ...created] };
  });
}

export function removeRoomInvitation(state: State, roomId: RoomId, userId: UserId): State {
  return updateRoom(state, roomId, (room) => (room.invitations ? { ...room, invitations: room.invitations.filter((i) => i.user_id !== userId) } : room));
}

/**
 * A direct room I opened that the other person has not accepted yet (a message
 * request): I am its only member.
 */
export function awaitingPeer(room: RoomState): boolean {
  return room.room.kind === 'direct' && room.room.member_count < 2;
}

/**
 * Whether the composer of a room can send, and if not, why: a block in a direct room,
 * the server's refusal, or an announcements room where only admins and the owner post.
 */
export type WriteAccess = 'ok' | 'blocked-by-me' | 'refused' | 'admins-only';

export function writeAccess(state: State, room: RoomState): WriteAccess {
  if (room.room.kind !== 'direct') return room.room.posting === 'admins' && room.myRole === 'member' ? 'admins-only' : 'ok';
  if (isBlocked(state, room.peer)) return 'blocked-by-me';
  return room.cannotWrite ? 'refused' : 'ok';
}

/**
 * Whether a `member_added` event is someone joining by accepting an invitation
 * (sender and new member are the same person). The creator's own entry when the room
 * was created (right after `room_created`) is not.
 */
export function joinedByAccepting(room: RoomState, event: RoomEvent): boolean {
  const c = event.content;
  if (c.type !== 'member_added' || c.user_id !== event.sender_id) return false;
  return !(c.user_id === room.room.created_by && event.seq <= 2);
}
