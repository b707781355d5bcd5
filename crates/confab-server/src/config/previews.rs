//! Settings of link previews: whether the server fetches them, which addresses it
//! may fetch from, and the limits of each fetch.

use super::parsers::{at_least, between, duration, duration_above_zero};
use clap::Args;
use ipnet::IpNet;
use std::time::Duration;

/// Link previews.
#[derive(Clone, Debug, Args)]
pub struct PreviewConfig {
    /// Fetch a preview (title, description, picture) of the first link of each
    /// message
    ///
    /// The server fetches the page itself, so the people in a room learn nothing of
    /// each other's addresses from it, but the linked site sees the server's. Off:
    /// messages never get previews. Never in end-to-end encrypted rooms.
    #[arg(
        long = "link-previews",
        id = "link_previews",
        env = "CONFAB_LINK_PREVIEWS",
        value_name = "BOOL",
        default_value_t = true,
        action = clap::ArgAction::Set,
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub enabled: bool,

    /// Networks besides the public internet that link previews may fetch from, in
    /// CIDR notation (`10.1.0.0/16`)
    ///
    /// Repeat it or separate networks with commas. By default a link to a loopback,
    /// private, link-local or otherwise non-public address is never fetched, before
    /// or after a redirect, whether the address is written in the link or a host
    /// name resolves to it.
    #[arg(
        long = "link-preview-allowed-networks",
        id = "link_preview_allowed_networks",
        env = "CONFAB_LINK_PREVIEW_ALLOWED_NETWORKS",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    pub allowed_networks: Vec<IpNet>,

    /// Longest a link preview may take to fetch its page, and again its picture,
    /// redirects included.
    #[arg(
        long = "link-preview-timeout",
        id = "link_preview_timeout",
        env = "CONFAB_LINK_PREVIEW_TIMEOUT",
        value_name = "DURATION",
        default_value = "5s",
        value_parser = duration_above_zero
    )]
    pub timeout: Duration,

    /// Most bytes of a linked page read for its preview; the rest is not read.
    ///
    /// At least 1024.
    #[arg(
        long = "link-preview-max-page-bytes",
        id = "link_preview_max_page_bytes",
        env = "CONFAB_LINK_PREVIEW_MAX_PAGE_BYTES",
        value_name = "BYTES",
        default_value_t = 1_048_576,
        value_parser = at_least(1024u64)
    )]
    pub max_page_bytes: u64,

    /// Largest picture a link preview uses, in bytes; a preview with a bigger one
    /// has none.
    ///
    /// At least 1024.
    #[arg(
        long = "link-preview-max-image-bytes",
        id = "link_preview_max_image_bytes",
        env = "CONFAB_LINK_PREVIEW_MAX_IMAGE_BYTES",
        value_name = "BYTES",
        default_value_t = 5_242_880,
        value_parser = at_least(1024u64)
    )]
    pub max_image_bytes: u64,

    /// Most redirects a link preview follows, 0-20.
    #[arg(
        long = "link-preview-max-redirects",
        id = "link_preview_max_redirects",
        env = "CONFAB_LINK_PREVIEW_MAX_REDIRECTS",
        value_name = "N",
        default_value_t = 5,
        value_parser = between(0u32, 20)
    )]
    pub max_redirects: u32,

    /// How long what a link gave is reused for other messages with the same link
    /// before it is fetched again.
    #[arg(
        long = "link-preview-cache-ttl",
        id = "link_preview_cache_ttl",
        env = "CONFAB_LINK_PREVIEW_CACHE_TTL",
        value_name = "DURATION",
        default_value = "24h",
        value_parser = duration
    )]
    pub cache_ttl: Duration,

    /// Most links waiting to be previewed; messages sent while it is full get no
    /// preview.
    ///
    /// At least 1.
    #[arg(
        long = "link-preview-queue",
        id = "link_preview_queue",
        env = "CONFAB_LINK_PREVIEW_QUEUE",
        value_name = "N",
        default_value_t = 256,
        value_parser = at_least(1usize)
    )]
    pub queue: usize,

    /// Most link previews fetched at once, 1-64.
    #[arg(
        long = "link-preview-concurrency",
        id = "link_preview_concurrency",
        env = "CONFAB_LINK_PREVIEW_CONCURRENCY",
        value_name = "N",
        default_value_t = 4,
        value_parser = between(1usize, 64)
    )]
    pub concurrency: usize,
}
