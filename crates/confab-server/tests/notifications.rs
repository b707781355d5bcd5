//! Notifications against a real server on SQLite and PostgreSQL: who is notified of
//! what, levels, do-not-disturb, counts and read state, live frames, and Web Push to
//! a test push service on loopback that checks the VAPID token and decrypts the
//! payload (RFC 8291) with the subscription's keys.

mod common;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Backend, TestServer, code, direct, group_with, id_of, signed_up};
use confab_client::proto::ws::ServerFrame;
use confab_client::{Client, Incoming};
use confab_proto::ErrorCode;
use confab_proto::notifications::{
    MarkNotificationsReadRequest, NotificationKind, NotificationLevel, NotificationPage, PushKeys,
    PushPayload, PushSubscriptionRequest, RoomNotificationLevel, SetNotificationSettingsRequest,
};
use confab_proto::rooms::Role;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike as _, ES256PublicKey};
use web_push_native::jwt_simple::claims::NoCustomClaims;
use web_push_native::jwt_simple::common::VerificationOptions;

on_both_backends!(
    mentions_notify_once_and_muted_members_never,
    room_mentions_need_the_role_and_levels_apply,
    reads_and_counts_agree_and_frames_arrive_live,
    do_not_disturb_records_without_push,
    web_push_reaches_an_offline_device_encrypted_and_signed,
);

const PATIENCE: Duration = Duration::from_secs(30);

/// Polls `client`'s notifications until `done` holds.
async fn notifications_until(
    client: &Client,
    done: impl Fn(&NotificationPage) -> bool,
) -> NotificationPage {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let page = client.notifications("").await.expect("notifications");
        if done(&page) {
            return page;
        }
        assert!(
            Instant::now() < deadline,
            "notifications never became {page:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the notifier has caught up with everything sent so far: a marker
/// message in a direct room with `probe` notifies `probe`.
async fn settle(sender: &Client, probe: &Client, marker: &str) {
    let room = direct(sender, probe).await;
    sender.send_text(room, marker).await.expect("marker");
    notifications_until(probe, |p| {
        p.notifications
            .iter()
            .any(|n| n.excerpt.as_deref() == Some(marker))
    })
    .await;
}

async fn mentions_notify_once_and_muted_members_never(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, bob_name) = signed_up(&server, "bob").await;
    let (carol, carol_name) = signed_up(&server, "carol").await;
    let (probe, _) = signed_up(&server, "probe").await;
    let room = group_with(&alice, "Design", &[&bob, &carol]).await;
    carol
        .set_room_level(
            room,
            &RoomNotificationLevel {
                level: NotificationLevel::Nothing,
                default: false,
            },
        )
        .await
        .expect("mute");
    alice
        .send_text(
            room,
            &format!("@{bob_name} and @{carol_name}, and @{bob_name} again"),
        )
        .await
        .expect("send");
    alice
        .send_text(room, "no mention here")
        .await
        .expect("send");
    settle(&alice, &bob, "marker-1").await;
    settle(&alice, &carol, "marker-2").await;

    let bobs = bob.notifications("").await.unwrap();
    let in_room: Vec<_> = bobs
        .notifications
        .iter()
        .filter(|n| n.room_id == room)
        .collect();
    assert_eq!(in_room.len(), 1, "exactly one notification: {in_room:?}");
    assert_eq!(in_room[0].kind, NotificationKind::Mention);
    assert_eq!(in_room[0].actor_id, id_of(&alice).await);
    assert!(in_room[0].excerpt.as_deref().unwrap().contains("again"));
    let carols = carol.notifications("").await.unwrap();
    assert!(
        carols.notifications.iter().all(|n| n.room_id != room),
        "muted: {carols:?}"
    );
    let alices = alice.notifications("").await.unwrap();
    assert!(
        alices.notifications.is_empty(),
        "the sender is never notified"
    );
    // The room list agrees: one mention for Bob.
    let summary = bob.room(room).await.unwrap();
    assert_eq!(summary.mention_count, 1);
    assert_eq!(summary.notification_level, NotificationLevel::Mentions);
    assert_eq!(
        carol.room(room).await.unwrap().notification_level,
        NotificationLevel::Nothing
    );
    drop(probe);
}

async fn room_mentions_need_the_role_and_levels_apply(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let (carol, _) = signed_up(&server, "carol").await;
    let room = group_with(&alice, "Ops", &[&bob, &carol]).await;
    // A member may not mention @room (the default lowest role is admin).
    assert_eq!(
        code(bob.send_text(room, "@room lunch?").await),
        ErrorCode::Forbidden
    );
    carol
        .set_room_level(
            room,
            &RoomNotificationLevel {
                level: NotificationLevel::All,
                default: false,
            },
        )
        .await
        .unwrap();
    alice
        .send_text(room, "@room standup now")
        .await
        .expect("owner may");
    bob.send_text(room, "plain chatter").await.unwrap();
    alice
        .set_role(room, id_of(&bob).await, Role::Admin)
        .await
        .unwrap();
    settle(&alice, &carol, "marker-3").await;
    settle(&alice, &bob, "marker-4").await;

    let kinds = |page: &NotificationPage| -> Vec<NotificationKind> {
        let mut kinds: Vec<_> = page
            .notifications
            .iter()
            .filter(|n| n.room_id == room)
            .map(|n| n.kind)
            .collect();
        kinds.reverse();
        kinds
    };
    let carols = carol.notifications("").await.unwrap();
    assert_eq!(
        kinds(&carols),
        vec![NotificationKind::RoomMention, NotificationKind::Message]
    );
    let bobs = bob.notifications("").await.unwrap();
    assert_eq!(
        kinds(&bobs),
        vec![NotificationKind::RoomMention, NotificationKind::RoleChanged]
    );
    let role_change = bobs
        .notifications
        .iter()
        .find(|n| n.kind == NotificationKind::RoleChanged)
        .unwrap();
    assert_eq!(role_change.role, Some(Role::Admin));
    assert_eq!(role_change.room_name.as_deref(), Some("Ops"));
    // Back to the default.
    let level = carol
        .set_room_level(
            room,
            &RoomNotificationLevel {
                level: NotificationLevel::All,
                default: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        level,
        RoomNotificationLevel {
            level: NotificationLevel::Mentions,
            default: true
        }
    );
}

async fn reads_and_counts_agree_and_frames_arrive_live(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let room = direct(&alice, &bob).await;
    let (mut live, _) = bob.connect_live(None).await.expect("connect");
    let first = alice.send_text(room, "one").await.unwrap();
    let second = alice.send_text(room, "two").await.unwrap();
    // Two live notification frames, the second with an unread count of 2.
    let mut counts = Vec::new();
    while counts.len() < 2 {
        let frame = tokio::time::timeout(PATIENCE, live.recv())
            .await
            .expect("in time")
            .expect("open");
        if let Incoming::Frame(ServerFrame::Notification {
            notification,
            unread_count,
        }) = frame
        {
            assert_eq!(notification.kind, NotificationKind::DirectMessage);
            counts.push(unread_count);
        }
    }
    assert_eq!(counts, vec![1, 2]);
    let page = bob.notifications("").await.unwrap();
    assert_eq!(page.unread_count, 2);
    assert_eq!(bob.room(room).await.unwrap().unread_count, 2);
    // Reading the room marks its notifications read, live.
    bob.mark_read(room, first.seq).await.unwrap();
    // (The list and the count are read one after the other, so a poll may fall
    // between the two while the read marker's change commits: wait for both.)
    let page = notifications_until(&bob, |p| {
        p.unread_count == 1 && p.notifications.iter().any(|n| n.seq == first.seq && n.read)
    })
    .await;
    assert!(
        page.notifications
            .iter()
            .any(|n| n.seq == second.seq && !n.read)
    );
    loop {
        let frame = tokio::time::timeout(PATIENCE, live.recv())
            .await
            .expect("in time")
            .expect("open");
        if let Incoming::Frame(ServerFrame::NotificationsRead {
            room_id,
            seq,
            unread_count,
            ..
        }) = frame
        {
            assert_eq!(
                (room_id, seq, unread_count),
                (Some(room), Some(first.seq), 1)
            );
            break;
        }
    }
    // Marking the notification read leaves the room's read marker alone.
    let count = bob
        .mark_notifications_read(&MarkNotificationsReadRequest::default())
        .await
        .unwrap();
    assert_eq!(count.unread_count, 0);
    assert_eq!(bob.room(room).await.unwrap().unread_count, 1);
    // Paging returns each notification once.
    for i in 0..5 {
        alice.send_text(room, &format!("more {i}")).await.unwrap();
    }
    notifications_until(&bob, |p| p.notifications.len() == 7).await;
    let mut seen = Vec::new();
    let mut query = "limit=3".to_owned();
    loop {
        let page = bob.notifications(&query).await.unwrap();
        seen.extend(page.notifications.iter().map(|n| n.id));
        match page.next_before {
            Some(before) => query = format!("limit=3&before={before}"),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (7, 7));
    assert_eq!(
        code(bob.notifications("limit=0").await),
        ErrorCode::InvalidInput
    );
}

async fn do_not_disturb_records_without_push(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let until = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let settings = bob
        .set_notification_settings(&SetNotificationSettingsRequest {
            dnd_until: Some(until),
            quiet_hours: None,
            reactions: true,
        })
        .await
        .unwrap();
    assert!(settings.dnd_active);
    assert!(settings.reactions);
    let bad = bob
        .set_notification_settings(&SetNotificationSettingsRequest {
            dnd_until: None,
            quiet_hours: Some(confab_proto::notifications::QuietHours {
                start: "25:00".into(),
                end: "07:00".into(),
                time_zone: "Europe/Berlin".into(),
                days: vec![],
            }),
            reactions: false,
        })
        .await;
    assert_eq!(code(bad), ErrorCode::InvalidInput);
    // A reaction to Bob's message notifies him (he turned reactions on), recorded
    // during do-not-disturb.
    let room = direct(&alice, &bob).await;
    let message = bob.send_text(room, "ship it?").await.unwrap();
    alice.react(room, message.seq, "🚀", true).await.unwrap();
    let page = notifications_until(&bob, |p| !p.notifications.is_empty()).await;
    assert_eq!(page.notifications[0].kind, NotificationKind::Reaction);
    assert_eq!(page.notifications[0].emoji.as_deref(), Some("🚀"));
}

/// A push service on loopback: every request is checked and decrypted, and the
/// status it answers with can be changed.
#[derive(Clone)]
struct PushService {
    received: Arc<Mutex<Vec<PushPayload>>>,
    status: Arc<Mutex<StatusCode>>,
    secret: web_push_native::p256::SecretKey,
    auth: [u8; 16],
    origin: String,
}

async fn receive_push(
    State(service): State<PushService>,
    Path(_token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(header("content-encoding"), "aes128gcm");
    assert!(!header("ttl").is_empty());
    // Authorization: vapid t=<JWT>, k=<public key>
    let authorization = header("authorization");
    let rest = authorization
        .strip_prefix("vapid t=")
        .expect("a VAPID authorization");
    let (token, key) = rest.split_once(", k=").expect("t and k");
    let public =
        ES256PublicKey::from_bytes(&URL_SAFE_NO_PAD.decode(key).unwrap()).expect("a P-256 key");
    let options = VerificationOptions {
        allowed_audiences: Some([service.origin.clone()].into_iter().collect()),
        ..VerificationOptions::default()
    };
    let claims = public
        .verify_token::<NoCustomClaims>(token, Some(options))
        .expect("a valid VAPID token for this origin");
    assert!(claims.subject.is_some_and(|s| s.starts_with("mailto:")));
    let plain = web_push_native::decrypt(body.to_vec(), &service.secret, &service.auth.into())
        .expect("decrypts with the subscription's keys");
    let payload: PushPayload = serde_json::from_slice(&plain).expect("a push payload");
    service.received.lock().unwrap().push(payload);
    *service.status.lock().unwrap()
}

async fn web_push_reaches_an_offline_device_encrypted_and_signed(backend: Backend) {
    let secret = web_push_native::p256::SecretKey::from_slice(&rand::random::<[u8; 32]>())
        .expect("a P-256 secret");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let service = PushService {
        received: Arc::default(),
        status: Arc::new(Mutex::new(StatusCode::CREATED)),
        secret: secret.clone(),
        auth: rand::random(),
        origin: origin.clone(),
    };
    let app = axum::Router::new()
        .route("/push/{token}", axum::routing::post(receive_push))
        .with_state(service.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let server = TestServer::start_with(
        backend,
        &[
            "--push-delay",
            "300ms",
            "--push-allow-private-endpoints",
            "--push-retry-base",
            "200ms",
        ],
    )
    .await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let key = bob.push_key().await.unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(&key.public_key).unwrap().len(), 65);
    let public = secret.public_key();
    use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint as _;
    let subscription = bob
        .subscribe_push(&PushSubscriptionRequest {
            endpoint: format!("{origin}/push/bob-device"),
            keys: PushKeys {
                p256dh: URL_SAFE_NO_PAD.encode(public.to_encoded_point(false).as_bytes()),
                auth: URL_SAFE_NO_PAD.encode(service.auth),
            },
        })
        .await
        .expect("subscribe");
    assert_eq!(
        bob.push_subscriptions().await.unwrap().subscriptions.len(),
        1
    );

    // Bob is offline: a direct message reaches his push service.
    let room = direct(&alice, &bob).await;
    alice.send_text(room, "are you there?").await.unwrap();
    let deadline = Instant::now() + PATIENCE;
    while service.received.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no push arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let payload = service.received.lock().unwrap()[0].clone();
    assert_eq!(payload.kind, NotificationKind::DirectMessage);
    assert_eq!(payload.body, "are you there?");
    assert!(!payload.encrypted);
    assert_eq!(payload.url, format!("/rooms/{room}?seq={}", payload.seq));

    // An active device (connected, tab visible) suppresses the push.
    let (live, _) = bob.connect_live(None).await.expect("connect");
    alice.send_text(room, "now you are").await.unwrap();
    notifications_until(&bob, |p| p.notifications.len() == 2).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        service.received.lock().unwrap().len(),
        1,
        "no push while active"
    );
    drop(live);

    // Read before the delay: no push.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let read_first = alice.send_text(room, "read me fast").await.unwrap();
    bob.mark_read(room, read_first.seq).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        service.received.lock().unwrap().len(),
        1,
        "no push for a read message"
    );

    // 410 Gone removes the subscription.
    *service.status.lock().unwrap() = StatusCode::GONE;
    alice.send_text(room, "last one").await.unwrap();
    let deadline = Instant::now() + PATIENCE;
    while !bob
        .push_subscriptions()
        .await
        .unwrap()
        .subscriptions
        .is_empty()
    {
        assert!(Instant::now() < deadline, "the gone subscription stayed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(service.received.lock().unwrap().len(), 2);
    assert_eq!(
        code(bob.unsubscribe_push(subscription.id).await),
        ErrorCode::NotFound
    );
    // Endpoints on private addresses are refused unless allowed.
    let strict = TestServer::start(backend).await;
    let (carol, _) = signed_up(&strict, "carol").await;
    let refused = carol
        .subscribe_push(&PushSubscriptionRequest {
            endpoint: format!("{origin}/push/x"),
            keys: PushKeys {
                p256dh: URL_SAFE_NO_PAD.encode(public.to_encoded_point(false).as_bytes()),
                auth: URL_SAFE_NO_PAD.encode(service.auth),
            },
        })
        .await;
    assert_eq!(code(refused), ErrorCode::InvalidInput);
}
