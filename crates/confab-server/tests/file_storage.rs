//! Where the bytes of shared files go, against a real server: a large upload streams
//! through without the server holding it, and a server configured with an S3 bucket
//! (moto's S3 server, started by `scripts/test`) keeps files there.

mod common;

use common::{Backend, TestServer, proc_status_kib, resident_kib, signed_up};
use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256};

on_both_backends!(a_server_with_an_s3_bucket_keeps_files_there);

/// One MiB of bytes that differ by position and chunk.
fn chunk(index: usize) -> Vec<u8> {
    (0..1 << 20)
        .map(|i: usize| (i as u8) ^ (index as u8).wrapping_mul(37))
        .collect()
}

/// 300 MiB go up and come back identical while the server's peak memory grows by
/// far less than the file: uploads stream to storage and downloads stream out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_300_mib_upload_streams_through_without_being_held() {
    const MIB: usize = 300;
    let server =
        TestServer::start_with(Backend::Sqlite, &["--max-upload-bytes", "400000000"]).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let before = resident_kib(&server);
    let mut expected = Sha256::new();
    for index in 0..MIB {
        expected.update(chunk(index));
    }
    let body =
        futures_util::stream::iter(0..MIB).map(|index| Ok::<_, std::io::Error>(chunk(index)));
    let file = alice
        .upload("big.bin", "big", reqwest::Body::wrap_stream(body))
        .await
        .unwrap();
    assert_eq!(file.size, (MIB << 20) as u64);

    let (http, url) = server.raw(&format!("/api/v1/files/{}", file.id));
    let token = alice.tokens().await.unwrap().access_token;
    let response = http.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut received = Sha256::new();
    let mut length = 0usize;
    let mut stream = response.bytes_stream();
    while let Some(part) = stream.next().await {
        let part = part.unwrap();
        length += part.len();
        received.update(&part);
    }
    assert_eq!(length, MIB << 20);
    assert_eq!(
        received.finalize(),
        expected.finalize(),
        "the same bytes came back"
    );
    let peak = proc_status_kib(&server, "VmHWM:");
    let grown_mib = peak.saturating_sub(before) / 1024;
    println!(
        "resident before {before} KiB, peak {peak} KiB: grew {grown_mib} MiB for a {MIB} MiB file"
    );
    assert!(
        grown_mib < 64,
        "the server held {grown_mib} MiB for a {MIB} MiB file"
    );
}

async fn a_server_with_an_s3_bucket_keeps_files_there(backend: Backend) {
    let (url, bucket) = common::s3_bucket("confab-server").await;
    let server = TestServer::start_with(
        backend,
        &[
            "--s3-bucket",
            &bucket,
            "--s3-endpoint",
            &url,
            "--s3-access-key-id",
            "test",
            "--s3-secret-access-key",
            "test",
        ],
    )
    .await;
    let (alice, _) = signed_up(&server, "alice").await;
    let mut png = Vec::new();
    image::RgbImage::from_pixel(640, 480, image::Rgb([10, 120, 200]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let photo = alice.upload("sky.png", "s3", png.clone()).await.unwrap();
    assert_eq!(alice.download(&photo.id, false).await.unwrap(), png);
    let thumbnail = alice.download(&photo.id, true).await.unwrap();
    assert_eq!(image::load_from_memory(&thumbnail).unwrap().width(), 320);
    let avatar = alice.set_avatar(&photo.id).await.unwrap();
    assert!(
        alice
            .download(&avatar.avatar_file_id.unwrap(), false)
            .await
            .is_ok()
    );
    // The bucket holds them (the original, its thumbnail, the avatar), the data
    // directory nothing.
    let listing = reqwest::get(format!("{url}/{bucket}?list-type=2&prefix=blobs/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(listing.matches("<Key>blobs/").count(), 3, "{listing}");
    assert!(!server.data_dir().join("files").exists());
}
