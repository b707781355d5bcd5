//! Group commit: one writer task per store applies room changes in batches, one
//! transaction (and so one fsync) per batch.
//!
//! On SQLite event writers are serialised anyway (its write lock), and on PostgreSQL
//! a commit per message would still cost a round trip and an fsync per message. So
//! instead of committing each change on its own, [`SqlStore::append`] hands its change to
//! this task and waits for the outcome. The task takes whatever has queued up (at
//! most `--event-batch-max` changes), applies each inside its own savepoint, commits
//! once, and only then answers each caller. A change that fails or changes nothing
//! rolls back to its savepoint without touching the others; if the commit itself
//! fails, every caller of the batch gets the error and nothing of it is stored.
//!
//! Under no load a batch holds one change, so a lone sender waits no longer than
//! before. Under load, changes queue while the previous batch commits, and the next
//! batch takes them all. Acknowledgement still follows commit. On PostgreSQL each
//! node has its own writer task and they commit at once; a batch first locks the
//! rows of the rooms it touches, in id order, so two nodes' batches never deadlock
//! (see `event_tx`).
//!
//! A change handed over is applied even if its caller stops waiting; client ids make
//! a retry of such a send return the stored original.
//!
//! After each commit the writer announces the batch's events (on SQLite with the
//! newest event committed before them) on the store's commit signal: the live fan-out delivers
//! them from there rather than reading them back.
//!
//! [`SqlStore::append`]: super::SqlStore

use super::changes::append_in;
use super::event_tx::{CommitSignal, EventTx, begin_events, committed_before, lock_rooms};
use crate::clock::Millis;
use crate::config::Backend;
use crate::store::events::EventRecord;
use crate::store::rooms::{Appended, RoomChange};
use crate::store::{StoreError, StoreResult};
use confab_proto::{EventId, RoomId, UserId};
use sqlx::AnyPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// One change waiting for the writer.
struct AppendRequest {
    room: RoomId,
    sender: UserId,
    change: RoomChange,
    now: Millis,
    outcome: oneshot::Sender<StoreResult<Appended>>,
}

/// The handle through which the store queues changes for its writer task.
#[derive(Clone, Debug)]
pub(super) struct EventWriter {
    requests: mpsc::Sender<AppendRequest>,
    stats: Arc<Counters>,
}

/// What the writer has done since the store opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupCommitStats {
    /// Transactions committed (or attempted) by the writer.
    pub batches: u64,
    /// Changes handed to the writer in those transactions.
    pub changes: u64,
}

#[derive(Debug, Default)]
struct Counters {
    batches: AtomicU64,
    changes: AtomicU64,
}

impl EventWriter {
    /// Starts the writer task. It commits at most `batch_max` changes at a time and
    /// ends when every handle is dropped.
    /// After each commit it announces the events stored through `commits`.
    pub(super) fn spawn(
        pool: AnyPool,
        backend: Backend,
        batch_max: usize,
        commits: Arc<CommitSignal>,
    ) -> Self {
        let batch_max = batch_max.max(1);
        // Room for a few batches: enough to keep the writer busy, and a bound on
        // what waits in memory (senders beyond it wait for room).
        let (requests, queue) = mpsc::channel(batch_max * 4);
        let stats = Arc::new(Counters::default());
        tokio::spawn(run(
            pool,
            backend,
            queue,
            batch_max,
            Arc::clone(&stats),
            commits,
        ));
        Self { requests, stats }
    }

    pub(super) fn stats(&self) -> GroupCommitStats {
        GroupCommitStats {
            batches: self.stats.batches.load(Ordering::Relaxed),
            changes: self.stats.changes.load(Ordering::Relaxed),
        }
    }

    /// Applies `change` in the next batch and returns its outcome after commit.
    pub(super) async fn append(
        &self,
        room: RoomId,
        sender: UserId,
        change: RoomChange,
        now: Millis,
    ) -> StoreResult<Appended> {
        let (outcome, answer) = oneshot::channel();
        let request = AppendRequest {
            room,
            sender,
            change,
            now,
            outcome,
        };
        if self.requests.send(request).await.is_err() {
            return Err(StoreError::Unavailable(
                "the event writer has stopped".into(),
            ));
        }
        answer.await.unwrap_or_else(|_| {
            Err(StoreError::Unavailable(
                "the event writer stopped before answering".into(),
            ))
        })
    }
}

async fn run(
    pool: AnyPool,
    backend: Backend,
    mut queue: mpsc::Receiver<AppendRequest>,
    batch_max: usize,
    stats: Arc<Counters>,
    commits: Arc<CommitSignal>,
) {
    let mut batch = Vec::with_capacity(batch_max);
    while queue.recv_many(&mut batch, batch_max).await > 0 {
        metrics::histogram!(crate::telemetry::EVENT_BATCH_SIZE).record(batch.len() as f64);
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats
            .changes
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        let started = Instant::now();
        if let Some((after, events)) =
            commit_batch(&pool, backend, std::mem::take(&mut batch)).await
        {
            metrics::histogram!(crate::telemetry::EVENT_BATCH_DURATION).record(started.elapsed());
            commits.announce(after, events);
        }
    }
}

/// Applies every change of `batch` in one transaction, then answers each caller.
/// Returns the events it committed, in id order, with the newest event committed
/// before them when known; `None` if it committed none.
async fn commit_batch(
    pool: &AnyPool,
    backend: Backend,
    batch: Vec<AppendRequest>,
) -> Option<(Option<EventId>, Vec<EventRecord>)> {
    let mut rooms: Vec<RoomId> = batch.iter().map(|request| request.room).collect();
    rooms.sort_unstable();
    rooms.dedup();
    let begun = async {
        let mut tx = begin_events(pool, backend).await?;
        lock_rooms(&mut tx, backend, &rooms).await?;
        StoreResult::Ok(tx)
    };
    let mut tx = match begun.await {
        Ok(tx) => tx,
        Err(e) => {
            fail_all(batch.into_iter().map(|r| r.outcome), &e);
            return None;
        }
    };
    let mut applied = Vec::with_capacity(batch.len());
    let mut pending = batch.into_iter();
    while let Some(request) = pending.next() {
        match apply_isolated(&mut tx, &request).await {
            Ok(outcome) => applied.push((request.outcome, outcome)),
            Err(broken) => {
                // The savepoint could not be restored: the transaction is unusable.
                let everyone = applied
                    .into_iter()
                    .map(|(answer, _)| answer)
                    .chain(std::iter::once(request.outcome))
                    .chain(pending.map(|r| r.outcome));
                fail_all(everyone, &broken);
                return None;
            }
        }
    }
    let mut events: Vec<EventRecord> = applied
        .iter()
        .filter_map(|(_, outcome)| match outcome {
            Ok(Appended::Event(event)) => Some(event.clone()),
            _ => None,
        })
        .collect();
    events.sort_by_key(|event| event.id);
    let after = match events.first() {
        Some(first) => match committed_before(&mut tx, backend, first.id).await {
            Ok(after) => after,
            Err(broken) => {
                fail_all(applied.into_iter().map(|(answer, _)| answer), &broken);
                return None;
            }
        },
        None => None,
    };
    match tx.commit().await {
        Ok(()) => {
            for (answer, outcome) in applied {
                // A caller that stopped waiting no longer needs the answer.
                let _ = answer.send(outcome);
            }
            (!events.is_empty()).then_some((after, events))
        }
        Err(e) => {
            fail_all(
                applied.into_iter().map(|(answer, _)| answer),
                &StoreError::Database(e),
            );
            None
        }
    }
}

/// Applies one change inside a savepoint, undoing it unless it stored an event.
/// `Ok` carries the change's own outcome (which may be an error of that change
/// alone); `Err` means the transaction itself is broken.
async fn apply_isolated(
    tx: &mut EventTx,
    request: &AppendRequest,
) -> Result<StoreResult<Appended>, StoreError> {
    sqlx::query("SAVEPOINT append_one")
        .execute(&mut **tx)
        .await?;
    let outcome = append_in(
        tx,
        request.room,
        request.sender,
        &request.change,
        request.now,
    )
    .await;
    if !matches!(outcome, Ok(Appended::Event(_))) {
        sqlx::query("ROLLBACK TO SAVEPOINT append_one")
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("RELEASE SAVEPOINT append_one")
        .execute(&mut **tx)
        .await?;
    Ok(outcome)
}

/// Tells every caller that their change was not stored, and why.
fn fail_all(
    answers: impl Iterator<Item = oneshot::Sender<StoreResult<Appended>>>,
    error: &StoreError,
) {
    tracing::warn!(%error, "an event batch was not stored");
    for answer in answers {
        let _ = answer.send(Err(StoreError::Unavailable(format!(
            "the change was not stored: {error}"
        ))));
    }
}
