// Making and managing rooms over REST: a direct room, a group, a group's name, topic
// and picture, and its members' roles. What these change reaches the client as room
// events, like every other change.

import type { Rest } from './rest';
import * as S from './state';
import type { Role, Room, RoomId, UpdateRoomRequest, UserId } from './types';

export interface RoomAdminDeps {
  rest: Pick<Rest, 'post' | 'call'>;
  state: () => S.State;
  set: (state: S.State) => void;
  /** Loads one room as the list shows it. */
  fetchRoom: (roomId: RoomId) => Promise<void>;
  /** Makes the MLS group of an encrypted room I just created (e2ee.ts). */
  createGroup?: (roomId: RoomId) => Promise<void>;
}

export class RoomAdmin {
  constructor(private readonly deps: RoomAdminDeps) {}

  /** The direct room with `userId`, made if it does not exist; opening it accepts their message request. */
  async openDirect(userId: UserId, encrypted = false): Promise<RoomId> {
    const room = await this.deps.rest.post<Room>('/rooms/direct', encrypted ? { user_id: userId, encrypted } : { user_id: userId });
    await this.deps.fetchRoom(room.id);
    if (encrypted) await this.deps.createGroup?.(room.id);
    const state = this.deps.state();
    if (state.rooms[room.id]) this.deps.set(S.removeInvitation(state, room.id));
    return room.id;
  }

  /** Creates a group with me as its owner; the people named are invited. */
  async createGroup(name: string, topic: string, members: UserId[], encrypted = false): Promise<RoomId> {
    const room = await this.deps.rest.post<Room>('/rooms', encrypted ? { name, topic, members, encrypted } : { name, topic, members });
    await this.deps.fetchRoom(room.id);
    if (encrypted) await this.deps.createGroup?.(room.id);
    return room.id;
  }

  async update(roomId: RoomId, change: UpdateRoomRequest): Promise<void> {
    await this.deps.rest.call('PATCH', `/rooms/${roomId}`, change);
  }

  /** Sets a group's picture from an image I uploaded (admins and the owner). */
  async setAvatar(roomId: RoomId, fileId: string): Promise<void> {
    const room = await this.deps.rest.call<Room>('PUT', `/rooms/${roomId}/avatar`, { file_id: fileId });
    this.deps.set(S.setRoomAvatar(this.deps.state(), roomId, room.avatar_file_id));
  }

  async removeAvatar(roomId: RoomId): Promise<void> {
    const room = await this.deps.rest.call<Room>('DELETE', `/rooms/${roomId}/avatar`);
    this.deps.set(S.setRoomAvatar(this.deps.state(), roomId, room.avatar_file_id));
  }

  async removeMember(roomId: RoomId, userId: UserId): Promise<void> {
    await this.deps.rest.call('DELETE', `/rooms/${roomId}/members/${userId}`);
  }

  async setRole(roomId: RoomId, userId: UserId, role: Exclude<Role, 'owner'>): Promise<void> {
    await this.deps.rest.call('PUT', `/rooms/${roomId}/members/${userId}/role`, { role });
  }

  /** Hands the group to another member; I become an admin. */
  async transferOwnership(roomId: RoomId, userId: UserId): Promise<void> {
    await this.deps.rest.post(`/rooms/${roomId}/transfer-ownership`, { user_id: userId });
  }
}
