//! Several nodes on one PostgreSQL database, linked by a NATS server of the test's
//! own: users spread over the nodes chat as if on one; typing, presence and revoked
//! sessions cross nodes; a NATS outage loses nothing; a node killed in a burst of
//! sends loses nothing acknowledged; and a node refuses to start without shared
//! files or on SQLite.

#[path = "common/cluster.rs"]
mod cluster;
mod common;

use cluster::{messages, nodes, signed_in, wait_for_presence, wait_for_readiness};
use common::{TestServer, direct, group_with, live, next_frame, signed_up};
use confab_client::proto::EventId;
use confab_client::proto::users::PresenceStatus;
use confab_client::proto::ws::{ClientFrame, ServerFrame};
use confab_client::{Client, Incoming};
use confab_testkit::{Backend, Error, TestNats};
use std::time::Duration;

/// Starts `count` nodes at once on one fresh PostgreSQL database, linked by `nats`.
async fn cluster(nats: &TestNats, count: u32) -> Vec<TestServer> {
    nodes(nats)
        .start_nodes(count)
        .await
        .expect("the nodes start")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_on_three_nodes_chat_as_on_one() {
    let nats = TestNats::start();
    let nodes = cluster(&nats, 3).await;
    let (alice, alice_name) = signed_up(&nodes[0], "alice").await;
    let (bob, _) = signed_up(&nodes[2], "bob").await;
    let (carol, _) = signed_up(&nodes[1], "carol").await;
    // Alice's second device is on another node than her first.
    let alice_phone = signed_in(&nodes[1], &alice_name).await;
    let group = group_with(&alice, "Three nodes", &[&bob, &carol]).await;
    let dm = direct(&alice, &bob).await;

    let mut receivers = Vec::new();
    for client in [&alice, &alice_phone, &bob, &carol] {
        receivers.push(live(client, None).await);
    }
    // Everyone writes at once, each on their own node.
    let per_sender = 15;
    let senders = [
        (&alice, vec![group, dm]),
        (&bob, vec![group, dm]),
        (&carol, vec![group]),
    ];
    let mut sends = Vec::new();
    for (client, rooms) in senders {
        let client = client.clone();
        sends.push(tokio::spawn(async move {
            for i in 0..per_sender {
                for &room in &rooms {
                    client
                        .send_text(room, &format!("message {i}"))
                        .await
                        .expect("send");
                }
            }
        }));
    }
    for send in sends {
        send.await.unwrap();
    }
    let in_group = 3 * per_sender;
    let in_dm = 2 * per_sender;
    let expected = [
        in_group + in_dm,
        in_group + in_dm,
        in_group + in_dm,
        in_group,
    ];
    let mut orders = Vec::new();
    for (receiver, count) in receivers.iter_mut().zip(expected) {
        orders.push(messages(receiver, count).await);
    }
    // Every member got every message exactly once, in the room's order.
    for order in &orders {
        for seqs in order.values() {
            assert!(
                seqs.windows(2).all(|w| w[0] < w[1]),
                "out of order: {seqs:?}"
            );
        }
    }
    for order in &orders[1..] {
        assert_eq!(order[&group], orders[0][&group]);
    }
    assert_eq!(orders[0][&dm], orders[2][&dm]);

    // Typing on node 2 reaches Alice's devices on nodes 0 and 1.
    receivers[2]
        .send(&ClientFrame::Typing {
            room_id: group,
            typing: true,
        })
        .await
        .unwrap();
    let bob_id = bob.me().await.unwrap().id;
    for receiver in &mut receivers[..2] {
        let (room, user) = next_frame(receiver, |frame| match frame {
            ServerFrame::Typing {
                room_id,
                user_id,
                typing: true,
            } => Some((room_id, user_id)),
            _ => None,
        })
        .await;
        assert_eq!((room, user), (group, bob_id));
    }

    // The nodes woke each other through NATS: each received bus messages.
    for node in &nodes {
        assert!(
            bus_received(node).await > 0.0,
            "{} received nothing over NATS",
            node.url
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_and_revocations_cross_nodes() {
    let nats = TestNats::start();
    let nodes = cluster(&nats, 2).await;
    let (alice, alice_name) = signed_up(&nodes[0], "alice").await;
    let (bob, _) = signed_up(&nodes[1], "bob").await;
    direct(&alice, &bob).await;
    let mut alice_live = live(&alice, None).await;

    // Bob comes online on the other node: Alice is told.
    let bob_id = bob.me().await.unwrap().id;
    let mut bob_live = live(&bob, None).await;
    wait_for_presence(&mut alice_live, bob_id, PresenceStatus::Online).await;
    bob_live
        .send(&ClientFrame::Presence {
            status: PresenceStatus::Away,
        })
        .await
        .unwrap();
    wait_for_presence(&mut alice_live, bob_id, PresenceStatus::Away).await;

    // Alice signs out her other device, connected to the other node: it is closed there.
    let laptop = signed_in(&nodes[1], &alice_name).await;
    let mut laptop_live = live(&laptop, None).await;
    let laptop_session = laptop
        .sessions()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.current)
        .unwrap()
        .id;
    alice.revoke_session(laptop_session).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match laptop_live.recv().await {
                Ok(Incoming::Closed { code, .. }) => return code,
                Ok(Incoming::Frame(_)) => {}
                Err(_) => return 0,
            }
        }
    })
    .await
    .expect("the revoked device's connection closes in time");
    assert_ne!(closed, 1000, "closed as revoked, not as a normal close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_connected_to_a_node_that_dies_goes_offline_everywhere() {
    let nats = TestNats::start();
    let mut nodes = cluster(&nats, 2).await;
    let (alice, _) = signed_up(&nodes[0], "alice").await;
    let (bob, _) = signed_up(&nodes[1], "bob").await;
    direct(&alice, &bob).await;
    let bob_id = bob.me().await.unwrap().id;
    let mut alice_live = live(&alice, None).await;
    let _bob_live = live(&bob, None).await;
    wait_for_presence(&mut alice_live, bob_id, PresenceStatus::Online).await;
    // Asked on Alice's node, Bob (connected to the other one) is online.
    let asked = alice.presence(&[bob_id]).await.unwrap();
    assert_eq!(asked[0].status, PresenceStatus::Online);

    // Bob's node dies without a word: within the timeout, Alice is told he is gone.
    nodes[1].kill();
    wait_for_presence(&mut alice_live, bob_id, PresenceStatus::Offline).await;
    let asked = alice.presence(&[bob_id]).await.unwrap();
    assert_eq!(asked[0].status, PresenceStatus::Offline);
    assert!(asked[0].last_seen_at.is_some(), "when he was last seen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_outage_delays_nothing_acknowledged_and_loses_nothing() {
    let mut nats = TestNats::start();
    let nodes = cluster(&nats, 2).await;
    let (alice, _) = signed_up(&nodes[0], "alice").await;
    let (bob, _) = signed_up(&nodes[1], "bob").await;
    let room = direct(&alice, &bob).await;
    let mut bob_live = live(&bob, None).await;

    alice.send_text(room, "before").await.unwrap();
    nats.stop();
    wait_for_readiness(&nodes[0], |body| body.contains("NATS unreachable")).await;
    // Sent while the nodes cannot reach each other: the other node reads them from
    // the database.
    for i in 0..10 {
        alice.send_text(room, &format!("during {i}")).await.unwrap();
    }
    nats.restart();
    wait_for_readiness(&nodes[0], |body| body == "ready").await;
    for i in 0..10 {
        alice.send_text(room, &format!("after {i}")).await.unwrap();
    }
    let order = messages(&mut bob_live, 21).await;
    assert_eq!(order[&room].len(), 21);
    assert!(order[&room].windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_in_a_burst_loses_nothing_acknowledged() {
    let nats = TestNats::start();
    let mut nodes = cluster(&nats, 2).await;
    let (alice, _) = signed_up(&nodes[0], "alice").await;
    let (bob, bob_name) = signed_up(&nodes[1], "bob").await;
    let room = direct(&alice, &bob).await;
    // Bob reads through the node about to die.
    let bob_there = signed_in(&nodes[0], &bob_name).await;
    let mut bob_live = live(&bob_there, None).await;

    // Alice sends on the node that dies, over her socket; what it acknowledges counts.
    let mut alice_live = live(&alice, None).await;
    let mut acknowledged = Vec::new();
    let mut last_seen: Option<EventId> = None;
    for i in 0..40 {
        if i == 20 {
            nodes[0].kill();
        }
        match alice_live
            .send_text(room, &format!("burst-{i}"), &format!("burst {i}"))
            .await
        {
            Ok(event) => acknowledged.push(event.seq),
            Err(_) => break,
        }
    }
    assert!(acknowledged.len() >= 20, "the first 20 were acknowledged");
    // Bob's connection to the dead node is gone: he resumes on the other node from
    // the last event he processed, and gets the rest exactly once.
    let mut received: Vec<i64> = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(5), bob_live.recv()).await {
            Ok(Ok(Incoming::Frame(ServerFrame::Event { event }))) => {
                last_seen = Some(event.id);
                if matches!(
                    event.content,
                    confab_client::proto::events::EventContent::Message(_)
                ) {
                    received.push(event.seq);
                }
            }
            Ok(Ok(Incoming::Frame(_))) => {}
            _ => break,
        }
    }
    let moved = Client::new(&nodes[1].url).unwrap();
    moved.set_tokens(bob_there.tokens().await).await;
    let mut resumed = live(&moved, last_seen).await;
    let rest = messages(&mut resumed, acknowledged.len() - received.len()).await;
    received.extend(rest.get(&room).into_iter().flatten());
    assert_eq!(
        received, acknowledged,
        "every acknowledged message, once, in order"
    );
}

/// What the notifier's lease holder logs when it takes the lease.
const RECORDS_NOTIFICATIONS: &str = "this node records notifications for the cluster";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_node_records_notifications_and_another_takes_over_when_it_dies() {
    let nats = TestNats::start();
    let mut nodes = cluster(&nats, 3).await;
    let (alice, alice_name) = signed_up(&nodes[0], "alice").await;
    let (bob, bob_name) = signed_up(&nodes[1], "bob").await;
    let room = direct(&alice, &bob).await;
    alice.send_text(room, "first").await.unwrap();
    wait_for_notifications(&bob, 1).await;
    let holders: Vec<usize> = (0..nodes.len())
        .filter(|&i| recorded_notifications(&nodes[i]))
        .collect();
    assert_eq!(holders.len(), 1, "one node holds the notifier's lease");
    let holder = holders[0];

    nodes[holder].kill();
    // Both users go on through a node that is alive.
    let alive = (0..nodes.len()).find(|&i| i != holder).unwrap();
    let alice = signed_in(&nodes[alive], &alice_name).await;
    let bob = signed_in(&nodes[alive], &bob_name).await;
    alice.send_text(room, "second").await.unwrap();
    // The lease (2 s) runs out and another node records it.
    let page = wait_for_notifications(&bob, 2).await;
    let events: std::collections::HashSet<_> =
        page.notifications.iter().map(|n| n.event_id).collect();
    assert_eq!(
        (page.notifications.len(), events.len()),
        (2, 2),
        "each message notified once: {page:?}"
    );
    let successors: Vec<usize> = (0..nodes.len())
        .filter(|&i| i != holder && recorded_notifications(&nodes[i]))
        .collect();
    assert_eq!(successors.len(), 1, "one other node took the lease over");
}

/// Whether `node` logged that it took the notifier's lease.
fn recorded_notifications(node: &TestServer) -> bool {
    node.log()
        .iter()
        .any(|line| line.contains(RECORDS_NOTIFICATIONS))
}

/// Polls `client`'s notifications until there are `count`, for at most 20 s.
async fn wait_for_notifications(
    client: &Client,
    count: usize,
) -> confab_client::proto::notifications::NotificationPage {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let page = client.notifications("").await.expect("notifications");
        if page.notifications.len() >= count {
            return page;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} notifications after 20 s, not {count}",
            page.notifications.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_needs_postgres_and_files_every_node_reaches() {
    let nats = TestNats::start();
    let on_sqlite = TestServer::builder(Backend::Sqlite)
        .args([
            "--nats-url".to_owned(),
            nats.url(),
            "--files-dir-shared".to_owned(),
        ])
        .start()
        .await;
    assert_refused(on_sqlite, "it needs --database-url postgres://");
    let local_files = TestServer::builder(Backend::Postgres)
        .args(["--nats-url".to_owned(), nats.url()])
        .start()
        .await;
    assert_refused(local_files, "several nodes must reach every file");
    let bad_subject = TestServer::builder(Backend::Postgres)
        .args([
            "--nats-url",
            &nats.url(),
            "--files-dir-shared",
            "--nats-subject",
            "confab.*",
        ])
        .start()
        .await;
    assert_refused(bad_subject, "--nats-subject");
}

fn assert_refused(started: Result<TestServer, Error>, reason: &str) {
    match started {
        Err(Error::NotListening { log, .. }) => assert!(log.contains(reason), "{log}"),
        Err(other) => panic!("{other}"),
        Ok(server) => panic!("{} started", server.url),
    }
}

/// `confab_bus_messages_total{outcome="received"}` of `node`.
async fn bus_received(node: &TestServer) -> f64 {
    let (http, url) = node.raw("/metrics");
    let text = http.get(&url).send().await.unwrap().text().await.unwrap();
    text.lines()
        .find(|line| line.starts_with("confab_bus_messages_total{outcome=\"received\"}"))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0.0)
}
