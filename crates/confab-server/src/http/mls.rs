//! End-to-end encryption (MLS): device keys and key packages (`/api/v1/mls/*`), a
//! user's devices, and each encrypted room's group (`/api/v1/rooms/{id}/mls*`). The
//! rules are in `service::mls`.

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use confab_proto::ErrorBody;
use confab_proto::events::RoomEvent;
use confab_proto::mls::{
    ClaimKeyPackages, ClaimedKeyPackages, CommitList, GroupState, KeyPackageStock, MlsDevice,
    MlsDeviceList, RegisterDevice, SubmitCommit, UploadKeyPackages, WelcomeList,
};
use confab_proto::{RoomId, UserId};
use serde::Deserialize;

/// Register this device's MLS signature public key. Once per device session; the
/// same key again is accepted, another is refused.
#[utoipa::path(put, path = "/api/v1/mls/device", tag = "mls", security(("bearer" = [])),
    request_body = RegisterDevice,
    responses(
        (status = 200, description = "The device as others see it", body = MlsDevice),
        (status = 400, description = "`invalid_input` about `signature_key`: not 32 bytes of base64, or this device registered another key", body = ErrorBody),
        (status = 401, body = ErrorBody),
    ))]
pub async fn register_device(
    State(app): State<AppState>,
    Auth(principal): Auth,
    ApiJson(request): ApiJson<RegisterDevice>,
) -> Result<Json<MlsDevice>, ApiError> {
    Ok(Json(app.mls.register_device(principal, &request).await?))
}

/// A user's devices that can take part in encrypted rooms, with their keys: my own,
/// or those of someone I share a room with.
#[utoipa::path(get, path = "/api/v1/users/{user_id}/devices", tag = "mls", security(("bearer" = [])),
    params(("user_id" = i64, Path)),
    responses(
        (status = 200, body = MlsDeviceList),
        (status = 403, description = "`forbidden`: we share no room", body = ErrorBody),
    ))]
pub async fn devices(
    State(app): State<AppState>,
    Auth(principal): Auth,
    ApiPath(user): ApiPath<UserId>,
) -> Result<Json<MlsDeviceList>, ApiError> {
    Ok(Json(app.mls.devices(principal, user).await?))
}

/// How many key packages this device has on the server.
#[utoipa::path(get, path = "/api/v1/mls/key-packages", tag = "mls", security(("bearer" = [])),
    responses((status = 200, body = KeyPackageStock), (status = 401, body = ErrorBody)))]
pub async fn stock(
    State(app): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<KeyPackageStock>, ApiError> {
    Ok(Json(app.mls.stock(principal).await?))
}

/// Upload key packages of this device: one-time ones and, optionally, a last-resort
/// one. Each must use ciphersuite 1 and carry this device's credential and
/// registered key.
#[utoipa::path(post, path = "/api/v1/mls/key-packages", tag = "mls", security(("bearer" = [])),
    request_body = UploadKeyPackages,
    responses(
        (status = 200, description = "The stock after the upload", body = KeyPackageStock),
        (status = 400, description = "`invalid_input` about `key_packages` or `last_resort`: not a key package of this device, or more than `--mls-max-key-packages` in stock", body = ErrorBody),
        (status = 403, description = "`mls_not_in_group`: this device registered no key", body = ErrorBody),
    ))]
pub async fn upload(
    State(app): State<AppState>,
    Auth(principal): Auth,
    ApiJson(request): ApiJson<UploadKeyPackages>,
) -> Result<Json<KeyPackageStock>, ApiError> {
    Ok(Json(app.mls.upload(principal, &request).await?))
}

/// Claim one key package of each device of these users (to add them to a group).
/// One-time key packages are handed out once; a device that has none left gives
/// its last-resort one. Devices short of key packages are told
/// (`mls_key_packages_low`).
#[utoipa::path(post, path = "/api/v1/mls/key-packages/claim", tag = "mls", security(("bearer" = [])),
    request_body = ClaimKeyPackages,
    responses(
        (status = 200, body = ClaimedKeyPackages),
        (status = 400, description = "`invalid_input` about `user_ids`: none or more than 100", body = ErrorBody),
        (status = 403, description = "`forbidden`: a user who shares no room with me", body = ErrorBody),
    ))]
pub async fn claim(
    State(app): State<AppState>,
    Auth(principal): Auth,
    ApiJson(request): ApiJson<ClaimKeyPackages>,
) -> Result<Json<ClaimedKeyPackages>, ApiError> {
    Ok(Json(app.mls.claim(principal, &request).await?))
}

/// The room's MLS group as the server orders it: epoch, leaves, and the devices to
/// add and to remove.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/mls", tag = "mls", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = GroupState),
        (status = 400, description = "`invalid_input`: the room is not encrypted", body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn group(
    State(app): State<AppState>,
    Auth(principal): Auth,
    ApiPath(room): ApiPath<RoomId>,
) -> Result<Json<GroupState>, ApiError> {
    Ok(Json(app.mls.group(principal, room).await?))
}

/// Create the room's MLS group: epoch 0, with this device as leaf 0. The device
/// made the group locally with the room's group id.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/mls", tag = "mls", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 201, body = GroupState),
        (status = 400, description = "`invalid_input`: the room is not encrypted", body = ErrorBody),
        (status = 403, description = "`forbidden` (not a member) or `mls_not_in_group` (this device registered no key)", body = ErrorBody),
        (status = 409, description = "`mls_group_exists`", body = ErrorBody),
    ))]
pub async fn create_group(
    State(app): State<AppState>,
    Auth(principal): Auth,
    ApiPath(room): ApiPath<RoomId>,
) -> Result<(StatusCode, Json<GroupState>), ApiError> {
    let group = app.mls.create_group(principal, room).await?;
    Ok((StatusCode::CREATED, Json(group)))
}

/// Query of [`commits`].
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommitsQuery {
    /// The commits that started the epochs after this one (default 0: all).
    #[param(minimum = 0)]
    after_epoch: Option<i64>,
}

/// The room's commits after an epoch, oldest first, at most 100: how a device that
/// was away catches up. Page on with the last commit's `epoch`.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/mls/commits", tag = "mls", security(("bearer" = [])),
    params(("id" = i64, Path), CommitsQuery),
    responses(
        (status = 200, body = CommitList),
        (status = 400, description = "`invalid_input`: the room is not encrypted, or `after_epoch` is negative", body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn commits(
    State(app): State<AppState>,
    Auth(principal): Auth,
    ApiPath(room): ApiPath<RoomId>,
    ApiQuery(query): ApiQuery<CommitsQuery>,
) -> Result<Json<CommitList>, ApiError> {
    let after = query.after_epoch.unwrap_or(0);
    if after < 0 {
        return Err(
            crate::service::ServiceError::invalid("after_epoch", "must be 0 or more").into(),
        );
    }
    Ok(Json(app.mls.commits(principal, room, after).await?))
}

/// Submit a commit of the room's group, made in its current epoch by this device.
/// The first commit for an epoch wins; it is stored as an `mls_commit` event and
/// the Welcome kept for each added device.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/mls/commits", tag = "mls", security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = SubmitCommit,
    responses(
        (status = 201, description = "The `mls_commit` event", body = RoomEvent),
        (status = 400, description = "`invalid_input` about `commit` or `welcome`: not a PublicMessage commit of this group by this device; proposals other than Add and Remove, or by reference; an added device that is not a live, registered device of a current member; a removed leaf of a current member's live device (not the sender's own); a Welcome missing or unexpected", body = ErrorBody),
        (status = 403, description = "`forbidden` (not a member) or `mls_not_in_group` (this device has no leaf or no key)", body = ErrorBody),
        (status = 404, description = "`not_found`: the group was not created yet", body = ErrorBody),
        (status = 409, description = "`mls_epoch_stale`: another commit moved the group first; process it and commit again. `mls_removal_pending`: it adds devices while leaves are due for removal; remove them first", body = ErrorBody),
    ))]
pub async fn submit_commit(
    State(app): State<AppState>,
    Auth(principal): Auth,
    ApiPath(room): ApiPath<RoomId>,
    ApiJson(request): ApiJson<SubmitCommit>,
) -> Result<(StatusCode, Json<RoomEvent>), ApiError> {
    let event = app.mls.commit(principal, room, &request).await?;
    Ok((StatusCode::CREATED, Json(event)))
}

/// This device's Welcomes: one per group it was added to and has not joined yet.
#[utoipa::path(get, path = "/api/v1/mls/welcomes", tag = "mls", security(("bearer" = [])),
    responses((status = 200, body = WelcomeList), (status = 401, body = ErrorBody)))]
pub async fn welcomes(
    State(app): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<WelcomeList>, ApiError> {
    Ok(Json(app.mls.welcomes(principal).await?))
}

/// Delete a Welcome once this device joined the group with it: it is delivered once.
#[utoipa::path(delete, path = "/api/v1/mls/welcomes/{id}", tag = "mls", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such Welcome for this device", body = ErrorBody),
    ))]
pub async fn take_welcome(
    State(app): State<AppState>,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    app.mls.take_welcome(principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
