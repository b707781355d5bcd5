//! The store suites' shared set-up: a store on a fresh database, accounts, a group.

use super::TestDb;
use confab_client::proto::rooms::{PinPolicy, PostingPolicy, Role, RoomKind, RoomVisibility};
use confab_client::proto::{RoomId, UserId};
use confab_server::store::rooms::{NewRoom, RoomStore};
use confab_server::store::{ConnectOptions, NewUser, SqlStore, Store};
use confab_testkit::Backend;
use std::time::Duration;

/// The time the suites store things at.
pub const NOW: i64 = 1_800_000_000_000;

/// A store on a fresh database of `backend` (kept while the `TestDb` lives).
pub async fn open(backend: Backend) -> (SqlStore, TestDb) {
    let db = TestDb::create(backend).await;
    let options = ConnectOptions {
        max_connections: 8,
        sqlite_synchronous: "NORMAL".to_owned(),
        busy_timeout: Duration::from_secs(10),
        event_batch_max: 64,
        idle_in_transaction_timeout: Duration::from_secs(10),
    };
    (
        SqlStore::connect(&db.url, &options).await.expect("connect"),
        db,
    )
}

/// `N` new accounts, `user0`, `user1`, ...
pub async fn users<const N: usize>(store: &SqlStore) -> [UserId; N] {
    let mut ids = [UserId(0); N];
    for (i, id) in ids.iter_mut().enumerate() {
        let name = format!("user{i}");
        *id = store
            .create_user(NewUser {
                username: &name,
                username_key: &name,
                display_name: &name,
                password_hash: None,
                now: NOW,
            })
            .await
            .unwrap()
            .id;
    }
    ids
}

/// A private group of `owner` with `others` as members.
pub async fn group(store: &SqlStore, owner: UserId, others: &[UserId]) -> RoomId {
    let mut members = vec![(owner, Role::Owner)];
    members.extend(others.iter().map(|&u| (u, Role::Member)));
    let new = NewRoom {
        kind: RoomKind::Group,
        name: "team",
        topic: "",
        encrypted: false,
        visibility: RoomVisibility::Private,
        posting: PostingPolicy::Everyone,
        pinning: PinPolicy::Admins,
        direct_key: None,
        creator: owner,
        members: &members,
        invited: &[],
        now: NOW,
    };
    store.create_room(new).await.unwrap().0.id
}
