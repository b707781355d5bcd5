//! Commits whose events arrived ahead of the log: this node's own (the store's
//! commit feed) and the other nodes' (over the bus).
//!
//! A commit carries the newest event committed before it (`after`), so the tailer
//! may deliver it as soon as its delivery stands exactly there, without reading the
//! log: on one node and across nodes, the common path reads nothing back from the
//! database. Commits that arrive out of order wait here, keyed by `after`, until
//! delivery reaches them. Anything else (a commit heard of without its events, one
//! too big for the bus) shows as a newer id than delivery has reached, and the
//! tailer reads the log for it; so does notice that messages may have been lost.

use crate::store::rooms::CommittedEvents;
use confab_proto::EventId;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Commits kept waiting at most; beyond it the oldest are dropped (and read from
/// the log when delivery reaches them).
const PENDING_MAX: usize = 256;

/// See the module documentation.
#[derive(Default)]
pub(super) struct PendingCommits {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Commits not yet delivered, by the id they follow.
    by_after: BTreeMap<EventId, Arc<CommittedEvents>>,
    /// The newest event id known to be committed, on any node.
    newest_known: EventId,
    /// Notice of commits may have been lost: the log must be read.
    maybe_lost: bool,
}

impl PendingCommits {
    /// Keeps `commit` until delivery reaches it.
    pub fn offer(&self, commit: Arc<CommittedEvents>) {
        let mut inner = self.lock();
        inner.newest_known = inner.newest_known.max(commit.newest());
        inner.by_after.insert(commit.after, commit);
        if inner.by_after.len() > PENDING_MAX {
            inner.by_after.pop_first();
        }
    }

    /// Notes that events up to `newest` are committed, without having them.
    pub fn heard_of(&self, newest: EventId) {
        let mut inner = self.lock();
        inner.newest_known = inner.newest_known.max(newest);
    }

    /// Notes that notice of commits may have been lost (the bus was down, or its
    /// receiver fell behind).
    pub fn maybe_lost(&self) {
        self.lock().maybe_lost = true;
    }

    /// Whether the log must be read for commits this node may not know of; asking
    /// clears it.
    pub fn take_maybe_lost(&self) -> bool {
        std::mem::take(&mut self.lock().maybe_lost)
    }

    /// The commit that follows `delivered` directly, if it is here; forgets those
    /// that delivery has passed.
    pub fn next_after(&self, delivered: EventId) -> Option<Arc<CommittedEvents>> {
        let mut inner = self.lock();
        let later = inner.by_after.split_off(&delivered);
        inner.by_after = later;
        inner.by_after.remove(&delivered)
    }

    /// The newest event id known to be committed.
    pub fn newest_known(&self) -> EventId {
        self.lock().newest_known
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::events::{ContentRecord, EventRecord};
    use confab_proto::{RoomId, UserId};

    fn commit(after: i64, ids: &[i64]) -> Arc<CommittedEvents> {
        let events = ids
            .iter()
            .map(|&id| EventRecord {
                id: EventId(id),
                room_id: RoomId(1),
                seq: id,
                sender_id: UserId(1),
                created_at: 0,
                content: ContentRecord::MemberLeft { user_id: UserId(2) },
            })
            .collect();
        Arc::new(CommittedEvents {
            after: EventId(after),
            events,
        })
    }

    #[test]
    fn commits_that_arrive_out_of_order_are_taken_in_order() {
        let pending = PendingCommits::default();
        pending.offer(commit(12, &[13, 15]));
        pending.offer(commit(10, &[11, 12]));
        assert_eq!(pending.newest_known(), EventId(15));
        assert_eq!(pending.next_after(EventId(10)), Some(commit(10, &[11, 12])));
        assert_eq!(pending.next_after(EventId(12)), Some(commit(12, &[13, 15])));
        assert_eq!(pending.next_after(EventId(15)), None);
    }

    #[test]
    fn a_gap_is_not_bridged_and_passed_commits_are_forgotten() {
        let pending = PendingCommits::default();
        pending.offer(commit(3, &[4]));
        pending.offer(commit(7, &[8]));
        // Delivery stands at 5: nothing follows it directly (6 and 7 are unknown).
        assert_eq!(pending.next_after(EventId(5)), None);
        // The commit after 3 was passed and is gone; the one after 7 waits.
        assert_eq!(pending.next_after(EventId(3)), None);
        assert_eq!(pending.next_after(EventId(7)), Some(commit(7, &[8])));
    }

    #[test]
    fn events_heard_of_raise_the_newest_known() {
        let pending = PendingCommits::default();
        pending.heard_of(EventId(9));
        pending.heard_of(EventId(4));
        assert_eq!(pending.newest_known(), EventId(9));
    }

    #[test]
    fn a_possible_loss_is_told_once() {
        let pending = PendingCommits::default();
        assert!(!pending.take_maybe_lost());
        pending.maybe_lost();
        assert!(pending.take_maybe_lost());
        assert!(!pending.take_maybe_lost());
    }

    #[test]
    fn the_oldest_are_dropped_beyond_the_bound() {
        let pending = PendingCommits::default();
        for after in 0..=PENDING_MAX as i64 {
            pending.offer(commit(after * 2, &[after * 2 + 1]));
        }
        assert_eq!(pending.next_after(EventId(0)), None);
        assert!(pending.next_after(EventId(2)).is_some());
    }
}
