//! Two-factor sign-in records: each account's authenticator secret (TOTP) and the
//! hashes of its recovery codes.

use super::StoreResult;
use crate::clock::Millis;
use async_trait::async_trait;
use confab_proto::UserId;

/// An account's authenticator secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TotpRecord {
    /// Base32 (RFC 4648, no padding).
    pub secret: String,
    /// A code confirmed it: sign-in asks for codes. `false` while being set up.
    pub confirmed: bool,
    /// The last time step whose code was accepted (codes of it or earlier steps are
    /// refused).
    pub last_used_step: i64,
}

/// Persistence of two-factor sign-in.
#[async_trait]
pub trait TwoFactorStore: Send + Sync + 'static {
    /// The user's authenticator secret, confirmed or being set up.
    async fn totp(&self, user: UserId) -> StoreResult<Option<TotpRecord>>;

    /// Starts setting up `secret`, replacing a setup not confirmed yet. Fails with
    /// [`StoreError::Conflict`](super::StoreError::Conflict) when a confirmed one
    /// is in force.
    async fn begin_totp(&self, user: UserId, secret: &str, now: Millis) -> StoreResult<()>;

    /// Confirms the setup, with `step` as the last used step, and stores the
    /// recovery codes' hashes in place of any others, in one transaction. `false`
    /// when there was no setup to confirm.
    async fn confirm_totp(
        &self,
        user: UserId,
        step: i64,
        recovery_code_hashes: &[String],
        now: Millis,
    ) -> StoreResult<bool>;

    /// Records `step` as used if it is later than the last used one, atomically, so
    /// that of two sign-ins with one code only one gets through. `false` otherwise.
    async fn use_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool>;

    /// Marks an unused recovery code used; `false` when none has this hash.
    async fn use_recovery_code(
        &self,
        user: UserId,
        code_hash: &str,
        now: Millis,
    ) -> StoreResult<bool>;

    /// Recovery codes not used yet.
    async fn recovery_codes_left(&self, user: UserId) -> StoreResult<u32>;

    /// Replaces every recovery code of the user.
    async fn replace_recovery_codes(&self, user: UserId, code_hashes: &[String])
    -> StoreResult<()>;

    /// Removes the authenticator secret and every recovery code.
    async fn disable_two_factor(&self, user: UserId) -> StoreResult<()>;
}
