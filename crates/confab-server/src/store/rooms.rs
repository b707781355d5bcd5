//! Persistence of rooms, membership and the event log: the [`RoomStore`] trait.
//!
//! Every change to a room is one call to [`RoomStore::append`], which in a single
//! transaction checks that the sender is a member, applies the change, allocates the
//! room's next sequence number and stores the event. An event therefore exists if
//! and only if its change happened, and the caller acknowledges only after commit.
//! Permission rules (who may remove whom) belong to the service; the store only
//! enforces what must hold even under races: membership and message existence.

use super::StoreResult;
use super::events::{AttachmentRecord, BodyRecord, EventRecord};
use crate::clock::Millis;
use async_trait::async_trait;
use confab_proto::rooms::{PinPolicy, PostingPolicy, Role, RoomKind, RoomVisibility};
use confab_proto::{EventId, RoomId, SessionId, UserId};

/// A room as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomRecord {
    pub id: RoomId,
    pub kind: RoomKind,
    pub name: String,
    pub topic: String,
    pub avatar_file_id: Option<String>,
    pub encrypted: bool,
    pub created_by: UserId,
    pub created_at: Millis,
    pub last_seq: i64,
    pub last_activity_at: Millis,
    pub member_count: i64,
    /// Direct rooms only: the pair's [`direct_key`].
    pub direct_key: Option<String>,
    pub visibility: RoomVisibility,
    pub posting: PostingPolicy,
    pub pinning: PinPolicy,
}

impl RoomRecord {
    /// For a direct room of `me`, the other person (a member or not).
    pub fn peer_of(&self, me: UserId) -> Option<UserId> {
        direct_peer(self.direct_key.as_deref()?, me)
    }
}

/// A membership as stored; `left_seq` is set once the user left or was removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRecord {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub role: Role,
    pub joined_at: Millis,
    pub left_seq: Option<i64>,
    pub read_seq: i64,
    pub delivered_seq: i64,
}

impl MemberRecord {
    pub fn is_current(&self) -> bool {
        self.left_seq.is_none()
    }
}

/// What [`RoomStore::create_room`] needs. Members are added with one event each,
/// after the `room_created` event.
#[derive(Clone, Debug)]
pub struct NewRoom<'a> {
    pub kind: RoomKind,
    pub name: &'a str,
    pub topic: &'a str,
    pub encrypted: bool,
    pub visibility: RoomVisibility,
    pub posting: PostingPolicy,
    /// `Everyone` for direct rooms.
    pub pinning: PinPolicy,
    /// Set for direct rooms; [`super::StoreError::Conflict`] if the pair has one.
    pub direct_key: Option<&'a str>,
    pub creator: UserId,
    /// Everyone who starts as a member, the creator included.
    pub members: &'a [(UserId, Role)],
    /// Everyone invited at creation, by the creator.
    pub invited: &'a [UserId],
    pub now: Millis,
}

/// One change to a room. Owned, so it can be handed to the task that batches
/// event writes (the SQL store's group-commit writer).
#[derive(Clone, Debug)]
pub enum RoomChange {
    SendMessage {
        client_id: String,
        body: BodyRecord,
        reply_to: Option<i64>,
        mentions: Vec<UserId>,
        /// Files the sender uploaded, checked by the service.
        attachments: Vec<AttachmentRecord>,
    },
    EditMessage {
        seq: i64,
        body: BodyRecord,
    },
    DeleteMessage {
        seq: i64,
    },
    AddReaction {
        seq: i64,
        emoji: String,
    },
    RemoveReaction {
        seq: i64,
        emoji: String,
    },
    AddMember {
        user_id: UserId,
        role: Role,
    },
    /// The sender accepts their invitation: it is consumed and they join as a
    /// member. The only change a non-member may make; `NotMember` without an
    /// invitation.
    AcceptInvitation,
    /// The sender joins a public room as a member (consuming an invitation they may
    /// have). The other change a non-member may make; `NotAllowed` unless the room
    /// is public when it is applied.
    JoinPublic,
    /// `by_self`: the user left; otherwise the sender removed them.
    RemoveMember {
        user_id: UserId,
        by_self: bool,
    },
    SetRole {
        user_id: UserId,
        role: Role,
    },
    /// Moves the sender's read marker (and delivery marker) forward to `seq`.
    MarkRead {
        seq: i64,
    },
    /// Moves the sender's delivery marker forward to `seq`.
    MarkDelivered {
        seq: i64,
    },
    /// The sender (the owner) becomes an admin and `to` the owner, in one event.
    TransferOwnership {
        to: UserId,
    },
    Rename {
        name: String,
    },
    SetTopic {
        topic: String,
    },
    /// A new picture for the room (`None` removes it).
    SetAvatar {
        file_id: Option<String>,
    },
    /// Who may join the room and who may post in it.
    SetAccess {
        visibility: RoomVisibility,
        posting: PostingPolicy,
        pinning: PinPolicy,
    },
    /// Pins message `seq`, unless the room has `max` pins (`LimitReached`).
    Pin {
        seq: i64,
        max: u32,
    },
    Unpin {
        seq: i64,
    },
    /// Attaches the preview a fetch found to the sender's message `seq`, unless it
    /// has one, was deleted, or the sender removed its preview.
    AttachPreview {
        seq: i64,
        preview: super::previews::PreviewRecord,
    },
    /// The sender removes the preview of their message `seq` for good.
    RemovePreview {
        seq: i64,
    },
    /// An MLS application message (encrypted rooms), made by the sender's device
    /// `device` in epoch `epoch`: stored only if that is the group's epoch, the
    /// device has a leaf, and no leaf waits to be removed.
    SendEncrypted {
        client_id: String,
        ciphertext: String,
        device: SessionId,
        epoch: i64,
        /// Encrypted files the sender uploaded, checked by the service.
        attachments: Vec<AttachmentRecord>,
    },
    /// A commit of the room's MLS group; see [`MlsCommit`].
    MlsCommit(MlsCommit),
}

/// A commit as the service read it from its public framing: stored only if the
/// group is at `epoch`, `sender_leaf` is `device`'s leaf, each removed leaf may be
/// removed by the sender and each added device belongs to a current member.
#[derive(Clone, Debug)]
pub struct MlsCommit {
    pub device: SessionId,
    /// The epoch it was made in; the group moves to the next one.
    pub epoch: i64,
    pub sender_leaf: u32,
    /// The `MLSMessage`, base64.
    pub commit: String,
    /// Devices added, in the order of the commit's Add proposals.
    pub added: Vec<(UserId, SessionId)>,
    /// Leaves removed.
    pub removed: Vec<u32>,
    /// The Welcome for the added devices (base64), kept for each of them.
    pub welcome: Option<String>,
}

/// Why an MLS change was not stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MlsRefusal {
    /// The room's group was not created yet.
    NoGroup,
    /// The group is at another epoch.
    Stale { current: i64 },
    /// The device has no leaf in the group.
    NotInGroup,
    /// Leaves of people who left or of ended sessions must be removed first.
    RemovalPending,
    /// The commit does not fit the room (the reason, for the caller).
    Invalid(String),
}

/// Outcome of [`RoomStore::append`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Appended {
    /// The change was applied and this event stored.
    Event(EventRecord),
    /// A message with the same client id was sent before: this is the original.
    Duplicate(EventRecord),
    /// The change would change nothing (the reaction exists, the user is a member).
    Unchanged,
    /// The sender is not a current member of the room.
    NotMember,
    /// The sender's role no longer allows the change (it changed concurrently).
    NotAllowed,
    /// The target message does not exist, is deleted, or the target user is not a
    /// member (for role changes and removals).
    TargetMissing,
    /// An MLS commit or encrypted message that does not fit the room's group.
    MlsRefused(MlsRefusal),
    /// A count the change would raise is at its limit (the room's pins).
    LimitReached,
}

/// Which part of the timeline to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryAnchor {
    /// The newest events.
    Latest,
    /// Events before this sequence number (exclusive).
    Before(i64),
    /// Events after this sequence number (exclusive).
    After(i64),
    /// Events around this sequence number, itself included.
    Around(i64),
}

/// A room in a user's room list, with the counts the list shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomListEntry {
    pub room: RoomRecord,
    pub membership: MemberRecord,
    pub peer: Option<UserId>,
    pub last_message: Option<EventRecord>,
    pub unread_count: i64,
    pub mention_count: i64,
    /// The user's notification level for the room; `None`: the kind's default.
    pub notification_level: Option<confab_proto::notifications::NotificationLevel>,
}

/// A page of the timeline, oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelinePage {
    pub events: Vec<EventRecord>,
    /// Older timeline events exist before the first one of this page.
    pub has_older: bool,
    /// Newer timeline events exist after the last one of this page.
    pub has_newer: bool,
}

/// A page of the channel directory to read: public groups whose name or topic
/// holds every one of `words`, most members first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirectoryQuery {
    /// Whose memberships `joined` reports.
    pub user: UserId,
    /// Folded by [`super::search::fold`], each non-empty.
    pub words: Vec<String>,
    pub offset: u32,
    pub limit: u32,
}

/// A page of the channel directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryPage {
    /// Each room, and whether the user is a current member.
    pub rooms: Vec<(RoomRecord, bool)>,
    /// How many public groups match, in all pages.
    pub total: i64,
}

/// A pinned message: the message event as it is now, without reactions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinRecord {
    pub message: EventRecord,
    pub pinned_by: UserId,
    pub pinned_at: Millis,
}

/// The text the channel directory searches for a room: its folded name and topic.
pub fn directory_text(name: &str, topic: &str) -> String {
    super::search::fold(&format!("{name}\n{topic}"))
}

/// See [`RoomStore::committed`].
pub type CommitWatch = tokio::sync::watch::Receiver<EventId>;

/// The events one transaction committed, in id order.
///
/// Where writers take turns (SQLite), the commit also says which event it follows
/// (`after`): its events are then every committed event with an id above `after`,
/// up to the last one's (the ids missing from that range were never committed), so
/// a reader that has delivered the log up to `after` may deliver these next without
/// reading the log. Where writers run at once (PostgreSQL), `after` is `None` and a
/// reader learns from [`RoomStore::settled_event_id`] when the log up to these
/// events is settled.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommittedEvents {
    /// The newest event committed before these, when it is known.
    #[serde(rename = "after")]
    pub after: Option<EventId>,
    /// At least one.
    #[serde(rename = "events")]
    pub events: Vec<EventRecord>,
}

impl CommittedEvents {
    /// The id of the last event.
    pub fn newest(&self) -> EventId {
        self.events
            .last()
            .map(|event| event.id)
            .or(self.after)
            .unwrap_or_default()
    }
}

/// See [`RoomStore::commit_feed`].
pub type CommitFeed = tokio::sync::broadcast::Receiver<std::sync::Arc<CommittedEvents>>;

/// What marks the key of an end-to-end encrypted direct room.
const ENCRYPTED_SUFFIX: &str = ":e2ee";

/// The key that makes a direct room unique to its pair: `"<smaller id>:<larger id>"`,
/// the same whichever of the two asks, with `:e2ee` after it for the pair's end-to-end
/// encrypted direct room (a pair may have one of each).
pub fn direct_key(a: UserId, b: UserId, encrypted: bool) -> String {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    let suffix = if encrypted { ENCRYPTED_SUFFIX } else { "" };
    format!("{low}:{high}{suffix}")
}

/// The other person of a direct room, from its key and one of the pair.
pub fn direct_peer(key: &str, me: UserId) -> Option<UserId> {
    let key = key.strip_suffix(ENCRYPTED_SUFFIX).unwrap_or(key);
    let (low, high) = key.split_once(':')?;
    let (low, high) = (UserId(low.parse().ok()?), UserId(high.parse().ok()?));
    if low == me {
        Some(high)
    } else if high == me {
        Some(low)
    } else {
        None
    }
}

/// Unread counts stop at this number; a list shows "999+" beyond it.
pub const UNREAD_CAP: i64 = 999;

/// Persistence of rooms and their events.
#[async_trait]
pub trait RoomStore: Send + Sync + 'static {
    /// Creates a room with its first events; returns it and those events.
    async fn create_room(&self, room: NewRoom<'_>) -> StoreResult<(RoomRecord, Vec<EventRecord>)>;
    async fn room(&self, id: RoomId) -> StoreResult<Option<RoomRecord>>;
    /// The direct room of a pair, by its key.
    async fn direct_room(&self, direct_key: &str) -> StoreResult<Option<RoomRecord>>;
    /// A user's membership of a room, current or past.
    async fn member(&self, room: RoomId, user: UserId) -> StoreResult<Option<MemberRecord>>;
    /// A message event (live or deleted) by its sequence number.
    async fn message(&self, room: RoomId, seq: i64) -> StoreResult<Option<EventRecord>>;
    /// The current members, owner first, then admins, then by join time.
    async fn members(&self, room: RoomId) -> StoreResult<Vec<MemberRecord>>;
    /// Everyone who was a member when event `seq` happened and may still need it:
    /// current members and those who left at or after `seq`.
    async fn members_at(&self, room: RoomId, seq: i64) -> StoreResult<Vec<UserId>>;
    /// Everyone who shares at least one room with `user` (not `user` themself),
    /// except those either of them blocked: who may see `user`'s presence.
    async fn contacts(&self, user: UserId) -> StoreResult<Vec<UserId>>;
    /// When any session of `user` was last active.
    async fn last_seen(&self, user: UserId) -> StoreResult<Option<Millis>>;
    /// How many rooms the user is a current member of.
    async fn room_count(&self, user: UserId) -> StoreResult<i64>;
    /// Applies one change as `sender`, atomically with its event.
    async fn append(
        &self,
        room: RoomId,
        sender: UserId,
        change: RoomChange,
        now: Millis,
    ) -> StoreResult<Appended>;
    /// The user's current rooms, most recently active first.
    async fn room_list(&self, user: UserId) -> StoreResult<Vec<RoomListEntry>>;
    /// One room of the user's list, if they are a current member.
    async fn room_entry(&self, user: UserId, room: RoomId) -> StoreResult<Option<RoomListEntry>>;
    /// A page of the channel directory.
    async fn directory(&self, query: &DirectoryQuery) -> StoreResult<DirectoryPage>;
    /// The room's pinned messages, the latest pin first.
    async fn pins(&self, room: RoomId) -> StoreResult<Vec<PinRecord>>;
    /// A page of at most `limit` timeline events.
    async fn history(
        &self,
        room: RoomId,
        anchor: HistoryAnchor,
        limit: u32,
    ) -> StoreResult<TimelinePage>;
    /// How far the log is settled: every event id at or below it is committed or
    /// never will be (0 when there are no events). Readers of the log stop there, so
    /// that an event committed late with a lower id than others is never skipped.
    /// It never goes back.
    async fn settled_event_id(&self) -> StoreResult<EventId>;
    /// Up to `limit` events of any room with ids above `after`, in id order, up to
    /// the settled position: the log as the notifier reads it.
    async fn events_after(&self, after: EventId, limit: u32) -> StoreResult<Vec<EventRecord>>;
    /// The ids of up to `limit` events above `after` and at most `upto`, in order:
    /// what live fan-out must deliver next, listed without reading the events.
    async fn event_ids_between(
        &self,
        after: EventId,
        upto: EventId,
        limit: u32,
    ) -> StoreResult<Vec<EventId>>;
    /// Up to `limit` events above `after` and at most `upto`, in id order.
    async fn events_between(
        &self,
        after: EventId,
        upto: EventId,
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>>;
    /// Up to `limit` events above `after` that `user` may see (events of rooms they
    /// are in, and of rooms they left up to their leaving), in id order: what a
    /// reconnecting client missed.
    async fn events_for_user_after(
        &self,
        user: UserId,
        after: EventId,
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>>;
    /// Watches this store's commits: changes after every commit that stored
    /// events, holding the newest event id this store has committed. The live
    /// fan-out waits on it instead of being told by each writer.
    fn committed(&self) -> CommitWatch;
    /// The events of each commit of this store, as it commits them. A receiver that
    /// falls more than a few dozen commits behind is told how many it missed (and
    /// reads the log instead).
    fn commit_feed(&self) -> CommitFeed;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_keys_do_not_depend_on_order_and_name_the_peer() {
        let key = direct_key(UserId(7), UserId(3), false);
        assert_eq!(key, direct_key(UserId(3), UserId(7), false));
        let encrypted = direct_key(UserId(7), UserId(3), true);
        assert_eq!(encrypted, "3:7:e2ee");
        assert_eq!(direct_peer(&encrypted, UserId(7)), Some(UserId(3)));
        assert_eq!(key, "3:7");
        assert_eq!(direct_peer(&key, UserId(3)), Some(UserId(7)));
        assert_eq!(direct_peer(&key, UserId(7)), Some(UserId(3)));
        assert_eq!(direct_peer(&key, UserId(5)), None);
        assert_eq!(direct_peer("garbage", UserId(5)), None);
    }
}
