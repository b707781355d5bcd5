//! The event transaction: what every transaction that stores events shares.
//!
//! Ordering: every such transaction first takes the room's row lock
//! (`UPDATE rooms SET last_seq = last_seq + 1`, [`next_seq`]), which hands out the
//! room's next sequence number. On SQLite that statement also takes the database
//! write lock, so the global event ids are assigned in commit order; on PostgreSQL a
//! transaction-scoped advisory lock ([`begin_events`]) does the same across every
//! node.

use crate::clock::Millis;
use crate::config::Backend;
use crate::store::StoreResult;
use confab_proto::{RoomId, UserId};
use sqlx::{Any, AnyPool, Transaction};

/// Key of the PostgreSQL advisory lock that serialises event writers.
const EVENT_LOG_LOCK: i64 = 0x636f_6e66_6162; // "confab"

/// An open transaction that may store events.
pub(super) type EventTx = Transaction<'static, Any>;

/// Starts a transaction that may store events (see the module docs on ordering).
pub(super) async fn begin_events(pool: &AnyPool, backend: Backend) -> StoreResult<EventTx> {
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
