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

use super::bus::{Bus, BusMessage, EphemeralFrame};
use crate::clock::{Millis, now_millis, timestamp};
use crate::store::StoreResult;
use crate::store::rooms::RoomStore;
use confab_proto::UserId;
use confab_proto::users::{Presence, PresenceStatus};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// One connected device of a user.
struct Device {
    connection: u64,
    away: bool,
}

/// The presence of the users connected to this node.
pub(super) struct PresenceBoard {
    devices: Mutex<HashMap<UserId, Vec<Device>>>,
    /// When each user who went offline on this node was last connected.
    last_seen: Mutex<HashMap<UserId, Millis>>,
    /// Users whose status changed since the last announcements.
    changed: Mutex<HashSet<UserId>>,
    /// Wakes the announcer when `changed` gains a user.
    wake: Notify,
}

impl PresenceBoard {
    pub fn new() -> Self {
        Self {
            devices: Mutex::default(),
            last_seen: Mutex::default(),
            changed: Mutex::default(),
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

    /// The user's status on this node, and when this node last saw them connected.
    pub fn status(&self, user: UserId) -> (PresenceStatus, Option<Millis>) {
        let status = combined_status(&lock(&self.devices), user);
        let last_seen = lock(&self.last_seen).get(&user).copied();
        (status, last_seen)
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
        let (status, last_seen) = self.status(user);
        let mut recipients = store.contacts(user).await?;
        recipients.push(user);
        bus.publish(BusMessage::Ephemeral {
            recipients,
            frame: EphemeralFrame::Presence(Presence {
                user_id: user,
                status,
                last_seen_at: last_seen.map(timestamp),
            }),
        });
        Ok(())
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
        let board = PresenceBoard::new();
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
}
