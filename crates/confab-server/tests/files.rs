//! Shared files against a real server, on SQLite and PostgreSQL: uploads (byte
//! equality, idempotency, limits, quota), images (dimensions, thumbnails, bombs and
//! corrupt files refused), members-only downloads, ranges and entity tags, the
//! headers that keep browsers from running files, attachments in messages, and a
//! room's file list. The blob store's own suite (tests/blob_store.rs) covers S3.

mod common;

use common::{Backend, TestServer, code, group_with, id_of, signed_up};
use confab_client::Client;
use confab_client::proto::ErrorCode;
use confab_client::proto::events::{EventContent, MessageBody, SendMessageRequest};
use confab_client::proto::files::FileInfo;
use confab_client::proto::rooms::CreateGroupRequest;
use confab_proto::RoomId;
use std::io::Cursor;

on_both_backends!(
    uploads_round_trip_byte_for_byte_and_retries_store_once,
    uploads_over_the_limit_or_the_quota_are_refused,
    images_get_their_size_and_a_thumbnail_and_bombs_are_refused,
    only_members_download_and_deleting_the_message_ends_it,
    downloads_support_ranges_entity_tags_and_safe_headers,
    messages_carry_only_the_senders_files_within_the_limits,
    avatars_are_square_and_seen_by_everyone,
    the_sweep_removes_only_what_nothing_uses,
);

fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(57).wrapping_add(3))
        .collect()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30]));
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
        .unwrap();
    bytes
}

async fn send_files(client: &Client, room: RoomId, text: &str, files: &[&FileInfo]) -> i64 {
    let request = SendMessageRequest {
        client_id: format!(
            "m-{}",
            files.iter().map(|f| f.id.as_str()).collect::<String>()
        ),
        body: MessageBody::Text { text: text.into() },
        reply_to: None,
        attachments: files.iter().map(|f| f.id.clone()).collect(),
    };
    client.send_message(room, &request).await.unwrap().seq
}

/// A raw request with the client's access token: status, headers and body.
async fn raw_get(
    server: &TestServer,
    client: &Client,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let (http, url) = server.raw(path);
    let token = client.tokens().await.unwrap().access_token;
    let mut request = http.get(url).bearer_auth(token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

async fn uploads_round_trip_byte_for_byte_and_retries_store_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let bytes = pattern(7 * 1024 * 1024 + 13);
    let file = alice
        .upload("archive.bin", "u1", bytes.clone())
        .await
        .unwrap();
    assert_eq!(
        (file.name.as_str(), file.size, file.content_type.as_str()),
        (
            "archive.bin",
            bytes.len() as u64,
            "application/octet-stream"
        )
    );
    assert!(alice.download(&file.id, false).await.unwrap() == bytes);
    // A retry (the first answer was lost) gets the same file, and stores nothing.
    let again = alice
        .upload("archive.bin", "u1", vec![1, 2, 3])
        .await
        .unwrap();
    assert_eq!(again, file);
    let text = alice
        .upload("notes.txt", "u2", "plain words".as_bytes().to_vec())
        .await
        .unwrap();
    assert_eq!(text.content_type, "text/plain; charset=utf-8");
    assert_eq!(
        alice.download(&text.id, false).await.unwrap(),
        b"plain words"
    );
    for (name, client_id) in [
        ("", "u3"),
        ("a\nb", "u3"),
        ("ok", ""),
        ("ok", &"x".repeat(65)),
    ] {
        assert_eq!(
            code(alice.upload(name, client_id, vec![1]).await),
            ErrorCode::InvalidInput,
            "{name:?} {client_id:?}"
        );
    }
    assert_eq!(
        code(alice.download(&"0".repeat(32), false).await),
        ErrorCode::NotFound
    );
}

async fn uploads_over_the_limit_or_the_quota_are_refused(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        &[
            "--max-upload-bytes",
            "1000",
            "--storage-quota-bytes",
            "1500",
        ],
    )
    .await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    assert_eq!(
        code(alice.upload("big", "b1", pattern(1001)).await),
        ErrorCode::PayloadTooLarge
    );
    // Without a length up front, the limit is found while streaming.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![Ok(pattern(600)), Ok(pattern(600))];
    let streamed = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    assert_eq!(
        code(alice.upload("big", "b2", streamed).await),
        ErrorCode::PayloadTooLarge
    );
    alice.upload("first", "q1", pattern(800)).await.unwrap();
    assert_eq!(
        code(alice.upload("second", "q2", pattern(800)).await),
        ErrorCode::QuotaExceeded
    );
    alice.upload("fits", "q3", pattern(700)).await.unwrap();
    // Quotas are per person.
    bob.upload("bobs", "q1", pattern(900)).await.unwrap();
}

async fn images_get_their_size_and_a_thumbnail_and_bombs_are_refused(backend: Backend) {
    let server = TestServer::start_with(backend, &["--max-image-pixels", "4000000"]).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let photo = alice
        .upload("wide.png", "i1", png(1000, 500))
        .await
        .unwrap();
    assert_eq!(
        (photo.content_type.as_str(), photo.width, photo.height),
        ("image/png", Some(1000), Some(500))
    );
    let thumb = photo.thumbnail.clone().expect("a thumbnail");
    assert_eq!((thumb.width, thumb.height), (320, 160));
    let bytes = alice.download(&photo.id, true).await.unwrap();
    let decoded = image::load_from_memory(&bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (320, 160));
    let small = alice
        .upload("small.jpg", "i2", jpeg(100, 50))
        .await
        .unwrap();
    assert_eq!(small.content_type, "image/jpeg");
    assert_eq!(
        small.thumbnail.map(|t| (t.width, t.height)),
        Some((100, 50)),
        "small images are not enlarged"
    );
    // Over the pixel limit (2,500 x 2,000 = 5 Mpx), and a truncated JPEG: refused.
    for (name, bytes) in [
        ("huge.png", png(2500, 2000)),
        ("cut.jpg", {
            let whole = jpeg(400, 300);
            whole[..whole.len() / 2].to_vec()
        }),
    ] {
        let refused = alice.upload(name, name, bytes).await.expect_err(name);
        assert_eq!(
            refused.code(),
            Some(ErrorCode::InvalidInput),
            "{name}: {refused:?}"
        );
    }
    // A file that is not an image has no thumbnail.
    let plain = alice.upload("a.bin", "i3", pattern(10)).await.unwrap();
    assert_eq!(
        code(alice.download(&plain.id, true).await),
        ErrorCode::NotFound
    );
}

async fn only_members_download_and_deleting_the_message_ends_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let (carol, _) = signed_up(&server, "carol").await;
    let room = group_with(&alice, "design", &[&bob]).await;
    let shared = alice.upload("plan.pdf", "d1", pattern(2000)).await.unwrap();
    let private = alice
        .upload("diary.txt", "d2", b"mine".to_vec())
        .await
        .unwrap();
    assert_eq!(
        code(bob.download(&shared.id, false).await),
        ErrorCode::NotFound
    );
    let seq = send_files(&alice, room, "the plan", &[&shared]).await;
    assert_eq!(
        bob.download(&shared.id, false).await.unwrap(),
        pattern(2000)
    );
    assert_eq!(
        code(carol.download(&shared.id, false).await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(bob.download(&private.id, false).await),
        ErrorCode::NotFound
    );
    let page = bob.room_files(room, None).await.unwrap();
    assert_eq!(page.files.len(), 1);
    assert_eq!(
        (
            page.files[0].file.id.as_str(),
            page.files[0].seq,
            page.files[0].sender_id
        ),
        (shared.id.as_str(), seq, id_of(&alice).await)
    );
    assert_eq!(
        code(carol.room_files(room, None).await),
        ErrorCode::Forbidden
    );
    // A sequence number is never negative (schemathesis found this one accepted).
    assert_eq!(
        code(bob.room_files(room, Some(-386)).await),
        ErrorCode::InvalidInput
    );
    // The message in history carries it.
    let history = bob.history(room, "").await.unwrap();
    let carried = history.events.iter().find_map(|e| match &e.content {
        EventContent::Message(m) if e.seq == seq => Some(m.attachments.clone()),
        _ => None,
    });
    assert_eq!(carried, Some(vec![shared.clone()]));
    // Deleted: nobody but the uploader reaches it any more, and it leaves the list.
    alice.delete_message(room, seq).await.unwrap();
    assert_eq!(
        code(bob.download(&shared.id, false).await),
        ErrorCode::NotFound
    );
    assert!(alice.download(&shared.id, false).await.is_ok());
    assert!(bob.room_files(room, None).await.unwrap().files.is_empty());
}

async fn downloads_support_ranges_entity_tags_and_safe_headers(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let bytes = pattern(1000);
    let file = alice.upload("data.bin", "r1", bytes.clone()).await.unwrap();
    let path = format!("/api/v1/files/{}", file.id);
    let (status, headers, body) =
        raw_get(&server, &alice, &path, &[("range", "bytes=10-19")]).await;
    assert_eq!((status, body.as_slice()), (206, &bytes[10..20]));
    assert_eq!(headers["content-range"], "bytes 10-19/1000");
    let (status, _, body) = raw_get(&server, &alice, &path, &[("range", "bytes=-5")]).await;
    assert_eq!((status, body.as_slice()), (206, &bytes[995..]));
    let (status, headers, _) = raw_get(&server, &alice, &path, &[("range", "bytes=1000-")]).await;
    assert_eq!(status, 416);
    assert_eq!(headers["content-range"], "bytes */1000");
    let (status, headers, body) = raw_get(&server, &alice, &path, &[]).await;
    assert_eq!((status, body.len()), (200, 1000));
    assert_eq!(headers["accept-ranges"], "bytes");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let (status, _, body) = raw_get(&server, &alice, &path, &[("if-none-match", &etag)]).await;
    assert_eq!((status, body.len()), (304, 0));
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );

    // What a browser could run is never shown inline, and never runs.
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>";
    for (name, bytes, sniffed) in [
        ("cat.png", svg.to_vec(), "image/svg+xml"),
        ("page.png", html.to_vec(), "text/html"),
    ] {
        let file = alice.upload(name, name, bytes).await.unwrap();
        assert_eq!(
            file.content_type, sniffed,
            "{name}: the name does not decide"
        );
        let (_, headers, _) =
            raw_get(&server, &alice, &format!("/api/v1/files/{}", file.id), &[]).await;
        assert_eq!(headers["content-type"], sniffed);
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("sandbox")
        );
    }
    let image = alice.upload("ok.png", "r2", png(20, 10)).await.unwrap();
    let (_, headers, _) =
        raw_get(&server, &alice, &format!("/api/v1/files/{}", image.id), &[]).await;
    assert_eq!(
        headers["content-disposition"],
        "inline; filename*=UTF-8''ok.png"
    );
}

async fn messages_carry_only_the_senders_files_within_the_limits(backend: Backend) {
    let server = TestServer::start_with(backend, &["--max-attachments", "2"]).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let room = group_with(&alice, "team", &[&bob]).await;
    let mut files = Vec::new();
    for i in 0..3 {
        files.push(
            alice
                .upload("f", &format!("a{i}"), pattern(10 + i))
                .await
                .unwrap(),
        );
    }
    let bobs = bob.upload("b", "b0", pattern(5)).await.unwrap();
    let attempt = |ids: Vec<String>, text: &str, client_id: &str| SendMessageRequest {
        client_id: client_id.into(),
        body: MessageBody::Text { text: text.into() },
        reply_to: None,
        attachments: ids,
    };
    for (ids, why) in [
        (vec![bobs.id.clone()], "someone else's file"),
        (
            vec![files[0].id.clone(), files[0].id.clone()],
            "a file twice",
        ),
        (
            files.iter().map(|f| f.id.clone()).collect(),
            "over --max-attachments",
        ),
        (vec!["nope".into()], "no such file"),
    ] {
        assert_eq!(
            code(alice.send_message(room, &attempt(ids, "x", why)).await),
            ErrorCode::InvalidInput,
            "{why}"
        );
    }
    // Files alone, without text; editing keeps them.
    let sent = alice
        .send_message(
            room,
            &attempt(vec![files[0].id.clone(), files[1].id.clone()], "", "ok"),
        )
        .await
        .unwrap();
    alice
        .edit_message(
            room,
            sent.seq,
            MessageBody::Text {
                text: "two files".into(),
            },
        )
        .await
        .unwrap();
    let history = bob.history(room, "").await.unwrap();
    let message = history.events.iter().find(|e| e.seq == sent.seq).unwrap();
    let EventContent::Message(state) = &message.content else {
        panic!("a message")
    };
    assert_eq!(state.attachments, [files[0].clone(), files[1].clone()]);
    assert_eq!(
        state.body,
        Some(MessageBody::Text {
            text: "two files".into()
        })
    );
    // Not in an encrypted room (the server must not read what it carries).
    let secret = alice
        .create_group(&CreateGroupRequest {
            name: "secret".into(),
            topic: String::new(),
            members: vec![],
            encrypted: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let ciphertext = SendMessageRequest {
        client_id: "e1".into(),
        body: MessageBody::Encrypted {
            ciphertext: "bWxz".into(),
        },
        reply_to: None,
        attachments: vec![files[2].id.clone()],
    };
    assert_eq!(
        code(alice.send_message(secret.id, &ciphertext).await),
        ErrorCode::InvalidInput
    );
}

async fn avatars_are_square_and_seen_by_everyone(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, alice_name) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let (carol, _) = signed_up(&server, "carol").await;
    let photo = alice.upload("me.png", "p1", png(300, 100)).await.unwrap();
    let profile = alice.set_avatar(&photo.id).await.unwrap();
    let avatar = profile.avatar_file_id.clone().expect("an avatar");
    assert_ne!(avatar, photo.id, "the avatar is a file of its own");
    // A stranger sees it: on the profile, and its bytes, a 256-pixel square.
    assert_eq!(
        carol.user(&alice_name).await.unwrap().avatar_file_id,
        Some(avatar.clone())
    );
    let bytes = carol.download(&avatar, false).await.unwrap();
    let decoded = image::load_from_memory(&bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (256, 256));
    // ... but not the photo it was made from.
    assert_eq!(
        code(carol.download(&photo.id, false).await),
        ErrorCode::NotFound
    );
    // Only one's own images make avatars.
    let text = alice
        .upload("t.txt", "p2", b"words".to_vec())
        .await
        .unwrap();
    let bobs = bob.upload("b.png", "p3", png(10, 10)).await.unwrap();
    for file in [&text.id, &bobs.id, &"nope".to_owned()] {
        assert_eq!(
            code(alice.set_avatar(file).await),
            ErrorCode::InvalidInput,
            "{file}"
        );
    }
    assert_eq!(alice.remove_avatar().await.unwrap().avatar_file_id, None);

    // A group's picture: admins and the owner set it, members see the change.
    let room = group_with(&alice, "crew", &[&bob]).await;
    let group_photo = bob.upload("g.png", "g1", png(50, 80)).await.unwrap();
    assert_eq!(
        code(bob.set_room_avatar(room, Some(&group_photo.id)).await),
        ErrorCode::Forbidden,
        "plain members do not"
    );
    let own = alice.upload("g.png", "g2", png(50, 80)).await.unwrap();
    let updated = alice.set_room_avatar(room, Some(&own.id)).await.unwrap();
    let picture = updated.avatar_file_id.clone().expect("a picture");
    assert_eq!(
        bob.room(room).await.unwrap().room.avatar_file_id,
        Some(picture.clone())
    );
    let history = bob.history(room, "").await.unwrap();
    assert!(history.events.iter().any(|e| matches!(
        &e.content,
        EventContent::RoomAvatarChanged { avatar_file_id } if avatar_file_id.as_ref() == Some(&picture)
    )));
    assert!(bob.download(&picture, false).await.is_ok());
    assert_eq!(
        alice
            .set_room_avatar(room, None)
            .await
            .unwrap()
            .avatar_file_id,
        None
    );
}

/// The stored blobs of a server with files in its data directory.
fn stored_blobs(server: &TestServer) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        count(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
    }
    count(&server.data_dir().join("files/blobs"))
}

async fn the_sweep_removes_only_what_nothing_uses(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        &["--file-sweep-interval", "300ms", "--file-sweep-grace", "2s"],
    )
    .await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let room = group_with(&alice, "sweep", &[&bob]).await;
    let sent = alice.upload("sent.bin", "s1", pattern(100)).await.unwrap();
    let never_sent = alice.upload("draft.bin", "s2", pattern(200)).await.unwrap();
    let same_bytes = alice.upload("copy.bin", "s3", pattern(200)).await.unwrap();
    let deleted = alice.upload("gone.bin", "s4", pattern(300)).await.unwrap();
    let photo = alice.upload("me.png", "s5", png(40, 40)).await.unwrap();
    let avatar = alice
        .set_avatar(&photo.id)
        .await
        .unwrap()
        .avatar_file_id
        .unwrap();
    send_files(&alice, room, "kept", &[&sent]).await;
    send_files(&alice, room, "same bytes as the draft", &[&same_bytes]).await;
    let seq = send_files(&alice, room, "soon deleted", &[&deleted]).await;
    alice.delete_message(room, seq).await.unwrap();
    // Blobs: the sent file, the draft's (shared with its copy), the deleted one, the
    // photo, its thumbnail and the avatar.
    assert_eq!(stored_blobs(&server), 6);

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while alice.download(&never_sent.id, false).await.is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "the sweep did not run"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    while stored_blobs(&server) > 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "unused blobs were not removed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // Gone: the draft, the deleted message's file, the photo the avatar came from.
    for gone in [&never_sent.id, &deleted.id, &photo.id] {
        assert_eq!(code(alice.download(gone, false).await), ErrorCode::NotFound);
    }
    // Kept: what messages carry (the copy's bytes too) and the avatar.
    assert_eq!(bob.download(&sent.id, false).await.unwrap(), pattern(100));
    assert_eq!(
        bob.download(&same_bytes.id, false).await.unwrap(),
        pattern(200)
    );
    assert!(bob.download(&avatar, false).await.is_ok());
    assert_eq!(stored_blobs(&server), 3);
}
