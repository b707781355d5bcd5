//! Presence across nodes: what the other nodes of a cluster say of their own users.
//!
//! Each node knows only its own connections. When NATS links several nodes, each one
//! reports its users' status (as it alone sees them) on the bus: a delta whenever
//! one changes, and the whole list every third of `--presence-node-timeout` (a
//! heartbeat). Every node keeps the latest report of every other node, and a user's
//! status is the best over this node's own devices and every node heard from within
//! the timeout. A node that dies (or is cut off) stops reporting: once the timeout
//! passes, its users count as gone, so nobody stays online forever.

use super::bus::NodeReport;
use confab_proto::UserId;
use confab_proto::users::PresenceStatus;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The latest report of one other node.
struct Heard {
    at: Instant,
    users: HashMap<UserId, PresenceStatus>,
}

/// The other nodes' users, as their last reports say.
pub(super) struct RemotePresence {
    nodes: Mutex<HashMap<u64, Heard>>,
    timeout: Duration,
}

/// The better of two statuses: online over away over offline.
pub(super) fn best(a: PresenceStatus, b: PresenceStatus) -> PresenceStatus {
    let rank = |s| match s {
        PresenceStatus::Online => 2,
        PresenceStatus::Away => 1,
        PresenceStatus::Offline => 0,
    };
    if rank(a) >= rank(b) { a } else { b }
}

impl RemotePresence {
    pub fn new(timeout: Duration) -> Self {
        Self {
            nodes: Mutex::default(),
            timeout,
        }
    }

    /// How often a node reports all its users.
    pub fn heartbeat(&self) -> Duration {
        self.timeout / 3
    }

    /// `user`'s best status on the nodes heard from within the timeout.
    pub fn status(&self, user: UserId, now: Instant) -> PresenceStatus {
        self.lock()
            .values()
            .filter(|heard| now.duration_since(heard.at) <= self.timeout)
            .filter_map(|heard| heard.users.get(&user).copied())
            .fold(PresenceStatus::Offline, best)
    }

    /// Applies a report; answers the users whose status on that node it changed.
    pub fn apply(&self, report: &NodeReport, now: Instant) -> Vec<UserId> {
        let mut nodes = self.lock();
        let heard = nodes.entry(report.node).or_insert_with(|| Heard {
            at: now,
            users: HashMap::new(),
        });
        heard.at = now;
        let mut changed = Vec::new();
        if report.full {
            let named: HashMap<UserId, PresenceStatus> = report.users.iter().copied().collect();
            for (&user, &status) in &heard.users {
                if named.get(&user) != Some(&status) {
                    changed.push(user);
                }
            }
            for (&user, &status) in &named {
                if !heard.users.contains_key(&user) && status != PresenceStatus::Offline {
                    changed.push(user);
                }
            }
            heard.users = named;
            heard
                .users
                .retain(|_, status| *status != PresenceStatus::Offline);
        } else {
            for &(user, status) in &report.users {
                let before = heard
                    .users
                    .get(&user)
                    .copied()
                    .unwrap_or(PresenceStatus::Offline);
                if before != status {
                    changed.push(user);
                }
                if status == PresenceStatus::Offline {
                    heard.users.remove(&user);
                } else {
                    heard.users.insert(user, status);
                }
            }
        }
        changed
    }

    /// Forgets the nodes not heard from within the timeout; answers their users.
    pub fn expire(&self, now: Instant) -> Vec<UserId> {
        let mut gone = Vec::new();
        self.lock().retain(|_, heard| {
            let alive = now.duration_since(heard.at) <= self.timeout;
            if !alive {
                gone.extend(heard.users.keys().copied());
            }
            alive
        });
        gone
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Heard>> {
        self.nodes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PresenceStatus::{Away, Offline, Online};

    fn report(node: u64, full: bool, users: &[(i64, PresenceStatus)]) -> NodeReport {
        NodeReport {
            node,
            full,
            users: users.iter().map(|&(u, s)| (UserId(u), s)).collect(),
        }
    }

    #[test]
    fn a_user_has_the_best_status_over_the_nodes_heard_from() {
        let remote = RemotePresence::new(Duration::from_secs(3));
        let now = Instant::now();
        assert_eq!(
            remote.apply(&report(1, false, &[(7, Away)]), now),
            vec![UserId(7)]
        );
        remote.apply(&report(2, false, &[(7, Online)]), now);
        assert_eq!(remote.status(UserId(7), now), Online);
        remote.apply(&report(2, false, &[(7, Offline)]), now);
        assert_eq!(remote.status(UserId(7), now), Away);
        assert_eq!(remote.status(UserId(8), now), Offline);
    }

    #[test]
    fn a_full_report_replaces_the_nodes_list_and_names_what_changed() {
        let remote = RemotePresence::new(Duration::from_secs(3));
        let now = Instant::now();
        remote.apply(&report(1, false, &[(7, Online), (8, Away)]), now);
        let mut changed = remote.apply(&report(1, true, &[(8, Away), (9, Online)]), now);
        changed.sort_by_key(|u| u.0);
        assert_eq!(changed, vec![UserId(7), UserId(9)]);
        assert_eq!(remote.status(UserId(7), now), Offline);
        assert_eq!(remote.status(UserId(9), now), Online);
    }

    #[test]
    fn a_silent_node_stops_counting_after_the_timeout_and_is_forgotten() {
        let remote = RemotePresence::new(Duration::from_secs(3));
        let start = Instant::now();
        remote.apply(&report(1, true, &[(7, Online)]), start);
        let later = start + Duration::from_secs(4);
        assert_eq!(remote.status(UserId(7), later), Offline);
        assert_eq!(remote.expire(later), vec![UserId(7)]);
        assert_eq!(remote.expire(later), Vec::<UserId>::new());
        assert_eq!(remote.heartbeat(), Duration::from_secs(1));
    }
}
