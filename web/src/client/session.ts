// The WebSocket session (docs/protocol.md#websocket): `hello` with the resume
// cursor, requests matched to their replies, an application-level ping to find dead
// sockets, and reconnection with growing, jittered delays.
//
// The session does not interpret events: it hands them to its owner, which applies
// them and then moves `cursor` (the id of the last event it *processed*), so a
// reconnect resumes exactly after what the state already holds.

import type { Timers } from './rest';
import { backoffDelay, PING_INTERVAL_MS, PONG_TIMEOUT_MS } from './timing';
import type { ClientFrame, EventId, NotificationFrame, Presence, Profile, RequestFrame, RoomEvent, ServerFrame } from './types';
import { CloseCode, PROTOCOL_VERSION } from './types';

/** The subset of the browser's WebSocket the session uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

const OPEN = 1;

/** A request was refused by the server (`error` frame with its id). */
export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/** The socket closed before the reply came: the request may or may not have happened. */
export class DisconnectedError extends Error {
  constructor() {
    super('not connected');
    this.name = 'DisconnectedError';
  }
}

export interface SessionHandlers {
  /** The access token to put in `hello`. */
  token(): string | null;
  /** `ready` arrived; `resumed` when the hello carried a cursor. */
  onReady(frame: Extract<ServerFrame, { type: 'ready' }>, resumed: boolean): void;
  onEvent(event: RoomEvent): void;
  onResync(cursor: EventId): void;
  onTyping(frame: Extract<ServerFrame, { type: 'typing' }>): void;
  onPresence(presence: Presence): void;
  /** A contact (or I, on another device) changed their profile (never replayed). */
  onProfile?(profile: Profile): void;
  /** An invitation of mine arrived or ended (not in the event log, never replayed). */
  onInvitation(frame: Extract<ServerFrame, { type: 'invitation_received' | 'invitation_ended' }>): void;
  /** A notification of mine arrived, or some were read (not in the event log, never replayed). */
  onNotification?(frame: NotificationFrame): void;
  /** This account's devices are running out of MLS key packages (`device_id` says which). */
  onKeyPackagesLow?(deviceId: number): void;
  /** The server speaks another protocol version: the session stops (a reload is needed). */
  onIncompatible(protocol: number): void;
  onStatus(status: 'connecting' | 'open' | 'closed'): void;
  /**
   * The server refused the hello token (close `CloseCode.Unauthenticated`) with `code`. Resolve true to
   * reconnect (after a refresh), false to stop (signed out).
   */
  onAuthFailed(code: string): Promise<boolean>;
}

interface Pending {
  resolve(event: RoomEvent | undefined): void;
  reject(error: Error): void;
}

export class Session {
  /** Id of the last event processed; null before the first complete sync. */
  cursor: EventId | null = null;
  private socket: SocketLike | null = null;
  private ready = false;
  private stopped = true;
  private attempt = 0;
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private reconnectTimer: unknown = null;
  private pingTimer: unknown = null;
  private pongTimer: unknown = null;
  /** The code of the last connection-level `error` (one without an `id`), which a `4001` close explains. */
  private connectionError: string | null = null;

  constructor(
    private readonly url: string,
    private readonly open: SocketFactory,
    private readonly handlers: SessionHandlers,
    private readonly timers: Timers,
    private readonly random: () => number = Math.random,
  ) {}

  get isReady(): boolean {
    return this.ready;
  }

  /** Number of reconnect attempts since the last `ready`. */
  get attempts(): number {
    return this.attempt;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer('reconnectTimer');
    const socket = this.socket;
    this.dropped();
    socket?.close(1000, 'bye');
  }

  /** The network is back (or the tab woke up): retry now instead of waiting. */
  wake(): void {
    if (this.stopped || this.socket) return;
    this.clearTimer('reconnectTimer');
    this.attempt = 0;
    this.connect();
  }

  /**
   * The browser says the network is gone: a socket it leaves open would only be
   * found dead by the next ping. Drop it now; reconnects back off until `wake`.
   */
  suspend(): void {
    if (this.stopped || !this.socket) return;
    const socket = this.socket;
    this.dropped();
    socket.close(1000, 'offline');
    this.scheduleReconnect();
  }

  /** Sends a request and resolves with the event it stored, if any. */
  request(frame: RequestFrame): Promise<RoomEvent | undefined> {
    if (!this.ready || !this.socket) return Promise.reject(new DisconnectedError());
    const id = `r${this.nextId++}`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.sendFrame({ ...frame, id });
    });
  }

  /** Sends a frame without a reply (typing, presence); dropped when not connected. */
  notify(frame: Extract<ClientFrame, { type: 'typing' | 'presence' }>): void {
    if (this.ready) this.sendFrame(frame);
  }

  private sendFrame(frame: ClientFrame): void {
    if (this.socket && this.socket.readyState === OPEN) this.socket.send(JSON.stringify(frame));
  }

  private connect(): void {
    this.handlers.onStatus('connecting');
    this.connectionError = null;
    let socket: SocketLike;
    try {
      socket = this.open(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      const token = this.handlers.token();
      if (!token) {
        socket.close(1000, 'signed out');
        return;
      }
      const hello: ClientFrame = this.cursor === null ? { type: 'hello', token } : { type: 'hello', token, since: this.cursor };
      socket.send(JSON.stringify(hello));
    };
    socket.onmessage = (message) => {
      if (this.socket !== socket || typeof message.data !== 'string') return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(message.data) as ServerFrame;
      } catch {
        return;
      }
      this.handle(frame);
    };
    socket.onerror = () => {
      // Always followed by onclose, which decides what to do.
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.dropped();
      this.closed(event.code);
    };
  }

  private handle(frame: ServerFrame): void {
    switch (frame.type) {
      case 'ready':
        if (frame.protocol !== PROTOCOL_VERSION) {
          this.stop();
          this.handlers.onIncompatible(frame.protocol);
          return;
        }
        this.ready = true;
        this.attempt = 0;
        this.handlers.onStatus('open');
        this.schedulePing();
        this.handlers.onReady(frame, this.cursor !== null);
        return;
      case 'event':
        this.handlers.onEvent(frame.event);
        return;
      case 'resync_required':
        this.handlers.onResync(frame.cursor);
        return;
      case 'ok':
      case 'error': {
        if (frame.id === undefined) {
          // Before `ready` (a refused hello) or after it (a revoked session, a token not
          // refreshed in time), the error that precedes a `4001` close says why.
          if (frame.type === 'error' && frame.id === undefined) this.connectionError = frame.code;
          return;
        }
        const waiting = this.pending.get(frame.id);
        if (!waiting) return;
        this.pending.delete(frame.id);
        if (frame.type === 'ok') waiting.resolve(frame.event);
        else waiting.reject(new RequestError(frame.code, frame.message));
        return;
      }
      case 'typing':
        this.handlers.onTyping(frame);
        return;
      case 'presence': {
        const { type: _type, ...presence } = frame;
        this.handlers.onPresence(presence);
        return;
      }
      case 'profile': {
        const { type: _type, ...profile } = frame;
        this.handlers.onProfile?.(profile);
        return;
      }
      case 'invitation_received':
      case 'invitation_ended':
        this.handlers.onInvitation(frame);
        return;
      case 'pong':
        this.clearTimer('pongTimer');
        return;
      case 'notification':
      case 'notifications_read':
        this.handlers.onNotification?.(frame);
        return;
      case 'mls_key_packages_low':
        this.handlers.onKeyPackagesLow?.(frame.device_id);
        return;
      default:
        // A frame type from a newer server: skipped.
        return;
    }
  }

  /** Forgets the socket and fails whatever was waiting on it. */
  private dropped(): void {
    const socket = this.socket;
    this.socket = null;
    this.ready = false;
    this.clearTimer('pingTimer');
    this.clearTimer('pongTimer');
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    }
    for (const waiting of this.pending.values()) waiting.reject(new DisconnectedError());
    this.pending.clear();
    this.handlers.onStatus('closed');
  }

  private closed(code: number): void {
    if (this.stopped) return;
    // `code` is whatever number the socket reports, not necessarily one of the enum's.
    if (code === (CloseCode.Unauthenticated as number)) {
      const reason = this.connectionError ?? 'invalid_token';
      void this.handlers.onAuthFailed(reason).then((retry) => {
        if (retry && !this.stopped) this.scheduleReconnect();
        else this.stopped = true;
      });
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt, this.random());
    this.attempt += 1;
    this.clearTimer('reconnectTimer');
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped && !this.socket) this.connect();
    }, delay);
  }

  /** Pings a quiet socket; a missing pong means it is dead: drop it and resume. */
  private schedulePing(): void {
    this.clearTimer('pingTimer');
    this.pingTimer = this.timers.setTimeout(() => {
      this.pingTimer = null;
      if (!this.ready) return;
      this.sendFrame({ type: 'ping', id: `p${this.nextId++}` });
      this.pongTimer = this.timers.setTimeout(() => {
        this.pongTimer = null;
        const socket = this.socket;
        this.dropped();
        socket?.close(CloseCode.TimedOut, 'no pong');
        this.closed(1006);
      }, PONG_TIMEOUT_MS);
      this.schedulePing();
    }, PING_INTERVAL_MS);
  }

  private clearTimer(name: 'reconnectTimer' | 'pingTimer' | 'pongTimer'): void {
    if (this[name] !== null) this.timers.clearTimeout(this[name]);
    this[name] = null;
  }
}
