//! Several event writers at once on PostgreSQL (see `event_tx`): readers of the
//! log stop below a writer that has not committed.

use super::changes::append_in;
use super::event_tx::begin_events;
use super::{ConnectOptions, SqlStore};
use crate::clock::Millis;
use crate::config::Backend;
use crate::store::events::{BodyRecord, EventRecord};
use crate::store::rooms::{Appended, NewRoom, RoomChange, RoomStore};
use crate::store::{NewUser, Store};
use confab_proto::EventId;
use confab_proto::rooms::{Role, RoomKind};
use confab_testkit::{Backend as TestBackend, TestDb};
use std::time::Duration;

const NOW: Millis = 1_800_000_000_000;

fn message(client_id: &str) -> RoomChange {
    RoomChange::SendMessage {
        client_id: client_id.to_owned(),
        body: BodyRecord::Text {
            text: client_id.to_owned(),
        },
        reply_to: None,
        mentions: Vec::new(),
        attachments: Vec::new(),
    }
}

fn stored(appended: Appended) -> EventRecord {
    match appended {
        Appended::Event(event) => event,
        other => panic!("expected a stored event, got {other:?}"),
    }
}

fn ids(events: &[EventRecord]) -> Vec<EventId> {
    events.iter().map(|event| event.id).collect()
}

/// Two writers at once on PostgreSQL: the one with the lower id commits last.
/// Until it ends, readers of the log stop below it, so the event committed first
/// with a higher id is not read ahead of it (a reader that did would never go
/// back for the lower one); afterwards both are read, in id order. A writer that
/// rolls back leaves a gap that stops nobody.
#[tokio::test]
async fn postgres_readers_stop_below_a_writer_that_has_not_committed() {
    let db = TestDb::create(TestBackend::Postgres).await;
    let options = ConnectOptions::for_tests(Duration::from_secs(30));
    let store = SqlStore::connect(&db.url, &options).await.expect("connect");
    let user = store
        .create_user(NewUser {
            username: "ada",
            username_key: "ada",
            display_name: "Ada",
            password_hash: None,
            now: NOW,
        })
        .await
        .expect("user")
        .id;
    let mut rooms = Vec::new();
    for name in ["slow", "fast"] {
        let (room, _) = store
            .create_room(NewRoom {
                kind: RoomKind::Group,
                name,
                topic: "",
                encrypted: false,
                visibility: confab_proto::rooms::RoomVisibility::Private,
                posting: confab_proto::rooms::PostingPolicy::Everyone,
                pinning: confab_proto::rooms::PinPolicy::Admins,
                direct_key: None,
                creator: user,
                members: &[(user, Role::Owner)],
                invited: &[],
                now: NOW,
            })
            .await
            .expect("room");
        rooms.push(room.id);
    }
    let before = store.settled_event_id().await.expect("settled");
    assert_eq!(
        store
            .events_after(EventId(0), 100)
            .await
            .expect("log")
            .last()
            .map(|e| e.id),
        Some(before),
        "with no writer open, the log is settled up to its newest event"
    );

    // The slow writer stores its event first, so it has the lower id...
    let mut slow = begin_events(store.pool(), Backend::Postgres)
        .await
        .expect("begin");
    let slow_event = stored(
        append_in(&mut slow, rooms[0], user, &message("slow"), NOW)
            .await
            .expect("slow append"),
    );
    // ...and the fast one, through the group-commit writer, commits first.
    let fast_event = stored(
        store
            .append(rooms[1], user, message("fast"), NOW)
            .await
            .expect("fast append"),
    );
    assert!(slow_event.id < fast_event.id);
    let settled = store.settled_event_id().await.expect("settled");
    assert!(
        settled < slow_event.id,
        "settled at {settled:?} while {:?} is not committed",
        slow_event.id
    );
    assert!(
        store
            .events_after(before, 100)
            .await
            .expect("log")
            .is_empty()
    );
    let replay = store
        .events_for_user_after(user, before, 100)
        .await
        .expect("replay");
    assert!(replay.is_empty(), "replay read ahead: {:?}", ids(&replay));

    slow.commit().await.expect("commit");
    let settled = store.settled_event_id().await.expect("settled");
    assert!(settled >= fast_event.id);
    let log = store.events_after(before, 100).await.expect("log");
    assert_eq!(ids(&log), vec![slow_event.id, fast_event.id]);
    let listed = store
        .event_ids_between(before, settled, 100)
        .await
        .expect("ids");
    assert_eq!(listed, vec![slow_event.id, fast_event.id]);

    // A writer that rolls back holds readers back only while it is open.
    let mut undone = begin_events(store.pool(), Backend::Postgres)
        .await
        .expect("begin");
    stored(
        append_in(&mut undone, rooms[0], user, &message("undone"), NOW)
            .await
            .expect("append"),
    );
    let later = stored(
        store
            .append(rooms[1], user, message("later"), NOW)
            .await
            .expect("later append"),
    );
    assert!(store.settled_event_id().await.expect("settled") < later.id);
    undone.rollback().await.expect("rollback");
    assert!(store.settled_event_id().await.expect("settled") >= later.id);
    let log = store.events_after(fast_event.id, 100).await.expect("log");
    assert_eq!(ids(&log), vec![later.id]);
}
