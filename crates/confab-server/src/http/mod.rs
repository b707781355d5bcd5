//! The HTTP transport: routes, middleware and the OpenAPI document.
//!
//! Handlers are thin: they extract typed input (see [`extract`]), call one service
//! method and return its result; [`error::ApiError`] turns failures into the API's
//! JSON error format. Nothing here decides a domain rule.

mod auth;
mod avatars;
mod channels;
mod common_errors;
mod consent;
mod cookie;
pub mod error;
pub(crate) mod extract;
mod files;
mod mls;
mod notifications;
mod ops;
mod passkeys;
mod pins;
mod previews;
mod providers;
mod redirect;
mod rooms;
mod search;
mod sessions;
mod two_factor;
mod users;
mod web;
mod ws;

pub use redirect::{Http01, to_https};
pub use web::has_web_client;

use crate::app::AppState;
use crate::telemetry::{HTTP_DURATION, HTTP_REQUESTS};
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use error::ApiError;
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(OpenApi)]
#[openapi(
    info(title = "Confab API", description = "REST API of the Confab chat server. Errors are `{\"error\":{\"code\",\"message\"}}`; see docs/protocol.md."),
    modifiers(&BearerAuth),
    // The WebSocket's frames and close codes: no handler refers to them, but clients
    // generate their types from this document too.
    components(schemas(
        confab_proto::ws::ClientFrame,
        confab_proto::ws::ServerFrame,
        confab_proto::ws::CloseCode,
    )),
    tags(
        (name = "auth", description = "Sign-up, sign-in and tokens"),
        (name = "sessions", description = "Device sessions"),
        (name = "users", description = "Profiles"),
        (name = "rooms", description = "Rooms, members and messages"),
        (name = "invitations", description = "Invitations to rooms, message requests and blocking"),
        (name = "files", description = "Uploading and downloading shared files"),
        (name = "notifications", description = "Notifications, room levels, do-not-disturb and Web Push"),
        (name = "search", description = "Full-text search of messages"),
        (name = "mls", description = "End-to-end encrypted rooms: the MLS delivery service"),
    )
)]
struct ApiDoc;

/// Declares the `bearer` security scheme the handlers refer to.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The REST API routes and the OpenAPI document generated from them.
fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::sign_up))
        .routes(routes!(auth::sign_in))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::sign_out))
        .routes(routes!(providers::list))
        .routes(routes!(providers::start))
        .routes(routes!(providers::callback))
        .routes(routes!(providers::complete))
        .routes(routes!(passkeys::challenge))
        .routes(routes!(passkeys::sign_in))
        .routes(routes!(sessions::list))
        .routes(routes!(sessions::revoke))
        .routes(routes!(sessions::revoke_others))
        .routes(routes!(users::me, users::update_me))
        .routes(routes!(users::change_password, users::remove_password))
        .routes(routes!(two_factor::status))
        .routes(routes!(two_factor::begin_totp))
        .routes(routes!(two_factor::confirm_totp))
        .routes(routes!(two_factor::new_recovery_codes))
        .routes(routes!(two_factor::disable))
        .routes(routes!(providers::methods))
        .routes(routes!(providers::link))
        .routes(routes!(providers::unlink))
        .routes(routes!(passkeys::list, passkeys::finish_registration))
        .routes(routes!(passkeys::begin_registration))
        .routes(routes!(passkeys::rename, passkeys::remove))
        .routes(routes!(users::by_username))
        .routes(routes!(users::search))
        .routes(routes!(users::presence))
        .routes(routes!(rooms::list, rooms::create_group))
        .routes(routes!(rooms::open_direct))
        .routes(routes!(rooms::get, rooms::update))
        .routes(routes!(rooms::members))
        .routes(routes!(channels::directory))
        .routes(routes!(channels::join))
        .routes(routes!(pins::list))
        .routes(routes!(pins::pin, pins::unpin))
        .routes(routes!(previews::image))
        .routes(routes!(previews::remove))
        .routes(routes!(consent::of_room, consent::invite))
        .routes(routes!(consent::withdraw))
        .routes(routes!(consent::mine))
        .routes(routes!(consent::accept))
        .routes(routes!(consent::decline))
        .routes(routes!(consent::blocked))
        .routes(routes!(consent::block, consent::unblock))
        .routes(routes!(rooms::remove_member))
        .routes(routes!(rooms::set_role))
        .routes(routes!(rooms::transfer_ownership))
        .routes(routes!(rooms::history, rooms::send))
        .routes(routes!(rooms::edit, rooms::delete))
        .routes(routes!(rooms::add_reaction, rooms::remove_reaction))
        .routes(routes!(rooms::mark_read))
        .routes(routes!(files::upload))
        .routes(routes!(files::download))
        .routes(routes!(files::thumbnail))
        .routes(routes!(files::room_files))
        .routes(routes!(avatars::set_mine, avatars::remove_mine))
        .routes(routes!(avatars::set_room, avatars::remove_room))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::mark_read))
        .routes(routes!(
            notifications::settings,
            notifications::set_settings
        ))
        .routes(routes!(
            notifications::room_level,
            notifications::set_room_level
        ))
        .routes(routes!(notifications::push_key))
        .routes(routes!(
            notifications::subscriptions,
            notifications::subscribe
        ))
        .routes(routes!(notifications::unsubscribe))
        .routes(routes!(search::search))
        .routes(routes!(mls::register_device))
        .routes(routes!(mls::devices))
        .routes(routes!(mls::stock, mls::upload))
        .routes(routes!(mls::claim))
        .routes(routes!(mls::group, mls::create_group))
        .routes(routes!(mls::commits, mls::submit_commit))
        .routes(routes!(mls::welcomes))
        .routes(routes!(mls::take_welcome))
        .split_for_parts();
    common_errors::document(&mut openapi);
    (router, openapi)
}

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().1
}

/// Builds the complete HTTP application.
pub fn router(app: AppState) -> Router {
    let (api, openapi) = api();
    let openapi = Arc::new(openapi);
    let api = api
        .route(
            "/api/v1/openapi.json",
            get(move || async move { Json(openapi.as_ref().clone()) }),
        )
        // Responses of the API carry tokens and private data: never cache them.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));

    Router::new()
        .merge(api)
        // HTTP/2 carries WebSockets in CONNECT requests (RFC 8441), HTTP/1.1 in GET.
        .route("/api/v1/ws", get(ws::upgrade).connect(ws::upgrade))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(web::serve)
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(app.config.max_body_bytes))
        // A body that stops arriving ends its request instead of holding it open.
        .layer(RequestBodyTimeoutLayer::new(app.config.http.body_timeout))
        .layer(middleware::from_fn_with_state(app.clone(), record_metrics))
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveHeadersLayer::new([header::AUTHORIZATION, header::COOKIE]))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
                    let request_id = request.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                    // The path only: query strings are never logged.
                    tracing::info_span!("http", method = %request.method(), path = %request.uri().path(), request_id)
                }))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(|_| ApiError::internal().into_response()))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::STRICT_TRANSPORT_SECURITY,
                    strict_transport_security(&app),
                )),
        )
        .with_state(app)
}

/// The `Strict-Transport-Security` header: only when this server speaks HTTPS itself
/// (behind a proxy, the proxy sends it) and `--hsts-max-age` is not zero.
fn strict_transport_security(app: &AppState) -> Option<HeaderValue> {
    let tls = &app.config.tls;
    let max_age = tls.hsts_max_age.as_secs();
    (tls.enabled() && max_age > 0)
        .then(|| HeaderValue::from_str(&format!("max-age={max_age}")).ok())
        .flatten()
}

/// Counts requests and their latency per route template (never per raw path, so
/// that ids in paths cannot explode the number of series). Every label comes from a
/// fixed set: the route templates, `unmatched`, the standard methods or `other`, and
/// the status codes.
async fn record_metrics(State(_app): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(HTTP_REQUESTS, "method" => method, "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The method as a metrics label: one of the standard methods, or `other`, so that
/// made-up methods cannot grow the label set.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}
