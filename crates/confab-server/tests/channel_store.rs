//! The store's part of public channels, on SQLite and PostgreSQL: joining holds only
//! while a room is public (also against a concurrent change), access changes are
//! events, and the directory lists, searches and forgets rooms as they change.

mod common;

use common::Backend;
use common::stores::{NOW, group, open, users};
use confab_proto::rooms::{PostingPolicy, Role, RoomVisibility};
use confab_server::store::consent::ConsentStore;
use confab_server::store::events::{ContentRecord, EventRecord};
use confab_server::store::rooms::{Appended, DirectoryQuery, RoomChange, RoomStore};

on_both_backends!(joining_a_public_room_holds_only_while_it_is_public);

async fn joining_a_public_room_holds_only_while_it_is_public(backend: Backend) {
    let (store, _db) = open(backend).await;
    let [owner, a, b] = users(&store).await;
    let room = group(&store, owner, &[]).await;
    // Private: nobody joins without an invitation.
    assert_eq!(
        store
            .append(room, a, RoomChange::JoinPublic, NOW)
            .await
            .unwrap(),
        Appended::NotAllowed
    );
    let public = RoomChange::SetAccess {
        visibility: RoomVisibility::Public,
        posting: PostingPolicy::Admins,
    };
    let Appended::Event(event) = store
        .append(room, owner, public.clone(), NOW)
        .await
        .unwrap()
    else {
        panic!("the access change is stored");
    };
    assert_eq!(
        event.content,
        ContentRecord::RoomAccessChanged {
            visibility: RoomVisibility::Public,
            posting: PostingPolicy::Admins
        }
    );
    assert_eq!(
        store.append(room, owner, public, NOW).await.unwrap(),
        Appended::Unchanged,
        "setting what is set stores nothing"
    );
    // Public: joining uses up an invitation and makes a member; twice changes nothing.
    store.invite(room, &[a], owner, NOW).await.unwrap();
    assert!(matches!(
        store.append(room, a, RoomChange::JoinPublic, NOW).await.unwrap(),
        Appended::Event(EventRecord { content: ContentRecord::MemberAdded { user_id, role: Role::Member }, .. }) if user_id == a
    ));
    assert!(store.invitation(room, a).await.unwrap().is_none());
    assert_eq!(
        store
            .append(room, a, RoomChange::JoinPublic, NOW)
            .await
            .unwrap(),
        Appended::Unchanged
    );
    let stored = store.room(room).await.unwrap().unwrap();
    assert_eq!(
        (stored.visibility, stored.posting, stored.member_count),
        (RoomVisibility::Public, PostingPolicy::Admins, 2)
    );
    // The directory lists it, with each user's membership; renaming re-indexes it.
    let query = |user, words: &[&str]| DirectoryQuery {
        user,
        words: words.iter().map(|w| (*w).to_owned()).collect(),
        offset: 0,
        limit: 10,
    };
    let page = store.directory(&query(b, &[])).await.unwrap();
    assert_eq!(
        (page.total, page.rooms.len(), page.rooms[0].1),
        (1, 1, false)
    );
    assert!(store.directory(&query(a, &["tea"])).await.unwrap().rooms[0].1);
    let renamed = RoomChange::Rename {
        name: "Überall".into(),
    };
    store.append(room, owner, renamed, NOW).await.unwrap();
    assert_eq!(
        store
            .directory(&query(b, &["überall"]))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        store.directory(&query(b, &["team"])).await.unwrap().total,
        0
    );
    // Private again: out of the directory, and joining is refused.
    let private = RoomChange::SetAccess {
        visibility: RoomVisibility::Private,
        posting: PostingPolicy::Everyone,
    };
    store.append(room, owner, private, NOW).await.unwrap();
    assert_eq!(store.directory(&query(b, &[])).await.unwrap().total, 0);
    assert_eq!(
        store
            .append(room, b, RoomChange::JoinPublic, NOW)
            .await
            .unwrap(),
        Appended::NotAllowed
    );
}
