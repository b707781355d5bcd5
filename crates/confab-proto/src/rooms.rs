//! Rooms, members, messages and room events.

use crate::RoomId;
use crate::events::RoomEvent;
use crate::{Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// Direct rooms hold exactly two people, one room per pair; groups have a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    Direct,
    Group,
}

/// What a member may do. Owners and admins manage members and settings; only the
/// owner can make admins or hand over ownership.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Admin,
    Owner,
}

/// Who may join a group. Direct rooms are always `private`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoomVisibility {
    /// Only people invited by a member join (`POST /api/v1/rooms/{id}/invitations`).
    #[default]
    Private,
    /// Listed in the channel directory (`GET /api/v1/channels`); anyone signed in
    /// joins with `POST /api/v1/rooms/{id}/join`. Never end-to-end encrypted.
    Public,
}

/// Who may post messages in a group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PostingPolicy {
    /// Every member.
    #[default]
    Everyone,
    /// Only admins and the owner (an announcements room). Members still read, react
    /// and mark as read.
    Admins,
}

/// Who may pin messages in a group. In a direct room both people pin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PinPolicy {
    /// Only admins and the owner.
    #[default]
    Admins,
    /// Every member.
    Everyone,
}

/// A room as its members see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Room {
    pub id: RoomId,
    pub kind: RoomKind,
    /// Empty for direct rooms.
    pub name: String,
    pub topic: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub avatar_file_id: Option<String>,
    /// Set at creation; messages in an encrypted room are opaque to the server.
    pub encrypted: bool,
    pub created_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// Sequence number of the room's latest event.
    pub last_seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub last_activity_at: Timestamp,
    pub member_count: i64,
    /// Who may join (groups).
    #[serde(default)]
    pub visibility: RoomVisibility,
    /// Who may post messages (groups).
    #[serde(default)]
    pub posting: PostingPolicy,
    /// Who may pin messages: always `everyone` in a direct room.
    #[serde(default)]
    pub pinning: PinPolicy,
}

/// One entry of my room list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomSummary {
    pub room: Room,
    pub my_role: Role,
    /// For direct rooms: the other person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub peer: Option<UserId>,
    /// Latest message, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub last_message: Option<RoomEvent>,
    /// Messages from others after my read marker that are not deleted (capped at
    /// 999).
    pub unread_count: i64,
    /// Of those, the ones that mention me (capped at 999).
    pub mention_count: i64,
    /// My read marker: I have read everything up to this sequence number.
    pub read_seq: i64,
    /// When this room notifies me (`PUT /api/v1/rooms/{id}/notification-level`).
    #[serde(default = "crate::notifications::default_level")]
    pub notification_level: crate::notifications::NotificationLevel,
}

/// `GET /api/v1/rooms`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomList {
    pub rooms: Vec<RoomSummary>,
}

/// A member of a room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub user_id: UserId,
    pub role: Role,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub joined_at: Timestamp,
    /// Everything up to this sequence number has reached one of the member's devices.
    pub delivered_seq: i64,
    /// Everything up to this sequence number has been read by the member.
    pub read_seq: i64,
}

/// `GET /api/v1/rooms/{id}/members`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberList {
    pub members: Vec<Member>,
}

/// `POST /api/v1/rooms`: create a group.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateGroupRequest {
    pub name: String,
    #[serde(default)]
    pub topic: String,
    /// People to invite besides the creator, who becomes owner. Each joins by
    /// accepting the invitation.
    #[serde(default)]
    pub members: Vec<UserId>,
    /// End-to-end encrypted room: fixed at creation.
    #[serde(default)]
    pub encrypted: bool,
    /// `public`: listed in the channel directory and open to anyone signed in
    /// (not with `encrypted`).
    #[serde(default)]
    pub visibility: RoomVisibility,
    /// `admins`: only admins and the owner post (an announcements room).
    #[serde(default)]
    pub posting: PostingPolicy,
    /// `everyone`: every member may pin messages, not only admins and the owner.
    #[serde(default)]
    pub pinning: PinPolicy,
}

/// `POST /api/v1/rooms/direct`: the direct room with one person, created if needed.
/// With someone I share no room with, it starts as a request: they are invited, and
/// the room has one member until they accept.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenDirectRequest {
    pub user_id: UserId,
    /// The pair's end-to-end encrypted direct room instead of the plain one: a pair
    /// may have one of each.
    #[serde(default)]
    pub encrypted: bool,
}

/// `PATCH /api/v1/rooms/{id}`: fields left out stay as they are.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateRoomRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// An end-to-end encrypted room cannot be made public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<RoomVisibility>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posting: Option<PostingPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinning: Option<PinPolicy>,
}

/// `PUT /api/v1/rooms/{id}/members/{user_id}/role`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetRoleRequest {
    pub role: Role,
}

/// `POST /api/v1/rooms/{id}/transfer-ownership`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferOwnershipRequest {
    pub user_id: UserId,
}

/// One public group of the channel directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelEntry {
    pub room_id: RoomId,
    pub name: String,
    pub topic: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub avatar_file_id: Option<String>,
    pub member_count: i64,
    pub posting: PostingPolicy,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub last_activity_at: Timestamp,
    /// Whether I am a member.
    pub joined: bool,
}

/// `GET /api/v1/channels`: public groups, most members first.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelPage {
    pub channels: Vec<ChannelEntry>,
    /// How many public groups match, in all pages.
    pub total: i64,
}

/// A pinned message of a room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pin {
    /// The message as it is now (edits applied), without reactions.
    pub message: RoomEvent,
    /// Who pinned it.
    pub pinned_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub pinned_at: Timestamp,
}

/// `GET /api/v1/rooms/{id}/pins`: the room's pinned messages, latest pin first.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PinList {
    pub pins: Vec<Pin>,
}
