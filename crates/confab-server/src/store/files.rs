//! Persistence of shared files: what was uploaded, by whom, and which messages
//! carry it; the [`FileStore`] trait. The bytes are in [`super::blobs`].

use super::StoreResult;
use super::events::{AttachmentRecord, ThumbnailRecord};
use crate::clock::Millis;
use async_trait::async_trait;
use confab_proto::{RoomId, UserId};

/// An uploaded file as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRecord {
    pub id: String,
    pub uploader_id: UserId,
    pub client_id: String,
    pub name: String,
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The thumbnail's blob and what it is.
    pub thumbnail: Option<(String, ThumbnailRecord)>,
    pub created_at: Millis,
}

impl FileRecord {
    /// The file as a message carries it.
    pub fn attachment(&self) -> AttachmentRecord {
        AttachmentRecord {
            file_id: self.id.clone(),
            name: self.name.clone(),
            size: self.size,
            content_type: self.content_type.clone(),
            width: self.width,
            height: self.height,
            thumbnail: self.thumbnail.as_ref().map(|(_, t)| t.clone()),
        }
    }
}

/// A file shared in a room, with the message that carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedFileRecord {
    pub file: FileRecord,
    pub room_id: RoomId,
    pub seq: i64,
    pub sender_id: UserId,
    pub shared_at: Millis,
}

/// Persistence of files.
#[async_trait]
pub trait FileStore: Send + Sync + 'static {
    /// Records an upload. If the uploader used `client_id` before, nothing is
    /// stored and the earlier file is returned with `false`.
    async fn create_file(&self, file: &FileRecord) -> StoreResult<(FileRecord, bool)>;
    async fn file(&self, id: &str) -> StoreResult<Option<FileRecord>>;
    async fn file_by_client_id(
        &self,
        uploader: UserId,
        client_id: &str,
    ) -> StoreResult<Option<FileRecord>>;
    /// The bytes of every file the user uploaded.
    async fn uploaded_bytes(&self, user: UserId) -> StoreResult<u64>;
    /// Whether `user` may download the file: they uploaded it; or a message that
    /// carries it (not deleted) is in a room they are a current member of, or was
    /// sent before they left; or it is someone's or some room's avatar (which any
    /// signed-in user may see who knows its id).
    async fn may_download(&self, id: &str, user: UserId) -> StoreResult<bool>;
    /// Removes the files uploaded before `before` that nothing uses: no message
    /// carries them (any more) and they are nobody's avatar. Returns how many.
    async fn remove_unused_files(&self, before: Millis) -> StoreResult<u64>;
    /// Whether anything uses the blob: a file (as its bytes or its thumbnail), or a
    /// link preview (of a message, or cached).
    async fn blob_in_use(&self, sha256: &str) -> StoreResult<bool>;
    /// The files of the room's newest `limit` messages with files whose `seq` is
    /// below `before` (all, without it), newest message first.
    async fn room_files(
        &self,
        room: RoomId,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<SharedFileRecord>>;
}
