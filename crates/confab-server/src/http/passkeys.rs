//! Passkeys: signing in with one (`/api/v1/auth/passkey/*`) and the account's own
//! passkeys (`/api/v1/users/me/passkeys`). The rules are in
//! `service::accounts::passkeys`, the WebAuthn checks in webauthn-rs.

use super::auth::RefreshCookieParam;
use super::cookie::{RefreshCookie, SetCookie};
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, Auth, Client};
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use confab_proto::ErrorBody;
use confab_proto::auth::AuthResponse;
use confab_proto::passkeys::{
    FinishPasskeyRegistration, PasskeyCeremony, PasskeyInfo, PasskeyList, PasskeySignInRequest,
    RenamePasskey, StartPasskeyRegistration,
};

/// Start a sign-in with a passkey: the options for `navigator.credentials.get()`.
/// The same ceremony serves a passkey as the second factor of a password sign-in
/// (`passkey` in `POST /api/v1/auth/signin`).
#[utoipa::path(post, path = "/api/v1/auth/passkey/challenge", tag = "auth",
    responses(
        (status = 200, description = "The ceremony: no credentials are listed, the user picks a passkey (discoverable credentials)", body = PasskeyCeremony),
        (status = 404, description = "`passkeys_disabled`: passkeys are not set up on this server", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many sign-ins from this address", body = ErrorBody),
    ))]
pub async fn challenge(
    State(app): State<AppState>,
    Client(client): Client,
) -> Result<Json<PasskeyCeremony>, ApiError> {
    Ok(Json(app.accounts.passkey_challenge(&client).await?))
}

/// Sign in with a passkey alone, opening a new device session.
#[utoipa::path(post, path = "/api/v1/auth/passkey/signin", tag = "auth", request_body = PasskeySignInRequest,
    params(RefreshCookieParam),
    responses(
        (status = 200, description = "Signed in, as with a password", body = AuthResponse),
        (status = 400, description = "`passkey_ceremony_invalid` (unknown, expired or used: start again), or `invalid_input` about `credential` or `device_name`", body = ErrorBody),
        (status = 401, description = "`passkey_rejected`: the passkey is not registered here, or its answer did not verify", body = ErrorBody),
        (status = 404, description = "`passkeys_disabled`", body = ErrorBody),
    ))]
pub async fn sign_in(
    State(app): State<AppState>,
    Client(client): Client,
    cookie: RefreshCookie,
    ApiJson(request): ApiJson<PasskeySignInRequest>,
) -> Result<(SetCookie, Json<AuthResponse>), ApiError> {
    let mut response = app.accounts.passkey_sign_in(&request, &client).await?;
    let set_cookie = cookie.deliver(&mut response.tokens);
    Ok((set_cookie, Json(response)))
}

/// My passkeys, oldest first.
#[utoipa::path(get, path = "/api/v1/users/me/passkeys", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, body = PasskeyList),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn list(
    State(app): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<PasskeyList>, ApiError> {
    Ok(Json(app.accounts.passkeys(principal).await?))
}

/// Start registering a passkey: the options for `navigator.credentials.create()`.
#[utoipa::path(post, path = "/api/v1/users/me/passkeys/registration", tag = "users", security(("bearer" = [])),
    request_body = StartPasskeyRegistration,
    responses(
        (status = 200, description = "The ceremony; the passkey is asked to be discoverable and to verify the user", body = PasskeyCeremony),
        (status = 400, description = "`invalid_input` about `password`: missing or wrong (an account with a password must give it)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "`passkeys_disabled`", body = ErrorBody),
        (status = 409, description = "`too_many_passkeys`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many wrong passwords", body = ErrorBody),
    ))]
pub async fn begin_registration(
    State(app): State<AppState>,
    Auth(principal): Auth,
    Client(client): Client,
    ApiJson(request): ApiJson<StartPasskeyRegistration>,
) -> Result<Json<PasskeyCeremony>, ApiError> {
    Ok(Json(
        app.accounts
            .begin_passkey_registration(principal, &request, &client)
            .await?,
    ))
}

/// Finish registering a passkey with the browser's new credential.
#[utoipa::path(post, path = "/api/v1/users/me/passkeys", tag = "users", security(("bearer" = [])),
    request_body = FinishPasskeyRegistration,
    responses(
        (status = 201, description = "Registered: it signs in from now", body = PasskeyInfo),
        (status = 400, description = "`passkey_ceremony_invalid`, or `invalid_input` about `credential` (malformed, or registered already) or `name`", body = ErrorBody),
        (status = 401, description = "Not signed in, or `passkey_rejected`: the credential did not verify", body = ErrorBody),
        (status = 404, description = "`passkeys_disabled`", body = ErrorBody),
        (status = 409, description = "`too_many_passkeys`", body = ErrorBody),
    ))]
pub async fn finish_registration(
    State(app): State<AppState>,
    Auth(principal): Auth,
    ApiJson(request): ApiJson<FinishPasskeyRegistration>,
) -> Result<(StatusCode, Json<PasskeyInfo>), ApiError> {
    let passkey = app
        .accounts
        .finish_passkey_registration(principal, &request)
        .await?;
    Ok((StatusCode::CREATED, Json(passkey)))
}

/// Rename one of my passkeys.
#[utoipa::path(patch, path = "/api/v1/users/me/passkeys/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "The passkey's id")),
    request_body = RenamePasskey,
    responses(
        (status = 200, body = PasskeyInfo),
        (status = 400, description = "`invalid_input` about `name`", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "`not_found`: the account has no such passkey", body = ErrorBody),
    ))]
pub async fn rename(
    State(app): State<AppState>,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<RenamePasskey>,
) -> Result<Json<PasskeyInfo>, ApiError> {
    Ok(Json(
        app.accounts
            .rename_passkey(principal, &id, &request)
            .await?,
    ))
}

/// Remove one of my passkeys: it no longer signs in.
#[utoipa::path(delete, path = "/api/v1/users/me/passkeys/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "The passkey's id")),
    responses(
        (status = 204, description = "Removed (the authenticator still holds it; the user may delete it there)"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "`not_found`: the account has no such passkey", body = ErrorBody),
        (status = 409, description = "`last_sign_in_method`: the account has no other way to sign in", body = ErrorBody),
    ))]
pub async fn remove(
    State(app): State<AppState>,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    app.accounts.remove_passkey(principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
