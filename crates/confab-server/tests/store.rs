//! The store test suite: every case runs against SQLite and PostgreSQL through the
//! same `Store` trait, so the two backends cannot drift apart.

mod common;

use common::{Backend, TestDb};
use confab_proto::{SessionId, UserId};
use confab_server::store::{
    ConnectOptions, NewSession, NewUser, ProfileChanges, RefreshOutcome, RefreshRotation,
    RevokeReason, SqlStore, Store, StoreError, UserSearch,
};
use std::time::Duration;

on_both_backends!(
    users_are_unique_by_key_and_found_by_key_or_prefix,
    profile_changes_touch_only_given_fields,
    sessions_list_only_active_ones_and_revoke_by_owner,
    refresh_tokens_rotate_exactly_once,
    concurrent_refreshes_have_one_winner,
    long_rotated_tokens_are_forgotten,
    password_change_revokes_other_sessions_atomically,
    failure_counters_count_within_the_window,
    secrets_are_created_once,
    a_lease_has_one_holder_until_it_expires_or_is_released,
    prune_removes_only_stale_rows,
    migrations_are_idempotent,
);

const NOW: i64 = 1_800_000_000_000;

async fn open(backend: Backend) -> (SqlStore, TestDb) {
    let db = TestDb::create(backend).await;
    let store = SqlStore::connect(&db.url, &options())
        .await
        .expect("connect");
    (store, db)
}

fn options() -> ConnectOptions {
    ConnectOptions {
        max_connections: 4,
        sqlite_synchronous: "NORMAL".to_owned(),
        busy_timeout: Duration::from_secs(5),
        event_batch_max: 64,
        idle_in_transaction_timeout: Duration::from_secs(10),
    }
}

async fn user(store: &SqlStore, name: &str) -> UserId {
    store
        .create_user(NewUser {
            username: name,
            username_key: &name.to_lowercase(),
            display_name: name,
            password_hash: Some("$argon2id$placeholder"),
            now: NOW,
        })
        .await
        .expect("create user")
        .id
}

/// A people search for `text`, as the service makes it for an ASCII prefix.
fn prefix(text: &str) -> UserSearch<'_> {
    UserSearch {
        username_prefix: Some(text),
        name_prefix: text,
    }
}

async fn session(
    store: &SqlStore,
    user_id: UserId,
    refresh_hash: &str,
    expires_at: i64,
) -> SessionId {
    store
        .create_session(NewSession {
            user_id,
            device_name: "device",
            user_agent: Some("agent"),
            ip: Some("127.0.0.1"),
            now: NOW,
            expires_at,
            refresh_token_hash: refresh_hash,
            sign_in_method: "password",
        })
        .await
        .expect("create session")
        .id
}

fn rotation<'a>(presented: &'a str, replacement: &'a str, now: i64) -> RefreshRotation<'a> {
    RefreshRotation {
        presented_hash: presented,
        replacement_hash: replacement,
        now,
        new_expires_at: now + 1000,
        forget_rotated_before: now - 100,
        ip: None,
    }
}

async fn users_are_unique_by_key_and_found_by_key_or_prefix(backend: Backend) {
    let (store, _db) = open(backend).await;
    let alice = user(&store, "Alice").await;
    let duplicate = store
        .create_user(NewUser {
            username: "ALICE",
            username_key: "alice",
            display_name: "x",
            password_hash: None,
            now: NOW,
        })
        .await;
    assert!(
        matches!(duplicate, Err(StoreError::Conflict)),
        "{duplicate:?}"
    );
    for name in ["alina", "al_x", "alz", "bob", "al"] {
        user(&store, name).await;
    }

    let found = store.user_by_username_key("alice").await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.username.as_str(), found.created_at),
        (alice, "Alice", NOW)
    );
    assert_eq!(
        store.user_by_id(alice).await.unwrap().unwrap().username,
        "Alice"
    );
    assert!(
        store
            .user_by_username_key("nobody")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.user_by_id(UserId(999_999)).await.unwrap().is_none());

    let names = |users: Vec<confab_server::store::UserRecord>| {
        users.into_iter().map(|u| u.username).collect::<Vec<_>>()
    };
    assert_eq!(
        names(store.find_users(prefix("al"), 10, alice).await.unwrap()),
        ["al", "al_x", "Alice", "alina", "alz"]
    );
    // `_` is an ordinary character, not a wildcard.
    assert_eq!(
        names(store.find_users(prefix("al_"), 10, alice).await.unwrap()),
        ["al_x"]
    );
    assert_eq!(
        names(store.find_users(prefix("al"), 2, alice).await.unwrap()),
        ["al", "al_x"]
    );
    assert!(
        store
            .find_users(prefix("c"), 10, alice)
            .await
            .unwrap()
            .is_empty()
    );

    // Display names are searched by the start of each word, after the usernames.
    let stone = store
        .create_user(NewUser {
            username: "bstone",
            username_key: "bstone",
            display_name: "Bob Stone",
            password_hash: None,
            now: NOW,
        })
        .await
        .unwrap();
    assert_eq!(stone.username, "bstone");
    let by_name = |text: &'static str| UserSearch {
        username_prefix: None,
        name_prefix: text,
    };
    for text in ["stone", "bob st"] {
        let found = names(store.find_users(by_name(text), 10, alice).await.unwrap());
        assert_eq!(found, ["bstone"], "{text}");
    }
    assert_eq!(
        names(store.find_users(prefix("b"), 10, alice).await.unwrap()),
        ["bob", "bstone"],
        "usernames first, in key order"
    );
    assert_eq!(
        names(store.find_users(by_name("bob"), 10, alice).await.unwrap()),
        ["bob", "bstone"],
        "display names \"bob\" and \"Bob Stone\""
    );
    for text in ["ton", "%", "_ob", "stone bob"] {
        let found = store.find_users(by_name(text), 10, alice).await.unwrap();
        assert!(found.is_empty(), "{text}: {:?}", names(found));
    }
}

async fn profile_changes_touch_only_given_fields(backend: Backend) {
    let (store, _db) = open(backend).await;
    let id = user(&store, "carol").await;
    let changed = store
        .update_profile(
            id,
            ProfileChanges {
                display_name: Some("Carol C"),
                status_text: None,
                discoverable: None,
                avatar_file_id: None,
            },
            NOW + 5,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (changed.display_name.as_str(), changed.status_text.as_str()),
        ("Carol C", "")
    );
    assert_eq!(changed.updated_at, NOW + 5);
    let changed = store
        .update_profile(
            id,
            ProfileChanges {
                display_name: None,
                status_text: Some("busy"),
                discoverable: Some(false),
                avatar_file_id: None,
            },
            NOW + 6,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            changed.display_name.as_str(),
            changed.status_text.as_str(),
            changed.discoverable
        ),
        ("Carol C", "busy", false)
    );
    // Undiscoverable: found by prefix and by id only by themself (nobody shares a
    // room with them here).
    let viewer = user(&store, "dave").await;
    assert!(
        store
            .find_users(prefix("carol"), 10, viewer)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.user_visible_to(id, viewer).await.unwrap().is_none());
    // The new display name is what a search finds.
    let by_name = UserSearch {
        username_prefix: None,
        name_prefix: "carol c",
    };
    assert_eq!(store.find_users(by_name, 10, id).await.unwrap().len(), 1);
    assert_eq!(
        store
            .find_users(prefix("carol"), 10, id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store.user_visible_to(id, id).await.unwrap().is_some());
    assert!(store.user_visible_to(viewer, id).await.unwrap().is_some());
    assert!(
        store
            .update_profile(UserId(424_242), ProfileChanges::default(), NOW)
            .await
            .unwrap()
            .is_none()
    );
}

async fn sessions_list_only_active_ones_and_revoke_by_owner(backend: Backend) {
    let (store, _db) = open(backend).await;
    let dave = user(&store, "dave").await;
    let erin = user(&store, "erin").await;
    let a = session(&store, dave, "a", NOW + 10_000).await;
    let b = session(&store, dave, "b", NOW + 10_000).await;
    let expired = session(&store, dave, "c", NOW - 1).await;
    let erins = session(&store, erin, "d", NOW + 10_000).await;

    store
        .touch_session(b, NOW + 50, Some("10.0.0.9"))
        .await
        .unwrap();
    let active = store.active_sessions(dave, NOW).await.unwrap();
    assert_eq!(
        active.iter().map(|s| s.id).collect::<Vec<_>>(),
        [b, a],
        "most recently seen first, expired left out"
    );
    assert_eq!(active[0].ip.as_deref(), Some("10.0.0.9"));
    assert!(!active.iter().any(|s| s.id == expired));

    assert!(
        !store
            .revoke_session(dave, erins, RevokeReason::RevokedByUser, NOW)
            .await
            .unwrap(),
        "not dave's"
    );
    assert!(
        store
            .revoke_session(dave, a, RevokeReason::RevokedByUser, NOW)
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_session(dave, a, RevokeReason::RevokedByUser, NOW)
            .await
            .unwrap(),
        "already revoked"
    );
    let revoked = store.session(a).await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(NOW));
    assert!(!revoked.is_active(NOW));

    let c = session(&store, dave, "e", NOW + 10_000).await;
    assert_eq!(
        store
            .revoke_other_sessions(dave, c, RevokeReason::RevokedByUser, NOW)
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.active_sessions(dave, NOW).await.unwrap().len(), 1);
    assert_eq!(
        store.active_sessions(erin, NOW).await.unwrap().len(),
        1,
        "other users untouched"
    );
}

async fn refresh_tokens_rotate_exactly_once(backend: Backend) {
    let (store, _db) = open(backend).await;
    let frank = user(&store, "frank").await;
    let id = session(&store, frank, "r1", NOW + 10_000).await;

    match store
        .rotate_refresh_token(rotation("r1", "r2", NOW + 1))
        .await
        .unwrap()
    {
        RefreshOutcome::Rotated(session) => {
            assert_eq!(session.id, id);
            assert_eq!(session.expires_at, NOW + 1001);
            assert_eq!(session.last_seen_at, NOW + 1);
        }
        other => panic!("expected rotation, got {other:?}"),
    }
    assert_eq!(
        store
            .rotate_refresh_token(rotation("r1", "r3", NOW + 2))
            .await
            .unwrap(),
        RefreshOutcome::AlreadyRotated { session_id: id }
    );
    assert_eq!(
        store
            .rotate_refresh_token(rotation("never", "r4", NOW + 2))
            .await
            .unwrap(),
        RefreshOutcome::Unknown
    );
    // The failed attempts did not consume the current token.
    assert!(matches!(
        store
            .rotate_refresh_token(rotation("r2", "r5", NOW + 3))
            .await
            .unwrap(),
        RefreshOutcome::Rotated(_)
    ));

    store
        .revoke_session(frank, id, RevokeReason::SignedOut, NOW + 4)
        .await
        .unwrap();
    assert_eq!(
        store
            .rotate_refresh_token(rotation("r5", "r6", NOW + 5))
            .await
            .unwrap(),
        RefreshOutcome::SessionInactive
    );

    let stale = session(&store, frank, "s1", NOW + 10).await;
    assert_eq!(
        store
            .rotate_refresh_token(rotation("s1", "s2", NOW + 11))
            .await
            .unwrap(),
        RefreshOutcome::SessionInactive
    );
    assert!(
        !store
            .session(stale)
            .await
            .unwrap()
            .unwrap()
            .is_active(NOW + 11)
    );
}

async fn concurrent_refreshes_have_one_winner(backend: Backend) {
    let (store, _db) = open(backend).await;
    let grace = user(&store, "grace").await;
    session(&store, grace, "start", NOW + 10_000).await;
    let attempts = (0..8).map(|i| {
        let store = store.clone();
        tokio::spawn(async move {
            let replacement = format!("next{i}");
            store
                .rotate_refresh_token(rotation("start", &replacement, NOW + 1))
                .await
        })
    });
    let mut rotated = 0;
    for attempt in attempts {
        match attempt
            .await
            .unwrap()
            .expect("no database error under contention")
        {
            RefreshOutcome::Rotated(_) => rotated += 1,
            RefreshOutcome::AlreadyRotated { .. } => {}
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(rotated, 1);
}

async fn long_rotated_tokens_are_forgotten(backend: Backend) {
    let (store, _db) = open(backend).await;
    let kate = user(&store, "kate").await;
    session(&store, kate, "t1", NOW + 10_000).await;
    let rotated = |outcome| matches!(outcome, RefreshOutcome::Rotated(_));
    assert!(rotated(
        store
            .rotate_refresh_token(rotation("t1", "t2", NOW + 1))
            .await
            .unwrap()
    ));
    // t1 was rotated 99 ms before this rotation's cut-off of now - 100: still remembered.
    assert!(rotated(
        store
            .rotate_refresh_token(rotation("t2", "t3", NOW + 2))
            .await
            .unwrap()
    ));
    assert!(matches!(
        store
            .rotate_refresh_token(rotation("t1", "x", NOW + 3))
            .await
            .unwrap(),
        RefreshOutcome::AlreadyRotated { .. }
    ));
    // Much later, a rotation forgets t1 and t2.
    assert!(rotated(
        store
            .rotate_refresh_token(rotation("t3", "t4", NOW + 500))
            .await
            .unwrap()
    ));
    assert_eq!(
        store
            .rotate_refresh_token(rotation("t1", "y", NOW + 501))
            .await
            .unwrap(),
        RefreshOutcome::Unknown
    );
    assert!(rotated(
        store
            .rotate_refresh_token(rotation("t4", "t5", NOW + 502))
            .await
            .unwrap()
    ));
}

async fn password_change_revokes_other_sessions_atomically(backend: Backend) {
    let (store, _db) = open(backend).await;
    let heidi = user(&store, "heidi").await;
    let keep = session(&store, heidi, "k", NOW + 10_000).await;
    session(&store, heidi, "o1", NOW + 10_000).await;
    session(&store, heidi, "o2", NOW + 10_000).await;
    assert_eq!(
        store
            .change_password(heidi, "$argon2id$new", keep, NOW + 1)
            .await
            .unwrap(),
        2
    );
    let user = store.user_by_id(heidi).await.unwrap().unwrap();
    assert_eq!(user.password_hash.as_deref(), Some("$argon2id$new"));
    assert_eq!(
        store
            .active_sessions(heidi, NOW + 1)
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        [keep]
    );
}

async fn failure_counters_count_within_the_window(backend: Backend) {
    let (store, _db) = open(backend).await;
    assert_eq!(
        store.recent_failures("user:x", 0).await.unwrap().failures,
        0
    );
    for expected in 1..=3 {
        let count = store
            .record_failure("user:x", NOW + expected, NOW - 100)
            .await
            .unwrap();
        assert_eq!(count.failures, u32::try_from(expected).unwrap());
        assert_eq!(count.last_failure_at, NOW + expected);
    }
    assert_eq!(
        store.recent_failures("user:x", NOW).await.unwrap().failures,
        3
    );
    // Outside the window the old failures no longer count...
    assert_eq!(
        store
            .recent_failures("user:x", NOW + 10)
            .await
            .unwrap()
            .failures,
        0
    );
    // ...and the next failure starts a new count.
    assert_eq!(
        store
            .record_failure("user:x", NOW + 20, NOW + 10)
            .await
            .unwrap()
            .failures,
        1
    );
    assert_eq!(
        store.recent_failures("ip:y", 0).await.unwrap().failures,
        0,
        "keys are independent"
    );
    store.clear_failures("user:x").await.unwrap();
    assert_eq!(
        store.recent_failures("user:x", 0).await.unwrap().failures,
        0
    );
}

async fn secrets_are_created_once(backend: Backend) {
    let (store, _db) = open(backend).await;
    assert_eq!(
        store.get_or_create_secret("k", "first", NOW).await.unwrap(),
        "first"
    );
    assert_eq!(
        store
            .get_or_create_secret("k", "second", NOW)
            .await
            .unwrap(),
        "first"
    );
    assert_eq!(
        store
            .get_or_create_secret("other", "third", NOW)
            .await
            .unwrap(),
        "third"
    );
}

async fn a_lease_has_one_holder_until_it_expires_or_is_released(backend: Backend) {
    use confab_server::store::notifications::NotificationStore as _;
    let (store, _db) = open(backend).await;
    let claim = |holder: &'static str, now: i64| {
        let store = store.clone();
        async move {
            store
                .claim_lease("job", holder, now, now + 10_000)
                .await
                .expect("claim")
        }
    };
    assert!(claim("a", NOW).await, "a free lease is claimed");
    assert!(!claim("b", NOW + 1_000).await, "a held lease is refused");
    assert!(claim("a", NOW + 5_000).await, "the holder renews it");
    // Renewed until NOW + 15 s: still a's at NOW + 12 s.
    assert!(!claim("b", NOW + 12_000).await, "a renewed lease lasts");
    assert!(
        claim("b", NOW + 15_000).await,
        "an expired lease is taken over"
    );
    assert!(!claim("a", NOW + 16_000).await, "the old holder lost it");
    // Only the holder gives it up.
    store.release_lease("job", "a").await.expect("release");
    assert!(!claim("c", NOW + 17_000).await);
    store.release_lease("job", "b").await.expect("release");
    assert!(claim("c", NOW + 17_000).await, "a released lease is free");
    assert!(!claim("a", NOW + 17_000).await, "c holds it now");
    assert!(
        store
            .claim_lease("other job", "a", NOW + 17_000, NOW + 27_000)
            .await
            .unwrap(),
        "another name is another lease"
    );
}

async fn prune_removes_only_stale_rows(backend: Backend) {
    let (store, _db) = open(backend).await;
    let ivan = user(&store, "ivan").await;
    let ended = session(&store, ivan, "old", NOW + 10).await;
    store
        .revoke_session(ivan, ended, RevokeReason::SignedOut, NOW + 1)
        .await
        .unwrap();
    session(&store, ivan, "live", NOW + 10_000).await;
    store.record_failure("user:old", NOW, 0).await.unwrap();
    store
        .record_failure("user:new", NOW + 500, 0)
        .await
        .unwrap();

    assert_eq!(store.prune(NOW + 100, NOW + 100).await.unwrap(), 2);
    assert_eq!(
        store
            .rotate_refresh_token(rotation("old", "x", NOW + 200))
            .await
            .unwrap(),
        RefreshOutcome::Unknown
    );
    assert!(matches!(
        store
            .rotate_refresh_token(rotation("live", "y", NOW + 200))
            .await
            .unwrap(),
        RefreshOutcome::Rotated(_)
    ));
    assert_eq!(
        store.recent_failures("user:new", 0).await.unwrap().failures,
        1
    );
    assert_eq!(
        store.recent_failures("user:old", 0).await.unwrap().failures,
        0
    );
}

async fn migrations_are_idempotent(backend: Backend) {
    let (store, db) = open(backend).await;
    let id = user(&store, "judy").await;
    store.close().await;
    let reopened = SqlStore::connect(&db.url, &options())
        .await
        .expect("reconnect runs no migration twice");
    assert_eq!(
        reopened.user_by_id(id).await.unwrap().unwrap().username,
        "judy"
    );
    reopened.ping().await.unwrap();
}
