// Wire types of the Confab protocol, version 1 (docs/protocol.md). They mirror
// crates/confab-proto; unknown fields are ignored and unknown event or frame types
// are skipped, as the protocol asks.

export type UserId = number;
export type RoomId = number;
export type EventId = number;
export type Seq = number;

export interface Profile {
  id: UserId;
  username: string;
  display_name: string;
  status_text: string;
  created_at: string;
}

export interface AuthTokens {
  session_id: number;
  access_token: string;
  access_token_expires_at: string;
  refresh_token: string;
  refresh_token_expires_at: string;
}

export interface AuthResponse {
  user: Profile;
  tokens: AuthTokens;
}

export interface DeviceSession {
  id: number;
  device_name: string;
  user_agent?: string;
  ip?: string;
  created_at: string;
  last_seen_at: string;
  current: boolean;
}

export type Role = 'owner' | 'admin' | 'member';

export interface Room {
  id: RoomId;
  kind: 'direct' | 'group';
  name: string;
  topic: string;
  encrypted: boolean;
  created_by: UserId;
  created_at: string;
  last_seq: Seq;
  last_activity_at: string;
  member_count: number;
}

export interface RoomSummary {
  room: Room;
  my_role: Role;
  peer?: UserId;
  last_message?: RoomEvent;
  unread_count: number;
  mention_count: number;
  read_seq: Seq;
}

export interface Member {
  user_id: UserId;
  role: Role;
  joined_at: string;
  delivered_seq: Seq;
  read_seq: Seq;
}

export type MessageBody = { type: 'text'; text: string } | { type: 'encrypted'; ciphertext: string };

export interface Reaction {
  emoji: string;
  user_ids: UserId[];
}

export interface MessageContent {
  type: 'message';
  client_id: string;
  body?: MessageBody;
  reply_to?: Seq;
  mentions?: UserId[];
  reactions?: Reaction[];
  edited_at?: string;
  deleted_at?: string;
}

export type EventContent =
  | { type: 'room_created'; name: string; encrypted: boolean }
  | MessageContent
  | { type: 'message_edited'; target_seq: Seq; body?: MessageBody }
  | { type: 'message_deleted'; target_seq: Seq }
  | { type: 'reaction_added'; target_seq: Seq; emoji: string }
  | { type: 'reaction_removed'; target_seq: Seq; emoji: string }
  | { type: 'member_added'; user_id: UserId; role: Role }
  | { type: 'member_left'; user_id: UserId }
  | { type: 'member_removed'; user_id: UserId }
  | { type: 'role_changed'; user_id: UserId; role: Role }
  | { type: 'ownership_transferred'; from: UserId; to: UserId }
  | { type: 'room_renamed'; name: string }
  | { type: 'topic_changed'; topic: string }
  | { type: 'read_up_to'; user_id: UserId; seq: Seq }
  | { type: 'delivered_up_to'; user_id: UserId; seq: Seq };

export interface RoomEvent<C = EventContent> {
  id: EventId;
  room_id: RoomId;
  seq: Seq;
  sender_id: UserId;
  created_at: string;
  content: C;
}

export type MessageEvent = RoomEvent<MessageContent>;

export interface HistoryPage {
  events: RoomEvent[];
  has_older: boolean;
  has_newer: boolean;
}

export type PresenceStatus = 'online' | 'away' | 'offline';

export interface Presence {
  user_id: UserId;
  status: PresenceStatus;
  last_seen_at?: string;
}

/** Frames the client sends over the WebSocket. */
export type ClientFrame =
  | { type: 'hello'; token: string; since?: EventId }
  | { type: 'refresh'; id: string; token: string }
  | { type: 'send'; id: string; room_id: RoomId; client_id: string; body: MessageBody; reply_to?: Seq }
  | { type: 'edit'; id: string; room_id: RoomId; seq: Seq; body: MessageBody }
  | { type: 'delete'; id: string; room_id: RoomId; seq: Seq }
  | { type: 'react'; id: string; room_id: RoomId; seq: Seq; emoji: string; add: boolean }
  | { type: 'read'; id: string; room_id: RoomId; seq: Seq }
  | { type: 'delivered'; id: string; room_id: RoomId; seq: Seq }
  | { type: 'typing'; room_id: RoomId; typing: boolean }
  | { type: 'presence'; status: 'online' | 'away' }
  | { type: 'ping'; id: string };

/** Frames the server sends. */
export type ServerFrame =
  | { type: 'ready'; user_id: UserId; session_id: number; protocol: number; cursor: EventId }
  | { type: 'event'; event: RoomEvent }
  | { type: 'resync_required'; cursor: EventId }
  | { type: 'ok'; id: string; event?: RoomEvent }
  | { type: 'error'; id?: string; code: string; message: string }
  | { type: 'typing'; room_id: RoomId; user_id: UserId; typing: boolean }
  | ({ type: 'presence' } & Presence)
  | { type: 'pong'; id: string };

/** The REST error body: `{"error": {"code", "message", "field"?}}`. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string; retry_after_secs?: number };
}

/** The WebSocket protocol version this client speaks. */
export const PROTOCOL_VERSION = 1;

/** Close codes of the server (docs/protocol.md#close-codes). */
export const CloseCode = {
  GoingAway: 1001,
  TooLarge: 1009,
  ServerError: 1011,
  Protocol: 4000,
  Unauthenticated: 4001,
  TimedOut: 4003,
  TooSlow: 4008,
} as const;

/** Distributive request frame without its `id`, for `Session.request`. */
export type RequestFrame = ClientFrame extends infer F
  ? F extends { id: string }
    ? Omit<F, 'id'>
    : never
  : never;
