//! Reading the event log: a room's timeline page by page, and the global log in id
//! order for live delivery and replay.

use super::SqlStore;
use super::rows::{EventRow, decode_all, select_events};
use crate::config::Backend;
use crate::store::StoreResult;
use crate::store::events::{ContentRecord, EventRecord, ReactionRecord};
use crate::store::rooms::{HistoryAnchor, TimelinePage};
use confab_proto::{EventId, RoomId, UserId};

#[derive(Clone, Copy)]
enum Direction {
    Before,
    After,
}

impl SqlStore {
    /// A page of at most `limit` timeline events around `anchor`, with reactions.
    pub(super) async fn timeline_page(
        &self,
        room: RoomId,
        anchor: HistoryAnchor,
        limit: u32,
    ) -> StoreResult<TimelinePage> {
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
                let newer = self
                    .timeline(room, Direction::After, seq.saturating_sub(1), 1)
                    .await?
                    .0;
                (older, more, !newer.is_empty())
            }
            HistoryAnchor::After(seq) => {
                let (newer, more) = self.timeline(room, Direction::After, seq, limit).await?;
                let older = self
                    .timeline(room, Direction::Before, seq.saturating_add(1), 1)
                    .await?
                    .0;
                (newer, !older.is_empty(), more)
            }
            HistoryAnchor::Around(seq) => {
                let (mut events, older) = self
                    .timeline(room, Direction::Before, seq, limit / 2)
                    .await?;
                let (newer, more) = self
                    .timeline(
                        room,
                        Direction::After,
                        seq.saturating_sub(1),
                        limit - limit / 2,
                    )
                    .await?;
                events.extend(newer);
                (events, older, more)
            }
        };
        self.attach_reactions(room, &mut events).await?;
        Ok(TimelinePage {
            events,
            has_older,
            has_newer,
        })
    }

    /// How far the log is settled (see `RoomStore::settled_event_id`).
    pub(super) async fn settled_log_position(&self) -> StoreResult<EventId> {
        let sql = match self.backend() {
            // One writer at a time: whatever is visible is settled.
            Backend::Sqlite => "SELECT COALESCE(MAX(id), 0) FROM events",
            Backend::Postgres => "SELECT COALESCE(confab_settled_event_id(), 0)",
        };
        let id: i64 = sqlx::query_scalar(sql).fetch_one(self.pool()).await?;
        Ok(EventId(id))
    }

    /// The highest id a reader of the log may read up to now. It is asked for
    /// before the read, whose snapshot then holds every event up to it.
    pub(super) async fn read_bound(&self) -> StoreResult<EventId> {
        match self.backend() {
            // One writer at a time: a read never sees a later id without the
            // earlier ones.
            Backend::Sqlite => Ok(EventId(i64::MAX)),
            Backend::Postgres => self.settled_log_position().await,
        }
    }

    /// Up to `limit` events of any room above `after` and at most `upto`, in id
    /// order.
    pub(super) async fn log_between(
        &self,
        after: EventId,
        upto: EventId,
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>> {
        let rows: Vec<EventRow> = sqlx::query_as(select_events!(
            "WHERE e.id > $1 AND e.id <= $2 ORDER BY e.id LIMIT $3"
        ))
        .bind(after.0)
        .bind(upto.0)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        decode_all(rows)
    }

    /// The ids of up to `limit` events above `after` and at most `upto`, in order.
    pub(super) async fn log_ids_between(
        &self,
        after: EventId,
        upto: EventId,
        limit: u32,
    ) -> StoreResult<Vec<EventId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM events WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3",
        )
        .bind(after.0)
        .bind(upto.0)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        Ok(ids.into_iter().map(EventId).collect())
    }

    /// Up to `limit` settled events after `after` that `user` may see, in id order.
    pub(super) async fn log_for_user_after(
        &self,
        user: UserId,
        after: EventId,
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>> {
        let upto = self.read_bound().await?;
        let rows: Vec<EventRow> = sqlx::query_as(select_events!(
            "JOIN room_members m ON m.room_id = e.room_id AND m.user_id = $1 \
             WHERE e.id > $2 AND e.id <= $3 AND (m.left_seq IS NULL OR e.seq <= m.left_seq) \
             ORDER BY e.id LIMIT $4"
        ))
        .bind(user.0)
        .bind(after.0)
        .bind(upto.0)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        decode_all(rows)
    }

    /// Up to `limit` timeline events strictly before or after `seq`, oldest first,
    /// and whether more exist beyond them.
    async fn timeline(
        &self,
        room: RoomId,
        direction: Direction,
        seq: i64,
        limit: i64,
    ) -> StoreResult<(Vec<EventRecord>, bool)> {
        let query = match direction {
            Direction::Before => select_events!(
                "WHERE e.room_id = $1 AND e.in_timeline = 1 AND e.seq < $2 ORDER BY e.seq DESC LIMIT $3"
            ),
            Direction::After => select_events!(
                "WHERE e.room_id = $1 AND e.in_timeline = 1 AND e.seq > $2 ORDER BY e.seq ASC LIMIT $3"
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
        Ok((decode_all(rows)?, more))
    }

    /// Fills in the reactions of the messages among `events`.
    async fn attach_reactions(&self, room: RoomId, events: &mut [EventRecord]) -> StoreResult<()> {
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
            let ContentRecord::Message(message) = &mut event.content else {
                continue;
            };
            for (_, emoji, user) in rows.iter().filter(|(seq, _, _)| *seq == event.seq) {
                match message.reactions.iter_mut().find(|r| &r.emoji == emoji) {
                    Some(reaction) => reaction.user_ids.push(UserId(*user)),
                    None => message.reactions.push(ReactionRecord {
                        emoji: emoji.clone(),
                        user_ids: vec![UserId(*user)],
                    }),
                }
            }
        }
        Ok(())
    }
}
