//! Test harness for Confab: fresh databases and real `confab serve` processes.
//!
//! Every test gets its own database ([`TestDb`]: a temporary SQLite file, or a new
//! PostgreSQL database that is dropped afterwards) and its own server process
//! ([`TestServer`]) on a free loopback port, so tests run in parallel and in any
//! order. The server tests (`crates/confab-server/tests`), the benchmark's smoke test
//! and, through the `confab-testkit serve` binary, the browser tests (`web/e2e`) all
//! start their servers here.
//!
//! Tests of several nodes run them on one machine, on loopback and linked by a private
//! NATS server ([`TestNats`]), or each on a host of its own ([`Hosts`]: Linux network
//! namespaces, whose links a test cuts and restores).
//!
//! PostgreSQL is reached at `CONFAB_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); if it is unreachable, starting a
//! PostgreSQL database fails rather than skips.
//!
//! ```no_run
//! use confab_testkit::{Backend, Profile, TestServer};
//!
//! # async fn example() {
//! // The settings the server tests use; extra flags override the profile.
//! let server = TestServer::start_with(Backend::Postgres, &["--typing-timeout", "1s"]).await;
//! let client = server.client();
//!
//! // The relaxed profile of the benchmark and the browser tests.
//! let relaxed = TestServer::builder(Backend::Sqlite)
//!     .profile(Profile::Relaxed)
//!     .start()
//!     .await
//!     .expect("confab starts");
//! # }
//! ```

mod binary;
mod db;
mod error;
mod hosts;
mod names;
mod nats;
mod relay;
mod server;

pub use binary::confab_binary;
pub use db::{Backend, TestDb};
pub use error::Error;
pub use hosts::{Host, Hosts};
pub use names::{unique_name, unique_username};
pub use nats::TestNats;
pub use server::{Profile, ServerBuilder, TestServer};
