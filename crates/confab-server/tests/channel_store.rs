//! The store's part of public channels and pins, on SQLite and PostgreSQL: joining
//! holds only while a room is public (also against a concurrent change), access
//! changes are events, the directory lists, searches and forgets rooms as they
//! change, and a room's pin limit holds against concurrent pins.

mod common;

use common::Backend;
use common::stores::{NOW, group, open, users};
use confab_proto::rooms::{PinPolicy, PostingPolicy, Role, RoomVisibility};
use confab_server::store::consent::ConsentStore;
use confab_server::store::events::{BodyRecord, ContentRecord, EventRecord};
use confab_server::store::rooms::{Appended, DirectoryQuery, RoomChange, RoomStore};

on_both_backends!(
    joining_a_public_room_holds_only_while_it_is_public,
    concurrent_pins_stop_at_the_limit,
);

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
        pinning: PinPolicy::Admins,
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
            posting: PostingPolicy::Admins,
            pinning: PinPolicy::Admins,
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
        pinning: PinPolicy::Admins,
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

/// A room's pin limit holds when members pin at the same moment: each pin checks
/// the count inside its event transaction, so of many concurrent pins exactly
/// `max` are stored and the rest are refused; deleting a pinned message frees a place.
async fn concurrent_pins_stop_at_the_limit(backend: Backend) {
    let (store, _db) = open(backend).await;
    let [owner, a, b, c] = users(&store).await;
    let room = group(&store, owner, &[a, b, c]).await;
    let mut seqs = Vec::new();
    for (n, sender) in [owner, a, b, c, owner, a].into_iter().enumerate() {
        let change = RoomChange::SendMessage {
            client_id: format!("pin-{n}"),
            body: BodyRecord::Text {
                text: format!("note {n}"),
            },
            reply_to: None,
            mentions: Vec::new(),
            attachments: Vec::new(),
        };
        match store.append(room, sender, change, NOW).await.unwrap() {
            Appended::Event(event) => seqs.push(event.seq),
            other => panic!("not sent: {other:?}"),
        }
    }
    let pins = seqs
        .iter()
        .zip([owner, a, b, c, owner, a])
        .map(|(&seq, who)| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .append(room, who, RoomChange::Pin { seq, max: 3 }, NOW)
                    .await
                    .unwrap()
            })
        });
    let mut stored = 0;
    let mut refused = 0;
    for pin in pins.collect::<Vec<_>>() {
        match pin.await.unwrap() {
            Appended::Event(_) => stored += 1,
            Appended::LimitReached => refused += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((stored, refused), (3, 3));
    let listed = store.pins(room).await.unwrap();
    assert_eq!(listed.len(), 3);

    let first = listed[0].message.seq;
    let deleted = store
        .append(room, owner, RoomChange::DeleteMessage { seq: first }, NOW)
        .await
        .unwrap();
    assert!(matches!(deleted, Appended::Event(_)), "{deleted:?}");
    assert_eq!(store.pins(room).await.unwrap().len(), 2);
    let unpinned = seqs
        .iter()
        .copied()
        .find(|seq| !listed.iter().any(|pin| pin.message.seq == *seq));
    let seq = unpinned.expect("a message left unpinned");
    assert!(matches!(
        store
            .append(room, a, RoomChange::Pin { seq, max: 3 }, NOW)
            .await
            .unwrap(),
        Appended::Event(_)
    ));
}
