//! Real `confab serve` processes for tests: started on a free loopback port (or on a
//! [`Host`] of their own) with a fresh database, found through the address they log,
//! stopped with SIGTERM (or killed when dropped), with everything they log kept.

use crate::{Backend, Error, Host, Hosts, TestDb, confab_binary};
use confab_client::Client;
use std::ffi::OsString;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::Duration;

/// How long `confab serve` may take to log its address (migrations included).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The settings a test server runs with, besides the harness's own (a free loopback
/// port, JSON logs at `info`, a fresh data directory and database, and no
/// `CONFAB_*` variable or config file from the caller's environment).
///
/// A profile is passed as `CONFAB_*` environment variables, so any flag the caller
/// adds overrides it (`--signups-per-ip 2` to test the sign-up limit, say).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Profile {
    /// The server's defaults, except `--signups-per-ip 0`: tests sign up many
    /// accounts from 127.0.0.1. The server's own tests use it, so they run with the
    /// default argon2id cost and WebSocket request limit.
    #[default]
    Test,
    /// For tests about something other than the server's costs and limits: the
    /// benchmark's smoke test and the browser tests. It is the benchmark server's
    /// settings of docs/benchmarks.md (`--argon2-memory-kib 8192
    /// --argon2-iterations 1`, the lowest argon2id cost the server accepts;
    /// `--signups-per-ip 0 --signins-per-ip 0 --signins-per-account 0`;
    /// `--rooms-created-per-hour 0 --invitations-per-hour 0`;
    /// `--ws-requests-per-second 100000`;
    /// `--max-connections-per-address 0`) plus
    /// `--sqlite-synchronous normal`, since durability is not under test.
    Relaxed,
}

impl Profile {
    /// The profile's settings as `confab serve` environment variables.
    pub fn env(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Test => &[("CONFAB_SIGNUPS_PER_IP", "0")],
            Self::Relaxed => &[
                ("CONFAB_SIGNUPS_PER_IP", "0"),
                ("CONFAB_SIGNINS_PER_IP", "0"),
                ("CONFAB_SIGNINS_PER_ACCOUNT", "0"),
                ("CONFAB_ROOMS_CREATED_PER_HOUR", "0"),
                ("CONFAB_INVITATIONS_PER_HOUR", "0"),
                ("CONFAB_ARGON2_MEMORY_KIB", "8192"),
                ("CONFAB_ARGON2_ITERATIONS", "1"),
                ("CONFAB_WS_REQUESTS_PER_SECOND", "100000"),
                ("CONFAB_MAX_CONNECTIONS_PER_ADDRESS", "0"),
                ("CONFAB_SQLITE_SYNCHRONOUS", "normal"),
            ],
        }
    }

    /// The profile's name as `confab-testkit serve --profile` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Test => "test",
            Self::Relaxed => "relaxed",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "test" => Ok(Self::Test),
            "relaxed" => Ok(Self::Relaxed),
            other => Err(format!(
                "unknown profile `{other}` (expected test or relaxed)"
            )),
        }
    }
}

/// How to start a [`TestServer`]; from [`TestServer::builder`].
#[derive(Clone, Debug)]
pub struct ServerBuilder {
    backend: Backend,
    launch: Launch,
    /// Node N runs on the Nth; empty: every node on loopback.
    hosts: Vec<Host>,
}

/// What every (re)start of one server passes to `confab serve`.
#[derive(Clone, Debug, Default)]
struct Launch {
    profile: Profile,
    args: Vec<String>,
    /// Extra environment variables, set after the profile's.
    env: Vec<(String, String)>,
    /// Runs the server with this open-file limit (soft and hard).
    open_file_limit: Option<u32>,
    forward_log: bool,
    /// Runs the server in this host's network namespace, listening on its address.
    host: Option<Host>,
}

impl ServerBuilder {
    /// The settings profile ([`Profile::Test`] unless set).
    pub fn profile(mut self, profile: Profile) -> Self {
        self.launch.profile = profile;
        self
    }

    /// Extra `confab serve` options; they override the profile. The harness's own
    /// `--listen`, `--data-dir`, `--database-url`, `--log-format` and `--log` cannot
    /// be given again.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.launch.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable of the server process (after the profile's, so
    /// it wins), e.g. a test-only switch such as `CONFAB_TEST_FAULT`.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.launch.env.push((key.into(), value.into()));
        self
    }

    /// Runs the server with at most `limit` open files (soft and hard limit, so it
    /// cannot raise it), through util-linux's `prlimit`: for tests of what happens
    /// when descriptors run short.
    pub fn open_file_limit(mut self, limit: u32) -> Self {
        self.launch.open_file_limit = Some(limit);
        self
    }

    /// Runs the nodes [`start_nodes`](Self::start_nodes) starts each on a host of its
    /// own, node N on `hosts`' Nth (through `ip netns exec`), listening on the host's
    /// address. Each reaches PostgreSQL, and any other relayed service whose URL is
    /// among the [`args`](Self::args) (`--nats-url`), through its host's relays: the
    /// URLs are rewritten per node ([`Host::reach_url`]).
    pub fn on_hosts(mut self, hosts: &Hosts) -> Self {
        self.hosts = hosts.hosts().to_vec();
        self
    }

    /// Also copies each line the server logs to this process's stderr as it arrives
    /// (it is kept for [`TestServer::log`] either way).
    pub fn forward_log(mut self, forward: bool) -> Self {
        self.launch.forward_log = forward;
        self
    }

    /// Creates a fresh database and starts `confab serve` on it.
    pub async fn start(self) -> Result<TestServer, Error> {
        let mut nodes = self.start_nodes(1).await?;
        Ok(nodes.remove(0))
    }

    /// Creates a fresh database and starts `count` nodes on it at the same moment
    /// (they race to migrate it), each with a data directory of its own.
    /// With [`on_hosts`](Self::on_hosts), there must be a host for each node.
    pub async fn start_nodes(self, count: u32) -> Result<Vec<TestServer>, Error> {
        if !self.hosts.is_empty() && self.hosts.len() < count as usize {
            return Err(Error::Hosts(format!(
                "{count} nodes, but only {} hosts to run them on",
                self.hosts.len()
            )));
        }
        let db = Arc::new(TestDb::try_create(self.backend).await?);
        let mut nodes: Vec<TestServer> = (0..count)
            .map(|node| TestServer {
                db: Arc::clone(&db),
                node,
                url: String::new(),
                launch: Launch {
                    host: self.hosts.get(node as usize).cloned(),
                    ..self.launch.clone()
                },
                child: None,
                log: Arc::default(),
            })
            .collect();
        let starting: Vec<_> = nodes.iter().map(TestServer::begin).collect();
        // Every started process is waited for (and so owned, or killed) before an
        // error is returned: none is left running.
        let mut first_error = None;
        for (node, started) in nodes.iter_mut().zip(starting) {
            if let Err(error) = started.and_then(|started| node.wait_listening(started)) {
                first_error.get_or_insert(error);
            }
        }
        match first_error {
            Some(error) => Err(error),
            None => Ok(nodes),
        }
    }
}

/// A `confab serve` process started, whose address has not been logged yet.
struct Starting {
    child: Child,
    addr_rx: mpsc::Receiver<String>,
}

/// A running `confab serve` process on a free loopback port, with a database of its
/// own. Dropping it kills the process, then drops the database.
pub struct TestServer {
    /// The server's database (shared with the other nodes started beside it).
    pub db: Arc<TestDb>,
    /// 0 for the first node on the database; others have data directories of their own.
    node: u32,
    /// `http://127.0.0.1:PORT` (`https://` when it serves TLS; the host's address
    /// instead of `127.0.0.1` on a [`Host`]), where the server listens.
    pub url: String,
    launch: Launch,
    child: Option<Child>,
    log: Arc<Mutex<Vec<String>>>,
}

impl TestServer {
    /// How to start a server on `backend` with other settings than
    /// [`start`](Self::start)'s.
    pub fn builder(backend: Backend) -> ServerBuilder {
        ServerBuilder {
            backend,
            launch: Launch::default(),
            hosts: Vec::new(),
        }
    }

    /// Starts a server with [`Profile::Test`] on a fresh database; panics if it
    /// cannot.
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, &[]).await
    }

    /// Starts a server with [`Profile::Test`] and extra `confab serve` options on a
    /// fresh database; panics if it cannot.
    pub async fn start_with(backend: Backend, args: &[&str]) -> Self {
        Self::builder(backend)
            .args(args.iter().copied())
            .start()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The server's `--data-dir`.
    pub fn data_dir(&self) -> PathBuf {
        match self.node {
            0 => self.db.dir().join("data"),
            node => self.db.dir().join(format!("data-node{node}")),
        }
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn spawn(&mut self) -> Result<(), Error> {
        let started = self.begin()?;
        self.wait_listening(started)
    }

    /// Starts the process; [`wait_listening`](Self::wait_listening) waits for its address.
    fn begin(&self) -> Result<Starting, Error> {
        let binary = confab_binary()?;
        let (mut command, program) = self.command(&binary);
        let host = self.launch.host.as_ref();
        let listen = host.map_or_else(
            || "127.0.0.1:0".to_owned(),
            |host| format!("{}:0", host.addr()),
        );
        let reach = |url: &str| host.map_or_else(|| url.to_owned(), |host| host.reach_url(url));
        command
            .arg("serve")
            .args(["--listen", &listen, "--log-format", "json"])
            .args(["--log", "info"])
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(["--database-url", &reach(&self.db.url)])
            .args(self.launch.args.iter().map(|arg| reach(arg)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // Only the profile and the caller's flags configure a test server.
        for (key, _) in std::env::vars_os() {
            if key.to_str().is_some_and(|key| key.starts_with("CONFAB_")) {
                command.env_remove(key);
            }
        }
        command.envs(self.launch.profile.env().iter().copied());
        command.envs(self.launch.env.iter().map(|(k, v)| (k, v)));
        let mut child = command.spawn().map_err(|source| Error::Spawn {
            binary: program,
            source,
        })?;
        let stderr = child.stderr.take().ok_or_else(|| Error::NotListening {
            reason: "its stderr was not captured".to_owned(),
            log: String::new(),
        })?;

        let (addr_tx, addr_rx) = mpsc::channel();
        let log = Arc::clone(&self.log);
        let forward = self.launch.forward_log;
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if forward {
                    // Whoever reads our stderr may be gone; the log is kept regardless.
                    let _ = writeln!(std::io::stderr(), "{line}");
                }
                let addr = listening_url(&line);
                log.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(line);
                if let Some(addr) = addr {
                    let _ = addr_tx.send(addr);
                }
            }
        });

        Ok(Starting { child, addr_rx })
    }

    /// The command that runs `binary`, and the program it starts: in the host's
    /// network namespace (iproute2's `ip netns exec`) and with the open-file limit
    /// (util-linux's `prlimit`) when asked. Each wrapper runs the next in its place, so
    /// the process started is the server's in the end.
    fn command(&self, binary: &Path) -> (Command, PathBuf) {
        let mut words: Vec<OsString> = Vec::new();
        if let Some(host) = &self.launch.host {
            words.extend(["ip", "netns", "exec", host.namespace()].map(OsString::from));
        }
        if let Some(limit) = self.launch.open_file_limit {
            words.push("prlimit".into());
            words.push(format!("--nofile={limit}:{limit}").into());
        }
        words.push(binary.into());
        let mut command = Command::new(&words[0]);
        command.args(&words[1..]);
        (command, PathBuf::from(&words[0]))
    }

    fn wait_listening(&mut self, Starting { mut child, addr_rx }: Starting) -> Result<(), Error> {
        match addr_rx.recv_timeout(START_TIMEOUT) {
            Ok(addr) => {
                self.url = addr;
                self.child = Some(child);
                Ok(())
            }
            Err(waited) => {
                let _ = child.kill();
                let reason = match (waited, child.wait()) {
                    (mpsc::RecvTimeoutError::Disconnected, Ok(status)) => {
                        format!("it exited with {status}")
                    }
                    _ => format!("no address within {} s", START_TIMEOUT.as_secs()),
                };
                Err(Error::NotListening {
                    reason,
                    log: self.log().join("\n"),
                })
            }
        }
    }

    /// A new client (with no session) for this server.
    pub fn client(&self) -> Client {
        Client::new(&self.url).expect("the server's URL is valid")
    }

    /// A plain HTTP client and the URL of `path`, for malformed requests.
    pub fn raw(&self, path: &str) -> (reqwest::Client, String) {
        (reqwest::Client::new(), format!("{}{path}", self.url))
    }

    /// Sends SIGTERM and waits for the process to exit; panics if it cannot.
    pub fn stop(&mut self) -> ExitStatus {
        self.try_stop().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn try_stop(&mut self) -> Result<ExitStatus, Error> {
        let mut child = self.child.take().ok_or(Error::NotRunning)?;
        let pid = child.id();
        let signalled = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .and_then(|status| {
                if status.success() {
                    Ok(())
                } else {
                    Err(std::io::Error::other(format!(
                        "kill -TERM exited with {status}"
                    )))
                }
            });
        if let Err(source) = signalled {
            // Still ours to kill on drop.
            self.child = Some(child);
            return Err(Error::Stop { pid, source });
        }
        child.wait().map_err(|source| Error::Stop { pid, source })
    }

    /// The exit status of a server that exited by itself, without being stopped;
    /// `None` while it runs (or once it was stopped).
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.as_mut()?.try_wait().ok().flatten()
    }

    /// Stops the server gracefully and starts it again on the same database and
    /// data directory (on a new port: [`url`](Self::url) changes); panics if it
    /// cannot or if the server did not exit cleanly.
    pub fn restart(&mut self) {
        let status = self.stop();
        assert!(status.success(), "confab exited with {status} on SIGTERM");
        self.spawn().unwrap_or_else(|e| panic!("{e}"));
    }

    /// Kills the server with SIGKILL, as a power cut or the OOM killer would (no
    /// shutdown runs), and leaves it dead; panics if it was not running.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("the server runs");
        child.kill().expect("SIGKILL the server");
        let status = child.wait().expect("reap the killed server");
        assert!(!status.success(), "the server exited by itself: {status}");
    }

    /// Kills the server with SIGKILL, as a power cut or the OOM killer would (no
    /// shutdown runs), then starts it again on the same database and data directory
    /// (on a new port); panics if it cannot.
    pub fn kill_and_restart(&mut self) {
        self.kill();
        self.spawn().unwrap_or_else(|e| panic!("{e}"));
    }

    /// Every line the server logged so far, across restarts.
    pub fn log(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The address in `confab serve`'s JSON "listening" log line.
/// The server's base URL from its `listening` log line: `http://` or, when it serves
/// TLS itself, `https://`, then the address.
fn listening_url(line: &str) -> Option<String> {
    let event = serde_json::from_str::<serde_json::Value>(line).ok()?;
    if event["message"] != "listening" {
        return None;
    }
    let scheme = event["scheme"].as_str().unwrap_or("http");
    event["addr"]
        .as_str()
        .map(|addr| format!("{scheme}://{addr}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_comes_from_the_listening_line_only() {
        let listening = r#"{"timestamp":"2025-01-01T00:00:00Z","level":"INFO","message":"listening","addr":"127.0.0.1:40123","scheme":"http","database":"sqlite://x","version":"0.1.0","target":"confab_server::server"}"#;
        assert_eq!(
            listening_url(listening).as_deref(),
            Some("http://127.0.0.1:40123")
        );
        let tls = r#"{"message":"listening","addr":"127.0.0.1:40124","scheme":"https"}"#;
        assert_eq!(
            listening_url(tls).as_deref(),
            Some("https://127.0.0.1:40124")
        );
        assert_eq!(
            listening_url(r#"{"message":"migrated","addr":"127.0.0.1:1"}"#),
            None
        );
        assert_eq!(listening_url("listening on 127.0.0.1:1"), None);
    }

    #[test]
    fn both_profiles_lift_the_signup_limit_and_only_relaxed_lowers_costs() {
        for profile in [Profile::Test, Profile::Relaxed] {
            assert!(profile.env().contains(&("CONFAB_SIGNUPS_PER_IP", "0")));
            assert_eq!(profile.name().parse::<Profile>(), Ok(profile));
        }
        assert!(
            !Profile::Test
                .env()
                .iter()
                .any(|(key, _)| key.starts_with("CONFAB_ARGON2"))
        );
        assert!(
            Profile::Relaxed
                .env()
                .contains(&("CONFAB_ARGON2_MEMORY_KIB", "8192"))
        );
    }
}
