//! Live delivery: everything that reaches connected clients without being asked for.
//!
//! - [`hub`]: the per-node fan-out of committed events to connections, and the
//!   ephemeral frames (typing, presence) that are never stored.
//!
//! Transports subscribe connections here; services reach delivery only through the
//! traits they own. This module is the only place that encodes server frames for
//! fan-out.

mod hub;

pub use hub::{Hub, Outbound, Subscription};
