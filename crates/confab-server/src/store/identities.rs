//! Sign-in with identity providers: the identities linked to accounts, and the flows
//! under way between a browser, Confab and a provider.

use super::{NewUser, Removal, StoreResult, UserRecord};
use crate::clock::Millis;
use async_trait::async_trait;
use confab_proto::UserId;

/// An identity at a provider, linked to an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityRecord {
    pub id: String,
    pub user_id: UserId,
    pub provider_id: String,
    pub subject: String,
    pub label: String,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
}

/// What [`IdentityStore::link_identity`] stores.
#[derive(Clone, Copy, Debug)]
pub struct NewIdentity<'a> {
    pub id: &'a str,
    pub provider_id: &'a str,
    pub subject: &'a str,
    pub label: &'a str,
    pub now: Millis,
}

/// A flow as stored: everything the callback must check the provider's answer
/// against, then the verified identity until the browser completes the flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowRecord {
    /// SHA-256 (hex) of the secret in the browser's flow cookie.
    pub id: String,
    /// SHA-256 (hex) of the OAuth `state`.
    pub state_hash: String,
    pub provider_id: String,
    /// `sign_in` or `link`.
    pub intent: String,
    /// The account to link the identity to (intent `link`).
    pub user_id: Option<UserId>,
    pub nonce: String,
    pub pkce_verifier: String,
    pub redirect_uri: String,
    /// The verified identity (JSON, the service's own format), after the callback.
    pub identity: Option<String>,
    pub expires_at: Millis,
}

/// Persistence of provider sign-in.
#[async_trait]
pub trait IdentityStore: Send + Sync + 'static {
    /// Stores a new flow. [`StoreError::Conflict`](super::StoreError::Conflict) if
    /// its id or state is taken (random values: practically never).
    async fn create_flow(&self, flow: &FlowRecord) -> StoreResult<()>;

    /// The unexpired flow whose state hashes to `state_hash` and that has not been
    /// through its callback yet.
    async fn flow_awaiting_callback(
        &self,
        state_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<FlowRecord>>;

    /// Records the verified identity of a flow, once: `false` if it already has one
    /// (a callback replayed) or is gone.
    async fn record_flow_identity(&self, id: &str, identity: &str) -> StoreResult<bool>;

    /// The unexpired flow `id`.
    async fn flow(&self, id: &str, now: Millis) -> StoreResult<Option<FlowRecord>>;

    /// Deletes flow `id`: `false` if it was already gone (completed by a concurrent
    /// request), so that each flow completes once.
    async fn delete_flow(&self, id: &str) -> StoreResult<bool>;

    /// The identity `subject` at `provider_id`, whoever it is linked to.
    async fn identity(
        &self,
        provider_id: &str,
        subject: &str,
    ) -> StoreResult<Option<IdentityRecord>>;

    /// The identities linked to `user`, oldest first.
    async fn identities_of(&self, user: UserId) -> StoreResult<Vec<IdentityRecord>>;

    /// Links an identity to `user`. [`StoreError::Conflict`](super::StoreError::Conflict)
    /// if it is linked already (to anyone).
    async fn link_identity(
        &self,
        user: UserId,
        identity: NewIdentity<'_>,
    ) -> StoreResult<IdentityRecord>;

    /// Creates an account (usually without a password) together with its first
    /// identity, in one transaction. [`StoreError::Conflict`](super::StoreError::Conflict)
    /// if the username key or the identity is taken; then nothing is stored.
    async fn create_user_with_identity(
        &self,
        user: NewUser<'_>,
        identity: NewIdentity<'_>,
    ) -> StoreResult<(UserRecord, IdentityRecord)>;

    /// Records a sign-in with the identity.
    async fn touch_identity(&self, id: &str, now: Millis) -> StoreResult<()>;

    /// Removes identity `id` of `user`, unless it is the account's last way to sign
    /// in (see [`Removal`]).
    async fn unlink_identity(&self, user: UserId, id: &str, now: Millis) -> StoreResult<Removal>;

    /// Deletes flows that expired before `now`; how many.
    async fn prune_flows(&self, now: Millis) -> StoreResult<u64>;
}
