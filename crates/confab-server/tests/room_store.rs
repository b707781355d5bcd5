//! The room store suite: rooms, membership, the event log and history, run against
//! SQLite and PostgreSQL through the same `RoomStore` trait.

mod common;

use common::Backend;
use common::stores::{NOW, group, open, users};
use confab_proto::rooms::{PinPolicy, PostingPolicy, Role, RoomKind, RoomVisibility};
use confab_proto::{EventId, RoomId, UserId};
use confab_server::store::consent::ConsentStore;
use confab_server::store::events::{BodyRecord, ContentRecord, EventRecord, MessageRecord};
use confab_server::store::rooms::{Appended, HistoryAnchor, NewRoom, RoomChange, RoomStore};
use confab_server::store::{SqlStore, StoreError};

on_both_backends!(
    a_group_starts_with_its_creation_and_member_events,
    direct_rooms_are_unique_per_pair,
    messages_get_consecutive_sequence_numbers_and_are_idempotent,
    only_current_members_can_append,
    edits_deletes_and_reactions_change_the_message_in_history,
    history_pages_backwards_forwards_and_around,
    concurrent_senders_get_distinct_ordered_sequence_numbers,
    a_batch_commits_together_and_isolates_refused_changes,
    room_list_counts_unread_and_mentions_until_read,
    members_can_leave_be_removed_and_come_back,
    new_members_start_unread_and_returning_ones_keep_their_markers,
    rows_in_the_first_stored_format_still_read,
    invitations_are_consumed_once_by_accepting,
    blocks_end_invitations_between_the_two_and_hide_them_as_contacts,
);

fn text(t: &str) -> BodyRecord {
    BodyRecord::Text { text: t.to_owned() }
}

async fn send(
    store: &SqlStore,
    room: RoomId,
    sender: UserId,
    client_id: &str,
    body: &str,
) -> Appended {
    let body = text(body);
    let change = RoomChange::SendMessage {
        client_id: client_id.to_owned(),
        body,
        reply_to: None,
        mentions: Vec::new(),
        attachments: Vec::new(),
    };
    store.append(room, sender, change, NOW + 1).await.unwrap()
}

fn seq_of(appended: &Appended) -> i64 {
    match appended {
        Appended::Event(e) | Appended::Duplicate(e) => e.seq,
        other => panic!("expected an event, got {other:?}"),
    }
}

async fn a_group_starts_with_its_creation_and_member_events(backend: Backend) {
    let (store, _db) = open(backend).await;
    let [owner, a, b] = users(&store).await;
    let members = [(owner, Role::Owner), (a, Role::Member), (b, Role::Admin)];
    let (room, events) = store
        .create_room(NewRoom {
            kind: RoomKind::Group,
            name: "Launch",
            topic: "ship it",
            encrypted: true,
            visibility: RoomVisibility::Private,
            posting: PostingPolicy::Everyone,
            pinning: PinPolicy::Admins,
            direct_key: None,
            creator: owner,
            members: &members,
            invited: &[],
            now: NOW,
        })
        .await
        .unwrap();
    assert_eq!(
        (room.name.as_str(), room.topic.as_str(), room.encrypted),
        ("Launch", "ship it", true)
    );
    assert_eq!((room.member_count, room.last_seq), (3, 4));
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    assert!(matches!(
        events[0].content,
        ContentRecord::RoomCreated {
            encrypted: true,
            ..
        }
    ));
    assert_eq!(
        events[3].content,
        ContentRecord::MemberAdded {
            user_id: b,
            role: Role::Admin
        }
    );
    let listed = store.members(room.id).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|m| (m.user_id, m.role))
            .collect::<Vec<_>>(),
        [(owner, Role::Owner), (b, Role::Admin), (a, Role::Member)]
    );
    assert_eq!(store.room_count(a).await.unwrap(), 1);
}

async fn direct_rooms_are_unique_per_pair(backend: Backend) {
    let (store, _db) = open(backend).await;
    let [a, b] = users(&store).await;
    let members = [(a, Role::Member), (b, Role::Member)];
    let new = NewRoom {
        kind: RoomKind::Direct,
        name: "",
        topic: "",
        encrypted: false,
        visibility: RoomVisibility::Private,
        posting: PostingPolicy::Everyone,
        pinning: PinPolicy::Admins,
        direct_key: Some("1:2"),
        creator: a,
        members: &members,
        invited: &[],
        now: NOW,
    };
    let (room, _) = store.create_room(new.clone()).await.unwrap();
    assert!(matches!(
        store.create_room(new).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(store.direct_room("1:2").await.unwrap().unwrap().id, room.id);
    assert!(store.direct_room("1:3").await.unwrap().is_none());
}

async fn messages_get_consecutive_sequence_numbers_and_are_idempotent(backend: Backend) {
    let (store, _db) = open(backend).await;
    let [a, b] = users(&store).await;
    let room = group(&store, a, &[b]).await;
    let first = send(&store, room, a, "c1", "hello").await;
    let second = send(&store, room, b, "c1", "hi").await; // same client id, other sender
    assert_eq!((seq_of(&first), seq_of(&second)), (4, 5));
    let retry = send(&store, room, a, "c1", "hello").await;
    assert!(matches!(retry, Appended::Duplicate(_)));
    assert_eq!(seq_of(&retry), 4);
    assert_eq!(
        store.room(room).await.unwrap().unwrap().last_seq,
        5,
        "a duplicate allocates nothing"
    );
    let page = store
        .history(room, HistoryAnchor::Latest, 50)
        .await
        .unwrap();
    assert_eq!(
        page.events
            .iter()
            .filter(|e| matches!(e.content, ContentRecord::Message(_)))
            .count(),
        2
    );
}

async fn only_current_members_can_append(backend: Backend) {
    let (store, _db) = open(backend).await;
    let [a, b, outsider] = users(&store).await;
    let room = group(&store, a, &[b]).await;
    assert_eq!(
        send(&store, room, outsider, "x", "let me in").await,
        Appended::NotMember
    );
    assert_eq!(
        send(&store, RoomId(9999), a, "y", "nowhere").await,
        Appended::NotMember
    );
    let removal = RoomChange::RemoveMember {
        user_id: b,
        by_self: false,
    };
    assert!(matches!(
        store.append(room, a, removal, NOW).await.unwrap(),
        Appended::Event(_)
    ));
    assert_eq!(
        send(&store, room, b, "z", "still here?").await,
        Appended::NotMember
    );
    assert_eq!(
        store.room(room).await.unwrap().unwrap().last_seq,
        4,
        "rejected appends leave no trace"
    );
}

async fn edits_deletes_and_reactions_change_the_message_in_history(backend: Backend) {
    let (store, _db) = open(backend).await;
    let [a, b] = users(&store).await;
    let room = group(&store, a, &[b]).await;
    let seq = seq_of(&send(&store, room, a, "m1", "helo").await);
    let fixed = text("hello");
    let edit = store
        .append(
            room,
            a,
            RoomChange::EditMessage {
                seq,
                body: fixed.clone(),
            },
            NOW + 2,
        )
        .await
        .unwrap();
    assert!(
        matches!(edit, Appended::Event(ref e) if e.content == ContentRecord::MessageEdited { target_seq: seq, body: Some(fixed.clone()) })
    );
    for (user, emoji) in [(a, "👍"), (b, "👍"), (b, "🎉")] {
        let change = RoomChange::AddReaction {
            seq,
            emoji: emoji.to_owned(),
        };
        assert!(matches!(
            store.append(room, user, change, NOW + 3).await.unwrap(),
            Appended::Event(_)
        ));
    }
    let again = RoomChange::AddReaction {
        seq,
        emoji: "👍".to_owned(),
    };
    assert_eq!(
        store.append(room, a, again, NOW + 3).await.unwrap(),
        Appended::Unchanged
    );
    let remove = RoomChange::RemoveReaction {
        seq,
        emoji: "🎉".to_owned(),
    };
    assert!(matches!(
        store.append(room, b, remove, NOW + 4).await.unwrap(),
        Appended::Event(_)
    ));

    let page = store
        .history(room, HistoryAnchor::Latest, 50)
        .await
        .unwrap();
    let ContentRecord::Message(message) = &page.events.last().unwrap().content else {
        panic!("message expected")
    };
    assert_eq!(message.body, Some(fixed.clone()));
    assert!(message.edited_at.is_some());
    assert_eq!(message.reactions.len(), 1);
    assert_eq!(message.reactions[0].emoji, "👍");
    assert_eq!(message.reactions[0].user_ids, [a, b]);
    assert!(
        page.events.iter().all(|e| e.content.in_timeline()),
        "edits and reactions are folded in"
    );

    assert!(matches!(
        store
            .append(room, a, RoomChange::DeleteMessage { seq }, NOW + 5)
            .await
            .unwrap(),
        Appended::Event(_)
    ));
    assert_eq!(
        store
            .append(room, a, RoomChange::DeleteMessage { seq }, NOW + 6)
            .await
            .unwrap(),
        Appended::TargetMissing
    );
    let edit_deleted = RoomChange::EditMessage {
        seq,
        body: fixed.clone(),
    };
    assert_eq!(
        store.append(room, a, edit_deleted, NOW + 6).await.unwrap(),
        Appended::TargetMissing
    );
    let page = store
        .history(room, HistoryAnchor::Latest, 50)
        .await
        .unwrap();
    let ContentRecord::Message(tombstone) = &page.events.last().unwrap().content else {
        panic!("message expected")
    };
    assert_eq!(
        (tombstone.body.as_ref(), tombstone.deleted_at.is_some()),
        (None, true)
    );
    assert!(tombstone.reactions.is_empty());
    // The edit that came before the deletion no longer carries the deleted text.
    let log = store
        .events_after(confab_proto::EventId(0), 100)
        .await
        .unwrap();
    let edit = log
        .iter()
        .find(|e| e.content.kind() == "message_edited")
        .unwrap();
    assert_eq!(
        edit.content,
        ContentRecord::MessageEdited {
            target_seq: seq,
            body: None
        }
    );
}

async fn history_pages_backwards_forwards_and_around(backend: Backend) {
    let (store, _db) = open(backend).await;
    let [a] = users(&store).await;
    let room = group(&store, a, &[]).await; // seq 1 created, 2 owner added
    for i in 0..20 {
        send(&store, room, a, &format!("h{i}"), &format!("message {i}")).await; // seqs 3..=22
    }
    let seqs = |page: &confab_server::store::rooms::TimelinePage| {
        page.events.iter().map(|e| e.seq).collect::<Vec<_>>()
    };

    let latest = store.history(room, HistoryAnchor::Latest, 5).await.unwrap();
    assert_eq!(
        (seqs(&latest), latest.has_older, latest.has_newer),
        (vec![18, 19, 20, 21, 22], true, false)
    );
    let before = store
        .history(room, HistoryAnchor::Before(18), 5)
        .await
        .unwrap();
    assert_eq!(
        (seqs(&before), before.has_older, before.has_newer),
        (vec![13, 14, 15, 16, 17], true, true)
    );
    let start = store
        .history(room, HistoryAnchor::Before(4), 5)
        .await
        .unwrap();
    assert_eq!(
        (seqs(&start), start.has_older, start.has_newer),
        (vec![1, 2, 3], false, true)
    );
    let after = store
        .history(room, HistoryAnchor::After(19), 5)
        .await
        .unwrap();
    assert_eq!(
        (seqs(&after), after.has_older, after.has_newer),
        (vec![20, 21, 22], true, false)
    );
    let single = store
        .history(room, HistoryAnchor::Around(10), 1)
        .await
        .unwrap();
    assert_eq!(
        (seqs(&single), single.has_older, single.has_newer),
        (vec![10], true, true)
    );
    let around = store
        .history(room, HistoryAnchor::Around(10), 6)
        .await
        .unwrap();
    assert_eq!(
        (seqs(&around), around.has_older, around.has_newer),
        (vec![7, 8, 9, 10, 11, 12], true, true)
    );
}

async fn concurrent_senders_get_distinct_ordered_sequence_numbers(backend: Backend) {
    let (store, _db) = open(backend).await;
    let senders = users::<10>(&store).await;
    let room = group(&store, senders[0], &senders[1..]).await;
    let tasks: Vec<_> = senders
        .iter()
        .flat_map(|&sender| (0..5).map(move |i| (sender, i)))
        .map(|(sender, i)| {
            let store = store.clone();
            tokio::spawn(async move {
                send(&store, room, sender, &format!("{sender}-{i}"), "concurrent").await
            })
        })
        .collect();
    let mut events = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Appended::Event(event) => events.push(event),
            other => panic!("unexpected {other:?}"),
        }
    }
    events.sort_by_key(|e| e.seq);
    let first = events[0].seq;
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (first..first + 50).collect::<Vec<_>>()
    );
    // Global ids follow the same order as room sequence numbers.
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
}

/// Many changes at once share transactions (group commit), yet each is answered on
/// its own: refused changes and duplicates leave no trace, and sequence numbers stay
/// gapless.
async fn a_batch_commits_together_and_isolates_refused_changes(backend: Backend) {
    let (store, _db) = open(backend).await;
    let [a, b, outsider] = users(&store).await;
    let rooms = [group(&store, a, &[b]).await, group(&store, b, &[a]).await];
    let before = store.group_commit_stats();
    let first = send(&store, rooms[0], a, "original", "first").await;
    // 40 sends by members, 10 by an outsider, 10 retries of the first send; all at
    // once, so the writer finds them queued together.
    let mut changes = Vec::new();
    for i in 0..60 {
        let (room, sender, client_id) = match i % 6 {
            0 => (rooms[0], outsider, format!("x{i}")),
            1 => (rooms[0], a, "original".to_owned()),
            n => (rooms[n % 2], [a, b][n / 2 % 2], format!("m{i}")),
        };
        let store = store.clone();
        changes.push(async move {
            (
                sender,
                send(&store, room, sender, &client_id, &format!("message {i}")).await,
            )
        });
    }
    let outcomes = futures_util::future::join_all(changes).await;
    let mut stored = Vec::new();
    for (sender, outcome) in outcomes {
        match outcome {
            Appended::Event(event) => stored.push(event),
            Appended::NotMember => assert_eq!(sender, outsider),
            Appended::Duplicate(original) => assert_eq!(Some(original), event_of(&first)),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(stored.len(), 40);
    let stats = store.group_commit_stats();
    assert_eq!(stats.changes - before.changes, 61);
    assert!(
        stats.batches - before.batches < 61,
        "concurrent changes share transactions: {stats:?}"
    );
    for room in rooms {
        let mut seqs: Vec<i64> = stored
            .iter()
            .filter(|e| e.room_id == room)
            .map(|e| e.seq)
            .collect();
        seqs.sort_unstable();
        let start = seqs[0];
        assert_eq!(
            seqs,
            (start..start + 20).collect::<Vec<_>>(),
            "refused changes used no sequence numbers"
        );
        let latest = store.room(room).await.unwrap().unwrap().last_seq;
        assert_eq!(latest, start + 19);
    }
    stored.sort_by_key(|e| e.id);
    let mut last_seq_by_room = std::collections::HashMap::new();
    for event in &stored {
        let previous = last_seq_by_room.insert(event.room_id, event.seq);
        assert!(
            previous.is_none_or(|p| p < event.seq),
            "ids follow each room's order"
        );
    }
}

fn event_of(appended: &Appended) -> Option<EventRecord> {
    match appended {
        Appended::Event(event) => Some(event.clone()),
        _ => None,
    }
}

async fn room_list_counts_unread_and_mentions_until_read(backend: Backend) {
    let (store, _db) = open(backend).await;
    let [a, b] = users(&store).await;
    let quiet = group(&store, a, &[b]).await;
    let busy = group(&store, a, &[b]).await;
    let body = text("hey @user1");
    let mentioning = store
        .append(
            busy,
            a,
            RoomChange::SendMessage {
                client_id: "q1".to_owned(),
                body,
                reply_to: None,
                mentions: vec![b],
                attachments: Vec::new(),
            },
            NOW + 10,
        )
        .await
        .unwrap();
    let mentioning = seq_of(&mentioning);
    send(&store, busy, a, "q2", "second").await;
    let last = seq_of(&send(&store, busy, b, "q3", "my own").await);

    let list = store.room_list(b).await.unwrap();
    assert_eq!(
        list.iter().map(|e| e.room.id).collect::<Vec<_>>(),
        [busy, quiet],
        "most recent activity first"
    );
    assert_eq!(
        (list[0].unread_count, list[0].mention_count),
        (2, 1),
        "own messages are not unread"
    );
    assert!(matches!(
        list[0].last_message.as_ref().unwrap().content,
        ContentRecord::Message(_)
    ));
    assert_eq!(list[1].unread_count, 0);

    // A deleted message no longer counts, as unread or as a mention.
    assert!(matches!(
        store
            .append(busy, a, RoomChange::DeleteMessage { seq: mentioning }, NOW)
            .await
            .unwrap(),
        Appended::Event(_)
    ));
    let list = store.room_list(b).await.unwrap();
    assert_eq!(
        (list[0].unread_count, list[0].mention_count),
        (1, 0),
        "a deleted mention stops counting"
    );

    assert!(matches!(
        store
            .append(busy, b, RoomChange::MarkRead { seq: last }, NOW)
            .await
            .unwrap(),
        Appended::Event(_)
    ));
    assert!(
        store
            .append(busy, b, RoomChange::MarkRead { seq: last - 1 }, NOW)
            .await
            .unwrap()
            == Appended::Unchanged,
        "markers never move back"
    );
    let list = store.room_list(b).await.unwrap();
    assert_eq!(
        (
            list[0].unread_count,
            list[0].mention_count,
            list[0].membership.read_seq
        ),
        (0, 0, last)
    );
}

async fn members_can_leave_be_removed_and_come_back(backend: Backend) {
    let (store, _db) = open(backend).await;
    let [a, b] = users(&store).await;
    let room = group(&store, a, &[b]).await;
    let leave = store
        .append(
            room,
            b,
            RoomChange::RemoveMember {
                user_id: b,
                by_self: true,
            },
            NOW,
        )
        .await
        .unwrap();
    let Appended::Event(leave) = leave else {
        panic!("leave failed")
    };
    assert_eq!(leave.content, ContentRecord::MemberLeft { user_id: b });
    let past = store.member(room, b).await.unwrap().unwrap();
    assert_eq!(past.left_seq, Some(leave.seq));
    assert!(store.room_list(b).await.unwrap().is_empty());
    assert_eq!(store.room(room).await.unwrap().unwrap().member_count, 1);

    let back = RoomChange::AddMember {
        user_id: b,
        role: Role::Member,
    };
    assert!(matches!(
        store.append(room, a, back.clone(), NOW).await.unwrap(),
        Appended::Event(_)
    ));
    assert_eq!(
        store.append(room, a, back, NOW).await.unwrap(),
        Appended::Unchanged
    );
    assert!(store.member(room, b).await.unwrap().unwrap().is_current());
    let promote = RoomChange::SetRole {
        user_id: b,
        role: Role::Admin,
    };
    assert!(matches!(
        store.append(room, a, promote, NOW).await.unwrap(),
        Appended::Event(_)
    ));
    assert_eq!(
        store.member(room, b).await.unwrap().unwrap().role,
        Role::Admin
    );
}

/// The markers of one member, as stored.
async fn markers(store: &SqlStore, room: RoomId, user: UserId) -> (i64, i64) {
    let member = store.member(room, user).await.unwrap().unwrap();
    (member.read_seq, member.delivered_seq)
}

async fn new_members_start_unread_and_returning_ones_keep_their_markers(backend: Backend) {
    let (store, _db) = open(backend).await;
    let [a, b, c] = users(&store).await;
    let room = group(&store, a, &[b]).await;
    assert_eq!(
        markers(&store, room, a).await,
        (0, 0),
        "the creator starts at 0"
    );
    assert_eq!(
        markers(&store, room, b).await,
        (0, 0),
        "a first member starts at 0"
    );

    send(&store, room, a, "m1", "one").await;
    let second = seq_of(&send(&store, room, a, "m2", "two").await);
    let add = |user| RoomChange::AddMember {
        user_id: user,
        role: Role::Member,
    };
    assert!(matches!(
        store.append(room, a, add(c), NOW).await.unwrap(),
        Appended::Event(_)
    ));
    assert_eq!(markers(&store, room, c).await, (0, 0));
    assert_eq!(
        store.room_list(c).await.unwrap()[0].unread_count,
        2,
        "what was said before joining is unread"
    );

    let read = RoomChange::MarkRead { seq: second };
    assert!(matches!(
        store.append(room, b, read, NOW).await.unwrap(),
        Appended::Event(_)
    ));
    let leave = RoomChange::RemoveMember {
        user_id: b,
        by_self: true,
    };
    assert!(matches!(
        store.append(room, b, leave, NOW).await.unwrap(),
        Appended::Event(_)
    ));
    send(&store, room, a, "m3", "said while b was away").await;
    assert!(matches!(
        store.append(room, a, add(b), NOW).await.unwrap(),
        Appended::Event(_)
    ));
    assert_eq!(
        markers(&store, room, b).await,
        (second, second),
        "a returning member keeps their markers"
    );
    let back = &store.room_list(b).await.unwrap()[0];
    assert_eq!(
        (back.membership.read_seq, back.unread_count),
        (second, 1),
        "what was said while away is unread"
    );
}

/// One event row: seq, kind, sender, content JSON, and for messages the client id,
/// body JSON and mentions JSON.
type OldRow<'a> = (
    i64,
    &'a str,
    i64,
    String,
    Option<(&'a str, &'a str, String)>,
);

/// Rows exactly as the first schema's code wrote them (JSON in `events.content` and
/// `events.body`, text enums), inserted by hand: they must read back unchanged
/// whatever the wire types in `confab-proto` are called now. If this fails, a change
/// altered the stored format and needs a migration.
async fn rows_in_the_first_stored_format_still_read(backend: Backend) {
    let (store, db) = open(backend).await;
    let [alice, bob] = users::<2>(&store).await;
    sqlx::any::install_default_drivers();
    let raw = sqlx::AnyPool::connect(&db.url)
        .await
        .expect("raw connection");
    let exec = |sql: String| {
        let raw = raw.clone();
        async move { sqlx::query(&sql).execute(&raw).await.expect(&sql) }
    };
    exec(format!(
        "INSERT INTO rooms (kind, name, topic, encrypted, created_by, created_at, last_seq, last_activity_at, member_count) \
         VALUES ('group', 'Old days', '', 0, {a}, {NOW}, 11, {NOW}, 2)",
        a = alice.0
    ))
    .await;
    let room: i64 = sqlx::query_scalar("SELECT id FROM rooms WHERE name = 'Old days'")
        .fetch_one(&raw)
        .await
        .expect("the room");
    for (user, role) in [(alice, "owner"), (bob, "admin")] {
        exec(format!(
            "INSERT INTO room_members (room_id, user_id, role, joined_at, read_seq, delivered_seq) \
             VALUES ({room}, {u}, '{role}', {NOW}, 3, 3)",
            u = user.0
        ))
        .await;
    }
    let (a, b) = (alice.0, bob.0);
    // (seq, kind, sender, content, message columns: client_id, body, mentions, edited_at)
    let rows: [OldRow; 11] = [
        (
            1,
            "room_created",
            a,
            r#"{"type":"room_created","name":"Old days","encrypted":false}"#.into(),
            None,
        ),
        (
            2,
            "member_added",
            a,
            format!(r#"{{"type":"member_added","user_id":{a},"role":"owner"}}"#),
            None,
        ),
        (
            3,
            "member_added",
            a,
            format!(r#"{{"type":"member_added","user_id":{b},"role":"member"}}"#),
            None,
        ),
        (
            4,
            "message",
            a,
            "{}".into(),
            Some(("c-1", r#"{"type":"text","text":"fixed"}"#, format!("[{b}]"))),
        ),
        (
            5,
            "message_edited",
            a,
            r#"{"type":"message_edited","target_seq":4,"body":{"type":"text","text":"fixed"}}"#
                .into(),
            None,
        ),
        (
            6,
            "reaction_added",
            b,
            r#"{"type":"reaction_added","target_seq":4,"emoji":"👍"}"#.into(),
            None,
        ),
        (
            7,
            "read_up_to",
            b,
            format!(r#"{{"type":"read_up_to","user_id":{b},"seq":6}}"#),
            None,
        ),
        (
            8,
            "role_changed",
            a,
            format!(r#"{{"type":"role_changed","user_id":{b},"role":"admin"}}"#),
            None,
        ),
        (
            9,
            "room_renamed",
            a,
            r#"{"type":"room_renamed","name":"Old days"}"#.into(),
            None,
        ),
        (
            10,
            "topic_changed",
            a,
            r#"{"type":"topic_changed","topic":"history"}"#.into(),
            None,
        ),
        (
            11,
            "message",
            b,
            "{}".into(),
            Some((
                "c-2",
                r#"{"type":"encrypted","ciphertext":"AAEC"}"#,
                "[]".to_owned(),
            )),
        ),
    ];
    for (seq, kind, sender, content, message) in &rows {
        let in_timeline = i64::from(!matches!(
            *kind,
            "message_edited" | "reaction_added" | "read_up_to"
        ));
        let target = if matches!(*kind, "message_edited" | "reaction_added") {
            "4"
        } else {
            "NULL"
        };
        let (client_id, body, mentions) = match message {
            Some((c, body, m)) => (format!("'{c}'"), format!("'{body}'"), format!("'{m}'")),
            None => ("NULL".into(), "NULL".into(), "NULL".into()),
        };
        let edited = if *seq == 4 {
            NOW.to_string()
        } else {
            "NULL".into()
        };
        exec(format!(
            "INSERT INTO events (room_id, seq, kind, sender_id, content, in_timeline, created_at, target_seq, \
             client_id, body, reply_to_seq, mentions, edited_at) VALUES \
             ({room}, {seq}, '{kind}', {sender}, '{content}', {in_timeline}, {NOW}, {target}, {client_id}, {body}, NULL, {mentions}, {edited})"
        ))
        .await;
    }
    exec(format!(
        "INSERT INTO reactions (room_id, seq, emoji, user_id, created_at) VALUES ({room}, 4, '👍', {b}, {NOW})"
    ))
    .await;

    let log = store
        .events_after(EventId(0), 100)
        .await
        .expect("the log reads");
    let contents: Vec<ContentRecord> = log.into_iter().map(|e| e.content).collect();
    assert_eq!(contents.len(), rows.len());
    assert_eq!(
        contents[1],
        ContentRecord::MemberAdded {
            user_id: alice,
            role: Role::Owner
        }
    );
    assert_eq!(
        contents[4],
        ContentRecord::MessageEdited {
            target_seq: 4,
            body: Some(text("fixed"))
        }
    );
    assert_eq!(
        contents[6],
        ContentRecord::ReadUpTo {
            user_id: bob,
            seq: 6
        }
    );
    assert_eq!(
        contents[7],
        ContentRecord::RoleChanged {
            user_id: bob,
            role: Role::Admin
        }
    );
    assert_eq!(
        contents[9],
        ContentRecord::TopicChanged {
            topic: "history".into()
        }
    );

    let page = store
        .history(RoomId(room), HistoryAnchor::Latest, 50)
        .await
        .expect("history reads");
    let messages: Vec<&MessageRecord> = page
        .events
        .iter()
        .filter_map(|e| match &e.content {
            ContentRecord::Message(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].client_id, "c-1");
    assert_eq!(messages[0].body, Some(text("fixed")));
    assert_eq!(messages[0].mentions, [bob]);
    assert_eq!(messages[0].edited_at, Some(NOW));
    assert_eq!(messages[0].reactions[0].emoji, "👍");
    assert_eq!(
        messages[1].body,
        Some(BodyRecord::Encrypted {
            ciphertext: "AAEC".into()
        })
    );
    let member = store.member(RoomId(room), bob).await.unwrap().unwrap();
    assert_eq!((member.role, member.read_seq), (Role::Admin, 3));
}

async fn invitations_are_consumed_once_by_accepting(backend: Backend) {
    let (store, _db) = open(backend).await;
    let [owner, bob, carol, dave] = users(&store).await;
    let room = group(&store, owner, &[carol]).await;
    let made = store
        .invite(room, &[bob, carol, bob], owner, NOW)
        .await
        .unwrap();
    assert_eq!(
        made.iter().map(|i| i.user_id).collect::<Vec<_>>(),
        [bob],
        "members and repeats are skipped"
    );
    assert_eq!(store.pending_invitations(bob).await.unwrap(), 1);
    assert_eq!(
        store.room_count(bob).await.unwrap(),
        0,
        "pending costs nothing"
    );
    assert_eq!(
        store
            .append(room, carol, RoomChange::AcceptInvitation, NOW)
            .await
            .unwrap(),
        Appended::NotMember,
        "no invitation, no joining"
    );
    let Appended::Event(joined) = store
        .append(room, bob, RoomChange::AcceptInvitation, NOW + 1)
        .await
        .unwrap()
    else {
        panic!("accepting stores an event")
    };
    assert_eq!(
        (joined.sender_id, joined.content.clone()),
        (
            bob,
            ContentRecord::MemberAdded {
                user_id: bob,
                role: Role::Member
            }
        )
    );
    assert!(store.invitation(room, bob).await.unwrap().is_none());
    assert_eq!(store.room_count(bob).await.unwrap(), 1);
    assert_eq!(
        store
            .append(room, bob, RoomChange::AcceptInvitation, NOW + 2)
            .await
            .unwrap(),
        Appended::NotMember,
        "an invitation is used once"
    );
    // Declined or withdrawn: removed once.
    store.invite(room, &[dave], bob, NOW).await.unwrap();
    assert_eq!(
        store.room_invitations(room).await.unwrap()[0].invited_by,
        bob
    );
    assert!(store.remove_invitation(room, dave).await.unwrap());
    assert!(!store.remove_invitation(room, dave).await.unwrap());
}

async fn blocks_end_invitations_between_the_two_and_hide_them_as_contacts(backend: Backend) {
    let (store, _db) = open(backend).await;
    let [alice, mallory, bob] = users(&store).await;
    let shared = group(&store, alice, &[mallory, bob]).await;
    let theirs = group(&store, mallory, &[]).await;
    let hers = group(&store, alice, &[]).await;
    store.invite(theirs, &[alice], mallory, NOW).await.unwrap();
    store.invite(hers, &[mallory], alice, NOW).await.unwrap();
    store.invite(theirs, &[bob], mallory, NOW).await.unwrap();
    assert!(store.share_a_room(alice, mallory).await.unwrap());
    assert_eq!(store.contacts(alice).await.unwrap(), [mallory, bob]);

    let (added, ended) = store.block(alice, mallory, NOW).await.unwrap();
    assert!(added);
    let mut ended: Vec<_> = ended.iter().map(|i| (i.room_id, i.user_id)).collect();
    ended.sort();
    let mut expected = vec![(theirs, alice), (hers, mallory)];
    expected.sort();
    assert_eq!(ended, expected, "only the invitations between the two");
    assert_eq!(store.pending_invitations(bob).await.unwrap(), 1);
    assert!(
        !store.block(alice, mallory, NOW).await.unwrap().0,
        "already blocked"
    );
    assert!(store.blocked_between(mallory, alice).await.unwrap());
    assert_eq!(store.contacts(alice).await.unwrap(), [bob]);
    assert_eq!(store.contacts(mallory).await.unwrap(), [bob]);
    assert_eq!(store.block_count(alice).await.unwrap(), 1);
    assert_eq!(
        store.blocked_by(alice).await.unwrap()[0].blocked_id,
        mallory
    );
    assert!(
        store.share_a_room(alice, mallory).await.unwrap(),
        "{shared} stays"
    );

    assert!(store.unblock(alice, mallory).await.unwrap());
    assert!(!store.unblock(alice, mallory).await.unwrap());
    assert!(!store.blocked_between(alice, mallory).await.unwrap());
    assert_eq!(store.contacts(alice).await.unwrap(), [mallory, bob]);
}
