//! [`SqlStore`]: the connection pool, migrations, the group-commit writer and the
//! commit signal, shared by the account and room halves of the store.

use super::event_tx::CommitSignal;
use super::group_commit::{EventWriter, GroupCommitStats};
use super::write_tx::{WriteTx, begin_write};
use crate::config::{Backend, redact_url};
use crate::store::events::EventRecord;
use crate::store::rooms::{CommitFeed, CommitWatch};
use crate::store::{StoreError, StoreResult};
use confab_proto::EventId;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How [`SqlStore::connect`] sets up the pool.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    pub max_connections: u32,
    /// SQLite's `synchronous` pragma: `full` makes every commit survive power loss.
    pub sqlite_synchronous: String,
    /// How long a connection waits for a lock (SQLite) or a pool slot.
    pub busy_timeout: Duration,
    /// Most room changes committed in one transaction (see `group_commit`).
    pub event_batch_max: usize,
    /// How long PostgreSQL lets one of our sessions sit idle inside a transaction
    /// before it ends the session, rolling the transaction back.
    ///
    /// Event transactions hold a lock that every node's event writes wait for
    /// (`event_tx`). When a node is cut off from the database in the middle of one,
    /// nothing tells PostgreSQL (no reset arrives), so without this the lock stays
    /// held, and the whole cluster stops storing messages, until the link comes back
    /// or TCP gives up, many minutes later. Between its statements a transaction of
    /// the store runs only the store's own code, so this bounds how long one lost
    /// node stalls the others. Ignored for SQLite.
    pub idle_in_transaction_timeout: Duration,
}

/// The SQL implementation of [`Store`].
#[derive(Clone, Debug)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    /// Queues room changes for the task that commits them in batches.
    event_writer: EventWriter,
    /// What this store committed; see [`SqlStore::commit_watch`].
    commits: Arc<CommitSignal>,
}

impl SqlStore {
    /// Connects to `url`, prepares each connection and applies pending migrations.
    pub async fn connect(url: &str, options: &ConnectOptions) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| {
            StoreError::Database(sqlx::Error::Configuration(
                format!(
                    "unsupported database URL scheme in {:?}; use sqlite:// or postgres://",
                    redact_url(url)
                )
                .into(),
            ))
        })?;
        let connect_options = AnyConnectOptions::from_str(url)?;
        let synchronous = options.sqlite_synchronous.clone();
        let busy_ms = options.busy_timeout.as_millis();
        let idle_in_transaction_ms = options.idle_in_transaction_timeout.as_millis();
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.busy_timeout)
            .after_connect(move |conn, _meta| {
                let setup = match backend {
                    // WAL lets readers proceed while one connection writes.
                    Backend::Sqlite => format!(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {busy_ms};"
                    ),
                    Backend::Postgres => format!(
                        "SET TIME ZONE 'UTC'; SET idle_in_transaction_session_timeout = {};",
                        idle_in_transaction_ms
                    ),
                };
                Box::pin(async move {
                    conn.execute(setup.as_str()).await?;
                    Ok(())
                })
            })
            .connect_with(connect_options)
            .await?;
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        let filled = super::backfill::fill_display_name_keys(&pool, backend).await?;
        if filled > 0 {
            tracing::info!(accounts = filled, "display names indexed for people search");
        }
        let commits = Arc::new(CommitSignal::new());
        let event_writer = EventWriter::spawn(
            pool.clone(),
            backend,
            options.event_batch_max,
            Arc::clone(&commits),
        );
        Ok(Self {
            pool,
            backend,
            event_writer,
            commits,
        })
    }

    pub(super) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a transaction that may write; see `write_tx` for why not `pool().begin()`.
    pub(super) async fn begin_write(&self) -> StoreResult<WriteTx> {
        begin_write(&self.pool, self.backend).await
    }

    /// A receiver that changes whenever this store commits events.
    pub(super) fn commit_watch(&self) -> CommitWatch {
        self.commits.watch()
    }

    /// Each commit's events, as they are committed.
    pub(super) fn feed_of_commits(&self) -> CommitFeed {
        self.commits.feed()
    }

    /// Announces `events`, just committed (after `after`, when known).
    pub(super) fn announce_commit(&self, after: Option<EventId>, events: Vec<EventRecord>) {
        self.commits.announce(after, events);
    }

    pub(super) fn event_writer(&self) -> &EventWriter {
        &self.event_writer
    }

    /// How many transactions the group-commit writer has used for how many room
    /// changes: diagnostics for tests and benchmarks.
    pub fn group_commit_stats(&self) -> GroupCommitStats {
        self.event_writer.stats()
    }

    /// The database this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection; used at shutdown so SQLite checkpoints its WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
impl ConnectOptions {
    /// Small options for the store's unit tests.
    pub(super) fn for_tests(idle_in_transaction_timeout: Duration) -> Self {
        Self {
            max_connections: 4,
            sqlite_synchronous: "NORMAL".to_owned(),
            busy_timeout: Duration::from_secs(5),
            event_batch_max: 8,
            idle_in_transaction_timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use confab_testkit::{Backend as TestBackend, TestDb};
    use sqlx::{AnyConnection, Connection};

    /// Bounds each step, so that a regression fails here rather than hanging.
    async fn within<T>(what: &str, step: impl Future<Output = T>) -> T {
        tokio::time::timeout(Duration::from_secs(20), step)
            .await
            .unwrap_or_else(|_| panic!("{what} took over 20 s"))
    }

    /// A PostgreSQL session left idle inside a transaction (its node cut off, say) is
    /// ended after `idle_in_transaction_timeout`, so the locks it holds go with it.
    #[tokio::test]
    async fn postgres_ends_a_transaction_left_idle() {
        let db = TestDb::create(TestBackend::Postgres).await;
        let options = ConnectOptions::for_tests(Duration::from_millis(300));
        let store = within("connect", SqlStore::connect(&db.url, &options))
            .await
            .expect("connect");
        let mut conn = within("acquire", store.pool().acquire())
            .await
            .expect("acquire");
        let setting: String = within(
            "show",
            sqlx::query_scalar("SHOW idle_in_transaction_session_timeout").fetch_one(&mut *conn),
        )
        .await
        .expect("show");
        assert_eq!(setting, "300ms");
        within("begin", sqlx::query("BEGIN").execute(&mut *conn))
            .await
            .expect("begin");
        within(
            "lock",
            sqlx::query("SELECT pg_advisory_xact_lock(1)").execute(&mut *conn),
        )
        .await
        .expect("lock");
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        let after_idle = within(
            "query after idling",
            sqlx::query("SELECT 1").execute(&mut *conn),
        )
        .await;
        assert!(after_idle.is_err(), "the idle transaction was ended");
        // The ended session is not given back to the pool.
        conn.detach();
        // Its lock went with it: another session takes it at once.
        let mut other = within("connect again", AnyConnection::connect(&db.url))
            .await
            .expect("connect again");
        let taken: bool = within(
            "try lock",
            sqlx::query_scalar("SELECT pg_try_advisory_lock(1)").fetch_one(&mut other),
        )
        .await
        .expect("try lock");
        assert!(taken, "the ended session's lock is free");
    }

    /// Two transactions that each read a count and then write: with deferred
    /// transactions the second to write fails on SQLite, since the first committed
    /// after the second read. Begun with [`begin_write`], both succeed in turn.
    #[tokio::test]
    async fn read_then_write_transactions_take_turns_on_sqlite() {
        let db = TestDb::create(TestBackend::Sqlite).await;
        let options = ConnectOptions::for_tests(Duration::from_secs(1));
        let store = SqlStore::connect(&db.url, &options).await.expect("connect");
        let pool = store.pool().clone();
        let count = "SELECT COUNT(*) FROM leases";
        let insert = "INSERT INTO leases (name, holder, expires_at) VALUES ($1, 'test', 0)";

        let mut first = begin_write(&pool, Backend::Sqlite).await.expect("begin");
        let seen: i64 = sqlx::query_scalar(count)
            .fetch_one(&mut *first)
            .await
            .expect("count");
        // The second starts while the first is open, as two requests would.
        let second = tokio::spawn({
            let pool = pool.clone();
            async move {
                let mut tx = begin_write(&pool, Backend::Sqlite).await?;
                let seen: i64 = sqlx::query_scalar(count).fetch_one(&mut *tx).await?;
                sqlx::query(insert).bind("second").execute(&mut *tx).await?;
                tx.commit().await?;
                StoreResult::Ok(seen)
            }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        sqlx::query(insert)
            .bind("first")
            .execute(&mut *first)
            .await
            .expect("the first writes");
        first.commit().await.expect("the first commits");
        let seen_by_second = second.await.expect("join").expect("the second writes");

        assert_eq!(seen, 0);
        assert_eq!(
            seen_by_second, 1,
            "the second waited for the first's commit"
        );
        let total: i64 = sqlx::query_scalar(count)
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(total, 2);
    }
}
