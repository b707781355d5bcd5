//! Wire types of the Confab protocol, shared by the server and every client.
//!
//! Everything that crosses the network as JSON is defined here exactly once, so the
//! server, the Rust client and the documentation cannot drift apart. The crate has no
//! behaviour beyond (de)serialisation. With the `openapi` feature each type also
//! derives an OpenAPI schema, which the server uses to publish `/api/v1/openapi.json`
//! (committed as `docs/openapi.json`, from which the web client generates its types).
//!
//! The schemas must describe the JSON serde writes. Optional fields are `Option`s
//! with `skip_serializing_if`: left out when empty, never `null`. utoipa makes every
//! `Option` nullable, so each such field says `schema(nullable = false)`;
//! `crates/confab-server/tests/openapi.rs` checks serde's output against the schemas.
//!
//! Compatibility rule: fields are only ever added (as optional) within one protocol
//! version; renaming or removing a field needs a new [`PROTOCOL_VERSION`].

pub mod auth;
pub mod error;
pub mod events;
pub mod files;
pub mod ids;
pub mod invitations;
pub mod mls;
pub mod notifications;
pub mod passkeys;
pub mod providers;
pub mod rooms;
pub mod search;
pub mod two_factor;
pub mod users;
pub mod ws;

pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use ids::{EventId, RoomId, SessionId, UserId};

/// Version of the REST and WebSocket protocol described by this crate.
pub const PROTOCOL_VERSION: u32 = 2;

/// Timestamps travel as RFC 3339 strings in UTC (`2026-11-25T04:34:34.123Z`).
pub type Timestamp = time::OffsetDateTime;
