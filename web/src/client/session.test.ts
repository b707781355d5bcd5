import { describe, expect, it } from 'vitest';
import { DisconnectedError, RequestError, Session, type SessionHandlers } from './session';
import { FakeSocket, FakeTimers, settle } from './testing';
import { CloseCode, type RoomEvent } from './types';

function setup(handlers: Partial<SessionHandlers> = {}) {
  const timers = new FakeTimers();
  const sockets: FakeSocket[] = [];
  const events: RoomEvent[] = [];
  const readies: boolean[] = [];
  const session = new Session(
    'ws://test/api/v1/ws',
    (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    {
      token: () => 'access-1',
      onReady: (_frame, resumed) => readies.push(resumed),
      onEvent: (event) => {
        events.push(event);
        session.cursor = event.id;
      },
      onResync: () => undefined,
      onTyping: () => undefined,
      onPresence: () => undefined,
      onInvitation: () => undefined,
      onIncompatible: () => undefined,
      onStatus: () => undefined,
      onAuthFailed: async () => false,
      ...handlers,
    },
    timers,
    () => 0.5,
  );
  return { session, sockets, timers, events, readies };
}

function event(id: number, seq: number): RoomEvent {
  return { id, room_id: 1, seq, sender_id: 2, created_at: '2026-11-25T10:00:00Z', content: { type: 'message', client_id: `c${id}`, body: { type: 'text', text: 'hi' } } };
}

describe('Session', () => {
  it('says hello without a cursor on a fresh start, then resumes from the last processed event', () => {
    const { session, sockets, timers, readies } = setup();
    session.start();
    sockets[0]!.open();
    expect(sockets[0]!.sent[0]).toEqual({ type: 'hello', token: 'access-1' });
    sockets[0]!.receive({ type: 'ready', user_id: 1, session_id: 1, protocol: 2, cursor: 40 });
    session.cursor = 40;
    sockets[0]!.receive({ type: 'event', event: event(41, 5) });
    sockets[0]!.receive({ type: 'event', event: event(57, 6) });
    sockets[0]!.drop(1001);

    timers.advance(60_000);
    expect(sockets).toHaveLength(2);
    sockets[1]!.open();
    expect(sockets[1]!.sent[0]).toEqual({ type: 'hello', token: 'access-1', since: 57 });
    sockets[1]!.receive({ type: 'ready', user_id: 1, session_id: 1, protocol: 2, cursor: 57 });
    expect(readies).toEqual([false, true]);
  });

  it('backs off more after each failed attempt, and starts over after a ready', () => {
    const { session, sockets, timers } = setup();
    session.start();
    sockets[0]!.drop();
    expect(timers.pending()).toEqual([375]); // attempt 0: 500 ms with jitter 0.5
    timers.advance(375);
    sockets[1]!.drop();
    expect(timers.pending()).toEqual([750]);
    timers.advance(750);
    sockets[2]!.drop();
    expect(timers.pending()).toEqual([1500]);
    timers.advance(1500);
    sockets[3]!.open();
    sockets[3]!.receive({ type: 'ready', user_id: 1, session_id: 1, protocol: 2, cursor: 0 });
    expect(session.attempts).toBe(0);
    sockets[3]!.drop();
    expect(timers.pending().filter((d) => d < 2000)).toEqual([375]);
  });

  it('reconnects at once when woken, without waiting for the back-off', () => {
    const { session, sockets, timers } = setup();
    session.start();
    for (let i = 0; i < 5; i++) {
      sockets[i]!.drop();
      timers.advance(timers.pending()[0]!);
    }
    sockets[5]!.drop();
    expect(sockets).toHaveLength(6);
    session.wake();
    expect(sockets).toHaveLength(7);
  });

  it('matches replies to requests, and fails the waiting ones when the socket drops', async () => {
    const { session, sockets } = setup();
    session.start();
    sockets[0]!.open();
    sockets[0]!.receive({ type: 'ready', user_id: 1, session_id: 1, protocol: 2, cursor: 0 });
    const ok = session.request({ type: 'read', room_id: 1, seq: 3 });
    const refused = session.request({ type: 'delete', room_id: 1, seq: 3 });
    const lost = session.request({ type: 'read', room_id: 1, seq: 4 });
    const [r1, r2] = sockets[0]!.sent.slice(1).map((f) => ('id' in f ? f.id : ''));
    sockets[0]!.receive({ type: 'error', id: r2!, code: 'forbidden', message: 'no' });
    sockets[0]!.receive({ type: 'ok', id: r1! });
    await expect(ok).resolves.toBeUndefined();
    await expect(refused).rejects.toEqual(new RequestError('forbidden', 'no'));
    sockets[0]!.drop();
    await expect(lost).rejects.toBeInstanceOf(DisconnectedError);
    await expect(session.request({ type: 'read', room_id: 1, seq: 5 })).rejects.toBeInstanceOf(DisconnectedError);
  });

  it('treats a socket without a pong as dead and reconnects', () => {
    const { session, sockets, timers } = setup();
    session.start();
    sockets[0]!.open();
    sockets[0]!.receive({ type: 'ready', user_id: 1, session_id: 1, protocol: 2, cursor: 0 });
    timers.advance(25_000);
    const ping = sockets[0]!.last('ping');
    expect(ping).toBeDefined();
    timers.advance(10_000);
    expect(sockets[0]!.closed).toBe(true);
    timers.advance(1_000);
    expect(sockets).toHaveLength(2);
  });

  it('keeps a socket whose pongs come back', () => {
    const { session, sockets, timers } = setup();
    session.start();
    sockets[0]!.open();
    sockets[0]!.receive({ type: 'ready', user_id: 1, session_id: 1, protocol: 2, cursor: 0 });
    for (let i = 0; i < 4; i++) {
      timers.advance(25_000);
      sockets[0]!.receive({ type: 'pong', id: sockets[0]!.last('ping')!.id });
    }
    expect(sockets[0]!.closed).toBe(false);
    expect(sockets).toHaveLength(1);
  });

  it('asks its owner after a refused hello, and stops when told to', async () => {
    const codes: string[] = [];
    const { session, sockets, timers } = setup({
      onAuthFailed: async (code) => {
        codes.push(code);
        return code === 'token_expired';
      },
    });
    session.start();
    sockets[0]!.open();
    sockets[0]!.receive({ type: 'error', code: 'token_expired', message: 'expired' });
    sockets[0]!.drop(CloseCode.Unauthenticated);
    await settle();
    timers.advance(1_000);
    expect(sockets).toHaveLength(2);
    sockets[1]!.open();
    sockets[1]!.receive({ type: 'error', code: 'session_revoked', message: 'revoked' });
    sockets[1]!.drop(CloseCode.Unauthenticated);
    await settle();
    timers.advance(60_000);
    expect(codes).toEqual(['token_expired', 'session_revoked']);
    expect(sockets).toHaveLength(2);
  });

  it('tells its owner why an open socket was closed for its token or session', async () => {
    const codes: string[] = [];
    const { session, sockets, timers } = setup({
      onAuthFailed: async (code) => {
        codes.push(code);
        return code === 'token_expired';
      },
    });
    session.start();
    sockets[0]!.open();
    sockets[0]!.receive({ type: 'ready', user_id: 1, session_id: 7, protocol: 2, cursor: 5 });
    // A token left unrefreshed past the grace: refresh and reconnect, not sign out.
    sockets[0]!.receive({ type: 'error', code: 'token_expired', message: 'expired' });
    sockets[0]!.drop(CloseCode.Unauthenticated);
    await settle();
    timers.advance(1_000);
    expect(codes).toEqual(['token_expired']);
    expect(sockets).toHaveLength(2);
  });
});
