//! Avatars of people (`/api/v1/users/me/avatar`) and groups
//! (`/api/v1/rooms/{id}/avatar`): made by the server from an image the caller
//! uploaded, square, `256`x`256`.

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, Auth};
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use confab_proto::files::SetAvatarRequest;
use confab_proto::rooms::Room;
use confab_proto::users::Profile;
use confab_proto::{ErrorBody, RoomId};

/// Set my avatar from an image I uploaded (its centre, cropped square, 256 pixels).
#[utoipa::path(put, path = "/api/v1/users/me/avatar", tag = "files", security(("bearer" = [])),
    request_body = SetAvatarRequest,
    responses((status = 200, description = "My profile, with its new `avatar_file_id`", body = Profile),
        (status = 400, description = "`invalid_input` on `file_id`: not an image I uploaded", body = ErrorBody)))]
pub async fn set_mine(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiJson(request): ApiJson<SetAvatarRequest>,
) -> Result<Json<Profile>, ApiError> {
    let avatar = app.files.avatar(caller, &request.file_id).await?;
    Ok(Json(
        app.accounts.set_avatar(caller, Some(&avatar.id)).await?,
    ))
}

/// Remove my avatar.
#[utoipa::path(delete, path = "/api/v1/users/me/avatar", tag = "files", security(("bearer" = [])),
    responses((status = 200, description = "My profile, without an avatar", body = Profile)))]
pub async fn remove_mine(
    State(app): State<AppState>,
    Auth(caller): Auth,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(app.accounts.set_avatar(caller, None).await?))
}

/// Set a group's picture from an image I uploaded (admins and the owner). Members get
/// a `room_avatar_changed` event.
#[utoipa::path(put, path = "/api/v1/rooms/{id}/avatar", tag = "files", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = SetAvatarRequest,
    responses((status = 200, body = Room),
        (status = 403, description = "`forbidden`: not a member, a plain member, or a direct room", body = ErrorBody),
        (status = 400, description = "`invalid_input` on `file_id`: not an image I uploaded", body = ErrorBody)))]
pub async fn set_room(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<SetAvatarRequest>,
) -> Result<Json<Room>, ApiError> {
    let room = RoomId(id);
    app.rooms.require_manager(caller, room).await?;
    let avatar = app.files.avatar(caller, &request.file_id).await?;
    Ok(Json(
        app.rooms.set_avatar(caller, room, Some(avatar.id)).await?,
    ))
}

/// Remove a group's picture (admins and the owner).
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/avatar", tag = "files", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Room), (status = 403, body = ErrorBody)))]
pub async fn remove_room(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Room>, ApiError> {
    Ok(Json(app.rooms.set_avatar(caller, RoomId(id), None).await?))
}
