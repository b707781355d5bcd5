//! [`Providers`]: sign-in with identity providers, from the button to the session.
//!
//! A flow has three steps (see `confab_proto::providers`): `start` stores what the
//! callback must check (the state's hash, the nonce, the PKCE verifier and the
//! redirect URI) under the hash of a secret that only the starting browser holds, in
//! its flow cookie; `callback` checks the provider's answer against it, in that same
//! browser, and stores the verified identity; `complete` turns it into a session, a
//! linked identity, or a new account. A flow completes once, within
//! `--provider-flow-ttl`.
//!
//! Rules: an identity is linked to at most one account; linking happens only on an
//! explicit request of the signed-in account owner, never by matching an email
//! address; the last way to sign in to an account cannot be removed.

use super::account::profile;
use super::oidc::{Expected, IdentityProvider, VerifiedIdentity};
use super::sessions::{ClientInfo, Sessions};
use super::throttle::{Attempt, Throttle};
use super::tokens::{Principal, hash_secret, random_secret};
use crate::clock::{Millis, duration_millis, now_millis, timestamp};
use crate::config::ProviderSettings;
use crate::service::validate::{DeviceName, DisplayName, Username};
use crate::service::{ServiceError, ServiceResult, SharedStore};
use crate::store::Removal;
use crate::store::identities::{FlowRecord, IdentityRecord, IdentityStore, NewIdentity};
use crate::store::{NewUser, StoreError};
use confab_proto::UserId;
use confab_proto::auth::{AuthResponse, SignInMethod};
use confab_proto::providers::{
    CompleteProviderFlow, LinkedIdentity, ProviderInfo, ProviderKind, ProviderList,
    ProviderOutcome, SignInMethods,
};
use std::sync::Arc;
use std::time::Duration;

const SIGN_IN: &str = "sign_in";
const LINK: &str = "link";

/// A flow just started: the secret for the browser's cookie, and where to send it.
pub struct StartedFlow {
    pub browser_secret: String,
    pub authorization_url: String,
}

/// What the provider sent back to the callback.
#[derive(Debug, Default)]
pub struct ProviderAnswer {
    pub state: Option<String>,
    pub code: Option<String>,
    /// The provider's `error` (for example `access_denied` when the user declined).
    pub error: Option<String>,
}

/// The provider sign-in service.
pub struct Providers {
    providers: Vec<IdentityProvider>,
    identities: Arc<dyn IdentityStore>,
    store: SharedStore,
    sessions: Arc<Sessions>,
    throttle: Arc<Throttle>,
    http: reqwest::Client,
    flow_ttl: Duration,
}

impl Providers {
    /// `timeout` bounds each request to a provider.
    pub fn new(
        settings: Vec<ProviderSettings>,
        identities: Arc<dyn IdentityStore>,
        store: SharedStore,
        sessions: Arc<Sessions>,
        throttle: Arc<Throttle>,
        flow_ttl: Duration,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        // Following redirects would let a provider's answer send Confab's requests
        // anywhere (SSRF); the protocols need none.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .build()?;
        Ok(Self {
            providers: settings.into_iter().map(IdentityProvider::new).collect(),
            identities,
            store,
            sessions,
            throttle,
            http,
            flow_ttl,
        })
    }

    /// The configured providers, in the file's order.
    pub fn list(&self) -> ProviderList {
        let providers = self
            .providers
            .iter()
            .map(|p| ProviderInfo {
                id: p.settings.id.clone(),
                name: p.settings.name.clone(),
                kind: match p.settings.kind {
                    crate::config::ProviderKindSettings::Oidc { .. } => ProviderKind::Oidc,
                    crate::config::ProviderKindSettings::Github { .. } => ProviderKind::Github,
                },
            })
            .collect();
        ProviderList {
            providers,
            passkeys: false,
        }
    }

    /// Starts a sign-in (`linking` `None`) or the linking of an identity to the
    /// signed-in account. `base_url` is where the browser reaches Confab.
    pub async fn start(
        &self,
        provider_id: &str,
        linking: Option<Principal>,
        base_url: &str,
        client: &ClientInfo,
    ) -> ServiceResult<StartedFlow> {
        let provider = self.provider(provider_id)?;
        let now = now_millis();
        self.throttle
            .admit(
                Attempt::SignInStarted {
                    ip: client.ip.as_deref(),
                },
                now,
            )
            .await?;
        let browser_secret = random_secret();
        let state = random_secret();
        let flow = FlowRecord {
            id: hash_secret(&browser_secret),
            state_hash: hash_secret(&state),
            provider_id: provider_id.to_owned(),
            intent: if linking.is_some() { LINK } else { SIGN_IN }.to_owned(),
            user_id: linking.map(|p| p.user_id),
            nonce: random_secret(),
            pkce_verifier: random_secret(),
            redirect_uri: format!(
                "{}/api/v1/auth/providers/{provider_id}/callback",
                base_url.trim_end_matches('/')
            ),
            identity: None,
            expires_at: now.saturating_add(duration_millis(self.flow_ttl)),
        };
        let authorization_url = provider
            .authorization_url(
                &self.http,
                &flow.redirect_uri,
                &state,
                &flow.nonce,
                &flow.pkce_verifier,
            )
            .await?;
        self.identities.create_flow(&flow).await?;
        Ok(StartedFlow {
            browser_secret,
            authorization_url,
        })
    }

    /// Checks the provider's answer in the browser that started the flow
    /// (`browser_secret`, from its cookie) and keeps the verified identity for
    /// [`Providers::complete`].
    pub async fn callback(
        &self,
        provider_id: &str,
        browser_secret: Option<&str>,
        answer: ProviderAnswer,
    ) -> ServiceResult<()> {
        let provider = self.provider(provider_id)?;
        let state = answer
            .state
            .as_deref()
            .ok_or(ServiceError::ProviderFlowInvalid)?;
        let flow = self
            .identities
            .flow_awaiting_callback(&hash_secret(state), now_millis())
            .await?
            .filter(|flow| flow.provider_id == provider_id)
            .ok_or(ServiceError::ProviderFlowInvalid)?;
        // The state matched a flow, but a flow started in another browser must not
        // be completed in this one (someone else's sign-in planted here, or this
        // one's answer carried elsewhere).
        if browser_secret.map(hash_secret).as_deref() != Some(flow.id.as_str()) {
            tracing::warn!(provider = %provider_id, "provider callback without the cookie of the browser that started it");
            return Err(ServiceError::ProviderFlowInvalid);
        }
        let outcome = match (answer.error, answer.code) {
            (Some(error), _) => {
                tracing::info!(provider = %provider_id, %error, "identity provider declined the sign-in");
                Err(ServiceError::ProviderRejected(format!(
                    "{} did not sign you in ({error})",
                    provider.settings.name
                )))
            }
            (None, None) => Err(ServiceError::ProviderRejected(
                "the provider sent no authorization code".to_owned(),
            )),
            (None, Some(code)) => {
                let expected = Expected {
                    redirect_uri: &flow.redirect_uri,
                    nonce: &flow.nonce,
                    pkce_verifier: &flow.pkce_verifier,
                };
                provider.identity(&self.http, &code, expected).await
            }
        };
        let identity = match outcome {
            Ok(identity) => identity,
            Err(error) => {
                self.identities.delete_flow(&flow.id).await?;
                return Err(error);
            }
        };
        let json = serde_json::to_string(&identity)
            .map_err(|e| ServiceError::Internal(format!("identity to JSON: {e}")))?;
        if !self
            .identities
            .record_flow_identity(&flow.id, &json)
            .await?
        {
            return Err(ServiceError::ProviderFlowInvalid);
        }
        Ok(())
    }

    /// Finishes the flow of the browser holding `browser_secret`: a session for a
    /// known identity, a linked identity, or (with a username) a new account.
    pub async fn complete(
        &self,
        browser_secret: Option<&str>,
        request: &CompleteProviderFlow,
        client: &ClientInfo,
    ) -> ServiceResult<ProviderOutcome> {
        let device = DeviceName::parse(request.device_name.as_deref())?;
        let flow_id = hash_secret(browser_secret.ok_or(ServiceError::ProviderFlowInvalid)?);
        let flow = self
            .identities
            .flow(&flow_id, now_millis())
            .await?
            .ok_or(ServiceError::ProviderFlowInvalid)?;
        let identity: VerifiedIdentity = match &flow.identity {
            Some(json) => serde_json::from_str(json)
                .map_err(|e| ServiceError::Internal(format!("stored identity: {e}")))?,
            None => return Err(ServiceError::ProviderFlowInvalid),
        };
        let existing = self
            .identities
            .identity(&flow.provider_id, &identity.subject)
            .await?;
        match (flow.intent.as_str(), flow.user_id) {
            (LINK, Some(user)) => self.link(&flow, user, existing, &identity).await,
            _ => match existing {
                Some(known) => {
                    self.claim(&flow).await?;
                    self.identities
                        .touch_identity(&known.id, now_millis())
                        .await?;
                    self.sign_in(known.user_id, &device, client).await
                }
                None => {
                    self.create_account(
                        &flow,
                        &identity,
                        request.username.as_deref(),
                        &device,
                        client,
                    )
                    .await
                }
            },
        }
    }

    /// Every way the caller can sign in.
    pub async fn methods(&self, principal: Principal) -> ServiceResult<SignInMethods> {
        let user = self
            .store
            .user_by_id(principal.user_id)
            .await?
            .ok_or(ServiceError::NotFound("user"))?;
        let identities = self.identities.identities_of(principal.user_id).await?;
        Ok(SignInMethods {
            password: user.password_hash.is_some(),
            identities: identities.into_iter().map(|i| self.wire(i)).collect(),
            passkeys: 0,
        })
    }

    /// Removes one of the caller's linked identities, unless it is their last way to
    /// sign in.
    pub async fn unlink(&self, principal: Principal, identity_id: &str) -> ServiceResult<()> {
        match self
            .identities
            .unlink_identity(principal.user_id, identity_id, now_millis())
            .await?
        {
            Removal::Removed => {
                tracing::info!(user_id = %principal.user_id, "identity unlinked");
                Ok(())
            }
            Removal::NotFound => Err(ServiceError::NotFound("linked identity")),
            Removal::LastMethod => Err(ServiceError::LastSignInMethod),
        }
    }

    /// Deletes expired flows; how many.
    pub async fn prune(&self, now: Millis) -> ServiceResult<u64> {
        Ok(self.identities.prune_flows(now).await?)
    }

    async fn link(
        &self,
        flow: &FlowRecord,
        user: UserId,
        existing: Option<IdentityRecord>,
        identity: &VerifiedIdentity,
    ) -> ServiceResult<ProviderOutcome> {
        self.claim(flow).await?;
        let linked = match existing {
            Some(known) if known.user_id == user => known,
            Some(_) => return Err(ServiceError::IdentityInUse),
            None => {
                let id = random_secret();
                let new = NewIdentity {
                    id: &id,
                    provider_id: &flow.provider_id,
                    subject: &identity.subject,
                    label: &identity.label,
                    now: now_millis(),
                };
                self.identities
                    .link_identity(user, new)
                    .await
                    .map_err(|e| match e {
                        StoreError::Conflict => ServiceError::IdentityInUse,
                        other => other.into(),
                    })?
            }
        };
        tracing::info!(user_id = %user, provider = %flow.provider_id, "identity linked");
        Ok(ProviderOutcome::Linked {
            identity: self.wire(linked),
        })
    }

    async fn create_account(
        &self,
        flow: &FlowRecord,
        identity: &VerifiedIdentity,
        username: Option<&str>,
        device: &DeviceName,
        client: &ClientInfo,
    ) -> ServiceResult<ProviderOutcome> {
        let provider = self.provider(&flow.provider_id)?;
        let display = display_name(identity);
        let Some(username) = username else {
            return Ok(ProviderOutcome::ChooseUsername {
                proposed_username: self.free_username(identity).await?,
                display_name: display,
                provider_name: provider.settings.name.clone(),
            });
        };
        let username = Username::parse(username)?;
        let display_name =
            DisplayName::parse(&display).or_else(|_| DisplayName::parse(username.as_str()))?;
        let id = random_secret();
        let now = now_millis();
        let user = NewUser {
            username: username.as_str(),
            username_key: username.key(),
            display_name: display_name.as_str(),
            password_hash: None,
            now,
        };
        let new = NewIdentity {
            id: &id,
            provider_id: &flow.provider_id,
            subject: &identity.subject,
            label: &identity.label,
            now,
        };
        // The flow stays while the username is taken, so that the person can pick
        // another; it is claimed once the account exists.
        let (account, linked) = match self.identities.create_user_with_identity(user, new).await {
            Ok(created) => created,
            Err(StoreError::Conflict) => {
                return Err(
                    match self.store.user_by_username_key(username.key()).await? {
                        Some(_) => ServiceError::UsernameTaken,
                        None => ServiceError::ProviderFlowInvalid,
                    },
                );
            }
            Err(other) => return Err(other.into()),
        };
        self.claim(flow).await?;
        self.identities.touch_identity(&linked.id, now).await?;
        tracing::info!(user_id = %account.id, provider = %flow.provider_id, "account created through an identity provider");
        self.sign_in(account.id, device, client).await
    }

    async fn sign_in(
        &self,
        user: UserId,
        device: &DeviceName,
        client: &ClientInfo,
    ) -> ServiceResult<ProviderOutcome> {
        let account = self
            .store
            .user_by_id(user)
            .await?
            .ok_or(ServiceError::ProviderFlowInvalid)?;
        let tokens = self
            .sessions
            .open(user, device, client, SignInMethod::Provider)
            .await?;
        Ok(ProviderOutcome::SignedIn {
            auth: AuthResponse {
                user: profile(account),
                tokens,
            },
        })
    }

    /// Ends the flow so that it completes once: of two requests completing it at
    /// once, one gets `provider_flow_invalid`.
    async fn claim(&self, flow: &FlowRecord) -> ServiceResult<()> {
        if self.identities.delete_flow(&flow.id).await? {
            Ok(())
        } else {
            Err(ServiceError::ProviderFlowInvalid)
        }
    }

    /// A username from what the provider said that no account has now.
    async fn free_username(&self, identity: &VerifiedIdentity) -> ServiceResult<String> {
        let base = proposed_usernames(identity)
            .into_iter()
            .find(|name| Username::parse(name).is_ok())
            .unwrap_or_else(|| "user".to_owned());
        for n in 1..=50u32 {
            let candidate = if n == 1 {
                base.clone()
            } else {
                let suffix = n.to_string();
                let keep = base.len().min(32 - suffix.len());
                format!("{}{suffix}", &base[..keep])
            };
            if let Ok(username) = Username::parse(&candidate)
                && self
                    .store
                    .user_by_username_key(username.key())
                    .await?
                    .is_none()
            {
                return Ok(candidate);
            }
        }
        // Fifty taken in a row: a random tail is free in practice; the unique index
        // decides in the end anyway.
        let tail = &hash_secret(&random_secret())[..8];
        Ok(format!("{}{tail}", &base[..base.len().min(24)]))
    }

    fn provider(&self, id: &str) -> ServiceResult<&IdentityProvider> {
        self.providers
            .iter()
            .find(|p| p.settings.id == id)
            .ok_or(ServiceError::NotFound("sign-in provider"))
    }

    fn wire(&self, record: IdentityRecord) -> LinkedIdentity {
        let provider_name = self
            .provider(&record.provider_id)
            .map_or_else(|_| record.provider_id.clone(), |p| p.settings.name.clone());
        LinkedIdentity {
            id: record.id,
            provider_id: record.provider_id,
            provider_name,
            label: record.label,
            created_at: timestamp(record.created_at),
            last_used_at: record.last_used_at.map(timestamp),
        }
    }
}

/// The name to give a new account: the provider's, else the username there.
fn display_name(identity: &VerifiedIdentity) -> String {
    identity
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| identity.username.clone())
        .unwrap_or_else(|| identity.label.clone())
}

/// Usernames to propose, best first, each reduced to what usernames may hold.
fn proposed_usernames(identity: &VerifiedIdentity) -> Vec<String> {
    [
        &identity.username,
        &identity.email_local_part,
        &identity.name,
    ]
    .into_iter()
    .flatten()
    .map(|text| username_from(text))
    .filter(|name| name.len() >= 3)
    .collect()
}

/// `text` as a username: lower-case ASCII letters and digits kept, spaces and other
/// separators as `.`, the rest dropped, starting with a letter or digit, at most 32.
fn username_from(text: &str) -> String {
    let mut name = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            name.push(c);
        } else if (c == '.' || c.is_whitespace()) && !name.is_empty() && !name.ends_with('.') {
            name.push('.');
        }
    }
    let name = name
        .trim_start_matches(['.', '_', '-'])
        .trim_end_matches('.');
    name.chars().take(32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(
        username: Option<&str>,
        email: Option<&str>,
        name: Option<&str>,
    ) -> VerifiedIdentity {
        VerifiedIdentity {
            subject: "s".to_owned(),
            label: "l".to_owned(),
            username: username.map(str::to_owned),
            name: name.map(str::to_owned),
            email_local_part: email.map(str::to_owned),
        }
    }

    #[test]
    fn usernames_come_from_the_claims_in_order() {
        assert_eq!(
            proposed_usernames(&identity(Some("Alice_W"), Some("a"), None)),
            ["alice_w"]
        );
        assert_eq!(
            proposed_usernames(&identity(None, Some("bob.smith"), Some("Bob"))),
            ["bob.smith", "bob"]
        );
        assert_eq!(
            proposed_usernames(&identity(None, None, Some("José  Álvarez"))),
            ["jos.lvarez"]
        );
        assert!(proposed_usernames(&identity(None, None, Some("李小龍"))).is_empty());
    }

    #[test]
    fn a_username_made_from_text_is_valid_or_too_short() {
        for text in [
            "  -lead",
            "a..b",
            "x".repeat(60).as_str(),
            "Ünïcödé Name",
            "._.",
            "ok name.",
        ] {
            let name = username_from(text);
            assert!(
                name.len() < 3 || Username::parse(&name).is_ok(),
                "{text:?} gave {name:?}"
            );
        }
    }
}
