// The notification centre: what the server decided I should be told of (a direct
// message, a mention, a reply, being added to a group...), my notification settings
// and each room's notification level (docs/protocol.md, "Notifications").
//
// The server records notifications; this store only mirrors them:
// - after every `ready` the first page is fetched again (`notification` and
//   `notifications_read` frames are not replayed); frames that arrive meanwhile are
//   applied after the answer, in order, so none is lost to the race;
// - `notification` adds one, `notifications_read` marks some read (by ids, up to an
//   id, or a room's up to a seq when my read marker moved); each carries the unread
//   count, which covers all my notifications, not only the loaded ones;
// - while the tab is hidden, a new notification pops up as a system notification,
//   unless do-not-disturb is on: direct messages and mentions (`popsUp`), and every
//   message of a group only where I chose "all messages". The rest (reactions,
//   replies, being added...) waits in the centre. The pop-up's title names the
//   sender and, in a group, the group.
//
// Invitations and message requests are not notification records (they have their
// own frames), but pop up the same way (`announceInvitation`).

import type { Rest, Timers } from './rest';
import * as S from './state';
import type {
  Invitation,
  MarkNotificationsReadRequest,
  NotificationCount,
  NotificationFrame,
  NotificationLevel,
  NotificationPage,
  NotificationRecord,
  NotificationSettings,
  QuietHours,
  RoomId,
  RoomNotificationLevel,
  UserId,
} from './types';

// ---- state ----

export interface NotificationsState {
  /** Newest first; null until the first page came. */
  items: NotificationRecord[] | null;
  /** How many of all my notifications are unread (the server's count). */
  unread: number;
  /** Where the next older page starts; undefined when there is none. */
  nextBefore?: number;
  /** null until fetched. */
  settings: NotificationSettings | null;
  /**
   * Levels chosen on this device, or fetched when a room's details opened; newer than
   * the room list's (which a resumed connection does not fetch again).
   */
  levels: Record<RoomId, RoomNotificationLevel>;
}

export const emptyNotifications: NotificationsState = { items: null, unread: 0, settings: null, levels: {} };

/** Merges a page into the list by id, newest first. */
export function addPage(state: NotificationsState, page: NotificationPage, older: boolean): NotificationsState {
  const byId = new Map<number, NotificationRecord>();
  // A fresh first page replaces the list; an older page extends it.
  if (older) for (const n of state.items ?? []) byId.set(n.id, n);
  for (const n of page.notifications) byId.set(n.id, n);
  const items = [...byId.values()].sort((a, b) => b.id - a.id);
  const next: NotificationsState = { ...state, items, unread: older ? state.unread : page.unread_count };
  if (page.next_before !== undefined) next.nextBefore = page.next_before;
  else delete next.nextBefore;
  return next;
}

/** What a read frame (or my own marking) says was read. */
type ReadMark = Omit<Extract<NotificationFrame, { type: 'notifications_read' }>, 'type' | 'unread_count'>;

/** Whether a read frame (or my own marking) covers one notification. */
function covers(frame: ReadMark, n: NotificationRecord): boolean {
  if (frame.ids === undefined && frame.up_to === undefined && frame.room_id === undefined) return true;
  if (frame.ids?.includes(n.id)) return true;
  if (frame.up_to !== undefined && n.id <= frame.up_to) return true;
  return frame.room_id !== undefined && frame.seq !== undefined && n.room_id === frame.room_id && n.seq <= frame.seq;
}

/** Applies a live frame. */
export function applyFrame(state: NotificationsState, frame: NotificationFrame): NotificationsState {
  if (frame.type === 'notification') {
    const n = frame.notification;
    // Before the first page the list is unknown: only the count is kept (the page brings the rest).
    const items = state.items === null ? null : [n, ...state.items.filter((i) => i.id !== n.id)].sort((a, b) => b.id - a.id);
    return { ...state, items, unread: frame.unread_count };
  }
  return { ...markItems(state, frame), unread: frame.unread_count };
}

/** Marks the notifications a read frame (or my own marking) covers as read; the count is left alone. */
function markItems(state: NotificationsState, frame: ReadMark): NotificationsState {
  if (!state.items?.some((n) => !n.read && covers(frame, n))) return state;
  return { ...state, items: state.items.map((n) => (!n.read && covers(frame, n) ? { ...n, read: true } : n)) };
}

/**
 * Marks notifications read before the server answers, as `POST /notifications/read`
 * will: those of `ids`, every one up to `up_to`, or all. The count drops by the loaded
 * ones that were unread (the answer then brings the exact count).
 */
export function markRead(state: NotificationsState, request: MarkNotificationsReadRequest): NotificationsState {
  // The request may say `null` for a field it leaves out; the frame's form never does.
  const mark: ReadMark = { ids: request.ids ?? undefined, up_to: request.up_to ?? undefined };
  const newlyRead = (state.items ?? []).filter((n) => !n.read && covers(mark, n)).length;
  return { ...markItems(state, mark), unread: Math.max(0, state.unread - newlyRead) };
}

// ---- do not disturb ----

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** The weekday (0 = Monday) and minute of the day at `now` in `timeZone`. */
export function zonedTime(now: Date, timeZone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: WEEKDAYS.indexOf(part('weekday')), minute: Number(part('hour')) * 60 + Number(part('minute')) };
}

/** Whether quiet hours are in effect at `now`; a period past midnight belongs to the day it starts. */
export function inQuietHours(quiet: QuietHours, now: Date): boolean {
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  if (start === end) return false;
  const { day, minute } = zonedTime(now, quiet.time_zone);
  const days = quiet.days ?? [];
  const on = (d: number) => days.length === 0 || days.includes(d);
  if (start < end) return on(day) && minute >= start && minute < end;
  return (on(day) && minute >= start) || (on((day + 6) % 7) && minute < end);
}

/**
 * Whether do-not-disturb is in effect at `now`. Worked out here rather than taken
 * from `dnd_active`, which was true or false when the settings were fetched.
 */
export function dndActive(settings: NotificationSettings | null, now: number): boolean {
  if (!settings) return false;
  if (settings.dnd_until !== undefined && Date.parse(settings.dnd_until) > now) return true;
  if (!settings.quiet_hours) return false;
  try {
    return inQuietHours(settings.quiet_hours, new Date(now));
  } catch {
    // A time zone this browser does not know: the server's answer is the best there is.
    return settings.dnd_active ?? false;
  }
}

// ---- words ----

/** What a notification says happened, after the actor's name ("Bob mentioned you"). */
export function kindText(n: NotificationRecord, roomName: string): string {
  switch (n.kind) {
    case 'direct_message':
      return 'sent you a message';
    case 'message':
      return `wrote in ${roomName}`;
    case 'mention':
      return 'mentioned you';
    case 'room_mention':
      return `mentioned @room in ${roomName}`;
    case 'reply':
      return 'replied to you';
    case 'reaction':
      return n.emoji ? `reacted ${n.emoji} to your message` : 'reacted to your message';
    case 'added':
      return `added you to ${roomName}`;
    case 'removed':
      return `removed you from ${roomName}`;
    case 'role_changed':
      return n.role === 'admin' ? `made you an admin of ${roomName}` : n.role === 'owner' ? `made you the owner of ${roomName}` : `made you a member of ${roomName}`;
    case 'room_renamed':
      return `renamed a group to ${n.room_name ?? roomName}`;
    default:
      return 'did something';
  }
}

/** The names and words a notification is shown with, in the centre and in a pop-up. */
export function describeNotification(chat: S.State, n: NotificationRecord): { actor: string; room: string; group: boolean; text: string } {
  const actor = chat.users[n.actor_id]?.display_name ?? 'Someone';
  const room = chat.rooms[n.room_id];
  const group = room ? room.room.kind === 'group' : n.kind !== 'direct_message';
  const roomName = n.kind === 'room_renamed' ? (n.room_name ?? '') : room ? S.roomTitle(chat, room) : (n.room_name ?? 'a group');
  return { actor, room: roomName, group, text: kindText(n, roomName) };
}

/** The level a room has until I choose one: every message of a direct room, mentions in a group. */
export function defaultLevel(room: S.RoomState): NotificationLevel {
  return room.room.kind === 'direct' ? 'all' : 'mentions';
}

/** The room's level: what I chose on this device, else what the room list said, else the default. */
export function levelOf(state: NotificationsState, room: S.RoomState): NotificationLevel {
  return state.levels[room.room.id]?.level ?? room.notificationLevel ?? defaultLevel(room);
}

/**
 * Whether a notification pops up while the tab is hidden: a direct message or a
 * mention, and a group's ordinary message only where I chose to hear of all of
 * them. (A muted room sends no notification records at all: the server decides.)
 */
export function popsUp(kind: NotificationRecord['kind'], level: NotificationLevel): boolean {
  switch (kind) {
    case 'direct_message':
    case 'mention':
    case 'room_mention':
      return true;
    case 'message':
      return level === 'all';
    default:
      return false;
  }
}

/** A pop-up's title: the sender, and the group it was said in ("Alice Martin in Design"). */
export function popUpTitle(actor: string, room: string, group: boolean): string {
  return group && room ? `${actor} in ${room}` : actor;
}

// ---- the store ----

/** Shows a system notification; `url` is where clicking it goes. */
export type Notifier = (title: string, body: string, roomId: RoomId, url: string) => void;

export interface NotificationDeps {
  rest: Pick<Rest, 'get' | 'post' | 'call'>;
  timers: Pick<Timers, 'now'>;
  /** The chat's state: names of people and rooms, whom I blocked. */
  chat: () => S.State;
  resolveUsers: (ids: UserId[]) => Promise<void>;
  isHidden?: () => boolean;
  notify?: Notifier;
}

export class NotificationCenter {
  private state: NotificationsState = emptyNotifications;
  private readonly listeners = new Set<() => void>();
  /** Frames that arrived while the first page was being fetched. */
  private buffer: NotificationFrame[] | null = null;

  constructor(private readonly deps: NotificationDeps) {}

  getState = (): NotificationsState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(next: NotificationsState): void {
    if (next === this.state) return;
    this.state = next;
    for (const l of this.listeners) l();
  }

  /** Signed out: forget everything. */
  clear(): void {
    this.buffer = null;
    this.set(emptyNotifications);
  }

  /** After every `ready`: the first page, the settings; frames meanwhile are applied after. */
  async refresh(): Promise<void> {
    const buffer: NotificationFrame[] = [];
    this.buffer = buffer;
    let page: NotificationPage | null = null;
    let settings: NotificationSettings | null = null;
    try {
      [page, settings] = await Promise.all([
        this.deps.rest.get<NotificationPage>('/notifications?limit=50'),
        this.deps.rest.get<NotificationSettings>('/notifications/settings'),
      ]);
    } catch {
      // Not fetched (network, or a server without notifications): frames still count.
    }
    // A newer connection fetches its own (and its frames go to its buffer).
    if (this.buffer !== buffer) return;
    this.buffer = null;
    let next = this.state;
    if (page) next = addPage(next, page, false);
    if (settings) next = { ...next, settings };
    for (const frame of buffer) next = applyFrame(next, frame);
    this.set(next);
    if (page) void this.deps.resolveUsers(page.notifications.map((n) => n.actor_id));
  }

  /** Loads the next older page; false when there is none. */
  async loadMore(): Promise<boolean> {
    const before = this.state.nextBefore;
    if (before === undefined) return false;
    const page = await this.deps.rest.get<NotificationPage>(`/notifications?limit=50&before=${before}`);
    this.set(addPage(this.state, page, true));
    void this.deps.resolveUsers(page.notifications.map((n) => n.actor_id));
    return page.next_before !== undefined;
  }

  /** A `notification` or `notifications_read` frame. */
  onFrame(frame: NotificationFrame): void {
    if (frame.type === 'notification') void this.popUp(frame.notification);
    if (this.buffer) {
      this.buffer.push(frame);
      return;
    }
    this.set(applyFrame(this.state, frame));
  }

  /** Marks some notifications read (all of them without `ids`, up to the newest loaded one). */
  async markRead(ids?: number[]): Promise<void> {
    const newest = this.state.items?.[0]?.id;
    // Up to the newest loaded one: one that arrives meanwhile stays unread.
    const body: MarkNotificationsReadRequest = ids ? { ids } : newest !== undefined ? { up_to: newest } : {};
    this.set(markRead(this.state, body));
    const { unread_count } = await this.deps.rest.post<NotificationCount>('/notifications/read', body);
    this.set({ ...this.state, unread: unread_count });
  }

  /** Whether do-not-disturb is in effect now. */
  get dnd(): boolean {
    return dndActive(this.state.settings, this.deps.timers.now());
  }

  async saveSettings(settings: Omit<NotificationSettings, 'dnd_active'>): Promise<void> {
    const saved = await this.deps.rest.call<NotificationSettings>('PUT', '/notifications/settings', { ...settings, dnd_active: false });
    this.set({ ...this.state, settings: saved });
  }

  /**
   * Sets a room's level, shown at once (and back as it was if the server refuses);
   * `null` goes back to the room kind's default.
   */
  async setRoomLevel(roomId: RoomId, level: NotificationLevel | null): Promise<void> {
    const room = this.deps.chat().rooms[roomId];
    const before = this.state.levels[roomId];
    const shown = level ?? (room ? defaultLevel(room) : 'mentions');
    this.setLevel(roomId, { level: shown, default: level === null });
    const body: RoomNotificationLevel = level === null ? { level: shown, default: true } : { level, default: false };
    try {
      this.setLevel(roomId, await this.deps.rest.call<RoomNotificationLevel>('PUT', `/rooms/${roomId}/notification-level`, body));
    } catch (error) {
      this.setLevel(roomId, before);
      throw error;
    }
  }

  private setLevel(roomId: RoomId, level: RoomNotificationLevel | undefined): void {
    const levels = { ...this.state.levels };
    if (level) levels[roomId] = level;
    else delete levels[roomId];
    this.set({ ...this.state, levels });
  }

  /** Fetches a room's level (the details panel does when it opens: another device may have changed it). */
  async loadRoomLevel(roomId: RoomId): Promise<void> {
    this.setLevel(roomId, await this.deps.rest.get<RoomNotificationLevel>(`/rooms/${roomId}/notification-level`));
  }

  /** Tells the user of a new notification while the tab is hidden (and do-not-disturb is off). */
  private async popUp(n: NotificationRecord): Promise<void> {
    if (n.read || !this.deps.notify || !this.deps.isHidden?.() || this.dnd || S.isBlocked(this.deps.chat(), n.actor_id)) return;
    const known = this.deps.chat().rooms[n.room_id];
    if (!popsUp(n.kind, known ? levelOf(this.state, known) : n.kind === 'direct_message' ? 'all' : 'mentions')) return;
    await this.deps.resolveUsers([n.actor_id]);
    const chat = this.deps.chat();
    const { actor, room, group, text } = describeNotification(chat, n);
    // As the server's pushes say it: "Alice in Design", and the message's start.
    const title = popUpTitle(actor, room, group);
    const body = n.excerpt && n.kind !== 'reaction' ? n.excerpt : `${actor} ${text}`;
    this.deps.notify(title, body.slice(0, 140), n.room_id, `/rooms/${n.room_id}?seq=${n.seq}`);
  }

  /** Tells the user of a new invitation or message request while the tab is hidden. */
  async announceInvitation(invitation: Invitation): Promise<void> {
    await this.deps.resolveUsers([invitation.invited_by]);
    const chat = this.deps.chat();
    if (!this.deps.isHidden?.() || this.dnd || S.isBlocked(chat, invitation.invited_by)) return;
    const from = chat.users[invitation.invited_by]?.display_name ?? 'Someone';
    const url = `/rooms/${invitation.room.id}`;
    if (S.isMessageRequest(invitation)) this.deps.notify?.(`${from} wants to message you`, 'Accept the request to read their messages.', invitation.room.id, url);
    else this.deps.notify?.(`Invitation to ${invitation.room.name}`, `${from} invited you to the group.`, invitation.room.id, url);
  }
}
