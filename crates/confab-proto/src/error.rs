//! The error body every failing REST call returns: `{"error":{"code","message"}}`.

use serde::{Deserialize, Serialize};

/// Envelope of every error response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for programs (`code`) and for people (`message`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable, machine-readable reason; see [`ErrorCode`].
    pub code: ErrorCode,
    /// Human-readable explanation, safe to show to the user. Not stable.
    pub message: String,
    /// The request field the error is about, when there is one (e.g. `password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub field: Option<String>,
    /// For `rate_limited`: whole seconds until the caller may try again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub retry_after_secs: Option<u64>,
}

/// Stable error codes. New codes may be added within a protocol version; clients
/// must treat a code they do not know as [`ErrorCode::Unknown`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not valid JSON or does not match the expected shape (400).
    InvalidJson,
    /// A field failed validation; `field` names it (400).
    InvalidInput,
    /// The password is too short, too long or too easy to guess (400).
    WeakPassword,
    /// The username is already in use, compared case-insensitively (409).
    UsernameTaken,
    /// Username or password is wrong (401). Deliberately does not say which.
    InvalidCredentials,
    /// The password was right, but the account has two-factor sign-in on: send the
    /// sign-in again with `second_factor` (401).
    SecondFactorRequired,
    /// The `second_factor` of a sign-in is wrong, expired or already used (401).
    InvalidSecondFactor,
    /// A sign-in with an identity provider was not started in this browser, has
    /// expired, or was already completed: start again (400).
    ProviderFlowInvalid,
    /// The identity provider refused the sign-in, or its answer failed a check
    /// (state, PKCE, the ID token's signature, issuer, audience, expiry or nonce) (401).
    ProviderRejected,
    /// The identity provider could not be reached or answered nonsense (502).
    ProviderUnavailable,
    /// That identity is already linked to another account (409).
    IdentityInUse,
    /// That is the account's last way to sign in; add another first (409).
    LastSignInMethod,
    /// Passkeys are not set up on this server (`--public-url` or `--passkey-origin`) (404).
    PasskeysDisabled,
    /// A passkey ceremony is unknown, expired or already finished: start again (400).
    PasskeyCeremonyInvalid,
    /// The passkey is not registered here, or its answer failed verification
    /// (origin, challenge, signature, user verification) (401).
    PasskeyRejected,
    /// The account has the most passkeys allowed (`--max-passkeys-per-user`) (409).
    TooManyPasskeys,
    /// The room has the most pinned messages allowed (`--max-pins-per-room`) (409).
    TooManyPins,
    /// The room's MLS group is at another epoch than the commit or message was made
    /// in: another commit won. Process the commits after your epoch, then make it
    /// again (409).
    MlsEpochStale,
    /// This device has no leaf in the room's MLS group, or registered no MLS
    /// signature key (403).
    MlsNotInGroup,
    /// The room's MLS group still holds leaves of people who left or of ended device
    /// sessions: commit their removal before sending (409).
    MlsRemovalPending,
    /// The room's MLS group was already created (409).
    MlsGroupExists,
    /// No access token was presented (401).
    Unauthenticated,
    /// The access token is malformed or its signature is wrong (401).
    InvalidToken,
    /// The access token has expired; refresh it (401).
    TokenExpired,
    /// The device session was revoked or has expired; sign in again (401).
    SessionRevoked,
    /// A refresh token that was already rotated was presented again. The whole
    /// session has been revoked as a precaution (401).
    RefreshTokenReused,
    /// The caller may not do this (403).
    Forbidden,
    /// The resource does not exist or is not visible to the caller (404).
    NotFound,
    /// The HTTP method is not supported on this path (405).
    MethodNotAllowed,
    /// The request body exceeds the configured limit (413).
    PayloadTooLarge,
    /// An upload would take the uploader past `--storage-quota-bytes` (413).
    QuotaExceeded,
    /// The `Range` of a download starts past the end of the file (416).
    RangeNotSatisfiable,
    /// The request body is not `application/json` (415).
    UnsupportedMediaType,
    /// Too many attempts; wait `retry_after_secs` (429).
    RateLimited,
    /// The server could not complete the request (500).
    Internal,
    /// The server is starting, stopping or cannot reach its database (503).
    Unavailable,
    /// A code this client version does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidJson => "invalid_json",
            Self::InvalidInput => "invalid_input",
            Self::WeakPassword => "weak_password",
            Self::UsernameTaken => "username_taken",
            Self::InvalidCredentials => "invalid_credentials",
            Self::SecondFactorRequired => "second_factor_required",
            Self::InvalidSecondFactor => "invalid_second_factor",
            Self::ProviderFlowInvalid => "provider_flow_invalid",
            Self::ProviderRejected => "provider_rejected",
            Self::ProviderUnavailable => "provider_unavailable",
            Self::IdentityInUse => "identity_in_use",
            Self::LastSignInMethod => "last_sign_in_method",
            Self::PasskeysDisabled => "passkeys_disabled",
            Self::PasskeyCeremonyInvalid => "passkey_ceremony_invalid",
            Self::PasskeyRejected => "passkey_rejected",
            Self::TooManyPasskeys => "too_many_passkeys",
            Self::TooManyPins => "too_many_pins",
            Self::MlsEpochStale => "mls_epoch_stale",
            Self::MlsNotInGroup => "mls_not_in_group",
            Self::MlsRemovalPending => "mls_removal_pending",
            Self::MlsGroupExists => "mls_group_exists",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidToken => "invalid_token",
            Self::TokenExpired => "token_expired",
            Self::SessionRevoked => "session_revoked",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::QuotaExceeded => "quota_exceeded",
            Self::RangeNotSatisfiable => "range_not_satisfiable",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
            Self::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
