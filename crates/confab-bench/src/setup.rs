//! Creating what a scenario needs on the server: users with a unique name prefix per
//! run, groups, and authenticated WebSocket connections spread over source addresses.
//!
//! Setup work runs with bounded concurrency so it neither floods the server's
//! password hashing queue nor opens more sockets at once than the accept backlog
//! takes.

use crate::target::{Target, source_for};
use anyhow::{Context as _, bail};
use confab_client::proto::UserId;
use confab_client::proto::rooms::{CreateGroupRequest, Room};
use confab_client::proto::ws::ServerFrame;
use confab_client::{Client, Live};
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::task::JoinSet;

/// The password of every benchmark user: long enough for any password policy.
pub const PASSWORD: &str = "quiet harbor lantern mosaic 42";

/// Longest wait for one setup call (sign-up, room creation, WebSocket handshake).
const SETUP_CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// The run's view of the server: its addresses (one per node) and the prefix of
/// everything it creates.
#[derive(Clone, Debug)]
pub struct Bench {
    /// The checked server addresses, at least one: user `i` talks to node `i % n`.
    pub targets: Vec<Target>,
    /// Unique per run; starts every username and room name this run creates.
    pub prefix: String,
    /// How many setup calls run at once.
    pub concurrency: usize,
}

/// A signed-up user and its signed-in client.
#[derive(Clone)]
pub struct BenchUser {
    /// The client, holding the user's device session.
    pub client: Client,
    /// The user's id.
    pub id: UserId,
    /// The user's name.
    pub username: String,
}

impl Bench {
    /// A run against `targets` (not empty) with a fresh prefix (or `prefix`, when given).
    pub fn new(targets: Vec<Target>, prefix: Option<String>, concurrency: usize) -> Self {
        assert!(!targets.is_empty(), "at least one server");
        let prefix = prefix.unwrap_or_else(fresh_prefix);
        Self {
            targets,
            prefix,
            concurrency: concurrency.max(1),
        }
    }

    /// The base URL user `index` talks to: the nodes in turn.
    pub fn url_for(&self, index: usize) -> &str {
        &self.targets[index % self.targets.len()].url
    }

    /// The name of the `index`-th user of this run (`<prefix>-<role>-<index>`).
    pub fn username(&self, role: &str, index: usize) -> String {
        format!("{}-{role}-{index}", self.prefix)
    }

    /// Signs up `count` users named `<prefix>-<role>-<i>`, in order.
    pub async fn sign_up(&self, role: &str, count: usize) -> anyhow::Result<Vec<BenchUser>> {
        let bench = self.clone();
        let role = role.to_owned();
        bounded(count, self.concurrency, move |i| {
            let bench = bench.clone();
            let username = bench.username(&role, i);
            async move {
                let client = Client::new(bench.url_for(i))?;
                let response = limit(client.sign_up(&username, PASSWORD, Some("bench")))
                    .await
                    .with_context(|| format!("signing up {username}"))?;
                Ok(BenchUser {
                    client,
                    id: response.user.id,
                    username,
                })
            }
        })
        .await
    }

    /// Creates one group per member list (end-to-end encrypted ones if `encrypted`);
    /// the first member of each list owns it and invites the others, who accept.
    pub async fn create_groups(
        &self,
        member_lists: Vec<Vec<BenchUser>>,
        encrypted: bool,
    ) -> anyhow::Result<Vec<Room>> {
        let prefix = self.prefix.clone();
        let lists = std::sync::Arc::new(member_lists);
        let count = lists.len();
        bounded(count, self.concurrency, move |i| {
            let lists = std::sync::Arc::clone(&lists);
            let name = format!("{prefix} room {i}");
            async move {
                let Some((owner, others)) = lists[i].split_first() else {
                    bail!("room {i} has no members");
                };
                let request = CreateGroupRequest {
                    name,
                    topic: String::new(),
                    members: others.iter().map(|u| u.id).collect(),
                    encrypted,
                    ..Default::default()
                };
                let room = limit(owner.client.create_group(&request))
                    .await
                    .with_context(|| format!("creating room {i}"))?;
                // Everyone else joins by accepting the invitation.
                for member in others {
                    limit(member.client.accept_invitation(room.id))
                        .await
                        .with_context(|| format!("{} joining room {i}", member.username))?;
                }
                Ok(room)
            }
        })
        .await
    }

    /// Opens `count` authenticated connections: the `i`-th for `users[i % len]`, from
    /// source address [`source_for`]`(i)`. Fails on the first connection that fails.
    pub async fn connect(&self, users: &[BenchUser], count: usize) -> anyhow::Result<Vec<Live>> {
        if users.is_empty() {
            bail!("no users to connect");
        }
        let clients: std::sync::Arc<Vec<Client>> =
            std::sync::Arc::new(users.iter().map(|u| u.client.clone()).collect());
        bounded(count, self.concurrency, move |i| {
            let clients = std::sync::Arc::clone(&clients);
            async move { connect_one(&clients[i % clients.len()], i).await }
        })
        .await
    }
}

/// Opens connection number `index` for `client` and waits for `ready`.
pub async fn connect_one(client: &Client, index: usize) -> anyhow::Result<Live> {
    let source = source_for(index);
    let (live, first) = limit(client.connect_live_from(source, None))
        .await
        .with_context(|| format!("opening connection {index} from {source}"))?;
    match first {
        ServerFrame::Ready { .. } => Ok(live),
        other => bail!("connection {index}: expected ready, got {other:?}"),
    }
}

/// Runs `make(i)` for every `i` in `0..count`, at most `concurrency` at once, and
/// returns the outputs in index order. Stops at the first error.
pub async fn bounded<T, F, Fut>(count: usize, concurrency: usize, make: F) -> anyhow::Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<T>> + Send + 'static,
{
    let mut results: Vec<Option<T>> = std::iter::repeat_with(|| None).take(count).collect();
    let mut tasks = JoinSet::new();
    let mut next = 0;
    while next < count || !tasks.is_empty() {
        while next < count && tasks.len() < concurrency.max(1) {
            let fut = make(next);
            let i = next;
            tasks.spawn(async move { (i, fut.await) });
            next += 1;
        }
        if let Some(joined) = tasks.join_next().await {
            let (i, result) = joined.context("a setup task panicked")?;
            results[i] = Some(result?);
        }
    }
    results
        .into_iter()
        .map(|r| r.context("a setup task produced nothing"))
        .collect()
}

/// Bounds one setup call in time.
async fn limit<T, E>(call: impl Future<Output = Result<T, E>>) -> anyhow::Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match tokio::time::timeout(SETUP_CALL_TIMEOUT, call).await {
        Ok(result) => Ok(result?),
        Err(_) => bail!("no answer within {}s", SETUP_CALL_TIMEOUT.as_secs()),
    }
}

/// A short prefix that differs between runs: `b` and the time in base 36.
fn fresh_prefix() -> String {
    let mut n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
        ^ u128::from(std::process::id()) << 40;
    let mut digits = Vec::new();
    while n > 0 && digits.len() < 10 {
        digits.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
    }
    let mut prefix = String::from("b");
    prefix.extend(digits.iter());
    prefix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_make_valid_usernames() {
        let prefix = fresh_prefix();
        assert!(prefix.len() <= 11);
        assert!(prefix.chars().all(|c| c.is_ascii_alphanumeric()));
        let bench = Bench::new(vec![Target::parse("http://127.0.0.1:1").unwrap()], None, 4);
        let name = bench.username("member", 999_999);
        assert!(name.len() <= 32, "{name}");
    }

    #[tokio::test]
    async fn bounded_keeps_order_and_stops_on_errors() {
        let out = bounded(10, 3, |i| async move { Ok(i * 2) }).await.unwrap();
        assert_eq!(out, (0..10).map(|i| i * 2).collect::<Vec<_>>());
        let err = bounded(5, 2, |i| async move {
            if i == 3 { bail!("boom") } else { Ok(i) }
        })
        .await;
        assert!(err.is_err());
    }
}
