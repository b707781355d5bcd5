// Consent: my invitations and message requests, the invitations of my rooms, and
// whom I blocked. None of it is in the event log, so after every `ready` (fresh or
// resumed) the lists are fetched over REST; `invitation_received` and
// `invitation_ended` frames that arrive meanwhile are applied after the answer, in
// order, so neither a new invitation nor an ended one is lost to the race.

import { ApiError, isSignedOutError, type Rest, type Timers } from './rest';
import * as S from './state';
import type { BlockList, Invitation, InvitationList, PendingInvitation, PendingInvitationList, RoomId, RoomSummary, ServerFrame, UserId } from './types';

/** The live frames about my invitations. */
export type InvitationFrame = Extract<ServerFrame, { type: 'invitation_received' | 'invitation_ended' }>;

export interface ConsentDeps {
  rest: Rest;
  timers: Timers;
  state: () => S.State;
  set: (state: S.State) => void;
  /** Changes with every socket: a fetch that outlives its socket is abandoned. */
  generation: () => number;
  isReady: () => boolean;
  resolveUsers: (ids: UserId[]) => void;
  refreshPresence: (ids: UserId[]) => void;
  /** A new invitation arrived live (to tell the user). */
  announce: (invitation: Invitation) => void;
}

function invitationChange(state: S.State, frame: InvitationFrame): S.State {
  return frame.type === 'invitation_received' ? S.addInvitation(state, frame.invitation) : S.removeInvitation(state, frame.room_id);
}

export class Consent {
  /** Invitation frames that arrived while the invitations were being fetched. */
  private buffer: InvitationFrame[] | null = null;

  constructor(private readonly deps: ConsentDeps) {}

  /** Forgets the frames of a fetch in flight (sign-out). */
  reset(): void {
    this.buffer = null;
  }

  /** Fetches my invitations and blocks; frames arriving meanwhile are applied after. */
  async refresh(): Promise<void> {
    const generation = this.deps.generation();
    const buffer: InvitationFrame[] = [];
    this.buffer = buffer;
    let lists: [InvitationList, BlockList] | null = null;
    try {
      lists = await Promise.all([this.deps.rest.get<InvitationList>('/invitations'), this.deps.rest.get<BlockList>('/blocks')]);
    } catch (error) {
      if (isSignedOutError(error)) return;
    }
    // A newer connection fetches its own (and its own frames go to its buffer).
    if (generation !== this.deps.generation() || this.buffer !== buffer) return;
    this.buffer = null;
    let next = this.deps.state();
    if (lists) next = S.setBlocked(S.setInvitations(next, lists[0].invitations), lists[1].blocked);
    for (const frame of buffer) next = invitationChange(next, frame);
    this.deps.set(next);
    if (!lists) {
      // Could not fetch (network): try again while this connection lasts.
      this.deps.timers.setTimeout(() => {
        if (generation === this.deps.generation() && this.deps.isReady()) void this.refresh();
      }, 5_000);
      return;
    }
    this.deps.resolveUsers([...lists[0].invitations.map((i) => i.invited_by), ...lists[1].blocked.map((b) => b.user_id)]);
  }

  onFrame(frame: InvitationFrame): void {
    if (frame.type === 'invitation_received') this.deps.announce(frame.invitation);
    if (this.buffer) {
      this.buffer.push(frame);
      return;
    }
    this.deps.set(invitationChange(this.deps.state(), frame));
  }

  /** Accepts my invitation to a room (or a message request): I join, and it is listed. */
  async accept(roomId: RoomId): Promise<RoomId> {
    let summary: RoomSummary;
    try {
      summary = await this.deps.rest.post<RoomSummary>(`/invitations/${roomId}/accept`);
    } catch (error) {
      // Gone meanwhile (withdrawn, or answered on another device).
      if (error instanceof ApiError && error.code === 'not_found') this.deps.set(S.removeInvitation(this.deps.state(), roomId));
      throw error;
    }
    this.deps.set(S.upsertRoom(S.removeInvitation(this.deps.state(), roomId), summary));
    if (summary.peer !== undefined) this.deps.resolveUsers([summary.peer]);
    return summary.room.id;
  }

  /** Declines my invitation to a room; whoever sent it is not told. */
  async decline(roomId: RoomId): Promise<void> {
    try {
      await this.deps.rest.post(`/invitations/${roomId}/decline`);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'not_found')) throw error;
    }
    this.deps.set(S.removeInvitation(this.deps.state(), roomId));
  }

  /**
   * Blocks someone: they can no longer invite me, message me, or see my presence,
   * and the invitations between us end.
   */
  async block(userId: UserId): Promise<void> {
    await this.deps.rest.call('PUT', `/blocks/${userId}`);
    this.deps.set(S.block(this.deps.state(), userId, new Date(this.deps.timers.now()).toISOString()));
  }

  async unblock(userId: UserId): Promise<void> {
    await this.deps.rest.call('DELETE', `/blocks/${userId}`);
    this.deps.set(S.unblock(this.deps.state(), userId));
    this.deps.refreshPresence([userId]);
  }

  /** Fetches the blocked list again (Settings does when it opens). */
  async refreshBlocks(): Promise<void> {
    const { blocked } = await this.deps.rest.get<BlockList>('/blocks');
    this.deps.set(S.setBlocked(this.deps.state(), blocked));
    this.deps.resolveUsers(blocked.map((b) => b.user_id));
  }

  /** The pending invitations of a room I am in (shown in its details panel). */
  async loadRoomInvitations(roomId: RoomId): Promise<void> {
    const { invitations } = await this.deps.rest.get<PendingInvitationList>(`/rooms/${roomId}/invitations`);
    this.deps.set(S.setRoomInvitations(this.deps.state(), roomId, invitations));
    this.deps.resolveUsers(invitations.flatMap((i) => [i.user_id, i.invited_by]));
  }

  /**
   * Invites people to a group (admins and the owner). Answers the invitations made:
   * members and people already invited are skipped.
   */
  async invite(roomId: RoomId, userIds: UserId[]): Promise<PendingInvitation[]> {
    const { invitations } = await this.deps.rest.post<PendingInvitationList>(`/rooms/${roomId}/invitations`, { user_ids: userIds });
    this.deps.set(S.addRoomInvitations(this.deps.state(), roomId, invitations));
    return invitations;
  }

  /** Withdraws an invitation (mine, or anyone's as an admin or the owner). */
  async withdraw(roomId: RoomId, userId: UserId): Promise<void> {
    try {
      await this.deps.rest.call('DELETE', `/rooms/${roomId}/invitations/${userId}`);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'not_found')) throw error;
    }
    this.deps.set(S.removeRoomInvitation(this.deps.state(), roomId, userId));
  }
}
