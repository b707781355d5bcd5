//! The Confab chat server.
//!
//! Layers, each depending only on the ones after it:
//! - [`http`]: the transport (routes, extractors, error mapping);
//! - [`service`]: the domain rules (accounts, sessions, throttling);
//! - [`store`]: persistence behind the [`store::Store`] trait.
//!
//! [`app`] wires them together from a [`config::Config`]; [`server`] runs it.
//! See ARCHITECTURE.md at the repository root for the full map.

pub mod app;
pub mod clock;
pub mod config;
pub mod http;
pub mod realtime;
pub mod server;
pub mod service;
pub mod store;
pub mod telemetry;
