import { describe, expect, it } from 'vitest';
import { ChatClient } from './client';
import { FakeSocket, FakeTimers, MemoryStorage, settle } from './testing';
import type { AuthTokens, BlockedUser, Invitation, Profile, RoomEvent, RoomSummary } from './types';

const me: Profile = { id: 1, username: 'alice', display_name: 'Alice', status_text: '', discoverable: true, created_at: '2026-11-25T09:00:00Z' };
const hidden: Profile = { id: 3, username: 'hidden', display_name: 'Hidden', status_text: '', discoverable: false, created_at: '2026-11-25T09:00:00Z' };
const bob: Profile = { id: 2, username: 'bob', display_name: 'Bob', status_text: '', discoverable: true, created_at: '2026-11-25T09:00:00Z' };

function tokens(n: number, expiresAt: number): AuthTokens {
  return {
    session_id: 7,
    access_token: `access-${n}`,
    access_token_expires_at: new Date(expiresAt).toISOString(),
    refresh_token: `cfr_${n}`,
    refresh_token_expires_at: new Date(expiresAt + 86_400_000).toISOString(),
  };
}

function summary(lastSeq: number, unread: number): RoomSummary {
  return {
    room: { id: 9, kind: 'direct', name: '', topic: '', encrypted: false, created_by: 1, created_at: '2026-11-25T09:00:00Z', last_seq: lastSeq, last_activity_at: '2026-11-25T09:00:00Z', member_count: 2 },
    my_role: 'member',
    peer: 2,
    unread_count: unread,
    mention_count: 0,
    read_seq: 3,
  };
}

function message(id: number, seq: number, sender: number, clientId = `c${id}`): RoomEvent {
  return { id, room_id: 9, seq, sender_id: sender, created_at: '2026-11-25T10:00:00Z', content: { type: 'message', client_id: clientId, body: { type: 'text', text: `m${seq}` } } };
}

/** A client signed in against a fake server; the test drives its socket. */
function setup(options: { rooms?: RoomSummary[]; hidden?: boolean } = {}) {
  const timers = new FakeTimers();
  const storage = new MemoryStorage();
  storage.setItem('confab.session', JSON.stringify({ tokens: tokens(1, timers.time + 15 * 60_000), user: me }));
  const sockets: FakeSocket[] = [];
  const calls: string[] = [];
  let rooms = options.rooms ?? [summary(3, 0)];
  let releaseRooms: (() => void) | null = null;
  let holdRooms = false;
  let refreshes = 0;
  let invitations: Invitation[] = [];
  let blocked: BlockedUser[] = [];
  let releaseInvitations: (() => void) | null = null;
  let holdInvitations = false;
  const fetch = async (url: string, init?: RequestInit): Promise<Response> => {
    const method = init?.method ?? 'GET';
    const path = url.replace('/api/v1', '');
    calls.push(`${method} ${path}`);
    const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
    if (path === '/rooms' && method === 'GET') {
      if (holdRooms) await new Promise<void>((r) => (releaseRooms = r));
      return json({ rooms });
    }
    const one = /^\/rooms\/(\d+)$/.exec(path);
    if (one && method === 'GET') {
      const entry = rooms.find((r) => r.room.id === Number(one[1]));
      return entry ? json(entry) : json({ error: { code: 'forbidden', message: 'not a member' } }, 403);
    }
    if (path === '/invitations') {
      const answer = invitations;
      if (holdInvitations) await new Promise<void>((r) => (releaseInvitations = r));
      return json({ invitations: answer });
    }
    if (path === '/blocks') return json({ blocked });
    const accept = /^\/invitations\/(\d+)\/accept$/.exec(path);
    if (accept) {
      const entry = invitations.find((i) => i.room.id === Number(accept[1]));
      if (!entry) return json({ error: { code: 'not_found', message: 'no invitation' } }, 404);
      invitations = invitations.filter((i) => i !== entry);
      const joined: RoomSummary = { room: { ...entry.room, member_count: entry.room.member_count + 1 }, my_role: 'member', peer: entry.room.kind === 'direct' ? entry.invited_by : undefined, unread_count: 1, mention_count: 0, read_seq: 0 };
      rooms = [...rooms, joined];
      return json(joined);
    }
    if (/^\/invitations\/\d+\/decline$/.test(path)) return new Response(null, { status: 204 });
    if (path.startsWith('/blocks/')) return new Response(null, { status: 204 });
    // Changes to messages go over the socket; over REST, the network is down.
    if (/^\/rooms\/\d+\/messages\/\d+/.test(path) && method !== 'GET') throw new TypeError('Failed to fetch');
    if (path === '/users/me') return json(me);
    if (path.startsWith('/users?ids=')) return json({ users: [me, bob].filter((u) => path.includes(String(u.id))) });
    if (path.startsWith('/users?prefix=')) return json({ users: path.startsWith('/users?prefix=hidden') ? [] : [me, bob] });
    if (path === '/users/hidden') return json(hidden);
    if (path.startsWith('/presence')) return json({ users: [] });
    if (path === '/auth/refresh') {
      refreshes += 1;
      await Promise.resolve();
      return json(tokens(refreshes + 1, timers.time + 15 * 60_000));
    }
    return json({ error: { code: 'not_found', message: 'no such resource' } }, 404);
  };
  let ids = 0;
  const notified: string[] = [];
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
    newId: () => `cid-${++ids}`,
    isHidden: () => options.hidden ?? false,
    notify: (title, body, roomId) => notified.push(`${roomId}: ${title} / ${body}`),
  });
  return {
    client,
    sockets,
    timers,
    storage,
    calls,
    setRooms: (r: RoomSummary[]) => (rooms = r),
    setInvitations: (i: Invitation[]) => (invitations = i),
    setBlocked: (b: BlockedUser[]) => (blocked = b),
    holdInvitations: () => (holdInvitations = true),
    releaseInvitations: () => {
      holdInvitations = false;
      releaseInvitations?.();
    },
    hold: () => (holdRooms = true),
    release: () => {
      holdRooms = false;
      releaseRooms?.();
    },
    refreshes: () => refreshes,
    notified,
    socket: () => sockets.at(-1)!,
  };
}

/** Moves time forward like a live server would: every ping gets its pong. */
function keepAlive(t: ReturnType<typeof setup>, ms: number) {
  for (let left = ms; left > 0; left -= 5_000) {
    t.timers.advance(Math.min(5_000, left));
    const ping = t.socket().last('ping');
    if (ping && !answered.has(ping.id)) {
      answered.add(ping.id);
      t.socket().receive({ type: 'pong', id: ping.id });
    }
  }
}
const answered = new Set<string>();

async function connect(t: ReturnType<typeof setup>, cursor = 100) {
  t.socket().open();
  t.socket().receive({ type: 'ready', user_id: 1, session_id: 7, protocol: 2, cursor });
  await settle();
}

describe('ChatClient: fresh start, resume and dedupe', () => {
  it('buffers events during the REST sync, applies each once, and resumes after the last', async () => {
    const t = setup();
    t.client.start();
    t.hold();
    t.socket().open();
    t.socket().receive({ type: 'ready', user_id: 1, session_id: 7, protocol: 2, cursor: 100 });
    await settle();
    // Arrives while /rooms is still loading: already in the REST answer below.
    t.socket().receive({ type: 'event', event: message(101, 4, 2) });
    t.socket().receive({ type: 'event', event: message(102, 5, 2) });
    t.setRooms([summary(4, 1)]);
    t.release();
    await settle();
    const room = t.client.getState().rooms[9]!;
    expect(room.unread).toBe(2); // 1 from REST (seq 4) + seq 5; seq 4 not counted twice
    expect(room.room.last_seq).toBe(5);
    expect(t.client.cursor).toBe(102);
    expect(t.client.getState().connection).toBe('online');

    // The same event again (a replay overlapping what was applied) changes nothing.
    t.socket().receive({ type: 'event', event: message(102, 5, 2) });
    expect(t.client.getState().rooms[9]!.unread).toBe(2);

    t.socket().drop(1006);
    t.timers.advance(1_000);
    t.socket().open();
    expect(t.socket().sent[0]).toEqual({ type: 'hello', token: 'access-1', since: 102 });
  });

  it('does not resume from a cursor whose sync did not finish', async () => {
    const t = setup();
    t.client.start();
    t.hold();
    await connect(t);
    t.socket().drop(1006);
    t.release();
    await settle();
    t.timers.advance(5_000);
    t.socket().open();
    expect(t.socket().sent[0]).toEqual({ type: 'hello', token: 'access-1' });
  });

  it('fetches the rooms again after resync_required', async () => {
    const t = setup();
    t.client.start();
    await connect(t);
    const before = t.calls.filter((c) => c === 'GET /rooms').length;
    t.setRooms([summary(30, 12)]);
    t.socket().receive({ type: 'resync_required', cursor: 5000 });
    await settle();
    expect(t.calls.filter((c) => c === 'GET /rooms').length).toBe(before + 1);
    expect(t.client.getState().rooms[9]!.unread).toBe(12);
    expect(t.client.cursor).toBe(5000);
  });

  it('loads a room I was added to with one request for that room', async () => {
    const t = setup();
    t.client.start();
    await connect(t);
    const group: RoomSummary = { ...summary(2, 0), room: { ...summary(2, 0).room, id: 12, kind: 'group', name: 'Ops' }, peer: undefined };
    t.setRooms([summary(3, 0), group]);
    const listed = t.calls.filter((c) => c === 'GET /rooms').length;
    t.socket().receive({
      type: 'event',
      event: { id: 101, room_id: 12, seq: 2, sender_id: 2, created_at: '2026-11-25T10:00:00Z', content: { type: 'member_added', user_id: 1, role: 'member' } },
    });
    await settle();
    expect(t.calls).toContain('GET /rooms/12');
    expect(t.calls.filter((c) => c === 'GET /rooms').length).toBe(listed);
    expect(t.client.getState().rooms[12]!.room.name).toBe('Ops');
  });

  it('acknowledges delivery of messages from others', async () => {
    const t = setup();
    t.client.start();
    await connect(t);
    t.socket().receive({ type: 'event', event: message(101, 4, 2) });
    t.socket().receive({ type: 'event', event: message(102, 5, 2) });
    t.timers.advance(300);
    expect(t.socket().last('delivered')).toMatchObject({ room_id: 9, seq: 5 });
  });
});

describe('ChatClient: the outbox', () => {
  it('keeps a message written offline as pending, then sends it with its client_id once connected', async () => {
    const t = setup();
    t.client.start();
    t.client.sendMessage(9, 'hello');
    expect(t.client.getState().pending).toMatchObject([{ clientId: 'cid-1', status: 'sending', roomId: 9 }]);
    expect(t.storage.getItem('confab.outbox.1')).toContain('cid-1');

    await connect(t);
    expect(t.socket().last('send')).toMatchObject({ room_id: 9, client_id: 'cid-1', body: { type: 'text', text: 'hello' } });

    // The socket drops before the reply: the same client_id goes again on the next one.
    t.socket().drop(1006);
    await settle();
    expect(t.client.getState().pending).toHaveLength(1);
    t.timers.advance(1_000);
    await connect(t);
    expect(t.socket().last('send')).toMatchObject({ client_id: 'cid-1' });

    const id = t.socket().last('send')!.id;
    t.socket().receive({ type: 'ok', id, event: message(103, 4, 1, 'cid-1') });
    t.socket().receive({ type: 'event', event: message(103, 4, 1, 'cid-1') });
    await settle();
    expect(t.client.getState().pending).toEqual([]);
    expect(t.storage.getItem('confab.outbox.1')).toBeNull();
  });

  it('marks a refused message as failed, and retries it with the same client_id', async () => {
    const t = setup();
    t.client.start();
    await connect(t);
    t.client.sendMessage(9, 'too long');
    const first = t.socket().last('send')!;
    t.socket().receive({ type: 'error', id: first.id, code: 'invalid_input', message: 'the message is too long' });
    await settle();
    expect(t.client.getState().pending).toMatchObject([{ status: 'failed', error: 'the message is too long' }]);

    t.client.retry('cid-1');
    expect(t.client.getState().pending[0]!.status).toBe('sending');
    const again = t.socket().last('send')!;
    expect(again.id).not.toBe(first.id);
    expect(again.client_id).toBe('cid-1');
  });

  it('waits and sends again when rate limited', async () => {
    const t = setup();
    t.client.start();
    await connect(t);
    t.client.sendMessage(9, 'hi');
    const first = t.socket().last('send')!;
    t.socket().receive({ type: 'error', id: first.id, code: 'rate_limited', message: 'slow down' });
    await settle();
    expect(t.client.getState().pending[0]!.status).toBe('sending');
    t.timers.advance(1_000);
    expect(t.socket().sent.filter((f) => f.type === 'send')).toHaveLength(2);
  });
});

describe('ChatClient: tokens', () => {
  it('refreshes before the access token expires and hands the new one to the open socket', async () => {
    const t = setup();
    t.client.start();
    await connect(t);
    keepAlive(t, 13 * 60_000);
    expect(t.refreshes()).toBe(0);
    keepAlive(t, 60_000);
    await settle();
    expect(t.refreshes()).toBe(1);
    expect(t.socket().last('refresh')).toMatchObject({ token: 'access-2' });
    // The next hello uses the new token too.
    t.socket().drop(1001);
    t.timers.advance(1_000);
    t.socket().open();
    expect(t.socket().sent[0]).toMatchObject({ type: 'hello', token: 'access-2' });
  });

  it('exchanges a refresh token once, however many callers ask at the same time', async () => {
    const t = setup();
    await Promise.all([t.client.tokens.refresh(), t.client.tokens.refresh(), t.client.tokens.refresh()]);
    expect(t.refreshes()).toBe(1);
    await t.client.tokens.refresh();
    expect(t.refreshes()).toBe(2);
    expect(t.calls.filter((c) => c === 'POST /auth/refresh')).toHaveLength(2);
  });

  it('after a reload, refreshes with the cookie before it connects', async () => {
    const t = setup();
    t.storage.setItem('confab.session', JSON.stringify({ user: me }));
    const reloaded = new ChatClient({
      fetch: (url, init) => t.client['deps'].fetch(url, init),
      openSocket: t.client['deps'].openSocket,
      socketUrl: 'ws://test/api/v1/ws',
      storage: t.storage,
      timers: t.timers,
      random: () => 0.5,
      newId: () => 'cid-x',
    });
    const before = t.sockets.length;
    reloaded.start();
    await settle();
    expect(t.refreshes()).toBe(1);
    expect(reloaded.tokens.accessToken).toBe('access-2');
    expect(t.sockets.length).toBe(before + 1);
  });
});

describe('ChatClient: signing out', () => {
  it('forgets the session and every unsent message kept in this browser, but not the theme', async () => {
    const t = setup();
    t.storage.setItem('confab.outbox.1', JSON.stringify([{ clientId: 'c1', text: 'confidential draft written offline' }]));
    t.storage.setItem('confab.outbox.9', '[]');
    t.storage.setItem('confab.theme', 'dark');
    t.client.start();
    await t.client.signOut();
    expect([...t.storage.items.keys()]).toEqual(['confab.theme']);
    expect(t.client.signedIn).toBe(false);
  });
});

describe('ChatClient: finding people', () => {
  it('adds an exact-username match that the prefix search does not list', async () => {
    const t = setup();
    expect((await t.client.searchUsers('hidden')).map((u) => u.username)).toEqual(['hidden']);
    expect(t.calls).toContain('GET /users/hidden');
    expect(t.client.getState().users[3]?.display_name).toBe('Hidden');
  });

  it('looks up nothing more when the prefix search has the exact name, and ignores an unknown name', async () => {
    const t = setup();
    expect((await t.client.searchUsers('bob')).map((u) => u.username)).toEqual(['alice', 'bob']);
    expect(t.calls.filter((c) => c.startsWith('GET /users/'))).toEqual([]);
    expect((await t.client.searchUsers('al')).map((u) => u.username)).toEqual(['alice', 'bob']);
    expect(t.calls).toContain('GET /users/al');
  });
});

function invitation(roomId: number, from: number, kind: 'group' | 'direct' = 'group'): Invitation {
  return {
    room: { id: roomId, kind, name: kind === 'group' ? 'Ops' : '', topic: '', encrypted: false, created_by: from, created_at: '2026-11-25T09:00:00Z', last_seq: 2, last_activity_at: '2026-11-25T09:00:00Z', member_count: 1 },
    invited_by: from,
    invited_at: `2026-11-25T09:${String(roomId).padStart(2, '0')}:00Z`,
  };
}

describe('ChatClient: invitations', () => {
  it('fetches my invitations and blocks after every ready, fresh or resumed', async () => {
    const t = setup();
    t.setInvitations([invitation(20, 2)]);
    t.setBlocked([{ user_id: 5, blocked_at: '2026-11-25T09:00:00Z' }]);
    t.client.start();
    await connect(t);
    expect(t.client.getState().invitations!.map((i) => i.room.id)).toEqual([20]);
    expect(t.client.getState().blocked).toEqual({ 5: '2026-11-25T09:00:00Z' });

    // Answered elsewhere while this socket was down: the resumed ready refetches.
    t.setInvitations([invitation(21, 2, 'direct')]);
    t.socket().drop(1006);
    t.timers.advance(1_000);
    await connect(t);
    expect(t.socket().sent[0]).toMatchObject({ type: 'hello', since: 100 });
    expect(t.calls.filter((c) => c === 'GET /invitations')).toHaveLength(2);
    expect(t.client.getState().invitations!.map((i) => i.room.id)).toEqual([21]);
  });

  it('keeps the list live from the frames', async () => {
    const t = setup();
    t.client.start();
    await connect(t);
    t.socket().receive({ type: 'invitation_received', invitation: invitation(30, 2, 'direct') });
    t.socket().receive({ type: 'invitation_received', invitation: invitation(31, 2) });
    expect(t.client.getState().invitations!.map((i) => i.room.id)).toEqual([31, 30]);
    t.socket().receive({ type: 'invitation_ended', room_id: 30 });
    expect(t.client.getState().invitations!.map((i) => i.room.id)).toEqual([31]);
  });

  it('applies frames that arrive during the fetch after its answer, in order', async () => {
    const t = setup();
    // The answer was read before 40 ended and before 41 arrived.
    t.setInvitations([invitation(40, 2)]);
    t.holdInvitations();
    t.client.start();
    await connect(t);
    t.socket().receive({ type: 'invitation_ended', room_id: 40 });
    t.socket().receive({ type: 'invitation_received', invitation: invitation(41, 2) });
    expect(t.client.getState().invitations).toBeNull();
    t.releaseInvitations();
    await settle();
    expect(t.client.getState().invitations!.map((i) => i.room.id)).toEqual([41]);
  });

  it('accepting lists the room at once and forgets the invitation; declining forgets it', async () => {
    const t = setup();
    t.setInvitations([invitation(50, 2, 'direct'), invitation(51, 2)]);
    t.client.start();
    await connect(t);
    expect(await t.client.acceptInvitation(50)).toBe(50);
    expect(t.calls).toContain('POST /invitations/50/accept');
    expect(t.client.getState().rooms[50]).toMatchObject({ peer: 2, room: { member_count: 2 } });
    expect(t.client.getState().invitations!.map((i) => i.room.id)).toEqual([51]);
    await t.client.declineInvitation(51);
    expect(t.calls).toContain('POST /invitations/51/decline');
    expect(t.client.getState().invitations).toEqual([]);
  });

  it('tells the user of a new invitation while the tab is hidden, with who sent it', async () => {
    const t = setup({ hidden: true });
    t.client.start();
    await connect(t);
    t.socket().receive({ type: 'invitation_received', invitation: invitation(32, 2, 'direct') });
    t.socket().receive({ type: 'invitation_received', invitation: invitation(33, 2) });
    await settle();
    expect(t.notified).toEqual(['32: Bob wants to message you / Accept the request to read their messages.', '33: Invitation to Ops / Bob invited you to the group.']);
  });

  it('forgets an invitation that is gone when accepting it, and says so', async () => {
    const t = setup();
    t.client.start();
    await connect(t);
    t.socket().receive({ type: 'invitation_received', invitation: invitation(60, 2) });
    await expect(t.client.acceptInvitation(60)).rejects.toMatchObject({ code: 'not_found' });
    expect(t.client.getState().invitations).toEqual([]);
  });

  it('blocking the sender of a message request ends it; unblocking lets me write again', async () => {
    const t = setup();
    t.setInvitations([invitation(70, 3, 'direct')]);
    t.client.start();
    await connect(t);
    await t.client.blockUser(3);
    expect(t.calls).toContain('PUT /blocks/3');
    expect(t.client.getState().invitations).toEqual([]);
    expect(t.client.getState().blocked![3]).toBeDefined();
    await t.client.unblockUser(3);
    expect(t.calls).toContain('DELETE /blocks/3');
    expect(t.client.getState().blocked![3]).toBeUndefined();
  });
});

describe('ChatClient: refusals are final', () => {
  it('does not retry a message refused as forbidden, and closes the direct room for writing', async () => {
    const t = setup();
    t.client.start();
    await connect(t);
    t.client.sendMessage(9, 'are you there?');
    const first = t.socket().last('send')!;
    t.socket().receive({ type: 'error', id: first.id, code: 'forbidden', message: 'you cannot write to this person: one of you blocked the other' });
    await settle();
    expect(t.client.getState().pending).toMatchObject([{ status: 'failed', error: 'you cannot write to this person: one of you blocked the other' }]);
    expect(t.client.getState().rooms[9]!.cannotWrite).toBe(true);
    // Kept (shown, and in storage) but never sent again: not later, not after a reconnect.
    expect(t.storage.getItem('confab.outbox.1')).toContain('failed');
    keepAlive(t, 60_000);
    t.socket().drop(1006);
    t.timers.advance(1_000);
    await connect(t);
    await settle();
    const sends = t.sockets.flatMap((s) => s.sent).filter((f) => f.type === 'send');
    expect(sends).toHaveLength(1);
    expect(t.client.getState().pending[0]!.status).toBe('failed');
  });

  it('reports a refused edit or reaction to the caller', async () => {
    const t = setup();
    t.client.start();
    await connect(t);
    const reacting = t.client.messageActions.react(9, 3, '👍', true);
    const frame = t.socket().last('react')!;
    t.socket().receive({ type: 'error', id: frame.id, code: 'forbidden', message: 'blocked' });
    await expect(reacting).rejects.toMatchObject({ code: 'forbidden' });
    expect(t.client.getState().rooms[9]!.cannotWrite).toBe(true);
  });
});

describe('ChatClient: changes made offline', () => {
  /** Answers the socket's latest request of `type` with ok; returns it. */
  async function ok(t: ReturnType<typeof setup>, type: 'edit' | 'react' | 'delete') {
    const frame = t.socket().last(type)!;
    t.socket().receive({ type: 'ok', id: frame.id });
    await settle();
    return frame;
  }

  it('queues edits, deletions and reactions offline, shows them, and replays them once, in order, when back', async () => {
    const t = setup();
    t.client.start();
    await connect(t);
    t.client.offline();
    await settle();
    expect(t.client.getState().connection).toBe('offline');

    const actions = t.client.messageActions;
    await actions.edit(9, 3, 'first try');
    await actions.react(9, 3, '🎉', true);
    await actions.react(9, 3, '🎉', false); // taken back: nothing to send
    await actions.edit(9, 3, 'second try');
    await actions.react(9, 2, '👍', true);
    await actions.delete(9, 1);
    expect(t.client.getState().changes.map((c) => c.change)).toEqual([
      { kind: 'edit', text: 'second try' },
      { kind: 'react', emoji: '👍', add: true },
      { kind: 'delete' },
    ]);
    expect(t.storage.getItem('confab.outbox.changes.1')).toContain('second try');
    const sentBefore = t.socket().sent.filter((f) => ['edit', 'react', 'delete'].includes(f.type as string));
    expect(sentBefore).toEqual([]);

    // Back: one at a time, each after the server's answer to the one before.
    t.client.wake();
    t.timers.advance(1_000);
    await connect(t);
    expect(t.socket().last('react')).toBeUndefined();
    expect(await ok(t, 'edit')).toMatchObject({ room_id: 9, seq: 3, body: { type: 'text', text: 'second try' } });
    // The connection drops before the reaction's answer: it goes again after the next `ready`.
    const react = t.socket().last('react')!;
    expect(react).toMatchObject({ seq: 2, emoji: '👍', add: true });
    t.socket().drop(1006);
    await settle();
    t.timers.advance(1_000);
    await connect(t);
    expect(await ok(t, 'react')).toMatchObject({ seq: 2, emoji: '👍' });
    // The deletion had reached the server before: `not_found` means done.
    const del = t.socket().last('delete')!;
    t.socket().receive({ type: 'error', id: del.id, code: 'not_found', message: 'no such message' });
    await settle();
    expect(t.client.getState().changes).toEqual([]);
    expect(t.storage.getItem('confab.outbox.changes.1')).toBeNull();
    const sent = t.sockets.flatMap((s) => s.sent).filter((f) => ['edit', 'react', 'delete'].includes(f.type as string));
    expect(sent.map((f) => f.type)).toEqual(['edit', 'react', 'react', 'delete']);
  });

  it('marks a refused change failed on its message until retried or discarded', async () => {
    const t = setup();
    t.client.start();
    await connect(t);
    t.client.offline();
    await settle();
    await t.client.messageActions.edit(9, 3, 'too late');
    t.client.wake();
    t.timers.advance(1_000);
    await connect(t);
    const edit = t.socket().last('edit')!;
    t.socket().receive({ type: 'error', id: edit.id, code: 'not_found', message: 'the message was deleted' });
    await settle();
    const [failed] = t.client.getState().changes;
    expect(failed).toMatchObject({ status: 'failed', error: 'the message was deleted' });

    t.client.messageActions.changes.retry(failed!.id);
    await settle();
    expect(t.socket().last('edit')!.id).not.toBe(edit.id);
    t.socket().receive({ type: 'error', id: t.socket().last('edit')!.id, code: 'not_found', message: 'the message was deleted' });
    await settle();
    t.client.messageActions.changes.discard(failed!.id);
    expect(t.client.getState().changes).toEqual([]);
  });

  it('keeps waiting changes over a reload, and forgets them at sign-out', async () => {
    const t = setup();
    t.client.start();
    await connect(t);
    t.client.offline();
    await settle();
    await t.client.messageActions.edit(9, 3, 'kept');
    const again = new ChatClient({ ...(t.client as unknown as { deps: ConstructorParameters<typeof ChatClient>[0] }).deps });
    again.start();
    expect(again.getState().changes).toMatchObject([{ seq: 3, change: { kind: 'edit', text: 'kept' } }]);
    await t.client.signOut();
    expect(t.storage.getItem('confab.outbox.changes.1')).toBeNull();
  });
});

describe('ChatClient: protocol version', () => {
  it('stops and says the page is out of date when the server speaks another version', async () => {
    const t = setup();
    t.client.start();
    t.socket().open();
    t.socket().receive({ type: 'ready', user_id: 1, session_id: 7, protocol: 3, cursor: 100 });
    await settle();
    expect(t.client.getState().connection).toBe('outdated');
    expect(t.socket().closed).toBe(true);
    const sockets = t.sockets.length;
    t.timers.advance(60_000);
    expect(t.sockets.length).toBe(sockets);
  });
});
