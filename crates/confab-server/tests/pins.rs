//! Pinned messages over the REST API and the WebSocket, on SQLite and PostgreSQL:
//! who may pin under each `pinning` setting, the pin list (order, edits, deletions),
//! the events members see live and in history, and the limits and refusals.

mod common;

use common::{Backend, TestServer, code, direct, group_with, id_of, live, next_frame, signed_up};
use confab_client::proto::ErrorCode;
use confab_client::proto::events::{EventContent, MessageBody};
use confab_client::proto::rooms::{CreateGroupRequest, PinPolicy, UpdateRoomRequest};
use confab_client::proto::ws::ServerFrame;
use confab_client::{Client, Live};
use confab_proto::RoomId;

on_both_backends!(
    pins_follow_the_rooms_setting_and_reach_members_live,
    the_pin_list_follows_edits_and_deletions,
    pins_are_limited_and_refused_where_they_cannot_be,
);

/// The seqs of the room's pinned messages, latest pin first.
async fn pinned(client: &Client, room: RoomId) -> Vec<i64> {
    let list = client.pins(room).await.expect("pins");
    list.pins.iter().map(|pin| pin.message.seq).collect()
}

/// The next pin or unpin event the connection gets: `(pinned, target_seq)`.
async fn pin_event(live: &mut Live) -> (bool, i64) {
    next_frame(live, |frame| match frame {
        ServerFrame::Event { event } => match event.content {
            EventContent::MessagePinned { target_seq } => Some((true, target_seq)),
            EventContent::MessageUnpinned { target_seq } => Some((false, target_seq)),
            _ => None,
        },
        _ => None,
    })
    .await
}

async fn pins_follow_the_rooms_setting_and_reach_members_live(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (owner, _) = signed_up(&server, "owner").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let room = group_with(&owner, "Launch crew", &[&bob]).await;
    let checklist = owner.send_text(room, "Release checklist").await.unwrap();
    let plan = bob.send_text(room, "Rollout plan").await.unwrap();
    let mut bobs = live(&bob, None).await;

    // By default only admins and the owner pin.
    assert_eq!(
        owner.room(room).await.unwrap().room.pinning,
        PinPolicy::Admins
    );
    assert_eq!(
        code(bob.set_pinned(room, plan.seq, true).await),
        ErrorCode::Forbidden
    );
    owner.set_pinned(room, checklist.seq, true).await.unwrap();
    assert_eq!(pin_event(&mut bobs).await, (true, checklist.seq));
    owner.set_pinned(room, plan.seq, true).await.unwrap();
    assert_eq!(pin_event(&mut bobs).await, (true, plan.seq));
    let list = bob.pins(room).await.unwrap();
    assert_eq!(
        list.pins.iter().map(|p| p.message.seq).collect::<Vec<_>>(),
        vec![plan.seq, checklist.seq],
        "the latest pin first"
    );
    let owner_id = id_of(&owner).await;
    assert!(list.pins.iter().all(|p| p.pinned_by == owner_id));
    assert!(matches!(
        &list.pins[1].message.content,
        EventContent::Message(m) if m.body == Some(MessageBody::Text { text: "Release checklist".into() })
    ));

    // Pinning again changes nothing and stores no event.
    let before = owner.room(room).await.unwrap().room.last_seq;
    owner.set_pinned(room, plan.seq, true).await.unwrap();
    assert_eq!(owner.room(room).await.unwrap().room.last_seq, before);

    // The owner opens pinning to everyone: members see the setting live.
    let changed = owner
        .update_room(
            room,
            &UpdateRoomRequest {
                pinning: Some(PinPolicy::Everyone),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.pinning, PinPolicy::Everyone);
    let setting = next_frame(&mut bobs, |frame| match frame {
        ServerFrame::Event { event } => match event.content {
            EventContent::RoomAccessChanged { pinning, .. } => Some(pinning),
            _ => None,
        },
        _ => None,
    })
    .await;
    assert_eq!(setting, PinPolicy::Everyone);
    bob.set_pinned(room, checklist.seq, false).await.unwrap();
    assert_eq!(pin_event(&mut bobs).await, (false, checklist.seq));
    assert_eq!(pinned(&owner, room).await, vec![plan.seq]);

    // Pins and unpins are in the timeline, where a client shows "pinned a message".
    let history = owner.history(room, "").await.unwrap();
    let kinds: Vec<_> = history
        .events
        .iter()
        .filter_map(|e| match e.content {
            EventContent::MessagePinned { target_seq } => Some((true, target_seq)),
            EventContent::MessageUnpinned { target_seq } => Some((false, target_seq)),
            _ => None,
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (true, checklist.seq),
            (true, plan.seq),
            (false, checklist.seq)
        ]
    );

    // In a direct room both people pin.
    let (carol, _) = signed_up(&server, "carol").await;
    let dm = direct(&owner, &carol).await;
    assert_eq!(
        carol.room(dm).await.unwrap().room.pinning,
        PinPolicy::Everyone
    );
    let note = owner.send_text(dm, "the address").await.unwrap();
    carol.set_pinned(dm, note.seq, true).await.unwrap();
    assert_eq!(pinned(&owner, dm).await, vec![note.seq]);
}

async fn the_pin_list_follows_edits_and_deletions(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (owner, _) = signed_up(&server, "owner").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let room = group_with(&owner, "Docs", &[&bob]).await;
    let first = bob.send_text(room, "draft").await.unwrap();
    let second = bob.send_text(room, "keep me").await.unwrap();
    owner.set_pinned(room, first.seq, true).await.unwrap();
    owner.set_pinned(room, second.seq, true).await.unwrap();

    bob.edit_message(
        room,
        first.seq,
        MessageBody::Text {
            text: "final text".into(),
        },
    )
    .await
    .unwrap();
    let list = owner.pins(room).await.unwrap();
    let edited = list
        .pins
        .iter()
        .find(|p| p.message.seq == first.seq)
        .expect("still pinned");
    match &edited.message.content {
        EventContent::Message(m) => {
            assert_eq!(
                m.body,
                Some(MessageBody::Text {
                    text: "final text".into()
                })
            );
            assert!(m.edited_at.is_some());
        }
        other => panic!("not a message: {other:?}"),
    }

    // A deleted message leaves the list, and a member who leaves leaves their pins.
    bob.delete_message(room, first.seq).await.unwrap();
    assert_eq!(pinned(&owner, room).await, vec![second.seq]);
    assert_eq!(
        code(owner.set_pinned(room, first.seq, true).await),
        ErrorCode::NotFound
    );
    let bob_id = id_of(&bob).await;
    bob.remove_member(room, bob_id).await.unwrap();
    assert_eq!(pinned(&owner, room).await, vec![second.seq]);
    assert_eq!(code(bob.pins(room).await), ErrorCode::Forbidden);
}

async fn pins_are_limited_and_refused_where_they_cannot_be(backend: Backend) {
    let server = TestServer::start_with(backend, &["--max-pins-per-room", "2"]).await;
    let (owner, _) = signed_up(&server, "owner").await;
    let (stranger, _) = signed_up(&server, "stranger").await;
    let room = group_with(&owner, "Limits", &[]).await;
    let mut seqs = Vec::new();
    for n in 0..3 {
        seqs.push(
            owner
                .send_text(room, &format!("note {n}"))
                .await
                .unwrap()
                .seq,
        );
    }
    owner.set_pinned(room, seqs[0], true).await.unwrap();
    owner.set_pinned(room, seqs[1], true).await.unwrap();
    let refused = owner
        .set_pinned(room, seqs[2], true)
        .await
        .expect_err("over the limit");
    assert_eq!(refused.code(), Some(ErrorCode::TooManyPins));
    assert!(refused.to_string().contains('2'), "{refused}");
    owner.set_pinned(room, seqs[0], false).await.unwrap();
    owner.set_pinned(room, seqs[2], true).await.unwrap();
    assert_eq!(pinned(&owner, room).await, vec![seqs[2], seqs[1]]);

    // Only live messages of the room pin; unpinning what is not pinned does nothing.
    assert_eq!(
        code(owner.set_pinned(room, 1, true).await),
        ErrorCode::NotFound,
        "seq 1 is room_created"
    );
    assert_eq!(
        code(owner.set_pinned(room, 9_999, true).await),
        ErrorCode::NotFound
    );
    owner.set_pinned(room, 9_999, false).await.unwrap();
    assert_eq!(
        code(stranger.set_pinned(room, seqs[1], true).await),
        ErrorCode::Forbidden
    );
    assert_eq!(code(stranger.pins(room).await), ErrorCode::Forbidden);
    assert_eq!(
        code(owner.pins(RoomId(9_999_999)).await),
        ErrorCode::NotFound
    );

    // An end-to-end encrypted room has no pins.
    let secret = owner
        .create_group(&CreateGroupRequest {
            name: "Secret".into(),
            encrypted: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .id;
    let refused = owner
        .set_pinned(secret, 2, true)
        .await
        .expect_err("refused");
    assert_eq!(refused.code(), Some(ErrorCode::InvalidInput));
    assert!(owner.pins(secret).await.unwrap().pins.is_empty());
}
