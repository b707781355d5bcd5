//! The bus of a node among several: this node's own [`LocalBus`], plus NATS to and
//! from the other nodes (`--nats-url`).
//!
//! - **Publishing** hands a message to this node's subscribers at once, as the local
//!   bus does, and queues it for NATS (`--nats-send-queue`; a full queue drops the
//!   message for the other nodes, counted). It never blocks: a request that stored an
//!   event does not wait for NATS.
//! - **Sending** is one task that takes the queue in order and publishes each message
//!   on the cluster's subject (`--nats-subject`), one NATS message per bus message:
//!   a commit batch is one `committed` message with its events, not one per
//!   recipient, so the other nodes deliver them without reading the database. A
//!   commit too big for one NATS message (the server's `max_payload`) goes without
//!   its events, and the others read it from the log.
//! - **Receiving** is one task subscribed to the subject. The connection is opened
//!   with NATS's "no echo", so it never gets its own messages back; the others'
//!   messages go to this node's subscribers as if published here.
//! - **NATS away.** The client reconnects by itself (from the first connection on: a
//!   node starts while NATS is down). Messages sent meanwhile are lost, which costs a
//!   typing indicator or a wake-up, never an event: each node's tailer reads the log
//!   every second regardless. When the connection comes back the receiver tells
//!   this node's subscribers that messages may have been lost, so the tailer reads
//!   the log at once.
//!
//! The format between nodes is JSON of [`Envelope`]: the bus message, the format's
//! version (a node drops, and counts, messages of another version, as during a
//! rolling upgrade that changes it) and when it was sent (for the lag metric).

use super::bus::{Bus, BusMessage, LocalBus, Received};
use super::handoff::Handoff;
use super::node::Task;
use crate::clock::now_millis;
use bytes::Bytes;
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

/// The version of [`Envelope`]'s format (2: commits carry their events; 3: a commit
/// may not know the event it follows).
const FORMAT_VERSION: u32 = 3;
/// How long connecting to NATS may take before the attempt counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Bus messages sent to and received from the other nodes, by outcome.
pub const BUS_MESSAGES: &str = "confab_bus_messages_total";
/// Seconds from a message's sending on one node to its receipt on another.
pub const BUS_LAG: &str = "confab_bus_lag_seconds";
/// 1 while the node is connected to NATS, else 0.
pub const BUS_CONNECTED: &str = "confab_bus_connected";

/// What crosses NATS.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    version: u32,
    /// Milliseconds since the Unix epoch, on the sending node's clock.
    sent_at: i64,
    message: BusMessage,
}

/// Where to find NATS, and the cluster's settings.
#[derive(Clone, Debug)]
pub struct NatsSettings {
    pub url: String,
    pub subject: String,
    pub send_queue: usize,
}

/// The bus of a node of a cluster; see the module documentation.
pub struct NatsBus {
    local: LocalBus,
    client: async_nats::Client,
    subject: String,
    outgoing: mpsc::Sender<Bytes>,
    /// Taken by the sending task when it starts.
    queued: Handoff<mpsc::Receiver<Bytes>>,
    link: Arc<Link>,
}

/// The state of the connection to NATS, which the client's event callback keeps.
#[derive(Default)]
struct Link {
    connected: AtomicBool,
    /// Notified on each (re)connection: messages from the others may have been lost.
    connected_again: Notify,
}

impl NatsBus {
    /// Opens the NATS client. It connects in the background: a node starts while
    /// NATS is away and links up once it is back.
    pub async fn connect(settings: &NatsSettings) -> Result<Arc<Self>, async_nats::ConnectError> {
        let link = Arc::new(Link::default());
        let events = Arc::clone(&link);
        let client = async_nats::ConnectOptions::new()
            .name(format!("confab {}", env!("CARGO_PKG_VERSION")))
            .no_echo()
            .retry_on_initial_connect()
            .max_reconnects(None)
            .connection_timeout(CONNECT_TIMEOUT)
            .event_callback(move |event| {
                let link = Arc::clone(&events);
                async move { note_event(&link, &event) }
            })
            .connect(settings.url.as_str())
            .await?;
        let (outgoing, queued) = mpsc::channel(settings.send_queue);
        Ok(Arc::new(Self {
            local: LocalBus::new(),
            client,
            subject: settings.subject.clone(),
            outgoing,
            queued: Handoff::new(queued),
            link,
        }))
    }

    /// Whether the node is connected to NATS now.
    pub fn is_connected(&self) -> bool {
        self.link.connected.load(Ordering::Acquire)
    }

    /// The sending and receiving tasks, for the supervisor.
    pub fn tasks(self: &Arc<Self>, shutdown: &CancellationToken) -> Vec<Task> {
        let (sender, receiver) = (Arc::clone(self), Arc::clone(self));
        let (s1, s2) = (shutdown.clone(), shutdown.clone());
        vec![
            Task {
                name: "bus sender",
                run: Box::pin(async move { sender.send_queued(s1).await }),
            },
            Task {
                name: "bus receiver (NATS)",
                run: Box::pin(async move { receiver.receive(s2).await }),
            },
        ]
    }

    async fn send_queued(&self, shutdown: CancellationToken) {
        let Some(mut queued) = self.queued.take("bus sender") else {
            return;
        };
        loop {
            let payload = tokio::select! {
                payload = queued.recv() => payload,
                () = shutdown.cancelled() => return,
            };
            let Some(payload) = payload else { return };
            // Waits while the client's own buffer is full (NATS away for long); the
            // queue then fills and `publish` drops.
            let sent = tokio::select! {
                sent = self.client.publish(self.subject.clone(), payload) => sent,
                () = shutdown.cancelled() => return,
            };
            match sent {
                Ok(()) => metrics::counter!(BUS_MESSAGES, "outcome" => "sent").increment(1),
                Err(error) => {
                    metrics::counter!(BUS_MESSAGES, "outcome" => "dropped").increment(1);
                    tracing::warn!(%error, "a bus message for the other nodes was not sent");
                }
            }
        }
    }

    async fn receive(&self, shutdown: CancellationToken) {
        let mut subscription = loop {
            match self.client.subscribe(self.subject.clone()).await {
                Ok(subscription) => break subscription,
                Err(error) => {
                    tracing::error!(%error, "cannot subscribe to the cluster's NATS subject; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => {},
                        () = shutdown.cancelled() => return,
                    }
                }
            }
        };
        loop {
            tokio::select! {
                message = subscription.next() => {
                    let Some(message) = message else {
                        tracing::error!("the NATS subscription ended");
                        return;
                    };
                    self.deliver_remote(&message.payload);
                }
                () = self.link.connected_again.notified() => {
                    // Whatever the others sent meanwhile is gone: read the log now.
                    self.local.publish(BusMessage::MaybeLost);
                }
                () = shutdown.cancelled() => return,
            }
        }
    }

    /// Hands another node's message to this node's subscribers.
    fn deliver_remote(&self, payload: &[u8]) {
        match serde_json::from_slice::<Envelope>(payload) {
            Ok(envelope) if envelope.version == FORMAT_VERSION => {
                // Clocks of two hosts may disagree: a message from the future took 0 s.
                let lag = u64::try_from(now_millis() - envelope.sent_at).unwrap_or(0);
                metrics::histogram!(BUS_LAG).record(Duration::from_millis(lag).as_secs_f64());
                metrics::counter!(BUS_MESSAGES, "outcome" => "received").increment(1);
                self.local.publish(envelope.message);
            }
            Ok(envelope) => {
                metrics::counter!(BUS_MESSAGES, "outcome" => "other_version").increment(1);
                tracing::warn!(
                    version = envelope.version,
                    ours = FORMAT_VERSION,
                    "a bus message from a node of another version was dropped"
                );
            }
            Err(error) => {
                metrics::counter!(BUS_MESSAGES, "outcome" => "malformed").increment(1);
                tracing::warn!(%error, "a malformed bus message was dropped");
            }
        }
    }
}

/// The NATS payload of `envelope`. A commit whose events do not fit in one NATS
/// message of `max_payload` bytes goes without them (left out of `envelope` too).
fn encode(envelope: &mut Envelope, max_payload: usize) -> serde_json::Result<Bytes> {
    let payload = serde_json::to_vec(&*envelope)?;
    if payload.len() <= max_payload {
        return Ok(Bytes::from(payload));
    }
    if let BusMessage::Committed { commit, .. } = &mut envelope.message
        && commit.take().is_some()
    {
        metrics::counter!(BUS_MESSAGES, "outcome" => "events_left_out").increment(1);
        return serde_json::to_vec(&*envelope).map(Bytes::from);
    }
    // NATS refuses it when sending, and says why.
    Ok(Bytes::from(payload))
}

impl Bus for NatsBus {
    fn publish(&self, message: BusMessage) {
        if matches!(message, BusMessage::MaybeLost) {
            // About this node's NATS link: nothing for the others.
            self.local.publish(message);
            return;
        }
        let mut envelope = Envelope {
            version: FORMAT_VERSION,
            sent_at: now_millis(),
            message,
        };
        match encode(&mut envelope, self.client.max_payload()) {
            Ok(payload) => {
                if self.outgoing.try_send(payload).is_err() {
                    metrics::counter!(BUS_MESSAGES, "outcome" => "dropped").increment(1);
                }
            }
            Err(error) => tracing::error!(%error, "a bus message could not be encoded"),
        }
        self.local.publish(envelope.message);
    }

    fn subscribe(&self) -> BoxStream<'static, Received> {
        self.local.subscribe()
    }

    fn links_nodes(&self) -> bool {
        true
    }
}

fn note_event(link: &Link, event: &async_nats::Event) {
    let connected = &link.connected;
    match event {
        async_nats::Event::Connected => {
            connected.store(true, Ordering::Release);
            link.connected_again.notify_one();
            metrics::gauge!(BUS_CONNECTED).set(1.0);
            tracing::info!("connected to NATS");
        }
        async_nats::Event::Disconnected => {
            connected.store(false, Ordering::Release);
            metrics::gauge!(BUS_CONNECTED).set(0.0);
            tracing::warn!(
                "disconnected from NATS; reconnecting (events still arrive from the database every second)"
            );
        }
        async_nats::Event::Closed => {
            // The client was dropped: the node is stopping.
            connected.store(false, Ordering::Release);
            metrics::gauge!(BUS_CONNECTED).set(0.0);
            tracing::info!("NATS connection closed");
        }
        other => tracing::warn!(event = %other, "NATS"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realtime::bus::EphemeralFrame;
    use crate::store::events::{
        AttachmentRecord, BodyRecord, ContentRecord, EventRecord, MessageRecord,
    };
    use crate::store::rooms::CommittedEvents;
    use confab_proto::{EventId, RoomId, UserId};

    #[test]
    fn a_commit_too_big_for_nats_goes_without_its_events() {
        let commit = CommittedEvents {
            after: Some(EventId(1)),
            events: vec![EventRecord {
                id: EventId(2),
                room_id: RoomId(7),
                seq: 1,
                sender_id: UserId(3),
                created_at: 1,
                content: ContentRecord::RoomCreated {
                    name: "x".repeat(2000),
                    encrypted: false,
                },
            }],
        };
        let message = BusMessage::Committed {
            newest: EventId(2),
            commit: Some(std::sync::Arc::new(commit)),
        };
        let mut envelope = Envelope {
            version: FORMAT_VERSION,
            sent_at: 1,
            message: message.clone(),
        };
        let roomy = encode(&mut envelope, 1 << 20).unwrap();
        assert!(roomy.len() > 2000);
        assert_eq!(envelope.message, message, "it fits: sent whole");

        let tight = encode(&mut envelope, 1000).unwrap();
        let expected = BusMessage::Committed {
            newest: EventId(2),
            commit: None,
        };
        assert_eq!(envelope.message, expected, "left out here too");
        let back: Envelope = serde_json::from_slice(&tight).unwrap();
        assert_eq!(back.message, expected);
    }

    #[test]
    fn messages_cross_as_json_and_come_back_equal() {
        let messages = [
            BusMessage::Committed {
                newest: EventId(42),
                commit: None,
            },
            BusMessage::Committed {
                newest: EventId(42),
                commit: Some(std::sync::Arc::new(CommittedEvents {
                    after: None,
                    events: vec![
                        EventRecord {
                            id: EventId(41),
                            room_id: RoomId(7),
                            seq: 2,
                            sender_id: UserId(3),
                            created_at: 1_700_000_000_000,
                            content: ContentRecord::Message(MessageRecord {
                                client_id: "c1".into(),
                                body: Some(BodyRecord::Text {
                                    text: "hello @bob".into(),
                                }),
                                reply_to: Some(1),
                                mentions: vec![UserId(4)],
                                reactions: Vec::new(),
                                attachments: vec![AttachmentRecord {
                                    file_id: "f1".into(),
                                    name: "photo.png".into(),
                                    size: 1234,
                                    content_type: "image/png".into(),
                                    width: Some(800),
                                    height: Some(600),
                                    thumbnail: None,
                                }],
                                edited_at: None,
                                deleted_at: None,
                                preview: None,
                            }),
                        },
                        EventRecord {
                            id: EventId(42),
                            room_id: RoomId(7),
                            seq: 3,
                            sender_id: UserId(3),
                            created_at: 1_700_000_000_001,
                            content: ContentRecord::MemberLeft { user_id: UserId(3) },
                        },
                    ],
                })),
            },
            BusMessage::Ephemeral {
                recipients: vec![UserId(1), UserId(2)],
                frame: EphemeralFrame::Typing {
                    room_id: RoomId(7),
                    user_id: UserId(3),
                    typing: true,
                },
            },
        ];
        for message in messages {
            let envelope = Envelope {
                version: FORMAT_VERSION,
                sent_at: 1,
                message: message.clone(),
            };
            let json = serde_json::to_vec(&envelope).unwrap();
            let back: Envelope = serde_json::from_slice(&json).unwrap();
            assert_eq!(back.message, message);
        }
    }
}
