//! What the suites of several nodes share (`tests/cluster.rs`, on loopback, and
//! `tests/cluster_hosts.rs`, each node on a host of its own): how nodes start, a
//! user's second session, reading messages, presence and readiness.

#![allow(dead_code)] // Each of the two suites uses a different part.

use super::common::{PASSWORD, TestServer, next_frame};
use confab_client::proto::users::PresenceStatus;
use confab_client::proto::ws::ServerFrame;
use confab_client::proto::{RoomId, UserId};
use confab_client::{Client, Live};
use confab_testkit::{Backend, ServerBuilder, TestNats};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long a node may take to become ready (again) before the test fails.
const READINESS_WITHIN: Duration = Duration::from_secs(30);

/// Nodes on one fresh PostgreSQL database (started at once by
/// [`ServerBuilder::start_nodes`], they race to migrate it), all linked by `nats`. A
/// node's users count as gone 2 s after it stops reporting, and another node takes
/// the notifier over 2 s after its holder stops renewing it.
pub fn nodes(nats: &TestNats) -> ServerBuilder {
    TestServer::builder(Backend::Postgres).args([
        "--nats-url",
        &nats.url(),
        "--files-dir-shared",
        "--presence-node-timeout",
        "2s",
        "--notifier-lease",
        "2s",
    ])
}

/// A new session of `username` on `node`.
pub async fn signed_in(node: &TestServer, username: &str) -> Client {
    let client = node.client();
    client
        .sign_in(username, PASSWORD, Some("another device"))
        .await
        .expect("sign in");
    client
}

/// Reads `live`'s message events until it has `count` of them; panics on an event
/// whose id is not above the one before (a duplicate, or one out of order).
/// Answers each room's seqs in arrival order.
pub async fn messages(live: &mut Live, count: usize) -> BTreeMap<RoomId, Vec<i64>> {
    let mut last = None;
    let mut rooms: BTreeMap<RoomId, Vec<i64>> = BTreeMap::new();
    let mut got = 0;
    while got < count {
        let event = next_frame(live, |frame| match frame {
            ServerFrame::Event { event } => Some(event),
            _ => None,
        })
        .await;
        // Events come in increasing id order, across rooms (and so never twice),
        // although several nodes' writers commit them in another order.
        assert!(
            last < Some(event.id),
            "event {:?} arrived after {last:?}",
            event.id
        );
        last = Some(event.id);
        if matches!(
            event.content,
            confab_client::proto::events::EventContent::Message(_)
        ) {
            rooms.entry(event.room_id).or_default().push(event.seq);
            got += 1;
        }
    }
    rooms
}

/// Waits for a `presence` frame that says `user` is now `status`, skipping other
/// frames.
pub async fn wait_for_presence(live: &mut Live, user: UserId, status: PresenceStatus) {
    next_frame(live, |frame| match frame {
        ServerFrame::Presence(presence)
            if presence.user_id == user && presence.status == status =>
        {
            Some(())
        }
        _ => None,
    })
    .await;
}

/// Waits until `/readyz` answers 200 with a body that `wanted` accepts; answers how
/// long that took. Each request has a deadline of its own, so a node that cannot be
/// reached (its link cut) is asked again rather than waited for.
pub async fn wait_for_readiness(node: &TestServer, wanted: impl Fn(&str) -> bool) -> Duration {
    let (_, url) = node.raw("/readyz");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("an HTTP client");
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < READINESS_WITHIN {
        match http.get(&url).send().await {
            Ok(response) => {
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                if status.is_success() && wanted(&body) {
                    return started.elapsed();
                }
                last = format!("{status}: {body}");
            }
            Err(e) => last = format!("no answer: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} did not become ready within {READINESS_WITHIN:?}; it last said {last:?}");
}
