//! Live fan-out: delivers stored events to the connections of every member.
//!
//! One task per node tails the event log (`events_after`) in id order and delivers
//! each event to the connected members of its room. Reading the committed log,
//! rather than taking events from whoever stored them, gives three guarantees for
//! free: events go out in commit order, an event stored by a request whose client
//! vanished still goes out, and events stored by other nodes sharing the database
//! are found too (the tailer also polls every second; a faster cross-node signal
//! comes with the NATS bus).
//!
//! Each event is serialised once; every recipient's queue gets a clone of the same
//! `Bytes`. Queues are bounded: a connection whose queue is full is told to close
//! (it then resumes from its last event id), so memory never grows without bound.

use crate::clock::Millis;
use crate::store::StoreResult;
use crate::store::rooms::RoomStore;
use bytes::Bytes;
use confab_proto::events::{EventContent, RoomEvent};
use confab_proto::users::{Presence, PresenceStatus};
use confab_proto::ws::ServerFrame;
use confab_proto::{EventId, RoomId, UserId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

/// Events read from the log per round.
const TAIL_BATCH: u32 = 512;
/// Presence changes waiting to be announced; beyond this, changes are dropped
/// (and logged) rather than buffered without bound.
const PRESENCE_BACKLOG: usize = 4096;
/// How often the log is read even without a local wake-up.
const TAIL_POLL: Duration = Duration::from_secs(1);

/// One frame queued for a connection.
#[derive(Clone, Debug)]
pub struct Outbound {
    /// The event's id, for de-duplication against replayed events; `None` for
    /// ephemeral frames (typing), which are never stored or replayed.
    pub event_id: Option<EventId>,
    pub frame: Bytes,
}

/// A registered connection as the hub sees it.
struct Listener {
    id: u64,
    /// The device said its user is idle.
    away: bool,
    queue: mpsc::Sender<Outbound>,
    /// Cancelled when the queue overflowed: the connection must close.
    overflowed: CancellationToken,
}

/// The receiving end of a registration; dropping it unregisters the connection.
pub struct Subscription {
    pub events: mpsc::Receiver<Outbound>,
    /// This connection's id within the hub.
    pub id: u64,
    /// Cancelled if the connection fell too far behind.
    pub overflowed: CancellationToken,
    hub: Arc<Hub>,
    user: UserId,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.unregister(self.user, self.id);
    }
}

/// The per-node fan-out hub.
pub struct Hub {
    rooms: Arc<dyn RoomStore>,
    listeners: Mutex<HashMap<UserId, Vec<Listener>>>,
    /// Current members per room, loaded on first use and kept up to date from the
    /// membership events the tailer reads.
    members: Mutex<HashMap<RoomId, Vec<UserId>>>,
    wake: Notify,
    /// Users whose combined presence changed, for the presence task to announce.
    presence_changes: mpsc::Sender<UserId>,
    presence_changed: Mutex<Option<mpsc::Receiver<UserId>>>,
    /// When each user who went offline on this node was last connected.
    last_seen: Mutex<HashMap<UserId, Millis>>,
    next_id: AtomicU64,
    queue_capacity: usize,
}

impl Hub {
    pub fn new(rooms: Arc<dyn RoomStore>, queue_capacity: usize) -> Arc<Self> {
        let (presence_changes, presence_changed) = mpsc::channel(PRESENCE_BACKLOG);
        Arc::new(Self {
            presence_changes,
            presence_changed: Mutex::new(Some(presence_changed)),
            last_seen: Mutex::default(),
            rooms,
            listeners: Mutex::default(),
            members: Mutex::default(),
            wake: Notify::new(),
            next_id: AtomicU64::new(1),
            queue_capacity,
        })
    }

    /// Registers a connection of `user`; live events arrive on the subscription.
    pub fn subscribe(self: &Arc<Self>, user: UserId) -> Subscription {
        let (queue, events) = mpsc::channel(self.queue_capacity);
        let overflowed = CancellationToken::new();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let listener = Listener {
            id,
            away: false,
            queue,
            overflowed: overflowed.clone(),
        };
        self.change_presence(user, |listeners| {
            listeners.entry(user).or_default().push(listener)
        });
        metrics::gauge!(crate::telemetry::WS_CONNECTIONS).increment(1.0);
        Subscription {
            events,
            id,
            overflowed,
            hub: Arc::clone(self),
            user,
        }
    }

    fn unregister(&self, user: UserId, id: u64) {
        self.change_presence(user, |listeners| {
            if let Some(list) = listeners.get_mut(&user) {
                list.retain(|l| l.id != id);
                if list.is_empty() {
                    listeners.remove(&user);
                }
            }
        });
        metrics::gauge!(crate::telemetry::WS_CONNECTIONS).decrement(1.0);
    }

    /// Marks one connection of `user` as idle (`away`) or active.
    pub fn set_away(&self, user: UserId, connection: u64, away: bool) {
        self.change_presence(user, |listeners| {
            for listener in listeners.get_mut(&user).into_iter().flatten() {
                if listener.id == connection {
                    listener.away = away;
                }
            }
        });
    }

    /// The user's presence as this node sees it.
    pub fn presence(&self, user: UserId) -> (PresenceStatus, Option<Millis>) {
        let status = combined_status(&self.lock_listeners(), user);
        let last_seen = self.lock_last_seen().get(&user).copied();
        (status, last_seen)
    }

    /// Applies `change` to the listeners and queues an announcement if the user's
    /// combined presence changed.
    fn change_presence(
        &self,
        user: UserId,
        change: impl FnOnce(&mut HashMap<UserId, Vec<Listener>>),
    ) {
        let (before, after) = {
            let mut listeners = self.lock_listeners();
            let before = combined_status(&listeners, user);
            change(&mut listeners);
            (before, combined_status(&listeners, user))
        };
        if before == after {
            return;
        }
        if after == PresenceStatus::Offline {
            self.lock_last_seen()
                .insert(user, crate::clock::now_millis());
        }
        if self.presence_changes.try_send(user).is_err() {
            tracing::warn!(user_id = %user, "presence backlog full; a status change was not announced");
        }
    }

    /// Announces presence changes to everyone who shares a room with the user until
    /// `shutdown`.
    pub async fn run_presence(self: Arc<Self>, shutdown: CancellationToken) {
        let Some(mut changes) = self
            .presence_changed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        else {
            return;
        };
        loop {
            let user = tokio::select! {
                user = changes.recv() => match user { Some(user) => user, None => return },
                () = shutdown.cancelled() => return,
            };
            if let Err(e) = self.announce_presence(user).await {
                tracing::warn!(error = %e, user_id = %user, "cannot announce a presence change");
            }
        }
    }

    async fn announce_presence(&self, user: UserId) -> StoreResult<()> {
        let (status, last_seen) = self.presence(user);
        let presence = Presence {
            user_id: user,
            status,
            last_seen_at: last_seen.map(crate::clock::timestamp),
        };
        let frame = match serde_json::to_vec(&ServerFrame::Presence(presence)) {
            Ok(bytes) => Bytes::from(bytes),
            Err(e) => return Err(crate::store::StoreError::Corrupt(e.to_string())),
        };
        let mut recipients = self.rooms.contacts(user).await?;
        recipients.push(user);
        self.deliver_ephemeral(&recipients, frame);
        Ok(())
    }

    /// Tells the tailer that new events were committed.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Reads the log from its current end and delivers every new event until
    /// `shutdown`.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let mut last = loop {
            match self.rooms.latest_event_id().await {
                Ok(id) => break id,
                Err(e) => {
                    tracing::error!(error = %e, "fan-out cannot read the event log; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(TAIL_POLL) => {},
                        () = shutdown.cancelled() => return,
                    }
                }
            }
        };
        loop {
            match self.deliver_after(last).await {
                Ok(Some(newest)) => {
                    last = newest;
                    continue; // There may be more; read again before waiting.
                }
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "fan-out failed to read the event log"),
            }
            tokio::select! {
                () = self.wake.notified() => {},
                () = tokio::time::sleep(TAIL_POLL) => {},
                () = shutdown.cancelled() => return,
            }
        }
    }

    /// Delivers the events after `last`; returns the newest id delivered, if any.
    async fn deliver_after(&self, last: EventId) -> StoreResult<Option<EventId>> {
        let events = self.rooms.events_after(last, TAIL_BATCH).await?;
        let newest = events.last().map(|e| e.id);
        for event in events {
            let recipients = self.recipients(&event).await?;
            let frame = match serde_json::to_vec(&ServerFrame::Event {
                event: event.clone(),
            }) {
                Ok(bytes) => Bytes::from(bytes),
                Err(e) => {
                    tracing::error!(error = %e, event_id = %event.id, "cannot encode an event");
                    continue;
                }
            };
            self.deliver(
                &recipients,
                &Outbound {
                    event_id: Some(event.id),
                    frame,
                },
            );
            metrics::counter!(crate::telemetry::EVENTS_FANNED_OUT).increment(1);
        }
        Ok(newest)
    }

    /// Sends an ephemeral frame to the connected members of `room` but `except`.
    pub async fn broadcast(&self, room: RoomId, except: UserId, frame: Bytes) -> StoreResult<()> {
        let mut recipients = self.current_members(room).await?;
        recipients.retain(|&user| user != except);
        self.deliver_ephemeral(&recipients, frame);
        Ok(())
    }

    /// Queues a frame that is not in the log (typing, presence) for `recipients`.
    fn deliver_ephemeral(&self, recipients: &[UserId], frame: Bytes) {
        let outbound = Outbound {
            event_id: None,
            frame,
        };
        self.deliver(recipients, &outbound);
    }

    /// The room's members for an ephemeral frame: the cache when the tailer has
    /// filled it, otherwise the database (without filling the cache, which only the
    /// tailer may do, in log order).
    async fn current_members(&self, room: RoomId) -> StoreResult<Vec<UserId>> {
        if let Some(members) = self.lock_members().get(&room).cloned() {
            return Ok(members);
        }
        Ok(self
            .rooms
            .members(room)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect())
    }

    /// Who receives `event`, updating the membership cache for membership events:
    /// a new member receives the event that adds them, a leaving member the one
    /// that removes them.
    async fn recipients(&self, event: &RoomEvent) -> StoreResult<Vec<UserId>> {
        let cached = self.lock_members().get(&event.room_id).cloned();
        let mut members = match cached {
            Some(members) => members,
            // Membership as of this event, so that someone removed since still gets
            // the events from before their removal.
            None => self.rooms.members_at(event.room_id, event.seq).await?,
        };
        let recipients = match &event.content {
            EventContent::MemberAdded { user_id, .. } => {
                if !members.contains(user_id) {
                    members.push(*user_id);
                }
                members.clone()
            }
            EventContent::MemberLeft { user_id } | EventContent::MemberRemoved { user_id } => {
                let mut recipients = members.clone();
                if !recipients.contains(user_id) {
                    recipients.push(*user_id);
                }
                members.retain(|m| m != user_id);
                recipients
            }
            _ => return Ok(members),
        };
        self.lock_members().insert(event.room_id, members);
        Ok(recipients)
    }

    fn deliver(&self, recipients: &[UserId], outbound: &Outbound) {
        let listeners = self.lock_listeners();
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

    fn lock_listeners(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Vec<Listener>>> {
        self.listeners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_last_seen(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Millis>> {
        self.last_seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_members(&self) -> std::sync::MutexGuard<'_, HashMap<RoomId, Vec<UserId>>> {
        self.members
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Online if any connection is active, away if all are idle, offline if none.
fn combined_status(listeners: &HashMap<UserId, Vec<Listener>>, user: UserId) -> PresenceStatus {
    match listeners.get(&user) {
        None => PresenceStatus::Offline,
        Some(list) if list.iter().any(|l| !l.away) => PresenceStatus::Online,
        Some(list) if list.is_empty() => PresenceStatus::Offline,
        Some(_) => PresenceStatus::Away,
    }
}
