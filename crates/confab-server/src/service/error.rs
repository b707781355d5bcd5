//! [`ServiceError`]: every way a domain operation can fail.

use crate::store::StoreError;
use confab_proto::ErrorCode;
use std::time::Duration;

/// Failure of a domain operation. Transports map each variant to a status and a
/// stable error code; the `Display` text is safe to show to users.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A field of the request failed validation.
    #[error("{message}")]
    InvalidInput {
        field: &'static str,
        message: String,
    },
    /// The new password does not meet the password policy.
    #[error("{message}")]
    WeakPassword {
        field: &'static str,
        message: String,
    },
    #[error("that username is already taken")]
    UsernameTaken,
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error(
        "this account signs in with a second factor: give the code from the authenticator app, or a recovery code"
    )]
    SecondFactorRequired,
    #[error("that code is wrong, expired or already used")]
    InvalidSecondFactor,
    #[error(
        "this sign-in with an identity provider was not started in this browser, has expired or was already completed; start again"
    )]
    ProviderFlowInvalid,
    /// The provider refused, or its answer failed a check; the reason is logged.
    #[error("{0}")]
    ProviderRejected(String),
    /// The provider could not be reached or answered nonsense; details are logged.
    #[error("{0}")]
    ProviderUnavailable(String),
    #[error("that identity is already linked to another account")]
    IdentityInUse,
    #[error("that is the last way to sign in to this account; add another one first")]
    LastSignInMethod,
    #[error(
        "passkeys are not set up on this server (its operator sets --public-url or --passkey-origin)"
    )]
    PasskeysDisabled,
    #[error("this passkey request is unknown, has expired or was already used; start again")]
    PasskeyCeremonyInvalid,
    /// The passkey is unknown here or its answer failed verification; details logged.
    #[error("{0}")]
    PasskeyRejected(String),
    #[error("this account has {0} passkeys, the most allowed; remove one first")]
    TooManyPasskeys(u32),
    #[error("this room has {0} pinned messages, the most allowed; unpin one first")]
    TooManyPins(u32),
    #[error(
        "the room's encrypted group is at epoch {current}: process the commits you missed, then try again"
    )]
    MlsEpochStale { current: i64 },
    #[error("{0}")]
    MlsNotInGroup(String),
    #[error(
        "the room's encrypted group still holds devices that must be removed first (people who left, ended sessions): commit their removal, then send"
    )]
    MlsRemovalPending,
    #[error("this room's encrypted group was already created")]
    MlsGroupExists,
    #[error("the access token is malformed or not signed by this server")]
    InvalidToken,
    #[error("the access token has expired; refresh it")]
    TokenExpired,
    #[error("this session has ended; sign in again")]
    SessionRevoked,
    #[error("this refresh token was already used; the session has been revoked, sign in again")]
    RefreshTokenReused,
    /// The caller may not do this (not a member, or the role is too low).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// An upload is larger than allowed; nothing was kept.
    #[error("{0}")]
    TooLarge(String),
    /// An upload would go past the uploader's storage quota; nothing was kept.
    #[error("{0}")]
    QuotaExceeded(String),
    /// A download's range starts past the end of the file.
    #[error("the range starts past the end of the file ({size} bytes)")]
    RangeNotSatisfiable { size: u64 },
    #[error("too many attempts; wait {}s and try again", whole_seconds(*retry_after))]
    RateLimited { retry_after: Duration },
    /// The server is at capacity for this kind of work (password hashing); trying
    /// again shortly will likely succeed.
    #[error("the server is busy; try again in {}s", whole_seconds(*retry_after))]
    Busy { retry_after: Duration },
    /// The store failed; details are logged, not shown.
    #[error("internal error")]
    Store(#[from] StoreError),
    /// Something else failed inside the server (a panicked hashing task, ...).
    #[error("internal error")]
    Internal(String),
}

impl ServiceError {
    /// The stable error code of this failure, the same over REST and WebSocket.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidInput { .. } => ErrorCode::InvalidInput,
            Self::WeakPassword { .. } => ErrorCode::WeakPassword,
            Self::UsernameTaken => ErrorCode::UsernameTaken,
            Self::InvalidCredentials => ErrorCode::InvalidCredentials,
            Self::SecondFactorRequired => ErrorCode::SecondFactorRequired,
            Self::InvalidSecondFactor => ErrorCode::InvalidSecondFactor,
            Self::ProviderFlowInvalid => ErrorCode::ProviderFlowInvalid,
            Self::ProviderRejected(_) => ErrorCode::ProviderRejected,
            Self::ProviderUnavailable(_) => ErrorCode::ProviderUnavailable,
            Self::IdentityInUse => ErrorCode::IdentityInUse,
            Self::LastSignInMethod => ErrorCode::LastSignInMethod,
            Self::PasskeysDisabled => ErrorCode::PasskeysDisabled,
            Self::PasskeyCeremonyInvalid => ErrorCode::PasskeyCeremonyInvalid,
            Self::PasskeyRejected(_) => ErrorCode::PasskeyRejected,
            Self::TooManyPasskeys(_) => ErrorCode::TooManyPasskeys,
            Self::TooManyPins(_) => ErrorCode::TooManyPins,
            Self::MlsEpochStale { .. } => ErrorCode::MlsEpochStale,
            Self::MlsNotInGroup(_) => ErrorCode::MlsNotInGroup,
            Self::MlsRemovalPending => ErrorCode::MlsRemovalPending,
            Self::MlsGroupExists => ErrorCode::MlsGroupExists,
            Self::InvalidToken => ErrorCode::InvalidToken,
            Self::TokenExpired => ErrorCode::TokenExpired,
            Self::SessionRevoked => ErrorCode::SessionRevoked,
            Self::RefreshTokenReused => ErrorCode::RefreshTokenReused,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::TooLarge(_) => ErrorCode::PayloadTooLarge,
            Self::QuotaExceeded(_) => ErrorCode::QuotaExceeded,
            Self::RangeNotSatisfiable { .. } => ErrorCode::RangeNotSatisfiable,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Busy { .. } => ErrorCode::Unavailable,
            Self::Store(_) | Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The message to show the client. Internal failures are logged here, with their
    /// detail, and reach the client only as a generic message.
    pub fn public_message(&self) -> String {
        if self.log_if_internal() {
            "internal error; the server log has details".to_owned()
        } else {
            self.to_string()
        }
    }

    /// Logs an internal failure (store or other) with its detail; whether it was one.
    /// For answers that carry only the error code.
    pub fn log_if_internal(&self) -> bool {
        match self {
            Self::Store(e) => tracing::error!(error = %e, "store failure"),
            Self::Internal(detail) => tracing::error!(error = %detail, "internal failure"),
            _ => return false,
        }
        true
    }

    /// The same error about the request field `field` instead, for the errors that
    /// name one ([`InvalidInput`](Self::InvalidInput), [`WeakPassword`](Self::WeakPassword));
    /// others are returned as they are. For a check shared by requests whose fields
    /// are named differently.
    pub fn about_field(self, field: &'static str) -> Self {
        match self {
            Self::InvalidInput { message, .. } => Self::InvalidInput { field, message },
            Self::WeakPassword { message, .. } => Self::WeakPassword { field, message },
            other => other,
        }
    }

    /// A [`ServiceError::WeakPassword`] about the request field `password`.
    pub fn weak_password(message: String) -> Self {
        Self::WeakPassword {
            field: "password",
            message,
        }
    }

    /// Shorthand for [`ServiceError::InvalidInput`].
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field,
            message: message.into(),
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// A wait rounded up to whole seconds, at least one: what `Retry-After` reports.
pub fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}
