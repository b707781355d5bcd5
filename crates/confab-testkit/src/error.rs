//! The harness's one error type, for callers that report failures themselves (the
//! `confab-testkit` binary); the test-facing constructors panic with its message.

use std::path::PathBuf;

/// Why a database or a server could not be set up or stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A temporary directory could not be created.
    #[error("cannot create a temporary directory: {0}")]
    TempDir(#[source] std::io::Error),

    /// The PostgreSQL server for test databases could not be reached or refused to
    /// create one.
    #[error("PostgreSQL must be reachable at {admin_url} for these tests: {source}")]
    Postgres {
        admin_url: String,
        #[source]
        source: sqlx::Error,
    },

    /// `CONFAB_TEST_POSTGRES_URL` is not a URL.
    #[error("CONFAB_TEST_POSTGRES_URL is not a valid URL ({url}): {source}")]
    PostgresUrl {
        url: String,
        #[source]
        source: url::ParseError,
    },

    /// The `confab` binary is missing and could not be built.
    #[error(
        "no confab binary at {path}: {reason}; build it with `cargo build --bin confab` or set CONFAB_BIN"
    )]
    Binary { path: PathBuf, reason: String },

    /// The `confab` process could not be started.
    #[error("cannot start {binary}: {source}")]
    Spawn {
        binary: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// `confab serve` ended, or stayed silent, before it logged its address.
    #[error("confab serve did not start listening ({reason}); it logged:\n{log}")]
    NotListening { reason: String, log: String },

    /// Sending SIGTERM to, or waiting for, the server failed.
    #[error("cannot stop confab (pid {pid}): {source}")]
    Stop {
        pid: u32,
        #[source]
        source: std::io::Error,
    },

    /// The test NATS server did not start (`nats-server` missing, or not listening).
    #[error(
        "the test NATS server did not start: {0}; install Debian's nats-server or set CONFAB_TEST_NATS_SERVER"
    )]
    Nats(String),

    /// The network namespaces of [`Hosts`](crate::Hosts) could not be made or set up.
    #[error(
        "cannot make the test's hosts (network namespaces): {0}; these tests need root (CAP_NET_ADMIN) and iproute2's `ip`"
    )]
    Hosts(String),

    /// The server was asked to stop, but it is not running.
    #[error("confab is not running")]
    NotRunning,
}
