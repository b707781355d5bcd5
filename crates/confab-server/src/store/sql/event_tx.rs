//! The event transaction: what every transaction that stores events shares.
//!
//! Ordering: every such transaction first takes the room's row lock
//! (`UPDATE rooms SET last_seq = last_seq + 1`, [`next_seq`]), which hands out the
//! room's next sequence number. On SQLite that statement also takes the database
//! write lock, so the global event ids are assigned in commit order; on PostgreSQL a
//! transaction-scoped advisory lock ([`begin_events`]) does the same across every
//! node.
//!
//! After commit, the transaction's events are announced through the store's
//! [`CommitSignal`], with the newest event committed before them
//! ([`committed_before`], read under the same lock), so that the live fan-out can
//! deliver them without reading them back.

use crate::clock::Millis;
use crate::config::Backend;
use crate::store::StoreResult;
use crate::store::events::EventRecord;
use crate::store::rooms::{CommitFeed, CommitWatch, CommittedEvents};
use confab_proto::{EventId, RoomId, UserId};
use sqlx::{Any, AnyPool, Transaction};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{broadcast, watch};

/// Key of the PostgreSQL advisory lock that serialises event writers.
const EVENT_LOG_LOCK: i64 = 0x636f_6e66_6162; // "confab"
/// Commits the commit feed holds for a receiver that is behind.
const COMMIT_FEED_CAPACITY: usize = 64;

/// An open transaction that may store events.
pub(super) type EventTx = Transaction<'static, Any>;

/// Starts a transaction that may store events (see the module docs on ordering).
pub(super) async fn begin_events(pool: &AnyPool, backend: Backend) -> StoreResult<EventTx> {
    let mut tx = pool.begin().await?;
    if backend == Backend::Postgres {
        let asked = Instant::now();
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(EVENT_LOG_LOCK)
            .execute(&mut *tx)
            .await?;
        metrics::histogram!(crate::telemetry::EVENT_LOCK_WAIT).record(asked.elapsed());
    }
    Ok(tx)
}

/// The newest event committed before `first`, an event `tx` stored. Only meaningful
/// in an event transaction, whose lock keeps any other from committing events
/// meanwhile.
pub(super) async fn committed_before(tx: &mut EventTx, first: EventId) -> StoreResult<EventId> {
    let newest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events WHERE id < $1")
        .bind(first.0)
        .fetch_one(&mut **tx)
        .await?;
    Ok(EventId(newest))
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

    /// Announces `events`, committed after `after`, in id order. Nothing happens
    /// when `events` is empty.
    pub fn announce(&self, after: EventId, events: Vec<EventRecord>) {
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
