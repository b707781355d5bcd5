//! The device file: what [`super::Device`] keeps between runs, written atomically
//! and readable by its owner only.

use confab_proto::{SessionId, UserId};
use std::path::Path;

/// The device file's contents.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct Saved {
    pub version: u32,
    pub user_id: UserId,
    pub device_id: SessionId,
    pub public_key: String,
    /// OpenMLS's storage: key and value, base64.
    pub values: Vec<(String, String)>,
}

/// Writes `bytes` to `path` through a temporary file in the same directory, readable
/// by its owner only, then renames it over `path`.
pub(super) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let temporary = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}
