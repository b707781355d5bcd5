//! Databases that exist for one test: a SQLite file in a temporary directory, or a
//! PostgreSQL database created under a unique name and dropped with `FORCE` when the
//! [`TestDb`] is dropped.

use crate::Error;
use crate::names::unique_name;
use sqlx::Connection as _;
use std::path::Path;

/// The storage backend a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend's name as `confab-testkit serve --backend` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

impl std::str::FromStr for Backend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" => Ok(Self::Postgres),
            other => Err(format!(
                "unknown backend `{other}` (expected sqlite or postgres)"
            )),
        }
    }
}

/// A database that exists for one test, and a temporary directory beside it (which
/// holds the SQLite file and the server's data directory). Both go away on drop.
pub struct TestDb {
    /// What `confab serve --database-url` and `SqlStore::connect` take.
    pub url: String,
    dir: tempfile::TempDir,
    postgres_name: Option<String>,
}

/// The PostgreSQL database that test databases are created from.
pub(crate) fn postgres_admin_url() -> String {
    std::env::var("CONFAB_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

impl TestDb {
    /// Creates a fresh database; panics if it cannot (PostgreSQL unreachable, say).
    pub async fn create(backend: Backend) -> Self {
        Self::try_create(backend)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Creates a fresh database.
    pub async fn try_create(backend: Backend) -> Result<Self, Error> {
        let dir = tempfile::tempdir().map_err(Error::TempDir)?;
        match backend {
            Backend::Sqlite => {
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("confab.db").display()
                );
                Ok(Self {
                    url,
                    dir,
                    postgres_name: None,
                })
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let mut url = url::Url::parse(&admin_url).map_err(|source| Error::PostgresUrl {
                    url: admin_url.clone(),
                    source,
                })?;
                let name = unique_name("confab_test");
                let postgres = |source| Error::Postgres {
                    admin_url: admin_url.clone(),
                    source,
                };
                let mut conn = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .map_err(postgres)?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .map_err(postgres)?;
                url.set_path(&name);
                Ok(Self {
                    url: url.to_string(),
                    dir,
                    postgres_name: Some(name),
                })
            }
        }
    }

    /// The backend this database is on.
    pub fn backend(&self) -> Backend {
        if self.postgres_name.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// The temporary directory that lives as long as this database.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.postgres_name.take() else {
            return;
        };
        // Drop may run inside or outside an async runtime; a private runtime on its own
        // thread works in both.
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
