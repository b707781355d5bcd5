//! [`Acme`]: the certificate the TLS listener serves for `--acme-domain`, and the
//! task that gets and renews it.

use super::store::AcmeFiles;
use crate::config::{AcmeChallenge, TlsConfig};
use anyhow::{Context as _, bail};
use futures_util::StreamExt as _;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use rustls::{ClientConfig, RootCertStore};
use rustls_acme::{
    AcmeConfig, AcmeState, EventError, EventOk, ResolvesServerCertAcme, UseChallenge,
};
use std::path::Path;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Counter: finished ACME certificate orders, by `result` (`issued`, `failed`).
pub const ACME_ORDERS: &str = "confab_acme_orders_total";

/// The ACME state of one certificate: what it serves and what it does next.
pub struct Acme {
    state: AcmeState<std::io::Error>,
    domains: Vec<String>,
    directory: String,
}

impl Acme {
    /// The state for `config`'s domains, with the account and certificate kept under
    /// `data_dir`. Reads `--acme-ca-root`; does not reach the authority yet.
    pub fn from_config(
        config: &TlsConfig,
        data_dir: &Path,
        provider: Arc<CryptoProvider>,
    ) -> anyhow::Result<Self> {
        let files = AcmeFiles::new(data_dir);
        files
            .create_dir()
            .with_context(|| format!("cannot create {}", data_dir.join("acme").display()))?;
        let client = directory_client(config.acme_ca_root.as_deref(), provider)?;
        let challenge = match config.acme_challenge {
            AcmeChallenge::TlsAlpn01 => UseChallenge::TlsAlpn01,
            AcmeChallenge::Http01 => UseChallenge::Http01,
        };
        let contact = config
            .acme_email
            .iter()
            .map(|email| format!("mailto:{email}"));
        let directory = config.acme_directory.clone();
        let domains = config.acme_domains.clone();
        let stored = files.certificate(&domains, &directory).exists();
        let state = AcmeConfig::new_with_client_config(&domains, client)
            .directory(&directory)
            .contact(contact)
            .challenge_type(challenge)
            .cache(files)
            .state();
        if stored {
            tracing::info!(?domains, %directory, "ACME: serving the stored certificate");
        } else {
            tracing::info!(
                ?domains,
                %directory,
                "ACME: no certificate yet; ordering one. HTTPS handshakes fail until it is issued"
            );
        }
        Ok(Self {
            state,
            domains,
            directory,
        })
    }

    /// The certificate resolver: the certificate last issued, or the challenge's
    /// during a TLS-ALPN-01 validation.
    pub fn resolver(&self) -> Arc<ResolvesServerCertAcme> {
        self.state.resolver()
    }

    /// Loads the stored certificate, orders one when there is none or when it is due
    /// for renewal, and logs each step, until `shutdown`. A failed order is tried
    /// again after 1 s, then 2 s, 4 s and so on (at most about 18 hours).
    pub async fn run(mut self, shutdown: CancellationToken) {
        loop {
            let event = tokio::select! {
                () = shutdown.cancelled() => return,
                event = self.state.next() => event,
            };
            let Some(event) = event else {
                // The stream never ends; should it, the supervisor reports the task.
                tracing::error!("ACME: the certificate's upkeep ended");
                return;
            };
            self.report(event);
        }
    }

    fn report(&self, event: rustls_acme::Event<std::io::Error, std::io::Error>) {
        let (domains, directory) = (&self.domains, &self.directory);
        match event {
            Ok(EventOk::DeployedCachedCert) => {
                tracing::info!(?domains, "ACME: stored certificate loaded");
            }
            Ok(EventOk::DeployedNewCert) => {
                metrics::counter!(ACME_ORDERS, "result" => "issued").increment(1);
                tracing::info!(?domains, %directory, "ACME: certificate issued; serving it");
            }
            Ok(EventOk::CertCacheStore) => tracing::info!("ACME: certificate stored"),
            Ok(EventOk::AccountCacheStore) => tracing::info!("ACME: account key stored"),
            Err(EventError::Order(error)) => {
                metrics::counter!(ACME_ORDERS, "result" => "failed").increment(1);
                tracing::error!(
                    ?domains,
                    %directory,
                    error = %error,
                    "ACME: ordering a certificate failed; trying again later"
                );
            }
            Err(error) => {
                tracing::error!(%error, "ACME: a stored file or a new certificate is unusable");
            }
        }
    }
}

/// The TLS client settings for the ACME directory: the public roots, and `extra`.
fn directory_client(
    extra: Option<&Path>,
    provider: Arc<CryptoProvider>,
) -> anyhow::Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(extra) = extra {
        let certificates = CertificateDer::pem_file_iter(extra)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .with_context(|| format!("cannot read the certificates in {}", extra.display()))?;
        let (added, _) = roots.add_parsable_certificates(certificates);
        if added == 0 {
            bail!("{} holds no usable PEM certificate", extra.display());
        }
    }
    let client = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("the TLS versions of the ACME client")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(client))
}
