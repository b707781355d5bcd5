//! How the store begins a transaction that writes.
//!
//! sqlx begins transactions with a plain `BEGIN`, which SQLite defers: the
//! transaction takes a read snapshot at its first statement and asks for the write
//! lock only at its first write. If another connection commits in between, the
//! snapshot is stale and SQLite refuses the write at once (`SQLITE_BUSY_SNAPSHOT`);
//! the busy timeout cannot help, because waiting would not make the snapshot current.
//! Most of the store's transactions read before they write (a count before an
//! insert, a membership check before an event), so under concurrent writers some
//! failed, as "database is locked" errors. `BEGIN IMMEDIATE` takes the write lock
//! first, waiting for it up to the busy timeout, so writers take turns instead.
//!
//! PostgreSQL needs nothing of the kind: its transactions lock rows, not the
//! database, and each statement sees the latest committed rows.

use crate::config::Backend;
use crate::store::StoreResult;
use sqlx::{Any, AnyPool, Transaction};

/// An open transaction that may write.
pub(super) type WriteTx = Transaction<'static, Any>;

/// Begins a transaction that may write (see the module docs).
pub(super) async fn begin_write(pool: &AnyPool, backend: Backend) -> StoreResult<WriteTx> {
    Ok(match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        // The one place a plain BEGIN is right.
        #[allow(clippy::disallowed_methods)]
        Backend::Postgres => pool.begin().await?,
    })
}
