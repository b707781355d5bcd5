//! `/api/v1/users/me/two-factor/*`: setting up an authenticator app, recovery codes,
//! and turning two-factor sign-in off. The sign-in itself is `POST
//! /api/v1/auth/signin` with `second_factor`.

use super::error::ApiError;
use super::extract::{ApiJson, Auth, Client};
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use confab_proto::ErrorBody;
use confab_proto::two_factor::{
    ConfirmTotpRequest, DisableTwoFactorRequest, PasswordConfirmation, RecoveryCodes, TotpSetup,
    TwoFactorStatus,
};

/// Whether my password sign-in asks for a second factor, and how many recovery codes
/// I have left.
#[utoipa::path(get, path = "/api/v1/users/me/two-factor", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = TwoFactorStatus)))]
pub async fn status(
    State(app): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<TwoFactorStatus>, ApiError> {
    Ok(Json(app.accounts.two_factor_status(principal).await?))
}

/// Start setting up an authenticator app: a new secret, in force once a code from
/// the app confirms it. Starting again replaces a setup not confirmed yet.
#[utoipa::path(post, path = "/api/v1/users/me/two-factor/totp", tag = "users", security(("bearer" = [])),
    request_body = PasswordConfirmation,
    responses(
        (status = 200, description = "The secret to put in the app", body = TotpSetup),
        (status = 400, description = "`invalid_input`: the password is wrong, or two-factor sign-in is on already", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many wrong passwords or codes", body = ErrorBody),
    ))]
pub async fn begin_totp(
    State(app): State<AppState>,
    Auth(principal): Auth,
    Client(client): Client,
    ApiJson(request): ApiJson<PasswordConfirmation>,
) -> Result<Json<TotpSetup>, ApiError> {
    Ok(Json(
        app.accounts
            .begin_totp(principal, &request, &client)
            .await?,
    ))
}

/// Confirm the authenticator app with the code it shows: two-factor sign-in is on
/// from now, and these are the recovery codes, shown this once.
#[utoipa::path(post, path = "/api/v1/users/me/two-factor/totp/confirm", tag = "users", security(("bearer" = [])),
    request_body = ConfirmTotpRequest,
    responses(
        (status = 200, description = "On; the recovery codes", body = RecoveryCodes),
        (status = 400, description = "`invalid_input` about `code`: not the app's current code, or no setup started", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ))]
pub async fn confirm_totp(
    State(app): State<AppState>,
    Auth(principal): Auth,
    Client(client): Client,
    ApiJson(request): ApiJson<ConfirmTotpRequest>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    Ok(Json(
        app.accounts
            .confirm_totp(principal, &request, &client)
            .await?,
    ))
}

/// Replace my recovery codes with new ones; the old ones stop working.
#[utoipa::path(post, path = "/api/v1/users/me/two-factor/recovery-codes", tag = "users", security(("bearer" = [])),
    request_body = PasswordConfirmation,
    responses(
        (status = 200, description = "The new codes, shown this once", body = RecoveryCodes),
        (status = 400, description = "`invalid_input`: the password is wrong, or two-factor sign-in is off", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ))]
pub async fn new_recovery_codes(
    State(app): State<AppState>,
    Auth(principal): Auth,
    Client(client): Client,
    ApiJson(request): ApiJson<PasswordConfirmation>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    Ok(Json(
        app.accounts
            .new_recovery_codes(principal, &request, &client)
            .await?,
    ))
}

/// Turn two-factor sign-in off: the password alone signs in again.
#[utoipa::path(post, path = "/api/v1/users/me/two-factor/disable", tag = "users", security(("bearer" = [])),
    request_body = DisableTwoFactorRequest,
    responses(
        (status = 204, description = "Off; the authenticator secret and recovery codes are deleted"),
        (status = 400, description = "`invalid_input` about `password` or `second_factor`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ))]
pub async fn disable(
    State(app): State<AppState>,
    Auth(principal): Auth,
    Client(client): Client,
    ApiJson(request): ApiJson<DisableTwoFactorRequest>,
) -> Result<StatusCode, ApiError> {
    app.accounts
        .disable_two_factor(principal, &request, &client)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
