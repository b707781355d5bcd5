//! The [`LinkPreviews`] service: previews the links of queued messages (from the
//! cache, or by fetching the page and its picture), attaches them to their messages,
//! and serves a preview's picture to the room's members.

use super::fetch::{FetchError, FetchLimits, Fetcher};
use super::page::{PageMeta, read_page};
use super::queue::{PreviewJob, PreviewQueue};
use crate::clock::{Millis, now_millis};
use crate::config::PreviewConfig;
use crate::service::files::media::inspect_image;
use crate::service::outbound::AddressPolicy;
use crate::service::rooms::Rooms;
use crate::service::{ServiceError, ServiceResult};
use crate::store::blobs::{BlobRead, BlobStore};
use crate::store::previews::{CachedPreview, PreviewImageRecord, PreviewRecord, PreviewStore};
use futures_util::StreamExt as _;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use url::Url;

/// Longest side of a preview's picture, in pixels.
pub const PREVIEW_IMAGE_EDGE: u32 = 640;

/// A preview's picture, ready to send.
pub struct PreviewImage {
    pub content_type: String,
    pub sha256: String,
    pub read: BlobRead,
}

/// Link previews.
pub struct LinkPreviews {
    store: Arc<dyn PreviewStore>,
    blobs: BlobStore,
    fetcher: Fetcher,
    config: PreviewConfig,
    /// Largest picture decoded (`--max-image-pixels`).
    max_image_pixels: u64,
    /// The queue's receiving end, until [`LinkPreviews::run`] takes it.
    jobs: Mutex<Option<mpsc::Receiver<PreviewJob>>>,
}

/// What became of one link.
enum Outcome {
    /// This preview, fetched now or taken from the cache.
    Preview(PreviewRecord, &'static str),
    /// Nothing to show: the page had nothing, or could not be fetched.
    Nothing(&'static str),
}

impl LinkPreviews {
    /// The service and the queue that sending offers messages to (`None` when link
    /// previews are off).
    pub fn new(
        store: Arc<dyn PreviewStore>,
        blobs: BlobStore,
        config: PreviewConfig,
        max_image_pixels: u64,
    ) -> anyhow::Result<(Self, Option<PreviewQueue>)> {
        let policy = AddressPolicy {
            allow_all: false,
            allowed_networks: config.allowed_networks.clone(),
        };
        let fetcher = Fetcher::new(
            policy,
            FetchLimits {
                timeout: config.timeout,
                max_page_bytes: config.max_page_bytes,
                max_image_bytes: config.max_image_bytes,
                max_redirects: config.max_redirects,
            },
        )?;
        let (queue, jobs) = PreviewQueue::channel(config.queue);
        let queue = config.enabled.then_some(queue);
        let service = Self {
            store,
            blobs,
            fetcher,
            config,
            max_image_pixels,
            jobs: Mutex::new(Some(jobs)),
        };
        Ok((service, queue))
    }

    /// Previews queued links, `--link-preview-concurrency` at a time, until shutdown.
    pub async fn run(&self, rooms: &Rooms, shutdown: CancellationToken) {
        let Some(jobs) = self.jobs.lock().unwrap_or_else(|e| e.into_inner()).take() else {
            return;
        };
        let jobs = futures_util::stream::unfold(jobs, |mut jobs| async move {
            jobs.recv().await.map(|job| (job, jobs))
        });
        let work =
            jobs.for_each_concurrent(self.config.concurrency, |job| self.preview(rooms, job));
        tokio::select! {
            () = work => {}
            () = shutdown.cancelled() => {}
        }
    }

    /// Finds the preview of one message's link and attaches it.
    async fn preview(&self, rooms: &Rooms, job: PreviewJob) {
        let outcome = match self.find(&job.url).await {
            Ok(outcome) => outcome,
            Err(error) => {
                tracing::warn!(%error, "cannot preview a link");
                Outcome::Nothing("failed")
            }
        };
        let label = match outcome {
            Outcome::Nothing(label) => label,
            Outcome::Preview(preview, label) => {
                if let Err(error) = rooms
                    .attach_preview(job.sender, job.room, job.seq, preview)
                    .await
                {
                    tracing::warn!(%error, room = %job.room, seq = job.seq, "cannot attach a link preview");
                }
                label
            }
        };
        metrics::counter!(crate::telemetry::LINK_PREVIEWS, "outcome" => label).increment(1);
    }

    /// The preview of `url`, from the cache while it is fresh, else fetched (and
    /// cached, unless the address was refused: the operator may allow it later).
    async fn find(&self, url: &Url) -> ServiceResult<Outcome> {
        let now = now_millis();
        match self
            .store
            .cached_preview(url.as_str(), self.fresh_after(now))
            .await?
        {
            Some(CachedPreview::Found(preview)) => return Ok(Outcome::Preview(preview, "cached")),
            Some(CachedPreview::Nothing) => return Ok(Outcome::Nothing("cached")),
            None => {}
        }
        let (cached, outcome) = match self.fetch(url).await {
            Ok(Some(preview)) => (
                CachedPreview::Found(preview.clone()),
                Outcome::Preview(preview, "shown"),
            ),
            Ok(None) => (CachedPreview::Nothing, Outcome::Nothing("nothing")),
            Err(FetchError::Refused(address)) => {
                tracing::info!(%address, "link preview refused: not an address the server may reach");
                return Ok(Outcome::Nothing("refused"));
            }
            Err(error) => {
                tracing::debug!(%error, %url, "link preview failed");
                (CachedPreview::Nothing, Outcome::Nothing("failed"))
            }
        };
        self.store.cache_preview(url.as_str(), &cached, now).await?;
        Ok(outcome)
    }

    /// Fetches the page at `url` and its picture; `None` when it says nothing.
    async fn fetch(&self, url: &Url) -> Result<Option<PreviewRecord>, FetchError> {
        let (page_url, html) = self.fetcher.page(url).await?;
        let meta = tokio::task::spawn_blocking(move || read_page(&html, &page_url))
            .await
            .map_err(|e| FetchError::Failed(format!("reading the page: {e}")))?;
        if meta.is_empty() {
            return Ok(None);
        }
        let PageMeta {
            title,
            description,
            site_name,
            image,
        } = meta;
        let image = match image {
            None => None,
            Some(image_url) => match self.picture(&image_url).await {
                Ok(image) => Some(image),
                Err(error) => {
                    tracing::debug!(%error, %image_url, "link preview without its picture");
                    None
                }
            },
        };
        Ok(Some(PreviewRecord {
            url: url.to_string(),
            title,
            description,
            site_name,
            image,
        }))
    }

    /// Fetches a page's picture and stores a copy that fits [`PREVIEW_IMAGE_EDGE`].
    async fn picture(&self, url: &Url) -> Result<PreviewImageRecord, FetchError> {
        let bytes = self.fetcher.image(url).await?;
        let max_pixels = self.max_image_pixels;
        let scaled = tokio::task::spawn_blocking(move || {
            inspect_image(&bytes, max_pixels, PREVIEW_IMAGE_EDGE)
        })
        .await
        .map_err(|e| FetchError::Failed(format!("reading the picture: {e}")))?
        .map_err(|e| FetchError::Failed(e.to_string()))?
        .thumbnail;
        let size = scaled.bytes.len() as u64;
        let body = futures_util::stream::once(async move {
            Ok::<_, std::convert::Infallible>(bytes::Bytes::from(scaled.bytes))
        });
        let stored = self
            .blobs
            .put(body, size)
            .await
            .map_err(|e| FetchError::Failed(format!("storing the picture: {e}")))?;
        Ok(PreviewImageRecord {
            sha256: stored.sha256,
            content_type: scaled.content_type.to_owned(),
            width: scaled.width,
            height: scaled.height,
        })
    }

    /// The picture of a message's preview, for a member of its room.
    pub async fn image(
        &self,
        rooms: &Rooms,
        caller: crate::service::accounts::tokens::Principal,
        room: confab_proto::RoomId,
        seq: i64,
    ) -> ServiceResult<PreviewImage> {
        let image = rooms
            .preview_of(caller, room, seq)
            .await?
            .and_then(|preview| preview.image)
            .ok_or(ServiceError::NotFound("preview image"))?;
        let read = self
            .blobs
            .get_all(&image.sha256)
            .await
            .map_err(|e| ServiceError::Internal(format!("reading a preview picture: {e}")))?;
        Ok(PreviewImage {
            content_type: image.content_type,
            sha256: image.sha256,
            read,
        })
    }

    /// Forgets what links gave more than `--link-preview-cache-ttl` ago, so that
    /// the pictures nothing else uses can be swept.
    pub async fn forget_stale(&self) -> ServiceResult<u64> {
        Ok(self
            .store
            .forget_previews(self.fresh_after(now_millis()))
            .await?)
    }

    /// The oldest fetch the cache still uses at `now` (`--link-preview-cache-ttl`).
    fn fresh_after(&self, now: Millis) -> Millis {
        let ttl = i64::try_from(self.config.cache_ttl.as_millis()).unwrap_or(i64::MAX);
        now.saturating_sub(ttl)
    }
}
