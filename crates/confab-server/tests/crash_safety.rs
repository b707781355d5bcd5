//! Crash safety: the server is killed with SIGKILL in the middle of a burst of sends,
//! as a power cut or the OOM killer would stop it. After a restart every message the
//! server acknowledged is in history exactly once, the room's sequence has no gap,
//! a client retrying what was not acknowledged creates no duplicate, and the database
//! passes its own integrity check.

mod common;

use common::{Backend, TestServer, signed_up};
use confab_proto::RoomId;
use confab_proto::events::{EventContent, MessageBody, SendMessageRequest};
use confab_proto::rooms::CreateGroupRequest;
use sqlx::Connection as _;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_backends!(acknowledged_messages_survive_a_sigkill_exactly_once);

/// Senders writing at once, and how many acknowledged messages to wait for before
/// the kill.
const WRITERS: usize = 8;
const ACKED_BEFORE_KILL: usize = 150;

fn message(client_id: &str) -> SendMessageRequest {
    SendMessageRequest {
        client_id: client_id.to_owned(),
        body: MessageBody::Text {
            text: format!("burst message {client_id}"),
        },
        reply_to: None,
        attachments: Vec::new(),
    }
}

/// Every event of the room, oldest first, read page by page.
async fn whole_history(
    client: &confab_client::Client,
    room: RoomId,
) -> Vec<confab_proto::events::RoomEvent> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let page = client
            .history(room, &format!("after={after}&limit=100"))
            .await
            .unwrap();
        let Some(last) = page.events.last() else {
            break;
        };
        after = last.seq;
        events.extend(page.events);
        if !page.has_newer {
            break;
        }
    }
    events
}

async fn acknowledged_messages_survive_a_sigkill_exactly_once(backend: Backend) {
    let mut server = TestServer::start(backend).await;
    let (alice, name) = signed_up(&server, "alice").await;
    let room = alice
        .create_group(&CreateGroupRequest {
            name: "burst".into(),
            topic: String::new(),
            members: Vec::new(),
            encrypted: false,
            ..Default::default()
        })
        .await
        .unwrap()
        .id;

    // Writers send until the server goes away, recording what they tried and what
    // the server acknowledged.
    let attempted = Arc::new(Mutex::new(Vec::<String>::new()));
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (alice, attempted, acked) =
                (alice.clone(), Arc::clone(&attempted), Arc::clone(&acked));
            tokio::spawn(async move {
                for i in 0.. {
                    let client_id = format!("w{writer}-{i}");
                    attempted.lock().unwrap().push(client_id.clone());
                    match alice.send_message(room, &message(&client_id)).await {
                        Ok(_) => acked.lock().unwrap().push(client_id),
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    while acked.lock().unwrap().len() < ACKED_BEFORE_KILL {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill_and_restart();
    for writer in writers {
        tokio::time::timeout(Duration::from_secs(30), writer)
            .await
            .expect("a writer stops once the server is gone")
            .unwrap();
    }
    let attempted = attempted.lock().unwrap().clone();
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= ACKED_BEFORE_KILL);

    let client = server.client();
    client
        .sign_in(&name, common::PASSWORD, Some("after the crash"))
        .await
        .unwrap();
    let stored_ids = |events: &[confab_proto::events::RoomEvent]| {
        let mut counts = HashMap::<String, usize>::new();
        for event in events {
            if let EventContent::Message(message) = &event.content {
                *counts.entry(message.client_id.clone()).or_default() += 1;
            }
        }
        counts
    };
    let events = whole_history(&client, room).await;
    let stored = stored_ids(&events);
    for id in &acked {
        assert_eq!(
            stored.get(id),
            Some(&1),
            "acknowledged {id} is not stored once"
        );
    }
    assert!(stored.values().all(|&count| count == 1), "a duplicate");
    assert!(
        stored.keys().all(|id| attempted.contains(id)),
        "a message nobody sent"
    );
    let seqs: Vec<i64> = events.iter().map(|event| event.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "a gap");

    // The client retries what was never acknowledged; nothing is stored twice.
    for id in attempted.iter().filter(|id| !acked.contains(id)) {
        client.send_message(room, &message(id)).await.unwrap();
    }
    let after_retry = stored_ids(&whole_history(&client, room).await);
    assert_eq!(after_retry.len(), attempted.len());
    assert!(after_retry.values().all(|&count| count == 1));

    database_is_intact(&server, backend).await;
}

/// SQLite's `PRAGMA integrity_check`; on PostgreSQL, amcheck over every B-tree index
/// of the schema, with each heap tuple checked to be in its index.
async fn database_is_intact(server: &TestServer, backend: Backend) {
    match backend {
        Backend::Sqlite => {
            let mut db = sqlx::SqliteConnection::connect(&server.db.url)
                .await
                .unwrap();
            let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(&mut db)
                .await
                .unwrap();
            assert_eq!(verdict, "ok");
        }
        Backend::Postgres => {
            let mut db = sqlx::PgConnection::connect(&server.db.url).await.unwrap();
            sqlx::query("CREATE EXTENSION IF NOT EXISTS amcheck")
                .execute(&mut db)
                .await
                .unwrap();
            let checked: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT bt_index_check(c.oid, true) FROM pg_index i \
                 JOIN pg_class c ON c.oid = i.indexrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 JOIN pg_am am ON am.oid = c.relam \
                 WHERE am.amname = 'btree' AND n.nspname = current_schema()) AS checked",
            )
            .fetch_one(&mut db)
            .await
            .unwrap();
            assert!(checked > 5, "only {checked} indexes checked");
        }
    }
}
