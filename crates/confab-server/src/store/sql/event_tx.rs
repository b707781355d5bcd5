//! The event transaction: what every transaction that stores events shares.
//!
//! Ordering within a room: every such transaction takes the room's row lock
//! (`UPDATE rooms SET last_seq = last_seq + 1`, [`next_seq`]), which hands out the
//! room's next sequence number, before it draws the event's id.
//!
//! Ordering of the global log differs by backend:
//! - On SQLite that statement also takes the database write lock: one writer at a
//!   time, so event ids are committed in id order, and each commit knows the newest
//!   event committed before it ([`committed_before`]).
//! - On PostgreSQL writers run at once, on every node (ARCHITECTURE.md, "Several
//!   event writers"). [`begin_events`] takes a marker from the events' id sequence
//!   and holds a transaction-scoped advisory lock keyed by it, which no other
//!   transaction ever asks for; `confab_settled_event_id()` (migration 0013) reads
//!   the markers still held to tell readers how far the log is settled. A batch
//!   that touches several rooms locks their rows first, in id order
//!   ([`lock_rooms`]), so that two writers never wait for each other in a cycle.
//!
//! After commit, the transaction's events are announced through the store's
//! [`CommitSignal`] (on SQLite with the event they follow), so that the live
//! fan-out can deliver them without reading them back.

use super::write_tx::{WriteTx, begin_write};
use crate::clock::Millis;
use crate::config::Backend;
use crate::store::StoreResult;
use crate::store::events::EventRecord;
use crate::store::rooms::{CommitFeed, CommitWatch, CommittedEvents};
use confab_proto::{EventId, RoomId, UserId};
use sqlx::AnyPool;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{broadcast, watch};

/// The high bits of the advisory lock keys of open event transactions, whose low
/// 48 bits are the transaction's marker (`confab_settled_event_id()` looks for it).
const WRITER_LOCK_TAG: i64 = 0x6366; // "cf"
/// Commits the commit feed holds for a receiver that is behind.
const COMMIT_FEED_CAPACITY: usize = 64;

/// An open transaction that may store events.
pub(super) type EventTx = WriteTx;

/// Starts a transaction that may store events (see the module docs on ordering).
pub(super) async fn begin_events(pool: &AnyPool, backend: Backend) -> StoreResult<EventTx> {
    let mut tx = begin_write(pool, backend).await?;
    if backend == Backend::Postgres {
        let asked = Instant::now();
        sqlx::query("SELECT pg_advisory_xact_lock(($1::bigint << 48) | nextval('events_id_seq'))")
            .bind(WRITER_LOCK_TAG)
            .execute(&mut *tx)
            .await?;
        metrics::histogram!(crate::telemetry::EVENT_WRITER_MARKER).record(asked.elapsed());
    }
    Ok(tx)
}

/// Locks the rows of `rooms` (sorted, without repeats) in id order, before a batch
/// touches any of them. Only PostgreSQL needs it; on SQLite there is one writer.
pub(super) async fn lock_rooms(
    tx: &mut EventTx,
    backend: Backend,
    rooms: &[RoomId],
) -> StoreResult<()> {
    if backend != Backend::Postgres || rooms.len() < 2 {
        return Ok(());
    }
    let placeholders: Vec<String> = (1..=rooms.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT id FROM rooms WHERE id IN ({}) ORDER BY id FOR UPDATE",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for room in rooms {
        query = query.bind(room.0);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// The event that `first`, the first event `tx` stored, follows in the log: the
/// newest committed before it. Known only where writers take turns (SQLite, whose
/// write lock `tx` holds); `None` on PostgreSQL, where other writers may still
/// commit lower ids.
pub(super) async fn committed_before(
    tx: &mut EventTx,
    backend: Backend,
    first: EventId,
) -> StoreResult<Option<EventId>> {
    if backend == Backend::Postgres {
        return Ok(None);
    }
    let newest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events WHERE id < $1")
        .bind(first.0)
        .fetch_one(&mut **tx)
        .await?;
    Ok(Some(EventId(newest)))
}

/// How a store tells the live fan-out what it committed: the newest event id (a
/// watch) and each commit's events (a bounded feed).
#[derive(Debug)]
pub(super) struct CommitSignal {
    newest: watch::Sender<EventId>,
    feed: broadcast::Sender<Arc<CommittedEvents>>,
}

impl CommitSignal {
    pub fn new() -> Self {
        Self {
            newest: watch::Sender::new(EventId(0)),
            feed: broadcast::Sender::new(COMMIT_FEED_CAPACITY),
        }
    }

    pub fn watch(&self) -> CommitWatch {
        self.newest.subscribe()
    }

    pub fn feed(&self) -> CommitFeed {
        self.feed.subscribe()
    }

    /// Announces `events`, in id order, which follow `after` when it is known.
    /// Nothing happens when `events` is empty.
    pub fn announce(&self, after: Option<EventId>, events: Vec<EventRecord>) {
        let Some(newest) = events.last().map(|event| event.id) else {
            return;
        };
        // Never back: transactions may finish announcing in another order than
        // they committed.
        self.newest.send_if_modified(|current| {
            let newer = newest > *current;
            if newer {
                *current = newest;
            }
            newer
        });
        // Nobody listening (no live fan-out in this process) is not an error.
        let _ = self.feed.send(Arc::new(CommittedEvents { after, events }));
    }
}

/// Allocates the room's next sequence number; `None` if the room does not exist.
pub(super) async fn next_seq(tx: &mut EventTx, room: RoomId) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
    )
    .bind(room.0)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Where one change happens: the room, who makes it, the sequence number its event
/// will have, and when.
pub(super) struct Place {
    pub room: RoomId,
    pub sender: UserId,
    pub seq: i64,
    pub now: Millis,
}

/// True if `seq` is a message of the room that is not deleted.
pub(super) async fn is_live_message(tx: &mut EventTx, room: RoomId, seq: i64) -> StoreResult<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT sender_id FROM events WHERE room_id = $1 AND seq = $2 AND kind = 'message' AND deleted_at IS NULL",
    )
    .bind(room.0)
    .bind(seq)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(found.is_some())
}
