//! Blob storage: the bytes of shared files, content-addressed by SHA-256, in a local
//! directory or in S3-compatible object storage, both through the `object_store`
//! crate so that one code path serves both.
//!
//! Layout inside the directory or bucket:
//! - `blobs/<first two hex digits>/<64 hex digits>`: a stored blob, named by the
//!   SHA-256 of its bytes, so the same file stored twice takes the space once;
//! - `uploads/<random>`: an upload in progress. An upload streams there in parts
//!   (never held whole in memory), hashing as it goes; when the last byte is in, it
//!   is renamed to its blob name, or dropped if that blob exists already. A refused
//!   or interrupted upload is aborted, leaving nothing behind; what a crash leaves
//!   is removed by [`BlobStore::sweep_uploads`] on a local directory. On S3 an upload
//!   cut short by a crash is an incomplete multipart upload, which listing does not
//!   show: a bucket lifecycle rule (`AbortIncompleteMultipartUpload`) removes those.
//!
//! Whether a blob is still referenced is not known here: the files service decides
//! and calls [`BlobStore::delete`].

use crate::clock::{Millis, now_millis};
use bytes::Bytes;
use futures_util::stream::{BoxStream, Stream, StreamExt as _, TryStreamExt as _};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, WriteMultipart};
use sha2::{Digest as _, Sha256};
use std::ops::Range;
use std::sync::Arc;

/// Size of the parts an upload is written in (S3 needs at least 5 MiB per part).
const PART_BYTES: usize = 5 * 1024 * 1024;
/// Parts of one upload in flight at once; with [`PART_BYTES`], what one upload may
/// hold in memory.
const PARTS_IN_FLIGHT: usize = 2;

/// Where blobs live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlobBackend {
    /// A directory (created if missing).
    Local(std::path::PathBuf),
    /// A bucket of S3-compatible storage.
    S3(S3Settings),
}

/// How to reach an S3-compatible bucket.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    /// `None` for AWS itself; the URL of any other S3-compatible service.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// A stored blob: its SHA-256 (64 lower-case hex digits) and size in bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
}

/// Part of a blob being read.
pub struct BlobRead {
    /// The whole blob's size.
    pub size: u64,
    /// The bytes this read returns.
    pub range: Range<u64>,
    pub bytes: BoxStream<'static, Result<Bytes, BlobError>>,
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The upload went past its limit; nothing was kept.
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// The bytes being uploaded stopped coming (the client went away); nothing was
    /// kept.
    #[error("the upload was interrupted: {0}")]
    Interrupted(String),
    #[error("no such blob")]
    NotFound,
    /// The requested range holds no byte of the blob (of `size` bytes).
    #[error("the range is outside the file")]
    BadRange { size: u64 },
    #[error("blob storage failed: {0}")]
    Storage(object_store::Error),
}

impl From<object_store::Error> for BlobError {
    fn from(error: object_store::Error) -> Self {
        match error {
            object_store::Error::NotFound { .. } => Self::NotFound,
            other => Self::Storage(other),
        }
    }
}

/// Blob storage on one backend.
#[derive(Clone, Debug)]
pub struct BlobStore {
    objects: Arc<dyn ObjectStore>,
}

impl BlobStore {
    /// Opens the backend: creates a local directory if missing; for S3, only
    /// configures the client (the bucket must exist).
    pub fn open(backend: &BlobBackend) -> Result<Self, BlobError> {
        let objects: Arc<dyn ObjectStore> = match backend {
            BlobBackend::Local(dir) => {
                std::fs::create_dir_all(dir).map_err(|error| {
                    BlobError::Storage(object_store::Error::Generic {
                        store: "local",
                        source: Box::new(error),
                    })
                })?;
                Arc::new(LocalFileSystem::new_with_prefix(dir)?)
            }
            BlobBackend::S3(s3) => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(&s3.secret_access_key);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                Arc::new(builder.build()?)
            }
        };
        Ok(Self { objects })
    }

    /// Stores the bytes of `body`, at most `limit` of them. Returns the blob, which
    /// may have existed before (the same bytes stored earlier).
    pub async fn put<S, E>(&self, body: S, limit: u64) -> Result<StoredBlob, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let staging = Path::from(format!("uploads/{}", random_name()));
        let upload = self.objects.put_multipart(&staging).await?;
        let mut upload = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut body = std::pin::pin!(body);
        let failure = loop {
            let chunk = match body.next().await {
                None => break None,
                Some(Err(error)) => break Some(BlobError::Interrupted(error.to_string())),
                Some(Ok(chunk)) => chunk,
            };
            size += chunk.len() as u64;
            if size > limit {
                break Some(BlobError::TooLarge { limit });
            }
            hasher.update(&chunk);
            if let Err(error) = upload.wait_for_capacity(PARTS_IN_FLIGHT).await {
                break Some(error.into());
            }
            upload.put(chunk);
        };
        if let Some(failure) = failure {
            if let Err(error) = upload.abort().await {
                tracing::warn!(%error, "cannot abort an upload; the sweep will remove it");
            }
            return Err(failure);
        }
        upload.finish().await?;
        let sha256 = hex::encode(hasher.finalize());
        let target = blob_path(&sha256);
        match self.objects.head(&target).await {
            // The same bytes are stored already.
            Ok(_) => self.objects.delete(&staging).await?,
            Err(object_store::Error::NotFound { .. }) => {
                self.objects.rename(&staging, &target).await?;
            }
            Err(error) => {
                let _ = self.objects.delete(&staging).await;
                return Err(error.into());
            }
        }
        Ok(StoredBlob { sha256, size })
    }

    /// Reads a blob, or part of it: `range` turns the blob's size into the bytes
    /// wanted (`None` when none of them is in it). One request for a whole blob, and a
    /// size check before a part.
    pub async fn get<R>(&self, sha256: &str, range: Option<R>) -> Result<BlobRead, BlobError>
    where
        R: FnOnce(u64) -> Option<Range<u64>>,
    {
        let path = checked_blob_path(sha256)?;
        let range = match range {
            None => None,
            Some(wanted) => {
                let size = self.objects.head(&path).await?.size;
                match wanted(size) {
                    Some(range) => Some(range),
                    None => return Err(BlobError::BadRange { size }),
                }
            }
        };
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let result = self.objects.get_opts(&path, options).await?;
        Ok(BlobRead {
            size: result.meta.size,
            range: result.range.clone(),
            bytes: result.into_stream().map_err(BlobError::from).boxed(),
        })
    }

    /// Reads a whole blob, in one request.
    pub async fn get_all(&self, sha256: &str) -> Result<BlobRead, BlobError> {
        self.get(sha256, None::<fn(u64) -> Option<Range<u64>>>)
            .await
    }

    /// The size of a blob, or `None` if it is not stored.
    pub async fn size(&self, sha256: &str) -> Result<Option<u64>, BlobError> {
        match self.objects.head(&checked_blob_path(sha256)?).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Every stored blob's SHA-256 and when it was stored: what a sweep of
    /// unreferenced blobs walks.
    pub fn list(&self) -> BoxStream<'static, Result<(String, Millis), BlobError>> {
        self.objects
            .list(Some(&Path::from("blobs")))
            .map(|meta| {
                let meta = meta?;
                let name = meta.location.filename().unwrap_or_default().to_owned();
                Ok((name, meta.last_modified.timestamp_millis()))
            })
            .boxed()
    }

    /// Removes a blob (absent already is fine).
    pub async fn delete(&self, sha256: &str) -> Result<(), BlobError> {
        match self.objects.delete(&checked_blob_path(sha256)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Removes what uploads older than `age_millis` left behind (a crash mid-upload);
    /// returns how many it removed.
    pub async fn sweep_uploads(&self, age_millis: i64) -> Result<u64, BlobError> {
        let cutoff = now_millis().saturating_sub(age_millis);
        let mut stale = self.objects.list(Some(&Path::from("uploads")));
        let mut removed = 0;
        while let Some(meta) = stale.next().await {
            let meta = meta?;
            if meta.last_modified.timestamp_millis() < cutoff {
                match self.objects.delete(&meta.location).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => removed += 1,
                    Err(error) => return Err(error.into()),
                }
            }
        }
        Ok(removed)
    }
}

/// Where the blob of `sha256` lives.
fn blob_path(sha256: &str) -> Path {
    Path::from(format!("blobs/{}/{sha256}", &sha256[..2]))
}

/// [`blob_path`] for a name from outside: 64 lower-case hex digits, or `NotFound`.
fn checked_blob_path(sha256: &str) -> Result<Path, BlobError> {
    let valid = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if valid {
        Ok(blob_path(sha256))
    } else {
        Err(BlobError::NotFound)
    }
}

/// A name no other upload uses.
fn random_name() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hex_digests_name_blobs() {
        let digest = "ab".repeat(32);
        assert_eq!(
            checked_blob_path(&digest).unwrap().as_ref(),
            format!("blobs/ab/{digest}")
        );
        for bad in ["", "../etc/passwd", &"AB".repeat(32), &"ab".repeat(31)] {
            assert!(
                matches!(checked_blob_path(bad), Err(BlobError::NotFound)),
                "{bad}"
            );
        }
    }
}
