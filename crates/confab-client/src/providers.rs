//! Sign-in with identity providers: the providers offered, and the account's sign-in
//! methods and linked identities. The flow itself runs in a browser (the provider's
//! pages, and the `confab_provider_flow` cookie); see `confab_proto::providers`.

use crate::{Client, Result, encode_segment};
use confab_proto::providers::{LinkIdentityRequest, ProviderList, ProviderRedirect, SignInMethods};
use confab_proto::two_factor::PasswordConfirmation;
use reqwest::Method;

impl Client {
    /// The identity providers this server offers sign-in with.
    pub async fn sign_in_providers(&self) -> Result<ProviderList> {
        self.send(self.request(Method::GET, "/api/v1/auth/providers")?)
            .await
    }

    /// Every way my account can sign in.
    pub async fn sign_in_methods(&self) -> Result<SignInMethods> {
        self.authed::<(), _>(Method::GET, "/api/v1/users/me/sign-in-methods", None)
            .await
    }

    /// Starts linking an identity at `provider_id` to my account: where to send the
    /// browser. The response's flow cookie belongs to that browser.
    pub async fn link_identity(&self, provider_id: &str) -> Result<ProviderRedirect> {
        let request = LinkIdentityRequest {
            provider_id: provider_id.to_owned(),
        };
        self.authed(Method::POST, "/api/v1/users/me/identities", Some(&request))
            .await
    }

    /// Removes my password (never the last way to sign in). A first password is set
    /// with [`Client::change_password`] and an empty current password.
    pub async fn remove_password(&self, password: &str) -> Result<()> {
        let request = PasswordConfirmation {
            password: password.to_owned(),
        };
        self.authed::<_, ()>(Method::DELETE, "/api/v1/users/me/password", Some(&request))
            .await
    }

    /// Unlinks one of my identities (never the last way to sign in).
    pub async fn unlink_identity(&self, id: &str) -> Result<()> {
        let path = format!("/api/v1/users/me/identities/{}", encode_segment(id));
        self.authed::<(), ()>(Method::DELETE, &path, None).await
    }
}
