//! Profile changes are live: when someone changes their display name or status, the
//! people who share a room with them (and their own other devices) get a `profile`
//! frame at once; strangers get nothing.

mod common;

use common::{Backend, TestServer, id_of, live, next_frame, signed_up};
use confab_client::Live;
use confab_client::proto::rooms::CreateGroupRequest;
use confab_client::proto::users::{Profile, UpdateProfileRequest};
use confab_client::proto::ws::ServerFrame;
use confab_proto::UserId;

on_both_backends!(a_profile_change_reaches_contacts_and_no_one_else);

/// The next `profile` frame about `user`, skipping everything else.
async fn next_profile_of(live: &mut Live, user: UserId) -> Profile {
    next_frame(live, |frame| match frame {
        ServerFrame::Profile(profile) if profile.id == user => Some(profile),
        _ => None,
    })
    .await
}

async fn a_profile_change_reaches_contacts_and_no_one_else(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, alice_name) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let (carol, _) = signed_up(&server, "carol").await;
    let alice_id = id_of(&alice).await;
    common::direct(&alice, &bob).await;
    let alice_laptop = server.client();
    alice_laptop
        .sign_in(&alice_name, common::PASSWORD, Some("laptop"))
        .await
        .unwrap();
    let mut bob_live = live(&bob, None).await;
    let mut laptop_live = live(&alice_laptop, None).await;
    let mut carol_live = live(&carol, None).await;

    let changed = alice
        .update_profile(&UpdateProfileRequest {
            display_name: Some("Alice Liddell".into()),
            status_text: Some("down the rabbit hole".into()),
            discoverable: None,
        })
        .await
        .unwrap();
    for seen in [
        next_profile_of(&mut bob_live, alice_id).await,
        next_profile_of(&mut laptop_live, alice_id).await,
    ] {
        assert_eq!(seen, changed);
        assert_eq!(seen.display_name, "Alice Liddell");
        assert_eq!(seen.status_text, "down the rabbit hole");
    }

    // Carol shares no room with Alice: the next thing she gets is her own message.
    let own_room = carol
        .create_group(&CreateGroupRequest {
            name: "me".into(),
            topic: String::new(),
            members: vec![],
            encrypted: false,
            ..Default::default()
        })
        .await
        .unwrap();
    let sent = carol.send_text(own_room.id, "alone").await.unwrap();
    next_frame(&mut carol_live, |frame| match frame {
        ServerFrame::Profile(profile) => {
            assert_ne!(profile.id, alice_id, "a profile leaked to a stranger");
            None
        }
        ServerFrame::Event { event } if event.id == sent.id => Some(()),
        _ => None,
    })
    .await;
}
