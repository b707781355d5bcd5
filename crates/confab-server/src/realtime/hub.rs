//! The hub: the connections of this node, by user, each with a bounded queue.
//!
//! Delivering puts an [`Outbound`] frame on the queue of every connection of the
//! recipients. Queues are bounded: a connection whose queue is full is told to close
//! (it then resumes from its last event id), so memory never grows without bound.

use super::frames::Outbound;
use crate::service::accounts::Revoked;
use confab_proto::{SessionId, UserId};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A registered connection as the hub sees it.
struct Listener {
    id: u64,
    /// The device session the connection authenticated as.
    session: SessionId,
    queue: mpsc::Sender<Outbound>,
    /// Cancelled when the queue overflowed: the connection must close.
    overflowed: CancellationToken,
    /// Cancelled when the session was revoked: the connection must close.
    revoked: CancellationToken,
}

/// What a connection gets when it registers.
pub(super) struct Registration {
    pub id: u64,
    pub events: mpsc::Receiver<Outbound>,
    pub overflowed: CancellationToken,
    pub revoked: CancellationToken,
}

/// The connections of one node.
pub(super) struct Hub {
    listeners: Mutex<HashMap<UserId, Vec<Listener>>>,
    next_id: AtomicU64,
    queue_capacity: usize,
}

impl Hub {
    pub fn new(queue_capacity: usize) -> Self {
        Self {
            listeners: Mutex::default(),
            next_id: AtomicU64::new(1),
            queue_capacity,
        }
    }

    /// Registers a connection of `user`'s device session `session`.
    pub fn register(&self, user: UserId, session: SessionId) -> Registration {
        let (queue, events) = mpsc::channel(self.queue_capacity);
        let overflowed = CancellationToken::new();
        let revoked = CancellationToken::new();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().entry(user).or_default().push(Listener {
            id,
            session,
            queue,
            overflowed: overflowed.clone(),
            revoked: revoked.clone(),
        });
        metrics::gauge!(crate::telemetry::WS_CONNECTIONS).increment(1.0);
        Registration {
            id,
            events,
            overflowed,
            revoked,
        }
    }

    /// Tells the connections of revoked sessions to close. Idempotent.
    pub fn revoke(&self, revoked: &Revoked) {
        let user = match *revoked {
            Revoked::Session { user, .. } | Revoked::AllBut { user, .. } => user,
        };
        for listener in self.lock().get(&user).into_iter().flatten() {
            if revoked.covers(user, listener.session) {
                listener.revoked.cancel();
            }
        }
    }

    /// Forgets a connection.
    pub fn unregister(&self, user: UserId, id: u64) {
        let mut listeners = self.lock();
        if let Some(list) = listeners.get_mut(&user) {
            list.retain(|l| l.id != id);
            if list.is_empty() {
                listeners.remove(&user);
            }
        }
        metrics::gauge!(crate::telemetry::WS_CONNECTIONS).decrement(1.0);
    }

    /// Whether any of `users` has a connection on this node.
    pub fn any_connected(&self, users: &[UserId]) -> bool {
        let listeners = self.lock();
        users.iter().any(|user| listeners.contains_key(user))
    }

    /// Queues `outbound` for every connection of `recipients` on this node.
    pub fn deliver(&self, recipients: &[UserId], outbound: &Outbound) {
        let listeners = self.lock();
        for user in recipients {
            for listener in listeners.get(user).into_iter().flatten() {
                if listener.overflowed.is_cancelled() {
                    continue;
                }
                if listener.queue.try_send(outbound.clone()).is_err() {
                    // Full (or closed): the connection resumes from its cursor instead.
                    listener.overflowed.cancel();
                    metrics::counter!(crate::telemetry::WS_OVERFLOWS).increment(1);
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Vec<Listener>>> {
        self.listeners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn frame(text: &'static str) -> Outbound {
        Outbound {
            event_id: None,
            frame: Bytes::from_static(text.as_bytes()),
        }
    }

    #[test]
    fn delivers_to_every_connection_of_the_recipients_only() {
        let hub = Hub::new(4);
        let mut a1 = hub.register(UserId(1), SessionId(1));
        let mut a2 = hub.register(UserId(1), SessionId(2));
        let mut b = hub.register(UserId(2), SessionId(3));
        hub.deliver(&[UserId(1)], &frame("x"));
        assert_eq!(a1.events.try_recv().unwrap().frame, "x");
        assert_eq!(a2.events.try_recv().unwrap().frame, "x");
        assert!(b.events.try_recv().is_err());
    }

    #[test]
    fn revoking_a_session_cancels_its_connections_only() {
        let hub = Hub::new(4);
        let old = hub.register(UserId(1), SessionId(1));
        let current = hub.register(UserId(1), SessionId(2));
        let other = hub.register(UserId(2), SessionId(1));
        hub.revoke(&Revoked::AllBut {
            user: UserId(1),
            keep: SessionId(2),
        });
        assert!(old.revoked.is_cancelled());
        assert!(!current.revoked.is_cancelled());
        assert!(!other.revoked.is_cancelled());
    }

    #[test]
    fn a_full_queue_marks_its_connection_overflowed() {
        let hub = Hub::new(1);
        let slow = hub.register(UserId(1), SessionId(1));
        hub.deliver(&[UserId(1)], &frame("a"));
        assert!(!slow.overflowed.is_cancelled());
        hub.deliver(&[UserId(1)], &frame("b"));
        assert!(slow.overflowed.is_cancelled());
    }
}
