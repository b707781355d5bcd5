//! `confab-testkit serve` as the browser tests use it: one JSON line with the URL,
//! the server's log on stderr, extra flags passed on, and everything cleaned up when
//! stdin closes or SIGTERM arrives.

use confab_client::ClientError;
use confab_testkit::unique_username;
use serde_json::Value;
use sqlx::Connection as _;
use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};

/// A running `confab-testkit serve`, its first stdout line and its stderr so far.
struct Testkit {
    child: Child,
    started: Value,
    stderr: Arc<Mutex<String>>,
    /// Kept open: a line after the first would be a protocol error.
    stdout: BufReader<ChildStdout>,
}

impl Testkit {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_confab-testkit"))
            .arg("serve")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start confab-testkit");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("stderr");
        let collected = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buffer = [0; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buffer) {
                collected
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read stdout");
        let started = serde_json::from_str(&line).unwrap_or_else(|e| {
            let _ = child.wait();
            panic!(
                "no JSON line ({e}): {line:?}\nstderr:\n{}",
                stderr.lock().unwrap()
            )
        });
        Self {
            child,
            started,
            stderr,
            stdout,
        }
    }

    fn url(&self) -> &str {
        self.started["url"].as_str().expect("url")
    }

    fn wait(mut self) -> (ExitStatus, String, String) {
        let status = self.child.wait().expect("wait for confab-testkit");
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).expect("read stdout");
        let stderr = self.stderr.lock().unwrap().clone();
        (status, rest, stderr)
    }
}

fn process_exists(pid: u64) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

async fn sign_up(url: &str) -> Result<(), ClientError> {
    let client = confab_client::Client::new(url).expect("client");
    client
        .sign_up(
            &unique_username("kit"),
            "violet tractor fumbles oddly",
            None,
        )
        .await
        .map(|_| ())
}

#[tokio::test]
async fn serves_sqlite_until_stdin_closes_then_cleans_up() {
    // An extra flag overrides the relaxed profile's unlimited sign-ups.
    let mut kit = Testkit::start(&["--", "--signups-per-ip", "1"]);
    assert_eq!(kit.started["backend"], "sqlite");
    assert_eq!(kit.started["profile"], "relaxed");
    let pid = kit.started["pid"].as_u64().expect("pid");
    let data_dir = kit.started["data_dir"]
        .as_str()
        .expect("data_dir")
        .to_owned();
    assert!(Path::new(&data_dir).is_dir());

    let ready = reqwest::get(format!("{}/readyz", kit.url())).await.unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::OK);
    sign_up(kit.url()).await.expect("first sign-up");
    let refused = sign_up(kit.url()).await.expect_err("second sign-up");
    assert_eq!(
        refused.code(),
        Some(confab_client::proto::ErrorCode::RateLimited),
        "{refused:?}"
    );

    drop(kit.child.stdin.take());
    let (status, rest, stderr) = kit.wait();
    assert!(status.success(), "{status}\n{stderr}");
    assert_eq!(rest, "", "only one line on stdout");
    assert!(stderr.contains(r#""message":"listening""#), "{stderr}");
    assert!(!process_exists(pid), "confab still runs");
    assert!(!Path::new(&data_dir).exists(), "data directory left behind");
}

#[tokio::test]
async fn serves_postgres_until_sigterm_then_drops_the_database() {
    let kit = Testkit::start(&["--backend", "postgres"]);
    assert_eq!(kit.started["backend"], "postgres");
    let database_url = kit.started["database_url"].as_str().unwrap().to_owned();
    let name = url::Url::parse(&database_url).unwrap().path()[1..].to_owned();
    sign_up(kit.url()).await.expect("sign-up");
    let mut db = sqlx::PgConnection::connect(&database_url)
        .await
        .expect("the test database exists");
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(users, 1);
    drop(db);

    let kill = Command::new("kill")
        .args(["-TERM", &kit.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let (status, _, stderr) = kit.wait();
    assert!(status.success(), "{status}\n{stderr}");
    let admin = std::env::var("CONFAB_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut admin = sqlx::PgConnection::connect(&admin).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert_eq!(left, 0, "database {name} left behind");
}

#[test]
fn a_server_that_cannot_start_is_reported() {
    let output = Command::new(env!("CARGO_BIN_EXE_confab-testkit"))
        .args(["serve", "--", "--no-such-flag"])
        .output()
        .expect("run confab-testkit");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("did not start listening"), "{stderr}");
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
}
