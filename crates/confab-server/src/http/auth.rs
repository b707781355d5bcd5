//! `/api/v1/auth/*`: sign-up, sign-in, token refresh and sign-out. Each can keep the
//! refresh token in an HttpOnly cookie instead of the body (see [`RefreshCookie`]).

use super::cookie::{RefreshCookie, SetCookie};
use super::error::ApiError;
use super::extract::{ApiJson, Auth, Client};
use crate::app::AppState;
use crate::service::ServiceError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use confab_proto::ErrorBody;
use confab_proto::auth::{AuthResponse, AuthTokens, RefreshRequest, SignInRequest, SignUpRequest};

/// Create an account and sign in on this device.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignUpRequest,
    params(RefreshCookieParam),
    responses(
        (status = 201, description = "Account created; the new session's tokens (with `X-Confab-Refresh: cookie`, the refresh token is in the `confab_refresh` cookie, not the body)", body = AuthResponse),
        (status = 400, description = "`invalid_input`, `weak_password` or `invalid_json`", body = ErrorBody),
        (status = 409, description = "`username_taken`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many sign-ups from this address", body = ErrorBody),
    ))]
pub async fn sign_up(
    State(app): State<AppState>,
    Client(client): Client,
    cookie: RefreshCookie,
    ApiJson(request): ApiJson<SignUpRequest>,
) -> Result<(StatusCode, SetCookie, Json<AuthResponse>), ApiError> {
    let mut response = app.accounts.sign_up(&request, &client).await?;
    let set_cookie = cookie.deliver(&mut response.tokens);
    Ok((StatusCode::CREATED, set_cookie, Json(response)))
}

/// Sign in with username and password, opening a new device session.
#[utoipa::path(post, path = "/api/v1/auth/signin", tag = "auth", request_body = SignInRequest,
    params(RefreshCookieParam),
    responses(
        (status = 200, description = "Signed in; the new session's tokens (with `X-Confab-Refresh: cookie`, the refresh token is in the `confab_refresh` cookie, not the body)", body = AuthResponse),
        (status = 401, description = "`invalid_credentials`; or, for an account with two-factor sign-in, `second_factor_required` (the password was right: send it again with `second_factor`) or `invalid_second_factor`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: back off for `retry_after_secs`", body = ErrorBody),
    ))]
pub async fn sign_in(
    State(app): State<AppState>,
    Client(client): Client,
    cookie: RefreshCookie,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<(SetCookie, Json<AuthResponse>), ApiError> {
    let mut response = app.accounts.sign_in(&request, &client).await?;
    let set_cookie = cookie.deliver(&mut response.tokens);
    Ok((set_cookie, Json(response)))
}

/// Exchange a refresh token for a new access token and a new refresh token.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    params(RefreshCookieParam),
    responses(
        (status = 200, description = "New tokens; the presented refresh token is now spent. With `X-Confab-Refresh: cookie`, the token is read from and the new one set in the `confab_refresh` cookie", body = AuthTokens),
        (status = 400, description = "`invalid_input`: no `refresh_token` in the body and no cookie (or the cookie without `X-Confab-Refresh: cookie`)", body = ErrorBody),
        (status = 401, description = "`invalid_token`, `session_revoked`, or `refresh_token_reused` (the session is now revoked); a cookie is deleted", body = ErrorBody),
    ))]
pub async fn refresh(
    State(app): State<AppState>,
    Client(client): Client,
    cookie: RefreshCookie,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Response {
    let presented = match (request.refresh_token.as_str(), cookie.presented()) {
        ("", Some(from_cookie)) => from_cookie.to_owned(),
        ("", None) => {
            return ApiError::from(ServiceError::invalid(
                "refresh_token",
                "give refresh_token in the body, or send the confab_refresh cookie with the header X-Confab-Refresh: cookie",
            ))
            .into_response();
        }
        (in_body, _) => in_body.to_owned(),
    };
    match app.sessions.refresh(&presented, &client).await {
        Ok(mut tokens) => {
            let set_cookie = cookie.deliver(&mut tokens);
            (set_cookie, Json(tokens)).into_response()
        }
        // The cookie's session is over: the browser need not keep it.
        Err(error) => (cookie.clear(), ApiError::from(error)).into_response(),
    }
}

/// End the current session.
#[utoipa::path(post, path = "/api/v1/auth/signout", tag = "auth", security(("bearer" = [])),
    params(RefreshCookieParam),
    responses(
        (status = 204, description = "Signed out; the session's tokens no longer work. With `X-Confab-Refresh: cookie`, the `confab_refresh` cookie is deleted"),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn sign_out(
    State(app): State<AppState>,
    Auth(principal): Auth,
    cookie: RefreshCookie,
) -> Result<(StatusCode, SetCookie), ApiError> {
    app.sessions.revoke(principal, principal.session_id).await?;
    Ok((StatusCode::NO_CONTENT, cookie.clear()))
}

/// The request header that moves the refresh token into a cookie.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Only its OpenAPI description is used.
pub(super) struct RefreshCookieParam {
    /// `cookie`: keep the refresh token in the HttpOnly cookie `confab_refresh`
    /// (path `/api/v1/auth`) instead of the JSON body; for browsers. See
    /// docs/security.md.
    #[param(rename = "X-Confab-Refresh")]
    x_confab_refresh: Option<String>,
}
