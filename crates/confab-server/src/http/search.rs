//! Full-text search of my rooms' messages (`/api/v1/search`).

use super::error::ApiError;
use super::extract::{ApiQuery, Auth};
use crate::app::AppState;
use crate::clock::millis;
use crate::service::ServiceError;
use crate::service::search::SearchRequest;
use axum::Json;
use axum::extract::State;
use confab_proto::search::SearchResults;
use confab_proto::{ErrorBody, EventId, RoomId, UserId};
use serde::Deserialize;

/// Query of [`search`].
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// The words to find (each must occur, as any part of a word, in any letter case).
    q: String,
    /// Only this room.
    room_id: Option<i64>,
    /// Only messages from this user.
    sender_id: Option<i64>,
    /// Only messages with (`true`) or without (`false`) attachments.
    has_attachment: Option<bool>,
    /// Only messages sent at or after this time (RFC 3339).
    since: Option<String>,
    /// Only messages sent before this time (RFC 3339).
    until: Option<String>,
    /// Hits older than this event id (`next_before` of the last page).
    before: Option<i64>,
    /// Hits per page, 1-50, default 20.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295_i64)]
    limit: Option<u32>,
}

fn instant(field: &'static str, text: Option<&str>) -> Result<Option<i64>, ServiceError> {
    text.map(|text| {
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .map(millis)
            .map_err(|_| ServiceError::invalid(field, format!("{field} must be an RFC 3339 time")))
    })
    .transpose()
}

/// Messages of the rooms I am in now that contain every word of `q`, newest first,
/// with highlighted snippets. End-to-end encrypted rooms are never searched.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", security(("bearer" = [])),
    params(SearchQuery),
    responses((status = 200, body = SearchResults),
        (status = 400, description = "`invalid_input`: an empty query, one over `--max-search-chars` characters or `--max-search-words` words, a bad time or `limit`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: over `--searches-per-minute`; see `Retry-After`", body = ErrorBody)))]
pub async fn search(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    let request = SearchRequest {
        q: query.q,
        room: query.room_id.map(RoomId),
        sender: query.sender_id.map(UserId),
        has_attachment: query.has_attachment,
        since: instant("since", query.since.as_deref())?,
        until: instant("until", query.until.as_deref())?,
        before: query.before.map(EventId),
        limit: query.limit,
    };
    Ok(Json(app.search.search(caller, request).await?))
}
