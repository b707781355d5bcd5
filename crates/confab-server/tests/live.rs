//! The WebSocket protocol against a real server, on SQLite and PostgreSQL: live
//! delivery, ordering, resume, backpressure, bad frames and shutdown.

mod common;

use common::{Backend, TestServer, id_of, live, signed_up};
use confab_client::proto::events::{EventContent, MessageBody};
use confab_client::proto::rooms::CreateGroupRequest;
use confab_client::proto::ws::{ClientFrame, ServerFrame, close_code};
use confab_client::{Client, Incoming, Live};
use confab_proto::{ErrorCode, EventId, RoomId, UserId};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

on_both_backends!(
    direct_messages_arrive_live,
    only_members_receive_and_removed_members_stop_at_once,
    every_listener_sees_the_same_order,
    a_reconnect_mid_burst_loses_and_duplicates_nothing,
    a_slow_consumer_is_disconnected_and_catches_up,
    bad_frames_get_errors_and_the_server_keeps_serving,
    the_first_frame_must_authenticate,
    an_expired_token_is_replaced_without_reconnecting,
    shutdown_closes_connections_as_going_away,
    a_gap_too_long_to_replay_asks_for_a_resync,
    receipts_reach_the_sender_and_every_device,
    typing_starts_stops_and_expires,
    a_cursor_from_the_future_asks_for_a_resync,
    presence_combines_devices_and_reaches_contacts_only,
    a_frame_far_over_the_limit_gets_a_clean_1009,
    a_read_over_rest_reaches_members_as_a_receipt,
    a_revoked_session_ends_its_socket_and_is_refused_at_hello,
    revocation_ends_sockets_at_once_and_their_requests_are_refused,
    a_socket_whose_token_expires_unrefreshed_is_closed,
    presence_toggling_is_debounced_and_counted_against_the_budget,
);

/// Options for a server with a small frame limit (4 KiB; the message limit has to
/// be a third of it at most).
const SMALL_FRAMES: &[&str] = &["--max-body-bytes", "4096", "--max-message-bytes", "1024"];

/// Waits at most this long for anything that should arrive.
const PATIENCE: Duration = Duration::from_secs(30);

async fn group(owner: &Client, members: &[&Client]) -> RoomId {
    common::group_with(owner, "g", members).await
}

fn text(event: &confab_proto::events::RoomEvent) -> Option<&str> {
    match &event.content {
        EventContent::Message(m) => match &m.body {
            Some(MessageBody::Text { text }) => Some(text),
            _ => None,
        },
        _ => None,
    }
}

/// The next frame, skipping presence announcements (tests of presence read them
/// with `next_presence_of`) and notification frames (tests/notifications.rs tests
/// those).
async fn next_frame(live: &mut Live) -> Incoming {
    loop {
        let incoming = tokio::time::timeout(PATIENCE, live.recv())
            .await
            .expect("a frame in time")
            .unwrap();
        if !matches!(
            incoming,
            Incoming::Frame(
                ServerFrame::Presence(_)
                    | ServerFrame::Notification { .. }
                    | ServerFrame::NotificationsRead { .. }
            )
        ) {
            return incoming;
        }
    }
}

/// The next message event, skipping membership and other events.
async fn next_message(live: &mut Live) -> confab_proto::events::RoomEvent {
    loop {
        let event = tokio::time::timeout(PATIENCE, live.next_event())
            .await
            .expect("an event in time")
            .unwrap();
        if text(&event).is_some() {
            return event;
        }
    }
}

async fn direct_messages_arrive_live(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let room = common::direct(&alice, &bob).await;
    let mut alice_live = live(&alice, None).await;
    let mut bob_live = live(&bob, None).await;

    let sent = alice_live.send_text(room, "c1", "hello bob").await.unwrap();
    let received = next_message(&mut bob_live).await;
    assert_eq!(received, sent);
    assert_eq!(
        next_message(&mut alice_live).await.id,
        sent.id,
        "my other devices see my messages too"
    );

    bob.send_text(room, "hi alice (over REST)").await.unwrap();
    assert_eq!(
        text(&next_message(&mut alice_live).await),
        Some("hi alice (over REST)")
    );

    // A retried send over the socket returns the original.
    let again = alice_live.send_text(room, "c1", "hello bob").await.unwrap();
    assert_eq!(again.id, sent.id);
}

async fn only_members_receive_and_removed_members_stop_at_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (owner, _) = signed_up(&server, "owner").await;
    let (dave, _) = signed_up(&server, "dave").await;
    let (carol, _) = signed_up(&server, "carol").await;
    let dave_id = id_of(&dave).await;
    let room = group(&owner, &[&dave]).await;
    let other_room = group(&owner, &[&dave, &carol]).await;
    let mut dave_live = live(&dave, None).await;
    let mut carol_live = live(&carol, None).await;

    owner.send_text(room, "before").await.unwrap();
    assert_eq!(text(&next_message(&mut dave_live).await), Some("before"));

    owner.remove_member(room, dave_id).await.unwrap();
    let removal = tokio::time::timeout(PATIENCE, dave_live.next_event())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        removal.content,
        EventContent::MemberRemoved { user_id: dave_id }
    );
    owner.send_text(room, "after").await.unwrap();
    owner.send_text(other_room, "marker").await.unwrap();
    // Events are delivered in log order, so "after" would have come before "marker".
    assert_eq!(text(&next_message(&mut dave_live).await), Some("marker"));
    assert_eq!(
        text(&next_message(&mut carol_live).await),
        Some("marker"),
        "carol never saw the other room"
    );

    assert_eq!(
        common::ws_send_refusal(&mut dave_live, room, "x").await,
        Some(ErrorCode::Forbidden)
    );
}

async fn every_listener_sees_the_same_order(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (owner, _) = signed_up(&server, "owner").await;
    let mut senders = Vec::new();
    for i in 0..20 {
        senders.push(signed_up(&server, &format!("sender{i}x")).await.0);
    }
    let room = group(&owner, &senders.iter().collect::<Vec<_>>()).await;
    let mut listeners = Vec::new();
    for client in [&owner, &senders[0], &senders[19]] {
        listeners.push(live(client, None).await);
    }
    let tasks: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(i, sender)| {
            tokio::spawn(async move {
                let mut socket = live(&sender, None).await;
                socket
                    .send_text(room, &format!("c{i}"), &format!("m{i}"))
                    .await
                    .unwrap();
                socket
            })
        })
        .collect();
    let mut sockets = Vec::new();
    for task in tasks {
        sockets.push(task.await.unwrap());
    }
    let mut orders = Vec::new();
    for listener in &mut listeners {
        let mut order = Vec::new();
        while order.len() < 20 {
            let event = next_message(listener).await;
            order.push((event.seq, text(&event).unwrap().to_owned()));
        }
        assert!(
            order.windows(2).all(|w| w[0].0 < w[1].0),
            "in sequence order"
        );
        orders.push(order);
    }
    assert_eq!(orders[0], orders[1]);
    assert_eq!(orders[0], orders[2]);
}

async fn a_reconnect_mid_burst_loses_and_duplicates_nothing(backend: Backend) {
    const BURST: usize = 1000;
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let room = common::direct(&alice, &bob).await;
    let mut bob_live = live(&bob, None).await;

    let sender = tokio::spawn(async move {
        for i in 0..BURST {
            alice.send_text(room, &format!("burst {i}")).await.unwrap();
        }
    });
    let mut seen = Vec::new();
    let mut cursor = None;
    while seen.len() < 150 {
        let event = next_message(&mut bob_live).await;
        cursor = Some(event.id);
        seen.push(text(&event).unwrap().to_owned());
    }
    drop(bob_live); // The connection drops in the middle of the burst.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut bob_live = live(&bob, cursor).await;
    while seen.len() < BURST {
        let event = next_message(&mut bob_live).await;
        seen.push(text(&event).unwrap().to_owned());
    }
    sender.await.unwrap();
    let expected: Vec<String> = (0..BURST).map(|i| format!("burst {i}")).collect();
    assert_eq!(seen, expected, "every message exactly once, in order");
}

async fn a_slow_consumer_is_disconnected_and_catches_up(backend: Backend) {
    const MOST: usize = 400;
    let server = TestServer::start_with(
        backend,
        &[
            "--ws-queue-frames",
            "4",
            "--max-message-bytes",
            "16384",
            "--ws-idle-timeout",
            "10s",
            "--ws-ping-interval",
            "2s",
        ],
    )
    .await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let room = common::direct(&alice, &bob).await;
    let mut slow = live(&bob, None).await;
    let big = "x".repeat(16_000);
    // Alice sends until the server gives up on Bob, who does not read; he starts
    // reading soon after, well within the closing handshake's timeout.
    let mut count = 0;
    while count < MOST {
        for _ in 0..10 {
            alice
                .send_text(room, &format!("{count} {big}"))
                .await
                .unwrap();
            count += 1;
        }
        if queue_overflows(&server).await >= 1.0 {
            break;
        }
    }
    assert!(count < MOST, "Bob's queue never overflowed");
    let mut received = Vec::new();
    let close_code = loop {
        match next_frame(&mut slow).await {
            Incoming::Frame(ServerFrame::Event { event }) => received.push(event),
            Incoming::Frame(_) => {}
            Incoming::Closed { code, .. } => break code,
        }
    };
    // The overflow (counted above) closed the socket as too slow. Which frame found
    // the queue full is a race: it may be one of Bob's notification frames after the
    // last message, so he may or may not have every message; resuming fills any gap.
    assert_eq!(close_code, close_code::TOO_SLOW);
    assert!(received.len() <= count);

    // He resumes from the last event he got and receives the rest, in order.
    let since = received.last().map(|e| e.id);
    let mut resumed = live(&bob, since).await;
    let mut numbers: Vec<usize> = received
        .iter()
        .filter_map(text)
        .map(|t| t.split(' ').next().unwrap().parse().unwrap())
        .collect();
    while numbers.len() < count {
        let event = next_message(&mut resumed).await;
        numbers.push(
            text(&event)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap(),
        );
    }
    assert_eq!(numbers, (0..count).collect::<Vec<_>>());
}

/// The server's count of connections closed for a full queue.
async fn queue_overflows(server: &TestServer) -> f64 {
    let metrics = reqwest::get(format!("{}/metrics", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("confab_ws_queue_overflows_total "))
        .and_then(|value| value.trim().parse::<f64>().ok())
        .unwrap_or(0.0)
}

async fn bad_frames_get_errors_and_the_server_keeps_serving(backend: Backend) {
    let server = TestServer::start_with(backend, SMALL_FRAMES).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let mut socket = live(&alice, None).await;
    for bad in [
        Message::Text("not json".into()),
        Message::Text(r#"{"type":"launch_rockets"}"#.into()),
        Message::Binary(vec![1, 2, 3].into()),
    ] {
        socket.send_raw(bad).await.unwrap();
        match next_frame(&mut socket).await {
            Incoming::Frame(ServerFrame::Error { id: None, code, .. }) => {
                assert_eq!(code, ErrorCode::InvalidJson)
            }
            other => panic!("expected an error frame, got {other:?}"),
        }
    }
    let pong = socket.request(|id| ClientFrame::Ping { id }).await.unwrap();
    assert!(
        matches!(pong, ServerFrame::Pong { .. }),
        "still serving after bad frames"
    );
    let empty = socket
        .request(|id| ClientFrame::Send {
            id,
            room_id: RoomId(1),
            client_id: "c".into(),
            body: MessageBody::Text { text: "x".into() },
            reply_to: None,
            attachments: Vec::new(),
        })
        .await
        .unwrap();
    assert!(
        matches!(
            empty,
            ServerFrame::Error {
                code: ErrorCode::NotFound,
                ..
            }
        ),
        "{empty:?}"
    );

    socket
        .send_raw(Message::Text("x".repeat(5000).into()))
        .await
        .unwrap();
    let mut saw_error = false;
    let code = loop {
        match next_frame(&mut socket).await {
            Incoming::Frame(ServerFrame::Error {
                code: ErrorCode::PayloadTooLarge,
                ..
            }) => saw_error = true,
            Incoming::Frame(_) => {}
            Incoming::Closed { code, .. } => break code,
        }
    };
    assert!(saw_error);
    assert_eq!(code, 1009);
    // Other connections are unaffected.
    let mut other = live(&alice, None).await;
    assert!(matches!(
        other.request(|id| ClientFrame::Ping { id }).await.unwrap(),
        ServerFrame::Pong { .. }
    ));
}

async fn the_first_frame_must_authenticate(backend: Backend) {
    let server = TestServer::start(backend).await;
    signed_up(&server, "alice").await;
    let url = format!("{}/api/v1/ws", server.url.replace("http://", "ws://"));

    let (mut socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    use futures_util::SinkExt as _;
    socket
        .send(Message::Text(r#"{"type":"ping","id":"1"}"#.into()))
        .await
        .unwrap();
    let code = close_code_of_raw(&mut socket).await;
    assert_eq!(code, close_code::PROTOCOL);

    let (mut socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    socket
        .send(Message::Text(r#"{"type":"hello","token":"forged"}"#.into()))
        .await
        .unwrap();
    assert_eq!(
        close_code_of_raw(&mut socket).await,
        close_code::UNAUTHENTICATED
    );

    let plain = reqwest::get(format!("{}/api/v1/ws", server.url))
        .await
        .unwrap();
    assert_eq!(
        plain.status(),
        reqwest::StatusCode::BAD_REQUEST,
        "a plain GET is not an upgrade"
    );
    let body: serde_json::Value = plain.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_input");
}

async fn an_expired_token_is_replaced_without_reconnecting(backend: Backend) {
    // Long enough that the refreshed token outlives the two requests below even on
    // a busy machine; the first token is simply waited out.
    let server = TestServer::start_with(backend, &["--access-token-ttl", "4s"]).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let room = group(&alice, &[]).await;
    let mut socket = live(&alice, None).await;
    tokio::time::sleep(Duration::from_millis(5100)).await;
    let send = |id| ClientFrame::Send {
        id,
        room_id: room,
        client_id: "after-expiry".into(),
        body: MessageBody::Text { text: "hi".into() },
        reply_to: None,
        attachments: Vec::new(),
    };
    let expired = socket.request(send).await.unwrap();
    assert!(
        matches!(
            expired,
            ServerFrame::Error {
                code: ErrorCode::TokenExpired,
                ..
            }
        ),
        "{expired:?}"
    );
    let fresh = alice.refresh().await.unwrap().access_token;
    let refreshed = socket
        .request(|id| ClientFrame::Refresh { id, token: fresh })
        .await
        .unwrap();
    assert!(matches!(refreshed, ServerFrame::Ok { .. }), "{refreshed:?}");
    let sent = socket.request(send).await.unwrap();
    assert!(
        matches!(sent, ServerFrame::Ok { event: Some(_), .. }),
        "{sent:?}"
    );
}

async fn shutdown_closes_connections_as_going_away(backend: Backend) {
    let mut server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let mut socket = live(&alice, None).await;
    let status = server.stop();
    assert!(status.success(), "{status}");
    match next_frame(&mut socket).await {
        Incoming::Closed { code, .. } => assert_eq!(code, 1001),
        other => panic!("expected going away, got {other:?}"),
    }
}

async fn a_gap_too_long_to_replay_asks_for_a_resync(backend: Backend) {
    let server = TestServer::start_with(backend, &["--ws-resume-max-events", "5"]).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let room = common::direct(&alice, &bob).await;
    let (first, ready) = bob.connect_live(None).await.unwrap();
    let ServerFrame::Ready { cursor: since, .. } = ready else {
        panic!("ready expected, got {ready:?}")
    };
    drop(first);
    let mut newest = since;
    for i in 0..6 {
        newest = alice
            .send_text(room, &format!("missed {i}"))
            .await
            .unwrap()
            .id;
    }
    let (mut resumed, ready) = bob.connect_live(Some(since)).await.unwrap();
    assert!(matches!(ready, ServerFrame::Ready { cursor, .. } if cursor == since));
    let cursor = match next_frame(&mut resumed).await {
        Incoming::Frame(ServerFrame::ResyncRequired { cursor }) => cursor,
        other => panic!("expected resync_required, got {other:?}"),
    };
    assert_eq!(
        cursor, newest,
        "the skipped events are those after since up to the cursor"
    );
    let live_one = alice.send_text(room, "live again").await.unwrap();
    let next = next_message(&mut resumed).await;
    assert_eq!(
        next.id, live_one.id,
        "after a resync, live events continue from the cursor"
    );

    // A gap within the limit is replayed instead.
    let (mut replayed, _) = bob.connect_live(Some(cursor)).await.unwrap();
    assert_eq!(next_message(&mut replayed).await.id, live_one.id);
}

/// The next frame that is not a message event (receipts, typing, errors).
async fn next_signal(live: &mut Live) -> Incoming {
    loop {
        let incoming = next_frame(live).await;
        match &incoming {
            Incoming::Frame(ServerFrame::Event { event }) if text(event).is_some() => {}
            _ => return incoming,
        }
    }
}

async fn receipts_reach_the_sender_and_every_device(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob_phone, bob_name) = signed_up(&server, "bob").await;
    let bob_laptop = server.client();
    bob_laptop
        .sign_in(&bob_name, common::PASSWORD, Some("laptop"))
        .await
        .unwrap();
    let bob = id_of(&bob_phone).await;
    let room = common::direct(&alice, &bob_phone).await;
    let mut alice_live = live(&alice, None).await;
    let mut phone = live(&bob_phone, None).await;
    let mut laptop = live(&bob_laptop, None).await;

    let message = alice.send_text(room, "did you get this?").await.unwrap();
    assert_eq!(next_message(&mut phone).await.id, message.id);
    let ack = phone
        .request(|id| ClientFrame::Delivered {
            id,
            room_id: room,
            seq: message.seq,
        })
        .await
        .unwrap();
    assert!(
        matches!(ack, ServerFrame::Ok { event: Some(_), .. }),
        "{ack:?}"
    );
    let delivered = EventContent::DeliveredUpTo {
        user_id: bob,
        seq: message.seq,
    };
    match next_signal(&mut alice_live).await {
        Incoming::Frame(ServerFrame::Event { event }) => assert_eq!(event.content, delivered),
        other => panic!("expected a delivery receipt, got {other:?}"),
    }

    let read = phone
        .request(|id| ClientFrame::Read {
            id,
            room_id: room,
            seq: message.seq,
        })
        .await
        .unwrap();
    assert!(
        matches!(read, ServerFrame::Ok { event: Some(_), .. }),
        "{read:?}"
    );
    let read_event = EventContent::ReadUpTo {
        user_id: bob,
        seq: message.seq,
    };
    for socket in [&mut alice_live, &mut laptop] {
        loop {
            match next_signal(socket).await {
                Incoming::Frame(ServerFrame::Event { event }) if event.content == read_event => {
                    break;
                }
                Incoming::Frame(ServerFrame::Event { event }) if event.content == delivered => {}
                other => panic!("expected a read receipt, got {other:?}"),
            }
        }
    }
    // Unread counts follow across devices, and the sender can see who read what.
    assert_eq!(bob_laptop.rooms().await.unwrap()[0].unread_count, 0);
    let marker = alice
        .members(room)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.user_id == bob)
        .unwrap();
    assert_eq!(
        (marker.delivered_seq, marker.read_seq),
        (message.seq, message.seq)
    );
    // Receipts do not reorder the room list or count as unread.
    assert_eq!(alice.rooms().await.unwrap()[0].unread_count, 0);
    // Moving a marker back changes nothing.
    let again = phone
        .request(|id| ClientFrame::Read {
            id,
            room_id: room,
            seq: message.seq,
        })
        .await
        .unwrap();
    assert!(
        matches!(again, ServerFrame::Ok { event: None, .. }),
        "{again:?}"
    );
}

async fn typing_starts_stops_and_expires(backend: Backend) {
    let server = TestServer::start_with(backend, &["--typing-timeout", "1s"]).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let (carol, _) = signed_up(&server, "carol").await;
    let alice_id = id_of(&alice).await;
    let room = common::direct(&alice, &bob).await;
    let mut alice_live = live(&alice, None).await;
    let mut bob_live = live(&bob, None).await;
    let typing = |value: bool| ServerFrame::Typing {
        room_id: room,
        user_id: alice_id,
        typing: value,
    };

    for value in [true, false, true] {
        alice_live
            .send(&ClientFrame::Typing {
                room_id: room,
                typing: value,
            })
            .await
            .unwrap();
        assert_eq!(
            next_signal(&mut bob_live).await,
            Incoming::Frame(typing(value))
        );
    }
    // Without a refresh the indicator ends by itself.
    assert_eq!(
        next_signal(&mut bob_live).await,
        Incoming::Frame(typing(false))
    );
    // Alice never hears her own typing: the next thing she receives is her message.
    let sent = alice.send_text(room, "done typing").await.unwrap();
    match next_frame(&mut alice_live).await {
        Incoming::Frame(ServerFrame::Event { event }) => assert_eq!(event.id, sent.id),
        other => panic!("expected only my message, got {other:?}"),
    }

    let mut carol_live = live(&carol, None).await;
    carol_live
        .send(&ClientFrame::Typing {
            room_id: room,
            typing: true,
        })
        .await
        .unwrap();
    match next_signal(&mut carol_live).await {
        Incoming::Frame(ServerFrame::Error { code, .. }) => assert_eq!(code, ErrorCode::Forbidden),
        other => panic!("expected forbidden, got {other:?}"),
    }
}

/// A server with this heartbeat (`--ws-ping-interval`), one account signed in on a
/// laptop and a phone, and the phone's session revoked from the laptop while the
/// phone's socket is open. Returns the server, the laptop, the phone and its socket.
async fn phone_revoked_while_connected(
    backend: Backend,
    ping_interval: &str,
) -> (TestServer, Client, Client, Live) {
    let server = TestServer::start_with(
        backend,
        &[
            "--ws-ping-interval",
            ping_interval,
            "--ws-idle-timeout",
            "300s",
        ],
    )
    .await;
    let (laptop, name) = signed_up(&server, "erin").await;
    let phone = server.client();
    phone
        .sign_in(&name, common::PASSWORD, Some("phone"))
        .await
        .unwrap();
    let phone_live = live(&phone, None).await;
    laptop
        .revoke_session(phone.tokens().await.unwrap().session_id)
        .await
        .unwrap();
    (server, laptop, phone, phone_live)
}

async fn a_cursor_from_the_future_asks_for_a_resync(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let room = common::direct(&alice, &bob).await;
    let newest = bob
        .history(room, "")
        .await
        .unwrap()
        .events
        .last()
        .unwrap()
        .id;
    let (mut socket, ready) = bob.connect_live(Some(EventId(1_000_000))).await.unwrap();
    let ServerFrame::Ready { cursor, .. } = ready else {
        panic!("ready expected")
    };
    assert_eq!(cursor, newest, "clamped to the newest event, not since");
    match next_frame(&mut socket).await {
        Incoming::Frame(ServerFrame::ResyncRequired { cursor: resync }) => {
            assert_eq!(resync, cursor)
        }
        other => panic!("expected resync_required, got {other:?}"),
    }
    let sent = alice.send_text(room, "not lost").await.unwrap();
    assert_eq!(next_message(&mut socket).await.id, sent.id);
}

/// The next presence frame about `user`, skipping everything else.
async fn next_presence_of(live: &mut Live, user: UserId) -> confab_proto::users::PresenceStatus {
    common::next_frame(live, |frame| match frame {
        ServerFrame::Presence(presence) if presence.user_id == user => Some(presence.status),
        _ => None,
    })
    .await
}

async fn presence_combines_devices_and_reaches_contacts_only(backend: Backend) {
    use confab_proto::users::PresenceStatus::{Away, Offline, Online};
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob_phone, bob_name) = signed_up(&server, "bob").await;
    let (carol, _) = signed_up(&server, "carol").await;
    let bob = id_of(&bob_phone).await;
    common::direct(&alice, &bob_phone).await;
    let bob_laptop = server.client();
    bob_laptop
        .sign_in(&bob_name, common::PASSWORD, Some("laptop"))
        .await
        .unwrap();
    let mut watcher = live(&alice, None).await;
    let away = |status| ClientFrame::Presence { status };

    let mut phone = live(&bob_phone, None).await;
    assert_eq!(next_presence_of(&mut watcher, bob).await, Online);
    let mut laptop = live(&bob_laptop, None).await; // Still online: no announcement.
    phone.send(&away(Away)).await.unwrap(); // The laptop is active: still online.
    laptop.send(&away(Away)).await.unwrap(); // Now every device is idle.
    assert_eq!(
        next_presence_of(&mut watcher, bob).await,
        Away,
        "no announcement came in between"
    );
    laptop.close().await.unwrap(); // The phone is still connected, idle.
    phone.send(&away(Online)).await.unwrap();
    assert_eq!(next_presence_of(&mut watcher, bob).await, Online);
    drop(phone);
    assert_eq!(next_presence_of(&mut watcher, bob).await, Offline);

    let seen = alice.presence(&[bob]).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].status, Offline);
    assert!(seen[0].last_seen_at.is_some());
    assert!(
        carol.presence(&[bob]).await.unwrap().is_empty(),
        "strangers see nothing"
    );
    let mut carol_live = live(&carol, None).await;
    let mut phone = live(&bob_phone, None).await;
    assert_eq!(next_presence_of(&mut watcher, bob).await, Online);
    // Carol shares no room with Bob: the next thing she gets is her own message.
    let own_room = carol
        .create_group(&CreateGroupRequest {
            name: "me".into(),
            topic: String::new(),
            members: vec![],
            encrypted: false,
            ..Default::default()
        })
        .await
        .unwrap();
    let sent = carol.send_text(own_room.id, "alone").await.unwrap();
    loop {
        match tokio::time::timeout(PATIENCE, carol_live.recv())
            .await
            .unwrap()
            .unwrap()
        {
            Incoming::Frame(ServerFrame::Presence(p)) => {
                assert_ne!(p.user_id, bob, "presence leaked to a stranger")
            }
            Incoming::Frame(ServerFrame::Event { event }) if event.id == sent.id => break,
            _ => {}
        }
    }
    phone.send(&away(Offline)).await.unwrap();
    loop {
        match next_signal(&mut phone).await {
            Incoming::Frame(ServerFrame::Presence(_)) => {}
            Incoming::Frame(ServerFrame::Error { code, .. }) => {
                break assert_eq!(code, ErrorCode::InvalidInput);
            }
            other => panic!("expected an error, got {other:?}"),
        }
    }
}

/// A raw WebSocket, for frames `confab-client` would never send.
type RawSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The code of the close frame that ends `socket`, skipping other frames. A
/// connection that ends without one (a reset: what browsers report as 1006) fails.
async fn close_code_of_raw(socket: &mut RawSocket) -> u16 {
    use futures_util::StreamExt as _;
    loop {
        match tokio::time::timeout(PATIENCE, socket.next()).await.unwrap() {
            Some(Ok(Message::Close(Some(frame)))) => return frame.code.into(),
            Some(Ok(Message::Close(None))) => panic!("a close frame without a code"),
            Some(Ok(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

async fn a_frame_far_over_the_limit_gets_a_clean_1009(backend: Backend) {
    use futures_util::{SinkExt as _, StreamExt as _};
    // The WebSocket layer itself refuses frames over four times the body limit
    // (16 KiB here). The frame is far larger, so the client is still sending it when
    // the server gives up on it: the server must still close in order (its close
    // frame, then the end of the stream), not reset the connection and lose the code.
    let server = TestServer::start_with(backend, SMALL_FRAMES).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let url = format!("{}/api/v1/ws", server.url.replace("http://", "ws://"));
    let huge = || Message::Text("x".repeat(1 << 20).into());
    for round in 0..6 {
        let (mut socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        // Every other round before `hello`, the others after `ready`.
        if round % 2 == 1 {
            let token = alice.tokens().await.unwrap().access_token;
            let hello = serde_json::to_string(&ClientFrame::Hello { token, since: None }).unwrap();
            socket.send(Message::Text(hello.into())).await.unwrap();
            match tokio::time::timeout(PATIENCE, socket.next()).await.unwrap() {
                Some(Ok(Message::Text(text))) => {
                    assert!(text.contains(r#""type":"ready""#), "{text}")
                }
                other => panic!("expected ready, got {other:?}"),
            }
        }
        socket.send(huge()).await.unwrap();
        assert_eq!(close_code_of_raw(&mut socket).await, 1009, "round {round}");
    }
}

async fn a_read_over_rest_reaches_members_as_a_receipt(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let bob_id = id_of(&bob).await;
    let room = common::direct(&alice, &bob).await;
    let message = alice.send_text(room, "read me").await.unwrap();
    let mut alice_live = live(&alice, None).await;
    let mut bob_live = live(&bob, None).await;

    bob.mark_read(room, message.seq).await.unwrap();
    let receipt = EventContent::ReadUpTo {
        user_id: bob_id,
        seq: message.seq,
    };
    for socket in [&mut alice_live, &mut bob_live] {
        match next_signal(socket).await {
            Incoming::Frame(ServerFrame::Event { event }) => assert_eq!(event.content, receipt),
            other => panic!("expected a read receipt, got {other:?}"),
        }
    }
    // A marker that does not move stores nothing: the next event is the message.
    bob.mark_read(room, message.seq).await.unwrap();
    let next = alice.send_text(room, "and this").await.unwrap();
    match next_frame(&mut alice_live).await {
        Incoming::Frame(ServerFrame::Event { event }) => assert_eq!(event.id, next.id),
        other => panic!("expected the message, got {other:?}"),
    }
}

async fn a_revoked_session_ends_its_socket_and_is_refused_at_hello(backend: Backend) {
    // No heartbeat during the test: the socket ends because of the revocation.
    let (_server, laptop, phone, mut open) = phone_revoked_while_connected(backend, "120s").await;
    let (code, saw_error) = closed_after(&mut open, ErrorCode::SessionRevoked).await;
    assert_eq!((code, saw_error), (close_code::UNAUTHENTICATED, true));
    live(&laptop, None).await; // The other session is unaffected.

    // A new socket: `hello` checks the session.
    let (mut refused, first) = phone.connect_live(None).await.unwrap();
    assert!(
        matches!(
            first,
            ServerFrame::Error {
                id: None,
                code: ErrorCode::SessionRevoked,
                ..
            }
        ),
        "{first:?}"
    );
    match next_frame(&mut refused).await {
        Incoming::Closed { code, .. } => assert_eq!(code, close_code::UNAUTHENTICATED),
        other => panic!("expected the close, got {other:?}"),
    }
}

/// Waits for the close of `live`, returning its code and whether a `session_revoked`
/// or `token_expired` error (`expected`) came before it.
async fn closed_after(live: &mut Live, expected: ErrorCode) -> (u16, bool) {
    let mut saw_error = false;
    loop {
        match next_frame(live).await {
            Incoming::Frame(ServerFrame::Error { code, .. }) if code == expected => {
                saw_error = true
            }
            Incoming::Frame(_) => {}
            Incoming::Closed { code, .. } => return (code, saw_error),
        }
    }
}

/// Signing out a device, "sign out everywhere else" and a password change each end
/// the affected sockets at once: the heartbeat (which would also notice) is set to
/// an hour here, so only the revocation itself can close them. A request sent right
/// after the revocation was answered is refused, and nothing of it is stored.
async fn revocation_ends_sockets_at_once_and_their_requests_are_refused(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        &["--ws-ping-interval", "1h", "--ws-idle-timeout", "2h"],
    )
    .await;
    let (laptop, name) = signed_up(&server, "frank").await;
    let device = |label: &'static str| {
        let client = server.client();
        let name = name.clone();
        async move {
            client
                .sign_in(&name, common::PASSWORD, Some(label))
                .await
                .unwrap();
            client
        }
    };
    let room = group(&laptop, &[]).await;

    // 1. One device revoked from another.
    let phone = device("phone").await;
    let mut phone_live = live(&phone, None).await;
    laptop
        .revoke_session(phone.tokens().await.unwrap().session_id)
        .await
        .unwrap();
    let late = phone_live
        .request(|id| ClientFrame::Send {
            id,
            room_id: room,
            client_id: "after-revocation".into(),
            body: MessageBody::Text {
                text: "must not be stored".into(),
            },
            reply_to: None,
            attachments: Vec::new(),
        })
        .await;
    assert!(
        !matches!(late, Ok(ServerFrame::Ok { .. })),
        "a request after revocation is refused: {late:?}"
    );
    let (code, _) = closed_after(&mut phone_live, ErrorCode::SessionRevoked).await;
    assert_eq!(code, close_code::UNAUTHENTICATED);
    let history = laptop.history(room, "").await.unwrap();
    assert!(
        history
            .events
            .iter()
            .all(|e| text(e) != Some("must not be stored")),
        "nothing sent after the revocation is stored"
    );

    // 2. Every other session, from the laptop.
    let tablet = device("tablet").await;
    let mut tablet_live = live(&tablet, None).await;
    let mut laptop_live = live(&laptop, None).await;
    laptop.revoke_other_sessions().await.unwrap();
    let (code, saw_error) = closed_after(&mut tablet_live, ErrorCode::SessionRevoked).await;
    assert_eq!((code, saw_error), (close_code::UNAUTHENTICATED, true));

    // 3. A password change ends the others too, and the laptop keeps working.
    let desk = device("desk").await;
    let mut desk_live = live(&desk, None).await;
    laptop
        .change_password(common::PASSWORD, "a completely new passphrase")
        .await
        .unwrap();
    let (code, saw_error) = closed_after(&mut desk_live, ErrorCode::SessionRevoked).await;
    assert_eq!((code, saw_error), (close_code::UNAUTHENTICATED, true));
    let sent = laptop.send_text(room, "still here").await.unwrap();
    assert_eq!(next_message(&mut laptop_live).await.id, sent.id);
}

/// A socket whose access token expires is closed with `4001` after the grace unless
/// it sends a `refresh`; one that refreshes goes on.
async fn a_socket_whose_token_expires_unrefreshed_is_closed(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        &["--access-token-ttl", "3s", "--ws-token-grace", "1s"],
    )
    .await;
    let (alice, _) = signed_up(&server, "alice").await;
    let room = group(&alice, &[]).await;
    let mut stale = live(&alice, None).await;
    let mut kept = live(&alice, None).await;
    // Refreshing halfway moves the kept socket's end about two seconds past the
    // stale one's.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let fresh = alice.refresh().await.unwrap().access_token;
    let refreshed = kept
        .request(|id| ClientFrame::Refresh { id, token: fresh })
        .await
        .unwrap();
    assert!(matches!(refreshed, ServerFrame::Ok { .. }), "{refreshed:?}");

    let (code, saw_error) = closed_after(&mut stale, ErrorCode::TokenExpired).await;
    assert_eq!((code, saw_error), (close_code::UNAUTHENTICATED, true));
    // The refreshed socket outlived the first token and still gets events.
    let sent = alice
        .send_text(room, "for the refreshed one")
        .await
        .unwrap();
    assert_eq!(next_message(&mut kept).await.id, sent.id);
}

/// A device flipping between online and away as fast as it can costs its contacts a
/// few presence frames, not one per flip: flips beyond the request budget are
/// dropped, and announcements are debounced.
async fn presence_toggling_is_debounced_and_counted_against_the_budget(backend: Backend) {
    use confab_proto::users::PresenceStatus::{Away, Online};
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob_client, _) = signed_up(&server, "bob").await;
    let bob = id_of(&bob_client).await;
    let room = common::direct(&alice, &bob_client).await;
    let mut watcher = live(&alice, None).await;
    let mut flipper = live(&bob_client, None).await;
    assert_eq!(next_presence_of(&mut watcher, bob).await, Online);
    for i in 0..400 {
        let status = if i % 2 == 0 { Away } else { Online };
        flipper
            .send(&ClientFrame::Presence { status })
            .await
            .unwrap();
    }
    // Bob ends online; a message after the burst marks where to stop counting.
    flipper
        .send(&ClientFrame::Presence { status: Online })
        .await
        .ok();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let marker = bob_client.send_text(room, "done flipping").await.unwrap();
    let mut frames = 0;
    loop {
        match tokio::time::timeout(PATIENCE, watcher.recv())
            .await
            .expect("the marker in time")
            .unwrap()
        {
            Incoming::Frame(ServerFrame::Presence(p)) if p.user_id == bob => frames += 1,
            Incoming::Frame(ServerFrame::Event { event }) if event.id == marker.id => break,
            Incoming::Closed { code, reason } => panic!("closed: {code} {reason}"),
            _ => {}
        }
    }
    assert!(
        frames <= 4,
        "400 flips reached the contact as {frames} presence frames"
    );
    // The flipping socket was not punished beyond dropped flips: it still works.
    let sent = flipper
        .request(|id| ClientFrame::Ping { id })
        .await
        .unwrap();
    assert!(matches!(sent, ServerFrame::Pong { .. }), "{sent:?}");
}
