//! Accounts, device sessions, refresh tokens and sign-in throttling: the [`Store`] trait
//! and the records it reads and writes.

use super::StoreResult;
use crate::clock::Millis;
use async_trait::async_trait;
use confab_proto::{SessionId, UserId};

/// An account as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub status_text: String,
    pub avatar_file_id: Option<String>,
    /// PHC string of the argon2id hash; `None` for accounts without a password.
    pub password_hash: Option<String>,
    /// Listed in user search for people it shares no room with.
    pub discoverable: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// What [`Store::create_user`] needs; the username must already be validated.
#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    pub username: &'a str,
    /// The case-folded username, unique across all accounts.
    pub username_key: &'a str,
    pub display_name: &'a str,
    pub password_hash: Option<&'a str>,
    pub now: Millis,
}

/// Profile fields to change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ProfileChanges<'a> {
    pub display_name: Option<&'a str>,
    pub status_text: Option<&'a str>,
    pub discoverable: Option<bool>,
    /// `Some(None)` removes the avatar.
    pub avatar_file_id: Option<Option<&'a str>>,
}

/// A device session as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: SessionId,
    pub user_id: UserId,
    pub device_name: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: Millis,
    pub last_seen_at: Millis,
    pub expires_at: Millis,
    pub revoked_at: Option<Millis>,
    /// How it was signed in: `password`, `password_totp` or `password_recovery_code`.
    pub sign_in_method: String,
}

impl SessionRecord {
    /// Not revoked and not past its expiry.
    pub fn is_active(&self, now: Millis) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// What [`Store::create_session`] needs.
#[derive(Clone, Debug)]
pub struct NewSession<'a> {
    pub user_id: UserId,
    pub device_name: &'a str,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub now: Millis,
    pub expires_at: Millis,
    /// Hash of the session's first refresh token.
    pub refresh_token_hash: &'a str,
    /// See [`SessionRecord::sign_in_method`].
    pub sign_in_method: &'a str,
}

/// Why a session was revoked; kept for the operator's benefit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevokeReason {
    SignedOut,
    RevokedByUser,
    PasswordChanged,
    RefreshTokenReused,
    /// The account signed in on more devices than `--max-sessions-per-user`; this
    /// was the one used longest ago.
    SessionLimit,
}

impl RevokeReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::RevokedByUser => "revoked_by_user",
            Self::PasswordChanged => "password_changed",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::SessionLimit => "session_limit",
        }
    }
}

/// Inputs of [`Store::rotate_refresh_token`].
#[derive(Clone, Debug)]
pub struct RefreshRotation<'a> {
    pub presented_hash: &'a str,
    pub replacement_hash: &'a str,
    pub now: Millis,
    /// The session's new sliding expiry if the rotation succeeds.
    pub new_expires_at: Millis,
    /// Rotated tokens of the session older than this are deleted, which bounds the
    /// rows a long-lived session keeps for reuse detection.
    pub forget_rotated_before: Millis,
    pub ip: Option<&'a str>,
}

/// Result of presenting a refresh token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// The token was current; it is now rotated and the replacement is current.
    Rotated(SessionRecord),
    /// The token had been rotated before: someone is replaying it. Nothing changed.
    AlreadyRotated { session_id: SessionId },
    /// The token was current but its session is revoked or expired. Nothing changed.
    SessionInactive,
    /// No such token was ever issued.
    Unknown,
}

/// Recent failed sign-ins for one throttle key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailureCount {
    pub failures: u32,
    pub last_failure_at: Millis,
}

/// The persistence interface used by the services.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Round-trips to the database (for `/readyz`).
    async fn ping(&self) -> StoreResult<()>;

    /// Returns the secret called `name`, storing `generated` first if there is none.
    /// Safe when several nodes start at once: exactly one value wins.
    async fn get_or_create_secret(
        &self,
        name: &str,
        generated: &str,
        now: Millis,
    ) -> StoreResult<String>;

    /// Inserts an account. [`StoreError::Conflict`] if the username key is taken.
    async fn create_user(&self, user: NewUser<'_>) -> StoreResult<UserRecord>;
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserRecord>>;
    async fn user_by_username_key(&self, username_key: &str) -> StoreResult<Option<UserRecord>>;
    /// Users that `viewer` may find (discoverable ones, `viewer`, and those who share
    /// or shared a room with `viewer` or have an invitation from or to them) whose
    /// username key starts with `search.username_prefix` or a word of whose display
    /// name starts with `search.name_prefix`: username matches first, each in key
    /// order. The username part is a range scan of the unique index; the display
    /// name part reads every account (a `LIKE` no index serves).
    async fn find_users(
        &self,
        search: UserSearch<'_>,
        limit: u32,
        viewer: UserId,
    ) -> StoreResult<Vec<UserRecord>>;
    /// The user `id` if `viewer` may find them (as for [`Store::find_users`]).
    async fn user_visible_to(&self, id: UserId, viewer: UserId) -> StoreResult<Option<UserRecord>>;
    /// Applies `changes` and returns the updated account, or `None` if it does not exist.
    async fn update_profile(
        &self,
        id: UserId,
        changes: ProfileChanges<'_>,
        now: Millis,
    ) -> StoreResult<Option<UserRecord>>;
    /// Replaces the password hash and revokes every other session of the account, in
    /// one transaction. Returns how many sessions were revoked.
    async fn change_password(
        &self,
        id: UserId,
        password_hash: &str,
        keep_session: SessionId,
        now: Millis,
    ) -> StoreResult<u64>;

    /// Removes the password of an account, unless it is the account's last way to
    /// sign in (see [`Removal`]).
    async fn remove_password(&self, id: UserId, now: Millis) -> StoreResult<Removal>;

    /// Opens a device session together with its first refresh token.
    async fn create_session(&self, session: NewSession<'_>) -> StoreResult<SessionRecord>;
    async fn session(&self, id: SessionId) -> StoreResult<Option<SessionRecord>>;
    /// Records activity on a session.
    async fn touch_session(&self, id: SessionId, now: Millis, ip: Option<&str>) -> StoreResult<()>;
    /// The account's sessions that are neither revoked nor expired, newest first.
    async fn active_sessions(
        &self,
        user_id: UserId,
        now: Millis,
    ) -> StoreResult<Vec<SessionRecord>>;
    /// Revokes one session of `user_id`. Returns false if it does not exist, belongs
    /// to someone else or was already inactive.
    async fn revoke_session(
        &self,
        user_id: UserId,
        id: SessionId,
        reason: RevokeReason,
        now: Millis,
    ) -> StoreResult<bool>;
    /// Revokes every active session of `user_id` except `keep`. Returns the count.
    async fn revoke_other_sessions(
        &self,
        user_id: UserId,
        keep: SessionId,
        reason: RevokeReason,
        now: Millis,
    ) -> StoreResult<u64>;
    /// Exchanges a refresh token for its replacement, atomically: of two concurrent
    /// calls with the same token exactly one can see [`RefreshOutcome::Rotated`].
    async fn rotate_refresh_token(
        &self,
        rotation: RefreshRotation<'_>,
    ) -> StoreResult<RefreshOutcome>;

    /// Failed sign-ins recorded under `key` since `since`.
    async fn recent_failures(&self, key: &str, since: Millis) -> StoreResult<FailureCount>;
    /// Counts one more failure under `key`; failures before `since` are forgotten first.
    async fn record_failure(
        &self,
        key: &str,
        now: Millis,
        since: Millis,
    ) -> StoreResult<FailureCount>;
    /// Forgets the failures under `key` (after a successful sign-in).
    async fn clear_failures(&self, key: &str) -> StoreResult<()>;

    /// Deletes what can no longer matter: failure counters older than
    /// `failures_before`, and the refresh tokens of sessions that ended before
    /// `sessions_ended_before`. Returns the number of rows removed.
    async fn prune(
        &self,
        failures_before: Millis,
        sessions_ended_before: Millis,
    ) -> StoreResult<u64>;
}

/// What a people search looks for (see [`Store::find_users`]).
#[derive(Clone, Copy, Debug)]
pub struct UserSearch<'a> {
    /// Username keys starting with this; `None` when the text cannot start one.
    pub username_prefix: Option<&'a str>,
    /// Display-name words starting with this, folded (`store::search::fold`);
    /// may hold several words ("bob st").
    pub name_prefix: &'a str,
}

/// What removing one of an account's ways to sign in (its password, a linked
/// identity, a passkey) did. Every such removal is decided under a lock on the
/// account, so that two removals at once cannot leave it without a way in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    Removed,
    /// The account has no such method.
    NotFound,
    /// It is the account's last way to sign in; nothing changed.
    LastMethod,
}
