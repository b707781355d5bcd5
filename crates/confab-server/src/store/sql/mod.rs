//! The store on SQLite or PostgreSQL, one set of queries for both.
//!
//! Queries use `$1`-style parameters, `RETURNING` and `ON CONFLICT`, which both
//! backends understand. Only BIGINT/INTEGER and TEXT columns are used, the types
//! sqlx's `Any` driver maps identically on both.
//!
//! - `store`: [`SqlStore`] itself: the pool, migrations, the commit signal;
//! - `backfill`: columns that migrations add and Rust fills in at start (display-name keys);
//! - `accounts`: the [`Store`](crate::store::Store) trait (accounts, sessions, throttling);
//! - `rooms`: the [`RoomStore`](crate::store::rooms::RoomStore) trait, reading rooms and members;
//! - `consent`: the [`ConsentStore`](crate::store::consent::ConsentStore) trait: invitations and blocks;
//! - `files`: the [`FileStore`](crate::store::files::FileStore) trait: uploads and attachments;
//! - `notifications`: the [`NotificationStore`](crate::store::notifications::NotificationStore) trait: records, levels, settings, push;
//! - `push`: the trait's methods, push subscriptions, due pushes and retries;
//! - `search`: the [`SearchStore`](crate::store::search::SearchStore) trait: queries and the backfill;
//! - `search_index`: feeding the index from the change functions;
//! - `two_factor`: the [`TwoFactorStore`](crate::store::two_factor::TwoFactorStore) trait: authenticator secrets and recovery codes;
//! - `identities`: the [`IdentityStore`](crate::store::identities::IdentityStore) trait: linked identities and provider flows;
//! - `passkeys`: the [`PasskeyStore`](crate::store::passkeys::PasskeyStore) trait: passkeys and ceremonies;
//! - `mls`: the [`MlsStore`](crate::store::mls::MlsStore) trait: devices, key packages, groups, Welcomes;
//! - `mls_changes`: MLS commits and encrypted messages inside an event transaction;
//! - `sign_in_methods`: the lock and the rule under which sign-in methods are removed (and passkeys added);
//! - `event_tx`: the event transaction: its lock, the room's next sequence number, where a change happens;
//! - `changes`: one function per kind of room change, inside an event transaction;
//! - `group_commit`: the writer task that commits room changes in batches;
//! - `timeline`: history pages and the event log in id order;
//! - `room_list`: a user's rooms with their counts;
//! - `rows`: row types, column lists and the stored names of enums and JSON.

mod accounts;
mod backfill;
mod changes;
mod channel_changes;
mod consent;
mod directory;
mod event_tx;
#[cfg(test)]
mod event_writers_tests;
mod files;
mod group_commit;
mod identities;
mod mls;
mod mls_changes;
mod notifications;
mod passkeys;
mod pin_changes;
mod pins;
mod preview_changes;
mod previews;
mod push;
mod query;
mod room_list;
mod rooms;
mod rows;
mod search;
mod search_index;
mod sign_in_methods;
mod store;
mod timeline;
mod two_factor;
mod write_tx;

pub use group_commit::GroupCommitStats;
pub use store::{ConnectOptions, SqlStore};
