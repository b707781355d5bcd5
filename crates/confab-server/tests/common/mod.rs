//! What the server's suites share on top of `confab-testkit` (fresh databases and
//! real `confab serve` processes): the `on_both_backends!` macro and signed-up
//! accounts.

#![allow(dead_code, unused_imports)] // Each test binary uses a different part.

use confab_client::proto::rooms::CreateGroupRequest;
use confab_client::proto::ws::{ClientFrame, ServerFrame};
use confab_client::proto::{ErrorCode, RoomId, UserId};
use confab_client::{Client, ClientError, Live};
pub use confab_testkit::{Backend, TestDb, TestServer, unique_username};

pub mod stores;

/// Runs each listed `async fn name(backend: Backend)` once on SQLite and once on
/// PostgreSQL, as `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::common::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::common::Backend::Postgres).await } )*
        }
    };
}

/// A strong password the policy accepts.
pub const PASSWORD: &str = "violet tractor fumbles oddly";

/// Signs up a new account with a unique name; the client keeps the session.
pub async fn signed_up(server: &TestServer, prefix: &str) -> (Client, String) {
    let client = server.client();
    let username = unique_username(prefix);
    client
        .sign_up(&username, PASSWORD, Some("test device"))
        .await
        .expect("sign up");
    (client, username)
}

/// A group of `owner` named `name` that each of `members` joined by accepting its
/// invitation.
pub async fn group_with(owner: &Client, name: &str, members: &[&Client]) -> RoomId {
    let mut ids = Vec::with_capacity(members.len());
    for member in members {
        ids.push(member.me().await.expect("me").id);
    }
    let request = CreateGroupRequest {
        name: name.to_owned(),
        topic: String::new(),
        members: ids,
        encrypted: false,
        ..Default::default()
    };
    let room = owner.create_group(&request).await.expect("create group").id;
    for member in members {
        member.accept_invitation(room).await.expect("accept");
    }
    room
}

/// Invites `people` to the group and has each accept.
pub async fn join(admin: &Client, room: RoomId, people: &[&Client]) {
    for person in people {
        let id = person.me().await.expect("me").id;
        admin.invite(room, &[id]).await.expect("invite");
        person.accept_invitation(room).await.expect("accept");
    }
}

/// The direct room of `a` and `b`: `a` asks, `b` accepts.
pub async fn direct(a: &Client, b: &Client) -> RoomId {
    let b_id = b.me().await.expect("me").id;
    let room = a.open_direct(b_id).await.expect("open direct").id;
    if b.room(room).await.is_err() {
        b.accept_invitation(room).await.expect("accept");
    }
    room
}

/// The API error code of a result that must be an error.
pub fn code<T: std::fmt::Debug>(result: Result<T, ClientError>) -> ErrorCode {
    result
        .expect_err("expected an error")
        .code()
        .expect("an API error code")
}

/// The account's user id.
pub async fn id_of(client: &Client) -> UserId {
    client.me().await.unwrap().id
}

/// Sends a text message over the socket and returns the error code of its refusal,
/// or `None` if it was stored.
pub async fn ws_send_refusal(live: &mut Live, room: RoomId, client_id: &str) -> Option<ErrorCode> {
    let reply = live
        .request(|id| ClientFrame::Send {
            id,
            room_id: room,
            client_id: client_id.to_owned(),
            body: confab_client::proto::events::MessageBody::Text { text: "hey".into() },
            reply_to: None,
            attachments: Vec::new(),
        })
        .await
        .expect("a reply");
    match reply {
        ServerFrame::Ok { .. } => None,
        ServerFrame::Error { code, .. } => Some(code),
        other => panic!("unexpected reply {other:?}"),
    }
}

/// A live connection of `client`, resumed after `since`, once its `ready` came.
pub async fn live(client: &Client, since: Option<confab_client::proto::EventId>) -> Live {
    let (live, ready) = client.connect_live(since).await.expect("connect");
    assert!(matches!(ready, ServerFrame::Ready { .. }), "{ready:?}");
    live
}

/// The first frame `pick` takes (what it returns), skipping the frames it passes
/// over (`None`); panics if the connection closes or nothing comes within 30 s.
pub async fn next_frame<T>(live: &mut Live, mut pick: impl FnMut(ServerFrame) -> Option<T>) -> T {
    loop {
        let incoming = tokio::time::timeout(std::time::Duration::from_secs(30), live.recv())
            .await
            .expect("the frame in time")
            .expect("the connection");
        match incoming {
            confab_client::Incoming::Frame(frame) => {
                if let Some(taken) = pick(frame) {
                    return taken;
                }
            }
            confab_client::Incoming::Closed { code, reason } => panic!("closed: {code} {reason}"),
        }
    }
}

/// A new bucket on the S3-compatible test server (`CONFAB_TEST_S3_URL`, which
/// `scripts/test` starts): the server's URL and the bucket's name.
pub async fn s3_bucket(prefix: &str) -> (String, String) {
    let url = std::env::var("CONFAB_TEST_S3_URL")
        .expect("CONFAB_TEST_S3_URL: the S3-compatible test server (scripts/test starts one)");
    let bucket = format!("{prefix}-{}", hex::encode(rand::random::<[u8; 8]>()));
    let created = reqwest::Client::new()
        .put(format!("{url}/{bucket}"))
        .send()
        .await
        .expect("the S3 test server answers");
    assert!(
        created.status().is_success(),
        "creating {bucket}: {}",
        created.status()
    );
    (url, bucket)
}

/// The server's resident memory in KiB from `/proc/PID/status`: `VmRSS` now, or with
/// `"VmHWM:"` the peak so far.
pub fn proc_status_kib(server: &TestServer, field: &str) -> u64 {
    let pid = server.pid().expect("the server runs");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/PID/status"))
}

/// The server's resident memory, in KiB.
pub fn resident_kib(server: &TestServer) -> u64 {
    proc_status_kib(server, "VmRSS:")
}
