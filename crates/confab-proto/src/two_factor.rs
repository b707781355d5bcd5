//! Two-factor sign-in: an authenticator app (TOTP, RFC 6238) and recovery codes.
//!
//! Setting it up takes two steps: [`TotpSetup`] gives the secret to put in the app,
//! then a code from the app confirms it and returns the [`RecoveryCodes`], shown this
//! once. From then on, password sign-in asks for a code (`second_factor_required`).

use serde::{Deserialize, Serialize};

/// `GET /api/v1/users/me/two-factor`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorStatus {
    /// Password sign-in asks for a code from the authenticator app.
    pub totp_enabled: bool,
    /// Recovery codes not used yet (0 while two-factor sign-in is off).
    pub recovery_codes_left: u32,
}

/// `POST /api/v1/users/me/two-factor/totp`, and `POST
/// /api/v1/users/me/two-factor/recovery-codes`: the current password again.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordConfirmation {
    pub password: String,
}

/// A new authenticator secret, not in force until confirmed with a code.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpSetup {
    /// The secret in base32 (RFC 4648, no padding), for typing into the app.
    pub secret: String,
    /// The same as an `otpauth://totp/...` URI, for a QR code.
    pub otpauth_uri: String,
    /// Digits per code (6).
    pub digits: u32,
    /// Seconds each code is valid for (30).
    pub period_secs: u32,
}

/// `POST /api/v1/users/me/two-factor/totp/confirm`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfirmTotpRequest {
    /// The code the authenticator app shows now.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub code: String,
}

/// Single-use codes that stand in for the authenticator app at sign-in. The server
/// keeps only their hashes: this is the only time they are shown.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

/// `POST /api/v1/users/me/two-factor/disable`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisableTwoFactorRequest {
    pub password: String,
    /// A code from the authenticator app, or an unused recovery code.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub second_factor: String,
}
