//! [`RoomStore`] for [`SqlStore`]: rooms, membership and the event log in SQL.
//!
//! Ordering: every transaction that stores events first takes the room's row lock
//! (`UPDATE rooms SET last_seq = last_seq + 1`), which hands out the room's next
//! sequence number. On SQLite that statement also takes the database write lock, so
//! the global event ids are assigned in commit order; on PostgreSQL a transaction-
//! scoped advisory lock does the same across every node.

use super::rooms::{
    Appended, HistoryAnchor, MemberRecord, NewRoom, RoomChange, RoomListEntry, RoomRecord,
    RoomStore, UNREAD_CAP,
};
use super::sql::{SqlStore, map_unique_violation};
use super::{StoreError, StoreResult};
use crate::clock::{Millis, timestamp};
use crate::config::Backend;
use async_trait::async_trait;
use confab_proto::events::{EventContent, HistoryPage, MessageState, Reaction, RoomEvent};
use confab_proto::rooms::{Role, RoomKind};
use confab_proto::{EventId, RoomId, UserId};
use sqlx::{Any, AnyPool, Transaction};

/// Key of the PostgreSQL advisory lock that serialises event writers.
const EVENT_LOG_LOCK: i64 = 0x636f_6e66_6162; // "confab"

macro_rules! select_rooms {
    ($rest:literal) => {
        concat!(
            "SELECT id, kind, name, topic, avatar_file_id, encrypted, created_by, created_at, last_seq, ",
            "last_activity_at, member_count FROM rooms ",
            $rest
        )
    };
}

macro_rules! select_members {
    ($rest:literal) => {
        concat!(
            "SELECT room_id, user_id, role, joined_at, left_seq, read_seq, delivered_seq FROM room_members ",
            $rest
        )
    };
}

macro_rules! select_events {
    ($rest:literal) => {
        concat!(
            "SELECT id, room_id, seq, kind, sender_id, content, created_at, client_id, body, reply_to_seq, ",
            "mentions, edited_at, deleted_at FROM events ",
            $rest
        )
    };
}

#[derive(sqlx::FromRow)]
struct RoomRow {
    id: i64,
    kind: String,
    name: String,
    topic: String,
    avatar_file_id: Option<String>,
    encrypted: i64,
    created_by: i64,
    created_at: i64,
    last_seq: i64,
    last_activity_at: i64,
    member_count: i64,
}

impl TryFrom<RoomRow> for RoomRecord {
    type Error = StoreError;
    fn try_from(row: RoomRow) -> StoreResult<Self> {
        Ok(Self {
            id: RoomId(row.id),
            kind: parse_enum(&row.kind)?,
            name: row.name,
            topic: row.topic,
            avatar_file_id: row.avatar_file_id,
            encrypted: row.encrypted != 0,
            created_by: UserId(row.created_by),
            created_at: row.created_at,
            last_seq: row.last_seq,
            last_activity_at: row.last_activity_at,
            member_count: row.member_count,
        })
    }
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    room_id: i64,
    user_id: i64,
    role: String,
    joined_at: i64,
    left_seq: Option<i64>,
    read_seq: i64,
    delivered_seq: i64,
}

impl TryFrom<MemberRow> for MemberRecord {
    type Error = StoreError;
    fn try_from(row: MemberRow) -> StoreResult<Self> {
        Ok(Self {
            room_id: RoomId(row.room_id),
            user_id: UserId(row.user_id),
            role: parse_enum(&row.role)?,
            joined_at: row.joined_at,
            left_seq: row.left_seq,
            read_seq: row.read_seq,
            delivered_seq: row.delivered_seq,
        })
    }
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    room_id: i64,
    seq: i64,
    kind: String,
    sender_id: i64,
    content: String,
    created_at: i64,
    client_id: Option<String>,
    body: Option<String>,
    reply_to_seq: Option<i64>,
    mentions: Option<String>,
    edited_at: Option<i64>,
    deleted_at: Option<i64>,
}

impl TryFrom<EventRow> for RoomEvent {
    type Error = StoreError;
    fn try_from(row: EventRow) -> StoreResult<Self> {
        let content = if row.kind == "message" {
            EventContent::Message(MessageState {
                client_id: row.client_id.unwrap_or_default(),
                body: row.body.as_deref().map(parse_json).transpose()?,
                reply_to: row.reply_to_seq,
                mentions: row
                    .mentions
                    .as_deref()
                    .map(parse_json)
                    .transpose()?
                    .unwrap_or_default(),
                reactions: Vec::new(),
                edited_at: row.edited_at.map(timestamp),
                deleted_at: row.deleted_at.map(timestamp),
            })
        } else {
            parse_json(&row.content)?
        };
        Ok(Self {
            id: EventId(row.id),
            room_id: RoomId(row.room_id),
            seq: row.seq,
            sender_id: UserId(row.sender_id),
            created_at: timestamp(row.created_at),
            content,
        })
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("stored JSON does not parse: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Corrupt(format!("cannot encode JSON: {e}")))
}

/// Parses a snake_case enum stored as text (`'group'`, `'admin'`).
fn parse_enum<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| StoreError::Corrupt(format!("unknown stored value {text:?}")))
}

fn enum_text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::new(),
    }
}

/// Columns only message events have.
struct MessageColumns<'a> {
    client_id: &'a str,
    body: String,
    reply_to: Option<i64>,
    mentions: String,
}

/// Starts a transaction that may store events (see the module docs on ordering).
pub(super) async fn begin_events(
    pool: &AnyPool,
    backend: Backend,
) -> StoreResult<Transaction<'static, Any>> {
    let mut tx = pool.begin().await?;
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(EVENT_LOG_LOCK)
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

/// Allocates the room's next sequence number; `None` if the room does not exist.
async fn next_seq(tx: &mut Transaction<'static, Any>, room: RoomId) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
    )
    .bind(room.0)
    .fetch_optional(&mut **tx)
    .await?)
}

async fn insert_event(
    tx: &mut Transaction<'static, Any>,
    room: RoomId,
    seq: i64,
    sender: UserId,
    content: &EventContent,
    message: Option<MessageColumns<'_>>,
    now: Millis,
) -> StoreResult<RoomEvent> {
    let content_json = if message.is_some() {
        "{}".to_owned()
    } else {
        to_json(content)?
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO events (room_id, seq, kind, sender_id, content, in_timeline, created_at, client_id, body, \
         reply_to_seq, mentions, target_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(room.0)
    .bind(seq)
    .bind(content.kind())
    .bind(sender.0)
    .bind(content_json)
    .bind(i64::from(content.in_timeline()))
    .bind(now)
    .bind(message.as_ref().map(|m| m.client_id))
    .bind(message.as_ref().map(|m| m.body.clone()))
    .bind(message.as_ref().and_then(|m| m.reply_to))
    .bind(message.as_ref().map(|m| m.mentions.clone()))
    .bind(content.target_seq())
    .fetch_one(&mut **tx)
    .await
    .map_err(map_unique_violation)?;
    if content.in_timeline() {
        // Receipts and reactions do not reorder anyone's room list.
        sqlx::query("UPDATE rooms SET last_activity_at = $2 WHERE id = $1")
            .bind(room.0)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(RoomEvent {
        id: EventId(id),
        room_id: room,
        seq,
        sender_id: sender,
        created_at: timestamp(now),
        content: content.clone(),
    })
}

async fn current_member(
    tx: &mut Transaction<'static, Any>,
    room: RoomId,
    user: UserId,
) -> StoreResult<Option<MemberRecord>> {
    let row: Option<MemberRow> = sqlx::query_as(select_members!(
        "WHERE room_id = $1 AND user_id = $2 AND left_seq IS NULL"
    ))
    .bind(room.0)
    .bind(user.0)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(TryInto::try_into).transpose()
}

/// True if `seq` is a message of the room that is not deleted.
async fn live_message(
    tx: &mut Transaction<'static, Any>,
    room: RoomId,
    seq: i64,
) -> StoreResult<Option<UserId>> {
    let sender: Option<i64> = sqlx::query_scalar(
        "SELECT sender_id FROM events WHERE room_id = $1 AND seq = $2 AND kind = 'message' AND deleted_at IS NULL",
    )
    .bind(room.0)
    .bind(seq)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(sender.map(UserId))
}

async fn add_member(
    tx: &mut Transaction<'static, Any>,
    room: RoomId,
    user: UserId,
    role: Role,
    now: Millis,
) -> StoreResult<bool> {
    // A member starts with everything before their joining marked read; a returning
    // member gets a fresh membership: role, markers and left_seq reset.
    let changed = sqlx::query(
        "INSERT INTO room_members (room_id, user_id, role, joined_at, read_seq, delivered_seq) \
         SELECT $1, $2, $3, $4, last_seq, last_seq FROM rooms WHERE id = $1 \
         ON CONFLICT (room_id, user_id) DO UPDATE SET role = $3, joined_at = $4, left_seq = NULL, \
         read_seq = EXCLUDED.read_seq, delivered_seq = EXCLUDED.delivered_seq \
         WHERE room_members.left_seq IS NOT NULL",
    )
    .bind(room.0)
    .bind(user.0)
    .bind(enum_text(&role))
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed == 1 {
        sqlx::query("UPDATE rooms SET member_count = member_count + 1 WHERE id = $1")
            .bind(room.0)
            .execute(&mut **tx)
            .await?;
    }
    Ok(changed == 1)
}

#[async_trait]
impl RoomStore for SqlStore {
    async fn create_room(&self, room: NewRoom<'_>) -> StoreResult<(RoomRecord, Vec<RoomEvent>)> {
        let mut tx = begin_events(self.pool(), self.backend()).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO rooms (kind, name, topic, encrypted, direct_key, created_by, created_at, last_activity_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(enum_text(&room.kind))
        .bind(room.name)
        .bind(room.topic)
        .bind(i64::from(room.encrypted))
        .bind(room.direct_key)
        .bind(room.creator.0)
        .bind(room.now)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_unique_violation)?;
        let room_id = RoomId(id);
        let mut events = Vec::with_capacity(room.members.len() + 1);
        let created = EventContent::RoomCreated {
            name: room.name.to_owned(),
            encrypted: room.encrypted,
        };
        let seq = next_seq(&mut tx, room_id).await?.unwrap_or(1);
        events.push(
            insert_event(
                &mut tx,
                room_id,
                seq,
                room.creator,
                &created,
                None,
                room.now,
            )
            .await?,
        );
        for &(user_id, role) in room.members {
            if add_member(&mut tx, room_id, user_id, role, room.now).await? {
                let seq = next_seq(&mut tx, room_id).await?.unwrap_or_default();
                let content = EventContent::MemberAdded { user_id, role };
                events.push(
                    insert_event(
                        &mut tx,
                        room_id,
                        seq,
                        room.creator,
                        &content,
                        None,
                        room.now,
                    )
                    .await?,
                );
            }
        }
        let row: RoomRow = sqlx::query_as(select_rooms!("WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((row.try_into()?, events))
    }

    async fn room(&self, id: RoomId) -> StoreResult<Option<RoomRecord>> {
        let row: Option<RoomRow> = sqlx::query_as(select_rooms!("WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn direct_room(&self, direct_key: &str) -> StoreResult<Option<RoomRecord>> {
        let row: Option<RoomRow> = sqlx::query_as(select_rooms!("WHERE direct_key = $1"))
            .bind(direct_key)
            .fetch_optional(self.pool())
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn member(&self, room: RoomId, user: UserId) -> StoreResult<Option<MemberRecord>> {
        let row: Option<MemberRow> =
            sqlx::query_as(select_members!("WHERE room_id = $1 AND user_id = $2"))
                .bind(room.0)
                .bind(user.0)
                .fetch_optional(self.pool())
                .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn message(&self, room: RoomId, seq: i64) -> StoreResult<Option<RoomEvent>> {
        let row: Option<EventRow> = sqlx::query_as(select_events!(
            "WHERE room_id = $1 AND seq = $2 AND kind = 'message'"
        ))
        .bind(room.0)
        .bind(seq)
        .fetch_optional(self.pool())
        .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn members(&self, room: RoomId) -> StoreResult<Vec<MemberRecord>> {
        let rows: Vec<MemberRow> = sqlx::query_as(select_members!(
            "WHERE room_id = $1 AND left_seq IS NULL \
             ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, joined_at, user_id"
        ))
        .bind(room.0)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn members_at(&self, room: RoomId, seq: i64) -> StoreResult<Vec<UserId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM room_members WHERE room_id = $1 AND (left_seq IS NULL OR left_seq >= $2) ORDER BY user_id",
        )
        .bind(room.0)
        .bind(seq)
        .fetch_all(self.pool())
        .await?;
        Ok(ids.into_iter().map(UserId).collect())
    }

    async fn contacts(&self, user: UserId) -> StoreResult<Vec<UserId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT other.user_id FROM room_members mine \
             JOIN room_members other ON other.room_id = mine.room_id AND other.left_seq IS NULL \
             WHERE mine.user_id = $1 AND mine.left_seq IS NULL AND other.user_id <> $1 ORDER BY other.user_id",
        )
        .bind(user.0)
        .fetch_all(self.pool())
        .await?;
        Ok(ids.into_iter().map(UserId).collect())
    }

    async fn last_seen(&self, user: UserId) -> StoreResult<Option<Millis>> {
        Ok(
            sqlx::query_scalar("SELECT MAX(last_seen_at) FROM device_sessions WHERE user_id = $1")
                .bind(user.0)
                .fetch_one(self.pool())
                .await?,
        )
    }

    async fn room_count(&self, user: UserId) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM room_members WHERE user_id = $1 AND left_seq IS NULL",
        )
        .bind(user.0)
        .fetch_one(self.pool())
        .await?)
    }

    async fn append(
        &self,
        room: RoomId,
        sender: UserId,
        change: RoomChange,
        now: Millis,
    ) -> StoreResult<Appended> {
        self.event_writer().append(room, sender, change, now).await
    }

    async fn room_list(&self, user: UserId) -> StoreResult<Vec<RoomListEntry>> {
        let rooms: Vec<RoomRow> = sqlx::query_as(
            "SELECT r.id, r.kind, r.name, r.topic, r.avatar_file_id, r.encrypted, r.created_by, r.created_at, \
             r.last_seq, r.last_activity_at, r.member_count FROM rooms r \
             JOIN room_members m ON m.room_id = r.id AND m.user_id = $1 AND m.left_seq IS NULL \
             ORDER BY r.last_activity_at DESC, r.id DESC",
        )
        .bind(user.0)
        .fetch_all(self.pool())
        .await?;
        let mut entries = Vec::with_capacity(rooms.len());
        for row in rooms {
            let room: RoomRecord = row.try_into()?;
            let Some(membership) = self.member(room.id, user).await? else {
                continue;
            };
            let peer = match room.kind {
                RoomKind::Direct => self
                    .members(room.id)
                    .await?
                    .into_iter()
                    .map(|m| m.user_id)
                    .find(|&id| id != user),
                RoomKind::Group => None,
            };
            let last: Option<EventRow> = sqlx::query_as(select_events!(
                "WHERE room_id = $1 AND kind = 'message' ORDER BY seq DESC LIMIT 1"
            ))
            .bind(room.id.0)
            .fetch_optional(self.pool())
            .await?;
            let unread_count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE room_id = $1 AND seq > $2 AND kind = 'message' \
                 AND sender_id <> $3 AND deleted_at IS NULL LIMIT $4) unread",
            )
            .bind(room.id.0)
            .bind(membership.read_seq)
            .bind(user.0)
            .bind(UNREAD_CAP)
            .fetch_one(self.pool())
            .await?;
            let mention_count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT 1 FROM mentions WHERE user_id = $1 AND room_id = $2 AND seq > $3 \
                 LIMIT $4) mentioned",
            )
            .bind(user.0)
            .bind(room.id.0)
            .bind(membership.read_seq)
            .bind(UNREAD_CAP)
            .fetch_one(self.pool())
            .await?;
            entries.push(RoomListEntry {
                room,
                membership,
                peer,
                last_message: last.map(TryInto::try_into).transpose()?,
                unread_count,
                mention_count,
            });
        }
        Ok(entries)
    }

    async fn history(
        &self,
        room: RoomId,
        anchor: HistoryAnchor,
        limit: u32,
    ) -> StoreResult<HistoryPage> {
        let limit = i64::from(limit.max(1));
        let (mut events, has_older, has_newer) = match anchor {
            HistoryAnchor::Latest => {
                let (older, more) = self
                    .timeline(room, Direction::Before, i64::MAX, limit)
                    .await?;
                (older, more, false)
            }
            HistoryAnchor::Before(seq) => {
                let (older, more) = self.timeline(room, Direction::Before, seq, limit).await?;
                let newer = self.timeline(room, Direction::After, seq - 1, 1).await?.0;
                (older, more, !newer.is_empty())
            }
            HistoryAnchor::After(seq) => {
                let (newer, more) = self.timeline(room, Direction::After, seq, limit).await?;
                let older = self.timeline(room, Direction::Before, seq + 1, 1).await?.0;
                (newer, !older.is_empty(), more)
            }
            HistoryAnchor::Around(seq) => {
                let (mut events, older) = self
                    .timeline(room, Direction::Before, seq, limit / 2)
                    .await?;
                let (newer, more) = self
                    .timeline(room, Direction::After, seq - 1, limit - limit / 2)
                    .await?;
                events.extend(newer);
                (events, older, more)
            }
        };
        self.attach_reactions(room, &mut events).await?;
        Ok(HistoryPage {
            events,
            has_older,
            has_newer,
        })
    }

    async fn latest_event_id(&self) -> StoreResult<EventId> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM events")
            .fetch_one(self.pool())
            .await?;
        Ok(EventId(id.unwrap_or(0)))
    }

    async fn events_after(&self, after: EventId, limit: u32) -> StoreResult<Vec<RoomEvent>> {
        let rows: Vec<EventRow> =
            sqlx::query_as(select_events!("WHERE id > $1 ORDER BY id LIMIT $2"))
                .bind(after.0)
                .bind(i64::from(limit))
                .fetch_all(self.pool())
                .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn events_for_user_after(
        &self,
        user: UserId,
        after: EventId,
        limit: u32,
    ) -> StoreResult<Vec<RoomEvent>> {
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT e.id, e.room_id, e.seq, e.kind, e.sender_id, e.content, e.created_at, e.client_id, e.body,              e.reply_to_seq, e.mentions, e.edited_at, e.deleted_at FROM events e              JOIN room_members m ON m.room_id = e.room_id AND m.user_id = $1              WHERE e.id > $2 AND (m.left_seq IS NULL OR e.seq <= m.left_seq) ORDER BY e.id LIMIT $3",
        )
        .bind(user.0)
        .bind(after.0)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Before,
    After,
}

impl SqlStore {
    /// Up to `limit` timeline events strictly before or after `seq`, oldest first,
    /// and whether more exist beyond them.
    async fn timeline(
        &self,
        room: RoomId,
        direction: Direction,
        seq: i64,
        limit: i64,
    ) -> StoreResult<(Vec<RoomEvent>, bool)> {
        let query = match direction {
            Direction::Before => select_events!(
                "WHERE room_id = $1 AND in_timeline = 1 AND seq < $2 ORDER BY seq DESC LIMIT $3"
            ),
            Direction::After => select_events!(
                "WHERE room_id = $1 AND in_timeline = 1 AND seq > $2 ORDER BY seq ASC LIMIT $3"
            ),
        };
        // One row more than asked tells whether more exist (also for a limit of 0).
        let limit = limit.max(0);
        let mut rows: Vec<EventRow> = sqlx::query_as(query)
            .bind(room.0)
            .bind(seq)
            .bind(limit + 1)
            .fetch_all(self.pool())
            .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        if matches!(direction, Direction::Before) {
            rows.reverse();
        }
        Ok((
            rows.into_iter()
                .map(TryInto::try_into)
                .collect::<StoreResult<_>>()?,
            more,
        ))
    }

    /// Fills in the reactions of the messages among `events`.
    async fn attach_reactions(&self, room: RoomId, events: &mut [RoomEvent]) -> StoreResult<()> {
        let (Some(first), Some(last)) = (events.first(), events.last()) else {
            return Ok(());
        };
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT seq, emoji, user_id FROM reactions WHERE room_id = $1 AND seq BETWEEN $2 AND $3 \
             ORDER BY seq, created_at, emoji, user_id",
        )
        .bind(room.0)
        .bind(first.seq)
        .bind(last.seq)
        .fetch_all(self.pool())
        .await?;
        for event in events.iter_mut() {
            let EventContent::Message(message) = &mut event.content else {
                continue;
            };
            for (_, emoji, user) in rows.iter().filter(|(seq, _, _)| *seq == event.seq) {
                match message.reactions.iter_mut().find(|r| &r.emoji == emoji) {
                    Some(reaction) => reaction.user_ids.push(UserId(*user)),
                    None => message.reactions.push(Reaction {
                        emoji: emoji.clone(),
                        user_ids: vec![UserId(*user)],
                    }),
                }
            }
        }
        Ok(())
    }
}

/// Applies one change as `sender` inside an event transaction: checks membership,
/// allocates the room's next sequence number and stores the event. The caller
/// commits only if the outcome is [`Appended::Event`].
pub(super) async fn append_in(
    tx: &mut Transaction<'static, Any>,
    room: RoomId,
    sender: UserId,
    change: &RoomChange,
    now: Millis,
) -> StoreResult<Appended> {
    // Write first (see the module docs), then check; a failed check rolls back.
    let Some(seq) = next_seq(tx, room).await? else {
        return Ok(Appended::NotMember);
    };
    if current_member(tx, room, sender).await?.is_none() {
        return Ok(Appended::NotMember);
    }
    apply_change(tx, room, sender, seq, change, now).await
}

/// Applies `change` inside the event transaction and stores its event.
async fn apply_change(
    tx: &mut Transaction<'static, Any>,
    room: RoomId,
    sender: UserId,
    seq: i64,
    change: &RoomChange,
    now: Millis,
) -> StoreResult<Appended> {
    let content = match change {
        &RoomChange::SendMessage {
            ref client_id,
            ref body,
            reply_to,
            ref mentions,
        } => {
            let original: Option<EventRow> =
                sqlx::query_as(select_events!("WHERE sender_id = $1 AND client_id = $2"))
                    .bind(sender.0)
                    .bind(client_id)
                    .fetch_optional(&mut **tx)
                    .await?;
            if let Some(original) = original {
                return Ok(Appended::Duplicate(original.try_into()?));
            }
            if let Some(target) = reply_to
                && live_message(tx, room, target).await?.is_none()
            {
                return Ok(Appended::TargetMissing);
            }
            let content = EventContent::Message(MessageState {
                client_id: client_id.to_owned(),
                body: Some(body.clone()),
                reply_to,
                mentions: mentions.to_vec(),
                reactions: Vec::new(),
                edited_at: None,
                deleted_at: None,
            });
            for user in mentions {
                sqlx::query("INSERT INTO mentions (user_id, room_id, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(user.0)
                    .bind(room.0)
                    .bind(seq)
                    .execute(&mut **tx)
                    .await?;
            }
            let columns = MessageColumns {
                client_id,
                body: to_json(body)?,
                reply_to,
                mentions: to_json(mentions)?,
            };
            let event = insert_event(tx, room, seq, sender, &content, Some(columns), now).await?;
            return Ok(Appended::Event(event));
        }
        &RoomChange::EditMessage {
            seq: target,
            ref body,
        } => {
            let updated = sqlx::query(
                "UPDATE events SET body = $3, edited_at = $4 WHERE room_id = $1 AND seq = $2 AND kind = 'message' \
                 AND deleted_at IS NULL",
            )
            .bind(room.0)
            .bind(target)
            .bind(to_json(body)?)
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Ok(Appended::TargetMissing);
            }
            EventContent::MessageEdited {
                target_seq: target,
                body: Some(body.clone()),
            }
        }
        &RoomChange::DeleteMessage { seq: target } => {
            let updated = sqlx::query(
                "UPDATE events SET body = NULL, deleted_at = $3 WHERE room_id = $1 AND seq = $2 AND kind = 'message' \
                 AND deleted_at IS NULL",
            )
            .bind(room.0)
            .bind(target)
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Ok(Appended::TargetMissing);
            }
            sqlx::query("DELETE FROM reactions WHERE room_id = $1 AND seq = $2")
                .bind(room.0)
                .bind(target)
                .execute(&mut **tx)
                .await?;
            // Deleted text must not survive in the edits that preceded the deletion.
            let redacted = to_json(&EventContent::MessageEdited {
                target_seq: target,
                body: None,
            })?;
            sqlx::query(
                "UPDATE events SET content = $3 WHERE room_id = $1 AND target_seq = $2 AND kind = 'message_edited'",
            )
            .bind(room.0)
            .bind(target)
            .bind(redacted)
            .execute(&mut **tx)
            .await?;
            sqlx::query("DELETE FROM mentions WHERE room_id = $1 AND seq = $2")
                .bind(room.0)
                .bind(target)
                .execute(&mut **tx)
                .await?;
            EventContent::MessageDeleted { target_seq: target }
        }
        &RoomChange::AddReaction {
            seq: target,
            ref emoji,
        } => {
            if live_message(tx, room, target).await?.is_none() {
                return Ok(Appended::TargetMissing);
            }
            let added = sqlx::query(
                "INSERT INTO reactions (room_id, seq, emoji, user_id, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(room.0)
            .bind(target)
            .bind(emoji)
            .bind(sender.0)
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if added == 0 {
                return Ok(Appended::Unchanged);
            }
            EventContent::ReactionAdded {
                target_seq: target,
                emoji: emoji.to_owned(),
            }
        }
        &RoomChange::RemoveReaction {
            seq: target,
            ref emoji,
        } => {
            let removed = sqlx::query("DELETE FROM reactions WHERE room_id = $1 AND seq = $2 AND emoji = $3 AND user_id = $4")
                .bind(room.0)
                .bind(target)
                .bind(emoji)
                .bind(sender.0)
                .execute(&mut **tx)
                .await?
                .rows_affected();
            if removed == 0 {
                return Ok(Appended::Unchanged);
            }
            EventContent::ReactionRemoved {
                target_seq: target,
                emoji: emoji.to_owned(),
            }
        }
        &RoomChange::AddMember { user_id, role } => {
            if !add_member(tx, room, user_id, role, now).await? {
                return Ok(Appended::Unchanged);
            }
            EventContent::MemberAdded { user_id, role }
        }
        &RoomChange::RemoveMember { user_id, by_self } => {
            let removed = sqlx::query(
                "UPDATE room_members SET left_seq = $3 WHERE room_id = $1 AND user_id = $2 AND left_seq IS NULL",
            )
            .bind(room.0)
            .bind(user_id.0)
            .bind(seq)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if removed == 0 {
                return Ok(Appended::TargetMissing);
            }
            sqlx::query("UPDATE rooms SET member_count = member_count - 1 WHERE id = $1")
                .bind(room.0)
                .execute(&mut **tx)
                .await?;
            if by_self {
                EventContent::MemberLeft { user_id }
            } else {
                EventContent::MemberRemoved { user_id }
            }
        }
        &RoomChange::SetRole { user_id, role } => {
            let Some(member) = current_member(tx, room, user_id).await? else {
                return Ok(Appended::TargetMissing);
            };
            if member.role == role {
                return Ok(Appended::Unchanged);
            }
            sqlx::query("UPDATE room_members SET role = $3 WHERE room_id = $1 AND user_id = $2")
                .bind(room.0)
                .bind(user_id.0)
                .bind(enum_text(&role))
                .execute(&mut **tx)
                .await?;
            EventContent::RoleChanged { user_id, role }
        }
        &RoomChange::MarkRead { seq: upto } => {
            let moved = sqlx::query(
                "UPDATE room_members SET read_seq = $3, \
                 delivered_seq = CASE WHEN delivered_seq < $3 THEN $3 ELSE delivered_seq END \
                 WHERE room_id = $1 AND user_id = $2 AND left_seq IS NULL AND read_seq < $3",
            )
            .bind(room.0)
            .bind(sender.0)
            .bind(upto)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if moved == 0 {
                return Ok(Appended::Unchanged);
            }
            EventContent::ReadUpTo {
                user_id: sender,
                seq: upto,
            }
        }
        &RoomChange::MarkDelivered { seq: upto } => {
            let moved = sqlx::query(
                "UPDATE room_members SET delivered_seq = $3 \
                 WHERE room_id = $1 AND user_id = $2 AND left_seq IS NULL AND delivered_seq < $3",
            )
            .bind(room.0)
            .bind(sender.0)
            .bind(upto)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if moved == 0 {
                return Ok(Appended::Unchanged);
            }
            EventContent::DeliveredUpTo {
                user_id: sender,
                seq: upto,
            }
        }
        &RoomChange::TransferOwnership { to } => {
            let still_owner = current_member(tx, room, sender)
                .await?
                .is_some_and(|m| m.role == Role::Owner);
            if !still_owner {
                return Ok(Appended::NotAllowed);
            }
            if current_member(tx, room, to).await?.is_none() {
                return Ok(Appended::TargetMissing);
            }
            for (user, role) in [(to, Role::Owner), (sender, Role::Admin)] {
                sqlx::query(
                    "UPDATE room_members SET role = $3 WHERE room_id = $1 AND user_id = $2",
                )
                .bind(room.0)
                .bind(user.0)
                .bind(enum_text(&role))
                .execute(&mut **tx)
                .await?;
            }
            EventContent::OwnershipTransferred { from: sender, to }
        }
        RoomChange::Rename { name } => {
            sqlx::query("UPDATE rooms SET name = $2 WHERE id = $1")
                .bind(room.0)
                .bind(name)
                .execute(&mut **tx)
                .await?;
            EventContent::RoomRenamed {
                name: name.to_owned(),
            }
        }
        RoomChange::SetTopic { topic } => {
            sqlx::query("UPDATE rooms SET topic = $2 WHERE id = $1")
                .bind(room.0)
                .bind(topic)
                .execute(&mut **tx)
                .await?;
            EventContent::TopicChanged {
                topic: topic.to_owned(),
            }
        }
    };
    Ok(Appended::Event(
        insert_event(tx, room, seq, sender, &content, None, now).await?,
    ))
}
