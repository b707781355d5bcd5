// Making and managing rooms over REST: a direct room, a group, a group's name, topic,
// picture, who may join, post and pin, and its members' roles; the channel directory
// and joining a public group; pinned messages. What these change reaches the client
// as room events, like every other change.

import type { Rest } from './rest';
import * as S from './state';
import type { ChannelPage, Pin, PinList, PinPolicy, PostingPolicy, Role, Room, RoomId, RoomVisibility, Seq, UpdateRoomRequest, UserId } from './types';

/** How a new group is set up besides its name, topic and people. */
export interface GroupOptions {
  encrypted?: boolean;
  visibility?: RoomVisibility;
  posting?: PostingPolicy;
  pinning?: PinPolicy;
}

/** Page size of the channel directory. */
export const DIRECTORY_PAGE = 30;

export interface RoomAdminDeps {
  rest: Pick<Rest, 'post' | 'call' | 'get'>;
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
  async createGroup(name: string, topic: string, members: UserId[], options: GroupOptions = {}): Promise<RoomId> {
    const { encrypted = false, visibility = 'private', posting = 'everyone', pinning = 'admins' } = options;
    const room = await this.deps.rest.post<Room>('/rooms', { name, topic, members, encrypted, visibility, posting, pinning });
    await this.deps.fetchRoom(room.id);
    if (encrypted) await this.deps.createGroup?.(room.id);
    return room.id;
  }

  /** A page of the channel directory: public groups whose name or topic holds every word of `search`. */
  async directory(search: string, offset = 0): Promise<ChannelPage> {
    const query = new URLSearchParams({ q: search.trim(), offset: String(offset), limit: String(DIRECTORY_PAGE) });
    return this.deps.rest.get<ChannelPage>(`/channels?${query.toString()}`);
  }

  /** Joins a public group; it is in my list when this returns. */
  async join(roomId: RoomId): Promise<void> {
    await this.deps.rest.post(`/rooms/${roomId}/join`);
    await this.deps.fetchRoom(roomId);
    const state = this.deps.state();
    if (state.invitations?.some((i) => i.room.id === roomId)) this.deps.set(S.removeInvitation(state, roomId));
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

  /** A room's pinned messages, the latest pin first (pins.ts keeps them in the state). */
  async pins(roomId: RoomId): Promise<Pin[]> {
    return (await this.deps.rest.get<PinList>(`/rooms/${roomId}/pins`)).pins;
  }

  /** Pins message `seq` (see `mayPin`); its `message_pinned` event follows. */
  async pin(roomId: RoomId, seq: Seq): Promise<void> {
    await this.deps.rest.call('PUT', `/rooms/${roomId}/pins/${seq}`);
  }

  /** Unpins message `seq`, whoever pinned it; its `message_unpinned` event follows. */
  async unpin(roomId: RoomId, seq: Seq): Promise<void> {
    await this.deps.rest.call('DELETE', `/rooms/${roomId}/pins/${seq}`);
  }
}
