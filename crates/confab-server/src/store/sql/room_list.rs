//! A user's room list with its counts, in a constant number of queries however
//! many rooms the user is in.

use super::SqlStore;
use super::rows::{EventRow, RoomRow, decode_all, parse_role, select_events, select_rooms};
use crate::store::StoreResult;
use crate::store::events::EventRecord;
use crate::store::rooms::{MemberRecord, RoomListEntry, RoomRecord, UNREAD_CAP};
use confab_proto::rooms::RoomKind;
use confab_proto::{RoomId, UserId};
use std::collections::HashMap;

/// One room of the list with the user's membership and counts.
#[derive(sqlx::FromRow)]
struct ListRow {
    #[sqlx(flatten)]
    room: RoomRow,
    role: String,
    joined_at: i64,
    read_seq: i64,
    delivered_seq: i64,
    notification_level: Option<String>,
    unread_count: i64,
    mention_count: i64,
}

/// The room list query, with an extra condition on the room (`$3`).
///
/// The counts stop at `UNREAD_CAP` rows (`$2`), so a long-unread room costs no more
/// than that to count.
macro_rules! list_query {
    ($filter:literal) => {
        concat!(
            select_rooms!(
                extra ", m.role, m.joined_at, m.read_seq, m.delivered_seq, m.notification_level, \
                 (SELECT COUNT(*) FROM (SELECT 1 FROM events u WHERE u.room_id = rooms.id AND u.seq > m.read_seq \
                     AND u.kind = 'message' AND u.sender_id <> $1 AND u.deleted_at IS NULL LIMIT $2) unread) AS unread_count, \
                 (SELECT COUNT(*) FROM (SELECT 1 FROM mentions x WHERE x.user_id = $1 AND x.room_id = rooms.id \
                     AND x.seq > m.read_seq LIMIT $2) mentioned) AS mention_count",
                "JOIN room_members m ON m.room_id = rooms.id AND m.user_id = $1 AND m.left_seq IS NULL "
            ),
            $filter,
            "ORDER BY rooms.last_activity_at DESC, rooms.id DESC"
        )
    };
}

/// The latest message of each of the user's rooms, with an extra condition on the
/// membership (`$2`).
macro_rules! latest_query {
    ($filter:literal) => {
        select_events!(
            "WHERE e.id IN (SELECT (SELECT MAX(l.id) FROM events l \
             WHERE l.room_id = m.room_id AND l.kind = 'message') \
             FROM room_members m WHERE m.user_id = $1 AND m.left_seq IS NULL ",
            $filter,
            ")"
        )
    };
}

impl SqlStore {
    /// The user's current rooms (or only `only`), most recently active first. Two
    /// queries: the rooms with membership, peer and counts, then the latest message
    /// of each.
    pub(super) async fn list_rooms(
        &self,
        user: UserId,
        only: Option<RoomId>,
    ) -> StoreResult<Vec<RoomListEntry>> {
        let (query, latest_query) = match only {
            None => (list_query!(""), latest_query!("")),
            Some(_) => (
                list_query!("AND rooms.id = $3 "),
                latest_query!("AND m.room_id = $2"),
            ),
        };
        let mut rooms = sqlx::query_as(query).bind(user.0).bind(UNREAD_CAP);
        let mut latest = sqlx::query_as(latest_query).bind(user.0);
        if let Some(room) = only {
            rooms = rooms.bind(room.0);
            latest = latest.bind(room.0);
        }
        let rows: Vec<ListRow> = rooms.fetch_all(self.pool()).await?;
        let latest: Vec<EventRow> = latest.fetch_all(self.pool()).await?;
        let mut latest: HashMap<RoomId, EventRecord> = decode_all(latest)?
            .into_iter()
            .map(|event: EventRecord| (event.room_id, event))
            .collect();
        rows.into_iter()
            .map(|row| {
                let room = RoomRecord::try_from(row.room)?;
                Ok(RoomListEntry {
                    membership: MemberRecord {
                        room_id: room.id,
                        user_id: user,
                        role: parse_role(&row.role)?,
                        joined_at: row.joined_at,
                        left_seq: None,
                        read_seq: row.read_seq,
                        delivered_seq: row.delivered_seq,
                    },
                    peer: match room.kind {
                        RoomKind::Direct => room.peer_of(user),
                        RoomKind::Group => None,
                    },
                    last_message: latest.remove(&room.id),
                    unread_count: row.unread_count,
                    mention_count: row.mention_count,
                    notification_level: row
                        .notification_level
                        .as_deref()
                        .map(super::notifications::parse_level)
                        .transpose()?,
                    room,
                })
            })
            .collect()
    }
}
