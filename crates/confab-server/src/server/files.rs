//! The process's files: private by default, a private data directory, and as many
//! open files as the system allows.

use anyhow::Context as _;
use std::path::Path;

/// Makes every file and directory this process creates private to its user
/// (`umask 077`), whatever umask it was started with: the database holds password
/// hashes and the token-signing key.
pub(super) fn restrict_new_files() {
    #[cfg(unix)]
    // SAFETY: umask only swaps the process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Creates the data directory private to this user (0700), or warns when an
/// existing one can be read by others.
pub(super) fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    let existed = dir.exists();
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create data directory {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if !existed {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot restrict data directory {}", dir.display()))?;
        } else if let Ok(meta) = std::fs::metadata(dir)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                dir = %dir.display(),
                mode = format!("{:o}", meta.permissions().mode() & 0o777),
                "the data directory is readable by other users of this machine; it holds password hashes and the token-signing key: chmod 700 it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = existed;
    Ok(())
}

/// Raises this process's open-file limit to the hard limit the system allows, and
/// returns it (`None` where it cannot be read). Every connection costs a descriptor;
/// the default soft limit (often 1024) would cap a chat server far below what the
/// machine can hold.
pub(super) fn raise_open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit only read and write the struct passed in.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return None;
            }
            if limit.rlim_cur < limit.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: limit.rlim_max,
                    rlim_max: limit.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit.rlim_cur = limit.rlim_max;
                }
            }
        }
        Some(limit.rlim_cur)
    }
    #[cfg(not(unix))]
    None
}
