//! Rows of the room tables and their decoding into records.
//!
//! Each table's column list is written once, in a `select_*!` macro, and each row
//! type decodes into its record in one `TryFrom`. Stored enums (room kinds, roles)
//! and JSON columns are mapped here by the store's own names, never by the
//! protocol's serde names.

use crate::store::events::{BodyRecord, ContentRecord, EventRecord, MessageRecord};
use crate::store::rooms::{MemberRecord, RoomRecord};
use crate::store::stored_names::{stored_pinning, stored_posting, stored_role, stored_visibility};
use crate::store::{StoreError, StoreResult};
use confab_proto::rooms::{Role, RoomKind};
use confab_proto::{EventId, RoomId, UserId};

/// `SELECT` of every room column (as `rooms`), followed by `$rest`; with `extra`,
/// more columns after them.
macro_rules! select_rooms {
    ($rest:literal) => {
        select_rooms!(extra "", $rest)
    };
    (extra $columns:literal, $rest:literal) => {
        concat!(
            "SELECT rooms.id, rooms.kind, rooms.name, rooms.topic, rooms.avatar_file_id, rooms.encrypted, ",
            "rooms.created_by, rooms.created_at, rooms.last_seq, rooms.last_activity_at, rooms.member_count, ",
            "rooms.direct_key, rooms.visibility, rooms.posting, rooms.pinning",
            $columns,
            " FROM rooms ",
            $rest
        )
    };
}

/// `SELECT` of every membership column, followed by `$rest`.
macro_rules! select_members {
    ($rest:literal) => {
        concat!(
            "SELECT room_id, user_id, role, joined_at, left_seq, read_seq, delivered_seq FROM room_members ",
            $rest
        )
    };
}

/// `SELECT` of every event column from `events e`, followed by `$rest`.
macro_rules! select_events {
    ($($rest:literal),+) => {
        concat!(
            "SELECT e.id, e.room_id, e.seq, e.kind, e.sender_id, e.content, e.created_at, e.client_id, e.body, ",
            "e.reply_to_seq, e.mentions, e.edited_at, e.deleted_at, e.attachments, e.preview FROM events e ",
            $($rest),+
        )
    };
}

pub(super) use {select_events, select_members, select_rooms};

#[derive(sqlx::FromRow)]
pub(super) struct RoomRow {
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
    direct_key: Option<String>,
    visibility: String,
    posting: String,
    pinning: String,
}

impl TryFrom<RoomRow> for RoomRecord {
    type Error = StoreError;
    fn try_from(row: RoomRow) -> StoreResult<Self> {
        Ok(Self {
            id: RoomId(row.id),
            kind: parse_room_kind(&row.kind)?,
            name: row.name,
            topic: row.topic,
            avatar_file_id: row.avatar_file_id,
            encrypted: row.encrypted != 0,
            created_by: UserId(row.created_by),
            created_at: row.created_at,
            last_seq: row.last_seq,
            last_activity_at: row.last_activity_at,
            member_count: row.member_count,
            direct_key: row.direct_key,
            visibility: stored_visibility::parse(&row.visibility).ok_or_else(|| {
                StoreError::Corrupt(format!("unknown visibility {:?}", row.visibility))
            })?,
            posting: stored_posting::parse(&row.posting).ok_or_else(|| {
                StoreError::Corrupt(format!("unknown posting policy {:?}", row.posting))
            })?,
            pinning: stored_pinning::parse(&row.pinning).ok_or_else(|| {
                StoreError::Corrupt(format!("unknown pinning policy {:?}", row.pinning))
            })?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct MemberRow {
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
            role: parse_role(&row.role)?,
            joined_at: row.joined_at,
            left_seq: row.left_seq,
            read_seq: row.read_seq,
            delivered_seq: row.delivered_seq,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct EventRow {
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
    attachments: Option<String>,
    preview: Option<String>,
}

impl TryFrom<EventRow> for EventRecord {
    type Error = StoreError;
    fn try_from(row: EventRow) -> StoreResult<Self> {
        let content = if row.kind == "message" {
            let mentions: Vec<i64> = row
                .mentions
                .as_deref()
                .map(parse_json)
                .transpose()?
                .unwrap_or_default();
            ContentRecord::Message(MessageRecord {
                client_id: row.client_id.unwrap_or_default(),
                body: row.body.as_deref().map(parse_json).transpose()?,
                reply_to: row.reply_to_seq,
                mentions: mentions.into_iter().map(UserId).collect(),
                reactions: Vec::new(),
                attachments: row
                    .attachments
                    .as_deref()
                    .map(parse_json)
                    .transpose()?
                    .unwrap_or_default(),
                edited_at: row.edited_at,
                deleted_at: row.deleted_at,
                preview: row.preview.as_deref().map(parse_json).transpose()?,
            })
        } else {
            parse_json(&row.content)?
        };
        Ok(Self {
            id: EventId(row.id),
            room_id: RoomId(row.room_id),
            seq: row.seq,
            sender_id: UserId(row.sender_id),
            created_at: row.created_at,
            content,
        })
    }
}

/// Decodes rows into records, failing on the first row that does not decode.
pub(super) fn decode_all<R, T>(rows: Vec<R>) -> StoreResult<Vec<T>>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}

/// A unique-key violation becomes [`StoreError::Conflict`].
pub(super) fn map_unique_violation(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
        _ => StoreError::Database(error),
    }
}

pub(super) fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("stored JSON does not parse: {e}")))
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Corrupt(format!("cannot encode JSON: {e}")))
}

/// The stored JSON of a message body.
pub(super) fn body_json(body: &BodyRecord) -> StoreResult<String> {
    to_json(body)
}

/// The stored JSON of a list of mentioned users: an array of ids.
pub(super) fn mentions_json(mentions: &[UserId]) -> StoreResult<String> {
    to_json(&mentions.iter().map(|u| u.0).collect::<Vec<i64>>())
}

pub(super) fn room_kind_name(kind: RoomKind) -> &'static str {
    match kind {
        RoomKind::Direct => "direct",
        RoomKind::Group => "group",
    }
}

fn parse_room_kind(text: &str) -> StoreResult<RoomKind> {
    match text {
        "direct" => Ok(RoomKind::Direct),
        "group" => Ok(RoomKind::Group),
        _ => Err(StoreError::Corrupt(format!("unknown room kind {text:?}"))),
    }
}

pub(super) fn role_name(role: Role) -> &'static str {
    stored_role::name(role)
}

pub(super) fn parse_role(text: &str) -> StoreResult<Role> {
    stored_role::parse(text).ok_or_else(|| StoreError::Corrupt(format!("unknown role {text:?}")))
}
