//! The plain-HTTP listener of `--http-redirect-listen`: every request is sent to the
//! same host and path over HTTPS with `308 Permanent Redirect` (which, unlike 301,
//! keeps the method and body). With ACME, it also answers the authority's HTTP-01
//! validations under `/.well-known/acme-challenge/`.

use super::error::ApiError;
use axum::Router;
use axum::extract::{Path, Request};
use axum::http::uri::Authority;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use confab_proto::ErrorCode;
use std::sync::Arc;

/// The answer to an ACME HTTP-01 validation: the key authorization for a challenge
/// token, while that challenge is pending.
pub type Http01 = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The router of the redirecting listener; `https_port` is the port HTTPS is served
/// on (left out of the address when it is 443). With `http01`, the ACME validations
/// (RFC 8555 section 8.3) are answered instead of redirected.
pub fn to_https(https_port: u16, http01: Option<Http01>) -> Router {
    let router = Router::new()
        .fallback(move |request: Request| async move { redirect(&request, https_port) });
    match http01 {
        None => router,
        Some(http01) => router.route(
            "/.well-known/acme-challenge/{token}",
            axum::routing::get(move |Path(token): Path<String>| async move {
                challenge(&http01, &token)
            }),
        ),
    }
}

fn challenge(http01: &Http01, token: &str) -> Response {
    match http01(token) {
        Some(key_authorization) => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            key_authorization,
        )
            .into_response(),
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "no ACME challenge is pending with this token",
        )
        .into_response(),
    }
}

fn redirect(request: &Request, https_port: u16) -> Response {
    // HTTP/1.1 names the host in `Host`; HTTP/2 and absolute-form requests in the URI.
    let authority = request.uri().authority().cloned().or_else(|| {
        request
            .headers()
            .get(header::HOST)
            .and_then(|host| Authority::try_from(host.as_bytes()).ok())
    });
    let Some(authority) = authority else {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidInput,
            "this address serves only redirects to HTTPS, and the request names no host",
        )
        .into_response();
    };
    let port = match https_port {
        443 => String::new(),
        port => format!(":{port}"),
    };
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |path| path.as_str());
    let location = format!("https://{}{port}{path}", authority.host());
    match HeaderValue::try_from(location) {
        Ok(location) => (
            StatusCode::PERMANENT_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response(),
        Err(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidInput,
            "the request's host or path cannot be redirected",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn location(uri: &str, host: Option<&str>, https_port: u16) -> (StatusCode, Option<String>) {
        let mut request = Request::builder().uri(uri);
        if let Some(host) = host {
            request = request.header(header::HOST, host);
        }
        let response = redirect(&request.body(Body::empty()).unwrap(), https_port);
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|value| value.to_str().unwrap().to_owned());
        (response.status(), location)
    }

    #[test]
    fn the_same_host_and_path_over_https() {
        assert_eq!(
            location("/rooms/1?x=2", Some("chat.example.org"), 443),
            (
                StatusCode::PERMANENT_REDIRECT,
                Some("https://chat.example.org/rooms/1?x=2".to_owned())
            )
        );
        assert_eq!(
            location("/", Some("chat.example.org:80"), 8443)
                .1
                .as_deref(),
            Some("https://chat.example.org:8443/")
        );
        assert_eq!(
            location("/a", Some("[::1]:80"), 443).1.as_deref(),
            Some("https://[::1]/a")
        );
        assert_eq!(
            location("http://chat.example.org/b", None, 443)
                .1
                .as_deref(),
            Some("https://chat.example.org/b")
        );
    }

    #[tokio::test]
    async fn acme_challenges_are_answered_and_the_rest_redirected() {
        use tower::ServiceExt as _;
        let http01: Http01 =
            Arc::new(|token: &str| (token == "t0k").then(|| "t0k.thumb".to_owned()));
        let router = to_https(443, Some(http01));
        let get = |uri: &str| {
            Request::builder()
                .uri(uri)
                .header(header::HOST, "chat.example.org")
                .body(Body::empty())
                .unwrap()
        };
        let answer = router
            .clone()
            .oneshot(get("/.well-known/acme-challenge/t0k"))
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        let body = axum::body::to_bytes(answer.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(&body[..], b"t0k.thumb");
        let unknown = router
            .clone()
            .oneshot(get("/.well-known/acme-challenge/other"))
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        let other = router.oneshot(get("/rooms")).await.unwrap();
        assert_eq!(other.status(), StatusCode::PERMANENT_REDIRECT);
    }

    #[test]
    fn no_host_is_a_clear_error() {
        assert_eq!(location("/", None, 443), (StatusCode::BAD_REQUEST, None));
        assert_eq!(
            location("/", Some("not a host"), 443),
            (StatusCode::BAD_REQUEST, None)
        );
    }
}
