//! Rooms, membership and messages over the REST API, on SQLite and PostgreSQL.

mod common;

use common::{Backend, TestServer, code, group_with, id_of, signed_up};
use confab_client::proto::ErrorCode;
use confab_client::proto::events::{EventContent, MessageBody, SendMessageRequest};
use confab_client::proto::rooms::{CreateGroupRequest, Role, RoomKind, UpdateRoomRequest};
use confab_client::{Client, ClientError};
use confab_proto::{RoomId, UserId};
use reqwest::StatusCode;

on_both_backends!(
    two_people_share_one_direct_room,
    non_members_can_neither_read_nor_write,
    a_group_of_five_with_role_changes,
    retried_sends_store_one_message,
    messages_can_be_replied_to_edited_deleted_and_reacted_to,
    unread_and_mention_counts_follow_the_read_marker,
    concurrent_senders_get_one_order,
    limits_are_enforced,
    inviting_is_all_or_nothing_and_shows_joiners_the_backlog_as_unread,
    markers_start_at_zero_and_a_returning_member_keeps_them,
    own_mentions_and_deleted_messages_do_not_count,
);

async fn new_group(owner: &Client, members: &[&Client]) -> RoomId {
    group_with(owner, "Team", members).await
}

fn text_of(content: &EventContent) -> Option<&str> {
    match content {
        EventContent::Message(m) => match &m.body {
            Some(MessageBody::Text { text }) => Some(text),
            _ => None,
        },
        _ => None,
    }
}

async fn two_people_share_one_direct_room(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let room = alice.open_direct(id_of(&bob).await).await.unwrap();
    assert_eq!(room.kind, RoomKind::Direct);
    assert_eq!(
        room.member_count, 1,
        "strangers: a request until Bob accepts"
    );
    assert_eq!(
        bob.open_direct(id_of(&alice).await).await.unwrap().id,
        room.id,
        "one room per pair; opening it is accepting"
    );
    assert_eq!(bob.room(room.id).await.unwrap().room.member_count, 2);
    assert_eq!(
        code(alice.open_direct(id_of(&alice).await).await),
        ErrorCode::InvalidInput
    );

    alice.send_text(room.id, "hi bob").await.unwrap();
    bob.send_text(room.id, "hi alice").await.unwrap();
    let page = bob.history(room.id, "").await.unwrap();
    let texts: Vec<_> = page
        .events
        .iter()
        .filter_map(|e| text_of(&e.content))
        .collect();
    assert_eq!(texts, ["hi bob", "hi alice"]);
    let listed = alice.rooms().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].peer, Some(id_of(&bob).await));
    assert_eq!(listed[0].unread_count, 1);
    // One room reads as its entry in the list.
    assert_eq!(alice.room(room.id).await.unwrap(), listed[0]);
    // Direct rooms have exactly two people.
    let (carol, _) = signed_up(&server, "carol").await;
    assert_eq!(
        code(alice.invite(room.id, &[id_of(&carol).await]).await),
        ErrorCode::Forbidden
    );
}

async fn non_members_can_neither_read_nor_write(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (owner, _) = signed_up(&server, "owner").await;
    let (outsider, _) = signed_up(&server, "outsider").await;
    let room = new_group(&owner, &[]).await;
    owner.send_text(room, "secret").await.unwrap();
    for error in [
        code(outsider.room(room).await),
        code(outsider.history(room, "").await),
        code(outsider.send_text(room, "let me in").await),
        code(outsider.members(room).await),
        code(outsider.mark_read(room, 1).await),
        code(outsider.react(room, 3, "👍", true).await),
    ] {
        assert_eq!(error, ErrorCode::Forbidden);
    }
    let missing = outsider
        .history(RoomId(999_999), "")
        .await
        .expect_err("no such room");
    assert_eq!(
        (missing.status(), missing.code()),
        (Some(StatusCode::NOT_FOUND), Some(ErrorCode::NotFound))
    );
}

async fn a_group_of_five_with_role_changes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut people = Vec::new();
    for name in ["own", "adm", "mem", "new", "out"] {
        let (client, _) = signed_up(&server, name).await;
        let id = id_of(&client).await;
        people.push((client, id));
    }
    let [
        (owner, owner_id),
        (admin, admin_id),
        (member, member_id),
        (newcomer, new_id),
        (outsider, out_id),
    ] = <[_; 5]>::try_from(people).ok().unwrap();
    let room = new_group(&owner, &[&admin, &member, &outsider]).await;

    // Plain members manage nothing.
    assert_eq!(
        code(member.invite(room, &[new_id]).await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(member.remove_member(room, out_id).await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(
            member
                .update_room(
                    room,
                    &UpdateRoomRequest {
                        name: Some("x".into()),
                        ..Default::default()
                    }
                )
                .await
        ),
        ErrorCode::Forbidden
    );

    owner.set_role(room, admin_id, Role::Admin).await.unwrap();
    assert_eq!(
        code(admin.set_role(room, member_id, Role::Admin).await),
        ErrorCode::Forbidden,
        "only the owner names admins"
    );
    let invited = admin.invite(room, &[new_id]).await.unwrap();
    assert_eq!(invited.len(), 1);
    assert_eq!(
        code(newcomer.send_text(room, "too early").await),
        ErrorCode::Forbidden,
        "invited is not a member yet"
    );
    newcomer.accept_invitation(room).await.unwrap();
    assert_eq!(admin.members(room).await.unwrap().len(), 5);
    newcomer
        .send_text(room, "hello all")
        .await
        .expect("new members can talk");

    // Admins remove members below them, never the owner.
    assert_eq!(
        code(admin.remove_member(room, owner_id).await),
        ErrorCode::Forbidden
    );
    admin.remove_member(room, out_id).await.unwrap();
    assert_eq!(
        code(outsider.history(room, "").await),
        ErrorCode::Forbidden,
        "removed members stop reading at once"
    );
    assert_eq!(
        code(outsider.send_text(room, "still here").await),
        ErrorCode::Forbidden
    );

    let renamed = admin
        .update_room(
            room,
            &UpdateRoomRequest {
                name: Some("Launch crew".into()),
                topic: Some("Ship on Friday".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.topic.as_str()),
        ("Launch crew", "Ship on Friday")
    );

    assert_eq!(
        code(owner.remove_member(room, owner_id).await),
        ErrorCode::Forbidden,
        "the owner hands over before leaving"
    );
    owner.transfer_ownership(room, admin_id).await.unwrap();
    let roles: Vec<_> = admin
        .members(room)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.user_id, m.role))
        .collect();
    assert_eq!(roles[0], (admin_id, Role::Owner));
    assert!(roles.contains(&(owner_id, Role::Admin)));
    owner
        .remove_member(room, owner_id)
        .await
        .expect("now the former owner can leave");
    member
        .remove_member(room, member_id)
        .await
        .expect("members can leave");
    assert_eq!(admin.members(room).await.unwrap().len(), 2);

    // Every change is in the history, in order.
    let page = admin.history(room, "limit=100").await.unwrap();
    let kinds: Vec<_> = page.events.iter().map(|e| e.content.kind()).collect();
    assert_eq!(
        kinds,
        [
            "room_created",
            "member_added",
            "member_added",
            "member_added",
            "member_added",
            "role_changed",
            "member_added",
            "message",
            "member_removed",
            "room_renamed",
            "topic_changed",
            "ownership_transferred",
            "member_left",
            "member_left",
        ]
    );
    assert!(page.events.windows(2).all(|w| w[0].seq < w[1].seq));
}

async fn retried_sends_store_one_message(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let room = new_group(&alice, &[]).await;
    let request = SendMessageRequest {
        client_id: "retry-me".to_owned(),
        body: MessageBody::Text {
            text: "once".to_owned(),
        },
        reply_to: None,
        attachments: Vec::new(),
    };
    let (http, url) = server.raw(&format!("/api/v1/rooms/{room}/messages"));
    let token = alice.tokens().await.unwrap().access_token;
    let first = http
        .post(&url)
        .bearer_auth(&token)
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let retry = http
        .post(&url)
        .bearer_auth(&token)
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), StatusCode::OK);
    let (first, retry): (serde_json::Value, serde_json::Value) =
        (first.json().await.unwrap(), retry.json().await.unwrap());
    assert_eq!(first, retry);
    let page = alice.history(room, "").await.unwrap();
    assert_eq!(
        page.events
            .iter()
            .filter(|e| text_of(&e.content) == Some("once"))
            .count(),
        1
    );
}

async fn messages_can_be_replied_to_edited_deleted_and_reacted_to(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (owner, _) = signed_up(&server, "owner").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let room = new_group(&owner, &[&bob]).await;
    let question = bob.send_text(room, "lunch?").await.unwrap();
    let reply = owner
        .send_message(
            room,
            &SendMessageRequest {
                client_id: "r1".into(),
                body: MessageBody::Text {
                    text: "yes!".into(),
                },
                reply_to: Some(question.seq),
                attachments: Vec::new(),
            },
        )
        .await
        .unwrap();
    let bad_reply = SendMessageRequest {
        client_id: "r2".into(),
        body: MessageBody::Text { text: "?".into() },
        reply_to: Some(9999),
        attachments: Vec::new(),
    };
    assert_eq!(
        code(owner.send_message(room, &bad_reply).await),
        ErrorCode::InvalidInput
    );

    let fixed = MessageBody::Text {
        text: "lunch at noon?".into(),
    };
    assert_eq!(
        code(owner.edit_message(room, question.seq, fixed.clone()).await),
        ErrorCode::Forbidden,
        "not the owner's message"
    );
    bob.edit_message(room, question.seq, fixed).await.unwrap();
    owner.react(room, question.seq, "👍", true).await.unwrap();
    bob.react(room, question.seq, "👍", true).await.unwrap();
    bob.react(room, question.seq, "🍕", true).await.unwrap();
    bob.react(room, question.seq, "🍕", false).await.unwrap();
    // The longest emoji sequences (35 bytes) are reactions; 65 bytes are not.
    let kiss =
        "\u{1F469}\u{1F3FD}\u{200D}\u{2764}\u{FE0F}\u{200D}\u{1F48B}\u{200D}\u{1F468}\u{1F3FF}";
    assert_eq!(kiss.len(), 35);
    bob.react(room, question.seq, kiss, true).await.unwrap();
    bob.react(room, question.seq, kiss, false).await.unwrap();
    let too_long = format!("{}x", "\u{1F44D}".repeat(16));
    assert_eq!(too_long.len(), 65);
    assert_eq!(
        code(bob.react(room, question.seq, &too_long, true).await),
        ErrorCode::InvalidInput
    );

    // `around` with `limit=1` is the message alone, with older events before it.
    let single = owner
        .history(room, &format!("around={}&limit=1", question.seq))
        .await
        .unwrap();
    assert_eq!(
        (
            single.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
            single.has_older
        ),
        (vec![question.seq], true)
    );
    // Extreme anchors: negative ones are refused, the largest give an answer (found
    // by schemathesis: `before=-9223372036854775808` overflowed into a 500).
    for extreme in ["before", "after", "around"] {
        assert_eq!(
            code(
                owner
                    .history(room, &format!("{extreme}={}", i64::MIN))
                    .await
            ),
            ErrorCode::InvalidInput
        );
        let page = owner
            .history(room, &format!("{extreme}={}", i64::MAX))
            .await
            .unwrap();
        assert!(!page.has_newer, "{extreme}");
    }
    let page = owner
        .history(room, &format!("around={}", question.seq))
        .await
        .unwrap();
    let EventContent::Message(message) = &page
        .events
        .iter()
        .find(|e| e.seq == question.seq)
        .unwrap()
        .content
    else {
        panic!("message expected")
    };
    assert_eq!(
        message.body,
        Some(MessageBody::Text {
            text: "lunch at noon?".into()
        })
    );
    assert!(message.edited_at.is_some());
    assert_eq!(message.reactions.len(), 1);
    assert_eq!(message.reactions[0].user_ids.len(), 2);
    let EventContent::Message(answer) = &page
        .events
        .iter()
        .find(|e| e.seq == reply.seq)
        .unwrap()
        .content
    else {
        panic!("reply expected")
    };
    assert_eq!(answer.reply_to, Some(question.seq));

    // Bob may not delete the owner's reply; the owner (an admin) may delete Bob's question.
    assert_eq!(
        code(bob.delete_message(room, reply.seq).await),
        ErrorCode::Forbidden
    );
    owner.delete_message(room, question.seq).await.unwrap();
    assert_eq!(
        code(
            bob.edit_message(room, question.seq, MessageBody::Text { text: "x".into() })
                .await
        ),
        ErrorCode::NotFound
    );
    let page = bob.history(room, "").await.unwrap();
    let EventContent::Message(tombstone) = &page
        .events
        .iter()
        .find(|e| e.seq == question.seq)
        .unwrap()
        .content
    else {
        panic!("tombstone expected")
    };
    assert!(tombstone.body.is_none() && tombstone.deleted_at.is_some());
}

async fn unread_and_mention_counts_follow_the_read_marker(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, bob_name) = signed_up(&server, "bob").await;
    let room = new_group(&alice, &[&bob]).await;
    alice.send_text(room, "morning").await.unwrap();
    let last = alice
        .send_text(room, &format!("@{bob_name} can you look at this?"))
        .await
        .unwrap();
    let EventContent::Message(state) = &last.content else {
        panic!("message expected")
    };
    assert_eq!(state.mentions, [id_of(&bob).await]);

    let summary = &bob.rooms().await.unwrap()[0];
    assert_eq!((summary.unread_count, summary.mention_count), (2, 1));
    assert_eq!(summary.last_message.as_ref().map(|e| e.seq), Some(last.seq));
    assert_eq!(
        &bob.room(room).await.unwrap(),
        summary,
        "one room as in the list"
    );
    assert_eq!(
        alice.rooms().await.unwrap()[0].unread_count,
        0,
        "my own messages are read"
    );

    bob.mark_read(room, last.seq).await.unwrap();
    let summary = &bob.rooms().await.unwrap()[0];
    assert_eq!(
        (
            summary.unread_count,
            summary.mention_count,
            summary.read_seq
        ),
        (0, 0, last.seq)
    );
    assert_eq!(
        code(bob.mark_read(room, last.seq + 100).await),
        ErrorCode::InvalidInput
    );
    let bob_id = id_of(&bob).await;
    let read = alice
        .members(room)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.user_id == bob_id)
        .unwrap();
    assert_eq!(
        (read.read_seq, read.delivered_seq),
        (last.seq, last.seq),
        "reading implies delivery"
    );
}

async fn concurrent_senders_get_one_order(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (owner, _) = signed_up(&server, "owner").await;
    let mut senders = Vec::new();
    for i in 0..20 {
        let (client, _) = signed_up(&server, &format!("s{i}x")).await;
        senders.push(client);
    }
    let room = new_group(&owner, &senders.iter().collect::<Vec<_>>()).await;
    let tasks: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(i, sender)| {
            tokio::spawn(async move { sender.send_text(room, &format!("from {i}")).await.unwrap() })
        })
        .collect();
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.push(task.await.unwrap());
    }
    let page = owner.history(room, "limit=100").await.unwrap();
    let stored: Vec<_> = page
        .events
        .iter()
        .filter(|e| text_of(&e.content).is_some())
        .map(|e| e.seq)
        .collect();
    assert_eq!(stored.len(), 20);
    let mut acked: Vec<_> = acknowledged.iter().map(|e| e.seq).collect();
    acked.sort_unstable();
    assert_eq!(
        stored, acked,
        "every acknowledged send is in history at the sequence number it was given"
    );
    assert!(
        stored.windows(2).all(|w| w[1] == w[0] + 1),
        "no gaps between concurrent sends"
    );
}

async fn limits_are_enforced(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        &[
            "--max-room-members",
            "3",
            "--max-rooms-per-user",
            "2",
            "--max-message-bytes",
            "100",
            "--max-room-name-chars",
            "8",
            "--max-room-topic-chars",
            "10",
        ],
    )
    .await;
    let (owner, _) = signed_up(&server, "owner").await;
    let named = |name: &str, topic: &str| CreateGroupRequest {
        name: name.into(),
        topic: topic.into(),
        members: vec![],
        encrypted: false,
        ..Default::default()
    };
    for (request, field) in [
        (named("ninechars", ""), "name"),
        (named("", ""), "name"),
        (named("ok", "elevenchars"), "topic"),
    ] {
        match owner.create_group(&request).await {
            Err(ClientError::Api { detail, .. }) => assert_eq!(
                (detail.code, detail.field.as_deref()),
                (ErrorCode::InvalidInput, Some(field))
            ),
            other => panic!("expected invalid_input on {field}, got {other:?}"),
        }
    }
    let mut others = Vec::new();
    let mut clients = Vec::new();
    for name in ["a", "b", "c"] {
        let (client, _) = signed_up(&server, &format!("{name}user")).await;
        others.push(id_of(&client).await);
        clients.push(client);
    }
    let too_big = CreateGroupRequest {
        name: "big".into(),
        topic: String::new(),
        members: others.clone(),
        encrypted: false,
        ..Default::default()
    };
    assert_eq!(
        code(owner.create_group(&too_big).await),
        ErrorCode::InvalidInput
    );
    let room = new_group(&owner, &[&clients[0]]).await;
    owner.invite(room, &others[1..2]).await.unwrap();
    assert_eq!(
        code(owner.invite(room, &others[2..]).await),
        ErrorCode::InvalidInput,
        "room is full: pending invitations count"
    );

    assert!(owner.send_text(room, &"x".repeat(100)).await.is_ok());
    assert_eq!(
        code(owner.send_text(room, &"x".repeat(101)).await),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(owner.send_text(room, "   ").await),
        ErrorCode::InvalidInput
    );
    let unnamed = CreateGroupRequest {
        name: " ".into(),
        topic: String::new(),
        members: vec![],
        encrypted: false,
        ..Default::default()
    };
    assert_eq!(
        code(owner.create_group(&unnamed).await),
        ErrorCode::InvalidInput
    );

    new_group(&owner, &[]).await;
    assert_eq!(
        code(owner.create_group(&unnamed_group("third")).await),
        ErrorCode::InvalidInput,
        "two rooms per user"
    );

    // An encrypted room takes ciphertext only, and a plain room takes text only.
    let (crypto_owner, _) = signed_up(&server, "crypt").await;
    let secret = CreateGroupRequest {
        name: "secret".into(),
        topic: String::new(),
        members: vec![],
        encrypted: true,
        ..Default::default()
    };
    let encrypted = crypto_owner.create_group(&secret).await.unwrap();
    assert!(encrypted.encrypted);
    assert_eq!(
        code(crypto_owner.send_text(encrypted.id, "plain").await),
        ErrorCode::InvalidInput
    );
    let ciphertext = SendMessageRequest {
        client_id: "e1".into(),
        body: MessageBody::Encrypted {
            ciphertext: "bWxzLWNpcGhlcnRleHQ=".into(),
        },
        reply_to: None,
        attachments: Vec::new(),
    };
    // Ciphertext must be an MLS application message of the room's group (tests/mls.rs
    // sends real ones); anything else is refused with the reason.
    let refused = crypto_owner.send_message(encrypted.id, &ciphertext).await;
    let detail = match refused {
        Err(confab_client::ClientError::Api { detail, .. }) => detail,
        other => panic!("not an MLS message, yet {other:?}"),
    };
    assert_eq!(detail.code, ErrorCode::InvalidInput);
    assert!(
        detail.message.contains("not an MLS message"),
        "{}",
        detail.message
    );
    assert_eq!(
        code(
            owner
                .send_message(
                    room,
                    &SendMessageRequest {
                        client_id: "e2".into(),
                        ..ciphertext
                    }
                )
                .await
        ),
        ErrorCode::InvalidInput
    );
}

fn unnamed_group(name: &str) -> CreateGroupRequest {
    CreateGroupRequest {
        name: name.into(),
        topic: String::new(),
        members: vec![],
        encrypted: false,
        ..Default::default()
    }
}

async fn inviting_is_all_or_nothing_and_shows_joiners_the_backlog_as_unread(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (owner, owner_name) = signed_up(&server, "owner").await;
    let (late, _) = signed_up(&server, "late").await;
    let late_id = id_of(&late).await;
    let room = new_group(&owner, &[]).await;
    owner.send_text(room, "said before you came").await.unwrap();

    let error = owner
        .invite(room, &[late_id, UserId(987_654)])
        .await
        .expect_err("unknown user");
    match error {
        ClientError::Api { detail, .. } => {
            assert_eq!(detail.code, ErrorCode::InvalidInput);
            assert_eq!(detail.field.as_deref(), Some("user_ids"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        owner.members(room).await.unwrap().len(),
        1,
        "nobody was added"
    );
    assert!(
        owner.room_invitations(room).await.unwrap().is_empty(),
        "nobody was invited"
    );

    let made = owner.invite(room, &[late_id, late_id]).await.unwrap();
    assert_eq!(made.len(), 1, "one invitation per person");
    assert!(
        late.rooms().await.unwrap().is_empty(),
        "invited, not joined"
    );
    late.accept_invitation(room).await.unwrap();
    let summary = &late.rooms().await.unwrap()[0];
    assert_eq!(
        (summary.read_seq, summary.unread_count),
        (0, 1),
        "what came before joining is unread"
    );
    // Members see the room's whole history.
    let page = late.history(room, "").await.unwrap();
    assert!(
        page.events
            .iter()
            .any(|e| text_of(&e.content) == Some("said before you came"))
    );
    owner
        .send_text(
            room,
            &format!(
                "@{} and @{owner_name} hello",
                late.me().await.unwrap().username
            ),
        )
        .await
        .unwrap();
    let summary = &late.rooms().await.unwrap()[0];
    assert_eq!((summary.unread_count, summary.mention_count), (2, 1));
    let own = &owner.rooms().await.unwrap()[0];
    assert_eq!(own.mention_count, 0, "mentioning yourself does not count");
}

/// The caller's `(read_seq, delivered_seq)` in a room, from the member list.
async fn markers_of(client: &Client, room: RoomId) -> (i64, i64) {
    let me = id_of(client).await;
    let member = client
        .members(room)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.user_id == me)
        .expect("a current member");
    (member.read_seq, member.delivered_seq)
}

async fn markers_start_at_zero_and_a_returning_member_keeps_them(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (owner, _) = signed_up(&server, "owner").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let (late, _) = signed_up(&server, "late").await;
    let room = new_group(&owner, &[&bob]).await;
    for client in [&owner, &bob] {
        assert_eq!(markers_of(client, room).await, (0, 0), "a new room");
        assert_eq!(client.room(room).await.unwrap().read_seq, 0);
    }

    owner.send_text(room, "one").await.unwrap();
    let two = owner.send_text(room, "two").await.unwrap();
    common::join(&owner, room, &[&late]).await;
    assert_eq!(
        markers_of(&late, room).await,
        (0, 0),
        "a member added later"
    );
    let summary = late.room(room).await.unwrap();
    assert_eq!(
        (summary.read_seq, summary.unread_count),
        (0, 2),
        "the messages from before joining count"
    );

    // Bob reads up to "two", leaves, misses a message and is added back.
    bob.mark_read(room, two.seq).await.unwrap();
    bob.remove_member(room, id_of(&bob).await).await.unwrap();
    owner.send_text(room, "while bob was away").await.unwrap();
    common::join(&owner, room, &[&bob]).await;
    assert_eq!(markers_of(&bob, room).await, (two.seq, two.seq));
    let summary = bob.room(room).await.unwrap();
    assert_eq!(
        (summary.read_seq, summary.unread_count),
        (two.seq, 1),
        "a returning member keeps their markers; what they missed is unread"
    );
}

async fn own_mentions_and_deleted_messages_do_not_count(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, alice_name) = signed_up(&server, "alice").await;
    let (bob, bob_name) = signed_up(&server, "bob").await;
    let room = new_group(&alice, &[&bob]).await;

    let sent = alice
        .send_text(
            room,
            &format!("@{alice_name} note to self, and @{bob_name}"),
        )
        .await
        .unwrap();
    let EventContent::Message(state) = &sent.content else {
        panic!("message expected")
    };
    assert_eq!(
        state.mentions,
        [id_of(&bob).await],
        "the sender is never among the mentions"
    );
    let own = alice.room(room).await.unwrap();
    assert_eq!((own.unread_count, own.mention_count), (0, 0));
    let summary = bob.room(room).await.unwrap();
    assert_eq!((summary.unread_count, summary.mention_count), (1, 1));

    alice.delete_message(room, sent.seq).await.unwrap();
    let summary = bob.room(room).await.unwrap();
    assert_eq!(
        (summary.unread_count, summary.mention_count),
        (0, 0),
        "a deleted message counts neither as unread nor as a mention"
    );
    // The tombstone still says whom it mentioned.
    let page = bob.history(room, "").await.unwrap();
    let tombstone = page.events.iter().find(|e| e.seq == sent.seq).unwrap();
    let EventContent::Message(state) = &tombstone.content else {
        panic!("message expected")
    };
    assert!(state.deleted_at.is_some());
    assert_eq!(state.mentions, [id_of(&bob).await]);
}
