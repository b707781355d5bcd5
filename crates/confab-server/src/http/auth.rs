//! `/api/v1/auth/*`: sign-up, sign-in, token refresh and sign-out.

use super::error::ApiError;
use super::extract::{ApiJson, Auth, Client};
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use confab_proto::ErrorBody;
use confab_proto::auth::{AuthResponse, AuthTokens, RefreshRequest, SignInRequest, SignUpRequest};

/// Create an account and sign in on this device.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignUpRequest,
    responses(
        (status = 201, description = "Account created; the new session's tokens", body = AuthResponse),
        (status = 400, description = "`invalid_input`, `weak_password` or `invalid_json`", body = ErrorBody),
        (status = 409, description = "`username_taken`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many sign-ups from this address", body = ErrorBody),
    ))]
pub async fn sign_up(
    State(app): State<AppState>,
    Client(client): Client,
    ApiJson(request): ApiJson<SignUpRequest>,
) -> Result<(StatusCode, Json<AuthResponse>), ApiError> {
    let response = app.accounts.sign_up(&request, &client).await?;
    Ok((StatusCode::CREATED, Json(response)))
}

/// Sign in with username and password, opening a new device session.
#[utoipa::path(post, path = "/api/v1/auth/signin", tag = "auth", request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in; the new session's tokens", body = AuthResponse),
        (status = 401, description = "`invalid_credentials`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: back off for `retry_after_secs`", body = ErrorBody),
    ))]
pub async fn sign_in(
    State(app): State<AppState>,
    Client(client): Client,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<Json<AuthResponse>, ApiError> {
    Ok(Json(app.accounts.sign_in(&request, &client).await?))
}

/// Exchange a refresh token for a new access token and a new refresh token.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens; the presented refresh token is now spent", body = AuthTokens),
        (status = 401, description = "`invalid_token`, `session_revoked`, or `refresh_token_reused` (the session is now revoked)", body = ErrorBody),
    ))]
pub async fn refresh(
    State(app): State<AppState>,
    Client(client): Client,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<AuthTokens>, ApiError> {
    Ok(Json(
        app.sessions
            .refresh(&request.refresh_token, &client)
            .await?,
    ))
}

/// End the current session.
#[utoipa::path(post, path = "/api/v1/auth/signout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out; the session's tokens no longer work"),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn sign_out(
    State(app): State<AppState>,
    Auth(principal): Auth,
) -> Result<StatusCode, ApiError> {
    app.sessions.revoke(principal, principal.session_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
