//! `/api/v1/users`: my profile, password change, and finding other people.

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery, Auth, Client};
use crate::app::AppState;
use crate::service::ServiceError;
use crate::service::validate::UserIdList;
use axum::Json;
use axum::extract::State;
use confab_proto::ErrorBody;
use confab_proto::auth::{ChangePasswordRequest, RevokedCount};
use confab_proto::two_factor::PasswordConfirmation;
use confab_proto::users::{PresenceList, Profile, UpdateProfileRequest, UserList};
use serde::Deserialize;

/// My profile.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Profile), (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn me(
    State(app): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(app.accounts.profile(principal.user_id).await?))
}

/// Change my display name and/or status; omitted fields stay as they are.
#[utoipa::path(patch, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])),
    request_body = UpdateProfileRequest,
    responses(
        (status = 200, description = "The updated profile", body = Profile),
        (status = 400, description = "`invalid_input` (see `field`)", body = ErrorBody),
    ))]
pub async fn update_me(
    State(app): State<AppState>,
    Auth(principal): Auth,
    ApiJson(request): ApiJson<UpdateProfileRequest>,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(
        app.accounts.update_profile(principal, &request).await?,
    ))
}

/// Change my password (or set the first one of an account made through an identity
/// provider). Every other session of mine is revoked.
#[utoipa::path(post, path = "/api/v1/users/me/password", tag = "users", security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "Changed; how many other sessions were revoked", body = RevokedCount),
        (status = 400, description = "`invalid_input` (wrong current password; for an account without a password, `current_password` must be empty) or `weak_password`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ))]
pub async fn change_password(
    State(app): State<AppState>,
    Auth(principal): Auth,
    Client(client): Client,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> Result<Json<RevokedCount>, ApiError> {
    let revoked = app
        .accounts
        .change_password(principal, &request, &client)
        .await?;
    Ok(Json(RevokedCount { revoked }))
}

/// Look someone up by exact username (any letter case), discoverable or not. Counts
/// against the caller's `--user-lookups-per-minute`.
#[utoipa::path(get, path = "/api/v1/users/{username}", tag = "users", security(("bearer" = [])),
    params(("username" = String, Path)),
    responses((status = 200, body = Profile), (status = 404, description = "No such user", body = ErrorBody),
        (status = 429, description = "`rate_limited`: over `--user-lookups-per-minute`; see `Retry-After`", body = ErrorBody)))]
pub async fn by_username(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(
        app.accounts
            .profile_by_username(caller.user_id, &username)
            .await?,
    ))
}

/// Query of [`search`]: either `prefix` (with `limit`) or `ids`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Start of the username (any letter case); at least one character.
    prefix: Option<String>,
    /// How many to return: 1-50, default 20.
    // Any value a u32 holds is taken (and clamped); the schema says so, not int32.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295_i64)]
    limit: Option<u32>,
    /// Comma-separated user ids (at most 200): their profiles, in that order.
    ids: Option<String>,
}

/// Find users whose username starts with a prefix, or get users by id. Both list
/// only the accounts the caller may find: discoverable ones, the caller, and anyone
/// who shares or shared a room with the caller. Each request counts against the
/// caller's `--user-lookups-per-minute`.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    params(SearchQuery),
    responses((status = 200, body = UserList), (status = 400, description = "`invalid_input`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: over `--user-lookups-per-minute`; see `Retry-After`", body = ErrorBody)))]
pub async fn search(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<UserList>, ApiError> {
    let users = match (query.prefix, query.ids) {
        (Some(prefix), None) => {
            app.accounts
                .search(caller.user_id, &prefix, query.limit)
                .await?
        }
        (None, Some(ids)) => {
            app.accounts
                .profiles(caller.user_id, &UserIdList::parse("ids", &ids)?)
                .await?
        }
        _ => {
            return Err(ServiceError::invalid("prefix", "give either prefix or ids").into());
        }
    };
    Ok(Json(UserList { users }))
}

/// Query of [`presence`].
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PresenceQuery {
    /// Comma-separated user ids, at most 200.
    user_ids: String,
}

/// Presence of people who share a room with me; others are left out.
#[utoipa::path(get, path = "/api/v1/presence", tag = "users", security(("bearer" = [])),
    params(PresenceQuery),
    responses((status = 200, body = PresenceList), (status = 400, description = "`invalid_input`", body = ErrorBody)))]
pub async fn presence(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(query): ApiQuery<PresenceQuery>,
) -> Result<Json<PresenceList>, ApiError> {
    let ids = UserIdList::parse("user_ids", &query.user_ids)?;
    Ok(Json(PresenceList {
        users: app.rooms.presence(caller, &ids).await?,
    }))
}

/// Remove my password: the account then signs in only with its linked identities.
#[utoipa::path(delete, path = "/api/v1/users/me/password", tag = "users", security(("bearer" = [])),
    request_body = PasswordConfirmation,
    responses(
        (status = 204, description = "Removed; password sign-in no longer works for this account"),
        (status = 400, description = "`invalid_input`: the password is wrong, or two-factor sign-in is on (turn it off first)", body = ErrorBody),
        (status = 409, description = "`last_sign_in_method`: the account has no other way to sign in", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ))]
pub async fn remove_password(
    State(app): State<AppState>,
    Auth(principal): Auth,
    Client(client): Client,
    ApiJson(request): ApiJson<PasswordConfirmation>,
) -> Result<axum::http::StatusCode, ApiError> {
    app.accounts
        .remove_password(principal, &request.password, &client)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
