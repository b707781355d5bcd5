//! Sign-in with identity providers: `/api/v1/auth/providers/*` (list, start, the
//! provider's callback, complete) and the account's own sign-in methods and linked
//! identities under `/api/v1/users/me`. The flow and its rules are in
//! `service::accounts::providers`; this file moves the flow cookie and builds URLs.

use super::cookie::{RefreshCookie, SetCookie, came_over_https, request_cookie, set_cookie};
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery, Auth, Client};
use crate::app::AppState;
use crate::service::ServiceError;
use crate::service::accounts::providers::{ProviderAnswer, StartedFlow};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use confab_proto::ErrorBody;
use confab_proto::providers::{
    CompleteProviderFlow, LinkIdentityRequest, ProviderList, ProviderOutcome, ProviderRedirect,
    SignInMethods,
};
use cookie::{Cookie, SameSite};
use serde::Deserialize;

/// The cookie that ties a flow to the browser that started it, and its path.
pub const FLOW_COOKIE: &str = "confab_provider_flow";
const FLOW_COOKIE_PATH: &str = "/api/v1/auth/providers";

/// The identity providers people can sign in with.
#[utoipa::path(get, path = "/api/v1/auth/providers", tag = "auth",
    responses((status = 200, description = "The configured providers, for sign-in buttons (none without `--sign-in-providers`), and whether passkey sign-in is on", body = ProviderList)))]
pub async fn list(State(app): State<AppState>) -> Json<ProviderList> {
    let mut list = app.providers.list();
    list.passkeys = app.accounts.passkeys_enabled();
    Json(list)
}

/// Start signing in at a provider (creating an account on first use).
#[utoipa::path(post, path = "/api/v1/auth/providers/{id}/start", tag = "auth",
    params(("id" = String, Path, description = "The provider's id, from `GET /api/v1/auth/providers`")),
    responses(
        (status = 200, description = "Send the browser to `authorization_url`. Sets the HttpOnly cookie `confab_provider_flow` (path `/api/v1/auth/providers`, `SameSite=Lax`) that ties the flow to this browser", body = ProviderRedirect),
        (status = 404, description = "`not_found`: no such provider", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many sign-ins from this address", body = ErrorBody),
        (status = 502, description = "`provider_unavailable`: the provider's discovery document could not be fetched", body = ErrorBody),
    ))]
pub async fn start(
    State(app): State<AppState>,
    Client(client): Client,
    ApiPath(id): ApiPath<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<(SetCookie, Json<ProviderRedirect>), ApiError> {
    let base = base_url(&app, &uri, &headers);
    let started = app.providers.start(&id, None, &base, &client).await?;
    Ok(redirect_with_cookie(&app, &headers, started))
}

/// Start linking an identity at a provider to the signed-in account.
#[utoipa::path(post, path = "/api/v1/users/me/identities", tag = "users", request_body = LinkIdentityRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Send the browser to `authorization_url`, as for a sign-in; completing the flow links the identity", body = ProviderRedirect),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "`not_found`: no such provider", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
        (status = 502, description = "`provider_unavailable`", body = ErrorBody),
    ))]
pub async fn link(
    State(app): State<AppState>,
    Auth(principal): Auth,
    Client(client): Client,
    uri: Uri,
    headers: HeaderMap,
    ApiJson(request): ApiJson<LinkIdentityRequest>,
) -> Result<(SetCookie, Json<ProviderRedirect>), ApiError> {
    let base = base_url(&app, &uri, &headers);
    let started = app
        .providers
        .start(&request.provider_id, Some(principal), &base, &client)
        .await?;
    Ok(redirect_with_cookie(&app, &headers, started))
}

/// The provider's answer, as query parameters of the callback.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    /// The provider's error code, when it did not sign the user in.
    error: Option<String>,
}

/// Where the provider sends the browser back to.
#[utoipa::path(get, path = "/api/v1/auth/providers/{id}/callback", tag = "auth",
    params(("id" = String, Path, description = "The provider's id"), CallbackQuery),
    responses(
        (status = 303, description = "To `/?provider_flow=done` when the answer checked out (then `POST /api/v1/auth/providers/complete`), or to `/?provider_flow=failed&code=<error code>` (`provider_flow_invalid`, `provider_rejected`, `provider_unavailable`, `not_found`)"),
    ))]
pub async fn callback(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<CallbackQuery>,
    headers: HeaderMap,
) -> Response {
    let secret = request_cookie(&headers, FLOW_COOKIE);
    let answer = ProviderAnswer {
        state: query.state,
        code: query.code,
        error: query.error,
    };
    let web = web_root(&app);
    match app.providers.callback(&id, secret.as_deref(), answer).await {
        Ok(()) => Redirect::to(&format!("{web}/?provider_flow=done")).into_response(),
        Err(error) => {
            let code = error.code();
            error.log_if_internal();
            Redirect::to(&format!("{web}/?provider_flow=failed&code={code}")).into_response()
        }
    }
}

/// Finish the flow of this browser (its `confab_provider_flow` cookie).
#[utoipa::path(post, path = "/api/v1/auth/providers/complete", tag = "auth", request_body = CompleteProviderFlow,
    params(super::auth::RefreshCookieParam),
    responses(
        (status = 200, description = "`signed_in` (with `X-Confab-Refresh: cookie`, the refresh token is in the `confab_refresh` cookie), `linked`, or `choose_username`: no account has this identity yet, complete again with a `username` to create one", body = ProviderOutcome),
        (status = 400, description = "`provider_flow_invalid`: no flow in this browser, expired, not through its callback, or already completed; or `invalid_input`", body = ErrorBody),
        (status = 409, description = "`username_taken` (choose another; the flow stays), or `identity_in_use`: the identity is linked to another account", body = ErrorBody),
    ))]
pub async fn complete(
    State(app): State<AppState>,
    Client(client): Client,
    refresh: RefreshCookie,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CompleteProviderFlow>,
) -> Response {
    let secret = request_cookie(&headers, FLOW_COOKIE);
    match app
        .providers
        .complete(secret.as_deref(), &request, &client)
        .await
    {
        Ok(ProviderOutcome::SignedIn { mut auth }) => {
            let set_refresh = refresh.deliver(&mut auth.tokens);
            let outcome = ProviderOutcome::SignedIn { auth };
            (
                set_refresh,
                clear_flow_cookie(&app, &headers),
                Json(outcome),
            )
                .into_response()
        }
        Ok(outcome @ ProviderOutcome::Linked { .. }) => {
            (clear_flow_cookie(&app, &headers), Json(outcome)).into_response()
        }
        Ok(outcome) => Json(outcome).into_response(),
        // A username refused leaves the flow for another try; every other error ends it.
        Err(error @ (ServiceError::UsernameTaken | ServiceError::InvalidInput { .. })) => {
            ApiError::from(error).into_response()
        }
        Err(error) => (clear_flow_cookie(&app, &headers), ApiError::from(error)).into_response(),
    }
}

/// Every way the caller can sign in.
#[utoipa::path(get, path = "/api/v1/users/me/sign-in-methods", tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The password, linked identities and passkeys of the account", body = SignInMethods),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn methods(
    State(app): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<SignInMethods>, ApiError> {
    let mut methods = app.providers.methods(principal).await?;
    methods.passkeys = app.accounts.passkey_count(principal).await?;
    Ok(Json(methods))
}

/// Unlink an identity from the caller's account.
#[utoipa::path(delete, path = "/api/v1/users/me/identities/{id}", tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The linked identity's id")),
    responses(
        (status = 204, description = "Unlinked: it no longer signs in to this account"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "`not_found`: the account has no such identity", body = ErrorBody),
        (status = 409, description = "`last_sign_in_method`: the account has no other way to sign in", body = ErrorBody),
    ))]
pub async fn unlink(
    State(app): State<AppState>,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    app.providers.unlink(principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn redirect_with_cookie(
    app: &AppState,
    headers: &HeaderMap,
    started: StartedFlow,
) -> (SetCookie, Json<ProviderRedirect>) {
    let max_age =
        time::Duration::try_from(app.config.providers.flow_ttl).unwrap_or(time::Duration::MINUTE);
    let cookie = flow_cookie(app, headers, started.browser_secret).max_age(max_age);
    (
        set_cookie(cookie.build()),
        Json(ProviderRedirect {
            authorization_url: started.authorization_url,
        }),
    )
}

fn clear_flow_cookie(app: &AppState, headers: &HeaderMap) -> SetCookie {
    set_cookie(
        flow_cookie(app, headers, String::new())
            .max_age(time::Duration::ZERO)
            .build(),
    )
}

/// The flow cookie: `SameSite=Lax`, since the provider's redirect back is a
/// navigation from another site, which a `Strict` cookie would not come with.
fn flow_cookie(
    app: &AppState,
    headers: &HeaderMap,
    value: String,
) -> cookie::CookieBuilder<'static> {
    Cookie::build((FLOW_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path(FLOW_COOKIE_PATH)
        .secure(is_https(app, headers))
}

fn is_https(app: &AppState, headers: &HeaderMap) -> bool {
    came_over_https(
        headers,
        app.config.tls.enabled(),
        app.config.trust_forwarded_for,
    )
}

/// Where browsers reach Confab: `--public-url`, else this request's scheme and host
/// (`Host`, or the authority of an HTTP/2 request).
fn base_url(app: &AppState, uri: &Uri, headers: &HeaderMap) -> String {
    if let Some(url) = &app.config.providers.public_url {
        return url.as_str().trim_end_matches('/').to_owned();
    }
    let scheme = if is_https(app, headers) {
        "https"
    } else {
        "http"
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// The web client's root for the redirect after the callback: under
/// `--public-url`'s path when it has one.
fn web_root(app: &AppState) -> String {
    app.config
        .providers
        .public_url
        .as_ref()
        .map(|url| url.path().trim_end_matches('/').to_owned())
        .unwrap_or_default()
}
