//! Notifications: what the server decided a user should be told of, per-room
//! notification levels, do-not-disturb, and Web Push subscriptions.
//!
//! The server reads the committed event log and records a [`Notification`] for each
//! user an event concerns (a direct message, a mention, a reply, being added to a
//! group...). Records are listed over REST, arrive live over the WebSocket
//! (`notification` frames) and, for users with no active device, by Web Push.
//! See docs/protocol.md, "Notifications".

use crate::rooms::Role;
use crate::{EventId, RoomId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// Why I am notified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A message in a direct room.
    DirectMessage,
    /// A message in a group whose level for me is `all`.
    Message,
    /// A message that mentions me by `@username`.
    Mention,
    /// A message that mentions `@room`.
    RoomMention,
    /// A reply to one of my messages.
    Reply,
    /// A reaction to one of my messages (only when I turned reaction notifications on).
    Reaction,
    /// I was added to a group (I accepted an invitation).
    Added,
    /// I was removed from a group.
    Removed,
    /// My role in a group changed (`role` says to what).
    RoleChanged,
    /// A group I am in was renamed (`room_name` is the new name).
    RoomRenamed,
}

/// One notification. The event it is about is `seq` in `room_id`
/// (`GET /api/v1/rooms/{room_id}/messages?around={seq}` loads the history around it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    /// Increases with every notification; `GET /api/v1/notifications?before=` pages by it.
    pub id: i64,
    pub kind: NotificationKind,
    pub room_id: RoomId,
    /// The event's sequence number in its room.
    pub seq: i64,
    pub event_id: EventId,
    /// Who caused it: the sender, the reacting user, the admin who changed my role.
    pub actor_id: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// I read it: marked read, or my read marker in the room passed `seq`.
    pub read: bool,
    /// Messages: the start of the text as it was sent (at most 200 characters).
    /// Never present for end-to-end encrypted rooms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub excerpt: Option<String>,
    /// `reaction`: the emoji.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub emoji: Option<String>,
    /// `role_changed`: my new role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub role: Option<Role>,
    /// `room_renamed`: the new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub room_name: Option<String>,
}

/// `GET /api/v1/notifications`: newest first.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationPage {
    pub notifications: Vec<Notification>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub next_before: Option<i64>,
    /// How many of all my notifications are unread (capped at 999).
    pub unread_count: i64,
}

/// The answer to marking notifications read.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationCount {
    /// How many of my notifications are unread (capped at 999).
    pub unread_count: i64,
}

/// `POST /api/v1/notifications/read`: marks my notifications read.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkNotificationsReadRequest {
    /// These notifications. Without `ids`, every notification up to `up_to`, or all
    /// of them without either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_to: Option<i64>,
}

/// When a room notifies me.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationLevel {
    /// Every message (the default for direct rooms).
    All,
    /// Mentions, `@room`, replies to me and membership changes (the default for
    /// groups). In a direct room, the same as `all`.
    Mentions,
    /// Nothing: the room is muted (no records, no push).
    Nothing,
}

/// What a [`crate::rooms::RoomSummary`] from an older server means: `mentions`.
pub fn default_level() -> NotificationLevel {
    NotificationLevel::Mentions
}

/// `PUT /api/v1/rooms/{id}/notification-level`, and what `GET` returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomNotificationLevel {
    pub level: NotificationLevel,
    /// `GET` only: true when `level` is the room kind's default, not my choice.
    /// `PUT` with `"default": true` goes back to the default (`level` is then ignored).
    #[serde(default)]
    pub default: bool,
}

/// A daily quiet period: from `start` to `end` (local times `HH:MM` in `time_zone`;
/// `end` before `start` runs past midnight) on the given days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuietHours {
    pub start: String,
    pub end: String,
    /// An IANA time zone name, such as `Europe/Berlin`.
    pub time_zone: String,
    /// Days on which the period starts, 0 = Monday ... 6 = Sunday; empty = every day.
    #[serde(default)]
    pub days: Vec<u8>,
}

/// `GET /api/v1/notifications/settings` (and the answer to `PUT`): my global
/// notification settings.
/// While do-not-disturb is in effect, notifications are still recorded (and listed)
/// but nothing is pushed and clients show no pop-ups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationSettings {
    /// Do not disturb until this time (absent: not switched on by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, value_type = String, format = DateTime))]
    #[serde(with = "time::serde::rfc3339::option")]
    pub dnd_until: Option<Timestamp>,
    /// Do not disturb every day (or on some days) at these hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub quiet_hours: Option<QuietHours>,
    /// Notify me of reactions to my messages (off by default).
    #[serde(default)]
    pub reactions: bool,
    /// Whether do-not-disturb is in effect now.
    #[serde(default)]
    pub dnd_active: bool,
}

/// `PUT /api/v1/notifications/settings`: replaces my settings; a field left out (or
/// `null`) is off.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetNotificationSettingsRequest {
    /// Do not disturb until this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub dnd_until: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_hours: Option<QuietHours>,
    /// Notify me of reactions to my messages.
    #[serde(default)]
    pub reactions: bool,
}

/// `GET /api/v1/push/key`: the server's VAPID public key, the
/// `applicationServerKey` for `PushManager.subscribe()`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushKey {
    /// The uncompressed P-256 public key, base64url without padding.
    pub public_key: String,
}

/// The keys of a push subscription, as `PushSubscription.toJSON()` gives them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushKeys {
    /// The browser's P-256 public key, base64url.
    pub p256dh: String,
    /// The 16-byte authentication secret, base64url.
    pub auth: String,
}

/// `POST /api/v1/push/subscriptions`: this device's push subscription
/// (`PushSubscription.toJSON()`; other fields are ignored). Registering the same
/// endpoint again replaces its keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushSubscriptionRequest {
    pub endpoint: String,
    pub keys: PushKeys,
}

/// A push subscription of one of my devices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushSubscription {
    pub id: i64,
    pub endpoint: String,
    /// The device session that registered it; it ends with the session.
    pub session_id: crate::SessionId,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// `GET /api/v1/push/subscriptions`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushSubscriptionList {
    pub subscriptions: Vec<PushSubscription>,
}

/// What a Web Push message carries (JSON, encrypted with RFC 8291 for the
/// subscription). The service worker shows it and opens `url` on a click.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushPayload {
    pub notification_id: i64,
    pub kind: NotificationKind,
    pub room_id: RoomId,
    pub seq: i64,
    /// A title ready to show: "Alice Martin" for a direct message, "Alice Martin in
    /// Design" for a group.
    pub title: String,
    /// The text to show. For end-to-end encrypted rooms it never holds message text
    /// ("New message").
    pub body: String,
    /// True for end-to-end encrypted rooms: `body` is generic.
    pub encrypted: bool,
    /// Where the web client opens the message (a path on this server).
    pub url: String,
    /// How many notifications are unread (for an app badge).
    pub unread_count: i64,
}
