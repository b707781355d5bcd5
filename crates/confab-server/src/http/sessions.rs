//! `/api/v1/sessions`: the caller's signed-in devices.

use super::error::ApiError;
use super::extract::{ApiPath, Auth};
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use confab_proto::auth::{RevokedCount, SessionList};
use confab_proto::{ErrorBody, SessionId};

/// List my active device sessions, most recently used first.
#[utoipa::path(get, path = "/api/v1/sessions", operation_id = "list_sessions", tag = "sessions", security(("bearer" = [])),
    responses(
        (status = 200, description = "Active sessions; `current` marks this one", body = SessionList),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn list(
    State(app): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<SessionList>, ApiError> {
    Ok(Json(SessionList {
        sessions: app.sessions.list(principal).await?,
    }))
}

/// Revoke one of my sessions (signing that device out).
#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "sessions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Session id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such active session of mine", body = ErrorBody),
    ))]
pub async fn revoke(
    State(app): State<AppState>,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    app.sessions.revoke(principal, SessionId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revoke every session of mine except this one.
#[utoipa::path(post, path = "/api/v1/sessions/revoke-others", tag = "sessions", security(("bearer" = [])),
    responses(
        (status = 200, description = "How many sessions were revoked", body = RevokedCount),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn revoke_others(
    State(app): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<RevokedCount>, ApiError> {
    Ok(Json(RevokedCount {
        revoked: app.sessions.revoke_others(principal).await?,
    }))
}
