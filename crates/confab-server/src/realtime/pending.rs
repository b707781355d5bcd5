//! Commits whose events arrived ahead of the log: this node's own (the store's
//! commit feed) and the other nodes' (over the bus).
//!
//! Where writers take turns (SQLite), a commit carries the newest event committed
//! before it (`after`), so the tailer may deliver it as soon as its delivery stands
//! exactly there, without asking the database anything. Such commits wait here,
//! keyed by `after`, until delivery reaches them.
//!
//! Where writers run at once (PostgreSQL, one or several nodes), a commit cannot
//! know what it follows. Its events wait here by id until the tailer has learnt
//! that the log is settled past them and listed the ids up to there; it then takes
//! the events it holds from here and reads only the others. Either way, the common
//! path reads no event back from the database.
//!
//! Anything else (a commit heard of without its events, one too big for the bus)
//! shows as a newer id than delivery has reached, and the tailer reads the log for
//! it; so does notice that messages may have been lost.

use crate::store::events::EventRecord;
use crate::store::rooms::CommittedEvents;
use confab_proto::EventId;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Commits that know what they follow, kept waiting at most; beyond it the oldest
/// are dropped (and read from the log when delivery reaches them).
const PENDING_MAX: usize = 256;
/// Events of commits that do not know what they follow, kept at most; beyond it
/// the lowest ids are dropped (and read from the log).
const PENDING_EVENTS_MAX: usize = 8192;

/// See the module documentation.
#[derive(Default)]
pub(super) struct PendingCommits {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Commits not yet delivered that know what they follow, by that id.
    by_after: BTreeMap<EventId, Arc<CommittedEvents>>,
    /// Events of the other commits not yet delivered: each one's commit and its
    /// place in it.
    by_id: BTreeMap<EventId, (Arc<CommittedEvents>, usize)>,
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
        match commit.after {
            Some(after) => {
                inner.by_after.insert(after, commit);
                if inner.by_after.len() > PENDING_MAX {
                    inner.by_after.pop_first();
                }
            }
            None => {
                for (index, event) in commit.events.iter().enumerate() {
                    inner.by_id.insert(event.id, (commit.clone(), index));
                }
                while inner.by_id.len() > PENDING_EVENTS_MAX {
                    inner.by_id.pop_first();
                }
            }
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

    /// The events with `ids` that are held here, in the same places (`None` for
    /// the others). They stay held until delivery has [`passed`](Self::passed)
    /// them, so a delivery that fails finds them again.
    pub fn take(&self, ids: &[EventId]) -> Vec<Option<EventRecord>> {
        let inner = self.lock();
        ids.iter()
            .map(|id| {
                inner
                    .by_id
                    .get(id)
                    .map(|(commit, index)| commit.events[*index].clone())
            })
            .collect()
    }

    /// Forgets what delivery has passed: it stands at `delivered`.
    pub fn passed(&self, delivered: EventId) {
        self.lock().forget_through(delivered);
    }

    /// The newest event id known to be committed.
    pub fn newest_known(&self) -> EventId {
        self.lock().newest_known
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inner {
    fn forget_through(&mut self, delivered: EventId) {
        let later = self
            .by_id
            .split_off(&EventId(delivered.0.saturating_add(1)));
        self.by_id = later;
        let later = self.by_after.split_off(&delivered);
        self.by_after = later;
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
            after: Some(EventId(after)),
            events,
        })
    }

    fn unordered(ids: &[i64]) -> Arc<CommittedEvents> {
        let mut commit = Arc::unwrap_or_clone(commit(0, ids));
        commit.after = None;
        Arc::new(commit)
    }

    #[test]
    fn events_of_unordered_commits_are_taken_by_id_and_forgotten_once_passed() {
        let pending = PendingCommits::default();
        pending.offer(unordered(&[20, 23]));
        pending.offer(unordered(&[21]));
        pending.offer(unordered(&[30]));
        assert_eq!(pending.newest_known(), EventId(30));
        // 22 is not held (another node's commit not heard of yet).
        let ids = [EventId(20), EventId(21), EventId(22), EventId(23)];
        let taken: Vec<Option<EventId>> = pending
            .take(&ids)
            .into_iter()
            .map(|event| event.map(|e| e.id))
            .collect();
        assert_eq!(
            taken,
            vec![
                Some(EventId(20)),
                Some(EventId(21)),
                None,
                Some(EventId(23))
            ]
        );
        // Passing 23 forgets everything up to it, and nothing after it.
        pending.passed(EventId(23));
        assert_eq!(pending.take(&[EventId(23)]), vec![None]);
        assert!(pending.take(&[EventId(30)])[0].is_some());
    }

    #[test]
    fn passing_forgets_both_kinds() {
        let pending = PendingCommits::default();
        pending.offer(unordered(&[5]));
        pending.offer(commit(4, &[6]));
        pending.offer(unordered(&[9]));
        pending.passed(EventId(6));
        assert_eq!(pending.take(&[EventId(5)]), vec![None]);
        assert_eq!(pending.next_after(EventId(4)), None);
        assert!(pending.take(&[EventId(9)])[0].is_some());
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
