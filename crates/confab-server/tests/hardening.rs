//! Findings of the security review, each pinned against a real server: bounded
//! metrics labels, a private data directory, forged long-lived tokens, names that
//! spoof, slow and greedy connections, sign-in limits, memory after sign-in bursts,
//! and who can find whom.

mod common;

use common::{Backend, TestServer, signed_up};
use confab_proto::ErrorCode;
use confab_proto::users::UpdateProfileRequest;
use serde::Serialize;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};

/// Waits at most this long for anything that should happen.
const PATIENCE: Duration = Duration::from_secs(30);

on_both_backends!(
    made_up_methods_do_not_grow_the_metrics,
    tokens_claiming_a_longer_life_than_the_server_gives_are_refused,
    names_that_reorder_or_hide_text_are_refused,
    slow_clients_cannot_hold_connections,
    one_address_cannot_take_every_connection,
    the_server_keeps_answering_when_descriptors_run_short,
    failing_from_elsewhere_does_not_lock_the_owner_out,
    sign_ins_are_counted_whatever_their_outcome_and_sessions_are_capped,
    a_burst_of_password_checks_is_refused_beyond_the_queue,
    every_sign_up_attempt_counts_even_for_a_taken_name,
    undiscoverable_people_are_found_only_by_contacts_or_exact_name,
    user_lookups_are_rate_limited_per_account,
    rooms_created_and_people_invited_are_budgeted_per_account,
);

mod sqlite_only {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_data_directory_and_database_are_private() {
        super::the_data_directory_and_database_are_private().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn memory_after_bursts_of_sign_ins_stays_bounded() {
        super::memory_after_bursts_of_sign_ins_stays_bounded().await;
    }
}

/// An unauthenticated client sends requests with invented methods. Each would have
/// been a new metrics series; all of them share the label `other`.
async fn made_up_methods_do_not_grow_the_metrics(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (http, url) = server.raw("/healthz");
    for i in 0..200 {
        let method = reqwest::Method::from_bytes(format!("BREW{i}").as_bytes()).unwrap();
        let response = http.request(method, &url).send().await.unwrap();
        assert!(!response.status().is_server_error());
    }
    let (_, metrics_url) = server.raw("/metrics");
    let metrics = http
        .get(&metrics_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!metrics.contains("BREW"), "a made-up method became a label");
    assert!(
        metrics.contains("method=\"other\""),
        "they are counted as `other`"
    );
}

#[derive(Serialize)]
struct Claims {
    iss: &'static str,
    sub: String,
    sid: i64,
    iat: i64,
    exp: i64,
}

/// Someone who stole the signing key can mint tokens; a token that claims to live
/// for a year (or to be issued in the future) is still refused, because this server
/// never issues one.
async fn tokens_claiming_a_longer_life_than_the_server_gives_are_refused(backend: Backend) {
    let secret = "a test signing secret that is long enough";
    let server = TestServer::start_with(backend, &["--token-secret", secret]).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let me = alice.me().await.unwrap();
    let session = alice.tokens().await.unwrap().session_id;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let forge = |iat: i64, exp: i64| {
        let claims = Claims {
            iss: "confab",
            sub: me.id.0.to_string(),
            sid: session.0,
            iat,
            exp,
        };
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    let (http, url) = server.raw("/api/v1/users/me");
    let status_with = |token: String| {
        let http = http.clone();
        let url = url.clone();
        async move {
            let response = http.get(&url).bearer_auth(token).send().await.unwrap();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap();
            (status, body["error"]["code"].as_str().map(str::to_owned))
        }
    };
    // Within the configured lifetime (15 minutes by default) the key works, so the
    // refusals below are about the lifetime, not the signature.
    assert_eq!(status_with(forge(now, now + 600)).await.0, 200);
    let year = status_with(forge(now, now + 365 * 24 * 3600)).await;
    assert_eq!(year, (401, Some("invalid_token".to_owned())));
    let future = status_with(forge(now + 7200, now + 7200 + 600)).await;
    assert_eq!(future, (401, Some("invalid_token".to_owned())));
}

async fn names_that_reorder_or_hide_text_are_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    for spoof in [
        "Bob\u{202E}gnp.exe",
        "Bob\u{2028}Admin",
        "\u{200B}\u{200B}",
        "\u{3164}",
    ] {
        let refused = alice
            .update_profile(&UpdateProfileRequest {
                display_name: Some(spoof.to_owned()),
                ..UpdateProfileRequest::default()
            })
            .await;
        match refused {
            Err(confab_client::ClientError::Api { detail, .. }) => {
                assert_eq!(detail.code, ErrorCode::InvalidInput, "{spoof:?}")
            }
            other => panic!("{spoof:?} was not refused: {other:?}"),
        }
    }
    let family = alice
        .update_profile(&UpdateProfileRequest {
            display_name: Some("The 👨\u{200D}👩\u{200D}👧 account".to_owned()),
            status_text: Some("busy".to_owned()),
            discoverable: None,
        })
        .await
        .unwrap();
    assert!(
        family.display_name.contains('\u{200D}'),
        "joiners in emoji stay"
    );
}

/// The data directory is created 0700 and the database files 0600, whatever the
/// umask of whoever started the server; an existing directory that others can read
/// gets a warning at start.
async fn the_data_directory_and_database_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let mut server = TestServer::start(Backend::Sqlite).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let dir = server.data_dir();
    assert_eq!(mode(&dir), 0o700, "data directory");
    // Shared files too: their directories and the stored bytes.
    let file = alice
        .upload("secret.txt", "f1", b"private words".to_vec())
        .await
        .unwrap();
    let blob = dir
        .join("files/blobs")
        .join(&hex_sha256(b"private words")[..2]);
    for private in [dir.join("files"), dir.join("files/blobs"), blob.clone()] {
        assert_eq!(
            mode(&private) & 0o077,
            0,
            "{} is private",
            private.display()
        );
    }
    for stored in std::fs::read_dir(&blob).unwrap() {
        let path = stored.unwrap().path();
        assert_eq!(mode(&path) & 0o077, 0, "{} is private", path.display());
    }
    assert_eq!(file.size, 13);
    let database = std::path::PathBuf::from(
        server
            .db
            .url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap(),
    );
    for file in std::fs::read_dir(database.parent().unwrap()).unwrap() {
        let path = file.unwrap().path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("confab.db"))
        {
            assert_eq!(mode(&path) & 0o077, 0, "{} is private", path.display());
        }
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    server.restart();
    let log = server.log().join("\n");
    assert!(
        log.contains("the data directory is readable by other users"),
        "a readable data directory is reported:\n{log}"
    );
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn address_of(server: &TestServer) -> SocketAddr {
    server
        .url
        .trim_start_matches("http://")
        .parse()
        .expect("a loopback address")
}

/// A TCP connection to the server from the loopback address `from`.
async fn connect_from(server: &TestServer, from: [u8; 4]) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket.connect(address_of(server)).await.unwrap()
}

/// Reads until the server closes the connection; returns what it sent.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut received))
        .await
        .expect("the server closes the connection in time")
        .ok();
    String::from_utf8_lossy(&received).into_owned()
}

/// A plain `GET /healthz` over a new connection from 127.0.0.1.
async fn healthz(server: &TestServer) -> u16 {
    let (http, url) = server.raw("/healthz");
    let response = tokio::time::timeout(PATIENCE, http.get(&url).send())
        .await
        .expect("/healthz answers in time")
        .expect("/healthz answers");
    response.status().as_u16()
}

/// A client that sends headers a byte at a time (slowloris), one that goes silent
/// on a kept-alive connection, and one that stops sending its body all lose their
/// connection, while everyone else is served.
async fn slow_clients_cannot_hold_connections(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        &["--http-header-timeout", "1s", "--http-body-timeout", "1s"],
    )
    .await;
    // Headers that never end.
    let mut slowloris = connect_from(&server, [127, 0, 0, 1]).await;
    slowloris
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        if slowloris.write_all(b"X-Slow: 1\r\n").await.is_err() {
            break;
        }
    }
    until_closed(&mut slowloris).await;

    // A kept-alive connection that asks for nothing more.
    let mut idle = connect_from(&server, [127, 0, 0, 1]).await;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answered = until_closed(&mut idle).await;
    assert!(
        answered.starts_with("HTTP/1.1 200"),
        "it was served first: {answered}"
    );

    // A body that stops arriving.
    let mut stalled = connect_from(&server, [127, 0, 0, 1]).await;
    stalled
        .write_all(
            b"POST /api/v1/auth/signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user",
        )
        .await
        .unwrap();
    let answer = until_closed(&mut stalled).await;
    assert!(
        answer.is_empty() || !answer.starts_with("HTTP/1.1 2"),
        "a stalled body does not succeed: {answer}"
    );
    assert_eq!(healthz(&server).await, 200);
}

/// Connections from one address beyond `--max-connections-per-address` are closed at
/// once; other addresses are not affected.
async fn one_address_cannot_take_every_connection(backend: Backend) {
    let server = TestServer::start_with(backend, &["--max-connections-per-address", "3"]).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_from(&server, [127, 0, 0, 2]).await);
    }
    let mut extra = connect_from(&server, [127, 0, 0, 2]).await;
    extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .ok();
    let answer = until_closed(&mut extra).await;
    assert!(
        answer.is_empty(),
        "the fourth is closed unanswered: {answer}"
    );
    assert_eq!(healthz(&server).await, 200, "127.0.0.1 is served");
    // When one of the three closes, the address gets its place back.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = connect_from(&server, [127, 0, 0, 2]).await;
    again
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    assert!(until_closed(&mut again).await.starts_with("HTTP/1.1 200"));
}

/// Under an open-file limit of 128, 300 connections that send half a request do not
/// make the server fail: it accepts what its descriptors allow, the header timeout
/// frees them, and `/healthz` is answered; no accept fails for lack of descriptors.
async fn the_server_keeps_answering_when_descriptors_run_short(backend: Backend) {
    let server = TestServer::builder(backend)
        .args([
            "--http-header-timeout",
            "2s",
            "--max-connections-per-address",
            "0",
        ])
        .open_file_limit(128)
        .start()
        .await
        .expect("start confab under a low open-file limit");
    let mut flood = Vec::new();
    for _ in 0..300 {
        let Ok(mut stream) = TcpStream::connect(address_of(&server)).await else {
            continue;
        };
        let _ = stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await;
        flood.push(stream);
    }
    assert_eq!(healthz(&server).await, 200, "answered despite the flood");
    drop(flood);
    let log = server.log().join("\n");
    assert!(
        !log.contains("Too many open files"),
        "no accept failed for lack of descriptors:\n{log}"
    );
}

/// A plain HTTP client whose connections leave from the loopback address `from`.
fn http_from(from: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(from))
        .build()
        .unwrap()
}

/// `POST /api/v1/auth/signin` as `username`; the status and the error code, if any.
async fn sign_in_status(
    http: &reqwest::Client,
    server: &TestServer,
    username: &str,
    password: &str,
) -> (u16, Option<String>) {
    let response = http
        .post(format!("{}/api/v1/auth/signin", server.url))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    (status, body["error"]["code"].as_str().map(str::to_owned))
}

/// Someone failing on Alice's account from another address backs off there; Alice,
/// from her own address, signs in at once.
async fn failing_from_elsewhere_does_not_lock_the_owner_out(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_alice, name) = signed_up(&server, "alice").await;
    let attacker = http_from([127, 0, 0, 2]);
    let mut refused = false;
    for _ in 0..12 {
        let (status, code) = sign_in_status(&attacker, &server, &name, "wrong guess 123").await;
        if status == 429 {
            refused = true;
            break;
        }
        assert_eq!(code.as_deref(), Some("invalid_credentials"));
    }
    assert!(refused, "the guessing address is held back");
    let owner = http_from([127, 0, 0, 1]);
    let (status, _) = sign_in_status(&owner, &server, &name, common::PASSWORD).await;
    assert_eq!(status, 200, "the owner is not locked out");
}

/// Correct sign-ins count against the address too, and each one opens a session: an
/// account keeps at most `--max-sessions-per-user`, losing the one used longest ago.
async fn sign_ins_are_counted_whatever_their_outcome_and_sessions_are_capped(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        &["--signins-per-ip", "4", "--max-sessions-per-user", "2"],
    )
    .await;
    let (first, name) = signed_up(&server, "bob").await;
    let http = http_from([127, 0, 0, 1]);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(
            sign_in_status(&http, &server, &name, common::PASSWORD)
                .await
                .0,
        );
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 200, 429],
        "the fifth correct sign-in waits"
    );
    let other = http_from([127, 0, 0, 3]);
    let signed_in: serde_json::Value = other
        .post(format!("{}/api/v1/auth/signin", server.url))
        .json(&serde_json::json!({ "username": name, "password": common::PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signed_in["tokens"]["access_token"]
        .as_str()
        .expect("another address has its own allowance");
    let sessions: serde_json::Value = other
        .get(format!("{}/api/v1/sessions", server.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        sessions["sessions"].as_array().map(Vec::len),
        Some(2),
        "at most two sessions: {sessions}"
    );
    let revoked = first.refresh().await;
    assert!(revoked.is_err(), "the session used longest ago was revoked");
}

/// With one hashing slot and one waiting place, a burst of sign-ins gets `503` with
/// `Retry-After` beyond the queue, instead of queueing without bound.
async fn a_burst_of_password_checks_is_refused_beyond_the_queue(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        &[
            "--password-hash-concurrency",
            "1",
            "--password-hash-queue",
            "1",
        ],
    )
    .await;
    let (_carol, name) = signed_up(&server, "carol").await;
    let outcomes = sign_in_burst(&server, &name, "not the password", 12).await;
    assert!(
        outcomes.contains(&(503, true)),
        "some were refused with Retry-After: {outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .all(|&(status, _)| matches!(status, 401 | 429 | 503)),
        "{outcomes:?}"
    );
}

/// A sign-up for a taken name costs the address's allowance like any other, so the
/// `409` cannot be used to probe the directory at full speed.
async fn every_sign_up_attempt_counts_even_for_a_taken_name(backend: Backend) {
    let server = TestServer::start_with(backend, &["--signups-per-ip", "3"]).await;
    let (_dave, name) = signed_up(&server, "dave").await;
    let http = http_from([127, 0, 0, 1]);
    let sign_up = |username: String| {
        let http = http.clone();
        let url = format!("{}/api/v1/auth/signup", server.url);
        async move {
            http.post(url)
                .json(&serde_json::json!({ "username": username, "password": common::PASSWORD }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(sign_up(name.clone()).await, 409);
    assert_eq!(sign_up(name.clone()).await, 409);
    assert_eq!(
        sign_up(common::unique_username("eve")).await,
        429,
        "the allowance is used up"
    );
}

/// Three bursts of 40 sign-ins at the default argon2id cost (19 MiB each) leave the
/// server holding about one working buffer per hashing slot, not one per thread that
/// ever hashed (that held some 250 MiB more than this bound).
async fn memory_after_bursts_of_sign_ins_stays_bounded() {
    const SLOTS: u64 = 2;
    const HASH_KIB: u64 = 19 * 1024;
    let server = TestServer::start_with(
        Backend::Sqlite,
        &[
            "--password-hash-concurrency",
            "2",
            "--signins-per-ip",
            "0",
            "--signins-per-account",
            "0",
        ],
    )
    .await;
    let (_frank, name) = signed_up(&server, "frank").await;
    let before = common::resident_kib(&server);
    for _ in 0..3 {
        let outcomes = sign_in_burst(&server, &name, common::PASSWORD, 40).await;
        assert!(
            outcomes.iter().all(|&(status, _)| status == 200),
            "{outcomes:?}"
        );
    }
    let after = common::resident_kib(&server);
    // The slots' buffers, plus room for sessions, caches and allocator slack.
    let bound = before + SLOTS * HASH_KIB + 32 * 1024;
    eprintln!("resident memory: {before} KiB before, {after} KiB after the bursts");
    assert!(
        after <= bound,
        "resident memory grew from {before} KiB to {after} KiB (bound {bound} KiB)"
    );
}

/// Someone who turns discovery off is listed by search and by ids only for people
/// they share a room or an invitation with (and themself); their exact username
/// still finds them.
async fn undiscoverable_people_are_found_only_by_contacts_or_exact_name(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (hidden, hidden_name) = signed_up(&server, "hidden").await;
    let (friend, _) = signed_up(&server, "friend").await;
    let (stranger, _) = signed_up(&server, "stranger").await;
    let discoverable = |on: bool| UpdateProfileRequest {
        discoverable: Some(on),
        ..UpdateProfileRequest::default()
    };
    let me = hidden.update_profile(&discoverable(false)).await.unwrap();
    assert!(!me.discoverable);
    common::direct(&friend, &hidden).await;
    for (who, client, finds) in [
        ("friend", &friend, true),
        ("stranger", &stranger, false),
        ("themself", &hidden, true),
    ] {
        let by_prefix = client.search_users(&hidden_name, None).await.unwrap();
        assert_eq!(by_prefix.iter().any(|p| p.id == me.id), finds, "{who}");
        let by_id = client.users_by_id(&[me.id]).await.unwrap();
        assert_eq!(by_id.iter().any(|p| p.id == me.id), finds, "{who}");
        let by_name = client.user(&hidden_name).await.unwrap();
        assert_eq!(by_name.id, me.id, "{who}: the exact name always finds");
    }
    // A hidden person who asks someone to talk is known to them while they decide.
    let (asked, _) = signed_up(&server, "asked").await;
    hidden
        .open_direct(asked.me().await.unwrap().id)
        .await
        .unwrap();
    let by_id = asked.users_by_id(&[me.id]).await.unwrap();
    assert!(
        by_id.iter().any(|p| p.id == me.id),
        "the invited see who asks"
    );
    hidden.update_profile(&discoverable(true)).await.unwrap();
    let found = stranger.search_users(&hidden_name, None).await.unwrap();
    assert!(found.iter().any(|p| p.id == me.id && p.discoverable));
}

/// Search and lookups cost one of the caller's `--user-lookups-per-minute`; over it
/// they get `429 rate_limited` with `Retry-After`, and other accounts are unaffected.
async fn user_lookups_are_rate_limited_per_account(backend: Backend) {
    let server = TestServer::start_with(backend, &["--user-lookups-per-minute", "3"]).await;
    let (alice, alice_name) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let alice_id = alice.me().await.unwrap().id;
    alice.search_users("a", None).await.unwrap();
    alice.user(&alice_name).await.unwrap();
    alice.users_by_id(&[alice_id]).await.unwrap();
    let refused = alice.search_users("a", None).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::RateLimited), "{refused:?}");
    let token = alice.tokens().await.unwrap().access_token;
    let (http, url) = server.raw(&format!("/api/v1/users/{alice_name}"));
    let response = http.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    bob.search_users("a", None).await.unwrap();
}

/// `count` sign-ins to `name` at once, from 127.0.0.1: each one's status, and whether
/// it came with `Retry-After`.
async fn sign_in_burst(
    server: &TestServer,
    name: &str,
    password: &str,
    count: usize,
) -> Vec<(u16, bool)> {
    let http = http_from([127, 0, 0, 1]);
    let url = format!("{}/api/v1/auth/signin", server.url);
    let attempts = (0..count).map(|_| {
        let request = http
            .post(&url)
            .json(&serde_json::json!({ "username": name, "password": password }));
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.headers().get("retry-after").is_some())
        }
    });
    futures_util::future::join_all(attempts).await
}

/// Creating rooms and inviting people cost the caller's hourly budgets
/// (`--rooms-created-per-hour`, `--invitations-per-hour`); over them the request is
/// refused as a whole with `429`, and other accounts are unaffected.
async fn rooms_created_and_people_invited_are_budgeted_per_account(backend: Backend) {
    use confab_proto::rooms::CreateGroupRequest;
    let server = TestServer::start_with(
        backend,
        &[
            "--rooms-created-per-hour",
            "2",
            "--invitations-per-hour",
            "3",
        ],
    )
    .await;
    let (owner, _) = signed_up(&server, "owner").await;
    let mut people = Vec::new();
    for _ in 0..4 {
        people.push(signed_up(&server, "person").await.0.me().await.unwrap().id);
    }
    let group = |members: &[confab_proto::UserId]| CreateGroupRequest {
        name: "g".into(),
        topic: String::new(),
        members: members.to_vec(),
        encrypted: false,
        ..Default::default()
    };
    // Two people invited at creation, then one more: the budget of 3 is spent.
    let room = owner.create_group(&group(&people[..2])).await.unwrap().id;
    owner.invite(room, &people[2..3]).await.unwrap();
    let refused = owner.invite(room, &people[3..4]).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::RateLimited), "{refused:?}");
    assert_eq!(
        owner.room_invitations(room).await.unwrap().len(),
        3,
        "nobody more was invited"
    );
    // A second room with nobody else is within the room budget; a third is not.
    owner.create_group(&group(&[])).await.unwrap();
    let refused = owner.create_group(&group(&[])).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::RateLimited), "{refused:?}");
    // Reopening an existing direct room creates nothing and costs nothing.
    let (other, _) = signed_up(&server, "other").await;
    let direct = other.open_direct(people[0]).await.unwrap().id;
    assert_eq!(other.open_direct(people[0]).await.unwrap().id, direct);
    owner
        .send_text(room, "still allowed to talk")
        .await
        .unwrap();
}
