//! The tailer: delivers the committed event log in id order to the connections of
//! each event's room members on this node.
//!
//! It delivers what was committed, in commit order, never what a request says it
//! stored: so events go out in commit order, an event stored by a request whose
//! client vanished still goes out, and events stored by other nodes sharing the
//! database go out too. Each commit's events come with the id they follow
//! (`pending`): this node's from the store's commit feed, the other nodes' over the
//! bus. A commit that follows what was delivered is delivered as it is; when a
//! newer event is known and no such commit is at hand (a commit heard of without
//! its events, a lost message, the feed outrun), the tailer reads the log. It also
//! reads the log every [`TAIL_POLL`], in case a signal was lost.
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
use crate::store::rooms::{CommitFeed, CommitWatch, RoomStore};
use confab_proto::EventId;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, broadcast};
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
        match node.store.latest_event_id().await {
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
            match deliver_after(node, last, fault).await {
                Ok(Some(newest)) => {
                    last = newest;
                    node.delivered.store(newest.0, Ordering::Release);
                    continue; // There may be more; read again before waiting.
                }
                Ok(None) => read_log = false,
                Err(error) => tracing::error!(%error, "the tailer failed to read the event log"),
            }
        }
        tokio::select! {
            received = local.feed.recv() => match received {
                Ok(commit) => {
                    if node.bus.links_nodes() {
                        node.bus.publish(BusMessage::Committed {
                            newest: commit.newest(),
                            commit: Some(commit.clone()),
                        });
                    }
                    node.pending.offer(commit);
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "the tailer fell behind the store's commits; reading the log");
                    let newest = *local.newest.borrow();
                    node.pending.heard_of(newest);
                    if node.bus.links_nodes() {
                        node.bus.publish(BusMessage::Committed { newest, commit: None });
                    }
                }
                Err(broadcast::error::RecvError::Closed) => {
                    tracing::error!("the store's commit feed is gone");
                    return;
                }
            },
            () = node.wake.notified() => {},
            _ = poll.tick() => read_log = true,
            () = shutdown.cancelled() => return,
        }
    }
}

/// Delivers the events after `last`; returns the newest id delivered, if any.
async fn deliver_after(
    node: &Tailer<'_>,
    last: EventId,
    fault: bool,
) -> StoreResult<Option<EventId>> {
    let events = node.store.events_after(last, TAIL_BATCH).await?;
    metrics::counter!(crate::telemetry::EVENTS_READ_BACK).increment(events.len() as u64);
    deliver(node, &events, fault).await?;
    Ok(events.last().map(|e| e.id))
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
