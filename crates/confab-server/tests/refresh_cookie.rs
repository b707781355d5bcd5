//! The refresh token in an HttpOnly cookie, as the web client keeps it: set at
//! sign-in, rotated by refresh, refused without the opt-in header (CSRF), deleted at
//! sign-out; clients that do not ask keep it in the body.

mod common;

use common::{Backend, TestServer, signed_up};
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    sign_in_puts_the_refresh_token_in_an_http_only_cookie,
    refresh_rotates_the_cookie_and_a_spent_one_ends_the_session,
    the_cookie_alone_refreshes_nothing,
    sign_out_deletes_the_cookie,
);

const HEADER: &str = "x-confab-refresh";

/// The `confab_refresh` cookie a response sets: its value and its attributes.
fn set_cookie(response: &Response) -> Option<(String, String)> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("confab_refresh="))
        .map(|value| {
            let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
            let cookie = pair.trim_start_matches("confab_refresh=").to_owned();
            (cookie, attributes.to_owned())
        })
}

/// Signs in `username` asking for the cookie; returns the cookie's value and
/// attributes, and the body.
async fn sign_in_with_cookie(server: &TestServer, username: &str) -> (String, String, Value) {
    let (http, url) = server.raw("/api/v1/auth/signin");
    let response = http
        .post(url)
        .header(HEADER, "cookie")
        .json(&json!({ "username": username, "password": common::PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (cookie, attributes) = set_cookie(&response).expect("a confab_refresh cookie");
    (cookie, attributes, response.json().await.unwrap())
}

async fn refresh_with(server: &TestServer, cookie: &str, opt_in: bool) -> Response {
    let (http, url) = server.raw("/api/v1/auth/refresh");
    let mut request = http
        .post(url)
        .header(COOKIE, format!("theme=dark; confab_refresh={cookie}"))
        .json(&json!({}));
    if opt_in {
        request = request.header(HEADER, "cookie");
    }
    request.send().await.unwrap()
}

async fn error_code(response: Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["error"]["code"].as_str().unwrap().to_owned()
}

async fn sign_in_puts_the_refresh_token_in_an_http_only_cookie(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_alice, name) = signed_up(&server, "alice").await;
    let (cookie, attributes, body) = sign_in_with_cookie(&server, &name).await;
    assert!(cookie.len() >= 32, "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/auth"] {
        assert!(attributes.contains(attribute), "{attributes}");
    }
    // Plain HTTP, not behind a proxy that says HTTPS: a Secure cookie would be dropped.
    assert!(!attributes.contains("Secure"), "{attributes}");
    let max_age: i64 = attributes
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Max-Age="))
        .expect("Max-Age")
        .parse()
        .unwrap();
    assert!((29 * 86_400..=30 * 86_400).contains(&max_age), "{max_age}");
    assert!(body["tokens"].get("refresh_token").is_none(), "{body}");
    assert!(body["tokens"]["access_token"].is_string());

    // A client that does not ask keeps the token in the body, and gets no cookie.
    let (http, url) = server.raw("/api/v1/auth/signin");
    let response = http
        .post(url)
        .json(&json!({ "username": name, "password": common::PASSWORD }))
        .send()
        .await
        .unwrap();
    assert!(set_cookie(&response).is_none());
    let body: Value = response.json().await.unwrap();
    assert!(body["tokens"]["refresh_token"].is_string());
}

async fn refresh_rotates_the_cookie_and_a_spent_one_ends_the_session(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_bob, name) = signed_up(&server, "bob").await;
    let (first, _, _) = sign_in_with_cookie(&server, &name).await;

    let response = refresh_with(&server, &first, true).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (second, _) = set_cookie(&response).expect("the next cookie");
    assert_ne!(first, second);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("refresh_token").is_none() && body["access_token"].is_string());

    // The spent cookie again: reuse, the session is revoked and the cookie deleted.
    let reused = refresh_with(&server, &first, true).await;
    assert_eq!(reused.status(), StatusCode::UNAUTHORIZED);
    let (deleted, attributes) = set_cookie(&reused).expect("a deleting cookie");
    assert!(
        deleted.is_empty() && attributes.contains("Max-Age=0"),
        "{attributes}"
    );
    assert_eq!(error_code(reused).await, "refresh_token_reused");
    let after = refresh_with(&server, &second, true).await;
    assert_eq!(error_code(after).await, "session_revoked");
}

/// A request from another site's page can carry the cookie (were it not
/// `SameSite=Strict`) but not the header: without it the cookie is not read.
async fn the_cookie_alone_refreshes_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_carol, name) = signed_up(&server, "carol").await;
    let (cookie, _, _) = sign_in_with_cookie(&server, &name).await;
    let refused = refresh_with(&server, &cookie, false).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(set_cookie(&refused).is_none());
    assert_eq!(error_code(refused).await, "invalid_input");
    // The cookie was not spent.
    assert_eq!(
        refresh_with(&server, &cookie, true).await.status(),
        StatusCode::OK
    );
}

async fn sign_out_deletes_the_cookie(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_dave, name) = signed_up(&server, "dave").await;
    let (cookie, _, body) = sign_in_with_cookie(&server, &name).await;
    let access = body["tokens"]["access_token"].as_str().unwrap();
    let (http, url) = server.raw("/api/v1/auth/signout");
    let response = http
        .post(url)
        .bearer_auth(access)
        .header(HEADER, "cookie")
        .header(COOKIE, format!("confab_refresh={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (deleted, attributes) = set_cookie(&response).expect("a deleting cookie");
    assert!(
        deleted.is_empty() && attributes.contains("Max-Age=0"),
        "{attributes}"
    );
    let after = refresh_with(&server, &cookie, true).await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(after).await, "session_revoked");
}
