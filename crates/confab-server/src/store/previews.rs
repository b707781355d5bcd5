//! Link previews as stored: the preview a message carries (in its event row, like
//! its body) and the cache of what linked pages said, so that a link many people
//! send is fetched once per `--link-preview-cache-ttl`. The [`PreviewStore`] trait
//! holds the cache; a message's preview changes through room changes
//! (`RoomChange::AttachPreview`, `RoomChange::RemovePreview`).

use super::StoreResult;
use crate::clock::Millis;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// A link preview as stored (JSON in `events.preview` and `link_previews.preview`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRecord {
    /// The link as the message has it.
    #[serde(rename = "url")]
    pub url: String,
    #[serde(rename = "title", default)]
    pub title: String,
    #[serde(rename = "description", default)]
    pub description: String,
    #[serde(rename = "site_name", default)]
    pub site_name: String,
    #[serde(rename = "image", default, skip_serializing_if = "Option::is_none")]
    pub image: Option<PreviewImageRecord>,
}

/// The picture of a preview: a blob Confab made from the page's image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewImageRecord {
    #[serde(rename = "sha256")]
    pub sha256: String,
    #[serde(rename = "content_type")]
    pub content_type: String,
    #[serde(rename = "width")]
    pub width: u32,
    #[serde(rename = "height")]
    pub height: u32,
}

impl From<PreviewRecord> for confab_proto::events::LinkPreview {
    fn from(preview: PreviewRecord) -> Self {
        Self {
            url: preview.url,
            title: preview.title,
            description: preview.description,
            site_name: preview.site_name,
            image: preview
                .image
                .map(|image| confab_proto::events::PreviewImage {
                    width: image.width,
                    height: image.height,
                    content_type: image.content_type,
                }),
        }
    }
}

/// What the cache knows of a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CachedPreview {
    /// Fetched: this is its preview.
    Found(PreviewRecord),
    /// Fetched, and there was nothing to show (or it could not be fetched).
    Nothing,
}

/// The cache of link previews.
#[async_trait]
pub trait PreviewStore: Send + Sync + 'static {
    /// What was learnt of `url` at or after `fresh_after`, if anything.
    async fn cached_preview(
        &self,
        url: &str,
        fresh_after: Millis,
    ) -> StoreResult<Option<CachedPreview>>;
    /// Remembers what `url` gave (replacing what was known).
    async fn cache_preview(
        &self,
        url: &str,
        preview: &CachedPreview,
        now: Millis,
    ) -> StoreResult<()>;
    /// Forgets what was learnt before `before`; returns how many links.
    async fn forget_previews(&self, before: Millis) -> StoreResult<u64>;
}
