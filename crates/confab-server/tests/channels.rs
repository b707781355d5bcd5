//! Public channels and announcement rooms over the REST API and the WebSocket, on
//! SQLite and PostgreSQL: the directory (listing, search, paging, membership), joining
//! and leaving, changing who may join or post, and what each setting allows.

mod common;

use common::{Backend, TestServer, code, id_of, live, next_frame, signed_up};
use confab_client::proto::ErrorCode;
use confab_client::proto::events::EventContent;
use confab_client::proto::rooms::{
    CreateGroupRequest, PostingPolicy, Role, RoomVisibility, UpdateRoomRequest,
};
use confab_client::proto::ws::ServerFrame;
use confab_client::{Client, Live};
use confab_proto::RoomId;

on_both_backends!(
    public_groups_are_listed_searched_and_joined,
    the_directory_pages_by_offset_and_checks_its_input,
    visibility_and_posting_change_live_and_bind_at_once,
    private_and_encrypted_rooms_stay_closed,
);

async fn channel(owner: &Client, name: &str, topic: &str, posting: PostingPolicy) -> RoomId {
    owner
        .create_group(&CreateGroupRequest {
            name: name.to_owned(),
            topic: topic.to_owned(),
            visibility: RoomVisibility::Public,
            posting,
            ..Default::default()
        })
        .await
        .expect("create a public group")
        .id
}

/// The settings of the next `room_access_changed` event the connection gets.
async fn access_change(live: &mut Live) -> (RoomVisibility, PostingPolicy) {
    next_frame(live, |frame| match frame {
        ServerFrame::Event { event } => match event.content {
            EventContent::RoomAccessChanged {
                visibility,
                posting,
                ..
            } => Some((visibility, posting)),
            _ => None,
        },
        _ => None,
    })
    .await
}

/// The directory's names for a search, in order.
async fn listed(client: &Client, search: &str) -> Vec<String> {
    let page = client.channels(search, 0, 100).await.expect("directory");
    page.channels.into_iter().map(|c| c.name).collect()
}

async fn public_groups_are_listed_searched_and_joined(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (owner, _) = signed_up(&server, "owner").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let (carol, _) = signed_up(&server, "carol").await;
    let tag = common::unique_username("t");
    let general = channel(
        &owner,
        &format!("General {tag}"),
        "Everything and nothing",
        PostingPolicy::Everyone,
    )
    .await;
    let cafe = channel(
        &owner,
        &format!("Café Zürich {tag}"),
        "Kaffee und Kuchen",
        PostingPolicy::Everyone,
    )
    .await;
    let secret = owner
        .create_group(&CreateGroupRequest {
            name: format!("Secret {tag}"),
            ..Default::default()
        })
        .await
        .unwrap()
        .id;
    owner.send_text(general, "welcome, everyone").await.unwrap();

    // Bob joins General: it gains a member and moves to the top.
    let joined = bob.join_room(general).await.unwrap();
    assert_eq!(joined.room.id, general);
    assert_eq!(joined.room.visibility, RoomVisibility::Public);
    assert_eq!(
        joined.unread_count, 1,
        "the backlog is unread to a newcomer"
    );
    let page = carol.channels(&tag, 0, 50).await.unwrap();
    assert_eq!(page.total, 2, "the private group is not listed");
    let names: Vec<_> = page
        .channels
        .iter()
        .map(|c| (c.name.clone(), c.member_count, c.joined))
        .collect();
    assert_eq!(
        names,
        vec![
            (format!("General {tag}"), 2, false),
            (format!("Café Zürich {tag}"), 1, false)
        ]
    );
    let mine = bob.channels(&tag, 0, 50).await.unwrap();
    assert!(
        mine.channels[0].joined && !mine.channels[1].joined,
        "{mine:?}"
    );

    // Search: every word, in any letter case, in the name or the topic.
    assert_eq!(
        listed(&carol, &format!("{tag} CAFÉ")).await,
        vec![format!("Café Zürich {tag}")]
    );
    assert_eq!(
        listed(&carol, &format!("{tag} kuchen")).await,
        vec![format!("Café Zürich {tag}")]
    );
    assert_eq!(
        listed(&carol, &format!("{tag} zürich nothing")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(&carol, &format!("{tag} secret")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(&carol, "100%_").await,
        Vec::<String>::new(),
        "wildcards are literal"
    );
    // A rename is found by its new name at once.
    owner
        .update_room(
            cafe,
            &UpdateRoomRequest {
                name: Some(format!("Espresso Bar {tag}")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        listed(&carol, &format!("{tag} espresso")).await,
        vec![format!("Espresso Bar {tag}")]
    );
    assert_eq!(
        listed(&carol, &format!("{tag} café")).await,
        Vec::<String>::new()
    );

    // Joining twice changes nothing; the private group stays hidden from outsiders.
    let again = bob.join_room(general).await.unwrap();
    assert_eq!(again.room.member_count, 2);
    assert_eq!(code(carol.join_room(secret).await), ErrorCode::NotFound);
    assert_eq!(
        code(carol.join_room(RoomId(9_999_999)).await),
        ErrorCode::NotFound
    );

    // Carol joins live: her open connection gets the room's events from then on.
    let mut carols = live(&carol, None).await;
    carol.join_room(general).await.unwrap();
    let carol_id = id_of(&carol).await;
    next_frame(&mut carols, |frame| match frame {
        ServerFrame::Event { event } => matches!(event.content, EventContent::MemberAdded { user_id, .. } if user_id == carol_id).then_some(()),
        _ => None,
    })
    .await;
    bob.send_text(general, "hi Carol").await.unwrap();
    next_frame(&mut carols, |frame| match frame {
        ServerFrame::Event { event } if event.room_id == general => match event.content {
            EventContent::Message(_) => Some(()),
            _ => None,
        },
        _ => None,
    })
    .await;

    // Leaving and joining again: a public group takes back whoever left.
    carol.remove_member(general, carol_id).await.unwrap();
    assert!(!carol.channels(&tag, 0, 50).await.unwrap().channels[0].joined);
    carol.join_room(general).await.unwrap();
    assert!(
        carol
            .rooms()
            .await
            .unwrap()
            .iter()
            .any(|r| r.room.id == general)
    );
}

async fn the_directory_pages_by_offset_and_checks_its_input(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (owner, _) = signed_up(&server, "owner").await;
    let tag = common::unique_username("p");
    for n in 0..5 {
        channel(
            &owner,
            &format!("Room {n} {tag}"),
            "",
            PostingPolicy::Everyone,
        )
        .await;
    }
    let first = owner.channels(&tag, 0, 2).await.unwrap();
    let second = owner.channels(&tag, 2, 2).await.unwrap();
    let third = owner.channels(&tag, 4, 2).await.unwrap();
    assert_eq!((first.total, second.total, third.total), (5, 5, 5));
    let mut seen: Vec<_> = [first, second, third]
        .into_iter()
        .flat_map(|page| page.channels.into_iter().map(|c| c.name))
        .collect();
    assert_eq!(seen.len(), 5);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "no entry twice, none left out");
    // Equal member counts: oldest first.
    assert_eq!(
        owner.channels(&tag, 0, 1).await.unwrap().channels[0].name,
        format!("Room 0 {tag}")
    );
    // Page sizes out of range are clamped; bad input is refused with its field.
    assert_eq!(owner.channels(&tag, 0, 0).await.unwrap().channels.len(), 1);
    assert_eq!(
        owner.channels(&tag, 0, 5000).await.unwrap().channels.len(),
        5
    );
    for (search, offset) in [
        ("x".repeat(101), 0),
        ("a b c d e f g h i".to_owned(), 0),
        (String::new(), 10_001),
    ] {
        let err = owner
            .channels(&search, offset, 10)
            .await
            .expect_err("refused");
        assert_eq!(
            err.code(),
            Some(ErrorCode::InvalidInput),
            "{search:?} {offset}"
        );
    }
    // Only for people signed in.
    let (http, url) = server.raw("/api/v1/channels");
    let response = http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], ErrorCode::Unauthenticated.as_str());
}

async fn visibility_and_posting_change_live_and_bind_at_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (owner, _) = signed_up(&server, "owner").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let (carol, _) = signed_up(&server, "carol").await;
    let tag = common::unique_username("a");
    let news = channel(&owner, &format!("News {tag}"), "", PostingPolicy::Admins).await;
    bob.join_room(news).await.unwrap();

    // Announcements: members read and react, only admins and the owner post.
    let post = owner.send_text(news, "release on Friday").await.unwrap();
    assert_eq!(
        code(bob.send_text(news, "can I post?").await),
        ErrorCode::Forbidden
    );
    bob.react(news, post.seq, "🎉", true).await.unwrap();
    let mut bobs = live(&bob, None).await;
    assert_eq!(
        common::ws_send_refusal(&mut bobs, news, "ws-1").await,
        Some(ErrorCode::Forbidden)
    );
    let bob_id = id_of(&bob).await;
    owner.set_role(news, bob_id, Role::Admin).await.unwrap();
    bob.send_text(news, "admins post").await.unwrap();
    bob.update_room(
        news,
        &UpdateRoomRequest {
            posting: Some(PostingPolicy::Everyone),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    // Bob, now an admin, opened posting to everyone above; members see it live.
    assert_eq!(
        access_change(&mut bobs).await,
        (RoomVisibility::Public, PostingPolicy::Everyone)
    );
    let room = owner.room(news).await.unwrap().room;
    assert_eq!(
        (room.visibility, room.posting),
        (RoomVisibility::Public, PostingPolicy::Everyone)
    );

    // Made private: gone from the directory, and nobody new may join.
    let changed = owner
        .update_room(
            news,
            &UpdateRoomRequest {
                visibility: Some(RoomVisibility::Private),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.visibility, RoomVisibility::Private);
    assert_eq!(
        access_change(&mut bobs).await,
        (RoomVisibility::Private, PostingPolicy::Everyone)
    );
    assert!(
        carol
            .channels(&tag, 0, 10)
            .await
            .unwrap()
            .channels
            .is_empty()
    );
    assert_eq!(code(carol.join_room(news).await), ErrorCode::NotFound);
    // Setting what is already set stores no event.
    let before = owner.room(news).await.unwrap().room.last_seq;
    owner
        .update_room(
            news,
            &UpdateRoomRequest {
                visibility: Some(RoomVisibility::Private),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(owner.room(news).await.unwrap().room.last_seq, before);
    // Members below admin may not change it.
    owner.set_role(news, bob_id, Role::Member).await.unwrap();
    let refused = bob
        .update_room(
            news,
            &UpdateRoomRequest {
                posting: Some(PostingPolicy::Admins),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(code(refused), ErrorCode::Forbidden);
}

async fn private_and_encrypted_rooms_stay_closed(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (owner, _) = signed_up(&server, "owner").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let encrypted_public = CreateGroupRequest {
        name: "Sealed".into(),
        encrypted: true,
        visibility: RoomVisibility::Public,
        ..Default::default()
    };
    let err = owner
        .create_group(&encrypted_public)
        .await
        .expect_err("refused");
    assert_eq!(err.code(), Some(ErrorCode::InvalidInput));
    let sealed = owner
        .create_group(&CreateGroupRequest {
            name: "Sealed".into(),
            encrypted: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let err = owner
        .update_room(
            sealed.id,
            &UpdateRoomRequest {
                visibility: Some(RoomVisibility::Public),
                ..Default::default()
            },
        )
        .await
        .expect_err("refused");
    assert_eq!(err.code(), Some(ErrorCode::InvalidInput));
    // A member of a private group asking to join it is told it is not public.
    let team = common::group_with(&owner, "Team", &[&bob]).await;
    assert_eq!(code(bob.join_room(team).await), ErrorCode::Forbidden);
    let bob_id = id_of(&bob).await;
    assert_eq!(
        code(
            bob.update_room(
                team,
                &UpdateRoomRequest {
                    visibility: Some(RoomVisibility::Public),
                    ..Default::default()
                }
            )
            .await
        ),
        ErrorCode::Forbidden
    );
    // An invitation to a public group is used up by joining it directly.
    let open = channel(&owner, "Open", "", PostingPolicy::Everyone).await;
    owner.invite(open, &[bob_id]).await.unwrap();
    bob.join_room(open).await.unwrap();
    assert!(
        bob.invitations()
            .await
            .unwrap()
            .iter()
            .all(|i| i.room.id != open)
    );
    // A direct room is never public.
    let direct = common::direct(&owner, &bob).await;
    assert_eq!(
        owner.room(direct).await.unwrap().room.visibility,
        RoomVisibility::Private
    );
}
