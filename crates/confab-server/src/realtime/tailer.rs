//! The tailer: reads the committed event log in id order and delivers each event to
//! the connections of its room's members on this node.
//!
//! Reading the committed log, rather than taking events from whoever stored them,
//! gives three guarantees: events go out in commit order, an event stored by a
//! request whose client vanished still goes out, and events stored by other nodes
//! sharing the database are found too. It reads when the store signals a local
//! commit, when the bus says another node committed, and every [`TAIL_POLL`] in
//! case a signal was lost.

use super::bus::{Bus, BusMessage};
use super::frames;
use super::hub::Hub;
use super::members::RoomMembers;
use crate::store::StoreResult;
use crate::store::rooms::{CommitWatch, RoomStore};
use confab_proto::EventId;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
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
    /// Notified when another node committed events.
    pub wake: &'a Notify,
    /// The newest event id delivered, which the bus receiver compares against.
    pub delivered: &'a AtomicI64,
}

impl Tailer<'_> {
    /// Delivers the log from its current end until `shutdown`.
    pub async fn run(&self, commits: CommitWatch, shutdown: CancellationToken) {
        run(self, commits, shutdown).await;
    }
}

async fn run(node: &Tailer<'_>, mut commits: CommitWatch, shutdown: CancellationToken) {
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
    // This node's commits up to here were announced to the other nodes.
    let mut announced = last;
    loop {
        match deliver_after(node, last, fault).await {
            Ok(Some(newest)) => {
                last = newest;
                node.delivered.store(newest.0, Ordering::Release);
                announce(node, &commits, &mut announced);
                continue; // There may be more; read again before waiting.
            }
            Ok(None) => announce(node, &commits, &mut announced),
            Err(error) => tracing::error!(%error, "the tailer failed to read the event log"),
        }
        tokio::select! {
            changed = commits.changed() => {
                if changed.is_err() {
                    tracing::error!("the store's commit signal is gone");
                    return;
                }
            }
            () = node.wake.notified() => {},
            () = tokio::time::sleep(TAIL_POLL) => {},
            () = shutdown.cancelled() => return,
        }
    }
}

/// Tells the other nodes that this node committed events they have not been told of,
/// so that their tailers read the log at once instead of at their poll. Only this
/// node's own commits (the store's commit signal) are announced: one message per
/// commit batch, whichever node reads it. Called after every read, so a commit
/// signalled after the events were read is still announced.
fn announce(node: &Tailer<'_>, commits: &CommitWatch, announced: &mut EventId) {
    let committed_here = *commits.borrow();
    if committed_here > *announced {
        node.bus.publish(BusMessage::Committed {
            newest: committed_here,
        });
        *announced = committed_here;
    }
}

/// Delivers the events after `last`; returns the newest id delivered, if any.
async fn deliver_after(
    node: &Tailer<'_>,
    last: EventId,
    fault: bool,
) -> StoreResult<Option<EventId>> {
    let events = node.store.events_after(last, TAIL_BATCH).await?;
    let newest = events.last().map(|e| e.id);
    for event in events {
        assert!(
            !fault,
            "injected fault: the tailer panics (CONFAB_TEST_FAULT=tailer)"
        );
        let recipients = node.members.recipients(&event).await?;
        // With several nodes, most events have no recipient connected here: they
        // are not encoded at all.
        if !node.hub.any_connected(&recipients) {
            continue;
        }
        if let Some(outbound) = frames::event(event.into()) {
            node.hub.deliver(&recipients, &outbound);
            metrics::counter!(crate::telemetry::EVENTS_FANNED_OUT).increment(1);
        }
    }
    Ok(newest)
}

/// True when a test asked the tailer to panic (`CONFAB_TEST_FAULT=tailer`), to show
/// that a dead background task is noticed. Debug builds only.
fn injected_fault() -> bool {
    cfg!(debug_assertions) && std::env::var("CONFAB_TEST_FAULT").is_ok_and(|v| v == "tailer")
}
