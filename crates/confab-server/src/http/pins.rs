//! `/api/v1/rooms/{id}/pins`: a room's pinned messages.

use super::error::ApiError;
use super::extract::{ApiPath, Auth};
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use confab_proto::rooms::PinList;
use confab_proto::{ErrorBody, RoomId};

/// The room's pinned messages, the latest pin first.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/pins", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = PinList),
        (status = 403, description = "`forbidden`: not a member", body = ErrorBody),
        (status = 404, description = "`not_found`: no such room", body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PinList>, ApiError> {
    Ok(Json(app.rooms.pins(caller, RoomId(id)).await?))
}

/// Pin a message (admins and the owner, or every member where the room's `pinning`
/// is `everyone`).
#[utoipa::path(put, path = "/api/v1/rooms/{id}/pins/{seq}", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path), ("seq" = i64, Path)),
    responses((status = 204, description = "Pinned, or it was already"),
        (status = 400, description = "`invalid_input`: the room is end-to-end encrypted", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a member, or may not pin here", body = ErrorBody),
        (status = 404, description = "`not_found`: no such room, or no live message at `seq`", body = ErrorBody),
        (status = 409, description = "`too_many_pins`: the room has `--max-pins-per-room` pins", body = ErrorBody)))]
pub async fn pin(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app.rooms.set_pinned(caller, RoomId(id), seq, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unpin a message (the same people may unpin as may pin).
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/pins/{seq}", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path), ("seq" = i64, Path)),
    responses((status = 204, description = "Unpinned, or it was not pinned"),
        (status = 400, description = "`invalid_input`: the room is end-to-end encrypted", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a member, or may not pin here", body = ErrorBody),
        (status = 404, description = "`not_found`: no such room", body = ErrorBody)))]
pub async fn unpin(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app.rooms.set_pinned(caller, RoomId(id), seq, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
