//! HTTPS served by Confab itself: the rustls settings, the certificate they serve, and
//! loading it again on SIGHUP or when its files change; or, with `--acme-domain`, the
//! certificate of an ACME authority (see `acme`).
//!
//! The certificate is chosen per handshake by [`CertificateFiles`], which holds the
//! pair last loaded: replacing it changes what new connections get and leaves open
//! ones (WebSockets included) as they are. A pair that does not load (unreadable,
//! malformed, or a key that does not match the certificate, as happens for a moment
//! while the files are rewritten one after the other) is logged and the old one kept.

use super::acme::Acme;
use super::listener::AdmittedStream;
use crate::config::TlsConfig;
use anyhow::{Context as _, bail};
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_acme::acme::ACME_TLS_ALPN_NAME;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;

/// Counter: certificate loads after the first, by `result` (`loaded`, `failed`).
pub const TLS_RELOADS: &str = "confab_tls_reloads_total";

/// Counter: TLS handshakes that failed or timed out.
pub const TLS_HANDSHAKE_FAILURES: &str = "confab_tls_handshake_failures_total";

/// What a TLS listener needs: the acceptor and where its certificate comes from.
pub(super) struct Tls {
    acceptor: TlsAcceptor,
}

/// What keeps the served certificate current: a background task for the supervisor.
pub(super) enum Upkeep {
    /// Loading `--tls-cert` and `--tls-key` again (see [`Upkeep::run`]).
    Files(Arc<CertificateFiles>),
    /// Getting and renewing the certificate from the ACME authority.
    Acme(Box<Acme>),
}

/// The certificate and key files, and the pair last loaded from them.
#[derive(Debug)]
pub(super) struct CertificateFiles {
    cert: PathBuf,
    key: PathBuf,
    provider: Arc<CryptoProvider>,
    serving: RwLock<Arc<CertifiedKey>>,
    /// The files as they were when last loaded or tried, so that a pair that does
    /// not load is reported once, not at every check.
    seen: Mutex<Option<Stamp>>,
}

/// What tells that a file changed: its modification time and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    cert: (SystemTime, u64),
    key: (SystemTime, u64),
}

impl Tls {
    /// The TLS settings of `config` and what keeps their certificate current;
    /// `None` without `--tls-cert` or `--acme-domain`. The files' certificate is
    /// loaded here; ACME's comes later, from [`Upkeep::run`].
    pub fn from_config(
        config: &TlsConfig,
        data_dir: &Path,
    ) -> anyhow::Result<Option<(Self, Upkeep)>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let (resolver, upkeep): (Arc<dyn ResolvesServerCert>, _) = match (&config.cert, &config.key)
        {
            (Some(cert), Some(key)) => {
                let files = Arc::new(CertificateFiles::load(cert, key, Arc::clone(&provider))?);
                (Arc::clone(&files) as _, Upkeep::Files(files))
            }
            _ if config.acme() => {
                let acme = Acme::from_config(config, data_dir, Arc::clone(&provider))?;
                // The TLS-ALPN-01 challenge (RFC 8737) is a handshake with this protocol.
                alpn.push(ACME_TLS_ALPN_NAME.to_vec());
                (acme.resolver() as _, Upkeep::Acme(Box::new(acme)))
            }
            _ => return Ok(None),
        };
        let mut server = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .context("the TLS versions")?
            .with_no_client_auth()
            .with_cert_resolver(resolver);
        server.alpn_protocols = alpn;
        let acceptor = TlsAcceptor::from(Arc::new(server));
        Ok(Some((Self { acceptor }, upkeep)))
    }

    /// The TLS handshake on an accepted connection, within `timeout`; `None` (and
    /// the connection closed) when it fails.
    pub async fn handshake(
        &self,
        stream: AdmittedStream,
        timeout: Duration,
    ) -> Option<TlsStream<AdmittedStream>> {
        match tokio::time::timeout(timeout, self.acceptor.accept(stream)).await {
            // The handshake was the whole of an ACME TLS-ALPN-01 validation.
            Ok(Ok(stream)) if stream.get_ref().1.alpn_protocol() == Some(ACME_TLS_ALPN_NAME) => {
                tracing::debug!("answered an ACME TLS-ALPN-01 validation");
                None
            }
            Ok(Ok(stream)) => Some(stream),
            Ok(Err(error)) => {
                metrics::counter!(TLS_HANDSHAKE_FAILURES).increment(1);
                tracing::debug!(%error, "TLS handshake failed");
                None
            }
            Err(_) => {
                metrics::counter!(TLS_HANDSHAKE_FAILURES).increment(1);
                tracing::debug!("TLS handshake timed out");
                None
            }
        }
    }
}

impl Upkeep {
    /// The task's name for the supervisor.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Files(_) => "tls reload",
            Self::Acme(_) => "acme",
        }
    }

    /// The answers to ACME HTTP-01 validations: the key authorization of a
    /// challenge token, while that challenge is pending. `None` without ACME.
    pub fn http01(&self) -> Option<crate::http::Http01> {
        match self {
            Self::Files(_) => None,
            Self::Acme(acme) => {
                let resolver = acme.resolver();
                Some(Arc::new(move |token: &str| {
                    resolver.get_http_01_key_auth(token)
                }))
            }
        }
    }

    /// Runs until `shutdown`. Files: loads the certificate again on SIGHUP, and every
    /// `interval` if its files changed (never with a zero `interval`). ACME: see
    /// [`Acme::run`].
    pub async fn run(self, interval: Duration, shutdown: CancellationToken) {
        let files = match self {
            Self::Files(files) => files,
            Self::Acme(acme) => return acme.run(shutdown).await,
        };
        let mut hangups = hangups();
        let mut ticks = ticker(interval);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = hangup(hangups.as_mut()) => files.reload(true),
                () = tick(ticks.as_mut()) => files.reload(false),
            }
        }
    }
}

#[cfg(unix)]
type Hangups = tokio::signal::unix::Signal;
#[cfg(not(unix))]
type Hangups = std::convert::Infallible;

/// A listener for SIGHUP, if the platform has it and it can be had.
fn hangups() -> Option<Hangups> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::hangup())
            .inspect_err(|error| {
                tracing::error!(%error, "cannot listen for SIGHUP; the certificate is reloaded only when its files change");
            })
            .ok()
    }
    #[cfg(not(unix))]
    None
}

/// The next SIGHUP, or never without a listener for it.
async fn hangup(hangups: Option<&mut Hangups>) {
    #[cfg(unix)]
    if let Some(hangups) = hangups
        && hangups.recv().await.is_some()
    {
        return;
    }
    std::future::pending().await
}

fn ticker(interval: Duration) -> Option<tokio::time::Interval> {
    (!interval.is_zero()).then(|| {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks
    })
}

/// The next tick, or never without a ticker.
async fn tick(ticks: Option<&mut tokio::time::Interval>) {
    match ticks {
        Some(ticks) => {
            ticks.tick().await;
        }
        None => std::future::pending().await,
    }
}

impl CertificateFiles {
    /// Loads the pair of `cert` and `key` for the first time.
    fn load(cert: &Path, key: &Path, provider: Arc<CryptoProvider>) -> anyhow::Result<Self> {
        let stamp = Stamp::of(cert, key).ok();
        let first = load(cert, key, &provider)?;
        Ok(Self {
            cert: cert.to_owned(),
            key: key.to_owned(),
            provider,
            serving: RwLock::new(Arc::new(first)),
            seen: Mutex::new(stamp),
        })
    }

    /// Loads the pair again if the files changed since last seen, or in any case
    /// when `forced` (SIGHUP).
    fn reload(&self, forced: bool) {
        let stamp = Stamp::of(&self.cert, &self.key).ok();
        {
            let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            if !forced && *seen == stamp {
                return;
            }
            *seen = stamp;
        }
        match load(&self.cert, &self.key, &self.provider) {
            Ok(key) => {
                *self.serving.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(key);
                metrics::counter!(TLS_RELOADS, "result" => "loaded").increment(1);
                tracing::info!(cert = %self.cert.display(), "TLS certificate loaded");
            }
            Err(error) => {
                metrics::counter!(TLS_RELOADS, "result" => "failed").increment(1);
                tracing::error!(
                    error = format!("{error:#}"),
                    "cannot load the new TLS certificate; still serving the old one"
                );
            }
        }
    }
}

impl ResolvesServerCert for CertificateFiles {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self.serving.read().unwrap_or_else(PoisonError::into_inner),
        ))
    }
}

impl Stamp {
    fn of(cert: &Path, key: &Path) -> std::io::Result<Self> {
        let stamp = |path: &Path| {
            let metadata = std::fs::metadata(path)?;
            Ok::<_, std::io::Error>((metadata.modified()?, metadata.len()))
        };
        Ok(Self {
            cert: stamp(cert)?,
            key: stamp(key)?,
        })
    }
}

/// Reads the certificate chain and its key, and checks that they belong together.
fn load(cert: &Path, key: &Path, provider: &CryptoProvider) -> anyhow::Result<CertifiedKey> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .with_context(|| format!("cannot read the certificates in {}", cert.display()))?;
    if chain.is_empty() {
        bail!("{} holds no PEM certificate", cert.display());
    }
    let private = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("cannot read a private key in {}", key.display()))?;
    CertifiedKey::from_der(chain, private, provider).with_context(|| {
        format!(
            "{} and {} do not make a usable certificate and key",
            cert.display(),
            key.display()
        )
    })
}
