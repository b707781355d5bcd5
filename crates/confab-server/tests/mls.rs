//! End-to-end encrypted rooms: real OpenMLS devices (`confab_client::e2ee`) against a
//! real server, on SQLite and PostgreSQL. The server orders commits and relays
//! ciphertext; these tests show every device reads every message, the server keeps
//! no plaintext, a removed member reads nothing more, racing commits leave one group,
//! and a device that was away catches up.

mod common;

use common::{Backend, PASSWORD, TestServer, code, id_of, live, next_frame, signed_up};
use confab_client::Client;
use confab_client::e2ee::{Device, Received};
use confab_client::proto::events::{EventContent, MessageBody, RoomEvent};
use confab_client::proto::mls::{EncryptedContent, SubmitCommit, UploadKeyPackages};
use confab_client::proto::rooms::{CreateGroupRequest, OpenDirectRequest};
use confab_client::proto::ws::ServerFrame;
use confab_proto::{ErrorCode, RoomId};

on_both_backends!(
    three_users_on_four_devices_read_every_message_and_the_server_keeps_no_plaintext,
    a_removed_member_reads_nothing_sent_after_and_racing_commits_leave_one_group,
    a_device_away_for_three_epochs_catches_up,
    the_delivery_service_refuses_what_does_not_fit_the_room,
    an_encrypted_direct_room_is_a_room_of_its_own,
);

/// One more device session of an account, with its MLS identity.
async fn second_device(server: &TestServer, username: &str, name: &str) -> Device {
    let client = server.client();
    client
        .sign_in(username, PASSWORD, Some(name))
        .await
        .expect("sign in");
    Device::register(client, None, 4).await.expect("register")
}

/// An encrypted group of `owner`, with `members` invited and accepted.
async fn encrypted_group(owner: &Client, members: &[&Client]) -> RoomId {
    let mut ids = Vec::new();
    for member in members {
        ids.push(id_of(member).await);
    }
    let room = owner
        .create_group(&CreateGroupRequest {
            name: "Secret plans".into(),
            topic: String::new(),
            members: ids,
            encrypted: true,
            ..Default::default()
        })
        .await
        .expect("create")
        .id;
    for member in members {
        member.accept_invitation(room).await.expect("accept");
    }
    room
}

/// The room's messages after `after`, oldest first.
async fn messages_after(client: &Client, room: RoomId, after: i64) -> Vec<RoomEvent> {
    let page = client
        .history(room, &format!("after={after}&limit=100"))
        .await
        .expect("history");
    page.events
        .into_iter()
        .filter(|e| matches!(e.content, EventContent::Message(_)))
        .collect()
}

/// What `device` decrypts of the room's messages from other devices, as text.
async fn read_all(device: &mut Device, room: RoomId) -> Vec<String> {
    let mut texts = Vec::new();
    for event in messages_after(device.client(), room, 0).await {
        match device.receive(&event).await.expect("decrypt") {
            Received::Message { plaintext, .. } => {
                texts.push(String::from_utf8(plaintext).expect("utf-8"));
            }
            Received::Own { .. } => {}
            other => panic!("a message event gave {other:?}"),
        }
    }
    texts
}

/// Every file under `dir`, concatenated (the SQLite database and its journal).
fn files_under(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            bytes.extend(files_under(&path));
        } else if let Ok(content) = std::fs::read(&path) {
            bytes.extend(content);
        }
    }
    bytes
}

/// Everything the server stored: its files, or a dump of its PostgreSQL database.
fn stored_bytes(server: &TestServer) -> Vec<u8> {
    let mut bytes = files_under(server.db.dir());
    if server.db.backend() == Backend::Postgres {
        let dump = std::process::Command::new("pg_dump")
            .args(["--data-only", &server.db.url])
            .output()
            .expect("pg_dump");
        assert!(dump.status.success(), "pg_dump failed");
        assert!(dump.stdout.len() > 1000, "the dump holds the data");
        bytes.extend(dump.stdout);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

async fn three_users_on_four_devices_read_every_message_and_the_server_keeps_no_plaintext(
    backend: Backend,
) {
    let server = TestServer::start(backend).await;
    let (alice, alice_name) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let (carol, _) = signed_up(&server, "carol").await;
    let room = encrypted_group(&alice, &[&bob, &carol]).await;

    let mut alice_phone = Device::register(alice.clone(), None, 4).await.unwrap();
    let mut alice_laptop = second_device(&server, &alice_name, "laptop").await;
    let mut bob_device = Device::register(bob.clone(), None, 4).await.unwrap();
    let carol_file = tempfile_path("carol");
    let mut carol_device = Device::register(carol.clone(), Some(carol_file.clone()), 4)
        .await
        .unwrap();

    // Creating the group adds every other device of the members: one commit.
    alice_phone.create_group(room).await.unwrap();
    let state = alice.mls_group(room).await.unwrap();
    assert_eq!(state.epoch, 1);
    assert_eq!(state.members.len(), 4, "{state:?}");
    assert!(state.to_add.is_empty() && state.to_remove.is_empty());
    for device in [&mut alice_laptop, &mut bob_device, &mut carol_device] {
        assert_eq!(device.join_pending().await.unwrap(), vec![room]);
        // A Welcome is delivered once.
        assert!(
            device
                .client()
                .mls_welcomes()
                .await
                .unwrap()
                .welcomes
                .is_empty()
        );
    }

    let texts = [
        "Alice: the launch moves to Thursday 09:00",
        "Bob: я возьму ключи от склада",
        "Carol: 会議室は三階です",
        "Alice (laptop): bring the signed NDA",
    ];
    {
        let senders = [
            &mut alice_phone,
            &mut bob_device,
            &mut carol_device,
            &mut alice_laptop,
        ];
        for (device, text) in senders.into_iter().zip(texts) {
            let event = device.send(room, text.as_bytes()).await.unwrap();
            assert!(matches!(
                &event.content,
                EventContent::Message(m) if matches!(m.body, Some(MessageBody::Encrypted { .. }))
            ));
        }
    }
    for (device, own) in [
        (&mut alice_phone, texts[0]),
        (&mut bob_device, texts[1]),
        (&mut carol_device, texts[2]),
        (&mut alice_laptop, texts[3]),
    ] {
        let read = read_all(device, room).await;
        let expected: Vec<&str> = texts.iter().copied().filter(|t| *t != own).collect();
        assert_eq!(
            read, expected,
            "each device reads the other three, in order"
        );
    }

    // Carol's state survives her client's restart, from its file (mode 0600).
    drop(carol_device);
    let mut reopened = Device::open(carol.clone(), carol_file.clone()).unwrap();
    let later = "Alice: the password is on the yellow note";
    let sent = alice_phone.send(room, later.as_bytes()).await.unwrap();
    match reopened.receive(&sent).await.unwrap() {
        Received::Message {
            plaintext, user, ..
        } => {
            assert_eq!(plaintext, later.as_bytes());
            assert_eq!(user, id_of(&alice).await);
        }
        other => panic!("{other:?}"),
    }
    let mode = std::fs::metadata(&carol_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    // A file is encrypted on the device: the server keeps ciphertext, members open it.
    let image: Vec<u8> = [b"\x89PNG\r\n\x1a\n".as_slice(), b"PIXELS-OF-THE-FLOOR-PLAN"].concat();
    let sent = alice_phone
        .send_file(room, "the floor plan", "plan.png", "image/png", &image)
        .await
        .unwrap();
    let EventContent::Message(message) = &sent.content else {
        unreachable!()
    };
    let on_server = &message.attachments[0];
    assert_eq!(on_server.name, "encrypted");
    assert_eq!(on_server.content_type, "application/vnd.confab.encrypted");
    let Received::Message { plaintext, .. } = bob_device.receive(&sent).await.unwrap() else {
        panic!("not a message")
    };
    let content: EncryptedContent = serde_json::from_slice(&plaintext).unwrap();
    let EncryptedContent::Text {
        text, attachments, ..
    } = content
    else {
        panic!("{content:?}")
    };
    assert_eq!(text, "the floor plan");
    assert_eq!(attachments[0].name, "plan.png");
    assert_eq!(bob_device.fetch_file(&attachments[0]).await.unwrap(), image);
    let downloaded = bob.download(&on_server.id, false).await.unwrap();
    assert_ne!(downloaded, image, "the server holds ciphertext");
    assert_eq!(downloaded.len(), image.len() + 16);

    let stored = stored_bytes(&server);
    let log = server.log().join("\n");
    assert!(
        !contains(&stored, "PIXELS-OF-THE-FLOOR-PLAN"),
        "the file's bytes are stored"
    );
    assert!(!contains(&stored, "plan.png"), "the file's name is stored");
    for text in texts.iter().chain([&later]) {
        assert!(!contains(&stored, text), "the database holds {text:?}");
        assert!(!log.contains(text), "the log holds {text:?}");
    }
    std::fs::remove_file(carol_file).ok();
}

use std::os::unix::fs::PermissionsExt as _;

fn tempfile_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("confab-mls-{name}-{}.json", std::process::id()))
}

async fn a_removed_member_reads_nothing_sent_after_and_racing_commits_leave_one_group(
    backend: Backend,
) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, bob_name) = signed_up(&server, "bob").await;
    let (carol, _) = signed_up(&server, "carol").await;
    let room = encrypted_group(&alice, &[&bob, &carol]).await;
    let mut alice_device = Device::register(alice.clone(), None, 4).await.unwrap();
    let mut bob_device = Device::register(bob.clone(), None, 4).await.unwrap();
    let mut carol_device = Device::register(carol.clone(), None, 4).await.unwrap();
    alice_device.create_group(room).await.unwrap();
    bob_device.join_pending().await.unwrap();
    carol_device.join_pending().await.unwrap();
    let before = alice_device.send(room, b"all three of us").await.unwrap();
    assert!(matches!(
        carol_device.receive(&before).await.unwrap(),
        Received::Message { .. }
    ));

    // Carol is removed from the room: her leaf is due, and nobody may send until a
    // commit removes it. Alice's device does that first, then sends.
    alice
        .remove_member(room, id_of(&carol).await)
        .await
        .unwrap();
    let state = alice.mls_group(room).await.unwrap();
    assert_eq!(state.to_remove.len(), 1);
    // Nobody is added into a tree that still holds her leaf (a device joining would
    // meet a member it cannot check): Bob's new tablet waits for the removal.
    let mut early_tablet = second_device(&server, &bob_name, "early tablet").await;
    let refused = alice_device.add_missing_devices(room).await;
    assert_eq!(
        code(refused.map_err(client_error)),
        ErrorCode::MlsRemovalPending
    );
    assert!(early_tablet.join_pending().await.unwrap().is_empty());
    let after = alice_device
        .send(room, b"only bob and me now")
        .await
        .unwrap();
    let state = alice.mls_group(room).await.unwrap();
    assert!(state.to_remove.is_empty());
    assert_eq!(state.members.len(), 3, "Alice, Bob and his early tablet");
    let commits = alice.mls_commits(room, 0).await.unwrap().commits;
    let removal = commits
        .iter()
        .rfind(|c| matches!(&c.content, EventContent::MlsCommit { removed, .. } if !removed.is_empty()))
        .expect("a removal commit");
    assert!(
        matches!(&removal.content, EventContent::MlsCommit { removed, .. } if removed.len() == 1)
    );
    assert!(
        removal.seq < after.seq,
        "the removal is ordered before the message"
    );
    // Bob reads it; Carol cannot, even holding the ciphertext.
    assert!(matches!(
        bob_device.receive(&after).await.unwrap(),
        Received::Message { plaintext, .. } if plaintext == b"only bob and me now"
    ));
    assert!(carol_device.receive(&after).await.is_err());
    assert_eq!(
        code(carol.history(room, "").await),
        ErrorCode::Forbidden,
        "and the server gives her nothing more"
    );

    // Bob signs in on a tablet; Alice's and Bob's devices both see it missing and
    // commit its addition at once. One commit wins; the other catches up.
    let mut tablet = second_device(&server, &bob_name, "tablet").await;
    let (a, b) = tokio::join!(
        alice_device.sync_members(room),
        bob_device.sync_members(room)
    );
    a.unwrap();
    b.unwrap();
    tablet.join_pending().await.unwrap();
    let state = alice.mls_group(room).await.unwrap();
    assert!(state.to_add.is_empty());
    let adding_tablet = alice
        .mls_commits(room, 0)
        .await
        .unwrap()
        .commits
        .iter()
        .filter(|c| {
            matches!(&c.content, EventContent::MlsCommit { added, .. }
                if added.iter().any(|m| m.device_id == tablet.device_id()))
        })
        .count();
    assert_eq!(adding_tablet, 1, "one commit added the tablet");
    alice_device.catch_up(room).await.unwrap();
    bob_device.catch_up(room).await.unwrap();
    let epoch = u64::try_from(state.epoch).unwrap();
    let secrets: Vec<Vec<u8>> = [&mut alice_device, &mut bob_device, &mut tablet]
        .into_iter()
        .map(|d| {
            assert_eq!(
                d.epoch(room),
                Some(epoch),
                "every device is at the server's epoch"
            );
            d.export_secret(room, "confab test", 32).unwrap()
        })
        .collect();
    assert!(
        secrets.windows(2).all(|w| w[0] == w[1]),
        "one group state, not two"
    );

    // A commit for an epoch already taken is refused: the client processes the
    // winner and tries again.
    let EventContent::MlsCommit { commit, .. } = &removal.content else {
        unreachable!()
    };
    let stale = alice
        .submit_commit(
            room,
            &SubmitCommit {
                commit: commit.clone(),
                welcome: None,
            },
        )
        .await;
    assert_eq!(code(stale), ErrorCode::MlsEpochStale);
}

async fn a_device_away_for_three_epochs_catches_up(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, alice_name) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let room = encrypted_group(&alice, &[&bob]).await;
    let mut bob_live = live(&bob, None).await;
    let mut alice_device = Device::register(alice.clone(), None, 4).await.unwrap();
    let mut bob_device = Device::register(bob.clone(), None, 4).await.unwrap();
    alice_device.create_group(room).await.unwrap();
    bob_device.join_pending().await.unwrap();
    // Adding Bob's device took one of its 4 key packages: it is told to upload more.
    let bob_session = bob_device.device_id();
    let remaining = next_frame(&mut bob_live, |frame| match frame {
        ServerFrame::MlsKeyPackagesLow {
            device_id,
            remaining,
        } if device_id == bob_session => Some(remaining),
        _ => None,
    })
    .await;
    assert_eq!(remaining, 3);
    let start = bob_device.epoch(room).unwrap();

    // While Bob's device is away, Alice adds three devices: three epochs.
    let mut extra = Vec::new();
    for name in ["laptop", "tablet", "watch"] {
        let mut device = second_device(&server, &alice_name, name).await;
        alice_device.sync_members(room).await.unwrap();
        device.join_pending().await.unwrap();
        extra.push(device);
    }
    let message = alice_device.send(room, b"welcome back, Bob").await.unwrap();
    assert_eq!(bob_device.epoch(room), Some(start), "Bob's device was away");
    match bob_device.receive(&message).await.unwrap() {
        Received::Message { plaintext, .. } => assert_eq!(plaintext, b"welcome back, Bob"),
        other => panic!("{other:?}"),
    }
    assert_eq!(bob_device.epoch(room), Some(start + 3));
    let state = bob.mls_group(room).await.unwrap();
    assert_eq!(state.members.len(), 5);

    // Bob's device used up its one-time key packages (two were uploaded since):
    // another room adds it with its last-resort one, and it joins.
    let second = encrypted_group(&alice, &[&bob]).await;
    for _ in 0..3 {
        alice
            .claim_key_packages(&[id_of(&bob).await])
            .await
            .unwrap();
    }
    assert_eq!(bob.key_package_stock().await.unwrap().one_time, 0);
    alice_device.create_group(second).await.unwrap();
    assert!(bob_device.join_pending().await.unwrap().contains(&second));
    let hello = alice_device
        .send(second, b"by the last resort")
        .await
        .unwrap();
    assert!(matches!(
        bob_device.receive(&hello).await.unwrap(),
        Received::Message { plaintext, .. } if plaintext == b"by the last resort"
    ));

    // The same commits also arrive live, in log order, and are skipped once merged.
    let commit = next_frame(&mut bob_live, |frame| match frame {
        ServerFrame::Event { event } if matches!(event.content, EventContent::MlsCommit { .. }) => {
            Some(event)
        }
        _ => None,
    })
    .await;
    assert_eq!(
        bob_device.receive(&commit).await.unwrap(),
        Received::Ignored
    );

    // Alice loses her watch and ends its session: its leaf is due, and the next
    // sender removes it before its message goes out, so the watch reads nothing more.
    let mut watch = extra.pop().unwrap();
    alice.revoke_session(watch.device_id()).await.unwrap();
    let state = bob.mls_group(room).await.unwrap();
    assert_eq!(state.to_remove.len(), 1);
    assert_eq!(state.to_remove[0].device_id, watch.device_id());
    let after = bob_device
        .send(room, b"after the watch was lost")
        .await
        .unwrap();
    let state = bob.mls_group(room).await.unwrap();
    assert!(state.to_remove.is_empty());
    assert_eq!(state.members.len(), 4);
    assert!(watch.receive(&after).await.is_err());
}

async fn the_delivery_service_refuses_what_does_not_fit_the_room(backend: Backend) {
    let server = TestServer::start_with(backend, &["--mls-max-key-packages", "5"]).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let (stranger, _) = signed_up(&server, "stranger").await;
    let plain = common::group_with(&alice, "Plain", &[&bob]).await;
    let room = encrypted_group(&alice, &[&bob]).await;

    // A device without a key can do nothing MLS.
    let empty = UploadKeyPackages {
        key_packages: vec![],
        last_resort: None,
    };
    assert_eq!(
        code(alice.upload_key_packages(&empty).await),
        ErrorCode::MlsNotInGroup
    );
    assert_eq!(
        code(alice.create_mls_group(room).await),
        ErrorCode::MlsNotInGroup
    );
    assert_eq!(
        code(alice.register_mls_device("c2hvcnQ=").await),
        ErrorCode::InvalidInput
    );

    let mut alice_device = Device::register(alice.clone(), None, 4).await.unwrap();
    let bob_device = Device::register(bob.clone(), None, 4).await.unwrap();
    let alice_key = alice
        .mls_devices(id_of(&alice).await)
        .await
        .unwrap()
        .devices[0]
        .signature_key
        .clone();
    // The same key again is fine; another key is not.
    alice.register_mls_device(&alice_key).await.unwrap();
    let other_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    assert_eq!(
        code(alice.register_mls_device(other_key).await),
        ErrorCode::InvalidInput
    );
    assert_eq!(alice.key_package_stock().await.unwrap().one_time, 4);
    assert!(alice.key_package_stock().await.unwrap().last_resort);
    // More than --mls-max-key-packages in stock is refused as a whole.
    assert_eq!(
        code(
            alice_device
                .upload_key_packages(2, false)
                .await
                .map_err(client_error)
        ),
        ErrorCode::InvalidInput
    );
    assert_eq!(alice.key_package_stock().await.unwrap().one_time, 4);

    // Bob cannot pass Alice's key package off as his device's.
    let claimed = bob
        .claim_key_packages(&[id_of(&alice).await])
        .await
        .unwrap();
    let stolen = UploadKeyPackages {
        key_packages: vec![claimed.key_packages[0].key_package.clone()],
        last_resort: None,
    };
    assert_eq!(
        code(bob.upload_key_packages(&stolen).await),
        ErrorCode::InvalidInput
    );
    let garbage = UploadKeyPackages {
        key_packages: vec!["bm90IGEga2V5IHBhY2thZ2U=".into()],
        last_resort: None,
    };
    assert_eq!(
        code(bob.upload_key_packages(&garbage).await),
        ErrorCode::InvalidInput
    );
    // Nobody claims or lists the devices of someone they share no room with.
    let alice_id = id_of(&alice).await;
    assert_eq!(
        code(stranger.claim_key_packages(&[alice_id]).await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(stranger.mls_devices(alice_id).await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(bob.claim_key_packages(&[]).await),
        ErrorCode::InvalidInput
    );

    // Plain rooms have no group; encrypted rooms take only ciphertext, and no
    // server-side edits or reactions.
    assert_eq!(code(alice.mls_group(plain).await), ErrorCode::InvalidInput);
    assert_eq!(
        code(alice.send_text(room, "plain words").await),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(
            alice
                .send_ciphertext(room, "bm90IGFuIE1MUyBtZXNzYWdl".into(), &[])
                .await
        ),
        ErrorCode::InvalidInput
    );
    assert_eq!(code(stranger.mls_group(room).await), ErrorCode::Forbidden);
    assert!(bob.mls_commits(room, 0).await.unwrap().commits.is_empty());
    assert!(!bob.mls_group(room).await.unwrap().created);

    alice_device.create_group(room).await.unwrap();
    assert_eq!(
        code(alice.create_mls_group(room).await),
        ErrorCode::MlsGroupExists
    );
    let sent = alice_device.send(room, b"hello").await.unwrap();
    assert_eq!(
        code(
            alice
                .edit_message(
                    room,
                    sent.seq,
                    MessageBody::Encrypted {
                        ciphertext: "eA==".into()
                    }
                )
                .await
        ),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(bob.react(room, sent.seq, "👍", true).await),
        ErrorCode::InvalidInput
    );
    // Encrypted rooms carry only encrypted files, and only they carry them.
    let plain_file = alice
        .upload("notes.txt", "f1", b"plain notes".to_vec())
        .await
        .unwrap();
    let sealed = alice
        .upload_encrypted("f2", b"sealed bytes".to_vec())
        .await
        .unwrap();
    let with_plain_file = alice_device
        .send_with(room, b"x", std::slice::from_ref(&plain_file.id))
        .await;
    assert_eq!(
        code(with_plain_file.map_err(client_error)),
        ErrorCode::InvalidInput
    );
    let in_plain = confab_client::proto::events::SendMessageRequest {
        client_id: "sealed-in-plain".into(),
        body: MessageBody::Text { text: "see".into() },
        reply_to: None,
        attachments: vec![sealed.id.clone()],
    };
    assert_eq!(
        code(alice.send_message(plain, &in_plain).await),
        ErrorCode::InvalidInput
    );
    // Bob's device was added but has not joined: its sends are refused by epoch or
    // group, and garbage commits are refused with a reason.
    let junk = SubmitCommit {
        commit: "AAEAAQ==".into(),
        welcome: None,
    };
    assert_eq!(
        code(bob.submit_commit(room, &junk).await),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(bob.take_mls_welcome(999_999).await),
        ErrorCode::NotFound
    );
    let (http, url) = server.raw(&format!("/api/v1/rooms/{room}/mls/commits?after_epoch=-1"));
    let token = bob.tokens().await.unwrap().access_token;
    let response = http.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 400);
    drop(bob_device);
}

async fn an_encrypted_direct_room_is_a_room_of_its_own(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let bob_id = id_of(&bob).await;
    let encrypted = OpenDirectRequest {
        user_id: bob_id,
        encrypted: true,
    };
    let room = alice.open_direct_with(&encrypted).await.unwrap();
    assert!(room.encrypted);
    // Asking again gives the same room; the plain direct room is another one.
    assert_eq!(
        alice.open_direct_with(&encrypted).await.unwrap().id,
        room.id
    );
    let plain = alice.open_direct(bob_id).await.unwrap();
    assert!(!plain.encrypted);
    assert_ne!(plain.id, room.id);
    bob.accept_invitation(room.id).await.unwrap();
    let summary = bob.room(room.id).await.unwrap();
    assert_eq!(summary.peer, Some(id_of(&alice).await));

    let mut alice_device = Device::register(alice.clone(), None, 2).await.unwrap();
    let mut bob_device = Device::register(bob.clone(), None, 2).await.unwrap();
    alice_device.create_group(room.id).await.unwrap();
    assert_eq!(bob_device.join_pending().await.unwrap(), vec![room.id]);
    bob_device.send(room.id, b"just between us").await.unwrap();
    alice_device.send(room.id, b"agreed").await.unwrap();
    assert_eq!(
        read_all(&mut alice_device, room.id).await,
        ["just between us"]
    );
    assert_eq!(read_all(&mut bob_device, room.id).await, ["agreed"]);
}

/// The API error inside an e2ee error.
fn client_error(error: confab_client::e2ee::E2eeError) -> confab_client::ClientError {
    match error {
        confab_client::e2ee::E2eeError::Client(e) => e,
        other => panic!("{other}"),
    }
}
