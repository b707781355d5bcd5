//! Passkeys (WebAuthn): registering them, naming and removing them, and signing in
//! with one, alone or as the second factor of a password sign-in.
//!
//! Each ceremony takes two requests. The first answers a [`PasskeyCeremony`]: an id
//! and the `options` to hand to the browser (`navigator.credentials.create()` or
//! `.get()`, after `PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey)`
//! or `parseRequestOptionsFromJSON`). The second sends the id back with the
//! browser's credential as JSON (`credential.toJSON()`). A ceremony works once and
//! expires after `--passkey-ceremony-timeout`.

use crate::Timestamp;
use serde::{Deserialize, Serialize};

/// The first half of a ceremony: what the browser's authenticator is asked.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyCeremony {
    /// Sent back with the credential; good once, until the ceremony times out.
    pub ceremony_id: String,
    /// WebAuthn options as JSON: `{"publicKey": {...}}`, the `publicKey` member in
    /// the form of `PublicKeyCredentialCreationOptionsJSON` (registration) or
    /// `PublicKeyCredentialRequestOptionsJSON` (sign-in), binary values in base64url.
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::HashMap<String, serde_json::Value>))]
    pub options: serde_json::Value,
}

/// `POST /api/v1/users/me/passkeys/registration`
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartPasskeyRegistration {
    /// The current password; required when the account has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub password: Option<String>,
}

/// `POST /api/v1/users/me/passkeys`: the second half of a registration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FinishPasskeyRegistration {
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub ceremony_id: String,
    /// The new credential, as `PublicKeyCredential.toJSON()` gives it.
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::HashMap<String, serde_json::Value>))]
    pub credential: serde_json::Value,
    /// What to call it in the list, for example the device it lives on; one line of
    /// at most 64 characters. `Passkey` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, max_length = 64))]
    pub name: Option<String>,
}

/// `PATCH /api/v1/users/me/passkeys/{id}`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenamePasskey {
    /// One line of at most 64 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub name: String,
}

/// A passkey registered to the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyInfo {
    pub id: String,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// The last sign-in with it; left out if it has not signed in yet.
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

/// `GET /api/v1/users/me/passkeys`: oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyList {
    pub passkeys: Vec<PasskeyInfo>,
}

/// The second half of a sign-in ceremony (from `POST /api/v1/auth/passkey/challenge`):
/// the browser's assertion.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyAssertion {
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub ceremony_id: String,
    /// The assertion, as `PublicKeyCredential.toJSON()` gives it.
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::HashMap<String, serde_json::Value>))]
    pub credential: serde_json::Value,
}

/// `POST /api/v1/auth/passkey/signin`: sign in with a passkey alone.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeySignInRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub ceremony_id: String,
    /// The assertion, as `PublicKeyCredential.toJSON()` gives it.
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::HashMap<String, serde_json::Value>))]
    pub credential: serde_json::Value,
    /// At most 64 characters, one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, max_length = 64))]
    pub device_name: Option<String>,
}
