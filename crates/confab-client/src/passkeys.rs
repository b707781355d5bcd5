//! Passkeys: registering, listing, renaming and removing them, and signing in with
//! one. The client carries WebAuthn JSON only: the authenticator's part (a browser's
//! `navigator.credentials`, or a software authenticator in tests) is the caller's.

use crate::{Client, Result, encode_segment};
use confab_proto::auth::AuthResponse;
use confab_proto::passkeys::{
    FinishPasskeyRegistration, PasskeyCeremony, PasskeyInfo, PasskeyList, PasskeySignInRequest,
    RenamePasskey, StartPasskeyRegistration,
};
use reqwest::Method;

impl Client {
    /// Starts a passkey sign-in (or a passkey second factor): the options for the
    /// authenticator.
    pub async fn passkey_challenge(&self) -> Result<PasskeyCeremony> {
        let builder = self
            .request(Method::POST, "/api/v1/auth/passkey/challenge")?
            .json(&serde_json::json!({}));
        self.send(builder).await
    }

    /// Signs in with a passkey's assertion, opening a new device session.
    pub async fn passkey_sign_in(&self, request: &PasskeySignInRequest) -> Result<AuthResponse> {
        let response: AuthResponse = self
            .send(
                self.request(Method::POST, "/api/v1/auth/passkey/signin")?
                    .json(request),
            )
            .await?;
        self.set_tokens(Some(response.tokens.clone())).await;
        Ok(response)
    }

    /// My passkeys, oldest first.
    pub async fn passkeys(&self) -> Result<PasskeyList> {
        self.authed::<(), _>(Method::GET, "/api/v1/users/me/passkeys", None)
            .await
    }

    /// Starts registering a passkey (`password` is needed when the account has one).
    pub async fn begin_passkey_registration(
        &self,
        password: Option<&str>,
    ) -> Result<PasskeyCeremony> {
        let request = StartPasskeyRegistration {
            password: password.map(str::to_owned),
        };
        self.authed(
            Method::POST,
            "/api/v1/users/me/passkeys/registration",
            Some(&request),
        )
        .await
    }

    /// Finishes registering a passkey with the authenticator's new credential.
    pub async fn finish_passkey_registration(
        &self,
        request: &FinishPasskeyRegistration,
    ) -> Result<PasskeyInfo> {
        self.authed(Method::POST, "/api/v1/users/me/passkeys", Some(request))
            .await
    }

    /// Renames one of my passkeys.
    pub async fn rename_passkey(&self, id: &str, name: &str) -> Result<PasskeyInfo> {
        let path = format!("/api/v1/users/me/passkeys/{}", encode_segment(id));
        let request = RenamePasskey {
            name: name.to_owned(),
        };
        self.authed(Method::PATCH, &path, Some(&request)).await
    }

    /// Removes one of my passkeys (never the last way to sign in).
    pub async fn remove_passkey(&self, id: &str) -> Result<()> {
        let path = format!("/api/v1/users/me/passkeys/{}", encode_segment(id));
        self.authed::<(), ()>(Method::DELETE, &path, None).await
    }
}
