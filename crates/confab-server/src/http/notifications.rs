//! Notifications (`/api/v1/notifications`), room notification levels, and Web Push
//! subscriptions (`/api/v1/push`).

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::app::AppState;
use crate::clock::now_millis;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use confab_proto::notifications::{
    MarkNotificationsReadRequest, NotificationCount, NotificationPage, NotificationSettings,
    PushKey, PushSubscription, PushSubscriptionList, PushSubscriptionRequest,
    RoomNotificationLevel, SetNotificationSettingsRequest,
};
use confab_proto::{ErrorBody, RoomId};
use serde::Deserialize;

/// Query of [`list`].
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Notifications with ids below this (`next_before` of the last page).
    before: Option<i64>,
    /// Notifications per page, 1-100, default 50.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295_i64)]
    limit: Option<u32>,
    /// Only unread ones.
    unread: Option<bool>,
}

/// My notifications, newest first, with the unread count.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = NotificationPage),
        (status = 400, description = "`invalid_input`: `limit` out of range", body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<NotificationPage>, ApiError> {
    Ok(Json(
        app.notifications
            .list(
                caller,
                query.before,
                query.limit,
                query.unread.unwrap_or(false),
            )
            .await?,
    ))
}

/// Marks my notifications read: `ids`, or all up to `up_to`, or all of them. My
/// other devices get a `notifications_read` frame.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", security(("bearer" = [])),
    request_body = MarkNotificationsReadRequest,
    responses((status = 200, body = NotificationCount),
        (status = 400, description = "`invalid_input`: both `ids` and `up_to`, or more than 500 ids", body = ErrorBody)))]
pub async fn mark_read(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiJson(request): ApiJson<MarkNotificationsReadRequest>,
) -> Result<Json<NotificationCount>, ApiError> {
    Ok(Json(
        app.notifications
            .mark_read(caller, request, now_millis())
            .await?,
    ))
}

/// My do-not-disturb and reaction settings.
#[utoipa::path(get, path = "/api/v1/notifications/settings", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = NotificationSettings)))]
pub async fn settings(
    State(app): State<AppState>,
    Auth(caller): Auth,
) -> Result<Json<NotificationSettings>, ApiError> {
    Ok(Json(
        app.notifications.settings(caller, now_millis()).await?,
    ))
}

/// Replaces my do-not-disturb and reaction settings.
#[utoipa::path(put, path = "/api/v1/notifications/settings", tag = "notifications", security(("bearer" = [])),
    request_body = SetNotificationSettingsRequest,
    responses((status = 200, body = NotificationSettings),
        (status = 400, description = "`invalid_input`: a time that is not `HH:MM`, an unknown time zone, a day outside 0-6, or quiet hours that end when they start", body = ErrorBody)))]
pub async fn set_settings(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiJson(settings): ApiJson<SetNotificationSettingsRequest>,
) -> Result<Json<NotificationSettings>, ApiError> {
    Ok(Json(
        app.notifications
            .set_settings(caller, settings, now_millis())
            .await?,
    ))
}

/// When room `id` notifies me.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/notification-level", tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = RoomNotificationLevel),
        (status = 404, description = "`not_found`: no such room, or I am not a member", body = ErrorBody)))]
pub async fn room_level(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RoomNotificationLevel>, ApiError> {
    Ok(Json(
        app.notifications.room_level(caller, RoomId(id)).await?,
    ))
}

/// Sets when room `id` notifies me (`"default": true` goes back to the default).
#[utoipa::path(put, path = "/api/v1/rooms/{id}/notification-level", tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = RoomNotificationLevel,
    responses((status = 200, body = RoomNotificationLevel),
        (status = 404, description = "`not_found`: no such room, or I am not a member", body = ErrorBody)))]
pub async fn set_room_level(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<RoomNotificationLevel>,
) -> Result<Json<RoomNotificationLevel>, ApiError> {
    Ok(Json(
        app.notifications
            .set_room_level(caller, RoomId(id), request)
            .await?,
    ))
}

/// The server's VAPID public key: the `applicationServerKey` to subscribe with.
#[utoipa::path(get, path = "/api/v1/push/key", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = PushKey)))]
pub async fn push_key(State(app): State<AppState>, Auth(_caller): Auth) -> Json<PushKey> {
    Json(app.notifications.push_key())
}

/// The push subscriptions of my devices.
#[utoipa::path(get, path = "/api/v1/push/subscriptions", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = PushSubscriptionList)))]
pub async fn subscriptions(
    State(app): State<AppState>,
    Auth(caller): Auth,
) -> Result<Json<PushSubscriptionList>, ApiError> {
    Ok(Json(app.notifications.subscriptions(caller).await?))
}

/// Registers this device's push subscription (`PushSubscription.toJSON()`). It is
/// bound to this device session and ends with it.
#[utoipa::path(post, path = "/api/v1/push/subscriptions", tag = "notifications", security(("bearer" = [])),
    request_body = PushSubscriptionRequest,
    responses((status = 201, body = PushSubscription),
        (status = 400, description = "`invalid_input`: the endpoint is not an `https://` URL on a public host, or the keys are not a P-256 key and a 16-byte secret", body = ErrorBody),
        (status = 413, description = "`quota_exceeded`: I have `--max-push-subscriptions` already", body = ErrorBody)))]
pub async fn subscribe(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiJson(request): ApiJson<PushSubscriptionRequest>,
) -> Result<(StatusCode, Json<PushSubscription>), ApiError> {
    let subscription = app
        .notifications
        .subscribe(caller, request, now_millis())
        .await?;
    Ok((StatusCode::CREATED, Json(subscription)))
}

/// Removes one of my push subscriptions.
#[utoipa::path(delete, path = "/api/v1/push/subscriptions/{id}", tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204, description = "Removed"),
        (status = 404, description = "`not_found`: I have no such subscription", body = ErrorBody)))]
pub async fn unsubscribe(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    app.notifications.unsubscribe(caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
