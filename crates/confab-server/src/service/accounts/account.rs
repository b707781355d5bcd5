//! Accounts: sign-up, sign-in, password change and profiles.

use super::live::Revoked;
use super::passwords::Passwords;
use super::relying_party::RelyingParty;
use super::sessions::{ClientInfo, Sessions};
use super::throttle::{Attempt, Throttle, ThrottleKey};
use super::tokens::Principal;
use crate::clock::{now_millis, timestamp};
use crate::service::budget::Budget;
use crate::service::validate::{
    DeviceName, DisplayName, StatusText, UserIdList, Username, username_key,
};
use crate::service::{ServiceError, ServiceResult, SharedStore};
use crate::store::passkeys::PasskeyStore;
use crate::store::search::fold;
use crate::store::two_factor::TwoFactorStore;
use crate::store::{NewUser, ProfileChanges, Removal, StoreError, UserRecord, UserSearch};
use confab_proto::UserId;
use confab_proto::auth::{
    AuthResponse, ChangePasswordRequest, SignInMethod, SignInRequest, SignUpRequest,
};
use confab_proto::users::{Profile, UpdateProfileRequest};
use std::sync::Arc;

/// Most users a prefix search returns, whatever the caller asks for.
pub const USER_SEARCH_MAX: u32 = 50;

/// The account service.
pub struct Accounts {
    store: SharedStore,
    /// Authenticator secrets and recovery codes (see `two_factor`).
    pub(super) two_factor: Arc<dyn TwoFactorStore>,
    passwords: Arc<Passwords>,
    pub(super) sessions: Arc<Sessions>,
    pub(super) throttle: Arc<Throttle>,
    lookups: Budget,
    /// Passkeys: their WebAuthn ceremonies, storage and the per-account limit.
    pub(super) relying_party: RelyingParty,
    pub(super) passkey_store: Arc<dyn PasskeyStore>,
    pub(super) max_passkeys: u32,
}

/// What [`Accounts`] keeps passkeys with.
pub struct PasskeySetup {
    pub relying_party: RelyingParty,
    pub store: Arc<dyn PasskeyStore>,
    /// Most passkeys per account.
    pub max_per_user: u32,
}

impl Accounts {
    pub fn new(
        store: SharedStore,
        two_factor: Arc<dyn TwoFactorStore>,
        passwords: Arc<Passwords>,
        sessions: Arc<Sessions>,
        throttle: Arc<Throttle>,
        lookups: Budget,
        passkeys: PasskeySetup,
    ) -> Self {
        Self {
            store,
            two_factor,
            passwords,
            sessions,
            throttle,
            lookups,
            relying_party: passkeys.relying_party,
            passkey_store: passkeys.store,
            max_passkeys: passkeys.max_per_user,
        }
    }

    /// Creates an account with a password and opens its first session.
    pub async fn sign_up(
        &self,
        request: &SignUpRequest,
        client: &ClientInfo,
    ) -> ServiceResult<AuthResponse> {
        let username = Username::parse(&request.username)?;
        let display_name =
            DisplayName::parse(request.display_name.as_deref().unwrap_or(username.as_str()))?;
        let device = DeviceName::parse(request.device_name.as_deref())?;
        let personal = [username.as_str(), display_name.as_str()];
        // A rejected password says nothing about the directory: it costs no allowance.
        self.passwords.check_policy(&request.password, &personal)?;
        // Every other attempt counts against the address, also one for a taken name:
        // otherwise the 409 would let anyone probe the directory at full speed.
        self.throttle
            .admit(
                Attempt::SignUp {
                    ip: client.ip.as_deref(),
                },
                now_millis(),
            )
            .await?;
        // Answer "taken" before spending a password hash on a request that must fail;
        // the unique index still decides races.
        if self
            .store
            .user_by_username_key(username.key())
            .await?
            .is_some()
        {
            return Err(ServiceError::UsernameTaken);
        }
        let hash = self
            .passwords
            .hash_new(&request.password, &personal)
            .await?;
        let user = self
            .store
            .create_user(NewUser {
                username: username.as_str(),
                username_key: username.key(),
                display_name: display_name.as_str(),
                password_hash: Some(&hash),
                now: now_millis(),
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict => ServiceError::UsernameTaken,
                other => other.into(),
            })?;
        tracing::info!(user_id = %user.id, "account created");
        let tokens = self
            .sessions
            .open(user.id, &device, client, SignInMethod::Password)
            .await?;
        Ok(AuthResponse {
            user: profile(user),
            tokens,
        })
    }

    /// Checks a username and password, and the second factor of an account that has
    /// two-factor sign-in on, subject to the brute-force throttle, and opens a session.
    pub async fn sign_in(
        &self,
        request: &SignInRequest,
        client: &ClientInfo,
    ) -> ServiceResult<AuthResponse> {
        let device = DeviceName::parse(request.device_name.as_deref())?;
        // Unknown-format usernames are throttled under their lower-cased form too, so
        // the response never reveals whether the name could exist.
        let key =
            username_key(&request.username).unwrap_or_else(|| request.username.to_lowercase());
        let throttle_keys = self.admit_password_attempt(&key, client).await?;
        let user = match username_key(&request.username) {
            Some(key) => self.store.user_by_username_key(&key).await?,
            None => None,
        };
        let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
        let verified = self.passwords.verify(&request.password, hash).await?;
        let user = match user {
            Some(user) if verified => user,
            _ => {
                self.throttle
                    .record_failure(&throttle_keys, now_millis())
                    .await?;
                return Err(ServiceError::InvalidCredentials);
            }
        };
        let method = match self.authenticator(user.id).await? {
            Some(totp) => {
                self.second_factor(user.id, &totp, request, &throttle_keys)
                    .await?
            }
            None => SignInMethod::Password,
        };
        self.throttle.record_success(&throttle_keys[0]).await?;
        let tokens = self.sessions.open(user.id, &device, client, method).await?;
        Ok(AuthResponse {
            user: profile(user),
            tokens,
        })
    }

    /// Changes the caller's password after checking the current one, and signs out
    /// every other device. An account without a password (made through an identity
    /// provider) gets its first one this way, with `current_password` empty.
    pub async fn change_password(
        &self,
        principal: Principal,
        request: &ChangePasswordRequest,
        client: &ClientInfo,
    ) -> ServiceResult<u64> {
        let user = self.user(principal.user_id).await?;
        let user = match user.password_hash {
            None if request.current_password.is_empty() => user,
            None => {
                return Err(ServiceError::invalid(
                    "current_password",
                    "this account has no password yet: leave current_password empty",
                ));
            }
            Some(_) => self
                .confirm_password(principal, &request.current_password, client)
                .await
                .map_err(|e| e.about_field("current_password"))?,
        };
        let hash = self
            .passwords
            .hash_new(
                &request.new_password,
                &[user.username.as_str(), user.display_name.as_str()],
            )
            .await
            .map_err(|e| e.about_field("new_password"))?;
        let revoked = self
            .store
            .change_password(user.id, &hash, principal.session_id, now_millis())
            .await?;
        self.sessions.announce(Revoked::AllBut {
            user: user.id,
            keep: principal.session_id,
        });
        tracing::info!(user_id = %user.id, revoked, "password changed; other sessions revoked");
        Ok(revoked)
    }

    /// Removes the caller's password after checking it, so that the account signs in
    /// only with its identity providers (and passkeys). Refused while two-factor codes
    /// guard the password, and when nothing else could sign in.
    pub async fn remove_password(
        &self,
        principal: Principal,
        password: &str,
        client: &ClientInfo,
    ) -> ServiceResult<()> {
        let user = self.confirm_password(principal, password, client).await?;
        if self.authenticator(user.id).await?.is_some() {
            return Err(ServiceError::invalid(
                "password",
                "two-factor sign-in guards this password: turn it off first",
            ));
        }
        match self.store.remove_password(user.id, now_millis()).await? {
            Removal::Removed => {
                tracing::info!(user_id = %user.id, "password removed");
                Ok(())
            }
            Removal::NotFound => Err(ServiceError::NotFound("password")),
            Removal::LastMethod => Err(ServiceError::LastSignInMethod),
        }
    }

    /// The profile of any account.
    pub async fn profile(&self, id: UserId) -> ServiceResult<Profile> {
        self.user(id).await.map(profile)
    }

    /// The profiles of the listed accounts that exist and that `caller` may find
    /// (see [`Store::find_users`](crate::store::Store::find_users)), in the
    /// order asked. Costs one lookup of the caller's budget.
    pub async fn profiles(&self, caller: UserId, ids: &UserIdList) -> ServiceResult<Vec<Profile>> {
        self.lookups.charge(caller, 1)?;
        let mut found = Vec::with_capacity(ids.ids().len());
        for &id in ids.ids() {
            if let Some(user) = self.store.user_visible_to(id, caller).await? {
                found.push(profile(user));
            }
        }
        Ok(found)
    }

    /// Looks an account up by its exact username (any case), discoverable or not.
    /// Costs one lookup of the caller's budget.
    pub async fn profile_by_username(
        &self,
        caller: UserId,
        username: &str,
    ) -> ServiceResult<Profile> {
        self.lookups.charge(caller, 1)?;
        let Some(key) = username_key(username) else {
            return Err(ServiceError::NotFound("user"));
        };
        match self.store.user_by_username_key(&key).await? {
            Some(user) => Ok(profile(user)),
            None => Err(ServiceError::NotFound("user")),
        }
    }

    /// Accounts whose username starts with `prefix` (any case), then those a word of
    /// whose display name does, that `caller` may find. Costs one lookup of the
    /// caller's budget.
    pub async fn search(
        &self,
        caller: UserId,
        prefix: &str,
        limit: Option<u32>,
    ) -> ServiceResult<Vec<Profile>> {
        let limit = limit.unwrap_or(20).clamp(1, USER_SEARCH_MAX);
        if prefix.is_empty() {
            return Err(ServiceError::invalid(
                "prefix",
                "give at least one character to search for",
            ));
        }
        self.lookups.charge(caller, 1)?;
        let username_prefix = username_key(prefix);
        let name_prefix = fold(prefix.trim());
        let search = UserSearch {
            username_prefix: username_prefix.as_deref(),
            name_prefix: &name_prefix,
        };
        let users = self.store.find_users(search, limit, caller).await?;
        Ok(users.into_iter().map(profile).collect())
    }

    /// Updates the caller's display name, status and/or discoverability.
    pub async fn update_profile(
        &self,
        principal: Principal,
        request: &UpdateProfileRequest,
    ) -> ServiceResult<Profile> {
        let display_name = request
            .display_name
            .as_deref()
            .map(DisplayName::parse)
            .transpose()?;
        let status_text = request
            .status_text
            .as_deref()
            .map(StatusText::parse)
            .transpose()?;
        let changes = ProfileChanges {
            display_name: display_name.as_ref().map(DisplayName::as_str),
            status_text: status_text.as_ref().map(StatusText::as_str),
            discoverable: request.discoverable,
            avatar_file_id: None,
        };
        self.change_profile(principal, changes).await
    }

    /// Stores profile changes; the profile afterwards.
    async fn change_profile(
        &self,
        principal: Principal,
        changes: ProfileChanges<'_>,
    ) -> ServiceResult<Profile> {
        match self
            .store
            .update_profile(principal.user_id, changes, now_millis())
            .await?
        {
            Some(user) => {
                let changed = profile(user);
                self.sessions.announce_profile(changed.clone());
                Ok(changed)
            }
            None => Err(ServiceError::NotFound("user")),
        }
    }

    /// Sets the caller's avatar to a file made for it (see `Files::avatar`), or
    /// removes it.
    pub async fn set_avatar(
        &self,
        principal: Principal,
        file_id: Option<&str>,
    ) -> ServiceResult<Profile> {
        let changes = ProfileChanges {
            avatar_file_id: Some(file_id),
            ..ProfileChanges::default()
        };
        self.change_profile(principal, changes).await
    }

    /// Lets a password check on the account `key` from `client` go ahead, or refuses
    /// it (back-off after failures, or attempts over their allowance); returns the
    /// failure counters to record its outcome under.
    async fn admit_password_attempt(
        &self,
        key: &str,
        client: &ClientInfo,
    ) -> ServiceResult<Vec<ThrottleKey>> {
        let throttle_keys = ThrottleKey::for_signin(key, client.ip.as_deref());
        let now = now_millis();
        self.throttle.check(&throttle_keys, now).await?;
        let attempt = Attempt::SignIn {
            account: key,
            ip: client.ip.as_deref(),
        };
        self.throttle.admit(attempt, now).await?;
        Ok(throttle_keys)
    }

    /// Checks the caller's own password before a change to how they sign in. A
    /// stolen access token must not become a way to guess the password, and the
    /// check costs a password hash: it counts like a sign-in attempt. A wrong
    /// password is `invalid_input` about `password`.
    pub(super) async fn confirm_password(
        &self,
        principal: Principal,
        password: &str,
        client: &ClientInfo,
    ) -> ServiceResult<UserRecord> {
        let user = self.user(principal.user_id).await?;
        let throttle_keys = self.admit_attempt_on(&user, client).await?;
        if !self
            .passwords
            .verify(password, user.password_hash.as_deref())
            .await?
        {
            self.throttle
                .record_failure(&throttle_keys, now_millis())
                .await?;
            return Err(ServiceError::invalid("password", "the password is wrong"));
        }
        self.throttle.record_success(&throttle_keys[0]).await?;
        Ok(user)
    }

    /// Admits one more attempt at a password or code on `user`'s own account,
    /// counted like a sign-in: the keys to record a failure under.
    pub(super) async fn admit_attempt_on(
        &self,
        user: &UserRecord,
        client: &ClientInfo,
    ) -> ServiceResult<Vec<ThrottleKey>> {
        let key = username_key(&user.username).unwrap_or_default();
        self.admit_password_attempt(&key, client).await
    }

    pub(super) async fn user(&self, id: UserId) -> ServiceResult<UserRecord> {
        self.store
            .user_by_id(id)
            .await?
            .ok_or(ServiceError::NotFound("user"))
    }
}

/// The public view of an account.
pub fn profile(user: UserRecord) -> Profile {
    Profile {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        status_text: user.status_text,
        avatar_file_id: user.avatar_file_id,
        discoverable: user.discoverable,
        created_at: timestamp(user.created_at),
    }
}
