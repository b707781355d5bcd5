//! Link previews: the title, description and picture of the first link of a
//! message, fetched by the server after the message is sent and attached to it as
//! a room event (`link_preview_added`).
//!
//! - `links`: which link of a message is previewed;
//! - `fetch`: fetching pages and pictures without reaching the server's own network
//!   (every hop checked, every DNS answer filtered: `service::outbound`);
//! - `page`: what a page says about itself (Open Graph, then HTML meta);
//! - `queue`: the bounded queue between sending and previewing;
//! - `service`: the [`LinkPreviews`] service that runs the queue, keeps the cache
//!   and serves the pictures.

mod fetch;
mod links;
mod page;
mod queue;
mod service;

pub use links::first_link;
pub use queue::{PreviewJob, PreviewQueue};
pub use service::{LinkPreviews, PREVIEW_IMAGE_EDGE, PreviewImage};
