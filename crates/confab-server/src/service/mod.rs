//! Domain services: the rules of Confab, independent of HTTP and of SQL.
//!
//! A service takes validated inputs, applies the rules (who may do what, what a
//! password must look like, when a session ends) and talks to the [`Store`]. It
//! returns [`ServiceError`], which transports translate into HTTP statuses or
//! WebSocket error frames; nothing here knows about either.

pub mod accounts;
mod error;
pub mod passwords;
pub mod rooms;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod validate;

pub use error::{ServiceError, ServiceResult, whole_seconds};

use crate::store::{Millis, Store};
use std::sync::Arc;

/// The store as the services share it.
pub type SharedStore = Arc<dyn Store>;

/// Current wall-clock time in Unix milliseconds.
pub fn now_millis() -> Millis {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Converts store milliseconds to a wire timestamp.
pub fn timestamp(millis: Millis) -> confab_proto::Timestamp {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// Adds a duration to a millisecond timestamp, saturating instead of overflowing.
pub fn add_duration(millis: Millis, duration: std::time::Duration) -> Millis {
    millis.saturating_add(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX))
}
