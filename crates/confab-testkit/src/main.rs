//! `confab-testkit serve`: one test server for a test runner in another language
//! (the browser tests in `web/e2e`), started through the same library as the Rust
//! tests. `confab-testkit mls-peer`: an OpenMLS device such a runner drives
//! (`mls_peer`).
//!
//! It prints one JSON line to stdout once the server listens, copies the server's
//! log to stderr, and when its stdin closes (or it gets SIGTERM or SIGINT) it stops
//! the server and removes its database and data directory. It exits with failure if
//! the server exits by itself or does not exit cleanly. The `confab` it runs is
//! `$CONFAB_BIN`, else the one in its own build directory (see
//! `confab_testkit::confab_binary`).

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use confab_testkit::{Backend, Profile, TestServer};
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};

#[derive(Parser)]
#[command(about = "Starts test servers for test runners outside Rust")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Starts `confab serve` on a fresh database and a free loopback port, prints
    /// `{"url":…,"pid":…,…}` on one line, and runs until stdin closes.
    Serve {
        /// `sqlite` or `postgres` (at CONFAB_TEST_POSTGRES_URL).
        #[arg(long, default_value = "sqlite")]
        backend: Backend,
        /// `relaxed` (fast password hashing, no request limits; see
        /// `confab_testkit::Profile`) or `test`.
        #[arg(long, default_value = "relaxed")]
        profile: Profile,
        /// Extra `confab serve` options, after `--`; they override the profile.
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// An OpenMLS device driven by JSON lines on stdin (see `mls_peer`), for
    /// interoperability tests with other MLS implementations.
    MlsPeer,
}

mod mls_peer;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("confab-testkit: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn run() -> anyhow::Result<ExitCode> {
    let (backend, profile, args) = match Cli::parse().command {
        Cmd::Serve {
            backend,
            profile,
            args,
        } => (backend, profile, args),
        Cmd::MlsPeer => {
            mls_peer::run().await?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    let mut server = TestServer::builder(backend)
        .profile(profile)
        .args(args)
        .forward_log(true)
        .start()
        .await?;
    let pid = server.pid().context("the server is not running")?;
    let started = serde_json::json!({
        "url": server.url,
        "pid": pid,
        "backend": backend.name(),
        "profile": profile.name(),
        "database_url": server.db.url,
        "data_dir": server.data_dir(),
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{started}")
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")?;

    let mut terminate = signal(SignalKind::terminate()).context("SIGTERM handler")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("SIGINT handler")?;
    let (closed_tx, mut closed_rx) = tokio::sync::oneshot::channel();
    // A plain thread: a blocking stdin read would hold up the runtime's shutdown.
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        let _ = closed_tx.send(());
    });
    let mut check = tokio::time::interval(Duration::from_millis(200));
    loop {
        tokio::select! {
            _ = &mut closed_rx => break,
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
            _ = check.tick() => {
                if let Some(status) = server.try_wait() {
                    eprintln!("confab-testkit: confab exited by itself with {status}");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    }
    let status = server.try_stop()?;
    // Dropping the server removes its database and data directory.
    drop(server);
    if status.success() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("confab-testkit: confab exited with {status} on SIGTERM");
        Ok(ExitCode::FAILURE)
    }
}
