//! Extractors that turn a request into typed, validated inputs, rejecting bad ones
//! with an [`ApiError`] in the API's JSON error format.

use super::error::ApiError;
use crate::app::AppState;
use crate::service::accounts::sessions::ClientInfo;
use crate::service::accounts::tokens::Principal;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, MissingJsonContentType};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use confab_proto::ErrorCode;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

/// `axum::Json` with rejections in the API's error format, for bodies that are JSON
/// objects: serde would also read a struct from an array of its fields
/// (`[null, null]`), which no request of the API is, so anything but an object is
/// refused as `invalid_json`. Content type, size limit and errors are `axum::Json`'s;
/// only the first byte is looked at before the one parse.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(JsonRejection::from(MissingJsonContentType::default()).into());
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(JsonRejection::from)?;
        if body.trim_ascii_start().first() != Some(&b'{') {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
                "the body must be a JSON object",
            ));
        }
        let axum::Json(value) = axum::Json::from_bytes(&body)?;
        Ok(Self(value))
    }
}

/// `Content-Type: application/json`, or another `application/*+json`, as `axum::Json`
/// accepts them (its own check is private).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<mime::Mime>().ok())
        .is_some_and(|mime| {
            mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|name| name == "json"))
        })
}

/// `axum::extract::Path` with rejections in the API's error format.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `axum::extract::Query` with rejections in the API's error format.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// The client's address and user agent.
pub struct Client(pub ClientInfo);

impl FromRequestParts<AppState> for Client {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(client_info(parts, app.config.trust_forwarded_for)))
    }
}

fn client_info(parts: &Parts, trust_forwarded_for: bool) -> ClientInfo {
    let forwarded = trust_forwarded_for
        .then(|| parts.headers.get("x-forwarded-for"))
        .flatten()
        .and_then(|value| value.to_str().ok())
        // The last hop is the one our own proxy appended; earlier ones are hearsay.
        .and_then(|list| list.rsplit(',').next())
        .map(|ip| ip.trim().to_owned())
        .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok());
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(|ua| ua.chars().take(256).collect());
    ClientInfo {
        ip: forwarded.or(peer),
        user_agent,
    }
}

/// The authenticated caller: requires `Authorization: Bearer <access token>` naming
/// an active session.
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let value = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthenticated("sign in first: send `Authorization: Bearer <access token>`")
        })?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                ApiError::unauthenticated(
                    "the Authorization header must be `Bearer <access token>`",
                )
            })?;
        let client = client_info(parts, app.config.trust_forwarded_for);
        let principal = app.sessions.authenticate(token.trim(), &client).await?;
        Ok(Self(principal))
    }
}
