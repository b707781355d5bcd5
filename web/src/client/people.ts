// Other people as the client knows them: the profiles of the ids it meets (looked up
// once, 200 per request), finding people by name, and their presence.

import { ApiError, type Rest } from './rest';
import * as S from './state';
import type { PresenceList, Profile, UserId, UserList } from './types';

export interface PeopleDeps {
  rest: Pick<Rest, 'get'>;
  state: () => S.State;
  set: (state: S.State) => void;
}

export class People {
  /** Ids being looked up now, and the lookup: one id is asked for once, and waited for by all. */
  private readonly lookups = new Map<UserId, Promise<void>>();

  constructor(private readonly deps: PeopleDeps) {}

  /** Everyone the room list and the invitations name. */
  knownIds(): UserId[] {
    const state = this.deps.state();
    const ids = new Set<UserId>();
    for (const room of Object.values(state.rooms)) {
      if (room.peer !== undefined) ids.add(room.peer);
      if (room.lastMessage) ids.add(room.lastMessage.sender_id);
    }
    for (const invitation of state.invitations ?? []) ids.add(invitation.invited_by);
    return [...ids];
  }

  /**
   * Finds the profiles of user ids the client has not seen yet, 200 per request.
   * The server answers only people the user may find (anyone they share or shared a
   * room with), which covers every id the client meets.
   */
  async resolve(ids: UserId[]): Promise<void> {
    const known = this.deps.state().users;
    const waiting: Promise<void>[] = [];
    const missing: UserId[] = [];
    for (const id of new Set(ids)) {
      if (known[id]) continue;
      const inFlight = this.lookups.get(id);
      if (inFlight) waiting.push(inFlight);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const lookup = this.lookUp(missing);
      for (const id of missing) this.lookups.set(id, lookup);
      waiting.push(lookup);
    }
    // A caller that needs a name (a pop-up's title) has it once this resolves, even
    // when another caller started the lookup.
    await Promise.all(waiting);
  }

  private async lookUp(missing: UserId[]): Promise<void> {
    try {
      for (let i = 0; i < missing.length; i += 200) {
        const batch = missing.slice(i, i + 200);
        const { users } = await this.deps.rest.get<UserList>(`/users?ids=${batch.join(',')}`);
        this.deps.set(S.addUsers(this.deps.state(), users));
      }
    } catch {
      // Names are filled in on the next event that names these users.
    } finally {
      for (const id of missing) this.lookups.delete(id);
    }
  }

  /**
   * People whose username, or a word of whose display name, starts with `text`.
   * Someone who is not listed in search (`discoverable` off) is still found by their
   * exact username, so when no result has exactly that name it is looked up too.
   */
  async search(text: string): Promise<Profile[]> {
    if (!text) return [];
    const { users } = await this.deps.rest.get<UserList>(`/users?prefix=${encodeURIComponent(text)}&limit=10`);
    const wanted = text.toLowerCase();
    if (!users.some((u) => u.username.toLowerCase() === wanted)) {
      try {
        users.unshift(await this.deps.rest.get<Profile>(`/users/${encodeURIComponent(text)}`));
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 'not_found')) throw err;
      }
    }
    this.deps.set(S.addUsers(this.deps.state(), users));
    return users;
  }

  /** Asks for the presence of `ids` (at most 200; everyone known if left out). */
  async refreshPresence(ids?: UserId[]): Promise<void> {
    const list = [...new Set(ids ?? this.knownIds())].slice(0, 200);
    if (list.length === 0) return;
    try {
      const { users } = await this.deps.rest.get<PresenceList>(`/presence?user_ids=${list.join(',')}`);
      this.deps.set(S.setPresence(this.deps.state(), users));
    } catch {
      // Presence is decoration; the next change comes as a frame anyway.
    }
  }
}
