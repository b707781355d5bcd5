//! Domain services: the rules of Confab, independent of HTTP and of SQL.
//!
//! A service takes validated inputs, applies the rules (who may do what, what a
//! password must look like, when a session ends) and talks to the [`Store`]. It
//! returns [`ServiceError`], which transports translate into HTTP statuses or
//! WebSocket error frames; nothing here knows about either.

pub mod accounts;
pub mod budget;
mod error;
pub mod files;
pub mod mls;
pub mod notifications;
pub mod outbound;
pub mod previews;
pub mod rooms;
pub mod search;
pub mod validate;

pub use error::{ServiceError, ServiceResult, whole_seconds};

use crate::store::Store;
use std::sync::Arc;

/// The store as the services share it.
pub type SharedStore = Arc<dyn Store>;
