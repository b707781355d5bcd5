//! Settings of HTTPS served by Confab itself. Declared like the rest (see
//! `options.rs`) and flattened into [`Config`](super::Config).

use super::parsers::duration;
use clap::{Args, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// HTTPS.
#[derive(Clone, Debug, Args)]
pub struct TlsConfig {
    /// Serve HTTPS (and WSS) on `--listen` with this certificate chain (PEM)
    ///
    /// The server's certificate first, then the intermediates. Needs `--tls-key`.
    /// Instead of `--acme-domain`.
    /// Both files are read again on SIGHUP and when they change (see
    /// `--tls-watch-interval`); connections that are open keep going. Without it,
    /// Confab serves plain HTTP, for a reverse proxy in front of it.
    #[arg(long = "tls-cert", env = "CONFAB_TLS_CERT", value_name = "FILE")]
    pub cert: Option<PathBuf>,

    /// The private key of `--tls-cert` (PEM: PKCS#8, PKCS#1 or SEC1)
    #[arg(long = "tls-key", env = "CONFAB_TLS_KEY", value_name = "FILE")]
    pub key: Option<PathBuf>,

    /// How often `--tls-cert` and `--tls-key` are checked for changes
    ///
    /// A change (a new modification time or size) loads the pair again, as SIGHUP
    /// does; a pair that does not load is logged and the old certificate kept. `0s`
    /// checks only on SIGHUP.
    #[arg(
        long = "tls-watch-interval",
        env = "CONFAB_TLS_WATCH_INTERVAL",
        value_name = "DURATION",
        default_value = "10s",
        value_parser = duration
    )]
    pub watch_interval: Duration,

    /// Get the HTTPS certificate from an ACME certificate authority for this domain
    ///
    /// Repeat it or separate domains with commas: one certificate names them all.
    /// Instead of `--tls-cert` and `--tls-key`. Confab proves to the authority (Let's
    /// Encrypt unless `--acme-directory` says otherwise) that it answers for each
    /// domain (see `--acme-challenge`), keeps the account key and the certificate in
    /// `acme/` under `--data-dir`, readable by its user only, and orders a new
    /// certificate when two thirds of the current one's lifetime have passed. Until
    /// the first certificate is issued, HTTPS handshakes fail; the server starts all
    /// the same.
    #[arg(
        long = "acme-domain",
        env = "CONFAB_ACME_DOMAIN",
        value_name = "DOMAIN",
        value_delimiter = ','
    )]
    pub acme_domains: Vec<String>,

    /// Contact address given to the ACME authority for the account
    ///
    /// Optional, but the authority uses it to warn of certificates about to expire or
    /// of problems with the account.
    #[arg(long = "acme-email", env = "CONFAB_ACME_EMAIL", value_name = "EMAIL")]
    pub acme_email: Option<String>,

    /// The ACME directory of the certificate authority
    ///
    /// Let's Encrypt's production directory by default. While trying a setup out,
    /// use its staging directory,
    /// `https://acme-staging-v02.api.letsencrypt.org/directory`, whose limits are
    /// far higher (its certificates are not trusted by browsers). Accounts and
    /// certificates are kept per directory.
    #[arg(
        long = "acme-directory",
        env = "CONFAB_ACME_DIRECTORY",
        value_name = "URL",
        default_value = "https://acme-v02.api.letsencrypt.org/directory"
    )]
    pub acme_directory: String,

    /// Also trust this root certificate (PEM) for the ACME directory's HTTPS
    ///
    /// The directory is trusted through the usual public roots; a test authority
    /// such as pebble serves its directory with a certificate of its own root,
    /// which this adds. Not needed for Let's Encrypt.
    #[arg(
        long = "acme-ca-root",
        env = "CONFAB_ACME_CA_ROOT",
        value_name = "FILE"
    )]
    pub acme_ca_root: Option<PathBuf>,

    /// How Confab proves to the ACME authority that it answers for a domain
    ///
    /// `tls-alpn-01` answers on `--listen`, which the authority reaches on port 443
    /// of each domain. `http-01` answers on `--http-redirect-listen`, which it
    /// reaches on port 80, and so needs it.
    #[arg(
        long = "acme-challenge",
        env = "CONFAB_ACME_CHALLENGE",
        value_name = "TYPE",
        default_value = "tls-alpn-01"
    )]
    pub acme_challenge: AcmeChallenge,

    /// Also listen for plain HTTP here, only to redirect to HTTPS
    ///
    /// Every request gets `308 Permanent Redirect` to the same host and path over
    /// HTTPS (on `--listen`'s port, left out when it is 443). For example
    /// `0.0.0.0:80` next to `--listen 0.0.0.0:443`. Needs TLS. With `--acme-challenge http-01` it also
    /// answers the ACME authority's requests under `/.well-known/acme-challenge/`.
    #[arg(
        long = "http-redirect-listen",
        env = "CONFAB_HTTP_REDIRECT_LISTEN",
        value_name = "ADDR"
    )]
    pub redirect_listen: Option<SocketAddr>,

    /// `max-age` of the `Strict-Transport-Security` header sent with TLS on
    ///
    /// Browsers that saw it use only HTTPS for this host for that long. `0s` sends no
    /// header. Not sent without TLS: behind a reverse proxy, the proxy sends it.
    #[arg(
        long = "hsts-max-age",
        env = "CONFAB_HSTS_MAX_AGE",
        value_name = "DURATION",
        default_value = "365days",
        value_parser = duration
    )]
    pub hsts_max_age: Duration,
}

/// The ACME challenge types (RFC 8555 section 8, RFC 8737).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AcmeChallenge {
    /// A TLS handshake with the ALPN protocol `acme-tls/1` on `--listen` (RFC 8737).
    #[value(name = "tls-alpn-01")]
    TlsAlpn01,
    /// A plain HTTP request for `/.well-known/acme-challenge/TOKEN` on
    /// `--http-redirect-listen`.
    #[value(name = "http-01")]
    Http01,
}

impl TlsConfig {
    /// HTTPS is on: with a certificate from files or from ACME.
    pub fn enabled(&self) -> bool {
        self.cert.is_some() || self.acme()
    }

    /// The certificate comes from an ACME authority.
    pub fn acme(&self) -> bool {
        !self.acme_domains.is_empty()
    }

    /// The rules between these settings, as `(holds, message)`.
    pub(super) fn rules(&self, listen: SocketAddr) -> [(bool, &'static str); 9] {
        let acme = self.acme();
        [
            (
                !(acme && (self.cert.is_some() || self.key.is_some())),
                "--acme-domain and --tls-cert/--tls-key exclude each other: get the certificate from ACME or from files",
            ),
            (
                acme || (self.acme_email.is_none() && self.acme_ca_root.is_none()),
                "--acme-email and --acme-ca-root need --acme-domain",
            ),
            (
                // A wildcard needs the DNS-01 challenge, which Confab cannot answer.
                self.acme_domains
                    .iter()
                    .all(|domain| !domain.is_empty() && !domain.contains(['*', '/', ':', ' '])),
                "--acme-domain takes DNS names such as chat.example.org (no wildcards, ports or URLs)",
            ),
            (
                self.acme_email
                    .as_ref()
                    .is_none_or(|email| email.contains('@') && !email.contains([',', ' '])),
                "--acme-email must be one email address",
            ),
            (
                !acme || self.acme_directory.starts_with("https://"),
                "--acme-directory must be an https:// URL",
            ),
            (
                !acme
                    || self.acme_challenge != AcmeChallenge::Http01
                    || self.redirect_listen.is_some(),
                "--acme-challenge http-01 needs --http-redirect-listen (the authority asks on port 80)",
            ),
            (
                self.cert.is_some() == self.key.is_some(),
                "--tls-cert and --tls-key go together",
            ),
            (
                self.redirect_listen.is_none() || self.enabled(),
                "--http-redirect-listen needs TLS (--tls-cert and --tls-key, or --acme-domain)",
            ),
            (
                // Port 0 lets the system choose a free port for each.
                self.redirect_listen
                    .is_none_or(|redirect| redirect != listen || redirect.port() == 0),
                "--http-redirect-listen must differ from --listen",
            ),
        ]
    }
}
