import { describe, expect, it } from 'vitest';
import { addPage, applyFrame, dndActive, emptyNotifications, inQuietHours, NotificationCenter, popsUp, popUpTitle } from './notifications';
import { ChatClient } from './client';
import { Session } from './session';
import * as S from './state';
import { FakeSocket, FakeTimers, MemoryStorage, settle } from './testing';
import type { NotificationFrame, NotificationPage, NotificationRecord, Profile, RoomSummary, ServerFrame } from './types';

const bob: Profile = { id: 2, username: 'bob', display_name: 'Bob Stone', status_text: '', discoverable: true, created_at: '2026-11-25T09:00:00Z' };

function note(id: number, change: Partial<NotificationRecord> = {}): NotificationRecord {
  return { id, kind: 'mention', room_id: 5, seq: id * 10, event_id: 1000 + id, actor_id: 2, created_at: '2026-11-26T10:00:00Z', read: false, excerpt: `@alice look at ${id}`, ...change };
}

const group: RoomSummary = {
  room: { id: 5, kind: 'group', name: 'Design', topic: '', encrypted: false, created_by: 2, created_at: '2026-11-25T09:00:00Z', last_seq: 90, last_activity_at: '2026-11-25T09:00:00Z', member_count: 3 },
  my_role: 'member',
  unread_count: 0,
  mention_count: 0,
  read_seq: 0,
};

/** A centre against a fake server; `answers` holds what each path answers. */
function setup(options: { hidden?: boolean } = {}) {
  const timers = new FakeTimers();
  const calls: string[] = [];
  const popups: string[] = [];
  let chat = S.addUsers(S.setRooms(S.emptyState, [group]), [bob]);
  let page: NotificationPage = { notifications: [note(3), note(2, { read: true }), note(1)], unread_count: 2, next_before: 1 };
  let hold: Promise<void> | null = null;
  const answers: Record<string, unknown> = {
    '/notifications/settings': { reactions: false, dnd_active: false },
    '/notifications?limit=50&before=1': { notifications: [note(0, { kind: 'reply' })], unread_count: 2 },
  };
  const rest = {
    get: async <T,>(path: string): Promise<T> => {
      calls.push(`GET ${path}`);
      if (path === '/notifications?limit=50') {
        const answer = page;
        if (hold) await hold;
        return answer as T;
      }
      return answers[path] as T;
    },
    post: async <T,>(path: string, body?: unknown): Promise<T> => {
      calls.push(`POST ${path} ${JSON.stringify(body)}`);
      return { unread_count: 0 } as T;
    },
    call: async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
      calls.push(`${method} ${path} ${JSON.stringify(body)}`);
      return body as T;
    },
  };
  const center = new NotificationCenter({
    rest,
    timers,
    chat: () => chat,
    resolveUsers: async () => undefined,
    isHidden: () => options.hidden ?? false,
    notify: (title, body, roomId, url) => popups.push(`${roomId} ${title}: ${body} -> ${url}`),
  });
  return {
    center,
    calls,
    popups,
    timers,
    setPage: (p: NotificationPage) => (page = p),
    holdPage: () => {
      let release = () => undefined as void;
      hold = new Promise<void>((r) => (release = r));
      return () => {
        hold = null;
        release();
      };
    },
    setChat: (change: (state: S.State) => S.State) => (chat = change(chat)),
  };
}

const ids = (center: NotificationCenter) => center.getState().items?.map((n) => `${n.id}${n.read ? '' : '*'}`);

describe('the notification list', () => {
  it('takes the first page with the unread count, then older pages, newest first and without duplicates', async () => {
    const t = setup();
    await t.center.refresh();
    expect(ids(t.center)).toEqual(['3*', '2', '1*']);
    expect(t.center.getState().unread).toBe(2);
    expect(t.center.getState().settings).toEqual({ reactions: false, dnd_active: false });
    expect(await t.center.loadMore()).toBe(false);
    expect(ids(t.center)).toEqual(['3*', '2', '1*', '0*']);
    expect(t.center.getState().nextBefore).toBeUndefined();
    expect(await t.center.loadMore()).toBe(false);
    expect(t.calls.filter((c) => c.startsWith('GET /notifications?'))).toHaveLength(2);
  });

  it('adds live notifications and takes their unread count', async () => {
    const t = setup();
    await t.center.refresh();
    t.center.onFrame({ type: 'notification', notification: note(4, { kind: 'reply' }), unread_count: 3 });
    // The same one again (a second connection, say) is not listed twice.
    t.center.onFrame({ type: 'notification', notification: note(4, { kind: 'reply' }), unread_count: 3 });
    expect(ids(t.center)).toEqual(['4*', '3*', '2', '1*']);
    expect(t.center.getState().unread).toBe(3);
  });

  it('applies read frames by ids, up to an id, and by a room read marker', async () => {
    const t = setup();
    t.setPage({ notifications: [note(4), note(3, { room_id: 6, seq: 7 }), note(2, { seq: 12 }), note(1, { seq: 11 })], unread_count: 9 });
    await t.center.refresh();
    t.center.onFrame({ type: 'notifications_read', ids: [4], unread_count: 8 });
    expect(ids(t.center)).toEqual(['4', '3*', '2*', '1*']);
    expect(t.center.getState().unread).toBe(8);
    // My read marker in room 5 moved to seq 11: only room 5's notifications up to it.
    t.center.onFrame({ type: 'notifications_read', room_id: 5, seq: 11, unread_count: 7 });
    expect(ids(t.center)).toEqual(['4', '3*', '2*', '1']);
    t.center.onFrame({ type: 'notifications_read', up_to: 3, unread_count: 5 });
    expect(ids(t.center)).toEqual(['4', '3', '2', '1']);
    expect(t.center.getState().unread).toBe(5);
  });

  it('applies frames that arrive while the first page is on its way after it, in order', async () => {
    const t = setup();
    const release = t.holdPage();
    const refreshed = t.center.refresh();
    await settle();
    t.center.onFrame({ type: 'notification', notification: note(4), unread_count: 3 });
    t.center.onFrame({ type: 'notifications_read', ids: [3], unread_count: 2 });
    expect(t.center.getState().items).toBeNull();
    release();
    await refreshed;
    expect(ids(t.center)).toEqual(['4*', '3', '2', '1*']);
    expect(t.center.getState().unread).toBe(2);
  });

  it('keeps only the count of a frame that comes before any page', () => {
    const state = applyFrame(emptyNotifications, { type: 'notification', notification: note(1), unread_count: 4 });
    expect(state.items).toBeNull();
    expect(state.unread).toBe(4);
  });

  it('marks read at once, then takes the server count; all means up to the newest loaded', async () => {
    const t = setup();
    await t.center.refresh();
    const marking = t.center.markRead([3]);
    expect(ids(t.center)).toEqual(['3', '2', '1*']);
    expect(t.center.getState().unread).toBe(1);
    await marking;
    expect(t.calls.at(-1)).toBe('POST /notifications/read {"ids":[3]}');
    await t.center.markRead();
    expect(t.calls.at(-1)).toBe('POST /notifications/read {"up_to":3}');
    expect(ids(t.center)).toEqual(['3', '2', '1']);
    expect(t.center.getState().unread).toBe(0);
  });

  it('forgets everything at sign-out', async () => {
    const t = setup();
    await t.center.refresh();
    t.center.clear();
    expect(t.center.getState()).toBe(emptyNotifications);
  });

  it('replaces the list with each fresh first page', () => {
    const first = addPage(emptyNotifications, { notifications: [note(2), note(1)], unread_count: 2, next_before: 1 }, false);
    const again = addPage(first, { notifications: [note(3)], unread_count: 1 }, false);
    expect(again.items?.map((n) => n.id)).toEqual([3]);
    expect(again.nextBefore).toBeUndefined();
  });
});

describe('pop-ups', () => {
  it('shows a mention while the tab is hidden, with the room name in the title; not a reaction or a group message', async () => {
    const t = setup({ hidden: true });
    await t.center.refresh();
    t.center.onFrame({ type: 'notification', notification: note(4, { excerpt: '@alice can you look?' }), unread_count: 3 });
    t.center.onFrame({ type: 'notification', notification: note(5, { kind: 'reaction', emoji: '🎉' }), unread_count: 4 });
    t.center.onFrame({ type: 'notification', notification: note(6, { kind: 'message', excerpt: 'lunch?' }), unread_count: 5 });
    t.center.onFrame({ type: 'notification', notification: note(7, { kind: 'reply', excerpt: 'agreed' }), unread_count: 6 });
    await settle();
    expect(t.popups).toEqual(['5 Bob Stone in Design: @alice can you look? -> /rooms/5?seq=40']);
  });

  it('decides by kind and the room’s level: direct messages and mentions, group messages only at “all”', () => {
    expect(popsUp('direct_message', 'all')).toBe(true);
    expect(popsUp('mention', 'mentions')).toBe(true);
    expect(popsUp('room_mention', 'mentions')).toBe(true);
    expect(popsUp('message', 'mentions')).toBe(false);
    expect(popsUp('message', 'all')).toBe(true);
    for (const kind of ['reply', 'reaction', 'added', 'removed', 'role_changed', 'room_renamed'] as const) expect(popsUp(kind, 'all')).toBe(false);
    expect(popsUp('message', 'nothing')).toBe(false);
    expect(popUpTitle('Bob Stone', 'Design', true)).toBe('Bob Stone in Design');
    expect(popUpTitle('Bob Stone', 'Bob Stone', false)).toBe('Bob Stone');
  });

  it('shows none while the tab is visible, for a read one, from someone I blocked, or during do-not-disturb', async () => {
    const visible = setup();
    await visible.center.refresh();
    visible.center.onFrame({ type: 'notification', notification: note(4), unread_count: 3 });
    await settle();
    expect(visible.popups).toEqual([]);

    const t = setup({ hidden: true });
    await t.center.refresh();
    t.center.onFrame({ type: 'notification', notification: note(4, { read: true }), unread_count: 2 });
    t.setChat((s) => S.block(s, 2, '2026-11-26T10:00:00Z'));
    t.center.onFrame({ type: 'notification', notification: note(5), unread_count: 3 });
    await settle();
    t.setChat((s) => S.unblock(s, 2));
    await t.center.saveSettings({ dnd_until: new Date(t.timers.now() + 3_600_000).toISOString(), reactions: false });
    t.center.onFrame({ type: 'notification', notification: note(6), unread_count: 4 });
    await settle();
    expect(t.popups).toEqual([]);
    // An hour later do-not-disturb is over.
    t.timers.time += 3_600_001;
    t.center.onFrame({ type: 'notification', notification: note(7), unread_count: 5 });
    await settle();
    expect(t.popups).toHaveLength(1);
  });
});

describe('do not disturb', () => {
  // 2026-11-26 is a Thursday (3); 22:30 UTC is 23:30 in Berlin.
  const thursdayNight = Date.parse('2026-11-26T22:30:00Z');

  it('is on until dnd_until', () => {
    expect(dndActive({ dnd_until: '2026-11-26T23:00:00Z', reactions: false, dnd_active: false }, thursdayNight)).toBe(true);
    expect(dndActive({ dnd_until: '2026-11-26T22:00:00Z', reactions: false, dnd_active: true }, thursdayNight)).toBe(false);
    expect(dndActive(null, thursdayNight)).toBe(false);
  });

  it('follows quiet hours in their time zone, past midnight too, on the days they start', () => {
    const night = { start: '22:00', end: '07:00', time_zone: 'Europe/Berlin', days: [] };
    expect(inQuietHours(night, new Date(thursdayNight))).toBe(true);
    expect(inQuietHours({ ...night, time_zone: 'America/New_York' }, new Date(thursdayNight))).toBe(false);
    // Friday 06:30 in Berlin belongs to Thursday night's period.
    const fridayMorning = new Date('2026-11-27T05:30:00Z');
    expect(inQuietHours({ ...night, days: [3] }, fridayMorning)).toBe(true);
    expect(inQuietHours({ ...night, days: [4] }, fridayMorning)).toBe(false);
    const workday = { start: '09:00', end: '17:00', time_zone: 'UTC', days: [0, 1, 2, 3, 4] };
    expect(inQuietHours(workday, new Date('2026-11-26T12:00:00Z'))).toBe(true);
    expect(inQuietHours(workday, new Date('2026-11-28T12:00:00Z'))).toBe(false);
    expect(inQuietHours(workday, new Date('2026-11-26T17:00:00Z'))).toBe(false);
  });

  it('falls back to the server when the time zone is unknown here', () => {
    const quiet_hours = { start: '22:00', end: '07:00', time_zone: 'Nowhere/Atlantis', days: [] };
    expect(dndActive({ quiet_hours, reactions: false, dnd_active: true }, thursdayNight)).toBe(true);
  });
});

describe('room levels', () => {
  it('sets a level at once and goes back to the default', async () => {
    const t = setup();
    const saving = t.center.setRoomLevel(5, 'nothing');
    expect(t.center.getState().levels[5]).toEqual({ level: 'nothing', default: false });
    await saving;
    expect(t.calls.at(-1)).toBe('PUT /rooms/5/notification-level {"level":"nothing","default":false}');
    await t.center.setRoomLevel(5, null);
    expect(t.calls.at(-1)).toBe('PUT /rooms/5/notification-level {"level":"mentions","default":true}');
    expect(t.center.getState().levels[5]).toEqual({ level: 'mentions', default: true });
  });

  it('shows the level as it was when the server refuses', async () => {
    const refusing = new NotificationCenter({
      rest: { get: async () => Promise.reject(new Error('no')), post: async () => Promise.reject(new Error('no')), call: async () => Promise.reject(new Error('offline')) },
      timers: new FakeTimers(),
      chat: () => S.setRooms(S.emptyState, [group]),
      resolveUsers: async () => undefined,
    });
    await expect(refusing.setRoomLevel(5, 'all')).rejects.toThrow('offline');
    expect(refusing.getState().levels).toEqual({});
  });
});

describe('the session', () => {
  it('hands notification frames to the centre and skips unknown ones', () => {
    const frames: NotificationFrame[] = [];
    const sockets: FakeSocket[] = [];
    const session = new Session(
      'ws://test',
      (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      {
        token: () => 'access',
        onReady: () => undefined,
        onEvent: () => undefined,
        onResync: () => undefined,
        onTyping: () => undefined,
        onPresence: () => undefined,
        onInvitation: () => undefined,
        onNotification: (frame) => frames.push(frame),
        onIncompatible: () => undefined,
        onStatus: () => undefined,
        onAuthFailed: async () => false,
      },
      new FakeTimers(),
    );
    session.start();
    sockets[0]!.open();
    sockets[0]!.receive({ type: 'ready', user_id: 1, session_id: 1, protocol: 2, cursor: 1 });
    const live = { type: 'notification', notification: note(1), unread_count: 1 };
    const read = { type: 'notifications_read', room_id: 5, seq: 10, unread_count: 0 };
    for (const frame of [live, { type: 'from_the_future' }, read]) sockets[0]!.receive(frame as unknown as ServerFrame);
    expect(frames).toEqual([live, read]);
  });
});

describe('ChatClient and notifications', () => {
  /** A client signed in as Alice (1), in the group Design with Bob, its tab hidden. */
  async function connected() {
    const timers = new FakeTimers();
    const storage = new MemoryStorage();
    const me: Profile = { ...bob, id: 1, username: 'alice', display_name: 'Alice' };
    const expires = (ms: number) => new Date(timers.time + ms).toISOString();
    storage.setItem('confab.session', JSON.stringify({ tokens: { session_id: 7, access_token: 'a', access_token_expires_at: expires(900_000), refresh_token: 'r', refresh_token_expires_at: expires(86_400_000) }, user: me }));
    const calls: string[] = [];
    const answers: Record<string, unknown> = {
      '/rooms': { rooms: [{ ...group, notification_level: 'nothing' }] },
      '/users/me': me,
      '/invitations': { invitations: [] },
      '/blocks': { blocked: [] },
      '/notifications?limit=50': { notifications: [note(1)], unread_count: 1 },
      '/notifications/settings': { reactions: false, dnd_active: false },
    };
    const fetch = async (url: string): Promise<Response> => {
      const path = url.replace('/api/v1', '');
      calls.push(path);
      const body = answers[path] ?? (path.startsWith('/users?ids=') ? { users: [bob] } : path.startsWith('/presence') ? { users: [] } : undefined);
      return body === undefined ? new Response(JSON.stringify({ error: { code: 'not_found', message: 'no' } }), { status: 404 }) : new Response(JSON.stringify(body), { status: 200 });
    };
    const sockets: FakeSocket[] = [];
    const popups: string[] = [];
    const client = new ChatClient({
      fetch,
      openSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      socketUrl: 'ws://test/api/v1/ws',
      storage,
      timers,
      random: () => 0.5,
      newId: () => 'id',
      isHidden: () => true,
      notify: (title, body) => popups.push(`${title}: ${body}`),
    });
    client.start();
    await settle();
    sockets[0]!.open();
    sockets[0]!.receive({ type: 'ready', user_id: 1, session_id: 7, protocol: 2, cursor: 100 });
    await settle();
    return { client, socket: () => sockets.at(-1)!, popups, calls, timers };
  }

  it('pops up notification records only, never every group message, and keeps the room list level', async () => {
    const t = await connected();
    expect(t.client.notifications.getState().unread).toBe(1);
    expect(t.client.getState().rooms[5]?.notificationLevel).toBe('nothing');
    t.socket().receive({ type: 'event', event: { id: 101, room_id: 5, seq: 91, sender_id: 2, created_at: '2026-11-26T10:00:00Z', content: { type: 'message', client_id: 'x', body: { type: 'text', text: 'lunch?' } } } });
    await settle();
    expect(t.popups).toEqual([]);
    t.socket().receive({ type: 'notification', notification: note(2, { seq: 92, excerpt: '@alice the colours?' }), unread_count: 2 } as unknown as ServerFrame);
    await settle();
    expect(t.popups).toEqual(['Bob Stone in Design: @alice the colours?']);
    expect(t.client.notifications.getState().unread).toBe(2);
  });

  it('fetches the list again after every ready, resumed too, since the frames are not replayed', async () => {
    const t = await connected();
    const fetches = () => t.calls.filter((c) => c === '/notifications?limit=50').length;
    expect(fetches()).toBe(1);
    t.socket().drop(1006);
    t.timers.advance(5_000);
    t.socket().open();
    t.socket().receive({ type: 'ready', user_id: 1, session_id: 7, protocol: 2, cursor: 100 });
    await settle();
    expect(fetches()).toBe(2);
  });
});
