//! End-to-end encrypted rooms: the MLS (RFC 9420) delivery service.
//!
//! - `service`: the [`Mls`] service: device keys, key packages, ordering commits,
//!   Welcomes; [`MlsDelivery`], the trait through which it warns devices;
//! - [`framing`]: what the server reads of MLS messages (public framing only).

pub mod framing;
mod service;

pub use service::{
    CLAIM_USERS_MAX, COMMITS_PAGE, HANDSHAKE_MAX, KEY_PACKAGE_MAX, Mls, MlsDelivery,
    encrypted_message, refusal_error,
};
