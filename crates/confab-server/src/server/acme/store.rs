//! The ACME account key and certificate on disk: `acme/` under `--data-dir`.
//!
//! Each file is named after what it belongs to (the contact and directory for the
//! account, the domains and directory for the certificate), so that changing the
//! domains orders a new certificate and a staging account is never used against
//! production. Files are written whole (a temporary file, then a rename) and are
//! readable by the server's user only: the account key signs every request to the
//! authority, and the certificate file holds its private key too.

use async_trait::async_trait;
use rustls_acme::{AccountCache, CertCache};
use sha2::{Digest as _, Sha256};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// The directory of the ACME files.
#[derive(Clone, Debug)]
pub(super) struct AcmeFiles {
    dir: PathBuf,
}

impl AcmeFiles {
    /// The files under `data_dir`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("acme"),
        }
    }

    /// The file of the certificate (and its key) for `domains` from `directory`.
    pub fn certificate(&self, domains: &[String], directory: &str) -> PathBuf {
        self.dir
            .join(format!("certificate-{}.pem", digest(domains, directory)))
    }

    /// The file of the account key (PKCS#8) for `contact` at `directory`.
    pub fn account(&self, contact: &[String], directory: &str) -> PathBuf {
        self.dir
            .join(format!("account-{}.key", digest(contact, directory)))
    }

    /// Creates the directory, private to this user, if it is missing.
    pub fn create_dir(&self) -> io::Result<()> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&self.dir)
    }
}

/// A short name for `parts` and `directory`: the first 16 bytes of their SHA-256.
fn digest(parts: &[String], directory: &str) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(directory.as_bytes());
    hex::encode(&hash.finalize()[..16])
}

async fn read(path: PathBuf) -> io::Result<Option<Vec<u8>>> {
    match tokio::fs::read(&path).await {
        Ok(contents) => Ok(Some(contents)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(io::Error::new(
            error.kind(),
            format!("cannot read {}: {error}", path.display()),
        )),
    }
}

/// Writes `contents` to `path` whole, readable by this user only.
async fn write(files: AcmeFiles, path: PathBuf, contents: Vec<u8>) -> io::Result<()> {
    let target = path.clone();
    tokio::task::spawn_blocking(move || {
        files.create_dir()?;
        let partial = target.with_extension("partial");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&partial)?;
        file.write_all(&contents)?;
        file.sync_all()?;
        std::fs::rename(&partial, &target)
    })
    .await
    .map_err(io::Error::other)?
    .map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("cannot write {}: {error}", path.display()),
        )
    })
}

#[async_trait]
impl CertCache for AcmeFiles {
    type EC = io::Error;

    async fn load_cert(&self, domains: &[String], directory: &str) -> io::Result<Option<Vec<u8>>> {
        read(self.certificate(domains, directory)).await
    }

    async fn store_cert(&self, domains: &[String], directory: &str, cert: &[u8]) -> io::Result<()> {
        let path = self.certificate(domains, directory);
        write(self.clone(), path, cert.to_vec()).await
    }
}

#[async_trait]
impl AccountCache for AcmeFiles {
    type EA = io::Error;

    async fn load_account(
        &self,
        contact: &[String],
        directory: &str,
    ) -> io::Result<Option<Vec<u8>>> {
        read(self.account(contact, directory)).await
    }

    async fn store_account(
        &self,
        contact: &[String],
        directory: &str,
        key: &[u8],
    ) -> io::Result<()> {
        let path = self.account(contact, directory);
        write(self.clone(), path, key.to_vec()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn files_are_private_and_named_by_what_they_belong_to() {
        let dir = tempfile::tempdir().unwrap();
        let files = AcmeFiles::new(dir.path());
        let domains = ["chat.example.org".to_owned()];
        assert_eq!(
            files.load_cert(&domains, "https://a/dir").await.unwrap(),
            None
        );
        files
            .store_cert(&domains, "https://a/dir", b"pem")
            .await
            .unwrap();
        assert_eq!(
            files.load_cert(&domains, "https://a/dir").await.unwrap(),
            Some(b"pem".to_vec())
        );
        // Another directory or other domains: another certificate.
        assert_eq!(
            files.load_cert(&domains, "https://b/dir").await.unwrap(),
            None
        );
        let more = ["chat.example.org".to_owned(), "example.org".to_owned()];
        assert_eq!(files.load_cert(&more, "https://a/dir").await.unwrap(), None);
        files
            .store_account(&[], "https://a/dir", b"key")
            .await
            .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir.path().join("acme")), 0o700);
            assert_eq!(mode(&files.certificate(&domains, "https://a/dir")), 0o600);
            assert_eq!(mode(&files.account(&[], "https://a/dir")), 0o600);
        }
    }
}
