//! [`Realtime`]: one node's live delivery, and the background tasks that run it.

use super::bus::{Bus, BusMessage, EphemeralFrame, Received};
use super::frames::{self, Outbound};
use super::handoff::Handoff;
use super::hub::Hub;
use super::members::RoomMembers;
use super::pending::PendingCommits;
use super::presence::PresenceBoard;
use super::tailer::{LocalCommits, Tailer};
use crate::clock::Millis;
use crate::service::ServiceResult;
use crate::service::accounts::{LiveAccounts, Revoked};
use crate::service::mls::MlsDelivery;
use crate::service::rooms::{Delivery, ReadNotice};
use crate::store::rooms::RoomStore;
use async_trait::async_trait;
use confab_proto::invitations::Invitation;
use confab_proto::notifications::Notification;
use confab_proto::users::{Presence, PresenceStatus, Profile};
use confab_proto::{RoomId, SessionId, UserId};
use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

/// Live delivery on this node: the connections, presence, and the bus to the
/// other nodes.
pub struct Realtime {
    store: Arc<dyn RoomStore>,
    hub: Hub,
    members: RoomMembers,
    presence: PresenceBoard,
    bus: Arc<dyn Bus>,
    /// Subscribed at construction, so nothing published during start-up is missed;
    /// taken by the bus task.
    bus_messages: Handoff<BoxStream<'static, Received>>,
    /// Users whose presence as other nodes report it changed, for this node's
    /// connections to be told by the heartbeat task (off the bus receiver, since
    /// telling takes a query per user).
    to_tell: Mutex<HashSet<UserId>>,
    /// Notified when `to_tell` gains users.
    tell_soon: Notify,
    /// Commits heard of (this node's and the others') that the tailer has not
    /// delivered yet.
    pending: PendingCommits,
    /// Wakes the tailer when another node committed events.
    wake: Notify,
    /// See `--presence-debounce`.
    presence_debounce: Duration,
    /// The newest event id the tailer has delivered.
    delivered: AtomicI64,
}

/// A background task of live delivery, named for logs and readiness.
pub struct Task {
    pub name: &'static str,
    pub run: BoxFuture<'static, ()>,
}

/// A connection registered for live delivery; dropping it unregisters it.
pub struct Subscription {
    /// Frames for the connection, in delivery order.
    pub events: mpsc::Receiver<Outbound>,
    /// This connection's id on this node.
    pub id: u64,
    /// Cancelled if the connection fell too far behind and must close.
    pub overflowed: CancellationToken,
    /// Cancelled if the connection's session was revoked: it must close, and serve
    /// no more requests.
    pub revoked: CancellationToken,
    realtime: Arc<Realtime>,
    user: UserId,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.realtime.hub.unregister(self.user, self.id);
        self.realtime.presence.disconnected(self.user, self.id);
    }
}

impl Realtime {
    /// Live delivery reading `store`'s log and talking to other nodes over `bus`;
    /// each connection queues at most `queue_capacity` frames, and presence changes
    /// are announced at most once per `presence_debounce`; another node's users count
    /// as gone once it has not reported for `presence_node_timeout`.
    pub fn new(
        store: Arc<dyn RoomStore>,
        bus: Arc<dyn Bus>,
        queue_capacity: usize,
        presence_debounce: Duration,
        presence_node_timeout: Duration,
    ) -> Arc<Self> {
        Arc::new(Self {
            members: RoomMembers::new(Arc::clone(&store)),
            store,
            hub: Hub::new(queue_capacity),
            presence: PresenceBoard::new(presence_node_timeout),
            bus_messages: Handoff::new(bus.subscribe()),
            to_tell: Mutex::default(),
            tell_soon: Notify::new(),
            bus,
            pending: PendingCommits::default(),
            wake: Notify::new(),
            presence_debounce,
            delivered: AtomicI64::new(0),
        })
    }

    /// Registers a connection of `user`'s device session `session`: live events
    /// arrive on the subscription, and the user counts as online while it lasts.
    pub fn connect(self: &Arc<Self>, user: UserId, session: SessionId) -> Subscription {
        let registration = self.hub.register(user, session);
        self.presence.connected(user, registration.id);
        Subscription {
            events: registration.events,
            id: registration.id,
            overflowed: registration.overflowed,
            revoked: registration.revoked,
            realtime: Arc::clone(self),
            user,
        }
    }

    /// A receiver that changes whenever the store commits events.
    pub(super) fn committed(&self) -> crate::store::rooms::CommitWatch {
        self.store.committed()
    }

    /// Marks one connection of `user` as idle (`away`) or active.
    pub fn set_away(&self, user: UserId, connection: u64, away: bool) {
        self.presence.set_away(user, connection, away);
    }

    /// The tasks that must run for as long as the node serves: the tailer, the
    /// presence announcer and the bus receiver. Each ends at `shutdown`.
    pub fn tasks(self: &Arc<Self>, shutdown: &CancellationToken) -> Vec<Task> {
        // Subscribed now, before the tailer reads where the log ends: no commit
        // falls between the two.
        let commits = LocalCommits {
            feed: self.store.commit_feed(),
            newest: self.store.committed(),
        };
        let (tailer, presence, bus) = (Arc::clone(self), Arc::clone(self), Arc::clone(self));
        let (s1, s2, s3) = (shutdown.clone(), shutdown.clone(), shutdown.clone());
        let mut tasks = vec![
            Task {
                name: "tailer",
                run: Box::pin(async move {
                    let parts = Tailer {
                        store: tailer.store.as_ref(),
                        members: &tailer.members,
                        hub: &tailer.hub,
                        bus: tailer.bus.as_ref(),
                        pending: &tailer.pending,
                        wake: &tailer.wake,
                        delivered: &tailer.delivered,
                    };
                    parts.run(commits, s1).await;
                }),
            },
            Task {
                name: "presence",
                run: Box::pin(async move {
                    let store = Arc::clone(&presence.store);
                    presence
                        .presence
                        .announce(
                            store.as_ref(),
                            presence.bus.as_ref(),
                            presence.presence_debounce,
                            s2,
                        )
                        .await;
                }),
            },
            Task {
                name: "bus",
                run: Box::pin(async move { bus.receive(s3).await }),
            },
        ];
        if self.bus.links_nodes() {
            let (heartbeat, s4) = (Arc::clone(self), shutdown.clone());
            tasks.push(Task {
                name: "presence heartbeat",
                run: Box::pin(async move { heartbeat.presence_heartbeat(s4).await }),
            });
        }
        tasks
    }

    /// Reports this node's users to the others every heartbeat, and forgets the
    /// nodes that stopped reporting; tells this node's connections of the users whose
    /// presence changed on other nodes (their reports, or their silence).
    async fn presence_heartbeat(&self, shutdown: CancellationToken) {
        let mut ticks = tokio::time::interval(self.presence.heartbeat());
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    self.bus
                        .publish(BusMessage::NodePresence(self.presence.report(None)));
                    let gone = self.presence.expire_silent_nodes();
                    self.tell_local_soon(gone);
                },
                () = self.tell_soon.notified() => {},
                () = shutdown.cancelled() => return,
            }
            let users = std::mem::take(
                &mut *self
                    .to_tell
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
            self.tell_local(users).await;
        }
    }

    /// Queues `users` for [`tell_local`](Self::tell_local) by the heartbeat task. A
    /// user queued twice is told once, of their presence at the time of telling.
    fn tell_local_soon(&self, users: Vec<UserId>) {
        if users.is_empty() {
            return;
        }
        self.to_tell
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(users);
        self.tell_soon.notify_one();
    }

    /// Tells this node's connections (the users' contacts and their own devices) of
    /// the users' presence, as this node sees it now.
    async fn tell_local(&self, users: HashSet<UserId>) {
        for user in users {
            let mut recipients = match self.store.contacts(user).await {
                Ok(contacts) => contacts,
                Err(error) => {
                    tracing::warn!(%error, user_id = %user, "cannot tell of a presence change");
                    continue;
                }
            };
            recipients.push(user);
            if let Some(outbound) = frames::ephemeral(self.presence.frame(user)) {
                self.hub.deliver(&recipients, &outbound);
            }
        }
    }

    /// Handles what arrives on the bus until `shutdown`.
    async fn receive(&self, shutdown: CancellationToken) {
        let Some(mut messages) = self.bus_messages.take("bus") else {
            return;
        };
        loop {
            let received = tokio::select! {
                received = messages.next() => received,
                () = shutdown.cancelled() => return,
            };
            match received {
                Some(Received::Message(BusMessage::Committed { newest, commit })) => {
                    match commit {
                        Some(commit) => self.pending.offer(commit),
                        None => self.pending.heard_of(newest),
                    }
                    if newest.0 > self.delivered.load(Ordering::Acquire) {
                        self.wake.notify_one();
                    }
                }
                Some(Received::Message(BusMessage::Ephemeral { recipients, frame })) => {
                    if let Some(outbound) = frames::ephemeral(frame) {
                        self.hub.deliver(&recipients, &outbound);
                    }
                }
                Some(Received::Message(BusMessage::Revoked(revoked))) => self.hub.revoke(&revoked),
                Some(Received::Message(BusMessage::MaybeLost)) => {
                    self.pending.maybe_lost();
                    self.wake.notify_one();
                }
                Some(Received::Message(BusMessage::NodePresence(report))) => {
                    let changed = self.presence.apply_report(&report);
                    self.tell_local_soon(changed);
                }
                Some(Received::Lost(count)) => {
                    // Ephemeral frames are gone; a commit notice may be among them, and
                    // a revocation (the heartbeat's session check still catches that).
                    tracing::warn!(count, "the bus receiver fell behind and lost messages");
                    self.pending.maybe_lost();
                    self.wake.notify_one();
                }
                None => {
                    tracing::error!("the bus closed");
                    return;
                }
            }
        }
    }
}

#[async_trait]
impl Delivery for Realtime {
    async fn typing(&self, room: RoomId, user: UserId, typing: bool) -> ServiceResult<()> {
        let mut recipients = self.members.current(room).await?;
        recipients.retain(|&member| member != user);
        self.bus.publish(BusMessage::Ephemeral {
            recipients,
            frame: EphemeralFrame::Typing {
                room_id: room,
                user_id: user,
                typing,
            },
        });
        Ok(())
    }

    fn presence(&self, user: UserId) -> (PresenceStatus, Option<Millis>) {
        self.presence.status(user)
    }

    fn invitation_received(&self, user: UserId, invitation: Invitation) {
        self.bus.publish(BusMessage::Ephemeral {
            recipients: vec![user],
            frame: EphemeralFrame::InvitationReceived(invitation),
        });
    }

    fn invitation_ended(&self, user: UserId, room: RoomId) {
        self.bus.publish(BusMessage::Ephemeral {
            recipients: vec![user],
            frame: EphemeralFrame::InvitationEnded { room_id: room },
        });
    }

    fn notification(&self, user: UserId, notification: Notification, unread_count: i64) {
        self.bus.publish(BusMessage::Ephemeral {
            recipients: vec![user],
            frame: EphemeralFrame::Notification {
                notification,
                unread_count,
            },
        });
    }

    fn notifications_read(&self, user: UserId, read: ReadNotice) {
        self.bus.publish(BusMessage::Ephemeral {
            recipients: vec![user],
            frame: EphemeralFrame::NotificationsRead(read),
        });
    }

    fn hide_presence(&self, user: UserId, viewer: UserId) {
        self.bus.publish(BusMessage::Ephemeral {
            recipients: vec![viewer],
            frame: EphemeralFrame::Presence(Presence {
                user_id: user,
                status: PresenceStatus::Offline,
                last_seen_at: None,
            }),
        });
    }
}

impl LiveAccounts for Realtime {
    fn revoked(&self, revoked: Revoked) {
        // This node's connections at once, before the revoking request is answered;
        // the other nodes' through the bus (this one sees it again: harmless).
        self.hub.revoke(&revoked);
        self.bus.publish(BusMessage::Revoked(revoked));
    }

    fn profile_changed(&self, profile: Profile) {
        // Off the request: finding the contacts is a query, and the request that
        // changed the profile need not wait for it.
        let store = Arc::clone(&self.store);
        let bus = Arc::clone(&self.bus);
        tokio::spawn(async move {
            let user = profile.id;
            match store.contacts(user).await {
                Ok(mut recipients) => {
                    recipients.push(user);
                    bus.publish(BusMessage::Ephemeral {
                        recipients,
                        frame: EphemeralFrame::Profile(profile),
                    });
                }
                Err(error) => {
                    tracing::warn!(%error, user_id = %user, "cannot announce a profile change");
                }
            }
        });
    }
}

impl MlsDelivery for Realtime {
    fn key_packages_low(&self, user: UserId, device: SessionId, remaining: i64) {
        self.bus.publish(BusMessage::Ephemeral {
            recipients: vec![user],
            frame: EphemeralFrame::MlsKeyPackagesLow {
                device_id: device,
                remaining,
            },
        });
    }
}
