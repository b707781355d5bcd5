//! [`PreviewStore`] for [`SqlStore`]: the cache of what links gave.

use super::SqlStore;
use super::rows::to_json;
use crate::clock::Millis;
use crate::store::previews::{CachedPreview, PreviewRecord, PreviewStore};
use crate::store::{StoreError, StoreResult};
use async_trait::async_trait;

#[async_trait]
impl PreviewStore for SqlStore {
    async fn cached_preview(
        &self,
        url: &str,
        fresh_after: Millis,
    ) -> StoreResult<Option<CachedPreview>> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT preview FROM link_previews WHERE url = $1 AND fetched_at >= $2")
                .bind(url)
                .bind(fresh_after)
                .fetch_optional(self.pool())
                .await?;
        row.map(|(preview,)| match preview {
            None => Ok(CachedPreview::Nothing),
            Some(json) => serde_json::from_str::<PreviewRecord>(&json)
                .map(CachedPreview::Found)
                .map_err(|e| StoreError::Corrupt(format!("a cached link preview: {e}"))),
        })
        .transpose()
    }

    async fn cache_preview(
        &self,
        url: &str,
        preview: &CachedPreview,
        now: Millis,
    ) -> StoreResult<()> {
        let (json, image) = match preview {
            CachedPreview::Found(record) => (
                Some(to_json(record)?),
                record.image.as_ref().map(|image| image.sha256.clone()),
            ),
            CachedPreview::Nothing => (None, None),
        };
        sqlx::query(
            "INSERT INTO link_previews (url, preview, image_sha256, fetched_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (url) DO UPDATE SET preview = $2, image_sha256 = $3, fetched_at = $4",
        )
        .bind(url)
        .bind(json)
        .bind(image)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn forget_previews(&self, before: Millis) -> StoreResult<u64> {
        Ok(
            sqlx::query("DELETE FROM link_previews WHERE fetched_at < $1")
                .bind(before)
                .execute(self.pool())
                .await?
                .rows_affected(),
        )
    }
}
