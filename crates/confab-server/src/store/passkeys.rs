//! Passkeys (WebAuthn) registered to accounts, and the ceremonies under way between
//! the two requests of a registration or sign-in.

use super::{Removal, StoreResult};
use crate::clock::Millis;
use async_trait::async_trait;
use confab_proto::UserId;

/// A passkey as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasskeyRecord {
    pub id: String,
    pub user_id: UserId,
    /// The authenticator's credential id, base64url.
    pub credential_id: String,
    /// The account's WebAuthn user handle (a UUID) it was made with.
    pub user_handle: String,
    pub name: String,
    /// The credential (public key, counter, flags) in the service's own format.
    pub credential: String,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
}

/// What [`PasskeyStore::add_passkey`] stores.
#[derive(Clone, Copy, Debug)]
pub struct NewPasskey<'a> {
    pub id: &'a str,
    pub credential_id: &'a str,
    pub user_handle: &'a str,
    pub name: &'a str,
    pub credential: &'a str,
    pub now: Millis,
}

/// The server's half of a ceremony, kept between its two requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CeremonyRecord {
    pub id: String,
    /// `register` or `sign_in`.
    pub purpose: String,
    /// The account registering a passkey.
    pub user_id: Option<UserId>,
    /// The ceremony's state (with its challenge) in the service's own format.
    pub state: String,
    pub expires_at: Millis,
}

/// What [`PasskeyStore::add_passkey`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Added {
    Added(PasskeyRecord),
    /// The account has `max` passkeys already; nothing changed.
    AtLimit,
    /// That credential is registered already (to this or another account).
    CredentialTaken,
}

/// Persistence of passkeys.
#[async_trait]
pub trait PasskeyStore: Send + Sync + 'static {
    /// Stores a new ceremony.
    async fn create_ceremony(&self, ceremony: &CeremonyRecord) -> StoreResult<()>;

    /// Takes ceremony `id` for `purpose`: deletes it and returns it if it had not
    /// expired by `now`, so that each ceremony is finished at most once.
    async fn take_ceremony(
        &self,
        id: &str,
        purpose: &str,
        now: Millis,
    ) -> StoreResult<Option<CeremonyRecord>>;

    /// The passkeys of `user`, oldest first.
    async fn passkeys_of(&self, user: UserId) -> StoreResult<Vec<PasskeyRecord>>;

    /// The passkey with credential id `credential_id`, whoever it belongs to.
    async fn passkey_by_credential(
        &self,
        credential_id: &str,
    ) -> StoreResult<Option<PasskeyRecord>>;

    /// Adds a passkey to `user` unless the account has `max` already, decided under
    /// a lock on the account.
    async fn add_passkey(
        &self,
        user: UserId,
        passkey: NewPasskey<'_>,
        max: u32,
    ) -> StoreResult<Added>;

    /// Renames passkey `id` of `user`; `None` if the account has no such passkey.
    async fn rename_passkey(
        &self,
        user: UserId,
        id: &str,
        name: &str,
    ) -> StoreResult<Option<PasskeyRecord>>;

    /// Records a sign-in with passkey `id`, with its credential as updated by the
    /// sign-in (the signature counter), if it changed.
    async fn record_passkey_use(
        &self,
        id: &str,
        credential: Option<&str>,
        now: Millis,
    ) -> StoreResult<()>;

    /// Removes passkey `id` of `user`, unless it is the account's last way to sign
    /// in (see [`Removal`]).
    async fn remove_passkey(&self, user: UserId, id: &str, now: Millis) -> StoreResult<Removal>;

    /// Deletes ceremonies that expired before `now`; how many.
    async fn prune_ceremonies(&self, now: Millis) -> StoreResult<u64>;
}
