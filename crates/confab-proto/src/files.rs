//! Shared files: what an upload returns, what a message carries, and a room's files.

use crate::{RoomId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// An uploaded file. The content type is what the server found in the bytes, never
/// what the uploader claimed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileInfo {
    /// Download it from `/api/v1/files/{id}`.
    pub id: String,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    /// Images only: their size in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub height: Option<u32>,
    /// Images only: a smaller copy at `/api/v1/files/{id}/thumbnail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub thumbnail: Option<ThumbnailInfo>,
}

/// The thumbnail of an image: at most 320 pixels on its longer side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThumbnailInfo {
    pub width: u32,
    pub height: u32,
    pub content_type: String,
}

/// `PUT /api/v1/users/me/avatar` and `PUT /api/v1/rooms/{id}/avatar`: an image I
/// uploaded, from which the server makes the avatar.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetAvatarRequest {
    pub file_id: String,
}

/// A file shared in a room: which message carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SharedFile {
    pub file: FileInfo,
    pub room_id: RoomId,
    /// The message that carries it.
    pub seq: i64,
    pub sender_id: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub shared_at: Timestamp,
}

/// `GET /api/v1/rooms/{id}/files`: newest first.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SharedFilePage {
    pub files: Vec<SharedFile>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub next_before: Option<i64>,
}
