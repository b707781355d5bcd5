//! Two-factor sign-in for [`Accounts`]: setting up an authenticator app, recovery
//! codes, turning it off, and the second factor of a password sign-in.
//!
//! Every change needs the current password again (a stolen access token alone must
//! not be able to turn two-factor sign-in off or read new recovery codes), and each
//! password or code checked counts against the sign-in throttle like a sign-in.

use super::account::Accounts;
use super::sessions::ClientInfo;
use super::throttle::ThrottleKey;
use super::tokens::Principal;
use super::totp::{self, Presented};
use crate::clock::now_millis;
use crate::service::{ServiceError, ServiceResult};
use crate::store::StoreError;
use crate::store::two_factor::TotpRecord;
use confab_proto::UserId;
use confab_proto::auth::{SignInMethod, SignInRequest};
use confab_proto::two_factor::{
    ConfirmTotpRequest, DisableTwoFactorRequest, PasswordConfirmation, RecoveryCodes, TotpSetup,
    TwoFactorStatus,
};

impl Accounts {
    /// Whether the caller has two-factor sign-in on, and how many recovery codes
    /// are left.
    pub async fn two_factor_status(&self, principal: Principal) -> ServiceResult<TwoFactorStatus> {
        let user = principal.user_id;
        let enabled = self.authenticator(user).await?.is_some();
        let left = match enabled {
            true => self.two_factor.recovery_codes_left(user).await?,
            false => 0,
        };
        Ok(TwoFactorStatus {
            totp_enabled: enabled,
            recovery_codes_left: left,
        })
    }

    /// Starts setting up an authenticator app: a new secret, not in force until
    /// [`confirm_totp`](Self::confirm_totp). Starting again replaces it.
    pub async fn begin_totp(
        &self,
        principal: Principal,
        request: &PasswordConfirmation,
        client: &ClientInfo,
    ) -> ServiceResult<TotpSetup> {
        let user = self
            .confirm_password(principal, &request.password, client)
            .await?;
        let secret = totp::new_secret();
        let uri = totp::otpauth_uri(&secret, &user.username)
            .ok_or_else(|| ServiceError::Internal("a new TOTP secret is unusable".into()))?;
        match self
            .two_factor
            .begin_totp(user.id, &secret, now_millis())
            .await
        {
            Ok(()) => {}
            Err(StoreError::Conflict) => {
                return Err(ServiceError::invalid(
                    "password",
                    "two-factor sign-in is on already; turn it off first to use another app",
                ));
            }
            Err(other) => return Err(other.into()),
        }
        Ok(TotpSetup {
            secret,
            otpauth_uri: uri,
            digits: totp::DIGITS,
            period_secs: totp::PERIOD_SECS,
        })
    }

    /// Puts the authenticator set up by [`begin_totp`](Self::begin_totp) in force,
    /// given a code from it, and returns the first recovery codes.
    pub async fn confirm_totp(
        &self,
        principal: Principal,
        request: &ConfirmTotpRequest,
        client: &ClientInfo,
    ) -> ServiceResult<RecoveryCodes> {
        let user = self.user(principal.user_id).await?;
        let setup = self
            .two_factor
            .totp(user.id)
            .await?
            .filter(|totp| !totp.confirmed);
        let Some(setup) = setup else {
            return Err(ServiceError::invalid(
                "code",
                "no authenticator is being set up: start with POST /api/v1/users/me/two-factor/totp",
            ));
        };
        let keys = self.admit_attempt_on(&user, client).await?;
        let step = match Presented::parse(&request.code) {
            Presented::Code(code) => totp::matching_step(&setup.secret, &code, now_secs()),
            Presented::RecoveryCode(_) => None,
        };
        let Some(step) = step else {
            self.throttle.record_failure(&keys, now_millis()).await?;
            return Err(ServiceError::invalid(
                "code",
                "that is not the code the authenticator app shows now",
            ));
        };
        let (codes, hashes) = totp::new_recovery_codes();
        if !self
            .two_factor
            .confirm_totp(user.id, step, &hashes, now_millis())
            .await?
        {
            return Err(ServiceError::invalid(
                "code",
                "the setup ended meanwhile; start again",
            ));
        }
        tracing::info!(user_id = %user.id, "two-factor sign-in turned on");
        Ok(RecoveryCodes { codes })
    }

    /// Replaces the caller's recovery codes with new ones.
    pub async fn new_recovery_codes(
        &self,
        principal: Principal,
        request: &PasswordConfirmation,
        client: &ClientInfo,
    ) -> ServiceResult<RecoveryCodes> {
        let user = self
            .confirm_password(principal, &request.password, client)
            .await?;
        if self.authenticator(user.id).await?.is_none() {
            return Err(ServiceError::invalid(
                "password",
                "two-factor sign-in is off: there are no recovery codes to replace",
            ));
        }
        let (codes, hashes) = totp::new_recovery_codes();
        self.two_factor
            .replace_recovery_codes(user.id, &hashes)
            .await?;
        Ok(RecoveryCodes { codes })
    }

    /// Turns two-factor sign-in off, given the password and a second factor.
    pub async fn disable_two_factor(
        &self,
        principal: Principal,
        request: &DisableTwoFactorRequest,
        client: &ClientInfo,
    ) -> ServiceResult<()> {
        let user = self
            .confirm_password(principal, &request.password, client)
            .await?;
        if let Some(totp) = self.authenticator(user.id).await? {
            let keys = self.admit_attempt_on(&user, client).await?;
            if self
                .check_second_factor(user.id, &totp, &request.second_factor)
                .await?
                .is_none()
            {
                self.throttle.record_failure(&keys, now_millis()).await?;
                return Err(ServiceError::invalid(
                    "second_factor",
                    "that code is wrong, expired or already used",
                ));
            }
        }
        self.two_factor.disable_two_factor(user.id).await?;
        tracing::info!(user_id = %user.id, "two-factor sign-in turned off");
        Ok(())
    }

    /// The user's authenticator if it is in force (confirmed): then a password
    /// sign-in needs a second factor.
    pub(super) async fn authenticator(&self, user: UserId) -> ServiceResult<Option<TotpRecord>> {
        Ok(self
            .two_factor
            .totp(user)
            .await?
            .filter(|totp| totp.confirmed))
    }

    /// The second factor of a sign-in whose password was right (a code, a recovery
    /// code or a passkey): how the session is signed in, or an error once the
    /// failure is counted against `keys`.
    pub(super) async fn second_factor(
        &self,
        user: UserId,
        totp: &TotpRecord,
        request: &SignInRequest,
        keys: &[ThrottleKey],
    ) -> ServiceResult<SignInMethod> {
        let typed = request
            .second_factor
            .as_deref()
            .filter(|typed| !typed.trim().is_empty());
        let method = match (typed, &request.passkey) {
            (Some(typed), _) => self.check_second_factor(user, totp, typed).await?,
            (None, Some(assertion)) => self
                .passkey_is_users(user, assertion)
                .await?
                .then_some(SignInMethod::PasswordPasskey),
            (None, None) => return Err(ServiceError::SecondFactorRequired),
        };
        match method {
            Some(method) => Ok(method),
            None => {
                self.throttle.record_failure(keys, now_millis()).await?;
                Err(ServiceError::InvalidSecondFactor)
            }
        }
    }

    /// Checks and spends `typed`, a code of the user's authenticator `totp` (one
    /// whose step was not used yet) or an unused recovery code. `None` if it is
    /// neither.
    async fn check_second_factor(
        &self,
        user: UserId,
        totp: &TotpRecord,
        typed: &str,
    ) -> ServiceResult<Option<SignInMethod>> {
        Ok(match Presented::parse(typed) {
            Presented::Code(code) => {
                let step = totp::matching_step(&totp.secret, &code, now_secs());
                match step {
                    Some(step) if self.two_factor.use_totp_step(user, step).await? => {
                        Some(SignInMethod::PasswordTotp)
                    }
                    _ => None,
                }
            }
            Presented::RecoveryCode(code) => {
                let hash = totp::hash_recovery_code(&code);
                self.two_factor
                    .use_recovery_code(user, &hash, now_millis())
                    .await?
                    .then(|| {
                        tracing::info!(user_id = %user, "signed in with a recovery code");
                        SignInMethod::PasswordRecoveryCode
                    })
            }
        })
    }
}

fn now_secs() -> u64 {
    u64::try_from(now_millis() / 1000).unwrap_or(0)
}
