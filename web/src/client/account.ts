// My account over REST: my profile and photo, my password, and my device sessions.

import type { Rest, Tokens } from './rest';
import * as S from './state';
import type { DeviceSession, Profile, RevokedCount, SessionList, UpdateProfileRequest } from './types';

export interface AccountDeps {
  rest: Pick<Rest, 'get' | 'post' | 'call'>;
  tokens: Pick<Tokens, 'setUser'>;
  state: () => S.State;
  set: (state: S.State) => void;
}

export class Account {
  constructor(private readonly deps: AccountDeps) {}

  /** Makes an image I uploaded my avatar: the server makes a 256x256 square of its centre. */
  async setAvatar(fileId: string): Promise<void> {
    this.adopt(await this.deps.rest.call<Profile>('PUT', '/users/me/avatar', { file_id: fileId }));
  }

  async removeAvatar(): Promise<void> {
    this.adopt(await this.deps.rest.call<Profile>('DELETE', '/users/me/avatar'));
  }

  async updateProfile(change: UpdateProfileRequest): Promise<void> {
    this.adopt(await this.deps.rest.call<Profile>('PATCH', '/users/me', change));
  }

  changePassword(current: string, next: string): Promise<RevokedCount> {
    return this.deps.rest.post('/users/me/password', { current_password: current, new_password: next });
  }

  async sessions(): Promise<DeviceSession[]> {
    return (await this.deps.rest.get<SessionList>('/sessions')).sessions;
  }

  async revokeSession(id: number): Promise<void> {
    await this.deps.rest.call('DELETE', `/sessions/${id}`);
  }

  /** Signs out every other device of mine; how many were signed out. */
  revokeOtherSessions(): Promise<RevokedCount> {
    return this.deps.rest.post('/sessions/revoke-others');
  }

  /** My profile as the server now has it: kept for the next start, shown everywhere. */
  private adopt(me: Profile): void {
    this.deps.tokens.setUser(me);
    this.deps.set(S.addUsers({ ...this.deps.state(), me }, [me]));
  }
}
