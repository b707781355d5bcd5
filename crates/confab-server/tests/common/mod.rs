//! What the server's suites share on top of `confab-testkit` (fresh databases and
//! real `confab serve` processes): the `on_both_backends!` macro and signed-up
//! accounts.

#![allow(dead_code, unused_imports)] // Each test binary uses a different part.

use confab_client::Client;
pub use confab_testkit::{Backend, TestDb, TestServer, unique_username};

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
