//! Where the load goes and where it comes from: the server URL, which must be on
//! loopback, and the 127.0.0.x source addresses that connections are spread over.
//!
//! The benchmark is a local tool. Refusing every non-loopback target means a typo in
//! `--url` can never turn it into a load generator against someone else's machine.

use anyhow::{Context as _, bail};
use std::net::{IpAddr, Ipv4Addr};
use url::{Host, Url};

/// Connections one source address gets before the next one is used. Linux's default
/// ephemeral range (32768-60999) has about 28,000 ports; this leaves room for the
/// REST calls and for sockets still in TIME_WAIT from an earlier run.
pub const CONNECTIONS_PER_SOURCE: usize = 20_000;

/// A checked benchmark target: an `http://` URL whose host is an IPv4 loopback
/// address (`localhost` is taken as `127.0.0.1`).
#[derive(Clone, Debug)]
pub struct Target {
    /// The base URL handed to the client, with `localhost` replaced by `127.0.0.1`.
    pub url: String,
    /// The server's port.
    pub port: u16,
}

impl Target {
    /// Parses `--url` and refuses anything that is not plain HTTP on 127.0.0.0/8.
    pub fn parse(input: &str) -> anyhow::Result<Self> {
        let mut url = Url::parse(input).with_context(|| format!("--url {input:?} is not a URL"))?;
        if url.scheme() != "http" {
            bail!("--url must be http:// on a loopback address (got {input})");
        }
        let ip = match url.host() {
            Some(Host::Ipv4(ip)) => ip,
            Some(Host::Domain(name)) if name.eq_ignore_ascii_case("localhost") => {
                Ipv4Addr::LOCALHOST
            }
            _ => bail!(
                "refusing to send load to {input}: confab-bench only targets IPv4 loopback \
                 addresses (127.0.0.0/8), so it can never load a machine other than this one"
            ),
        };
        if !ip.is_loopback() {
            bail!(
                "refusing to send load to {ip}: confab-bench only targets IPv4 loopback \
                 addresses (127.0.0.0/8), so it can never load a machine other than this one"
            );
        }
        url.set_host(Some(&ip.to_string()))
            .context("cannot rewrite the target host")?;
        let port = url.port_or_known_default().unwrap_or(80);
        Ok(Self {
            url: url.as_str().trim_end_matches('/').to_owned(),
            port,
        })
    }
}

/// The source address of the `index`-th connection: 127.0.0.1 for the first
/// [`CONNECTIONS_PER_SOURCE`], then 127.0.0.2, and so on (up to 127.0.0.254).
pub fn source_for(index: usize) -> IpAddr {
    let n = (index / CONNECTIONS_PER_SOURCE).min(253) as u8;
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + n))
}

/// How many source addresses `connections` connections use.
pub fn sources_needed(connections: usize) -> usize {
    connections.div_ceil(CONNECTIONS_PER_SOURCE).clamp(1, 254)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_targets_are_accepted() {
        let t = Target::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(t.url, "http://127.0.0.1:8080");
        assert_eq!(t.port, 8080);
        let t = Target::parse("http://localhost:9000/").unwrap();
        assert_eq!(t.url, "http://127.0.0.1:9000");
        assert!(Target::parse("http://127.0.0.5").is_ok());
    }

    #[test]
    fn other_targets_are_refused() {
        for url in [
            "http://10.0.0.1:8080",
            "http://example.com",
            "http://[::1]:8080",
            "https://127.0.0.1",
            "http://0.0.0.0:8080",
            "not a url",
        ] {
            assert!(Target::parse(url).is_err(), "{url} should be refused");
        }
    }

    #[test]
    fn sources_spread_connections() {
        assert_eq!(source_for(0), IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(
            source_for(CONNECTIONS_PER_SOURCE),
            IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))
        );
        assert_eq!(sources_needed(1), 1);
        assert_eq!(sources_needed(50_000), 3);
    }
}
