//! Sign-up, sign-in, token refresh, password change and device sessions.

use crate::users::Profile;
use crate::{SessionId, Timestamp};
use serde::{Deserialize, Serialize};

/// `POST /api/v1/auth/signup`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignUpRequest {
    /// 3-32 characters from `a-z`, `A-Z`, `0-9`, `_`, `.`, `-`, starting with a letter
    /// or digit. Unique without regard to case. A few names (such as `admin`) are
    /// reserved.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 3,
            max_length = 32,
            pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$"
        )
    )]
    pub username: String,
    /// At least `--password-min-chars` (8 or more) and at most 256 characters, and not
    /// easy to guess (see protocol.md's password policy).
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 256))]
    pub password: String,
    /// Shown instead of the username; defaults to the username. 1-64 characters, one
    /// line (protocol.md's one-line text rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub display_name: Option<String>,
    /// Label for the device session this sign-up opens (e.g. "Firefox on Linux"), at
    /// most 64 characters, one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub device_name: Option<String>,
}

/// `POST /api/v1/auth/signin`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInRequest {
    pub username: String,
    pub password: String,
    /// At most 64 characters, one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub device_name: Option<String>,
    /// For an account with two-factor sign-in: the 6-digit code its authenticator
    /// app shows now, or one of its unused recovery codes (spaces and dashes are
    /// ignored). Without it, such an account's sign-in answers
    /// `second_factor_required` once the password is right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub second_factor: Option<String>,
    /// For an account with two-factor sign-in: one of its passkeys as the second
    /// factor instead of a code, from a ceremony started with `POST
    /// /api/v1/auth/passkey/challenge`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub passkey: Option<crate::passkeys::PasskeyAssertion>,
}

/// How a device session was signed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    /// A password alone (also a new account's first session).
    Password,
    /// A password and a code from the authenticator app.
    PasswordTotp,
    /// A password and a recovery code.
    PasswordRecoveryCode,
    /// An identity provider (OpenID Connect or GitHub); its own checks apply there.
    Provider,
    /// A passkey alone (it checked the user with a PIN or biometrics).
    Passkey,
    /// A password and a passkey as the second factor.
    PasswordPasskey,
    /// A method this client version does not know.
    #[serde(other)]
    Unknown,
}

/// `POST /api/v1/auth/refresh`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    /// The current refresh token. Left out (or empty) by a client that keeps it in
    /// the `confab_refresh` cookie and sends `X-Confab-Refresh: cookie`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub refresh_token: String,
}

/// Credentials of one device session, returned by sign-up, sign-in and refresh.
///
/// The refresh token rotates: each refresh returns a new one and the old one stops
/// working. Presenting an old one again revokes the whole session.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthTokens {
    pub session_id: SessionId,
    /// Signed bearer token for `Authorization: Bearer ...`.
    pub access_token: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub access_token_expires_at: Timestamp,
    /// Opaque, single-use token that obtains the next pair. Left out when the client
    /// asked for it in the `confab_refresh` cookie (`X-Confab-Refresh: cookie`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub refresh_token: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub refresh_token_expires_at: Timestamp,
}

/// Response of sign-up and sign-in: who you are, and your new session's tokens.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthResponse {
    pub user: Profile,
    pub tokens: AuthTokens,
}

/// `POST /api/v1/users/me/password`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// One signed-in device, as listed by `GET /api/v1/sessions`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceSession {
    pub id: SessionId,
    pub device_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub user_agent: Option<String>,
    /// Address the session was last seen from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub ip: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub last_seen_at: Timestamp,
    /// True for the session that made this request.
    pub current: bool,
    pub sign_in_method: SignInMethod,
}

/// `GET /api/v1/sessions`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionList {
    pub sessions: Vec<DeviceSession>,
}

/// `POST /api/v1/sessions/revoke-others`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevokedCount {
    pub revoked: u64,
}
