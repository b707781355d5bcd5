//! Two-factor sign-in: setting up an authenticator app, recovery codes, turning it
//! off, and signing in with a second factor.

use crate::{Client, Result};
use confab_proto::auth::{AuthResponse, SignInRequest};
use confab_proto::two_factor::{
    ConfirmTotpRequest, DisableTwoFactorRequest, PasswordConfirmation, RecoveryCodes, TotpSetup,
    TwoFactorStatus,
};
use reqwest::Method;

impl Client {
    /// Signs in with a password and a second factor (an authenticator code or a
    /// recovery code), opening a new device session.
    pub async fn sign_in_with_second_factor(
        &self,
        username: &str,
        password: &str,
        second_factor: &str,
    ) -> Result<AuthResponse> {
        self.sign_in_with(&SignInRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            device_name: None,
            second_factor: Some(second_factor.to_owned()),
            passkey: None,
        })
        .await
    }

    pub async fn two_factor_status(&self) -> Result<TwoFactorStatus> {
        self.authed::<(), _>(Method::GET, "/api/v1/users/me/two-factor", None)
            .await
    }

    /// Starts setting up an authenticator app.
    pub async fn begin_totp(&self, password: &str) -> Result<TotpSetup> {
        let request = PasswordConfirmation {
            password: password.to_owned(),
        };
        self.authed(
            Method::POST,
            "/api/v1/users/me/two-factor/totp",
            Some(&request),
        )
        .await
    }

    /// Confirms the app with its current code; returns the recovery codes.
    pub async fn confirm_totp(&self, code: &str) -> Result<RecoveryCodes> {
        let request = ConfirmTotpRequest {
            code: code.to_owned(),
        };
        self.authed(
            Method::POST,
            "/api/v1/users/me/two-factor/totp/confirm",
            Some(&request),
        )
        .await
    }

    /// Replaces the recovery codes.
    pub async fn new_recovery_codes(&self, password: &str) -> Result<RecoveryCodes> {
        let request = PasswordConfirmation {
            password: password.to_owned(),
        };
        self.authed(
            Method::POST,
            "/api/v1/users/me/two-factor/recovery-codes",
            Some(&request),
        )
        .await
    }

    /// Turns two-factor sign-in off.
    pub async fn disable_two_factor(&self, password: &str, second_factor: &str) -> Result<()> {
        let request = DisableTwoFactorRequest {
            password: password.to_owned(),
            second_factor: second_factor.to_owned(),
        };
        self.authed(
            Method::POST,
            "/api/v1/users/me/two-factor/disable",
            Some(&request),
        )
        .await
    }
}
