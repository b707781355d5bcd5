//! A message's link preview: its picture, for the room's members, and its removal
//! by the sender.

use super::error::ApiError;
use super::extract::{ApiPath, Auth};
use super::files::{FILE_CSP, insert, not_modified};
use crate::app::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use confab_proto::{ErrorBody, RoomId};

/// The picture of a message's link preview (scaled by the server, at most 640x640).
#[utoipa::path(get, path = "/api/v1/rooms/{id}/messages/{seq}/preview/image", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path), ("seq" = i64, Path)),
    responses((status = 200, description = "The picture (`image/jpeg` or `image/png`)", content_type = "image/*"),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 403, description = "`forbidden`: not a member", body = ErrorBody),
        (status = 404, description = "`not_found`: no such room or message, or its preview has no picture", body = ErrorBody)))]
pub async fn image(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let image = app
        .previews
        .image(&app.rooms, caller, RoomId(id), seq)
        .await?;
    let etag = format!("\"{}\"", image.sha256);
    let mut response = match not_modified(&headers, &etag) {
        Some(response) => response,
        None => {
            let length = image.read.range.end - image.read.range.start;
            let mut response = Body::from_stream(image.read.bytes).into_response();
            let headers = response.headers_mut();
            insert(headers, header::ETAG, &etag);
            insert(headers, header::CONTENT_TYPE, &image.content_type);
            insert(headers, header::CONTENT_LENGTH, &length.to_string());
            insert(headers, header::CONTENT_DISPOSITION, "inline");
            insert(headers, header::CONTENT_SECURITY_POLICY, FILE_CSP);
            response
        }
    };
    insert(
        response.headers_mut(),
        header::CACHE_CONTROL,
        "private, max-age=86400",
    );
    Ok(response)
}

/// Remove the link preview of my message, for good.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/messages/{seq}/preview", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path), ("seq" = i64, Path)),
    responses((status = 204, description = "Removed, or removed before"),
        (status = 403, description = "`forbidden`: not a member, or not my message", body = ErrorBody),
        (status = 404, description = "`not_found`: no such room or live message, or it has no link", body = ErrorBody)))]
pub async fn remove(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app.rooms.remove_preview(caller, RoomId(id), seq).await?;
    Ok(StatusCode::NO_CONTENT)
}
