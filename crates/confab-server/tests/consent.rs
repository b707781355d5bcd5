//! Consent (a security-review finding): nobody joins a room without accepting an
//! invitation, pending invitations cost nobody their room allowance, and a blocked
//! person can neither invite nor write to whoever blocked them, nor see their
//! presence. On SQLite and PostgreSQL, against a real server.

mod common;

use common::{Backend, TestServer, code, direct, group_with, id_of, live, next_frame, signed_up};
use confab_client::ClientError;
use confab_client::proto::events::EventContent;
use confab_client::proto::rooms::CreateGroupRequest;
use confab_client::proto::users::PresenceStatus;
use confab_client::proto::ws::ServerFrame;
use confab_proto::{ErrorCode, UserId};

on_both_backends!(
    a_group_invitation_is_accepted_live_and_joins_its_room,
    declined_and_withdrawn_invitations_end_without_joining,
    pending_invitations_cost_no_room_allowance_and_are_bounded,
    a_direct_room_with_a_stranger_is_a_request_until_accepted,
    blocking_stops_invitations_direct_messages_and_presence,
);

fn group_request(name: &str, members: Vec<UserId>) -> CreateGroupRequest {
    CreateGroupRequest {
        name: name.into(),
        topic: String::new(),
        members,
        encrypted: false,
        ..Default::default()
    }
}

async fn a_group_invitation_is_accepted_live_and_joins_its_room(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (owner, _) = signed_up(&server, "owner").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let (owner_id, bob_id) = (id_of(&owner).await, id_of(&bob).await);
    let mut bob_live = live(&bob, None).await;
    let room = owner
        .create_group(&group_request("Launch crew", vec![bob_id]))
        .await
        .unwrap();
    assert_eq!(
        room.member_count, 1,
        "the creator alone until people accept"
    );

    // Bob hears of it live, and finds it in his list; he is not a member yet.
    let invitation = next_frame(&mut bob_live, |frame| match frame {
        ServerFrame::InvitationReceived { invitation } => Some(invitation),
        _ => None,
    })
    .await;
    assert_eq!(
        (
            invitation.room.id,
            invitation.room.name.as_str(),
            invitation.invited_by
        ),
        (room.id, "Launch crew", owner_id)
    );
    assert_eq!(bob.invitations().await.unwrap(), [invitation]);
    let pending = owner.room_invitations(room.id).await.unwrap();
    assert_eq!(
        pending
            .iter()
            .map(|p| (p.user_id, p.invited_by))
            .collect::<Vec<_>>(),
        [(bob_id, owner_id)]
    );
    owner.send_text(room.id, "welcome aboard").await.unwrap();
    assert!(bob.rooms().await.unwrap().is_empty());
    for refused in [
        code(bob.history(room.id, "").await),
        code(bob.send_text(room.id, "early").await),
        code(bob.room_invitations(room.id).await),
    ] {
        assert_eq!(refused, ErrorCode::Forbidden);
    }

    // Accepting joins: the summary comes back, everyone sees Bob join by himself,
    // and his other devices hear that the invitation ended.
    let mut owner_live = live(&owner, None).await;
    let summary = bob.accept_invitation(room.id).await.unwrap();
    assert_eq!(
        (
            summary.room.id,
            summary.room.member_count,
            summary.unread_count
        ),
        (room.id, 2, 1)
    );
    let joined = next_frame(&mut owner_live, |frame| match frame {
        ServerFrame::Event { event } => match event.content {
            EventContent::MemberAdded { user_id, .. } => Some((event.sender_id, user_id)),
            _ => None,
        },
        _ => None,
    })
    .await;
    assert_eq!(joined, (bob_id, bob_id), "the joiner is the event's sender");
    let ended = next_frame(&mut bob_live, |frame| match frame {
        ServerFrame::InvitationEnded { room_id } => Some(room_id),
        _ => None,
    })
    .await;
    assert_eq!(ended, room.id);
    assert!(bob.invitations().await.unwrap().is_empty());
    assert!(owner.room_invitations(room.id).await.unwrap().is_empty());
    bob.send_text(room.id, "glad to be here").await.unwrap();
    assert_eq!(
        code(bob.accept_invitation(room.id).await),
        ErrorCode::NotFound,
        "an invitation is used once"
    );
}

async fn declined_and_withdrawn_invitations_end_without_joining(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (owner, _) = signed_up(&server, "owner").await;
    let (admin, _) = signed_up(&server, "admin").await;
    let (member, _) = signed_up(&server, "member").await;
    let (carol, _) = signed_up(&server, "carol").await;
    let (dave, _) = signed_up(&server, "dave").await;
    let room = group_with(&owner, "Team", &[&admin, &member]).await;
    owner
        .set_role(room, id_of(&admin).await, confab_proto::rooms::Role::Admin)
        .await
        .unwrap();
    let (carol_id, dave_id) = (id_of(&carol).await, id_of(&dave).await);
    assert_eq!(
        code(member.invite(room, &[carol_id]).await),
        ErrorCode::Forbidden,
        "plain members do not invite"
    );
    owner.invite(room, &[carol_id, dave_id]).await.unwrap();
    assert_eq!(
        owner.invite(room, &[carol_id]).await.unwrap(),
        [],
        "inviting again changes nothing"
    );

    // Carol declines: the owner is not told, and may ask again.
    let mut carol_live = live(&carol, None).await;
    carol.decline_invitation(room).await.unwrap();
    let ended = next_frame(&mut carol_live, |frame| match frame {
        ServerFrame::InvitationEnded { room_id } => Some(room_id),
        _ => None,
    })
    .await;
    assert_eq!(ended, room);
    assert_eq!(
        code(carol.accept_invitation(room).await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(carol.decline_invitation(room).await),
        ErrorCode::NotFound
    );
    assert_eq!(owner.members(room).await.unwrap().len(), 3);

    // Dave's invitation (the owner's) is withdrawn: not by a plain member, by an admin.
    assert_eq!(
        code(member.withdraw_invitation(room, dave_id).await),
        ErrorCode::Forbidden
    );
    admin.withdraw_invitation(room, dave_id).await.unwrap();
    assert!(dave.invitations().await.unwrap().is_empty());
    assert_eq!(
        code(dave.accept_invitation(room).await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(admin.withdraw_invitation(room, dave_id).await),
        ErrorCode::NotFound
    );
    assert!(owner.room_invitations(room).await.unwrap().is_empty());
}

/// The finding: an attacker filled a victim's 1,000-room allowance in seconds by
/// adding them to groups. Now invitations cost nothing until accepted, and a user
/// has at most `--max-pending-invitations` waiting.
async fn pending_invitations_cost_no_room_allowance_and_are_bounded(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        &[
            "--max-rooms-per-user",
            "2",
            "--max-pending-invitations",
            "3",
        ],
    )
    .await;
    let (victim, _) = signed_up(&server, "victim").await;
    let victim_id = id_of(&victim).await;
    // Attackers are held to the room allowance too: two rooms each.
    let mut attackers = Vec::new();
    let mut rooms = Vec::new();
    for i in 0..3 {
        let (attacker, _) = signed_up(&server, "attacker").await;
        let request = group_request(&format!("spam {i}"), vec![victim_id]);
        rooms.push(attacker.create_group(&request).await.unwrap().id);
        attackers.push(attacker);
    }
    let attacker = &attackers[0];
    let refused = attacker
        .create_group(&group_request("spam 3", vec![victim_id]))
        .await
        .expect_err("too many pending");
    match refused {
        ClientError::Api { detail, .. } => assert_eq!(
            (detail.code, detail.field.as_deref()),
            (ErrorCode::InvalidInput, Some("members"))
        ),
        other => panic!("unexpected {other:?}"),
    }
    // Three invitations pending, yet the victim is in no room and can use both of
    // their own.
    assert_eq!(victim.invitations().await.unwrap().len(), 3);
    assert!(victim.rooms().await.unwrap().is_empty());
    let own = victim
        .create_group(&group_request("mine", vec![]))
        .await
        .unwrap();
    victim.accept_invitation(rooms[0]).await.unwrap();
    // Now at the allowance: accepting more is refused, declining frees the list.
    assert_eq!(
        code(victim.accept_invitation(rooms[1]).await),
        ErrorCode::InvalidInput
    );
    victim.decline_invitation(rooms[1]).await.unwrap();
    victim.decline_invitation(rooms[2]).await.unwrap();
    victim.remove_member(own.id, victim_id).await.unwrap();
    assert_eq!(victim.rooms().await.unwrap().len(), 1);
    assert!(victim.invitations().await.unwrap().is_empty());
}

async fn a_direct_room_with_a_stranger_is_a_request_until_accepted(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let (carol, _) = signed_up(&server, "carol").await;
    let (alice_id, bob_id) = (id_of(&alice).await, id_of(&bob).await);
    let mut bob_live = live(&bob, None).await;
    let room = alice.open_direct(bob_id).await.unwrap();
    assert_eq!(room.member_count, 1);
    // Alice may write her request; Bob sees who asks, not what she wrote.
    alice
        .send_text(room.id, "hi, it's Alice from the meetup")
        .await
        .unwrap();
    let request = next_frame(&mut bob_live, |frame| match frame {
        ServerFrame::InvitationReceived { invitation } => Some(invitation),
        ServerFrame::Event { .. } => panic!("a non-member received an event"),
        _ => None,
    })
    .await;
    assert_eq!((request.room.id, request.invited_by), (room.id, alice_id));
    assert_eq!(code(bob.history(room.id, "").await), ErrorCode::Forbidden);
    let listed = &alice.rooms().await.unwrap()[0];
    assert_eq!(
        listed.peer,
        Some(bob_id),
        "the peer is known before accepting"
    );
    assert!(
        alice.presence(&[bob_id]).await.unwrap().is_empty(),
        "no presence before Bob accepts"
    );
    assert_eq!(
        alice.open_direct(bob_id).await.unwrap().id,
        room.id,
        "asking again while pending changes nothing"
    );
    assert_eq!(bob.invitations().await.unwrap().len(), 1);

    // Declined, then asked again: a new request. Accepted: Bob reads what Alice wrote.
    bob.decline_invitation(room.id).await.unwrap();
    alice.open_direct(bob_id).await.unwrap();
    assert_eq!(bob.invitations().await.unwrap().len(), 1);
    let summary = bob.accept_invitation(room.id).await.unwrap();
    assert_eq!((summary.peer, summary.unread_count), (Some(alice_id), 1));
    assert_eq!(
        alice.presence(&[bob_id]).await.unwrap()[0].status,
        PresenceStatus::Online
    );

    // People who share a room talk at once; the one asked may also just open it.
    let group = group_with(&alice, "club", &[&carol]).await;
    let carol_id = id_of(&carol).await;
    let at_once = carol.open_direct(alice_id).await.unwrap();
    assert_eq!(at_once.member_count, 2, "they share {group}");
    let asked = carol.open_direct(bob_id).await.unwrap();
    assert_eq!(asked.member_count, 1);
    assert_eq!(bob.open_direct(carol_id).await.unwrap().member_count, 2);
    assert!(bob.invitations().await.unwrap().is_empty());
}

async fn blocking_stops_invitations_direct_messages_and_presence(backend: Backend) {
    let server = TestServer::start_with(backend, &["--max-blocked-users", "2"]).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (mallory, _) = signed_up(&server, "mallory").await;
    let (alice_id, mallory_id) = (id_of(&alice).await, id_of(&mallory).await);
    let room = direct(&mallory, &alice).await;
    mallory.send_text(room, "hello").await.unwrap();
    let spam = mallory
        .create_group(&group_request("spam", vec![alice_id]))
        .await
        .unwrap()
        .id;
    let mut alice_live = live(&alice, None).await;
    let mut mallory_live = live(&mallory, None).await;
    assert_eq!(alice.invitations().await.unwrap().len(), 1);

    alice.block(mallory_id).await.unwrap();
    alice.block(mallory_id).await.unwrap(); // twice: no change
    let blocked = alice.blocked().await.unwrap();
    assert_eq!(
        blocked.iter().map(|b| b.user_id).collect::<Vec<_>>(),
        [mallory_id]
    );
    // Mallory's pending invitation ends, and she sees Alice go offline at once.
    let ended = next_frame(&mut alice_live, |frame| match frame {
        ServerFrame::InvitationEnded { room_id } => Some(room_id),
        _ => None,
    })
    .await;
    assert_eq!(ended, spam);
    let hidden = next_frame(&mut mallory_live, |frame| match frame {
        ServerFrame::Presence(p) if p.user_id == alice_id => Some(p.status),
        _ => None,
    })
    .await;
    assert_eq!(hidden, PresenceStatus::Offline);
    assert!(mallory.presence(&[alice_id]).await.unwrap().is_empty());
    assert!(alice.presence(&[mallory_id]).await.unwrap().is_empty());

    // Neither writes in their direct room, nor invites the other, nor opens another.
    assert_eq!(
        code(mallory.send_text(room, "hey?").await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(alice.send_text(room, "bye").await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        common::ws_send_refusal(&mut mallory_live, room, "blocked-1").await,
        Some(ErrorCode::Forbidden)
    );
    assert_eq!(
        code(mallory.open_direct(alice_id).await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(
            mallory
                .create_group(&group_request("again", vec![alice_id]))
                .await
        ),
        ErrorCode::Forbidden
    );
    let group = mallory
        .create_group(&group_request("later", vec![]))
        .await
        .unwrap()
        .id;
    assert_eq!(
        code(mallory.invite(group, &[alice_id]).await),
        ErrorCode::Forbidden
    );
    assert!(alice.invitations().await.unwrap().is_empty());
    // Deleting one's own words stays possible.
    let first = alice.history(room, "").await.unwrap().events;
    let hello = first
        .iter()
        .rev()
        .find(|e| e.sender_id == mallory_id)
        .unwrap();
    mallory.delete_message(room, hello.seq).await.unwrap();

    // Limits and mistakes.
    assert_eq!(code(alice.block(alice_id).await), ErrorCode::InvalidInput);
    assert_eq!(
        code(alice.block(UserId(987_654)).await),
        ErrorCode::NotFound
    );
    let (x, _) = signed_up(&server, "xavier").await;
    let (y, _) = signed_up(&server, "yvonne").await;
    alice.block(id_of(&x).await).await.unwrap();
    assert_eq!(
        code(alice.block(id_of(&y).await).await),
        ErrorCode::InvalidInput
    );
    alice.block(mallory_id).await.unwrap(); // already blocked: within the limit

    // Unblocked, they talk again.
    alice.unblock(mallory_id).await.unwrap();
    alice.unblock(mallory_id).await.unwrap();
    mallory.send_text(room, "sorry").await.unwrap();
    assert_eq!(alice.blocked().await.unwrap().len(), 1);
}
