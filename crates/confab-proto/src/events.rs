//! Room events: everything that happens in a room, in the order the server stored it.
//!
//! Every event has a per-room sequence number (`seq`, 1, 2, 3, ... without gaps) and
//! a position in the server's global log (`id`). History (the timeline) shows
//! messages and room changes; edits, deletions and reactions are events of their own
//! when they happen live, and are folded into the message they target in history.

use crate::RoomId;
use crate::files::FileInfo;
use crate::rooms::Role;
use crate::{EventId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// The body of a message. Tagged by `type` so new kinds (attachments) can be added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MessageBody {
    /// Text with Markdown-style formatting, rendered by clients only.
    Text { text: String },
    /// Ciphertext of an end-to-end encrypted room; the server cannot read it.
    Encrypted { ciphertext: String },
}

/// Who reacted with one emoji.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reaction {
    pub emoji: String,
    pub user_ids: Vec<UserId>,
}

/// What a linked page says about itself, as the server fetched it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkPreview {
    /// The link, as the message has it.
    pub url: String,
    /// The page's title; may be empty.
    pub title: String,
    /// The page's description; may be empty.
    pub description: String,
    /// The site's name; may be empty.
    pub site_name: String,
    /// The page's picture, scaled by the server
    /// (`GET /api/v1/rooms/{room_id}/messages/{seq}/preview/image`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub image: Option<PreviewImage>,
}

/// The picture of a link preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewImage {
    pub width: u32,
    pub height: u32,
    /// `image/jpeg` or `image/png`.
    pub content_type: String,
}

/// A message: its current body (none once deleted), what it replies to, whom it
/// mentions, and its reactions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageState {
    /// The sender's idempotency key.
    pub client_id: String,
    /// `None` once deleted: the tombstone stays in history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub body: Option<MessageBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub reply_to: Option<i64>,
    /// The members it mentions, found when it was sent; never its sender.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<UserId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    /// The files it carries, in the order sent; gone once it is deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<FileInfo>,
    /// The preview of its first link, once the server fetched it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub preview: Option<LinkPreview>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, format = DateTime, nullable = false)
    )]
    pub edited_at: Option<Timestamp>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, format = DateTime, nullable = false)
    )]
    pub deleted_at: Option<Timestamp>,
}

/// What happened. Tagged by `type`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventContent {
    /// The room was created (always `seq` 1).
    RoomCreated {
        name: String,
        encrypted: bool,
    },
    Message(MessageState),
    /// `body` is the new body; it is removed (absent) once the message is deleted,
    /// so deleted text does not survive in its edit history.
    MessageEdited {
        target_seq: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(nullable = false))]
        body: Option<MessageBody>,
    },
    MessageDeleted {
        target_seq: i64,
    },
    ReactionAdded {
        target_seq: i64,
        emoji: String,
    },
    ReactionRemoved {
        target_seq: i64,
        emoji: String,
    },
    /// `user_id` became a member (the event's sender added them, or created the room).
    MemberAdded {
        user_id: UserId,
        role: Role,
    },
    /// `user_id` left by themselves.
    MemberLeft {
        user_id: UserId,
    },
    /// `user_id` was removed by the event's sender.
    MemberRemoved {
        user_id: UserId,
    },
    RoleChanged {
        user_id: UserId,
        role: Role,
    },
    /// The owner handed the room to `to` and became an admin.
    OwnershipTransferred {
        from: UserId,
        to: UserId,
    },
    /// `user_id` has read everything up to `seq` (their read marker moved).
    ReadUpTo {
        user_id: UserId,
        seq: i64,
    },
    /// Everything up to `seq` reached one of `user_id`'s devices.
    DeliveredUpTo {
        user_id: UserId,
        seq: i64,
    },
    RoomRenamed {
        name: String,
    },
    TopicChanged {
        topic: String,
    },
    /// The group's picture changed (`avatar_file_id` absent: removed).
    RoomAvatarChanged {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(nullable = false))]
        avatar_file_id: Option<String>,
    },
    /// Who may join the group, post or pin in it changed; the settings as they are
    /// now.
    RoomAccessChanged {
        visibility: crate::rooms::RoomVisibility,
        posting: crate::rooms::PostingPolicy,
        /// Absent in events stored before pins existed: `admins`.
        #[serde(default)]
        pinning: crate::rooms::PinPolicy,
    },
    /// The sender pinned message `target_seq`.
    MessagePinned {
        target_seq: i64,
    },
    /// The sender unpinned message `target_seq`.
    MessageUnpinned {
        target_seq: i64,
    },
    /// The server fetched the preview of the first link of message `target_seq`
    /// (the event's sender is the message's).
    LinkPreviewAdded {
        target_seq: i64,
        preview: LinkPreview,
    },
    /// The sender removed the preview of their message `target_seq`.
    LinkPreviewRemoved {
        target_seq: i64,
    },
    /// A commit of the room's MLS group (end-to-end encrypted rooms): the group moved
    /// to `epoch`. Not in the timeline; members process it in log order.
    MlsCommit {
        /// The epoch the commit starts.
        epoch: i64,
        /// The device that made it.
        device_id: crate::SessionId,
        /// The `MLSMessage` (a `PublicMessage`), standard base64.
        commit: String,
        /// Devices it added, with their new leaves.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        added: Vec<crate::mls::GroupMember>,
        /// Leaves it removed.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        removed: Vec<crate::mls::GroupMember>,
    },
    /// An event type this version does not know (from a newer server). Clients
    /// skip it; it is never stored.
    #[serde(other)]
    Unknown,
}

impl EventContent {
    /// Stable name of the event type, as in the `type` tag.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::RoomCreated { .. } => "room_created",
            Self::Message(_) => "message",
            Self::MessageEdited { .. } => "message_edited",
            Self::MessageDeleted { .. } => "message_deleted",
            Self::ReactionAdded { .. } => "reaction_added",
            Self::ReactionRemoved { .. } => "reaction_removed",
            Self::MemberAdded { .. } => "member_added",
            Self::MemberLeft { .. } => "member_left",
            Self::MemberRemoved { .. } => "member_removed",
            Self::RoleChanged { .. } => "role_changed",
            Self::OwnershipTransferred { .. } => "ownership_transferred",
            Self::ReadUpTo { .. } => "read_up_to",
            Self::DeliveredUpTo { .. } => "delivered_up_to",
            Self::RoomRenamed { .. } => "room_renamed",
            Self::TopicChanged { .. } => "topic_changed",
            Self::RoomAvatarChanged { .. } => "room_avatar_changed",
            Self::RoomAccessChanged { .. } => "room_access_changed",
            Self::MessagePinned { .. } => "message_pinned",
            Self::MessageUnpinned { .. } => "message_unpinned",
            Self::LinkPreviewAdded { .. } => "link_preview_added",
            Self::LinkPreviewRemoved { .. } => "link_preview_removed",
            Self::MlsCommit { .. } => "mls_commit",
            Self::Unknown => "unknown",
        }
    }
}

/// One event of a room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomEvent {
    pub id: EventId,
    pub room_id: RoomId,
    pub seq: i64,
    pub sender_id: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    pub content: EventContent,
}

/// `POST /api/v1/rooms/{id}/messages`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendMessageRequest {
    /// Client-generated id, 1-64 characters, unique per sender. Sending again with
    /// the same id returns the original message instead of creating a second one.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub client_id: String,
    pub body: MessageBody,
    /// Sequence number of the message this replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub reply_to: Option<i64>,
    /// Ids of files I uploaded, to carry in this message (`--max-attachments`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
}

/// `PATCH /api/v1/rooms/{id}/messages/{seq}`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditMessageRequest {
    pub body: MessageBody,
}

/// `PUT`/`DELETE /api/v1/rooms/{id}/messages/{seq}/reactions`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReactionRequest {
    pub emoji: String,
}

/// `POST /api/v1/rooms/{id}/read`: I have read everything up to `seq`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadMarkerRequest {
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub seq: i64,
}

/// A page of history: timeline events, oldest first.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryPage {
    pub events: Vec<RoomEvent>,
    /// Older timeline events exist before the first one of this page.
    pub has_older: bool,
    /// Newer timeline events exist after the last one of this page.
    pub has_newer: bool,
}
