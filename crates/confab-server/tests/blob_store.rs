//! The blob store suite, on a local directory and on S3-compatible storage (moto's
//! server, started by `scripts/test`; its URL in `CONFAB_TEST_S3_URL`): streaming
//! round trips with byte equality, content addressing, limits and interrupted
//! uploads that leave nothing behind, ranges, deletion, and the sweep of unfinished
//! uploads.

mod common;

use bytes::Bytes;
use confab_server::service::files::ByteRange;
use confab_server::store::blobs::{BlobBackend, BlobError, BlobStore, S3Settings};
use futures_util::{TryStreamExt as _, stream};
use sha2::{Digest as _, Sha256};

/// Runs each listed `async fn name(blobs: BlobStore)` on a fresh local directory and
/// on a fresh S3 bucket, as `local::name` and `s3::name`.
macro_rules! on_both_blob_backends {
    ($($name:ident),* $(,)?) => {
        mod local {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() {
                   let dir = tempfile::tempdir().unwrap();
                   let blobs = super::BlobStore::open(&super::BlobBackend::Local(dir.path().join("files"))).unwrap();
                   super::$name(super::Backend { blobs, dir: Some(dir) }).await
               } )*
        }
        mod s3 {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(super::s3_backend().await).await } )*
        }
    };
}

on_both_blob_backends!(
    round_trips_keep_every_byte_and_the_same_bytes_are_stored_once,
    too_large_and_interrupted_uploads_leave_nothing,
    ranges_read_part_of_a_blob,
    deleted_blobs_are_gone_and_unfinished_uploads_are_swept,
);

/// A blob store and what keeps it alive.
struct Backend {
    blobs: BlobStore,
    /// The local directory, removed when the test ends.
    dir: Option<tempfile::TempDir>,
}

/// A new bucket on the S3-compatible test server.
async fn s3_backend() -> Backend {
    let (url, bucket) = common::s3_bucket("confab-test").await;
    let settings = S3Settings {
        bucket,
        endpoint: Some(url),
        region: "us-east-1".into(),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
    };
    Backend {
        blobs: BlobStore::open(&BlobBackend::S3(settings)).unwrap(),
        dir: None,
    }
}

/// `len` bytes that differ from one position to the next, in chunks of `chunk`.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn chunks(
    bytes: &[u8],
    chunk: usize,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + use<> {
    let parts: Vec<_> = bytes
        .chunks(chunk)
        .map(Bytes::copy_from_slice)
        .map(Ok)
        .collect();
    stream::iter(parts)
}

/// Reads `range` of a blob (all of it without one), as the files service asks.
async fn get(
    blobs: &BlobStore,
    sha256: &str,
    range: Option<ByteRange>,
) -> Result<confab_server::store::blobs::BlobRead, BlobError> {
    blobs
        .get(sha256, range.map(|range| move |size| range.resolve(size)))
        .await
}

async fn read_all(blobs: &BlobStore, sha256: &str, range: Option<ByteRange>) -> Vec<u8> {
    let read = get(blobs, sha256, range).await.unwrap();
    let parts: Vec<Bytes> = read.bytes.try_collect().await.unwrap();
    parts.concat()
}

async fn listed(blobs: &BlobStore) -> Vec<String> {
    let mut names: Vec<String> = blobs
        .list()
        .map_ok(|(name, _)| name)
        .try_collect()
        .await
        .unwrap();
    names.sort();
    names
}

async fn round_trips_keep_every_byte_and_the_same_bytes_are_stored_once(backend: Backend) {
    let blobs = &backend.blobs;
    // Larger than one upload part (5 MiB), in odd-sized chunks, and a tiny one.
    for (len, chunk) in [(12 * 1024 * 1024 + 7, 65_521), (3, 1), (0, 1)] {
        let bytes = pattern(len, 7);
        let stored = blobs.put(chunks(&bytes, chunk), 64 << 20).await.unwrap();
        assert_eq!(stored.size, len as u64);
        assert_eq!(stored.sha256, hex::encode(Sha256::digest(&bytes)));
        assert_eq!(blobs.size(&stored.sha256).await.unwrap(), Some(len as u64));
        assert!(
            read_all(blobs, &stored.sha256, None).await == bytes,
            "{len} bytes differ"
        );
    }
    let first = listed(blobs).await;
    assert_eq!(first.len(), 3);
    // The same bytes again, chunked differently: the same blob, nothing more stored.
    let again = blobs.put(chunks(&pattern(3, 7), 2), 10).await.unwrap();
    assert_eq!(again.size, 3);
    assert_eq!(listed(blobs).await, first);
    assert_eq!(blobs.size(&"0".repeat(64)).await.unwrap(), None);
    assert!(matches!(
        blobs.get_all(&"0".repeat(64)).await,
        Err(BlobError::NotFound)
    ));
    assert!(matches!(
        blobs.get_all("../../etc/passwd").await,
        Err(BlobError::NotFound)
    ));
}

async fn too_large_and_interrupted_uploads_leave_nothing(backend: Backend) {
    let blobs = &backend.blobs;
    let big = pattern(6 * 1024 * 1024, 1);
    let refused = blobs.put(chunks(&big, 1 << 20), 5 * 1024 * 1024).await;
    assert!(
        matches!(refused, Err(BlobError::TooLarge { limit }) if limit == 5 * 1024 * 1024),
        "{refused:?}"
    );
    // The client goes away after 6 MiB (one part is already written).
    let mut parts: Vec<Result<Bytes, std::io::Error>> = big
        .chunks(1 << 20)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    parts.push(Err(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "client went away",
    )));
    let interrupted = blobs.put(stream::iter(parts), 64 << 20).await;
    assert!(
        matches!(interrupted, Err(BlobError::Interrupted(_))),
        "{interrupted:?}"
    );
    assert!(listed(blobs).await.is_empty());
    assert_eq!(
        blobs.sweep_uploads(0).await.unwrap(),
        0,
        "no unfinished upload is left"
    );
    // Exactly at the limit is fine.
    blobs.put(chunks(&big[..1024], 100), 1024).await.unwrap();
}

async fn ranges_read_part_of_a_blob(backend: Backend) {
    let blobs = &backend.blobs;
    let bytes = pattern(100_000, 3);
    let stored = blobs.put(chunks(&bytes, 4096), 1 << 20).await.unwrap();
    assert_eq!(
        read_all(blobs, &stored.sha256, Some(ByteRange::From(10, Some(19)))).await,
        &bytes[10..20]
    );
    // A range past the end is clipped; one that starts past it is refused.
    let tail = get(
        blobs,
        &stored.sha256,
        Some(ByteRange::From(99_990, Some(199_999))),
    )
    .await
    .unwrap();
    assert_eq!((tail.size, tail.range.clone()), (100_000, 99_990..100_000));
    let parts: Vec<Bytes> = tail.bytes.try_collect().await.unwrap();
    assert_eq!(parts.concat(), &bytes[99_990..]);
    assert!(matches!(
        get(
            blobs,
            &stored.sha256,
            Some(ByteRange::From(100_000, Some(100_000)))
        )
        .await,
        Err(BlobError::BadRange { size: 100_000 })
    ));
    assert!(matches!(
        get(blobs, &stored.sha256, Some(ByteRange::Suffix(0))).await,
        Err(BlobError::BadRange { size: 100_000 })
    ));
}

async fn deleted_blobs_are_gone_and_unfinished_uploads_are_swept(backend: Backend) {
    let blobs = &backend.blobs;
    let keep = blobs.put(chunks(b"keep me", 3), 100).await.unwrap();
    let drop = blobs.put(chunks(b"drop me", 3), 100).await.unwrap();
    blobs.delete(&drop.sha256).await.unwrap();
    blobs.delete(&drop.sha256).await.unwrap(); // already gone: fine
    assert_eq!(listed(blobs).await, std::slice::from_ref(&keep.sha256));
    assert_eq!(blobs.size(&drop.sha256).await.unwrap(), None);
    // What a crash mid-upload leaves (for the local backend, a file under uploads/)
    // is swept once old enough, and only then.
    if let Some(dir) = &backend.dir {
        let uploads = dir.path().join("files/uploads");
        std::fs::create_dir_all(&uploads).unwrap();
        std::fs::write(uploads.join("left-by-a-crash"), b"partial").unwrap();
        assert_eq!(blobs.sweep_uploads(60_000).await.unwrap(), 0, "too recent");
        assert_eq!(blobs.sweep_uploads(-60_000).await.unwrap(), 1);
        assert!(!uploads.join("left-by-a-crash").exists());
    }
    assert_eq!(read_all(blobs, &keep.sha256, None).await, b"keep me");
}
