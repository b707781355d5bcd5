//! Public channels: the directory (`/api/v1/channels`) and joining a public group.

use super::error::ApiError;
use super::extract::{ApiPath, ApiQuery, Auth};
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use confab_proto::rooms::{ChannelPage, RoomSummary};
use confab_proto::{ErrorBody, RoomId};
use serde::Deserialize;

/// Query of [`directory`].
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Words the name or topic must each hold (any letter case); empty or left out:
    /// every public group. At most 100 characters and 8 words.
    #[serde(default)]
    q: String,
    /// Entries to skip: the `offset` of the next page is this one's plus the entries
    /// it had. 0-10000, default 0.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295_i64)]
    offset: Option<u32>,
    /// Page size, 1-100 (others are clamped), default 50.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295_i64)]
    limit: Option<u32>,
}

/// The channel directory: public groups, most members first, with whether I am in
/// each.
#[utoipa::path(get, path = "/api/v1/channels", tag = "rooms", security(("bearer" = [])),
    params(DirectoryQuery),
    responses((status = 200, body = ChannelPage),
        (status = 400, description = "`invalid_input`: `q` over 100 characters or 8 words, `offset` over 10000", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn directory(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(query): ApiQuery<DirectoryQuery>,
) -> Result<Json<ChannelPage>, ApiError> {
    Ok(Json(
        app.rooms
            .directory(caller, &query.q, query.offset, query.limit)
            .await?,
    ))
}

/// Join a public group as a member (an invitation to it is used up). Joining a group
/// I am in already returns it.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/join", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "I am a member", body = RoomSummary),
        (status = 400, description = "`invalid_input`: the room has `--max-room-members`, or I am in `--max-rooms-per-user` rooms", body = ErrorBody),
        (status = 403, description = "`forbidden`: I am a member of this private room (there is nothing to join)", body = ErrorBody),
        (status = 404, description = "`not_found`: no such room, or a private one I am not in", body = ErrorBody)))]
pub async fn join(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RoomSummary>, ApiError> {
    Ok(Json(app.rooms.join(caller, RoomId(id)).await?))
}
