//! Accounts, sessions and profiles, driven over HTTP against a real `confab serve`
//! on SQLite and on PostgreSQL.

mod common;

use common::{Backend, PASSWORD, TestServer, code, signed_up, unique_username};
use confab_client::ClientError;
use confab_client::proto::ErrorCode;
use confab_client::proto::UserId;
use confab_client::proto::auth::SignUpRequest;
use confab_client::proto::users::UpdateProfileRequest;
use reqwest::StatusCode;
use std::time::Duration;

on_both_backends!(
    sign_up_sign_in_and_list_sessions,
    usernames_are_unique_regardless_of_case,
    sign_up_validates_its_fields,
    wrong_password_and_unknown_user_are_rejected_alike,
    expired_access_token_is_refreshed,
    reusing_a_rotated_refresh_token_revokes_the_session,
    sessions_can_be_revoked_one_or_all_others,
    password_change_revokes_other_sessions,
    repeated_sign_in_failures_are_throttled,
    sign_ups_per_address_are_limited,
    profiles_can_be_updated_looked_up_and_searched,
    requests_without_valid_credentials_are_rejected,
    bad_bodies_get_clear_errors_and_the_server_keeps_serving,
    accounts_and_sessions_survive_a_restart,
    operational_endpoints_answer,
);

async fn sign_up_sign_in_and_list_sessions(backend: Backend) {
    let server = TestServer::start(backend).await;
    let laptop = server.client();
    let username = unique_username("Carol");
    let signed_up = laptop
        .sign_up(&username, PASSWORD, Some("Laptop"))
        .await
        .unwrap();
    assert_eq!(signed_up.user.username, username);
    assert_eq!(signed_up.user.display_name, username);
    assert_eq!(laptop.me().await.unwrap().id, signed_up.user.id);

    let phone = server.client();
    let signed_in = phone
        .sign_in(&username.to_lowercase(), PASSWORD, Some("Phone"))
        .await
        .unwrap();
    assert_eq!(signed_in.user.id, signed_up.user.id);
    assert_ne!(signed_in.tokens.session_id, signed_up.tokens.session_id);

    let sessions = phone.sessions().await.unwrap();
    assert_eq!(sessions.len(), 2);
    let current: Vec<_> = sessions.iter().filter(|s| s.current).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].device_name, "Phone");
    assert_eq!(current[0].ip.as_deref(), Some("127.0.0.1"));
    assert!(
        sessions
            .iter()
            .any(|s| s.device_name == "Laptop" && !s.current)
    );

    phone.sign_out().await.unwrap();
    assert_eq!(laptop.sessions().await.unwrap().len(), 1);
}

async fn usernames_are_unique_regardless_of_case(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, username) = signed_up(&server, "Dave").await;
    let again = server
        .client()
        .sign_up(&username.to_uppercase(), PASSWORD, None)
        .await;
    let error = again.expect_err("duplicate must fail");
    assert_eq!(error.code(), Some(ErrorCode::UsernameTaken));
    assert_eq!(error.status(), Some(StatusCode::CONFLICT));
}

async fn sign_up_validates_its_fields(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.client();
    for bad_username in [
        "ab",
        "has space",
        "_leading",
        "x".repeat(33).as_str(),
        "admin",
    ] {
        let error = client
            .sign_up(bad_username, PASSWORD, None)
            .await
            .expect_err(bad_username);
        assert_eq!(
            error.code(),
            Some(ErrorCode::InvalidInput),
            "{bad_username}"
        );
        assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
    }
    let name = unique_username("erin");
    for weak in ["short", "password123", "qwertyuiop", name.as_str()] {
        let error = client.sign_up(&name, weak, None).await.expect_err(weak);
        assert_eq!(error.code(), Some(ErrorCode::WeakPassword), "{weak}");
    }
    let long_display_name = SignUpRequest {
        username: name.clone(),
        password: PASSWORD.to_owned(),
        display_name: Some("d".repeat(65)),
        device_name: None,
    };
    match client.sign_up_with(&long_display_name).await {
        Err(ClientError::Api { detail, .. }) => {
            assert_eq!(detail.code, ErrorCode::InvalidInput);
            assert_eq!(detail.field.as_deref(), Some("display_name"));
        }
        other => panic!("expected invalid display name, got {other:?}"),
    }
    // None of the failed attempts created the account.
    client
        .sign_up(&name, PASSWORD, None)
        .await
        .expect("name still free");
}

async fn wrong_password_and_unknown_user_are_rejected_alike(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, username) = signed_up(&server, "frank").await;
    let client = server.client();
    let wrong = client
        .sign_in(&username, "not the right password", None)
        .await;
    assert_eq!(code(wrong), ErrorCode::InvalidCredentials);
    let unknown = client.sign_in("nobody-here", PASSWORD, None).await;
    assert_eq!(code(unknown), ErrorCode::InvalidCredentials);
    assert!(client.tokens().await.is_none());
}

async fn expired_access_token_is_refreshed(backend: Backend) {
    // Long enough that a fresh token outlives the request after it on a busy
    // machine; expired ones are simply waited out.
    let server = TestServer::start_with(backend, &["--access-token-ttl", "3s"]).await;
    let (client, _) = signed_up(&server, "grace").await;
    client.set_auto_refresh(false);
    let before = client.tokens().await.unwrap();
    tokio::time::sleep(Duration::from_millis(4100)).await;
    assert_eq!(code(client.me().await), ErrorCode::TokenExpired);

    let after = client.refresh().await.unwrap();
    assert_eq!(after.session_id, before.session_id);
    assert_ne!(after.refresh_token, before.refresh_token);
    assert!(after.refresh_token_expires_at >= before.refresh_token_expires_at);
    client.me().await.expect("fresh access token works");

    // With auto-refresh on, the client recovers from expiry by itself.
    client.set_auto_refresh(true);
    tokio::time::sleep(Duration::from_millis(4100)).await;
    client.me().await.expect("auto refresh");
    assert_ne!(
        client.tokens().await.unwrap().refresh_token,
        after.refresh_token
    );
}

async fn reusing_a_rotated_refresh_token_revokes_the_session(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (client, _) = signed_up(&server, "heidi").await;
    let first = client.tokens().await.unwrap();
    let second = client.refresh().await.unwrap();
    client.me().await.expect("session works after rotation");

    // An attacker replays the first (already rotated) refresh token.
    let attacker = server.client();
    assert_eq!(
        code(attacker.refresh_with(&first.refresh_token).await),
        ErrorCode::RefreshTokenReused
    );

    // The whole session is gone: its current refresh token and access token too.
    assert_eq!(
        code(client.refresh_with(&second.refresh_token).await),
        ErrorCode::SessionRevoked
    );
    client.set_auto_refresh(false);
    assert_eq!(code(client.me().await), ErrorCode::SessionRevoked);
    assert_eq!(
        code(attacker.refresh_with("cfr_never-issued").await),
        ErrorCode::InvalidToken
    );
}

async fn sessions_can_be_revoked_one_or_all_others(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (first, username) = signed_up(&server, "ivan").await;
    let second = server.client();
    second
        .sign_in(&username, PASSWORD, Some("second"))
        .await
        .unwrap();
    let third = server.client();
    third
        .sign_in(&username, PASSWORD, Some("third"))
        .await
        .unwrap();

    let second_id = second.tokens().await.unwrap().session_id;
    first.revoke_session(second_id).await.unwrap();
    assert_eq!(code(second.me().await), ErrorCode::SessionRevoked);
    assert_eq!(code(second.refresh().await), ErrorCode::SessionRevoked);
    // Revoking it again, or a session that is not mine, is "not found".
    assert_eq!(
        code(first.revoke_session(second_id).await),
        ErrorCode::NotFound
    );
    let (stranger, _) = signed_up(&server, "judy").await;
    let stranger_session = stranger.tokens().await.unwrap().session_id;
    assert_eq!(
        code(first.revoke_session(stranger_session).await),
        ErrorCode::NotFound
    );
    stranger.me().await.expect("the stranger is unaffected");

    assert_eq!(first.revoke_other_sessions().await.unwrap(), 1);
    assert_eq!(code(third.me().await), ErrorCode::SessionRevoked);
    let remaining = first.sessions().await.unwrap();
    assert_eq!(remaining.len(), 1);
    assert!(remaining[0].current);
}

async fn password_change_revokes_other_sessions(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (first, username) = signed_up(&server, "kim").await;
    let other = server.client();
    other.sign_in(&username, PASSWORD, None).await.unwrap();
    let new_password = "quiet lanterns drift northward";

    match first
        .change_password("wrong current password", new_password)
        .await
    {
        Err(ClientError::Api { detail, .. }) => {
            assert_eq!(detail.code, ErrorCode::InvalidInput);
            assert_eq!(detail.field.as_deref(), Some("current_password"));
        }
        other => panic!("expected a wrong-password error, got {other:?}"),
    }
    match first.change_password(PASSWORD, "password").await {
        Err(ClientError::Api { detail, .. }) => {
            assert_eq!(detail.code, ErrorCode::WeakPassword);
            assert_eq!(detail.field.as_deref(), Some("new_password"));
        }
        other => panic!("expected a weak-password error, got {other:?}"),
    }
    other.me().await.expect("failed changes revoke nothing");

    assert_eq!(
        first.change_password(PASSWORD, new_password).await.unwrap(),
        1
    );
    first.me().await.expect("the session that changed it stays");
    assert_eq!(code(other.me().await), ErrorCode::SessionRevoked);
    let fresh = server.client();
    assert_eq!(
        code(fresh.sign_in(&username, PASSWORD, None).await),
        ErrorCode::InvalidCredentials
    );
    fresh
        .sign_in(&username, new_password, None)
        .await
        .expect("new password works");
}

async fn repeated_sign_in_failures_are_throttled(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        &[
            "--signin-free-failures",
            "3",
            "--signin-ip-free-failures",
            "6",
            "--signin-backoff-base",
            "30s",
        ],
    )
    .await;
    let (_, victim) = signed_up(&server, "leo").await;
    let (_, bystander) = signed_up(&server, "mia").await;
    let client = server.client();
    for _ in 0..3 {
        assert_eq!(
            code(client.sign_in(&victim, "wrong guess 123", None).await),
            ErrorCode::InvalidCredentials
        );
    }
    // The account now backs off, even for the right password.
    match client.sign_in(&victim, PASSWORD, None).await {
        Err(ClientError::Api { status, detail }) => {
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(detail.code, ErrorCode::RateLimited);
            let wait = detail.retry_after_secs.expect("retry_after_secs");
            assert!((1..=30).contains(&wait), "{wait}");
        }
        other => panic!("expected rate limiting, got {other:?}"),
    }
    let (http, url) = server.raw("/api/v1/auth/signin");
    let response = http
        .post(url)
        .json(&serde_json::json!({"username": victim, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().get("retry-after").is_some());

    // Another account from the same address is not locked by the victim's counter...
    client
        .sign_in(&bystander, PASSWORD, None)
        .await
        .expect("other accounts unaffected");
    // ...until the address itself has failed too often across accounts.
    for i in 0..3 {
        let _ = client
            .sign_in(&format!("ghost{i}"), "wrong guess 123", None)
            .await;
    }
    assert_eq!(
        code(client.sign_in(&bystander, PASSWORD, None).await),
        ErrorCode::RateLimited
    );
}

async fn sign_ups_per_address_are_limited(backend: Backend) {
    let server = TestServer::start_with(backend, &["--signups-per-ip", "2"]).await;
    // A rejected password does not use up the allowance.
    let weak = server
        .client()
        .sign_up(&unique_username("nia"), "password", None)
        .await;
    assert_eq!(code(weak), ErrorCode::WeakPassword);
    signed_up(&server, "nia").await;
    signed_up(&server, "nia").await;
    let third = server
        .client()
        .sign_up(&unique_username("nia"), PASSWORD, None)
        .await;
    assert_eq!(code(third), ErrorCode::RateLimited);
}

async fn profiles_can_be_updated_looked_up_and_searched(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (olga, olga_name) = signed_up(&server, "Olga").await;
    let (pat, _) = signed_up(&server, "Pat").await;
    signed_up(&server, "Olgb").await;

    let updated = olga
        .update_profile(&UpdateProfileRequest {
            display_name: Some("  Olga Ivanova ".to_owned()),
            status_text: Some("In a meeting".to_owned()),
            discoverable: None,
        })
        .await
        .unwrap();
    assert_eq!(updated.display_name, "Olga Ivanova");
    assert_eq!(updated.status_text, "In a meeting");
    let only_status = olga
        .update_profile(&UpdateProfileRequest {
            display_name: None,
            status_text: Some(String::new()),
            discoverable: None,
        })
        .await
        .unwrap();
    assert_eq!(only_status.display_name, "Olga Ivanova");
    assert_eq!(only_status.status_text, "");
    let too_long = UpdateProfileRequest {
        display_name: None,
        status_text: Some("s".repeat(141)),
        discoverable: None,
    };
    assert_eq!(
        code(olga.update_profile(&too_long).await),
        ErrorCode::InvalidInput
    );

    let seen = pat.user(&olga_name.to_uppercase()).await.unwrap();
    assert_eq!(seen.display_name, "Olga Ivanova");
    assert_eq!(code(pat.user("no-such-user").await), ErrorCode::NotFound);

    let found = pat.search_users("olg", None).await.unwrap();
    assert_eq!(found.len(), 2);
    assert!(
        found
            .windows(2)
            .all(|w| w[0].username.to_lowercase() <= w[1].username.to_lowercase())
    );
    assert_eq!(pat.search_users("OLGA", None).await.unwrap().len(), 1);
    assert_eq!(pat.search_users("olg", Some(1)).await.unwrap().len(), 1);
    assert!(pat.search_users("zzz", None).await.unwrap().is_empty());
    assert!(pat.search_users("o%", None).await.unwrap().is_empty());
    assert_eq!(
        code(pat.search_users("", None).await),
        ErrorCode::InvalidInput
    );

    let olga_id = olga.me().await.unwrap().id;
    let pat_id = pat.me().await.unwrap().id;
    let by_id = pat
        .users_by_id(&[olga_id, UserId(999_999), pat_id, olga_id])
        .await
        .unwrap();
    assert_eq!(
        by_id.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![olga_id, pat_id],
        "in the order asked, unknown ids left out, repeats once"
    );
    assert_eq!(by_id[0].display_name, "Olga Ivanova");
    assert_eq!(code(pat.users_by_id(&[]).await), ErrorCode::InvalidInput);
    let too_many: Vec<UserId> = (1..=201).map(UserId).collect();
    assert_eq!(
        code(pat.users_by_id(&too_many).await),
        ErrorCode::InvalidInput
    );
}

async fn requests_without_valid_credentials_are_rejected(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (http, url) = server.raw("/api/v1/users/me");
    let cases = [
        (None, ErrorCode::Unauthenticated),
        (Some("Basic dXNlcjpwYXNz"), ErrorCode::Unauthenticated),
        (Some("Bearer not-a-token"), ErrorCode::InvalidToken),
    ];
    for (header, expected) in cases {
        let mut request = http.get(&url);
        if let Some(header) = header {
            request = request.header("authorization", header);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], expected.as_str(), "{header:?}");
    }
    assert!(matches!(
        server.client().me().await,
        Err(ClientError::NotSignedIn)
    ));
}

async fn bad_bodies_get_clear_errors_and_the_server_keeps_serving(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        &["--max-body-bytes", "2048", "--max-message-bytes", "512"],
    )
    .await;
    let (http, url) = server.raw("/api/v1/auth/signup");
    let error_code = |response: reqwest::Response| async move {
        let status = response.status();
        let body: serde_json::Value = response.json().await.expect("JSON error body");
        (
            status,
            body["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };

    let huge = serde_json::json!({"username": "big", "password": "x".repeat(10_000)});
    let response = http.post(&url).json(&huge).send().await.unwrap();
    assert_eq!(
        error_code(response).await,
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large".to_owned()
        )
    );

    let malformed = http
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"username\":")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(malformed).await,
        (StatusCode::BAD_REQUEST, "invalid_json".to_owned())
    );

    // A wrong type names the field it is in.
    let wrong_type = http
        .post(&url)
        .json(&serde_json::json!({"username": 5, "password": "violet tractor fumbles oddly"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = wrong_type.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_json");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("username: invalid type"),
        "{body}"
    );

    // serde reads a struct from an array of its fields; the API takes objects only.
    for not_an_object in [
        "[\"ann\", \"violet tractor fumbles oddly\"]",
        "[null, null]",
        "7",
    ] {
        let response = http
            .post(&url)
            .header("content-type", "application/json")
            .body(not_an_object)
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_code(response).await,
            (StatusCode::BAD_REQUEST, "invalid_json".to_owned()),
            "{not_an_object}"
        );
    }

    let wrong_shape = http
        .post(&url)
        .json(&serde_json::json!({"username": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(wrong_shape).await.1, "invalid_json");

    let not_json = http
        .post(&url)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(not_json).await,
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type".to_owned()
        )
    );

    let missing = http
        .get(format!("{}/api/v1/nothing-here", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(missing).await,
        (StatusCode::NOT_FOUND, "not_found".to_owned())
    );

    let wrong_method = http.delete(&url).send().await.unwrap();
    assert_eq!(
        error_code(wrong_method).await,
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed".to_owned()
        )
    );

    let (client, _) = signed_up(&server, "quinn").await;
    let bad_id = http
        .delete(format!("{}/api/v1/sessions/not-a-number", server.url))
        .bearer_auth(client.tokens().await.unwrap().access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(bad_id).await.0, StatusCode::BAD_REQUEST);

    // After all that, the server still serves normal requests.
    client.me().await.expect("still serving");
}

async fn accounts_and_sessions_survive_a_restart(backend: Backend) {
    let mut server = TestServer::start(backend).await;
    let (client, username) = signed_up(&server, "rosa").await;
    client.refresh().await.unwrap();
    let tokens = client.tokens().await.unwrap();

    server.restart();
    let same = server.client();
    same.set_tokens(Some(tokens.clone())).await;
    same.set_auto_refresh(false);
    // The signing secret was persisted, so the old access token still verifies.
    assert_eq!(same.me().await.unwrap().username, username);
    let refreshed = same.refresh().await.expect("refresh token survives");
    assert_eq!(refreshed.session_id, tokens.session_id);
    server
        .client()
        .sign_in(&username, PASSWORD, None)
        .await
        .expect("password survives");
}

async fn operational_endpoints_answer(backend: Backend) {
    let server = TestServer::start(backend).await;
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", server.url)).send();
    assert_eq!(get("/healthz").await.unwrap().text().await.unwrap(), "ok");
    assert_eq!(get("/readyz").await.unwrap().status(), StatusCode::OK);

    signed_up(&server, "sam").await;
    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains(
            r#"confab_http_requests_total{method="POST",route="/api/v1/auth/signup",status="201"}"#
        ),
        "{metrics}"
    );

    let openapi: serde_json::Value = get("/api/v1/openapi.json")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/auth/signup",
        "/api/v1/auth/refresh",
        "/api/v1/sessions/{id}",
        "/api/v1/users/me",
    ] {
        assert!(
            openapi["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(openapi["components"]["schemas"]["ErrorBody"].is_object());

    let response = get("/api/v1/users/me").await.unwrap();
    assert!(response.headers().get("x-request-id").is_some());
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["cache-control"], "no-store");

    // No token or password ever reaches the log.
    let log = server.log().join("\n");
    assert!(!log.contains(common::PASSWORD));
    assert!(!log.contains("cfr_"));
}
