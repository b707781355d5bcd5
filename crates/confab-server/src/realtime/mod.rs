//! Live delivery: everything that reaches connected clients without being asked for.
//!
//! - `node`: [`Realtime`], one node's live delivery and its background tasks; it
//!   implements the rooms service's [`Delivery`](crate::service::rooms::Delivery);
//! - `hub`: the connections of this node, each with a bounded queue;
//! - `tailer`: delivers the committed log in id order, each event to its recipients;
//! - `pending`: commits whose events arrived (from the store or the bus) before the
//!   tailer reached them;
//! - `members`: who receives each event, cached in log order;
//! - `presence`: online/away/offline per user, and announcing changes;
//! - `remote_presence`: the other nodes' reports of their users' presence;
//! - `typing`: one connection's typing indicators and when to announce them;
//! - `bus`: the [`Bus`] between nodes ([`LocalBus`] in-process);
//! - `nats`: [`NatsBus`], the bus of a node among several, over NATS;
//! - `push`: the notifier (a second consumer of the committed log) and the Web Push sender;
//! - `frames`: encoding frames once for every recipient;
//! - `handoff`: a receiver made with the node and taken by the task that reads it.
//!
//! Transports register connections here; services reach delivery only through the
//! `Delivery` trait they own, and learn nothing of frames. This is the only place
//! that encodes server frames for fan-out.

mod bus;
mod frames;
mod handoff;
mod hub;
mod members;
mod nats;
mod node;
mod pending;
mod presence;
mod push;
mod remote_presence;
mod tailer;
mod typing;

pub use bus::{Bus, BusMessage, EphemeralFrame, LocalBus, Received};
pub use frames::Outbound;
pub use nats::{BUS_CONNECTED, BUS_LAG, BUS_MESSAGES, NatsBus, NatsSettings};
pub use node::{Realtime, Subscription, Task};
pub use typing::TypingState;
