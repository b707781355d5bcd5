//! Sign-in with an outside identity provider: OpenID Connect providers and GitHub
//! (OAuth 2.0), configured by the operator.
//!
//! A browser signs in in four steps, none of which puts a token in a URL:
//! 1. `POST /api/v1/auth/providers/{id}/start` (or, to link an identity to the
//!    signed-in account, `POST /api/v1/users/me/identities`) answers with
//!    the provider's [`ProviderRedirect`] and sets the HttpOnly cookie
//!    `confab_provider_flow`, which ties the flow to this browser;
//! 2. the browser goes to `authorization_url`, the user signs in there, and the
//!    provider sends the browser back to `/api/v1/auth/providers/{id}/callback`;
//! 3. the server checks the answer (state, PKCE, and for OpenID Connect the ID token's
//!    signature, issuer, audience, expiry and nonce) and sends the browser on to
//!    `/?provider_flow=done`, or to `/?provider_flow=failed&code=<error code>`;
//! 4. the web client posts `POST /api/v1/auth/providers/complete`
//!    ([`CompleteProviderFlow`], with the cookie), which signs in, links the identity,
//!    or asks for a username for a new account ([`ProviderOutcome`]).

use crate::Timestamp;
use crate::auth::AuthResponse;
use serde::{Deserialize, Serialize};

/// What kind of provider this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// An OpenID Connect provider (Keycloak, Authentik, Google, Microsoft, ...).
    Oidc,
    /// GitHub, over OAuth 2.0 (the user comes from GitHub's API).
    Github,
    /// A kind this client version does not know.
    #[serde(other)]
    Unknown,
}

/// One configured provider, for a sign-in button.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderInfo {
    /// The provider's id in URLs, for example `corp` or `github`.
    pub id: String,
    /// The name to show, for example `Corp SSO`.
    pub name: String,
    pub kind: ProviderKind,
}

/// `GET /api/v1/auth/providers`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderList {
    pub providers: Vec<ProviderInfo>,
    /// Passkey sign-in is on (`POST /api/v1/auth/passkey/challenge`).
    #[serde(default)]
    pub passkeys: bool,
}

/// `POST /api/v1/users/me/identities`: start linking an identity at this provider
/// to the signed-in account (then as steps 2 to 4 of a sign-in).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkIdentityRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 32))]
    pub provider_id: String,
}

/// Where to send the browser to sign in at the provider.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderRedirect {
    pub authorization_url: String,
}

/// `POST /api/v1/auth/providers/complete`
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompleteProviderFlow {
    /// For a new account: the username chosen, after a `choose_username` answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, max_length = 64))]
    pub username: Option<String>,
    /// A name for this device's session, as at sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, max_length = 200))]
    pub device_name: Option<String>,
}

/// What completing a flow did.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ProviderOutcome {
    /// Signed in (to an existing account, or to the account just created). With
    /// `X-Confab-Refresh: cookie`, the refresh token is in the cookie, as at sign-in.
    SignedIn { auth: AuthResponse },
    /// The identity is now linked to the signed-in account.
    Linked { identity: LinkedIdentity },
    /// No account has this identity yet: complete again with a `username` to create
    /// one. `proposed_username` is free now and made from what the provider said.
    ChooseUsername {
        proposed_username: String,
        display_name: String,
        provider_name: String,
    },
}

/// An identity at a provider, linked to an account: a way to sign in to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedIdentity {
    pub id: String,
    pub provider_id: String,
    /// The provider's name as configured now (its id if it is no longer configured).
    pub provider_name: String,
    /// Who the user is there, to tell identities apart: the email address or the
    /// username the provider gave, else its subject identifier.
    pub label: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, format = DateTime, nullable = false)
    )]
    pub last_used_at: Option<Timestamp>,
}

/// `GET /api/v1/users/me/sign-in-methods`: every way the account can sign in. The
/// last one cannot be removed (`last_sign_in_method`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInMethods {
    /// The account has a password.
    pub password: bool,
    pub identities: Vec<LinkedIdentity>,
    /// Passkeys registered (listed at `/api/v1/users/me/passkeys`).
    pub passkeys: u32,
}
