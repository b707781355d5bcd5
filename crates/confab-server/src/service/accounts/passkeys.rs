//! Passkeys for [`Accounts`]: registering, listing, renaming and removing them, and
//! signing in with one (alone, or as the second factor of a password sign-in, in
//! `account`). The WebAuthn ceremonies themselves are
//! [`RelyingParty`](super::relying_party::RelyingParty)'s.
//!
//! Adding a passkey to an account that has a password needs the password again, as
//! turning on two-factor sign-in does: a stolen access token alone must not be able
//! to plant a way back in.

use super::account::{Accounts, profile};
use super::relying_party::user_handle;
use super::sessions::ClientInfo;
use super::throttle::Attempt;
use super::tokens::{Principal, random_secret};
use crate::clock::{now_millis, timestamp};
use crate::service::validate::{DeviceName, single_line_text};
use crate::service::{ServiceError, ServiceResult};
use crate::store::Removal;
use crate::store::passkeys::{Added, NewPasskey, PasskeyRecord};
use confab_proto::auth::{AuthResponse, SignInMethod};
use confab_proto::passkeys::{
    FinishPasskeyRegistration, PasskeyAssertion, PasskeyCeremony, PasskeyInfo, PasskeyList,
    PasskeySignInRequest, RenamePasskey, StartPasskeyRegistration,
};

/// Longest passkey name, in characters.
pub const PASSKEY_NAME_MAX: usize = 64;

/// The name of a passkey registered without one.
const DEFAULT_NAME: &str = "Passkey";

impl Accounts {
    /// Whether passkeys are on.
    pub fn passkeys_enabled(&self) -> bool {
        self.relying_party.enabled()
    }

    /// The caller's passkeys, oldest first.
    pub async fn passkeys(&self, principal: Principal) -> ServiceResult<PasskeyList> {
        let passkeys = self.passkey_store.passkeys_of(principal.user_id).await?;
        Ok(PasskeyList {
            passkeys: passkeys.into_iter().map(wire).collect(),
        })
    }

    /// How many passkeys the caller has.
    pub async fn passkey_count(&self, principal: Principal) -> ServiceResult<u32> {
        let passkeys = self.passkey_store.passkeys_of(principal.user_id).await?;
        Ok(u32::try_from(passkeys.len()).unwrap_or(u32::MAX))
    }

    /// Starts registering a passkey for the caller, after their password if the
    /// account has one.
    pub async fn begin_passkey_registration(
        &self,
        principal: Principal,
        request: &StartPasskeyRegistration,
        client: &ClientInfo,
    ) -> ServiceResult<PasskeyCeremony> {
        if !self.relying_party.enabled() {
            return Err(ServiceError::PasskeysDisabled);
        }
        let mut user = self.user(principal.user_id).await?;
        if user.password_hash.is_some() {
            let password = request.password.as_deref().unwrap_or_default();
            user = self.confirm_password(principal, password, client).await?;
        }
        let existing = self.passkey_store.passkeys_of(user.id).await?;
        if existing.len() >= self.max_passkeys as usize {
            return Err(ServiceError::TooManyPasskeys(self.max_passkeys));
        }
        self.relying_party
            .start_registration(
                user.id,
                user_handle(&existing),
                &user.username,
                &user.display_name,
                &existing,
            )
            .await
    }

    /// Finishes a registration started by
    /// [`begin_passkey_registration`](Self::begin_passkey_registration).
    pub async fn finish_passkey_registration(
        &self,
        principal: Principal,
        request: &FinishPasskeyRegistration,
    ) -> ServiceResult<PasskeyInfo> {
        let name = passkey_name(request.name.as_deref().unwrap_or(DEFAULT_NAME))?;
        let user = principal.user_id;
        let credential = self
            .relying_party
            .finish_registration(user, &request.ceremony_id, &request.credential)
            .await?;
        let handle = credential.user_handle.to_string();
        let id = random_secret();
        let new = NewPasskey {
            id: &id,
            credential_id: &credential.credential_id,
            user_handle: &handle,
            name: &name,
            credential: &credential.credential,
            now: now_millis(),
        };
        match self
            .passkey_store
            .add_passkey(user, new, self.max_passkeys)
            .await?
        {
            Added::Added(record) => {
                tracing::info!(user_id = %user, "passkey added");
                Ok(wire(record))
            }
            Added::AtLimit => Err(ServiceError::TooManyPasskeys(self.max_passkeys)),
            Added::CredentialTaken => Err(ServiceError::invalid(
                "credential",
                "this passkey is registered already",
            )),
        }
    }

    /// Renames one of the caller's passkeys.
    pub async fn rename_passkey(
        &self,
        principal: Principal,
        id: &str,
        request: &RenamePasskey,
    ) -> ServiceResult<PasskeyInfo> {
        let name = passkey_name(&request.name)?;
        self.passkey_store
            .rename_passkey(principal.user_id, id, &name)
            .await?
            .map(wire)
            .ok_or(ServiceError::NotFound("passkey"))
    }

    /// Removes one of the caller's passkeys, unless it is their last way to sign in.
    pub async fn remove_passkey(&self, principal: Principal, id: &str) -> ServiceResult<()> {
        match self
            .passkey_store
            .remove_passkey(principal.user_id, id, now_millis())
            .await?
        {
            Removal::Removed => {
                tracing::info!(user_id = %principal.user_id, "passkey removed");
                Ok(())
            }
            Removal::NotFound => Err(ServiceError::NotFound("passkey")),
            Removal::LastMethod => Err(ServiceError::LastSignInMethod),
        }
    }

    /// Starts a passkey sign-in (or a passkey second factor). Counts against the
    /// address's sign-in allowance: each start stores a ceremony.
    pub async fn passkey_challenge(&self, client: &ClientInfo) -> ServiceResult<PasskeyCeremony> {
        if !self.relying_party.enabled() {
            return Err(ServiceError::PasskeysDisabled);
        }
        let ip = client.ip.as_deref();
        self.throttle
            .admit(Attempt::SignInStarted { ip }, now_millis())
            .await?;
        self.relying_party.start_sign_in().await
    }

    /// Signs in with a passkey alone and opens a session.
    pub async fn passkey_sign_in(
        &self,
        request: &PasskeySignInRequest,
        client: &ClientInfo,
    ) -> ServiceResult<AuthResponse> {
        let device = DeviceName::parse(request.device_name.as_deref())?;
        let assertion = PasskeyAssertion {
            ceremony_id: request.ceremony_id.clone(),
            credential: request.credential.clone(),
        };
        let passkey = self.relying_party.verify_sign_in(&assertion).await?;
        let user = self.user(passkey.user_id).await?;
        let tokens = self
            .sessions
            .open(user.id, &device, client, SignInMethod::Passkey)
            .await?;
        Ok(AuthResponse {
            user: profile(user),
            tokens,
        })
    }

    /// Deletes passkey ceremonies that expired before `now`; how many.
    pub async fn prune_passkey_ceremonies(&self, now: crate::clock::Millis) -> ServiceResult<u64> {
        self.relying_party.prune(now).await
    }

    /// Whether `assertion` is a sign-in with one of `user`'s passkeys: the second
    /// factor of a password sign-in. A ceremony that is unknown or spent is an
    /// error of its own (the client starts again); any other failure is `false`.
    pub(super) async fn passkey_is_users(
        &self,
        user: confab_proto::UserId,
        assertion: &PasskeyAssertion,
    ) -> ServiceResult<bool> {
        match self.relying_party.verify_sign_in(assertion).await {
            Ok(passkey) => Ok(passkey.user_id == user),
            Err(ServiceError::PasskeyRejected(_)) => Ok(false),
            Err(other) => Err(other),
        }
    }
}

/// A passkey's name, checked.
fn passkey_name(input: &str) -> ServiceResult<String> {
    single_line_text("name", "a passkey name", input, 1, PASSKEY_NAME_MAX)
}

fn wire(record: PasskeyRecord) -> PasskeyInfo {
    PasskeyInfo {
        id: record.id,
        name: record.name,
        created_at: timestamp(record.created_at),
        last_used_at: record.last_used_at.map(timestamp),
    }
}
