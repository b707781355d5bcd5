//! Nodes as separate hosts: each [`Host`] is a Linux network namespace of its own,
//! linked to the test process's namespace by a veth pair, whose link a test cuts
//! ([`Hosts::cut`]) and restores ([`Hosts::restore`]) to partition a node from
//! everything at once: the database, NATS and its own clients.
//!
//! Host *K* has the subnet `10.77.K.0/24`: the namespace's end of the link
//! (`eth0` inside it) is `10.77.K.2`, where the node listens, and this namespace's
//! end is `10.77.K.1`, where relays ([`crate::relay`]) lead to the services on
//! loopback that the namespace could not reach otherwise: PostgreSQL (of
//! `CONFAB_TEST_POSTGRES_URL`) always, and the ones the test names (its NATS server).
//! A host has no route beyond its link, so nothing it sends can leave the machine.
//!
//! Test processes run in parallel and namespaces are machine-wide, so subnet *K* is
//! claimed with a lock file (`/run/confab-testkit-hosts/K.lock`, released when the
//! process ends, however it ends) and its namespace and link are named after it
//! (`confab-test-K`). Whatever a killed test process left under that name is removed
//! by the next process to claim *K*, and a subnet that something else uses is
//! skipped. Dropping [`Hosts`] (after a panic too) removes the namespaces, links and
//! routes. Making them needs root (`CAP_NET_ADMIN`) and iproute2's `ip`; without
//! them [`Hosts::try_start`] fails, it never skips.

use crate::Error;
use crate::relay::Relay;
use std::fs::{File, TryLockError};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};

/// Where the lock files that claim subnets live.
const LOCK_DIR: &str = "/run/confab-testkit-hosts";
/// The first two octets of every link's subnet.
const NET: [u8; 2] = [10, 77];
/// The metric of the blackhole route under each link's own route; see [`Link::claim`].
const BLACKHOLE_METRIC: &str = "4000";

/// Hosts made for one test; dropping them removes them. See the module documentation.
pub struct Hosts {
    // Fields drop in order: the relays' connections close before the links go.
    relay: Relay,
    hosts: Vec<Host>,
    links: Vec<Link>,
}

/// What a node needs to run on one host; cloned into the nodes a
/// [`ServerBuilder`](crate::ServerBuilder) starts there.
#[derive(Clone, Debug)]
pub struct Host {
    namespace: String,
    addr: Ipv4Addr,
    /// Each relayed service of this namespace, and the address that reaches it from
    /// the host.
    routes: Vec<(SocketAddr, SocketAddr)>,
}

impl Hosts {
    /// Makes `count` hosts that reach PostgreSQL and each of `services` (addresses in
    /// this namespace, such as [`TestNats::addr`](crate::TestNats::addr)); panics if
    /// it cannot.
    pub fn start(count: usize, services: &[SocketAddr]) -> Self {
        Self::try_start(count, services).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Makes `count` hosts that reach PostgreSQL and each of `services`.
    pub fn try_start(count: usize, services: &[SocketAddr]) -> Result<Self, Error> {
        let mut relayed = vec![postgres_addr()?];
        relayed.extend_from_slice(services);
        let relay = Relay::new().map_err(|e| Error::Hosts(format!("no relay runtime: {e}")))?;
        std::fs::create_dir_all(LOCK_DIR)
            .map_err(|e| Error::Hosts(format!("cannot create {LOCK_DIR}: {e}")))?;
        let mut hosts = Self {
            relay,
            hosts: Vec::with_capacity(count),
            links: Vec::with_capacity(count),
        };
        let mut candidates = 1..=254u8;
        while hosts.links.len() < count {
            let subnet = candidates.next().ok_or_else(|| {
                Error::Hosts("every subnet from 10.77.1.0/24 to 10.77.254.0/24 is in use".into())
            })?;
            let Some(link) = Link::claim(subnet)? else {
                continue;
            };
            let mut routes = Vec::with_capacity(relayed.len());
            for &service in &relayed {
                let listen = SocketAddr::new(link.gateway().into(), 0);
                let relay = hosts.relay.forward(listen, service).map_err(|e| {
                    Error::Hosts(format!("cannot relay {listen} to {service}: {e}"))
                })?;
                routes.push((service, relay));
            }
            hosts.hosts.push(Host {
                namespace: link.name.clone(),
                addr: link.addr(),
                routes,
            });
            hosts.links.push(link);
        }
        Ok(hosts)
    }

    /// The hosts, in the order [`ServerBuilder::on_hosts`](crate::ServerBuilder::on_hosts)
    /// places nodes on them.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// Cuts host `index`'s link: from then on nothing crosses it, either way, and no
    /// connection is told (no reset, no close), as when a cable is pulled. Panics if
    /// it cannot.
    pub fn cut(&self, index: usize) {
        let link = &self.links[index];
        ip(&["link", "set", &link.name, "down"]).unwrap_or_else(|e| panic!("{e}"));
    }

    /// Restores host `index`'s link after [`cut`](Self::cut). Panics if it cannot.
    pub fn restore(&self, index: usize) {
        let link = &self.links[index];
        ip(&["link", "set", &link.name, "up"]).unwrap_or_else(|e| panic!("{e}"));
    }
}

impl Host {
    /// The network namespace's name, for `ip netns exec`.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The host's address (`10.77.K.2`), where its node listens.
    pub fn addr(&self) -> Ipv4Addr {
        self.addr
    }

    /// Where this host reaches `service`, if it is relayed.
    pub fn reach(&self, service: SocketAddr) -> Option<SocketAddr> {
        self.routes
            .iter()
            .find(|(relayed, _)| *relayed == service)
            .map(|&(_, relay)| relay)
    }

    /// `url` as this host must use it: a URL of a relayed service (such as the
    /// database URL or `--nats-url`) points at its relay; anything else is returned
    /// as it is.
    pub fn reach_url(&self, url: &str) -> String {
        let Ok(mut parsed) = url::Url::parse(url) else {
            return url.to_owned();
        };
        let Some(relay) = url_addr(&parsed).and_then(|addr| self.reach(addr)) else {
            return url.to_owned();
        };
        match (
            parsed.set_host(Some(&relay.ip().to_string())),
            parsed.set_port(Some(relay.port())),
        ) {
            (Ok(()), Ok(())) => parsed.to_string(),
            _ => url.to_owned(),
        }
    }
}

/// One claimed subnet: its lock, and the namespace, link and route made for it, which
/// dropping removes.
struct Link {
    subnet: u8,
    /// The namespace's name, and the name of the link's end in this namespace (they
    /// are different kinds of thing, so one name serves both).
    name: String,
    _lock: File,
}

impl Link {
    /// Claims subnet `subnet` and makes its host; `None` if another test process holds
    /// it or something else uses it.
    fn claim(subnet: u8) -> Result<Option<Self>, Error> {
        let path = format!("{LOCK_DIR}/{subnet}.lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::Hosts(format!("cannot open {path}: {e}")))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => {
                return Err(Error::Hosts(format!("cannot lock {path}: {e}")));
            }
        }
        let link = Self {
            subnet,
            name: format!("confab-test-{subnet}"),
            _lock: lock,
        };
        // Left by a test process that was killed while it held the subnet.
        link.remove();
        let net = link.net();
        let foreign = [
            output(&["-o", "addr", "show", "to", &net])?,
            output(&["route", "show", "exact", &net])?,
        ];
        if foreign.iter().any(|found| !found.trim().is_empty()) {
            return Ok(None);
        }
        // From here on, a failure drops `link`, which removes what was made.
        let name = link.name.as_str();
        let (gateway, addr) = (
            format!("{}/24", link.gateway()),
            format!("{}/24", link.addr()),
        );
        ip(&["netns", "add", name])?;
        ip(&[
            "link", "add", name, "type", "veth", "peer", "name", "eth0", "netns", name,
        ])?;
        ip(&["addr", "add", &gateway, "dev", name])?;
        ip(&["link", "set", name, "up"])?;
        // While the link is cut its route is gone; without this one, packets for the
        // host would follow the default route off the machine.
        ip(&[
            "route",
            "add",
            "blackhole",
            &net,
            "metric",
            BLACKHOLE_METRIC,
        ])?;
        ip(&["-n", name, "addr", "add", &addr, "dev", "eth0"])?;
        ip(&["-n", name, "link", "set", "eth0", "up"])?;
        ip(&["-n", name, "link", "set", "lo", "up"])?;
        Ok(Some(link))
    }

    /// `10.77.K.0/24`.
    fn net(&self) -> String {
        format!("{}.{}.{}.0/24", NET[0], NET[1], self.subnet)
    }

    /// This namespace's end of the link, `10.77.K.1`.
    fn gateway(&self) -> Ipv4Addr {
        Ipv4Addr::new(NET[0], NET[1], self.subnet, 1)
    }

    /// The host's end of the link, `10.77.K.2`.
    fn addr(&self) -> Ipv4Addr {
        Ipv4Addr::new(NET[0], NET[1], self.subnet, 2)
    }

    /// Removes the link (both ends), its blackhole route and the namespace, whichever
    /// exist.
    fn remove(&self) {
        let net = self.net();
        let _ = ip(&["link", "del", &self.name]);
        let _ = ip(&[
            "route",
            "del",
            "blackhole",
            &net,
            "metric",
            BLACKHOLE_METRIC,
        ]);
        let _ = ip(&["netns", "del", &self.name]);
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Runs `ip ARGS`; an error says what failed and why.
fn ip(args: &[&str]) -> Result<(), Error> {
    output(args).map(drop)
}

/// Runs `ip ARGS` and answers what it printed.
fn output(args: &[&str]) -> Result<String, Error> {
    let output = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Hosts(format!("cannot run `ip` (iproute2): {e}")))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(Error::Hosts(format!(
            "`ip {}` failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

/// PostgreSQL's address, from `CONFAB_TEST_POSTGRES_URL`.
fn postgres_addr() -> Result<SocketAddr, Error> {
    let admin = crate::db::postgres_admin_url();
    url::Url::parse(&admin)
        .ok()
        .as_ref()
        .and_then(url_addr)
        .ok_or_else(|| {
            Error::Hosts(format!(
                "CONFAB_TEST_POSTGRES_URL ({}) must name its server by IP address or \
                 localhost, for the relay to reach it",
                admin.split('@').next_back().unwrap_or_default()
            ))
        })
}

/// The address a `postgres://`, `nats://` (or other) URL names, when its host is an
/// IP address or `localhost` (no name is looked up).
fn url_addr(url: &url::Url) -> Option<SocketAddr> {
    let port = url.port().or(match url.scheme() {
        "postgres" | "postgresql" => Some(5432),
        "nats" => Some(4222),
        _ => None,
    })?;
    let ip = match url.host()? {
        url::Host::Ipv4(ip) => IpAddr::V4(ip),
        url::Host::Ipv6(ip) => IpAddr::V6(ip),
        url::Host::Domain("localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
        // Hosts of URLs that are not http(s) are opaque: an address is a "domain".
        url::Host::Domain(other) => other.parse().ok()?,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> Host {
        Host {
            namespace: "confab-test-9".into(),
            addr: Ipv4Addr::new(10, 77, 9, 2),
            routes: vec![
                (
                    "127.0.0.1:5432".parse().unwrap(),
                    "10.77.9.1:40001".parse().unwrap(),
                ),
                (
                    "127.0.0.1:4333".parse().unwrap(),
                    "10.77.9.1:40002".parse().unwrap(),
                ),
            ],
        }
    }

    #[test]
    fn urls_of_relayed_services_lead_to_their_relays() {
        let host = host();
        assert_eq!(
            host.reach_url("postgres://postgres@127.0.0.1:5432/confab_test_1"),
            "postgres://postgres@10.77.9.1:40001/confab_test_1"
        );
        assert_eq!(
            host.reach_url("postgres://postgres@localhost/db"),
            "postgres://postgres@10.77.9.1:40001/db"
        );
        assert_eq!(
            host.reach_url("nats://127.0.0.1:4333"),
            "nats://10.77.9.1:40002"
        );
    }

    #[test]
    fn everything_else_is_left_alone() {
        let host = host();
        for arg in [
            "nats://127.0.0.1:4222",
            "--nats-url",
            "2s",
            "postgres://db.example.org/x",
        ] {
            assert_eq!(host.reach_url(arg), arg);
        }
    }
}
