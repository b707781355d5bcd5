//! The embedded web client: the built bundle of `web/` (see `build.rs`), served at `/`.
//!
//! This is the router's fallback, so it only sees paths no API route matched:
//! - `/api/...` keeps the API's JSON `not_found`, so a mistyped endpoint never gets HTML;
//! - a file of the bundle is served as is. Vite puts content-hashed files under
//!   `assets/`, which may be cached forever; everything else is revalidated;
//! - any other `GET` is a client-side route (`/rooms/12`): it gets `index.html`, with a
//!   strict Content-Security-Policy.
//!
//! The bundle is compiled into the binary (`debug-embed`, so debug builds behave like
//! release builds). A binary built without it (`CONFAB_SKIP_WEB_BUILD=1` and no
//! `web/dist`) still serves the API; every page then explains how to build the
//! client in (see [`WITHOUT_CLIENT`]), and the server warns at start.

use super::error::ApiError;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::Embed)]
#[folder = "../../web/dist/"]
#[allow_missing = true]
struct Bundle;

/// What every page says when the binary carries no web client.
pub(crate) const WITHOUT_CLIENT: &str = "\
Confab is running, but this binary was built without its web client.

The API works: it is at /api/v1, described by /api/v1/openapi.json.

To build the server with the web client, install Node.js 20.19 or later with npm,
make sure CONFAB_SKIP_WEB_BUILD is not set, and build again from the source tree:

    cargo run --release --bin confab -- serve

See docs/web.md.
";

/// Whether this binary carries the web client.
pub fn has_web_client() -> bool {
    Bundle::get("index.html").is_some()
}

/// Hashed file names: a new build gets new names, so a cached copy is never stale.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Everything else must be revalidated (cheaply, with the ETag) before each use.
const REVALIDATE: &str = "no-cache";

/// Serves a file of the bundle, or `index.html` for client-side routes.
pub(crate) async fn serve(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::not_found().into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return ApiError::method_not_allowed().into_response();
    }
    let file = path.trim_start_matches('/');
    if !file.is_empty() && file != "index.html" {
        if let Some(asset) = Bundle::get(file) {
            let cache = if file.starts_with("assets/") {
                IMMUTABLE
            } else {
                REVALIDATE
            };
            return respond(&asset, content_type(file), cache, &headers, None);
        }
        // A missing hashed file is a stale reference, not a page: answering it with
        // HTML would only produce a confusing script or style error.
        if file.starts_with("assets/") {
            return ApiError::not_found().into_response();
        }
    }
    match Bundle::get("index.html") {
        Some(index) => {
            let csp = content_security_policy(&headers);
            respond(
                &index,
                "text/html; charset=utf-8",
                REVALIDATE,
                &headers,
                Some(csp),
            )
        }
        None => without_client(),
    }
}

/// The page every client route gets when the binary has no web client: not an error
/// of the request, so `200`, but never cached, so that a rebuilt binary shows the
/// client at once.
fn without_client() -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        WITHOUT_CLIENT,
    )
        .into_response()
}

/// One embedded file, with its ETag (the content's SHA-256), or `304` if the client
/// already has it.
fn respond(
    file: &rust_embed::EmbeddedFile,
    content_type: &'static str,
    cache: &'static str,
    request: &HeaderMap,
    csp: Option<HeaderValue>,
) -> Response {
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            file.data.clone(),
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    if let Some(csp) = csp {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

/// The policy of the HTML page: only this origin's scripts and styles (no inline
/// code), and network access only to this origin, its WebSocket included.
///
/// `'self'` covers same-origin `ws:`/`wss:` in CSP level 3 browsers; older ones need
/// the WebSocket origin spelled out, which is taken from `Host` when it is a plain
/// host name (anything else is left out rather than echoed into the header).
fn content_security_policy(request: &HeaderMap) -> HeaderValue {
    let host = request
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        });
    let connect = match host {
        Some(host) => format!("'self' ws://{host} wss://{host}"),
        None => "'self'".to_owned(),
    };
    let policy = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
         font-src 'self'; connect-src {connect}; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"))
}

/// The media type of a bundle file, from its extension (Vite emits only these).
fn content_type(file: &str) -> &'static str {
    match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_names_the_websocket_origin_of_a_plain_host() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("chat.example:8080"));
        let csp = content_security_policy(&headers);
        let csp = csp.to_str().unwrap();
        assert!(csp.contains("connect-src 'self' ws://chat.example:8080 wss://chat.example:8080;"));
        assert!(csp.contains("script-src 'self';"));
        assert!(csp.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn policy_ignores_a_host_that_could_change_it() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("evil; script-src *"));
        let csp = content_security_policy(&headers);
        assert!(csp.to_str().unwrap().contains("connect-src 'self';"));
        assert!(!csp.to_str().unwrap().contains("evil"));
    }

    #[tokio::test]
    async fn without_the_client_pages_explain_how_to_build_it() {
        let response = without_client();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = std::str::from_utf8(&body).unwrap();
        assert!(body.contains("built without its web client"));
        assert!(body.contains("Node.js 20.19"));
        assert!(body.contains("CONFAB_SKIP_WEB_BUILD"));
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(
            content_type("assets/index-3f2a.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            content_type("assets/index-3f2a.css"),
            "text/css; charset=utf-8"
        );
        assert_eq!(content_type("favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }
}
