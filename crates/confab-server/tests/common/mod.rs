//! Test harness: fresh databases and real `confab serve` processes.
//!
//! Every test gets its own database (a temporary SQLite file, or a new PostgreSQL
//! database that is dropped afterwards), so tests run in parallel and in any order.
//! PostgreSQL is reached at `CONFAB_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); if it is unreachable the
//! PostgreSQL variants fail rather than skip.

#![allow(dead_code)] // Each test binary uses a different part of the harness.

use confab_client::Client;
use sqlx::Connection as _;
use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// Runs each listed `async fn name(backend: Backend)` once on SQLite and once on
/// PostgreSQL, as `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::common::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::common::Backend::Postgres).await } )*
        }
    };
}

/// A strong password the policy accepts.
pub const PASSWORD: &str = "violet tractor fumbles oddly";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    postgres_name: Option<String>,
}

fn postgres_admin_url() -> String {
    std::env::var("CONFAB_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A name no other test (in this or another process) is using.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

impl TestDb {
    pub async fn create(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        match backend {
            Backend::Sqlite => {
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("confab.db").display()
                );
                Self {
                    url,
                    dir,
                    postgres_name: None,
                }
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = unique_name("confab_test");
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|e| {
                        panic!("PostgreSQL must be reachable at {admin} for these tests: {e}")
                    });
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
                let mut url = url::Url::parse(&admin).expect("admin URL");
                url.set_path(&name);
                Self {
                    url: url.to_string(),
                    dir,
                    postgres_name: Some(name),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.postgres_name.take() else {
            return;
        };
        // Drop runs outside async context; use a private runtime on its own thread.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&postgres_admin_url())
                    .await
                    .ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

/// A running `confab serve` process on a free loopback port.
pub struct TestServer {
    pub db: TestDb,
    pub url: String,
    args: Vec<String>,
    child: Option<Child>,
    log: Arc<Mutex<Vec<String>>>,
}

impl TestServer {
    /// Starts a server on a fresh database with default settings.
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, &[]).await
    }

    /// Starts a server on a fresh database with extra `confab serve` options.
    pub async fn start_with(backend: Backend, args: &[&str]) -> Self {
        let db = TestDb::create(backend).await;
        let mut server = Self {
            db,
            url: String::new(),
            args: args.iter().map(|s| (*s).to_owned()).collect(),
            child: None,
            log: Arc::default(),
        };
        server.spawn();
        server
    }

    fn data_dir(&self) -> PathBuf {
        self.db.dir.path().join("data")
    }

    fn spawn(&mut self) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_confab"))
            .arg("serve")
            .args([
                "--listen",
                "127.0.0.1:0",
                "--log-format",
                "json",
                "--log",
                "info",
            ])
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(["--database-url", &self.db.url])
            .args(&self.args)
            .env_remove("CONFAB_CONFIG")
            // The tests sign up many accounts from one address; a flag overrides this.
            .env("CONFAB_SIGNUPS_PER_IP", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start confab");
        let stderr = child.stderr.take().expect("stderr");
        let (addr_tx, addr_rx) = mpsc::channel();
        let log = Arc::clone(&self.log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line)
                    && event["message"] == "listening"
                {
                    let _ = addr_tx.send(event["addr"].as_str().unwrap_or_default().to_owned());
                }
                log.lock().unwrap().push(line);
            }
        });
        let addr = match addr_rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "confab did not start:\n{}",
                    self.log.lock().unwrap().join("\n")
                );
            }
        };
        self.url = format!("http://{addr}");
        self.child = Some(child);
    }

    /// A new client (with no session) for this server.
    pub fn client(&self) -> Client {
        Client::new(&self.url).expect("client")
    }

    /// A plain HTTP client and the URL of `path`, for malformed requests.
    pub fn raw(&self, path: &str) -> (reqwest::Client, String) {
        (reqwest::Client::new(), format!("{}{path}", self.url))
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("server running");
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill -TERM failed");
        child.wait().expect("wait for confab")
    }

    /// Stops the server gracefully and starts it again on the same database.
    pub fn restart(&mut self) {
        let status = self.stop();
        assert!(status.success(), "confab exited with {status} on SIGTERM");
        self.spawn();
    }

    /// Everything the server logged so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
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

/// Signs up a new account with a unique name; the client keeps the session.
pub async fn signed_up(server: &TestServer, prefix: &str) -> (Client, String) {
    let client = server.client();
    let username = unique_username(prefix);
    client
        .sign_up(&username, PASSWORD, Some("test device"))
        .await
        .expect("sign up");
    (client, username)
}

/// A valid username that no other test uses.
pub fn unique_username(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}
