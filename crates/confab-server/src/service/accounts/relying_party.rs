//! [`RelyingParty`]: the WebAuthn side of passkeys, on `webauthn-rs`: starting and
//! finishing registration and sign-in ceremonies, with each ceremony's state kept in
//! the database between its two requests (so any node can finish it, once).
//!
//! Every check of the browser's answer (challenge, origin, relying party id, user
//! verification, signature, counter) is webauthn-rs's; this module only moves
//! ceremonies and credentials in and out of storage.

use super::tokens::random_secret;
use crate::clock::{Millis, duration_millis, now_millis};
use crate::config::RelyingParty as RelyingPartyConfig;
use crate::service::{ServiceError, ServiceResult};
use crate::store::passkeys::{CeremonyRecord, PasskeyRecord, PasskeyStore};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use confab_proto::passkeys::{PasskeyAssertion, PasskeyCeremony};
use rand::RngCore;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Uuid, Webauthn, WebauthnBuilder,
};

const REGISTER: &str = "register";
const SIGN_IN: &str = "sign_in";

/// The name passkeys show in the authenticator's account picker.
const RP_NAME: &str = "Confab";

/// A registration that verified, ready to store.
pub(super) struct NewCredential {
    /// base64url.
    pub credential_id: String,
    /// The WebAuthn user handle the authenticator now holds for the account.
    pub user_handle: Uuid,
    /// The credential in storage form (JSON).
    pub credential: String,
}

/// What a registration keeps between its two requests: webauthn-rs's state, and the
/// user handle the authenticator is given.
#[derive(Serialize, serde::Deserialize)]
struct Registration {
    user_handle: Uuid,
    state: PasskeyRegistration,
}

/// The relying party: `None` inside when passkeys are off.
pub struct RelyingParty {
    webauthn: Option<Webauthn>,
    store: Arc<dyn PasskeyStore>,
    ceremony_timeout: Duration,
}

impl RelyingParty {
    /// The relying party of `config`, or one with passkeys off.
    pub fn new(
        config: Option<&RelyingPartyConfig>,
        store: Arc<dyn PasskeyStore>,
        ceremony_timeout: Duration,
    ) -> anyhow::Result<Self> {
        let webauthn = match config {
            None => None,
            Some(config) => Some(
                WebauthnBuilder::new(&config.id, &config.origin)?
                    .rp_name(RP_NAME)
                    .allow_any_port(config.any_port)
                    .timeout(ceremony_timeout)
                    .build()?,
            ),
        };
        Ok(Self {
            webauthn,
            store,
            ceremony_timeout,
        })
    }

    /// Whether passkeys are on.
    pub fn enabled(&self) -> bool {
        self.webauthn.is_some()
    }

    fn webauthn(&self) -> ServiceResult<&Webauthn> {
        self.webauthn.as_ref().ok_or(ServiceError::PasskeysDisabled)
    }

    /// Starts registering a passkey for an account: `handle` is the account's
    /// WebAuthn user handle, `existing` its passkeys (which the authenticator must not
    /// register again). The passkey is asked to be discoverable, so that it can sign
    /// in without a username.
    pub(super) async fn start_registration(
        &self,
        user: confab_proto::UserId,
        handle: Uuid,
        username: &str,
        display_name: &str,
        existing: &[PasskeyRecord],
    ) -> ServiceResult<PasskeyCeremony> {
        let webauthn = self.webauthn()?;
        let exclude = existing
            .iter()
            .filter_map(|passkey| URL_SAFE_NO_PAD.decode(&passkey.credential_id).ok())
            .collect::<Vec<_>>();
        let (challenge, state) = webauthn
            .start_passkey_registration(handle, username, display_name, Some(exclude))
            .map_err(|e| internal("start a passkey registration", e))?;
        let mut options = to_json(&challenge)?;
        if let Some(selection) = options.pointer_mut("/publicKey/authenticatorSelection") {
            selection["residentKey"] = "required".into();
            selection["requireResidentKey"] = true.into();
        }
        let kept = Registration {
            user_handle: handle,
            state,
        };
        self.store_ceremony(REGISTER, Some(user), &kept, options)
            .await
    }

    /// Finishes a registration of `user`'s: the new credential, verified.
    pub(super) async fn finish_registration(
        &self,
        user: confab_proto::UserId,
        ceremony_id: &str,
        credential: &serde_json::Value,
    ) -> ServiceResult<NewCredential> {
        let webauthn = self.webauthn()?;
        let ceremony = self.take_ceremony(ceremony_id, REGISTER).await?;
        if ceremony.user_id != Some(user) {
            return Err(ServiceError::PasskeyCeremonyInvalid);
        }
        let kept: Registration = from_stored(&ceremony.state)?;
        let credential: RegisterPublicKeyCredential = from_client(credential)?;
        let passkey = webauthn
            .finish_passkey_registration(&credential, &kept.state)
            .map_err(|e| rejected("registration", e))?;
        Ok(NewCredential {
            credential_id: URL_SAFE_NO_PAD.encode(passkey.cred_id()),
            user_handle: kept.user_handle,
            credential: to_stored(&passkey)?,
        })
    }

    /// Starts a sign-in with whichever passkey the user picks (discoverable).
    pub(super) async fn start_sign_in(&self) -> ServiceResult<PasskeyCeremony> {
        let webauthn = self.webauthn()?;
        let (challenge, state) = webauthn
            .start_discoverable_authentication()
            .map_err(|e| internal("start a passkey sign-in", e))?;
        let mut options = to_json(&challenge)?;
        // webauthn-rs asks for conditional mediation (autofill); the client decides.
        if let Some(options) = options.as_object_mut() {
            options.remove("mediation");
        }
        self.store_ceremony(SIGN_IN, None, &state, options).await
    }

    /// Checks a sign-in's assertion: which registered passkey answered, and that its
    /// answer verifies; the passkey, its use (and the authenticator's new counter)
    /// recorded.
    pub(super) async fn verify_sign_in(
        &self,
        assertion: &PasskeyAssertion,
    ) -> ServiceResult<PasskeyRecord> {
        let webauthn = self.webauthn()?;
        let ceremony = self.take_ceremony(&assertion.ceremony_id, SIGN_IN).await?;
        let state: DiscoverableAuthentication = from_stored(&ceremony.state)?;
        let credential: PublicKeyCredential = from_client(&assertion.credential)?;
        let (handle, credential_id) = webauthn
            .identify_discoverable_authentication(&credential)
            .map_err(|e| rejected("sign-in", e))?;
        let record = self
            .store
            .passkey_by_credential(&URL_SAFE_NO_PAD.encode(credential_id))
            .await?
            .filter(|record| record.user_handle == handle.to_string())
            .ok_or_else(|| {
                tracing::info!("passkey sign-in with a passkey not registered here");
                ServiceError::PasskeyRejected("that passkey is not registered here".to_owned())
            })?;
        let mut passkey: Passkey = from_stored(&record.credential)?;
        let result = webauthn
            .finish_discoverable_authentication_v2(&credential, state, &passkey)
            .map_err(|e| rejected("sign-in", e))?;
        let updated = match passkey.update_credential(&result) {
            Some(true) => Some(to_stored(&passkey)?),
            _ => None,
        };
        self.store
            .record_passkey_use(&record.id, updated.as_deref(), now_millis())
            .await?;
        Ok(record)
    }

    /// A new random WebAuthn user handle, for an account's first passkey.
    pub(super) fn new_user_handle() -> Uuid {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Uuid::from_bytes(bytes)
    }

    async fn store_ceremony(
        &self,
        purpose: &str,
        user: Option<confab_proto::UserId>,
        state: &impl Serialize,
        options: serde_json::Value,
    ) -> ServiceResult<PasskeyCeremony> {
        let ceremony = CeremonyRecord {
            id: random_secret(),
            purpose: purpose.to_owned(),
            user_id: user,
            state: to_stored(state)?,
            expires_at: self.expiry(now_millis()),
        };
        self.store.create_ceremony(&ceremony).await?;
        Ok(PasskeyCeremony {
            ceremony_id: ceremony.id,
            options,
        })
    }

    async fn take_ceremony(&self, id: &str, purpose: &str) -> ServiceResult<CeremonyRecord> {
        self.store
            .take_ceremony(id, purpose, now_millis())
            .await?
            .ok_or(ServiceError::PasskeyCeremonyInvalid)
    }

    fn expiry(&self, now: Millis) -> Millis {
        now.saturating_add(duration_millis(self.ceremony_timeout))
    }

    /// Deletes ceremonies that expired before `now`; how many.
    pub async fn prune(&self, now: Millis) -> ServiceResult<u64> {
        Ok(self.store.prune_ceremonies(now).await?)
    }
}

/// The account's WebAuthn user handle: the one its passkeys were made with, or a
/// new one for its first.
pub(super) fn user_handle(existing: &[PasskeyRecord]) -> Uuid {
    existing
        .first()
        .and_then(|passkey| Uuid::parse_str(&passkey.user_handle).ok())
        .unwrap_or_else(RelyingParty::new_user_handle)
}

fn to_json(value: &impl Serialize) -> ServiceResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| internal("encode passkey options", e))
}

fn to_stored(value: &impl Serialize) -> ServiceResult<String> {
    serde_json::to_string(value).map_err(|e| internal("store passkey data", e))
}

fn from_stored<T: DeserializeOwned>(text: &str) -> ServiceResult<T> {
    serde_json::from_str(text).map_err(|e| internal("read stored passkey data", e))
}

/// The browser's credential, which may be anything.
fn from_client<T: DeserializeOwned>(value: &serde_json::Value) -> ServiceResult<T> {
    T::deserialize(value).map_err(|e| {
        ServiceError::invalid(
            "credential",
            format!("not a WebAuthn credential as PublicKeyCredential.toJSON() gives it: {e}"),
        )
    })
}

fn internal(what: &str, error: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("cannot {what}: {error}"))
}

/// A credential that did not verify: the reason is logged, the client told briefly.
fn rejected(ceremony: &str, error: impl std::fmt::Display) -> ServiceError {
    tracing::info!(%error, "passkey {ceremony} refused");
    ServiceError::PasskeyRejected(format!(
        "the passkey's answer did not verify ({error}); try again"
    ))
}
