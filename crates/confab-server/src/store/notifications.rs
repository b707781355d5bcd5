//! Persistence of notifications: the records, the notifier's place in the event log,
//! per-room levels and global settings, and Web Push subscriptions with their
//! pending pushes and retries: the [`NotificationStore`] trait.

use super::StoreResult;
use crate::clock::Millis;
use async_trait::async_trait;
use confab_proto::notifications::{NotificationKind, NotificationLevel};
use confab_proto::rooms::{Role, RoomKind};
use confab_proto::{EventId, RoomId, SessionId, UserId};
use serde::{Deserialize, Serialize};

/// The name of the notifier's cursor in the event log.
pub const NOTIFIER_CURSOR: &str = "notifications";

/// What a notification says beside its kind, as stored (JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationDetails {
    #[serde(rename = "excerpt", default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    #[serde(rename = "emoji", default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    #[serde(rename = "role", default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(rename = "room_name", default, skip_serializing_if = "Option::is_none")]
    pub room_name: Option<String>,
}

/// A notification as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationRecord {
    pub id: i64,
    pub user_id: UserId,
    pub room_id: RoomId,
    pub seq: i64,
    pub event_id: EventId,
    pub kind: NotificationKind,
    pub actor_id: UserId,
    pub created_at: Millis,
    pub read: bool,
    pub details: NotificationDetails,
}

/// A notification to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotification {
    pub user_id: UserId,
    pub room_id: RoomId,
    pub seq: i64,
    pub event_id: EventId,
    pub kind: NotificationKind,
    pub actor_id: UserId,
    pub created_at: Millis,
    /// Already read (the user's read marker is past it).
    pub read: bool,
    pub details: NotificationDetails,
    /// When to consider pushing it; `None`: never.
    pub push_at: Option<Millis>,
}

/// A read marker that moved: the user's notifications of the room up to `seq` are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoomRead {
    pub user_id: UserId,
    pub room_id: RoomId,
    pub seq: i64,
}

/// What the notifier commits for one stretch of the log, atomically with its cursor.
#[derive(Clone, Debug, Default)]
pub struct NotifierBatch {
    pub from: EventId,
    pub to: EventId,
    pub new: Vec<NewNotification>,
    pub reads: Vec<RoomRead>,
}

/// What a notifier batch changed.
#[derive(Clone, Debug, Default)]
pub struct CommittedBatch {
    /// The notifications recorded.
    pub created: Vec<NotificationRecord>,
    /// The read markers that marked some notification read.
    pub reads: Vec<RoomRead>,
}

/// Which notifications to mark read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadSelection {
    Ids(Vec<i64>),
    UpTo(i64),
    All,
}

/// A room member as the notifier sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub user_id: UserId,
    pub role: Role,
    /// Their choice for the room; `None` is the room kind's default.
    pub level: Option<NotificationLevel>,
    pub read_seq: i64,
    pub settings: SettingsRecord,
}

/// A room as the notifier sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomContext {
    pub kind: RoomKind,
    pub name: String,
    pub encrypted: bool,
    /// Current members (and, for `removed` and `left`, the member who went).
    pub members: Vec<Recipient>,
}

/// Quiet hours as stored (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHoursRecord {
    /// Minutes after local midnight.
    #[serde(rename = "start")]
    pub start_minute: u16,
    #[serde(rename = "end")]
    pub end_minute: u16,
    #[serde(rename = "tz")]
    pub time_zone: String,
    /// Days it starts on, 0 = Monday; empty = every day.
    #[serde(rename = "days", default)]
    pub days: Vec<u8>,
}

/// A user's global notification settings as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsRecord {
    pub dnd_until: Option<Millis>,
    pub quiet_hours: Option<QuietHoursRecord>,
    pub reactions: bool,
}

/// A push subscription as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushSubscriptionRecord {
    pub id: i64,
    pub user_id: UserId,
    pub session_id: SessionId,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub created_at: Millis,
}

/// One push to try: a notification for one subscription, and how many tries it had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushJob {
    pub notification: NotificationRecord,
    pub subscription: PushSubscriptionRecord,
    pub attempts: u32,
}

/// Persistence of notifications and push subscriptions.
#[async_trait]
pub trait NotificationStore: Send + Sync + 'static {
    /// Claims the lease `name` for `holder` until `until`, or renews it; true if
    /// `holder` holds it now (it was free, expired at `now`, or `holder`'s already).
    async fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        now: Millis,
        until: Millis,
    ) -> StoreResult<bool>;
    /// Gives up the lease `name` if `holder` holds it.
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()>;
    /// How far the named log consumer has read.
    async fn log_cursor(&self, name: &str) -> StoreResult<EventId>;
    /// Records the batch and moves the cursor from `batch.from` to `batch.to` in one
    /// transaction; `None` (and nothing changed) if the cursor was no longer at
    /// `from` because another node did it.
    async fn commit_notifier_batch(
        &self,
        name: &str,
        batch: &NotifierBatch,
        now: Millis,
    ) -> StoreResult<Option<CommittedBatch>>;
    /// The room and its current members with their levels and settings; `extra`
    /// adds these users even if they are no longer members (someone just removed).
    async fn room_context(
        &self,
        room: RoomId,
        extra: &[UserId],
    ) -> StoreResult<Option<RoomContext>>;
    /// The sender (or author) of the message `seq` of `room`, if it is a message.
    async fn message_author(&self, room: RoomId, seq: i64) -> StoreResult<Option<UserId>>;

    /// The user's notifications, newest first, with ids below `before`.
    async fn notifications(
        &self,
        user: UserId,
        before: Option<i64>,
        limit: u32,
        unread_only: bool,
    ) -> StoreResult<Vec<NotificationRecord>>;
    /// One notification of the user.
    async fn notification(&self, user: UserId, id: i64) -> StoreResult<Option<NotificationRecord>>;
    /// How many of the user's notifications are unread, counting at most `cap`.
    async fn unread_notifications(&self, user: UserId, cap: i64) -> StoreResult<i64>;
    /// Marks notifications read; returns how many changed.
    async fn mark_notifications_read(
        &self,
        user: UserId,
        which: &ReadSelection,
        now: Millis,
    ) -> StoreResult<u64>;
    /// Deletes notifications created before `cutoff`; returns how many.
    async fn prune_notifications(&self, cutoff: Millis) -> StoreResult<u64>;

    /// Sets the user's level in a room they are in (`None`: the default); false if
    /// they are not a member.
    async fn set_room_level(
        &self,
        room: RoomId,
        user: UserId,
        level: Option<NotificationLevel>,
    ) -> StoreResult<bool>;
    /// The user's level in a room (`Ok(None)` if not a member; `Some(None)`: default).
    async fn room_level(
        &self,
        room: RoomId,
        user: UserId,
    ) -> StoreResult<Option<Option<NotificationLevel>>>;
    /// The user's global settings (defaults if never set).
    async fn settings(&self, user: UserId) -> StoreResult<SettingsRecord>;
    async fn set_settings(&self, user: UserId, settings: &SettingsRecord) -> StoreResult<()>;

    /// Adds (or, for a known endpoint, replaces) a subscription, unless the user has
    /// `max` others already (then `None`).
    async fn add_push_subscription(
        &self,
        subscription: &PushSubscriptionRecord,
        max: usize,
    ) -> StoreResult<Option<PushSubscriptionRecord>>;
    async fn push_subscriptions(&self, user: UserId) -> StoreResult<Vec<PushSubscriptionRecord>>;
    /// Removes one of the user's subscriptions (`user: None`: whoever's); false if
    /// there was none.
    async fn remove_push_subscription(&self, user: Option<UserId>, id: i64) -> StoreResult<bool>;
    /// Takes the notifications due for a push decision (at most `limit`), so no
    /// other node takes them too.
    async fn take_due_pushes(
        &self,
        now: Millis,
        limit: u32,
    ) -> StoreResult<Vec<NotificationRecord>>;
    /// Schedules another try of a push.
    async fn schedule_push_retry(
        &self,
        notification: i64,
        subscription: i64,
        attempts: u32,
        due_at: Millis,
    ) -> StoreResult<()>;
    /// Takes the retries that are due (at most `limit`), with their notification
    /// and subscription.
    async fn take_due_retries(&self, now: Millis, limit: u32) -> StoreResult<Vec<PushJob>>;
}
