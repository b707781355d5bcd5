//! `/api/v1/files`: uploading (the body is the file, streamed, with its own size
//! limit) and downloading (members only; ranges, entity tags, and headers that keep
//! a browser from running what it downloads); and a room's files.

use super::error::ApiError;
use super::extract::{ApiPath, ApiQuery, Auth};
use crate::app::AppState;
use crate::service::ServiceError;
use crate::service::files::{ByteRange, Download, Upload, media};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use confab_proto::files::{FileInfo, SharedFilePage};
use confab_proto::{ErrorBody, RoomId};
use serde::Deserialize;

/// What files are served with: nothing in them may run, load or be framed.
pub(super) const FILE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// Query of [`upload`].
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name, 1-255 characters, one line.
    name: String,
    /// Idempotency key, 1-64 bytes: uploading again with it returns the first file.
    client_id: String,
    /// The bytes are encrypted by the client (for an end-to-end encrypted room): they
    /// are not inspected, the file's type is `application/vnd.confab.encrypted` and its
    /// name `encrypted` (the real ones travel inside the encrypted message).
    #[serde(default)]
    encrypted: bool,
}

/// Upload a file: the request body is its bytes (any `Content-Type`; what the file
/// is, is found from its bytes). At most `--max-upload-bytes`.
#[utoipa::path(post, path = "/api/v1/files", tag = "files", security(("bearer" = [])), params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes"),
    responses((status = 201, description = "Stored", body = FileInfo),
        (status = 200, description = "A retry with the same `client_id`: the first file, nothing stored", body = FileInfo),
        (status = 400, description = "`invalid_input`: `name`, `client_id`, or `file` (an image too large in pixels or unreadable, or an interrupted upload)", body = ErrorBody),
        (status = 413, description = "`payload_too_large` (over `--max-upload-bytes`) or `quota_exceeded` (over `--storage-quota-bytes`); nothing is kept", body = ErrorBody)))]
pub async fn upload(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(query): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<FileInfo>), ApiError> {
    let declared_size = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let upload = Upload {
        name: &query.name,
        client_id: &query.client_id,
        declared_size,
        encrypted: query.encrypted,
    };
    let (file, created) = app
        .files
        .upload(caller, upload, body.into_data_stream())
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(file.attachment().into())))
}

/// Download a file: its uploader, and members of a room where a message carries it.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = String, Path), ("Range" = Option<String>, Header, description = "`bytes=FIRST-LAST`, `bytes=FIRST-` or `bytes=-COUNT`"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of an earlier download")),
    responses((status = 200, description = "The bytes, with the sniffed `Content-Type` (any type)", content_type = "*/*", body = Vec<u8>),
        (status = 206, description = "The requested range, with the sniffed `Content-Type` (any type)", content_type = "*/*", body = Vec<u8>),
        (status = 304, description = "Unchanged since the `ETag` given"),
        (status = 404, description = "`not_found`: no such file, or the caller may not see it", body = ErrorBody),
        (status = 416, description = "`range_not_satisfiable`", body = ErrorBody)))]
pub async fn download(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    serve(&app, caller, &id, false, &headers).await
}

/// Download an image's thumbnail (at most 320 pixels on its longer side).
#[utoipa::path(get, path = "/api/v1/files/{id}/thumbnail", tag = "files", security(("bearer" = [])),
    params(("id" = String, Path), ("Range" = Option<String>, Header), ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, description = "The thumbnail (`image/jpeg` or `image/png`)", content_type = "*/*", body = Vec<u8>),
        (status = 206, description = "The requested range, with the sniffed `Content-Type` (any type)", content_type = "*/*", body = Vec<u8>),
        (status = 304, description = "Unchanged since the `ETag` given"),
        (status = 404, description = "`not_found`: no such file, it has no thumbnail, or the caller may not see it", body = ErrorBody),
        (status = 416, description = "`range_not_satisfiable`", body = ErrorBody)))]
pub async fn thumbnail(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    serve(&app, caller, &id, true, &headers).await
}

async fn serve(
    app: &AppState,
    caller: crate::service::accounts::tokens::Principal,
    id: &str,
    thumbnail: bool,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_range);
    let download = match app.files.download(caller, id, thumbnail, range).await {
        Err(ServiceError::RangeNotSatisfiable { size }) => {
            let mut response =
                ApiError::from(ServiceError::RangeNotSatisfiable { size }).into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(response);
        }
        other => other?,
    };
    let etag = format!("\"{}\"", download.sha256);
    if let Some(response) = not_modified(headers, &etag) {
        return Ok(response);
    }
    Ok(file_response(download, etag, range.is_some()))
}

/// The `304 Not Modified` answer (with the tag) when the request's `If-None-Match`
/// names `etag`, the entity tag of a blob (`"<sha256>"`).
pub(super) fn not_modified(headers: &HeaderMap, etag: &str) -> Option<Response> {
    let named = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|value| value.as_bytes() == etag.as_bytes());
    named.then(|| {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        insert(response.headers_mut(), header::ETAG, etag);
        response
    })
}

fn file_response(download: Download, etag: String, partial: bool) -> Response {
    let Download {
        file,
        content_type,
        read,
        ..
    } = download;
    let length = read.range.end - read.range.start;
    let status = if partial {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut response = (status, Body::from_stream(read.bytes)).into_response();
    let headers = response.headers_mut();
    insert(headers, header::CONTENT_TYPE, &content_type);
    insert(headers, header::CONTENT_LENGTH, &length.to_string());
    insert(headers, header::ACCEPT_RANGES, "bytes");
    insert(headers, header::ETAG, &etag);
    insert(
        headers,
        header::CACHE_CONTROL,
        "private, max-age=31536000, immutable",
    );
    insert(headers, header::CONTENT_SECURITY_POLICY, FILE_CSP);
    let disposition = if media::inline_safe(&content_type) {
        "inline"
    } else {
        "attachment"
    };
    insert(
        headers,
        header::CONTENT_DISPOSITION,
        &format!(
            "{disposition}; filename*=UTF-8''{}",
            percent_encode(&file.name)
        ),
    );
    if partial {
        insert(
            headers,
            header::CONTENT_RANGE,
            &format!(
                "bytes {}-{}/{}",
                read.range.start,
                read.range.end - 1,
                read.size
            ),
        );
    }
    response
}

pub(super) fn insert(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// A single range of `Range: bytes=...`; anything else (several ranges, other
/// units, nonsense) is ignored and the whole file is sent, as RFC 9110 allows.
fn parse_range(value: &str) -> Option<ByteRange> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        return Some(ByteRange::Suffix(last.parse().ok()?));
    }
    let first: u64 = first.parse().ok()?;
    if last.is_empty() {
        return Some(ByteRange::From(first, None));
    }
    let last: u64 = last.parse().ok()?;
    (last >= first).then_some(ByteRange::From(first, Some(last)))
}

/// RFC 5987 encoding of a file name for `Content-Disposition`.
fn percent_encode(name: &str) -> String {
    let mut encoded = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Query of [`room_files`].
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomFilesQuery {
    /// Files of messages before this sequence number (`next_before` of the last page).
    #[param(minimum = 0)]
    before: Option<i64>,
    /// Messages per page, 1-100, default 20.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295_i64)]
    limit: Option<u32>,
}

/// The files shared in a room, newest first (members).
#[utoipa::path(get, path = "/api/v1/rooms/{id}/files", tag = "files", security(("bearer" = [])),
    params(("id" = i64, Path), RoomFilesQuery),
    responses(
        (status = 200, body = SharedFilePage),
        (status = 400, description = "`invalid_input`: `before` is negative", body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn room_files(
    State(app): State<AppState>,
    Auth(caller): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<RoomFilesQuery>,
) -> Result<Json<SharedFilePage>, ApiError> {
    Ok(Json(
        app.rooms
            .room_files(caller, RoomId(id), query.before, query.limit)
            .await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_ranges_are_read_and_the_rest_ignored() {
        assert_eq!(parse_range("bytes=0-9"), Some(ByteRange::From(0, Some(9))));
        assert_eq!(parse_range("bytes=5-"), Some(ByteRange::From(5, None)));
        assert_eq!(parse_range("bytes=-3"), Some(ByteRange::Suffix(3)));
        for ignored in ["bytes=0-1,4-5", "items=0-1", "bytes=9-2", "bytes=x-", "0-1"] {
            assert_eq!(parse_range(ignored), None, "{ignored}");
        }
    }

    #[test]
    fn file_names_are_encoded_for_the_disposition_header() {
        assert_eq!(percent_encode("a b\"é.txt"), "a%20b%22%C3%A9.txt");
    }
}
