// Typing indicators, both ways: mine are sent on keystrokes (repeated while typing
// goes on, stopped after a pause, on leaving the room or on sending), and others' are
// shown until their frame says they stopped or they expire.

import type { Timers } from './rest';
import type { Session } from './session';
import * as S from './state';
import { TYPING_IDLE_MS, TYPING_REPEAT_MS, TYPING_TTL_MS } from './timing';
import type { RoomId, UserId } from './types';

export interface TypingIndicatorsDeps {
  session: Pick<Session, 'notify'>;
  timers: Timers;
  state: () => S.State;
  set: (state: S.State) => void;
  signedIn: () => boolean;
}

export class TypingIndicators {
  /** The room I am shown as typing in, and when that was last sent. */
  private typingRoom: RoomId | null = null;
  private typingSentAt = 0;
  private typingIdle: unknown = null;
  private typingSweep: unknown = null;

  constructor(private readonly deps: TypingIndicatorsDeps) {}

  /** Starts expiring others' indicators, every second while signed in. */
  start(): void {
    this.typingSweep ??= this.deps.timers.setTimeout(() => this.sweep(), 1_000);
  }

  /** Someone's `typing` frame. */
  onFrame(roomId: RoomId, userId: UserId, typing: boolean): void {
    this.deps.set(S.setTyping(this.deps.state(), roomId, userId, typing ? this.deps.timers.now() + TYPING_TTL_MS : null));
  }

  private sweep(): void {
    this.deps.set(S.expireTyping(this.deps.state(), this.deps.timers.now()));
    this.typingSweep = this.deps.signedIn() ? this.deps.timers.setTimeout(() => this.sweep(), 1_000) : null;
  }

  /** A keystroke of mine in a room's composer. */
  keystroke(roomId: RoomId): void {
    const { session, timers } = this.deps;
    const now = timers.now();
    if (this.typingRoom !== roomId || now - this.typingSentAt >= TYPING_REPEAT_MS) {
      if (this.typingRoom !== null && this.typingRoom !== roomId) this.stop();
      session.notify({ type: 'typing', room_id: roomId, typing: true });
      this.typingRoom = roomId;
      this.typingSentAt = now;
    }
    if (this.typingIdle !== null) timers.clearTimeout(this.typingIdle);
    this.typingIdle = timers.setTimeout(() => this.stop(), TYPING_IDLE_MS);
  }

  /** I stopped typing: says so if I was shown as typing. */
  stop(): void {
    if (this.typingIdle !== null) this.deps.timers.clearTimeout(this.typingIdle);
    this.typingIdle = null;
    if (this.typingRoom === null) return;
    this.deps.session.notify({ type: 'typing', room_id: this.typingRoom, typing: false });
    this.typingRoom = null;
    this.typingSentAt = 0;
  }
}
