//! Invitations (`/api/v1/invitations`, `/api/v1/rooms/{id}/invitations`) and
//! blocking (`/api/v1/blocks`).

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, Auth};
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use confab_proto::invitations::{BlockList, InvitationList, InviteRequest, PendingInvitationList};
use confab_proto::rooms::RoomSummary;
use confab_proto::{ErrorBody, RoomId, UserId};

/// My pending invitations (group invitations and message requests), newest first.
#[utoipa::path(get, path = "/api/v1/invitations", tag = "invitations", security(("bearer" = [])),
    responses((status = 200, body = InvitationList)))]
pub async fn mine(
    State(app): State<AppState>,
    Auth(caller): Auth,
) -> Result<Json<InvitationList>, ApiError> {
    Ok(Json(InvitationList {
        invitations: app.rooms.my_invitations(caller).await?,
    }))
}

/// Accept my invitation to room `id`: I join it.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/accept", tag = "invitations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The room")),
    responses((status = 200, description = "I am a member now", body = RoomSummary),
        (status = 400, description = "`invalid_input`: the room is full, or I am in `--max-rooms-per-user` rooms", body = ErrorBody),
        (status = 404, description = "`not_found`: I have no invitation to this room", body = ErrorBody)))]
pub async fn accept(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RoomSummary>, ApiError> {
    Ok(Json(app.rooms.accept(caller, RoomId(id)).await?))
}

/// Decline my invitation to room `id`. Whoever sent it is not told.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/decline", tag = "invitations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The room")),
    responses((status = 204, description = "Declined"),
        (status = 404, description = "`not_found`: I have no invitation to this room", body = ErrorBody)))]
pub async fn decline(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    app.rooms.decline(caller, RoomId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The room's pending invitations (any member).
#[utoipa::path(get, path = "/api/v1/rooms/{id}/invitations", tag = "invitations", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = PendingInvitationList),
        (status = 403, description = "`forbidden`: not a member", body = ErrorBody)))]
pub async fn of_room(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PendingInvitationList>, ApiError> {
    Ok(Json(PendingInvitationList {
        invitations: app.rooms.room_invitations(caller, RoomId(id)).await?,
    }))
}

/// Invite people to a group (admins and the owner); returns the invitations made.
/// Current members and people already invited are skipped.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/invitations", tag = "invitations", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = InviteRequest,
    responses((status = 200, body = PendingInvitationList),
        (status = 400, description = "`invalid_input`: no such user, the room would be over `--max-room-members`, or someone has `--max-pending-invitations`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not an admin, a direct room, or one of those named and I blocked the other", body = ErrorBody),
        (status = 429, description = "`rate_limited`: over `--invitations-per-hour`; see `Retry-After`", body = ErrorBody)))]
pub async fn invite(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<InviteRequest>,
) -> Result<Json<PendingInvitationList>, ApiError> {
    Ok(Json(PendingInvitationList {
        invitations: app
            .rooms
            .invite(caller, RoomId(id), &request.user_ids)
            .await?,
    }))
}

/// Withdraw an invitation: whoever made it, or an admin or the owner.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/invitations/{user_id}", tag = "invitations", security(("bearer" = [])),
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204, description = "Withdrawn"),
        (status = 403, description = "`forbidden`: not a member, or a plain member withdrawing someone else's invitation", body = ErrorBody),
        (status = 404, description = "`not_found`: no such invitation", body = ErrorBody)))]
pub async fn withdraw(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath((id, user)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app.rooms
        .withdraw_invitation(caller, RoomId(id), UserId(user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Everyone I blocked, most recent first.
#[utoipa::path(get, path = "/api/v1/blocks", tag = "invitations", security(("bearer" = [])),
    responses((status = 200, body = BlockList)))]
pub async fn blocked(
    State(app): State<AppState>,
    Auth(caller): Auth,
) -> Result<Json<BlockList>, ApiError> {
    Ok(Json(BlockList {
        blocked: app.rooms.blocked(caller).await?,
    }))
}

/// Block someone: they cannot invite me, open a direct room with me or write in ours,
/// and neither of us sees the other's presence. Pending invitations between us end.
#[utoipa::path(put, path = "/api/v1/blocks/{user_id}", tag = "invitations", security(("bearer" = [])),
    params(("user_id" = i64, Path)),
    responses((status = 204, description = "Blocked (also when they already were)"),
        (status = 400, description = "`invalid_input`: myself, or I blocked `--max-blocked-users` people", body = ErrorBody),
        (status = 404, description = "`not_found`: no such user", body = ErrorBody)))]
pub async fn block(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(user): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    app.rooms.block(caller, UserId(user)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unblock someone (also when they were not blocked).
#[utoipa::path(delete, path = "/api/v1/blocks/{user_id}", tag = "invitations", security(("bearer" = [])),
    params(("user_id" = i64, Path)),
    responses((status = 204, description = "Not blocked any more")))]
pub async fn unblock(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(user): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    app.rooms.unblock(caller, UserId(user)).await?;
    Ok(StatusCode::NO_CONTENT)
}
