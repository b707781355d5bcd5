//! Reading the event log: a room's timeline page by page, and the global log in id
//! order for live delivery and replay.

use super::SqlStore;
use super::rows::{EventRow, decode_all, select_events};
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

    /// The newest event id, or 0 when there are no events.
    pub(super) async fn newest_event_id(&self) -> StoreResult<EventId> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM events")
            .fetch_one(self.pool())
            .await?;
        Ok(EventId(id.unwrap_or(0)))
    }

    /// Up to `limit` events of any room after `after`, in id order.
    pub(super) async fn log_after(
        &self,
        after: EventId,
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>> {
        let rows: Vec<EventRow> =
            sqlx::query_as(select_events!("WHERE e.id > $1 ORDER BY e.id LIMIT $2"))
                .bind(after.0)
                .bind(i64::from(limit))
                .fetch_all(self.pool())
                .await?;
        decode_all(rows)
    }

    /// Up to `limit` events after `after` that `user` may see, in id order.
    pub(super) async fn log_for_user_after(
        &self,
        user: UserId,
        after: EventId,
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>> {
        let rows: Vec<EventRow> = sqlx::query_as(select_events!(
            "JOIN room_members m ON m.room_id = e.room_id AND m.user_id = $1 \
             WHERE e.id > $2 AND (m.left_seq IS NULL OR e.seq <= m.left_seq) ORDER BY e.id LIMIT $3"
        ))
        .bind(user.0)
        .bind(after.0)
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
