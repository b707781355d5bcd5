//! The cluster of `tests/cluster.rs` with each node on a host of its own: a Linux
//! network namespace whose one link leads to the test process
//! (`confab_testkit::Hosts`). Through it the node reaches PostgreSQL and NATS, and its
//! clients reach the node. Users spread over three hosts chat as on one node. Then
//! one host's link is cut for a while, a partition: its node loses the database, NATS
//! and its clients at once, and nobody is told. The other nodes keep chatting and see
//! its users go offline, and its client resumes on another node. Once the link is
//! back, the node recovers by itself, without a restart: a client resumes on it, and
//! messages, typing and presence cross again. Every message acknowledged anywhere
//! reaches every member exactly once, in the log's order.
//!
//! Network namespaces need root: without it the test fails, it does not skip.

#[path = "common/cluster.rs"]
mod cluster;
mod common;

use cluster::{nodes, signed_in, wait_for_readiness};
use common::{TestServer, direct, group_with, id_of, live, signed_up};
use confab_client::proto::events::{EventContent, RoomEvent};
use confab_client::proto::users::PresenceStatus;
use confab_client::proto::ws::{ClientFrame, ServerFrame};
use confab_client::proto::{EventId, RoomId, UserId};
use confab_client::{Client, Incoming, Live};
use confab_testkit::{Hosts, TestNats};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::time::timeout;

/// The node whose link is cut.
const CUT: usize = 2;
/// The nodes' `--presence-node-timeout` (see `cluster::nodes`).
const PRESENCE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a message may take to be acknowledged, or to arrive, and a node or a
/// presence to change, before the test calls it lost.
const WITHIN: Duration = Duration::from_secs(30);
/// A burst on the node about to be cut stops at the first message that is not
/// acknowledged within this.
const STALLED: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partitioned_node_recovers_and_nothing_acknowledged_is_lost() {
    let nats = TestNats::start();
    let hosts = Hosts::start(3, &[nats.addr()]);
    let mut nodes = nodes(&nats)
        .on_hosts(&hosts)
        .start_nodes(3)
        .await
        .expect("three nodes start, each on a host of its own");

    // Alice's laptop is on node 0 and her phone on node 1, with Carol; Bob and Dave
    // are on node 2, the one to be cut.
    let (alice, alice_name) = signed_up(&nodes[0], "alice").await;
    let alice_phone = signed_in(&nodes[1], &alice_name).await;
    let (carol, _) = signed_up(&nodes[1], "carol").await;
    let (bob, _) = signed_up(&nodes[CUT], "bob").await;
    let (dave, _) = signed_up(&nodes[CUT], "dave").await;
    let group = group_with(&alice, "Three hosts", &[&bob, &carol, &dave]).await;
    let dm = direct(&alice, &bob).await;
    let (alice_id, carol_id) = (id_of(&alice).await, id_of(&carol).await);
    let (bob_id, dave_id) = (id_of(&bob).await, id_of(&dave).await);
    let everyone = [alice_id, bob_id, carol_id, dave_id];

    let mut laptop = Device::connect("Alice's laptop (node 0)", &alice, &[group, dm]).await;
    let mut phone = Device::connect("Alice's phone (node 1)", &alice_phone, &[group, dm]).await;
    let mut carols = Device::connect("Carol (node 1)", &carol, &[group]).await;
    let mut bobs = Device::connect("Bob (node 2)", &bob, &[group, dm]).await;
    let mut daves = Device::connect("Dave (node 2)", &dave, &[group]).await;

    // Presence crosses nodes: frames to those already connected, and every node's
    // answer over REST.
    laptop
        .wait_for_status(&[carol_id, bob_id, dave_id], PresenceStatus::Online, None)
        .await;
    carols
        .wait_for_status(&[bob_id, dave_id], PresenceStatus::Online, None)
        .await;
    for (node, asker) in [(0, &alice), (1, &carol), (CUT, &dave)] {
        presence_on(node, asker, &everyone, PresenceStatus::Online).await;
    }

    // Everyone writes at once, each on their own node.
    let senders = [
        (alice.clone(), "alice", vec![group, dm]),
        (carol.clone(), "carol", vec![group]),
        (bob.clone(), "bob", vec![group, dm]),
        (dave.clone(), "dave", vec![group]),
    ];
    let mut acknowledged = send_at_once(&senders, 10).await;
    for device in [&mut laptop, &mut phone, &mut carols, &mut bobs, &mut daves] {
        device.receive_all(&acknowledged).await;
    }
    // Typing on node 2 reaches node 0 and node 1.
    bobs.typing(group, true).await;
    for device in [&mut laptop, &mut phone, &mut carols] {
        device
            .read_until("Bob's typing", WITHIN, |d| {
                d.typing.contains(&(group, bob_id))
            })
            .await;
    }

    // The partition: node 2's link is cut while Bob and Dave send there.
    let (bursts, mut burst_acks) = mpsc::unbounded_channel();
    let bursting = [
        tokio::spawn(burst(dave.clone(), group, bursts.clone())),
        tokio::spawn(burst(bob.clone(), dm, bursts)),
    ];
    for _ in 0..20 {
        let event = timeout(WITHIN, burst_acks.recv())
            .await
            .expect("the bursts on node 2 go on")
            .expect("the bursts on node 2 go on");
        acknowledged.push(event);
    }
    let pid = nodes[CUT].pid();
    hosts.cut(CUT);
    let cut_at = Instant::now();

    // The other nodes keep chatting: what they acknowledge arrives live on both.
    let senders = [
        (alice.clone(), "alice during", vec![group, dm]),
        (carol.clone(), "carol during", vec![group]),
    ];
    let during = tokio::spawn(async move { send_at_once(&senders, 5).await });
    // Node 2's users go offline on the others within the presence timeout.
    for device in [&mut laptop, &mut carols] {
        device
            .wait_for_status(&[bob_id, dave_id], PresenceStatus::Offline, Some(cut_at))
            .await;
        let offline_after = device.changed_after(&[bob_id, dave_id], cut_at);
        assert!(
            offline_after <= PRESENCE_TIMEOUT * 4,
            "{}: Bob and Dave went offline {offline_after:?} after their node was cut, \
             long after --presence-node-timeout ({PRESENCE_TIMEOUT:?})",
            device.name
        );
        eprintln!(
            "{}: node 2's users offline {offline_after:?} after the cut",
            device.name
        );
    }
    for (node, asker) in [(0, &alice), (1, &carol)] {
        presence_on(node, asker, &[bob_id, dave_id], PresenceStatus::Offline).await;
    }
    acknowledged.extend(during.await.expect("the senders on nodes 0 and 1"));
    for bursting in bursting {
        bursting.await.expect("a burst");
    }
    while let Ok(event) = burst_acks.try_recv() {
        acknowledged.push(event);
    }
    eprintln!(
        "messages acknowledged during the partition: {:?} after the cut",
        cut_at.elapsed()
    );
    for device in [&mut laptop, &mut phone, &mut carols] {
        device.receive_all(&acknowledged).await;
    }
    // Bob's connection went silent: he resumes on node 0 from his cursor.
    bobs.resume_on(&nodes[0], "Bob (moved to node 0)").await;
    bobs.receive_all(&acknowledged).await;

    // The link comes back: node 2 recovers by itself, and Dave resumes on it.
    let cut_for = cut_at.elapsed();
    hosts.restore(CUT);
    let restored_at = Instant::now();
    let ready_after = wait_for_readiness(&nodes[CUT], |body| body == "ready").await;
    assert_eq!(nodes[CUT].pid(), pid, "node 2 is the same process");
    assert!(nodes[CUT].try_wait().is_none(), "node 2 still runs");
    daves.resume_on(&nodes[CUT], "Dave (back on node 2)").await;
    daves.receive_all(&acknowledged).await;
    let resumed_after = restored_at.elapsed();
    for device in [&mut laptop, &mut carols] {
        device
            .wait_for_status(&[dave_id], PresenceStatus::Online, Some(restored_at))
            .await;
    }
    for (node, asker) in [(0, &alice), (1, &carol), (CUT, &dave)] {
        presence_on(node, asker, &everyone, PresenceStatus::Online).await;
    }

    // Messages and typing cross between node 2 and the others both ways again.
    let from_dave = send_at_once(&[(dave.clone(), "dave after", vec![group])], 5).await;
    let sent_after = restored_at.elapsed();
    for device in [&mut laptop, &mut phone, &mut carols, &mut bobs] {
        device.receive_all(&from_dave).await;
    }
    let delivered_after = restored_at.elapsed();
    let from_alice = send_at_once(&[(alice.clone(), "alice after", vec![group, dm])], 5).await;
    daves.receive_all(&from_alice).await;
    bobs.receive_all(&from_alice).await;
    acknowledged.extend(from_dave.into_iter().chain(from_alice));
    daves.typing(group, true).await;
    laptop
        .read_until("Dave's typing", WITHIN, |d| {
            d.typing.contains(&(group, dave_id))
        })
        .await;
    eprintln!(
        "after the link was cut for {cut_for:?}: node 2 ready in {ready_after:?}, Dave resumed in \
         {resumed_after:?}, his messages acknowledged in {sent_after:?} and delivered on \
         the other nodes in {delivered_after:?}"
    );

    // Every member got every message of their rooms exactly once, in the log's order.
    let log = stored_messages(&alice, &[group, dm]).await;
    for device in [&laptop, &phone, &carols, &bobs, &daves] {
        device.assert_received_the_log(&log);
    }
}

/// One device of a user: its session and live connection, and what it received so
/// far, across reconnections.
struct Device {
    name: &'static str,
    client: Client,
    live: Live,
    rooms: Vec<RoomId>,
    /// The message events processed, in arrival order.
    messages: Vec<RoomEvent>,
    seen: HashSet<EventId>,
    /// The id of the last event processed: where a new connection resumes.
    cursor: Option<EventId>,
    /// Each user's latest `presence` frame, and when it was read.
    presence: HashMap<UserId, (PresenceStatus, Instant)>,
    /// Each `typing: true` frame's room and user.
    typing: Vec<(RoomId, UserId)>,
}

impl Device {
    /// Connects `client`, a member of `rooms`.
    async fn connect(name: &'static str, client: &Client, rooms: &[RoomId]) -> Self {
        Self {
            name,
            client: client.clone(),
            live: live(client, None).await,
            rooms: rooms.to_vec(),
            messages: Vec::new(),
            seen: HashSet::new(),
            cursor: None,
            presence: HashMap::new(),
            typing: Vec::new(),
        }
    }

    /// Reads frames until `done` holds; panics if it does not within `within`, if the
    /// connection ends, or if an event arrives twice or out of order.
    async fn read_until(&mut self, what: &str, within: Duration, done: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + within;
        while !done(self) {
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = match timeout(left, self.live.recv()).await {
                Ok(Ok(Incoming::Frame(frame))) => frame,
                Ok(Ok(Incoming::Closed { code, reason })) => {
                    panic!("{}: closed ({code} {reason}) before {what}", self.name)
                }
                Ok(Err(e)) => panic!("{}: the connection failed before {what}: {e}", self.name),
                Err(_) => panic!("{}: no {what} within {within:?}", self.name),
            };
            self.record(frame);
        }
    }

    fn record(&mut self, frame: ServerFrame) {
        match frame {
            ServerFrame::Event { event } => {
                assert!(
                    self.seen.insert(event.id),
                    "{}: event {:?} arrived twice",
                    self.name,
                    event.id
                );
                assert!(
                    self.cursor < Some(event.id),
                    "{}: event {:?} arrived after {:?}, out of order",
                    self.name,
                    event.id,
                    self.cursor
                );
                self.cursor = Some(event.id);
                if matches!(event.content, EventContent::Message(_)) {
                    self.messages.push(event);
                }
            }
            ServerFrame::Presence(presence) => {
                self.presence
                    .insert(presence.user_id, (presence.status, Instant::now()));
            }
            ServerFrame::Typing {
                room_id,
                user_id,
                typing: true,
            } => self.typing.push((room_id, user_id)),
            _ => {}
        }
    }

    /// Reads until every message of `sent` in this device's rooms has arrived.
    async fn receive_all(&mut self, sent: &[RoomEvent]) {
        let wanted: Vec<EventId> = sent
            .iter()
            .filter(|event| self.rooms.contains(&event.room_id))
            .map(|event| event.id)
            .collect();
        let what = format!("{} acknowledged messages", wanted.len());
        self.read_until(&what, WITHIN, |d| {
            wanted.iter().all(|id| d.seen.contains(id))
        })
        .await;
    }

    /// Reads until a `presence` frame (read after `since`, if given) has said that
    /// each of `users` is `status`.
    async fn wait_for_status(
        &mut self,
        users: &[UserId],
        status: PresenceStatus,
        since: Option<Instant>,
    ) {
        let what = format!("{users:?} {status:?}");
        self.read_until(&what, WITHIN, |d| {
            users.iter().all(|user| {
                d.presence.get(user).is_some_and(|&(now, at)| {
                    now == status && since.is_none_or(|since| at >= since)
                })
            })
        })
        .await;
    }

    /// How long after `since` the last of `users`' latest presence frames was read.
    fn changed_after(&self, users: &[UserId], since: Instant) -> Duration {
        users
            .iter()
            .filter_map(|user| self.presence.get(user))
            .map(|&(_, at)| at.saturating_duration_since(since))
            .max()
            .unwrap_or_default()
    }

    /// Says this device is (not) typing in `room`.
    async fn typing(&mut self, room: RoomId, typing: bool) {
        self.live
            .send(&ClientFrame::Typing {
                room_id: room,
                typing,
            })
            .await
            .unwrap_or_else(|e| panic!("{}: typing: {e}", self.name));
    }

    /// Connects to `node` with this session and resumes from the cursor, as a client
    /// does when its connection went silent: the old one is dropped unread.
    async fn resume_on(&mut self, node: &TestServer, name: &'static str) {
        let client = node.client();
        client.set_tokens(self.client.tokens().await).await;
        let resumed = timeout(WITHIN, live(&client, self.cursor))
            .await
            .unwrap_or_else(|_| panic!("{name}: no `ready` within {WITHIN:?}"));
        (self.name, self.client, self.live) = (name, client, resumed);
    }

    /// The messages received are those of `log` in this device's rooms from the first
    /// received to the last: none missing, none twice, in the log's order.
    fn assert_received_the_log(&self, log: &[RoomEvent]) {
        let got: Vec<EventId> = self.messages.iter().map(|event| event.id).collect();
        let (Some(&first), Some(&last)) = (got.first(), got.last()) else {
            panic!("{}: received no message", self.name);
        };
        let expected: Vec<EventId> = log
            .iter()
            .filter(|event| self.rooms.contains(&event.room_id))
            .map(|event| event.id)
            .filter(|id| (first..=last).contains(id))
            .collect();
        let missing: Vec<_> = expected
            .iter()
            .filter(|id| !self.seen.contains(id))
            .collect();
        let unknown: Vec<_> = got.iter().filter(|id| !expected.contains(id)).collect();
        assert!(
            got == expected,
            "{}: received {} messages, the log has {} from the first to the last; \
             missing {missing:?}, not in the log {unknown:?}",
            self.name,
            got.len(),
            expected.len()
        );
    }
}

/// Each of `senders` sends `count` messages to each of its rooms, all senders at
/// once; answers what was acknowledged. Panics if a message is refused or not
/// acknowledged within [`WITHIN`].
async fn send_at_once(
    senders: &[(Client, &'static str, Vec<RoomId>)],
    count: usize,
) -> Vec<RoomEvent> {
    let mut sending = Vec::new();
    for (client, who, rooms) in senders {
        let (client, who, rooms) = (client.clone(), *who, rooms.clone());
        sending.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..count {
                for &room in &rooms {
                    let text = format!("{who} {i}");
                    let event = timeout(WITHIN, client.send_text(room, &text))
                        .await
                        .unwrap_or_else(|_| {
                            panic!("{who}: {text:?} not acknowledged within {WITHIN:?}")
                        })
                        .unwrap_or_else(|e| panic!("{who}: {text:?} refused: {e}"));
                    acknowledged.push(event);
                }
            }
            acknowledged
        }));
    }
    let mut acknowledged = Vec::new();
    for sent in sending {
        acknowledged.extend(sent.await.expect("a sender"));
    }
    acknowledged
}

/// Sends to `room` until a message is not acknowledged within [`STALLED`] (its node
/// was cut off; it may still be stored) and hands each acknowledged one to `acks`.
async fn burst(client: Client, room: RoomId, acks: mpsc::UnboundedSender<RoomEvent>) {
    for i in 0..1000 {
        match timeout(STALLED, client.send_text(room, &format!("burst {i}"))).await {
            Ok(Ok(event)) => {
                if acks.send(event).is_err() {
                    return;
                }
            }
            _ => return,
        }
    }
}

/// Waits until node `node`, asked by `asker` (a client of it) over REST, says each of
/// `users` is `status`.
async fn presence_on(node: usize, asker: &Client, users: &[UserId], status: PresenceStatus) {
    let started = Instant::now();
    let mut last = None;
    while started.elapsed() < WITHIN {
        if let Ok(Ok(answer)) = timeout(Duration::from_secs(2), asker.presence(users)).await {
            if answer.len() == users.len() && answer.iter().all(|p| p.status == status) {
                return;
            }
            last = Some(answer);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("node {node} did not say {users:?} are {status:?} within {WITHIN:?}: {last:?}");
}

/// Every message of `rooms` as stored, read over REST by `reader` (a member of
/// each), in log order.
async fn stored_messages(reader: &Client, rooms: &[RoomId]) -> Vec<RoomEvent> {
    let mut messages = Vec::new();
    for &room in rooms {
        let mut after = 0;
        loop {
            let page = reader
                .history(room, &format!("after={after}&limit=100"))
                .await
                .expect("the room's history");
            let Some(newest) = page.events.last() else {
                break;
            };
            after = newest.seq;
            let more = page.has_newer;
            messages.extend(
                page.events
                    .into_iter()
                    .filter(|event| matches!(event.content, EventContent::Message(_))),
            );
            if !more {
                break;
            }
        }
    }
    messages.sort_by_key(|event| event.id);
    messages
}
