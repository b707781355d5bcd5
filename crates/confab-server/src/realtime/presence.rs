//! Presence: whether each user is online, away or offline, as the combination of
//! their connected devices, and announcing changes to the people who share a room
//! with them.
//!
//! A connection is active until its client says it is idle (`presence: away`). A
//! user is online if any device is active, away if all are idle, and offline with
//! none. When the combined status changes, the user is marked for the announcer
//! task, which publishes a presence frame on the bus for the user's contacts and the
//! user's own other devices.
//!
//! Announcements are debounced (`--presence-debounce`): the announcer collects the
//! users whose status changed for one interval, then announces each once, with the
//! status they are in by then, and not at all if that is what was last announced.
//! A device toggling between online and away therefore costs its contacts at most
//! one frame per interval, and the set of marked users is bounded by the users this
//! node has seen change.
//!
//! With several nodes, each node also reports its users' status on the bus (the
//! changed ones with each announcement, all of them every heartbeat), and a user's
//! status combines every node's (`remote_presence.rs`). A node that stops reporting
//! (dead, or cut off) stops counting after `--presence-node-timeout`; every node then
//! tells its own connections of the users it had.

use super::bus::{Bus, BusMessage, EphemeralFrame, NodeReport};
use super::remote_presence::{RemotePresence, best};
use crate::clock::{Millis, now_millis, timestamp};
use crate::store::StoreResult;
use crate::store::rooms::RoomStore;
use confab_proto::UserId;
use confab_proto::users::{Presence, PresenceStatus};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// One connected device of a user.
struct Device {
    connection: u64,
    away: bool,
}

/// The presence of the users connected to this node, and what the other nodes of a
/// cluster report of theirs.
pub(super) struct PresenceBoard {
    /// This node's id in its reports, random at start.
    node: u64,
    devices: Mutex<HashMap<UserId, Vec<Device>>>,
    remote: RemotePresence,
    /// When each user who went offline on this node was last connected.
    last_seen: Mutex<HashMap<UserId, Millis>>,
    /// Users whose status changed since the last announcements.
    changed: Mutex<HashSet<UserId>>,
    /// Users this node told its own connections about when their node fell silent,
    /// until that node is heard of them again.
    told_gone: Mutex<HashSet<UserId>>,
    /// Wakes the announcer when `changed` gains a user.
    wake: Notify,
}

impl PresenceBoard {
    /// A board for a node that counts another node's users as gone once it has not
    /// reported for `node_timeout`.
    pub fn new(node_timeout: Duration) -> Self {
        Self {
            node: rand::random(),
            devices: Mutex::default(),
            remote: RemotePresence::new(node_timeout),
            last_seen: Mutex::default(),
            changed: Mutex::default(),
            told_gone: Mutex::default(),
            wake: Notify::new(),
        }
    }

    /// A device of `user` connected (active).
    pub fn connected(&self, user: UserId, connection: u64) {
        self.change(user, |devices| {
            devices.entry(user).or_default().push(Device {
                connection,
                away: false,
            });
        });
    }

    /// A device of `user` disconnected.
    pub fn disconnected(&self, user: UserId, connection: u64) {
        self.change(user, |devices| {
            if let Some(list) = devices.get_mut(&user) {
                list.retain(|d| d.connection != connection);
                if list.is_empty() {
                    devices.remove(&user);
                }
            }
        });
    }

    /// A device of `user` became idle (`away`) or active again.
    pub fn set_away(&self, user: UserId, connection: u64, away: bool) {
        self.change(user, |devices| {
            for device in devices.get_mut(&user).into_iter().flatten() {
                if device.connection == connection {
                    device.away = away;
                }
            }
        });
    }

    /// The user's status over this node and the others heard from, and when this
    /// node last saw them go.
    pub fn status(&self, user: UserId) -> (PresenceStatus, Option<Millis>) {
        let here = combined_status(&lock(&self.devices), user);
        let status = best(here, self.remote.status(user, Instant::now()));
        let last_seen = lock(&self.last_seen).get(&user).copied();
        (status, last_seen)
    }

    /// How often this node reports all its users to the others.
    pub fn heartbeat(&self) -> Duration {
        self.remote.heartbeat()
    }

    /// This node's report of its users: all of them, or the `changed` ones.
    pub fn report(&self, changed: Option<&HashSet<UserId>>) -> NodeReport {
        let devices = lock(&self.devices);
        let users = match changed {
            Some(changed) => changed
                .iter()
                .map(|&user| (user, combined_status(&devices, user)))
                .collect(),
            None => devices
                .keys()
                .map(|&user| (user, combined_status(&devices, user)))
                .collect(),
        };
        NodeReport {
            node: self.node,
            full: changed.is_none(),
            users,
        }
    }

    /// Takes another node's report. Answers the users this node must tell its own
    /// connections about: those a heartbeat changed, and those a delta changed whom
    /// this node told offline when their node fell silent. Otherwise a delta's node
    /// announces its changes to everyone itself; but it only announces what differs
    /// from what it last said, and it never learnt that this node said otherwise.
    pub fn apply_report(&self, report: &NodeReport) -> Vec<UserId> {
        if report.node == self.node {
            return Vec::new();
        }
        let changed = self.remote.apply(report, Instant::now());
        self.note_gone(&changed);
        let mut told_gone = lock(&self.told_gone);
        if report.full {
            for user in &changed {
                told_gone.remove(user);
            }
            changed
        } else {
            changed
                .into_iter()
                .filter(|user| told_gone.remove(user))
                .collect()
        }
    }

    /// Forgets the nodes that stopped reporting; answers their users, whom this node
    /// must tell its own connections about.
    pub fn expire_silent_nodes(&self) -> Vec<UserId> {
        let gone = self.remote.expire(Instant::now());
        self.note_gone(&gone);
        lock(&self.told_gone).extend(gone.iter().copied());
        gone
    }

    /// Records when the users of `users` who are now offline everywhere were last seen.
    fn note_gone(&self, users: &[UserId]) {
        let now = now_millis();
        for &user in users {
            if self.status(user).0 == PresenceStatus::Offline {
                lock(&self.last_seen).insert(user, now);
            }
        }
    }

    /// Applies `change` and queues an announcement if the combined status changed.
    fn change(&self, user: UserId, change: impl FnOnce(&mut HashMap<UserId, Vec<Device>>)) {
        let (before, after) = {
            let mut devices = lock(&self.devices);
            let before = combined_status(&devices, user);
            change(&mut devices);
            (before, combined_status(&devices, user))
        };
        if before == after {
            return;
        }
        if after == PresenceStatus::Offline {
            lock(&self.last_seen).insert(user, now_millis());
        }
        if lock(&self.changed).insert(user) {
            self.wake.notify_one();
        }
    }

    /// Announces presence changes on the bus, at most once per `debounce` per user,
    /// until `shutdown`. Runs once per node.
    pub async fn announce(
        &self,
        store: &dyn RoomStore,
        bus: &dyn Bus,
        debounce: Duration,
        shutdown: CancellationToken,
    ) {
        // What contacts were last told of each user; absent means offline.
        let mut announced: HashMap<UserId, PresenceStatus> = HashMap::new();
        loop {
            tokio::select! {
                () = self.wake.notified() => {},
                () = shutdown.cancelled() => return,
            }
            // Let a burst of changes settle, then announce where each one ended.
            tokio::select! {
                () = tokio::time::sleep(debounce) => {},
                () = shutdown.cancelled() => return,
            }
            let changed = std::mem::take(&mut *lock(&self.changed));
            if bus.links_nodes() {
                // The other nodes combine it with what they know of these users.
                bus.publish(BusMessage::NodePresence(self.report(Some(&changed))));
            }
            for user in changed {
                let status = self.status(user).0;
                let before = announced
                    .get(&user)
                    .copied()
                    .unwrap_or(PresenceStatus::Offline);
                if status == before {
                    continue;
                }
                if status == PresenceStatus::Offline {
                    announced.remove(&user);
                } else {
                    announced.insert(user, status);
                }
                if let Err(error) = self.announce_one(store, bus, user).await {
                    tracing::warn!(%error, user_id = %user, "cannot announce a presence change");
                }
            }
        }
    }

    async fn announce_one(
        &self,
        store: &dyn RoomStore,
        bus: &dyn Bus,
        user: UserId,
    ) -> StoreResult<()> {
        let mut recipients = store.contacts(user).await?;
        recipients.push(user);
        bus.publish(BusMessage::Ephemeral {
            recipients,
            frame: self.frame(user),
        });
        Ok(())
    }

    /// The presence frame of `user` as this node sees them now.
    pub fn frame(&self, user: UserId) -> EphemeralFrame {
        let (status, last_seen) = self.status(user);
        EphemeralFrame::Presence(Presence {
            user_id: user,
            status,
            last_seen_at: last_seen.map(timestamp),
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Online if any device is active, away if all are idle, offline if none.
fn combined_status(devices: &HashMap<UserId, Vec<Device>>, user: UserId) -> PresenceStatus {
    match devices.get(&user) {
        None => PresenceStatus::Offline,
        Some(list) if list.iter().any(|d| !d.away) => PresenceStatus::Online,
        Some(list) if list.is_empty() => PresenceStatus::Offline,
        Some(_) => PresenceStatus::Away,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_combines_every_device_of_a_user() {
        let board = PresenceBoard::new(Duration::from_secs(15));
        let user = UserId(1);
        assert_eq!(board.status(user).0, PresenceStatus::Offline);
        board.connected(user, 1);
        board.connected(user, 2);
        board.set_away(user, 1, true);
        assert_eq!(board.status(user).0, PresenceStatus::Online);
        board.set_away(user, 2, true);
        assert_eq!(board.status(user).0, PresenceStatus::Away);
        board.disconnected(user, 1);
        board.disconnected(user, 2);
        let (status, last_seen) = board.status(user);
        assert_eq!(status, PresenceStatus::Offline);
        assert!(last_seen.is_some());
    }

    /// A node cut off is told offline here by this node itself; when it is heard
    /// from again by a delta (its user reconnected there before its next
    /// heartbeat), that node does not announce it (to it, nothing changed), so this
    /// node tells its own connections.
    #[test]
    fn a_user_told_gone_here_is_told_back_when_their_node_reports_again() {
        let board = PresenceBoard::new(Duration::from_millis(50));
        let dave = UserId(4);
        let report = |full, status| NodeReport {
            node: 9,
            full,
            users: vec![(dave, status)],
        };
        assert_eq!(
            board.apply_report(&report(true, PresenceStatus::Online)),
            vec![dave]
        );
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(board.expire_silent_nodes(), vec![dave]);
        assert_eq!(board.status(dave).0, PresenceStatus::Offline);
        assert_eq!(
            board.apply_report(&report(false, PresenceStatus::Online)),
            vec![dave]
        );
        assert_eq!(board.status(dave).0, PresenceStatus::Online);
        // Told once: that node announces its later changes itself.
        assert!(
            board
                .apply_report(&report(false, PresenceStatus::Away))
                .is_empty()
        );
    }
}
