//! Persistence: everything Confab keeps lives behind the [`Store`] trait.
//!
//! The store knows tables and transactions, not rules: it never decides whether a
//! password is strong or a session may be refreshed; the `service` layer does. Each
//! method is one atomic unit of work, so a service never has to hold a transaction
//! across an `await` on anything but the database.
//!
//! There is one implementation, [`SqlStore`], which runs the same SQL on SQLite and
//! PostgreSQL through sqlx's `Any` driver. The two backends differ only in their
//! migrations (column types) and connection setup; keeping one set of queries means a
//! fix or a feature cannot land on one backend and be forgotten on the other. The
//! shared test suite in `tests/store.rs` runs every case against both.
//!
//! All timestamps are Unix milliseconds ([`crate::clock::Millis`]) at this layer.
//!
//! - `accounts`: the [`Store`] trait and account records;
//! - [`rooms`]: the [`rooms::RoomStore`] trait and room records;
//! - [`blobs`]: [`blobs::BlobStore`], file contents by SHA-256 on a local directory or S3;
//! - [`consent`]: the [`consent::ConsentStore`] trait: invitations and blocks;
//! - [`files`]: the [`files::FileStore`] trait: uploaded files and where they are shared;
//! - [`notifications`]: the [`notifications::NotificationStore`] trait: notification records, levels, settings, push subscriptions;
//! - [`search`]: the [`search::SearchStore`] trait: the full-text index of messages;
//! - [`two_factor`]: the [`two_factor::TwoFactorStore`] trait: authenticator secrets and recovery codes;
//! - [`identities`]: the [`identities::IdentityStore`] trait: identities at sign-in providers and the flows under way;
//! - [`passkeys`]: the [`passkeys::PasskeyStore`] trait: passkeys and the ceremonies under way;
//! - [`mls`]: the [`mls::MlsStore`] trait: MLS devices, key packages, groups and Welcomes;
//! - [`events`]: events as stored, and their conversion to and from the wire types;
//! - `error`: [`StoreError`];
//! - `sql`: [`SqlStore`], the implementation on SQLite and PostgreSQL.

mod accounts;
pub mod blobs;
pub mod consent;
mod error;
pub mod events;
pub mod files;
pub mod identities;
pub mod mls;
pub mod notifications;
pub mod passkeys;
pub mod previews;
pub mod rooms;
pub mod search;
mod sql;
mod stored_names;
pub mod two_factor;

pub use accounts::{
    FailureCount, NewSession, NewUser, ProfileChanges, RefreshOutcome, RefreshRotation, Removal,
    RevokeReason, SessionRecord, Store, UserRecord, UserSearch,
};
pub use error::{StoreError, StoreResult};
pub use sql::{ConnectOptions, GroupCommitStats, SqlStore};
