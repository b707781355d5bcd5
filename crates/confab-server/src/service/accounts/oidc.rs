//! Talking to one identity provider: the URL that sends a browser there, and turning
//! the code it sends back into a verified identity.
//!
//! OpenID Connect goes through the `openidconnect` crate: discovery (cached for
//! [`METADATA_TTL`]), the authorization code flow with PKCE, and the ID token's
//! signature (against the provider's published keys), issuer, audience, expiry and
//! nonce. GitHub has no ID token: the `oauth2` crate exchanges the code (with PKCE)
//! and the user comes from GitHub's API over that token. No redirect is followed on
//! any of these requests.

use crate::config::{ProviderKindSettings, ProviderSettings};
use crate::service::{ServiceError, ServiceResult};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EmptyAdditionalClaims, IssuerUrl, Nonce,
    OAuth2TokenResponse as _, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    SubjectIdentifier, TokenResponse as _,
};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long discovered metadata (endpoints and signing keys) is used before it is
/// fetched again. A key the provider rotated in is picked up at the next fetch; an
/// ID token that fails its signature check also forces one.
const METADATA_TTL: Duration = Duration::from_secs(15 * 60);

/// An identity the provider vouched for, with what it said about the person. Kept
/// in the flow between the callback and its completion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedIdentity {
    /// The ID token's `sub`, or GitHub's numeric user id.
    pub subject: String,
    /// An email address or username to show the user.
    pub label: String,
    /// A username the person uses there, if the provider said.
    pub username: Option<String>,
    /// Their name, if the provider said.
    pub name: Option<String>,
    /// The local part of their email address, if the provider said.
    pub email_local_part: Option<String>,
}

/// What the callback needs from the flow to check the provider's answer.
pub struct Expected<'a> {
    pub redirect_uri: &'a str,
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
}

/// One configured provider.
pub struct IdentityProvider {
    pub settings: ProviderSettings,
    metadata: Mutex<Option<(CoreProviderMetadata, Instant)>>,
}

impl IdentityProvider {
    pub fn new(settings: ProviderSettings) -> Self {
        Self {
            settings,
            metadata: Mutex::new(None),
        }
    }

    /// The provider's authorization URL for a flow with these values.
    pub async fn authorization_url(
        &self,
        http: &reqwest::Client,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> ServiceResult<String> {
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| ServiceError::Internal(format!("redirect URI {redirect_uri}: {e}")))?;
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            pkce_verifier.to_owned(),
        ));
        let state = CsrfToken::new(state.to_owned());
        let url = match &self.settings.kind {
            ProviderKindSettings::Oidc { .. } => {
                let client = self
                    .oidc_client(http, false)
                    .await?
                    .set_redirect_uri(redirect);
                let nonce = Nonce::new(nonce.to_owned());
                let mut request = client.authorize_url(
                    CoreAuthenticationFlow::AuthorizationCode,
                    move || state,
                    move || nonce,
                );
                for scope in ["profile", "email"]
                    .iter()
                    .map(|s| s.to_string())
                    .chain(self.settings.scopes.iter().cloned())
                {
                    request = request.add_scope(Scope::new(scope));
                }
                request.set_pkce_challenge(challenge).url().0
            }
            ProviderKindSettings::Github { .. } => {
                let client = self.github_client()?.set_redirect_uri(redirect);
                let mut request = client.authorize_url(move || state);
                for scope in std::iter::once("read:user".to_owned())
                    .chain(self.settings.scopes.iter().cloned())
                {
                    request = request.add_scope(Scope::new(scope));
                }
                request.set_pkce_challenge(challenge).url().0
            }
        };
        Ok(url.into())
    }

    /// Exchanges `code` for the identity, checking everything the provider sent.
    pub async fn identity(
        &self,
        http: &reqwest::Client,
        code: &str,
        expected: Expected<'_>,
    ) -> ServiceResult<VerifiedIdentity> {
        match &self.settings.kind {
            ProviderKindSettings::Oidc { .. } => self.oidc_identity(http, code, &expected).await,
            ProviderKindSettings::Github { api_url, .. } => {
                self.github_identity(http, code, &expected, api_url).await
            }
        }
    }

    async fn oidc_identity(
        &self,
        http: &reqwest::Client,
        code: &str,
        expected: &Expected<'_>,
    ) -> ServiceResult<VerifiedIdentity> {
        let id = &self.settings.id;
        let client = self
            .oidc_client(http, false)
            .await?
            .set_redirect_uri(redirect_url(expected.redirect_uri)?);
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| unavailable(&self.settings, "has no token endpoint", e))?
            .set_pkce_verifier(PkceCodeVerifier::new(expected.pkce_verifier.to_owned()))
            .request_async(http)
            .await
            .map_err(|e| rejected(&self.settings, "refused the code", e))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| rejected(&self.settings, "sent no ID token", "missing"))?;
        let failed = |e: String| rejected(&self.settings, "sent an ID token that fails a check", e);
        let mut identity = match verify(&client, id_token, expected.nonce) {
            Ok(identity) => identity,
            // A signature that does not verify may be from a key rotated in since the
            // metadata was fetched: fetch it again, once. (The code is spent: the
            // same token is checked again.)
            Err(Verification::BadSignature(e)) => {
                tracing::info!(provider = %id, error = %e, "ID token signature does not verify; fetching the provider's keys again");
                let fresh = self.oidc_client(http, true).await?;
                verify(&fresh, id_token, expected.nonce).map_err(|e| match e {
                    Verification::BadSignature(e) | Verification::Other(e) => failed(e),
                })?
            }
            Err(Verification::Other(e)) => return Err(failed(e)),
        };
        // Providers may keep profile claims out of the ID token and give them at the
        // user info endpoint only (OpenID Connect Core 5.4).
        let said_nothing = identity.username.is_none()
            && identity.email_local_part.is_none()
            && identity.name.is_none();
        let subject = SubjectIdentifier::new(identity.subject.clone());
        // Without a user info endpoint, the ID token is all there is.
        if let (true, Ok(request)) = (
            said_nothing,
            client.user_info(token.access_token().clone(), Some(subject)),
        ) {
            match request
                .request_async::<EmptyAdditionalClaims, _, CoreGenderClaim>(http)
                .await
            {
                Ok(info) => {
                    let info: CoreUserInfoClaims = info;
                    identity.fill(
                        info.email().map(|e| e.as_str().to_owned()),
                        info.preferred_username().map(|u| u.as_str().to_owned()),
                        info.name()
                            .and_then(|n| n.get(None))
                            .map(|n| n.as_str().to_owned()),
                    );
                }
                Err(e) => {
                    tracing::warn!(provider = %id, error = %e, "user info request failed; going on without profile claims");
                }
            }
        }
        Ok(identity)
    }

    /// The OpenID Connect client, from metadata fetched at most [`METADATA_TTL`]
    /// ago (or now, when `fresh`).
    async fn oidc_client(
        &self,
        http: &reqwest::Client,
        fresh: bool,
    ) -> ServiceResult<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
    > {
        let ProviderKindSettings::Oidc { issuer } = &self.settings.kind else {
            return Err(ServiceError::Internal(
                "not an OpenID Connect provider".to_owned(),
            ));
        };
        let mut cached = self.metadata.lock().await;
        let current = cached
            .as_ref()
            .filter(|(_, at)| !fresh && at.elapsed() < METADATA_TTL)
            .map(|(metadata, _)| metadata.clone());
        let metadata = match current {
            Some(metadata) => metadata,
            None => {
                let issuer = IssuerUrl::new(issuer.clone()).map_err(|e| {
                    unavailable(&self.settings, "has an issuer that is not a URL", e)
                })?;
                let metadata = CoreProviderMetadata::discover_async(issuer, http)
                    .await
                    .map_err(|e| unavailable(&self.settings, "discovery failed", e))?;
                *cached = Some((metadata.clone(), Instant::now()));
                metadata
            }
        };
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        ))
    }

    fn github_client(
        &self,
    ) -> ServiceResult<
        oauth2::basic::BasicClient<
            oauth2::EndpointSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointSet,
        >,
    > {
        let ProviderKindSettings::Github { web_url, .. } = &self.settings.kind else {
            return Err(ServiceError::Internal("not a GitHub provider".to_owned()));
        };
        let join = |path: &str| {
            web_url
                .join(path)
                .map_err(|e| ServiceError::Internal(format!("GitHub URL: {e}")))
        };
        Ok(
            oauth2::basic::BasicClient::new(oauth2::ClientId::new(self.settings.client_id.clone()))
                .set_client_secret(oauth2::ClientSecret::new(
                    self.settings.client_secret.clone(),
                ))
                .set_auth_uri(oauth2::AuthUrl::from_url(join("login/oauth/authorize")?))
                .set_token_uri(oauth2::TokenUrl::from_url(join(
                    "login/oauth/access_token",
                )?)),
        )
    }

    async fn github_identity(
        &self,
        http: &reqwest::Client,
        code: &str,
        expected: &Expected<'_>,
        api_url: &url::Url,
    ) -> ServiceResult<VerifiedIdentity> {
        use oauth2::TokenResponse as _;
        let token = self
            .github_client()?
            .set_redirect_uri(redirect_url(expected.redirect_uri)?)
            .exchange_code(oauth2::AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(oauth2::PkceCodeVerifier::new(
                expected.pkce_verifier.to_owned(),
            ))
            .request_async(http)
            .await
            .map_err(|e| rejected(&self.settings, "refused the code", e))?;
        let user_url = api_url
            .join("user")
            .map_err(|e| ServiceError::Internal(format!("GitHub API URL: {e}")))?;
        let response = http
            .get(user_url)
            .bearer_auth(token.access_token().secret())
            .header(reqwest::header::ACCEPT, "application/vnd.github+json")
            .header(reqwest::header::USER_AGENT, "Confab")
            .send()
            .await
            .map_err(|e| unavailable(&self.settings, "user request failed", e))?;
        if !response.status().is_success() {
            return Err(rejected(
                &self.settings,
                "refused the user request",
                response.status(),
            ));
        }
        let user: GithubUser = response
            .json()
            .await
            .map_err(|e| unavailable(&self.settings, "sent a user that does not parse", e))?;
        Ok(VerifiedIdentity {
            subject: user.id.to_string(),
            label: user.login.clone(),
            username: Some(user.login),
            name: user.name,
            email_local_part: user.email.as_deref().and_then(local_part),
        })
    }
}

/// The fields of GitHub's `GET /user` that Confab reads.
#[derive(Deserialize)]
struct GithubUser {
    id: u64,
    login: String,
    name: Option<String>,
    email: Option<String>,
}

enum Verification {
    BadSignature(String),
    Other(String),
}

/// Checks the ID token (signature, issuer, audience, expiry, nonce) and reads the
/// identity from it.
fn verify<AS, DS, IS, RS, TS, US>(
    client: &CoreClient<AS, DS, IS, RS, TS, US>,
    id_token: &openidconnect::core::CoreIdToken,
    nonce: &str,
) -> Result<VerifiedIdentity, Verification>
where
    AS: openidconnect::EndpointState,
    DS: openidconnect::EndpointState,
    IS: openidconnect::EndpointState,
    RS: openidconnect::EndpointState,
    TS: openidconnect::EndpointState,
    US: openidconnect::EndpointState,
{
    use openidconnect::ClaimsVerificationError as Claims;
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &Nonce::new(nonce.to_owned()))
        .map_err(|e| match e {
            Claims::SignatureVerification(_) => Verification::BadSignature(e.to_string()),
            other => Verification::Other(other.to_string()),
        })?;
    let mut identity = VerifiedIdentity {
        subject: claims.subject().as_str().to_owned(),
        label: String::new(),
        username: None,
        name: None,
        email_local_part: None,
    };
    identity.fill(
        claims.email().map(|e| e.as_str().to_owned()),
        claims.preferred_username().map(|u| u.as_str().to_owned()),
        claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
    );
    Ok(identity)
}

impl VerifiedIdentity {
    /// Takes what the provider said about the person; the label is the email
    /// address, else the username, else the subject.
    fn fill(&mut self, email: Option<String>, username: Option<String>, name: Option<String>) {
        self.label = email
            .clone()
            .or_else(|| username.clone())
            .unwrap_or_else(|| self.subject.clone());
        self.email_local_part = email.as_deref().and_then(local_part);
        self.username = username;
        self.name = name;
    }
}

fn local_part(email: &str) -> Option<String> {
    email.split_once('@').map(|(local, _)| local.to_owned())
}

fn redirect_url(uri: &str) -> ServiceResult<RedirectUrl> {
    RedirectUrl::new(uri.to_owned())
        .map_err(|e| ServiceError::Internal(format!("redirect URI {uri}: {e}")))
}

/// The provider refused or sent something that fails a check: logged with the
/// detail, reported without it.
fn rejected(
    provider: &ProviderSettings,
    what: &str,
    detail: impl std::fmt::Display,
) -> ServiceError {
    tracing::warn!(provider = %provider.id, detail = %detail, "identity provider {what}");
    ServiceError::ProviderRejected(format!(
        "the sign-in at {} could not be verified; try again",
        provider.name
    ))
}

/// The provider could not be reached or sent nonsense.
fn unavailable(
    provider: &ProviderSettings,
    what: &str,
    detail: impl std::fmt::Display,
) -> ServiceError {
    tracing::warn!(provider = %provider.id, detail = %detail, "identity provider {what}");
    ServiceError::ProviderUnavailable(format!(
        "{} cannot be reached or gave an answer Confab cannot use; try again later",
        provider.name
    ))
}
