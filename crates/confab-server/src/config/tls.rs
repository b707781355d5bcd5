//! Settings of HTTPS served by Confab itself. Declared like the rest (see
//! `options.rs`) and flattened into [`Config`](super::Config).

use super::parsers::duration;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// HTTPS.
#[derive(Clone, Debug, Args)]
pub struct TlsConfig {
    /// Serve HTTPS (and WSS) on `--listen` with this certificate chain (PEM)
    ///
    /// The server's certificate first, then the intermediates. Needs `--tls-key`.
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

    /// Also listen for plain HTTP here, only to redirect to HTTPS
    ///
    /// Every request gets `308 Permanent Redirect` to the same host and path over
    /// HTTPS (on `--listen`'s port, left out when it is 443). For example
    /// `0.0.0.0:80` next to `--listen 0.0.0.0:443`. Needs TLS.
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

impl TlsConfig {
    /// HTTPS is on.
    pub fn enabled(&self) -> bool {
        self.cert.is_some()
    }

    /// The rules between these settings, as `(holds, message)`.
    pub(super) fn rules(&self, listen: SocketAddr) -> [(bool, &'static str); 3] {
        [
            (
                self.cert.is_some() == self.key.is_some(),
                "--tls-cert and --tls-key go together",
            ),
            (
                self.redirect_listen.is_none() || self.enabled(),
                "--http-redirect-listen needs TLS (--tls-cert and --tls-key)",
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
