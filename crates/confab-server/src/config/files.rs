//! Settings of shared files: where their bytes are kept (a directory, or an
//! S3-compatible bucket) and the limits of uploads. Declared like the rest (see
//! `options.rs`) and flattened into [`Config`](super::Config).

use super::parsers::{at_least, duration, duration_above_zero};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// Storage and limits of uploaded files.
#[derive(Clone, Debug, Args)]
pub struct FileConfig {
    /// Directory for the bytes of uploaded files [default: `DATA_DIR/files`]
    ///
    /// Not used with `--s3-bucket`. Created if missing, private to the Confab user.
    #[arg(
        long = "files-dir",
        env = "CONFAB_FILES_DIR",
        value_name = "DIR",
        required = false
    )]
    pub files_dir: PathBuf,

    /// Keep files in this bucket of S3-compatible storage instead of `--files-dir`
    ///
    /// Needed when several nodes serve the same users. The bucket must exist. Give a
    /// lifecycle rule that aborts incomplete multipart uploads after a day: an upload
    /// cut short by a crash is left as one.
    #[arg(long = "s3-bucket", env = "CONFAB_S3_BUCKET", value_name = "NAME")]
    pub s3_bucket: Option<String>,

    /// URL of the S3-compatible service; leave it out for AWS S3 itself
    ///
    /// `http://` URLs are allowed (for a service on a private network).
    #[arg(long = "s3-endpoint", env = "CONFAB_S3_ENDPOINT", value_name = "URL")]
    pub s3_endpoint: Option<String>,

    /// Region of the bucket.
    #[arg(
        long = "s3-region",
        env = "CONFAB_S3_REGION",
        value_name = "REGION",
        default_value = "us-east-1"
    )]
    pub s3_region: String,

    /// Access key id for the bucket.
    #[arg(
        long = "s3-access-key-id",
        env = "CONFAB_S3_ACCESS_KEY_ID",
        value_name = "ID"
    )]
    pub s3_access_key_id: Option<String>,

    /// Secret access key for the bucket
    ///
    /// Prefer the environment variable or the TOML file to the command line, where
    /// other users of the machine can read it.
    #[arg(
        long = "s3-secret-access-key",
        env = "CONFAB_S3_SECRET_ACCESS_KEY",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub s3_secret_access_key: Option<String>,

    /// Largest file one upload may be, in bytes.
    ///
    /// The upload route has this as its own body limit; larger uploads are refused
    /// with `413 too_large` and nothing is kept. At least 1.
    #[arg(
        long = "max-upload-bytes",
        env = "CONFAB_MAX_UPLOAD_BYTES",
        value_name = "BYTES",
        default_value_t = 100 * 1024 * 1024,
        value_parser = at_least(1u64)
    )]
    pub max_upload_bytes: u64,

    /// Most bytes of files one user may have uploaded in all; `0` for no quota.
    ///
    /// An upload that would go over it is refused with `413 quota_exceeded`. A file
    /// uploaded twice counts twice.
    #[arg(
        long = "storage-quota-bytes",
        env = "CONFAB_STORAGE_QUOTA_BYTES",
        value_name = "BYTES",
        default_value_t = 0
    )]
    pub storage_quota_bytes: u64,

    /// Most pixels (width x height) of an image that Confab reads to make its thumbnail.
    ///
    /// Larger images, and images whose header claims more (decompression bombs), are
    /// refused with `400 invalid_input`. At least 1.
    #[arg(
        long = "max-image-pixels",
        env = "CONFAB_MAX_IMAGE_PIXELS",
        value_name = "N",
        default_value_t = 50_000_000,
        value_parser = at_least(1u64)
    )]
    pub max_image_pixels: u64,

    /// How often unused files are swept away.
    ///
    /// A sweep removes files that no message carries (never sent, or their message
    /// deleted) and that are nobody's avatar, then the stored bytes no file uses, then
    /// what interrupted uploads left, each once older than `--file-sweep-grace`.
    #[arg(
        long = "file-sweep-interval",
        env = "CONFAB_FILE_SWEEP_INTERVAL",
        value_name = "DURATION",
        default_value = "1h",
        value_parser = duration_above_zero
    )]
    pub sweep_interval: Duration,

    /// How old an unused file must be before a sweep removes it.
    ///
    /// Uploads are usually sent at once; this keeps those still being written.
    #[arg(
        long = "file-sweep-grace",
        env = "CONFAB_FILE_SWEEP_GRACE",
        value_name = "DURATION",
        default_value = "24h",
        value_parser = duration
    )]
    pub sweep_grace: Duration,

    /// Most files one message may carry.
    #[arg(
        long = "max-attachments",
        env = "CONFAB_MAX_ATTACHMENTS",
        value_name = "N",
        default_value_t = 10
    )]
    pub max_attachments: usize,
}
