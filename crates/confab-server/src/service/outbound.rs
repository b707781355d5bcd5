//! Requests the server makes to addresses its users choose (push endpoints, links
//! to preview) must not reach the server's own network: a user could otherwise have
//! the server read its cloud metadata service, an admin page on localhost, or
//! anything else behind the firewall (server-side request forgery).
//!
//! [`AddressPolicy`] says which addresses such a request may go to: public ones,
//! plus the networks the operator allows (or every address, for tests).
//! [`PolicyResolver`] applies it to every DNS answer, so a host name that resolves
//! to a private address is refused too, whatever it resolved to a moment before;
//! callers check literal IP addresses in URLs themselves with
//! [`AddressPolicy::allows_host`], since those are never resolved.

use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// Which addresses outbound requests to user-chosen URLs may reach.
#[derive(Clone, Debug, Default)]
pub struct AddressPolicy {
    /// Every address (tests only).
    pub allow_all: bool,
    /// Networks allowed besides the public internet.
    pub allowed_networks: Vec<IpNet>,
}

impl AddressPolicy {
    /// Public addresses only.
    pub fn public_only() -> Self {
        Self::default()
    }

    /// Whether a request may go to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.allow_all || is_public(ip) || self.allowed_networks.iter().any(|net| net.contains(&ip))
    }

    /// Whether a URL's host may be asked: a literal address the policy allows, or a
    /// name that is not obviously local (its answers are checked by
    /// [`PolicyResolver`]).
    pub fn allows_host(&self, host: &url::Host<&str>) -> bool {
        match host {
            url::Host::Ipv4(ip) => self.allows(IpAddr::V4(*ip)),
            url::Host::Ipv6(ip) => self.allows(IpAddr::V6(*ip)),
            url::Host::Domain(name) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                let local =
                    name == "localhost" || name.ends_with(".localhost") || !name.contains('.');
                self.allow_all || !local || !self.allowed_networks.is_empty()
            }
        }
    }

    /// A DNS resolver for `reqwest` that drops the answers this policy refuses.
    pub fn resolver(&self) -> Arc<PolicyResolver> {
        Arc::new(PolicyResolver(self.clone()))
    }
}

/// Resolves host names with the system resolver and keeps only the addresses the
/// policy allows; a name with none left fails to resolve.
#[derive(Debug)]
pub struct PolicyResolver(AddressPolicy);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let policy = self.0.clone();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|address| policy.allows(address.ip()))
                .collect();
            if addresses.is_empty() {
                return Err(Box::new(Unreachable(host)) as _);
            }
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The error of a name that resolved only to addresses the policy refuses.
#[derive(Debug, thiserror::Error)]
#[error("{0} has no address the server may reach")]
pub struct Unreachable(pub String);

/// True for addresses on the public internet: not loopback, private, link-local,
/// shared (carrier-grade NAT), documentation, multicast, broadcast or unspecified.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(ip),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (18..20).contains(&b)))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || ip.to_ipv4().is_some_and(|v4| !is_public_v4(v4)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::dns::Resolve as _;

    #[test]
    fn public_addresses() {
        assert!(is_public("8.8.8.8".parse().unwrap()));
        assert!(is_public("2a00:1450:4001::200e".parse().unwrap()));
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.1.2.3",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:192.168.1.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
    }

    #[test]
    fn allowed_networks_open_only_themselves() {
        let policy = AddressPolicy {
            allow_all: false,
            allowed_networks: vec!["127.0.0.2/32".parse().unwrap()],
        };
        assert!(policy.allows("127.0.0.2".parse().unwrap()));
        assert!(!policy.allows("127.0.0.1".parse().unwrap()));
        assert!(policy.allows("8.8.8.8".parse().unwrap()));
        let host = |text: &'static str| url::Url::parse(text).unwrap();
        assert!(policy.allows_host(&host("http://127.0.0.2:9/").host().unwrap()));
        assert!(!policy.allows_host(&host("http://127.0.0.1:9/").host().unwrap()));
        assert!(!policy.allows_host(&host("http://[::1]:9/").host().unwrap()));
        let public = AddressPolicy::public_only();
        assert!(!public.allows_host(&host("http://localhost/").host().unwrap()));
        assert!(!public.allows_host(&host("http://intranet/").host().unwrap()));
        assert!(public.allows_host(&host("https://example.com/").host().unwrap()));
    }

    /// A name that resolves only to refused addresses does not resolve at all.
    #[tokio::test]
    async fn the_resolver_drops_refused_answers() {
        let resolver = AddressPolicy::public_only().resolver();
        let name = "localhost".parse().unwrap();
        assert!(resolver.resolve(name).await.is_err());
        let allowing = AddressPolicy {
            allow_all: false,
            allowed_networks: vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
        }
        .resolver();
        let addresses: Vec<_> = allowing
            .resolve("localhost".parse().unwrap())
            .await
            .expect("localhost is allowed")
            .collect();
        assert!(
            addresses.iter().all(|a| a.ip().is_loopback()),
            "{addresses:?}"
        );
    }
}
