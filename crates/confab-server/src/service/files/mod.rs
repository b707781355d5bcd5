//! Files: uploads (streamed to blob storage, limited, counted against a quota,
//! idempotent by client id), what they are (sniffed from the bytes; images measured
//! and thumbnailed off the async runtime), and who may download them.
//!
//! - `media`: content sniffing, image dimensions, thumbnails and avatars;
//! - `service`: the [`Files`] service.

pub mod media;
mod service;

pub use service::{
    AVATAR_EDGE, ByteRange, Download, ENCRYPTED_CONTENT_TYPE, ENCRYPTED_NAME, Files, SweepReport,
    THUMBNAIL_EDGE, Upload,
};
