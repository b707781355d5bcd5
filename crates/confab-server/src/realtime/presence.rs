//! Presence: whether each user is online, away or offline, as the combination of
//! their connected devices, and announcing changes to the people who share a room
//! with them.
//!
//! A connection is active until its client says it is idle (`presence: away`). A
//! user is online if any device is active, away if all are idle, and offline with
//! none. When the combined status changes, the user is queued for the announcer
//! task, which publishes a presence frame on the bus for the user's contacts and the
//! user's own other devices. The queue is bounded: beyond it, changes are dropped
//! and logged rather than buffered without bound.

use super::bus::{Bus, BusMessage, EphemeralFrame};
use crate::clock::{Millis, now_millis, timestamp};
use crate::store::StoreResult;
use crate::store::rooms::RoomStore;
use confab_proto::UserId;
use confab_proto::users::{Presence, PresenceStatus};
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Presence changes waiting to be announced.
const PRESENCE_BACKLOG: usize = 4096;

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
    changes: mpsc::Sender<UserId>,
    changed: Mutex<Option<mpsc::Receiver<UserId>>>,
}

impl PresenceBoard {
    pub fn new() -> Self {
        let (changes, changed) = mpsc::channel(PRESENCE_BACKLOG);
        Self {
            devices: Mutex::default(),
            last_seen: Mutex::default(),
            changes,
            changed: Mutex::new(Some(changed)),
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
        if self.changes.try_send(user).is_err() {
            tracing::warn!(user_id = %user, "presence backlog full; a status change was not announced");
        }
    }

    /// Announces presence changes on the bus until `shutdown`. Runs once per node.
    pub async fn announce(
        &self,
        store: &dyn RoomStore,
        bus: &dyn Bus,
        shutdown: CancellationToken,
    ) {
        let Some(mut changes) = lock(&self.changed).take() else {
            tracing::error!("the presence announcer was started twice");
            return;
        };
        loop {
            let user = tokio::select! {
                user = changes.recv() => match user { Some(user) => user, None => return },
                () = shutdown.cancelled() => return,
            };
            if let Err(error) = self.announce_one(store, bus, user).await {
                tracing::warn!(%error, user_id = %user, "cannot announce a presence change");
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
