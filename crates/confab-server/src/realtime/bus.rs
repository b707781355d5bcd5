//! The bus: how one node's live events reach the other nodes' connections.
//!
//! Three kinds of message cross it: "these events are committed" (so every node's
//! tailer delivers them at once, instead of finding them at its poll), ephemeral
//! frames (typing, presence) that are never stored, and revoked sessions, whose
//! connections close wherever they are. The bus is never the
//! source of truth: a lost message delays a wake-up or drops a typing indicator,
//! and the log still has every event.
//!
//! [`LocalBus`] is the in-process implementation for a single node; `NatsBus`
//! (`nats.rs`) adds NATS for several nodes behind the same trait.

use crate::service::accounts::Revoked;
use crate::service::rooms::ReadNotice;
use crate::store::rooms::CommittedEvents;
use confab_proto::invitations::Invitation;
use confab_proto::notifications::Notification;
use confab_proto::users::{Presence, PresenceStatus, Profile};
use confab_proto::{EventId, RoomId, SessionId, UserId};
use futures_util::stream::BoxStream;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::broadcast;

/// Messages a node's bus subscription may fall behind by before it loses some.
const LOCAL_BUS_CAPACITY: usize = 4096;

/// A message between nodes. Serialised (JSON) only to cross nodes over NATS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum BusMessage {
    /// Events up to `newest` are committed: those of `commit`, when it is given (a
    /// tailer delivers them as they are once delivery reaches them), else the
    /// tailers behind `newest` read the log.
    Committed {
        newest: EventId,
        #[serde(default, skip_serializing_if = "Option::is_none", with = "shared")]
        commit: Option<Arc<CommittedEvents>>,
    },
    /// A frame that is not stored, for the connections of `recipients`.
    Ephemeral {
        recipients: Vec<UserId>,
        frame: EphemeralFrame,
    },
    /// Sessions were revoked: their connections close, on every node.
    Revoked(Revoked),
    /// A node's report of its own users' presence (`remote_presence.rs`).
    NodePresence(NodeReport),
    /// This node's link to the other nodes was down for a while: messages from them
    /// may be lost, so the log should be read now. Never sent to other nodes.
    MaybeLost,
}

/// Serde for a shared value (without serde's `rc` feature): written as the value,
/// read into a new `Arc`.
mod shared {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::sync::Arc;

    pub fn serialize<S: Serializer, T: Serialize>(
        value: &Option<Arc<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.as_deref().serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        deserializer: D,
    ) -> Result<Option<Arc<T>>, D::Error> {
        Ok(Option::<T>::deserialize(deserializer)?.map(Arc::new))
    }
}

/// What one node says of the presence of the users connected to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeReport {
    /// The reporting node's id, random at its start.
    pub node: u64,
    /// Every user of the node (a heartbeat), or only those that changed.
    pub full: bool,
    /// Each user's status on that node alone; `offline`: no longer connected there.
    pub users: Vec<(UserId, PresenceStatus)>,
}

/// What an ephemeral message carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum EphemeralFrame {
    Typing {
        room_id: RoomId,
        user_id: UserId,
        typing: bool,
    },
    Presence(Presence),
    Profile(Profile),
    InvitationReceived(Invitation),
    InvitationEnded {
        room_id: RoomId,
    },
    Notification {
        notification: Notification,
        unread_count: i64,
    },
    NotificationsRead(ReadNotice),
    /// For one device of the recipient: few one-time MLS key packages are left.
    MlsKeyPackagesLow {
        device_id: SessionId,
        remaining: i64,
    },
}

/// What a subscriber receives: messages, or notice that some were lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    Message(BusMessage),
    /// This many messages were dropped because the subscriber fell behind.
    Lost(u64),
}

/// Carries [`BusMessage`]s to every node, this one included.
pub trait Bus: Send + Sync + 'static {
    /// Sends a message to every subscriber. Best effort: it never blocks the caller.
    fn publish(&self, message: BusMessage);
    /// Every message published from now on, in the order each publisher sent them.
    fn subscribe(&self) -> BoxStream<'static, Received>;
    /// Whether messages reach other nodes (else this node is alone).
    fn links_nodes(&self) -> bool {
        false
    }
}

/// The bus of a single node: a broadcast channel inside the process.
pub struct LocalBus {
    sender: broadcast::Sender<BusMessage>,
}

impl LocalBus {
    pub fn new() -> Self {
        Self {
            sender: broadcast::Sender::new(LOCAL_BUS_CAPACITY),
        }
    }
}

impl Default for LocalBus {
    fn default() -> Self {
        Self::new()
    }
}

impl Bus for LocalBus {
    fn publish(&self, message: BusMessage) {
        // No subscriber yet (during start-up) is not an error: nobody is connected.
        let _ = self.sender.send(message);
    }

    fn subscribe(&self) -> BoxStream<'static, Received> {
        let receiver = self.sender.subscribe();
        Box::pin(futures_util::stream::unfold(
            receiver,
            |mut receiver| async move {
                let received = match receiver.recv().await {
                    Ok(message) => Received::Message(message),
                    Err(broadcast::error::RecvError::Lagged(lost)) => Received::Lost(lost),
                    Err(broadcast::error::RecvError::Closed) => return None,
                };
                Some((received, receiver))
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt as _;

    #[tokio::test]
    async fn subscribers_get_what_is_published_after_they_subscribe() {
        let bus = LocalBus::new();
        bus.publish(BusMessage::Committed {
            newest: EventId(1),
            commit: None,
        });
        let mut stream = bus.subscribe();
        bus.publish(BusMessage::Committed {
            newest: EventId(2),
            commit: None,
        });
        assert_eq!(
            stream.next().await,
            Some(Received::Message(BusMessage::Committed {
                newest: EventId(2),
                commit: None,
            }))
        );
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_is_told_how_much_it_lost() {
        let bus = LocalBus::new();
        let mut stream = bus.subscribe();
        for id in 0..(LOCAL_BUS_CAPACITY as i64 + 10) {
            bus.publish(BusMessage::Committed {
                newest: EventId(id),
                commit: None,
            });
        }
        assert_eq!(stream.next().await, Some(Received::Lost(10)));
    }
}
