//! The [`Files`] service: uploading and downloading.

use super::media::{self, MediaError};
use crate::clock::now_millis;
use crate::config::FileConfig;
use crate::service::accounts::tokens::Principal;
use crate::service::validate::single_line_text;
use crate::service::{ServiceError, ServiceResult};
use crate::store::blobs::{BlobError, BlobRead, BlobStore};
use crate::store::events::ThumbnailRecord;
use crate::store::files::{FileRecord, FileStore};
use bytes::Bytes;
use futures_util::{Stream, StreamExt as _, TryStreamExt as _};
use std::ops::Range;
use std::sync::{Arc, Mutex};

/// Thumbnails fit in a square of this many pixels.
pub const THUMBNAIL_EDGE: u32 = 320;
/// Avatars are squares of this many pixels.
pub const AVATAR_EDGE: u32 = 256;
/// Longest file name, in characters.
const NAME_MAX_CHARS: usize = 255;
/// Longest client id of an upload, in bytes.
const CLIENT_ID_MAX: usize = 64;
/// How many first bytes decide what a file is.
const SNIFF_BYTES: usize = 8192;
/// Images up to this size are read back to be measured and thumbnailed; larger ones
/// are kept as plain files.
const IMAGE_INSPECT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// What an upload is called and its idempotency key.
pub struct Upload<'a> {
    pub name: &'a str,
    pub client_id: &'a str,
    /// `Content-Length`, when the client sent one: refused early if it is too large.
    pub declared_size: Option<u64>,
    /// Ciphertext of an end-to-end encrypted room's file: not inspected, typed
    /// [`ENCRYPTED_CONTENT_TYPE`], named [`ENCRYPTED_NAME`].
    pub encrypted: bool,
}

/// The content type of every file encrypted by its client.
pub const ENCRYPTED_CONTENT_TYPE: &str = "application/vnd.confab.encrypted";
/// The name every encrypted file gets: its real name is inside the encrypted message.
pub const ENCRYPTED_NAME: &str = "encrypted";

/// A file being downloaded.
pub struct Download {
    pub file: FileRecord,
    /// The content type of what is sent (the thumbnail's, for a thumbnail).
    pub content_type: String,
    /// The SHA-256 of what is sent: its entity tag.
    pub sha256: String,
    pub read: BlobRead,
}

/// The files service.
pub struct Files {
    store: Arc<dyn FileStore>,
    blobs: BlobStore,
    config: FileConfig,
}

impl Files {
    pub fn new(store: Arc<dyn FileStore>, blobs: BlobStore, config: FileConfig) -> Self {
        Self {
            store,
            blobs,
            config,
        }
    }

    /// The largest upload the server takes, in bytes.
    pub fn max_upload_bytes(&self) -> u64 {
        self.config.max_upload_bytes
    }

    /// Stores an upload and returns it, and whether this call stored it (false when
    /// the caller used the client id before: the earlier file, nothing stored).
    pub async fn upload<S, E>(
        &self,
        caller: Principal,
        upload: Upload<'_>,
        body: S,
    ) -> ServiceResult<(FileRecord, bool)>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let name = if upload.encrypted {
            ENCRYPTED_NAME.to_owned()
        } else {
            single_line_text("name", "a file name", upload.name, 1, NAME_MAX_CHARS)?
        };
        let client_id = upload.client_id;
        if client_id.is_empty()
            || client_id.len() > CLIENT_ID_MAX
            || client_id.chars().any(char::is_control)
        {
            return Err(ServiceError::invalid(
                "client_id",
                format!("a client id has 1 to {CLIENT_ID_MAX} bytes"),
            ));
        }
        if let Some(earlier) = self
            .store
            .file_by_client_id(caller.user_id, client_id)
            .await?
        {
            return Ok((earlier, false));
        }
        let limit = self.limit_for(caller, upload.declared_size).await?;
        let head = Arc::new(Mutex::new(Vec::with_capacity(SNIFF_BYTES)));
        let sniffed = Arc::clone(&head);
        let body = body.inspect_ok(move |chunk| {
            let mut head = sniffed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let wanted = SNIFF_BYTES.saturating_sub(head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..wanted]);
        });
        let stored = self
            .blobs
            .put(body, limit.bytes)
            .await
            .map_err(|error| upload_error(error, &limit))?;
        let content_type = if upload.encrypted {
            ENCRYPTED_CONTENT_TYPE.to_owned()
        } else {
            let head = head
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            media::sniff(&head)
        };
        let mut file = FileRecord {
            id: new_file_id(),
            uploader_id: caller.user_id,
            client_id: client_id.to_owned(),
            name,
            sha256: stored.sha256,
            size: stored.size,
            content_type,
            width: None,
            height: None,
            thumbnail: None,
            created_at: now_millis(),
        };
        if media::is_image(&file.content_type) && file.size <= IMAGE_INSPECT_MAX_BYTES {
            self.inspect(&mut file).await?;
        }
        Ok(self.store.create_file(&file).await?)
    }

    /// How many bytes this upload may have, and why.
    async fn limit_for(&self, caller: Principal, declared: Option<u64>) -> ServiceResult<Limit> {
        let max = self.config.max_upload_bytes;
        let quota = self.config.storage_quota_bytes;
        let mut limit = Limit {
            bytes: max,
            by_quota: false,
        };
        if quota > 0 {
            let left = quota.saturating_sub(self.store.uploaded_bytes(caller.user_id).await?);
            if left < max {
                limit = Limit {
                    bytes: left,
                    by_quota: true,
                };
            }
        }
        match declared {
            Some(size) if size > limit.bytes => Err(limit.refusal()),
            _ => Ok(limit),
        }
    }

    /// Measures an image and stores its thumbnail; refuses images that are too
    /// large or cannot be read.
    async fn inspect(&self, file: &mut FileRecord) -> ServiceResult<()> {
        let bytes = self.whole(&file.sha256).await?;
        let max_pixels = self.config.max_image_pixels;
        let inspected = tokio::task::spawn_blocking(move || {
            media::inspect_image(&bytes, max_pixels, THUMBNAIL_EDGE)
        })
        .await
        .map_err(|error| ServiceError::Internal(format!("image inspection failed: {error}")))?;
        let info = inspected.map_err(|error| match error {
            MediaError::TooManyPixels { .. } | MediaError::Corrupt(_) => {
                ServiceError::invalid("file", error.to_string())
            }
        })?;
        let thumb = info.thumbnail;
        let stored = self.put_bytes(thumb.bytes).await?;
        file.width = Some(info.width);
        file.height = Some(info.height);
        file.thumbnail = Some((
            stored,
            ThumbnailRecord {
                width: thumb.width,
                height: thumb.height,
                content_type: thumb.content_type.to_owned(),
            },
        ));
        Ok(())
    }

    /// Makes an avatar of an image the caller uploaded: its centre, cropped square
    /// and scaled to [`AVATAR_EDGE`], stored as a file of its own (which any signed-in
    /// user may download once it is someone's or some room's avatar).
    pub async fn avatar(&self, caller: Principal, source: &str) -> ServiceResult<FileRecord> {
        let image = match self.store.file(source).await? {
            Some(file) if file.uploader_id == caller.user_id && file.width.is_some() => file,
            _ => {
                return Err(ServiceError::invalid(
                    "file_id",
                    format!("{source} is not an image you uploaded"),
                ));
            }
        };
        let bytes = self.whole(&image.sha256).await?;
        let max_pixels = self.config.max_image_pixels;
        let made =
            tokio::task::spawn_blocking(move || media::avatar(&bytes, max_pixels, AVATAR_EDGE))
                .await
                .map_err(|error| {
                    ServiceError::Internal(format!("making an avatar failed: {error}"))
                })?
                .map_err(|error| ServiceError::invalid("file_id", error.to_string()))?;
        let size = made.bytes.len() as u64;
        let content_type = made.content_type;
        let stored = self.put_bytes(made.bytes).await?;
        let extension = if content_type == "image/png" {
            "png"
        } else {
            "jpg"
        };
        let file = FileRecord {
            id: new_file_id(),
            uploader_id: caller.user_id,
            client_id: format!("avatar-{}", new_file_id()),
            name: format!("avatar.{extension}"),
            sha256: stored,
            size,
            content_type: content_type.to_owned(),
            width: Some(made.width),
            height: Some(made.height),
            thumbnail: None,
            created_at: now_millis(),
        };
        Ok(self.store.create_file(&file).await?.0)
    }

    /// A stored blob, whole.
    async fn whole(&self, sha256: &str) -> ServiceResult<Vec<u8>> {
        let read = self.blobs.get_all(sha256).await.map_err(storage)?;
        let parts: Vec<Bytes> = read.bytes.try_collect().await.map_err(storage)?;
        Ok(parts.concat())
    }

    /// Stores bytes made here (thumbnails, avatars); their SHA-256.
    async fn put_bytes(&self, bytes: Vec<u8>) -> ServiceResult<String> {
        let body = futures_util::stream::once(async move {
            Ok::<_, std::convert::Infallible>(Bytes::from(bytes))
        });
        Ok(self
            .blobs
            .put(body, u64::MAX)
            .await
            .map_err(storage)?
            .sha256)
    }

    /// Removes what nothing uses any more, once older than `grace` milliseconds:
    /// files no message carries (never sent, or their message deleted) that are
    /// nobody's avatar, then blobs no file uses, then what interrupted uploads left.
    /// The grace keeps uploads that are about to be sent, and uploads in progress.
    pub async fn sweep(&self, grace: i64) -> ServiceResult<SweepReport> {
        let cutoff = now_millis().saturating_sub(grace);
        let files = self.store.remove_unused_files(cutoff).await?;
        let mut blobs = 0;
        let mut stored = self.blobs.list();
        while let Some(entry) = stored.next().await {
            let (sha256, stored_at) = entry.map_err(storage)?;
            if stored_at < cutoff && !self.store.blob_in_use(&sha256).await? {
                self.blobs.delete(&sha256).await.map_err(storage)?;
                blobs += 1;
            }
        }
        let uploads = self.blobs.sweep_uploads(grace).await.map_err(storage)?;
        Ok(SweepReport {
            files,
            blobs,
            uploads,
        })
    }

    /// A file (or its thumbnail) for the caller, or part of it. `NotFound` when it
    /// does not exist or the caller may not see it, so ids cannot be probed.
    pub async fn download(
        &self,
        caller: Principal,
        id: &str,
        thumbnail: bool,
        range: Option<ByteRange>,
    ) -> ServiceResult<Download> {
        let not_found = ServiceError::NotFound("file");
        let file = match self.store.file(id).await? {
            Some(file) if self.store.may_download(id, caller.user_id).await? => file,
            _ => return Err(not_found),
        };
        let (sha256, content_type) = if thumbnail {
            match &file.thumbnail {
                Some((sha256, thumb)) => (sha256.clone(), thumb.content_type.clone()),
                None => return Err(ServiceError::NotFound("thumbnail")),
            }
        } else {
            (file.sha256.clone(), file.content_type.clone())
        };
        let wanted = range.map(|range| move |size| range.resolve(size));
        let read = match self.blobs.get(&sha256, wanted).await {
            Ok(read) => read,
            Err(BlobError::BadRange { size }) => {
                return Err(ServiceError::RangeNotSatisfiable { size });
            }
            Err(error) => return Err(storage(error)),
        };
        Ok(Download {
            file,
            content_type,
            sha256,
            read,
        })
    }
}

/// The bytes a download asks for (`Range: bytes=...`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// From the first position to the last, included (to the end when `None`).
    From(u64, Option<u64>),
    /// The last this many bytes.
    Suffix(u64),
}

impl ByteRange {
    /// The half-open range of a blob of `size` bytes, or `None` if it holds none of them.
    pub fn resolve(self, size: u64) -> Option<Range<u64>> {
        let range = match self {
            Self::From(first, last) => {
                let end = last.map_or(size, |last| last.saturating_add(1).min(size));
                first..end
            }
            Self::Suffix(count) => size.saturating_sub(count)..size,
        };
        (range.start < range.end).then_some(range)
    }
}

/// What a [`Files::sweep`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub files: u64,
    pub blobs: u64,
    pub uploads: u64,
}

/// An upload's byte limit, and whether the quota set it.
struct Limit {
    bytes: u64,
    by_quota: bool,
}

impl Limit {
    fn refusal(&self) -> ServiceError {
        if self.by_quota {
            ServiceError::QuotaExceeded(format!(
                "this upload would go past your storage quota: {} bytes are left",
                self.bytes
            ))
        } else {
            ServiceError::TooLarge(format!("a file has at most {} bytes", self.bytes))
        }
    }
}

fn upload_error(error: BlobError, limit: &Limit) -> ServiceError {
    match error {
        BlobError::TooLarge { .. } => limit.refusal(),
        BlobError::Interrupted(reason) => {
            ServiceError::invalid("file", format!("the upload was interrupted: {reason}"))
        }
        other => storage(other),
    }
}

/// A new, unguessable file id.
fn new_file_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

fn storage(error: BlobError) -> ServiceError {
    ServiceError::Internal(format!("blob storage: {error}"))
}
