//! `/api/v1/rooms`: rooms, members, messages, reactions and read markers.

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::app::AppState;
use crate::service::ServiceError;
use crate::service::rooms::HistoryAnchor;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use confab_proto::events::{
    EditMessageRequest, HistoryPage, ReadMarkerRequest, RoomEvent, SendMessageRequest,
};
use confab_proto::rooms::{
    CreateGroupRequest, MemberList, OpenDirectRequest, Room, RoomList, RoomSummary, SetRoleRequest,
    TransferOwnershipRequest, UpdateRoomRequest,
};
use confab_proto::{ErrorBody, RoomId, UserId};
use serde::Deserialize;

/// My rooms with unread and mention counts, most recently active first.
#[utoipa::path(get, path = "/api/v1/rooms", operation_id = "list_rooms", tag = "rooms", security(("bearer" = [])),
    responses((status = 200, body = RoomList), (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    Auth(caller): Auth,
) -> Result<Json<RoomList>, ApiError> {
    Ok(Json(RoomList {
        rooms: app.rooms.list(caller).await?,
    }))
}

/// Create a group; I become its owner and the people named are invited.
#[utoipa::path(post, path = "/api/v1/rooms", tag = "rooms", security(("bearer" = [])), request_body = CreateGroupRequest,
    responses((status = 201, body = Room), (status = 400, description = "`invalid_input`", body = ErrorBody),
        (status = 403, description = "`forbidden`: I blocked someone named, or they blocked me", body = ErrorBody),
        (status = 429, description = "`rate_limited`: over `--rooms-created-per-hour` or `--invitations-per-hour`; see `Retry-After`", body = ErrorBody)))]
pub async fn create_group(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiJson(request): ApiJson<CreateGroupRequest>,
) -> Result<(StatusCode, Json<Room>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(app.rooms.create_group(caller, &request).await?),
    ))
}

/// Open the direct room with someone, creating it on first use. With someone I share
/// no room with, it starts as a request that they accept or decline.
#[utoipa::path(post, path = "/api/v1/rooms/direct", tag = "rooms", security(("bearer" = [])), request_body = OpenDirectRequest,
    responses((status = 200, description = "It existed", body = Room), (status = 201, description = "Created", body = Room),
        (status = 400, description = "`invalid_input`", body = ErrorBody),
        (status = 403, description = "`forbidden`: one of us blocked the other", body = ErrorBody),
        (status = 429, description = "`rate_limited`: a new direct room is over `--rooms-created-per-hour`, or a request over `--invitations-per-hour`; see `Retry-After`", body = ErrorBody)))]
pub async fn open_direct(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiJson(request): ApiJson<OpenDirectRequest>,
) -> Result<(StatusCode, Json<Room>), ApiError> {
    let (room, created) = app
        .rooms
        .open_direct(caller, request.user_id, request.encrypted)
        .await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(room),
    ))
}

/// A room I am a member of, as my room list shows it: with my role, my read marker,
/// unread and mention counts, the latest message and, for direct rooms, the peer.
#[utoipa::path(get, path = "/api/v1/rooms/{id}", tag = "rooms", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = RoomSummary), (status = 403, description = "`forbidden`: not a member", body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RoomSummary>, ApiError> {
    Ok(Json(app.rooms.room(caller, RoomId(id)).await?))
}

/// Rename a group, change its topic, or who may join it or post in it (admins and the
/// owner).
#[utoipa::path(patch, path = "/api/v1/rooms/{id}", tag = "rooms", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = UpdateRoomRequest,
    responses((status = 200, body = Room),
        (status = 400, description = "`invalid_input`: a bad name or topic, or `visibility` `public` for an encrypted group", body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn update(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<UpdateRoomRequest>,
) -> Result<Json<Room>, ApiError> {
    Ok(Json(app.rooms.update(caller, RoomId(id), &request).await?))
}

/// The room's current members.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/members", tag = "rooms", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = MemberList), (status = 403, body = ErrorBody)))]
pub async fn members(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MemberList>, ApiError> {
    Ok(Json(MemberList {
        members: app.rooms.members(caller, RoomId(id)).await?,
    }))
}

/// Remove a member, or leave when it is me.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/members/{user_id}", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204, description = "Removed or left"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_member(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath((id, user)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app.rooms
        .remove_member(caller, RoomId(id), UserId(user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Make a member an admin, or an admin a member (the owner only).
#[utoipa::path(put, path = "/api/v1/rooms/{id}/members/{user_id}/role", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path), ("user_id" = i64, Path)), request_body = SetRoleRequest,
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn set_role(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath((id, user)): ApiPath<(i64, i64)>,
    ApiJson(request): ApiJson<SetRoleRequest>,
) -> Result<StatusCode, ApiError> {
    app.rooms
        .set_role(caller, RoomId(id), UserId(user), request.role)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hand the room to another member; I become an admin.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/transfer-ownership", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = TransferOwnershipRequest,
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn transfer_ownership(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<TransferOwnershipRequest>,
) -> Result<StatusCode, ApiError> {
    app.rooms
        .transfer_ownership(caller, RoomId(id), request.user_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of [`history`]: at most one of `before`, `after`, `around`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Events before this sequence number (0 or more).
    #[param(minimum = 0)]
    before: Option<i64>,
    /// Events after this sequence number (0 or more).
    #[param(minimum = 0)]
    after: Option<i64>,
    /// Events around this sequence number (it included), for jumping to a reply.
    #[param(minimum = 0)]
    around: Option<i64>,
    /// Page size, 1-100, default 50.
    // Any value a u32 holds is taken (and clamped); the schema says so, not int32.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295_i64)]
    limit: Option<u32>,
}

/// A page of the room's timeline, oldest first; without an anchor, the newest.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/messages", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path), HistoryQuery),
    responses((status = 200, body = HistoryPage), (status = 403, body = ErrorBody)))]
pub async fn history(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> Result<Json<HistoryPage>, ApiError> {
    let anchor = match (query.before, query.after, query.around) {
        (None, None, None) => HistoryAnchor::Latest,
        (Some(seq), None, None) => HistoryAnchor::Before(seq),
        (None, Some(seq), None) => HistoryAnchor::After(seq),
        (None, None, Some(seq)) => HistoryAnchor::Around(seq),
        _ => {
            return Err(ServiceError::invalid(
                "before",
                "give at most one of before, after and around",
            )
            .into());
        }
    };
    Ok(Json(
        app.rooms
            .history(caller, RoomId(id), anchor, query.limit)
            .await?,
    ))
}

/// Send a message. Retrying with the same `client_id` returns the original (200).
#[utoipa::path(post, path = "/api/v1/rooms/{id}/messages", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = SendMessageRequest,
    responses((status = 201, description = "Stored", body = RoomEvent), (status = 200, description = "A retry: the original", body = RoomEvent),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn send(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<SendMessageRequest>,
) -> Result<(StatusCode, Json<RoomEvent>), ApiError> {
    let sent = app.rooms.send(caller, RoomId(id), &request).await?;
    Ok((
        if sent.created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(sent.event),
    ))
}

/// Edit one of my messages.
#[utoipa::path(patch, path = "/api/v1/rooms/{id}/messages/{seq}", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path), ("seq" = i64, Path)), request_body = EditMessageRequest,
    responses((status = 200, description = "The edit event", body = RoomEvent), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn edit(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
    ApiJson(request): ApiJson<EditMessageRequest>,
) -> Result<Json<RoomEvent>, ApiError> {
    Ok(Json(
        app.rooms
            .edit(caller, RoomId(id), seq, &request.body)
            .await?,
    ))
}

/// Delete a message (mine, or anyone's as an admin); a tombstone stays.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/messages/{seq}", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path), ("seq" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app.rooms.delete(caller, RoomId(id), seq).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add my reaction to a message.
#[utoipa::path(put, path = "/api/v1/rooms/{id}/messages/{seq}/reactions/{emoji}", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path), ("seq" = i64, Path), ("emoji" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn add_reaction(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath((id, seq, emoji)): ApiPath<(i64, i64, String)>,
) -> Result<StatusCode, ApiError> {
    app.rooms
        .react(caller, RoomId(id), seq, &emoji, true)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove my reaction from a message.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/messages/{seq}/reactions/{emoji}", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path), ("seq" = i64, Path), ("emoji" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove_reaction(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath((id, seq, emoji)): ApiPath<(i64, i64, String)>,
) -> Result<StatusCode, ApiError> {
    app.rooms
        .react(caller, RoomId(id), seq, &emoji, false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Move my read marker forward: I have read everything up to `seq`.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/read", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ReadMarkerRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn mark_read(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<ReadMarkerRequest>,
) -> Result<StatusCode, ApiError> {
    app.rooms.mark_read(caller, RoomId(id), request.seq).await?;
    Ok(StatusCode::NO_CONTENT)
}
