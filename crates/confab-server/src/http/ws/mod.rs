//! The WebSocket transport at `/api/v1/ws`: authentication, replay of missed events,
//! live events, requests, heartbeats and backpressure.
//!
//! One task per connection runs `Connection::run`. It owns the socket and waits on
//! several things at once: frames from the client, frames from live delivery
//! (`realtime`), the heartbeat timer, typing expiry, and shutdown. Like the HTTP
//! handlers it only translates: every request becomes one call to a service.
//!
//! - `upgrade`: the HTTP upgrade;
//! - `connection`: one connection's life and its loop;
//! - `requests`: request frames to service calls, results to replies;
//! - `socket`: the first frame, sending with a timeout, the closing handshake;
//! - `bucket`: the per-connection request budget.

mod bucket;
mod connection;
mod requests;
mod socket;
mod upgrade;

pub(super) use upgrade::upgrade;
