//! The tailer: delivers the committed event log in id order to the connections of
//! each event's room members on this node.
//!
//! It delivers what was committed, in commit order, never what a request says it
//! stored: so events go out in commit order, an event stored by a request whose
//! client vanished still goes out, and events stored by other nodes sharing the
//! database go out too. Each commit's events come to the tailer (`pending`): this
//! node's from the store's commit feed, the other nodes' over the bus.
//!
//! - A commit that knows the event it follows (one writer at a time, SQLite) is
//!   delivered as it is once delivery stands there.
//! - Otherwise (writers at once, PostgreSQL; or a commit heard of without its
//!   events, a lost message, the feed outrun) the tailer catches up: it asks how
//!   far the log is settled, lists the ids up to there, delivers the events it
//!   holds and reads only the others. An event committed late with a lower id
//!   than others is so delivered before them, never skipped.
//!
//! It also catches up every [`TAIL_POLL`], in case a signal was lost (or a writer
//! that held back the settled position rolled back, which nobody announces).
//!
//! With other nodes on the bus, it passes each of this node's commits on to them
//! first: one bus message per commit, whichever node delivers it.

use super::bus::{Bus, BusMessage};
use super::frames;
use super::hub::Hub;
use super::members::RoomMembers;
use super::pending::PendingCommits;
use crate::store::StoreResult;
use crate::store::events::EventRecord;
use crate::store::rooms::{CommitFeed, CommitWatch, CommittedEvents, RoomStore};
use confab_proto::EventId;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

/// Events read from the log per round.
const TAIL_BATCH: u32 = 512;
/// How often the log is read even without a signal.
const TAIL_POLL: Duration = Duration::from_secs(1);

/// What the tailer works with: parts of [`Realtime`](super::Realtime).
pub(super) struct Tailer<'a> {
    pub store: &'a dyn RoomStore,
    pub members: &'a RoomMembers,
    pub hub: &'a Hub,
    pub bus: &'a dyn Bus,
    /// Commits heard of and not delivered yet.
    pub pending: &'a PendingCommits,
    /// Notified when another node committed events.
    pub wake: &'a Notify,
    /// The newest event id delivered, which the bus receiver compares against.
    pub delivered: &'a AtomicI64,
}

/// This node's commits, as the store announces them.
pub(super) struct LocalCommits {
    /// Each commit's events.
    pub feed: CommitFeed,
    /// The newest event id committed here, for when the feed was outrun.
    pub newest: CommitWatch,
}

impl Tailer<'_> {
    /// Delivers the log from its current end until `shutdown`.
    pub async fn run(&self, local: LocalCommits, shutdown: CancellationToken) {
        run(self, local, shutdown).await;
    }
}

async fn run(node: &Tailer<'_>, mut local: LocalCommits, shutdown: CancellationToken) {
    let fault = injected_fault();
    let mut last = loop {
        match node.store.settled_event_id().await {
            Ok(id) => break id,
            Err(error) => {
                tracing::error!(%error, "the tailer cannot read the event log; retrying");
                tokio::select! {
                    () = tokio::time::sleep(TAIL_POLL) => {},
                    () = shutdown.cancelled() => return,
                }
            }
        }
    };
    node.delivered.store(last.0, Ordering::Release);
    let mut poll = tokio::time::interval(TAIL_POLL);
    poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut read_log = false;
    loop {
        // Commits that follow what was delivered, as they came.
        while let Some(commit) = node.pending.next_after(last) {
            match deliver(node, &commit.events, fault).await {
                Ok(()) => {
                    last = commit.newest();
                    node.delivered.store(last.0, Ordering::Release);
                }
                Err(error) => {
                    tracing::error!(%error, "the tailer failed to deliver a commit");
                    read_log = true;
                    break;
                }
            }
        }
        read_log |= node.pending.take_maybe_lost();
        if read_log || node.pending.newest_known() > last {
            match catch_up(node, last, fault).await {
                Ok(CaughtUp { through, full }) => {
                    last = through;
                    node.delivered.store(last.0, Ordering::Release);
                    read_log = full;
                    if full {
                        continue; // There is more; read again before waiting.
                    }
                }
                Err(error) => tracing::error!(%error, "the tailer failed to read the event log"),
            }
        }
        tokio::select! {
            received = local.feed.recv() => {
                // Every commit already queued, so that one catch-up serves them all.
                let mut received = received;
                loop {
                    if take_local(node, &local, received).is_break() {
                        return;
                    }
                    received = match local.feed.try_recv() {
                        Ok(commit) => Ok(commit),
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Lagged(missed)) => Err(RecvError::Lagged(missed)),
                        Err(TryRecvError::Closed) => Err(RecvError::Closed),
                    };
                }
            }
            () = node.wake.notified() => {},
            _ = poll.tick() => read_log = true,
            () = shutdown.cancelled() => return,
        }
    }
}

/// Keeps one of this node's commits for delivery, and passes it on to the other
/// nodes; `Break` when the store's feed is gone.
fn take_local(
    node: &Tailer<'_>,
    local: &LocalCommits,
    received: Result<Arc<CommittedEvents>, RecvError>,
) -> ControlFlow<()> {
    match received {
        Ok(commit) => {
            if node.bus.links_nodes() {
                node.bus.publish(BusMessage::Committed {
                    newest: commit.newest(),
                    commit: Some(commit.clone()),
                });
            }
            node.pending.offer(commit);
        }
        Err(RecvError::Lagged(missed)) => {
            tracing::debug!(
                missed,
                "the tailer fell behind the store's commits; reading the log"
            );
            let newest = *local.newest.borrow();
            node.pending.heard_of(newest);
            if node.bus.links_nodes() {
                node.bus.publish(BusMessage::Committed {
                    newest,
                    commit: None,
                });
            }
        }
        Err(RecvError::Closed) => {
            tracing::error!("the store's commit feed is gone");
            return ControlFlow::Break(());
        }
    }
    ControlFlow::Continue(())
}

/// How far one [`catch_up`] went.
struct CaughtUp {
    /// Delivery now stands here (an event id, or a settled id no event has).
    through: EventId,
    /// The listing was cut at [`TAIL_BATCH`]: there is more to deliver.
    full: bool,
}

/// Delivers the settled log after `last`, up to [`TAIL_BATCH`] events: those held
/// from commits as they are, the others read back.
async fn catch_up(node: &Tailer<'_>, last: EventId, fault: bool) -> StoreResult<CaughtUp> {
    let settled = node.store.settled_event_id().await?;
    if settled <= last {
        return Ok(CaughtUp {
            through: last,
            full: false,
        });
    }
    let ids = node
        .store
        .event_ids_between(last, settled, TAIL_BATCH)
        .await?;
    let full = ids.len() == TAIL_BATCH as usize;
    let through = match ids.last() {
        Some(&newest) if full => newest,
        _ => settled,
    };
    let mut held = node.pending.take(&ids);
    if let Some(first_missing) = held.iter().position(Option::is_none) {
        let after = match first_missing {
            0 => last,
            n => ids[n - 1],
        };
        let read = node
            .store
            .events_between(after, through, TAIL_BATCH)
            .await?;
        metrics::counter!(crate::telemetry::EVENTS_READ_BACK).increment(read.len() as u64);
        let mut read = read.into_iter().peekable();
        for (id, slot) in ids.iter().zip(held.iter_mut()) {
            while read.next_if(|event| event.id < *id).is_some() {}
            if let Some(event) = read.next_if(|event| event.id == *id) {
                slot.get_or_insert(event);
            }
        }
    }
    let events: Vec<EventRecord> = held.into_iter().flatten().collect();
    deliver(node, &events, fault).await?;
    node.pending.passed(through);
    Ok(CaughtUp { through, full })
}

/// Delivers `events`, in order, to their recipients connected here.
async fn deliver(node: &Tailer<'_>, events: &[EventRecord], fault: bool) -> StoreResult<()> {
    for event in events {
        assert!(
            !fault,
            "injected fault: the tailer panics (CONFAB_TEST_FAULT=tailer)"
        );
        let recipients = node.members.recipients(event).await?;
        // With several nodes, most events have no recipient connected here: they
        // are not encoded at all.
        if !node.hub.any_connected(&recipients) {
            continue;
        }
        if let Some(outbound) = frames::event(event.clone().into()) {
            node.hub.deliver(&recipients, &outbound);
            metrics::counter!(crate::telemetry::EVENTS_FANNED_OUT).increment(1);
        }
    }
    Ok(())
}

/// True when a test asked the tailer to panic (`CONFAB_TEST_FAULT=tailer`), to show
/// that a dead background task is noticed. Debug builds only.
fn injected_fault() -> bool {
    cfg!(debug_assertions) && std::env::var("CONFAB_TEST_FAULT").is_ok_and(|v| v == "tailer")
}
