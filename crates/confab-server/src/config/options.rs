//! Every setting of `confab serve`, declared once: its flag, environment variable,
//! default, value parser and help text are the clap attributes and doc comment of one
//! field of [`Config`] or of one of its groups.
//!
//! The TOML key is the flag name with `_` for `-` (see `file.rs`), and
//! docs/configuration.md's option tables are generated from these declarations (see
//! `docs.rs`). The help text is the only description of an option: its first paragraph
//! is what `-h` shows, all of it what `--help` and the docs show. Defaults that clap
//! cannot compute, because they depend on other settings or on the machine, are written
//! as `[default: ...]` in the help text and filled in by [`dependent_defaults`].
//!
//! Limits on one value live in its value parser, so clap reports them like any other
//! malformed value; rules between settings live in [`Config::validate`].

use super::cluster::ClusterConfig;
use super::database::Backend;
use super::error::ConfigError;
use super::files::FileConfig;
use super::groups::{HttpConfig, PasswordConfig, RoomLimits, ThrottleConfig, WsConfig};
use super::mls::MlsConfig;
use super::notify::NotifyConfig;
use super::parsers::{at_least, duration, duration_at_least};
use super::passkeys::PasskeyConfig;
use super::previews::PreviewConfig;
use super::providers::ProvidersConfig;
use super::tls::TlsConfig;
use crate::telemetry::LogFormat;
use clap::{ArgMatches, Args, ValueEnum};
use std::ffi::OsString;
use std::fmt::Display;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Fully resolved settings of one server process.
#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(
        long,
        env = "CONFAB_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8080",
        help_heading = "Files and network"
    )]
    pub listen: SocketAddr,

    /// Directory for the SQLite database.
    ///
    /// Created if missing, but only when the database is SQLite. A relative path is
    /// relative to the working directory.
    #[arg(
        long,
        env = "CONFAB_DATA_DIR",
        value_name = "DIR",
        default_value = "./confab-data",
        help_heading = "Files and network"
    )]
    pub data_dir: PathBuf,

    /// Database to use: `sqlite://PATH` or `postgres://USER@HOST/DB`
    /// [default: `sqlite://DATA_DIR/confab.db?mode=rwc`]
    ///
    /// `postgresql://` is accepted too. With your own SQLite URL, add `?mode=rwc` if
    /// Confab should create the file; without it, the file must already exist.
    #[arg(
        long,
        env = "CONFAB_DATABASE_URL",
        value_name = "URL",
        required = false,
        help_heading = "Database"
    )]
    pub database_url: String,

    /// Most database connections this node opens
    /// [default: `8` for SQLite, `16` for PostgreSQL]
    ///
    /// At least 1.
    #[arg(
        long,
        env = "CONFAB_DB_MAX_CONNECTIONS",
        value_name = "N",
        value_parser = at_least(1u32),
        required = false,
        help_heading = "Database"
    )]
    pub db_max_connections: u32,

    /// Most room changes committed together in one transaction.
    ///
    /// Room changes are messages, edits, reactions, receipts and membership. Changes
    /// that arrive while a commit is in progress share the next one, and its fsync; each
    /// is still acknowledged only after its commit. `1` turns group commit off. Up to
    /// four batches wait in memory; further senders wait for room. At least 1.
    #[arg(
        long,
        env = "CONFAB_EVENT_BATCH_MAX",
        value_name = "N",
        default_value_t = 256,
        value_parser = at_least(1usize),
        help_heading = "Database"
    )]
    pub event_batch_max: usize,

    /// How long a PostgreSQL session of Confab may sit idle inside a transaction
    /// before PostgreSQL ends it and rolls the transaction back
    ///
    /// Confab's own transactions never wait on anything but the database between
    /// statements. A node cut off from the database in the middle of one (a network
    /// partition, a frozen machine) leaves it open, holding the lock every node's
    /// message writes take: the others store nothing until this runs out. Ignored
    /// for SQLite. At least 1s.
    #[arg(
        long,
        env = "CONFAB_POSTGRES_IDLE_TRANSACTION_TIMEOUT",
        value_name = "DURATION",
        default_value = "10s",
        value_parser = duration_at_least(Duration::from_secs(1)),
        help_heading = "Database"
    )]
    pub postgres_idle_transaction_timeout: Duration,

    /// SQLite durability. Ignored for PostgreSQL.
    #[arg(
        long,
        env = "CONFAB_SQLITE_SYNCHRONOUS",
        value_name = "MODE",
        default_value = "full",
        help_heading = "Database"
    )]
    pub sqlite_synchronous: SqliteSynchronous,

    /// Secret that signs access tokens, at least 32 characters [default: generated]
    ///
    /// If unset, a random one is generated on first start and kept in the database
    /// (table `server_secrets`), so every node that shares the database uses it. A
    /// secret given on the command line is visible to other users of the machine in the
    /// process list; prefer the environment variable or the TOML file, readable only by
    /// the Confab user.
    #[arg(
        long,
        env = "CONFAB_TOKEN_SECRET",
        value_name = "SECRET",
        hide_env_values = true,
        help_heading = "Tokens and sessions"
    )]
    pub token_secret: Option<String>,

    /// Lifetime of access tokens.
    ///
    /// At least 1s.
    #[arg(
        long,
        env = "CONFAB_ACCESS_TOKEN_TTL",
        value_name = "DURATION",
        default_value = "15m",
        value_parser = duration_at_least(Duration::from_secs(1)),
        help_heading = "Tokens and sessions"
    )]
    pub access_token_ttl: Duration,

    /// A device session ends after this long without a token refresh.
    ///
    /// Each refresh starts the period again. Must be longer than `--access-token-ttl`.
    #[arg(
        long,
        env = "CONFAB_REFRESH_TOKEN_TTL",
        value_name = "DURATION",
        default_value = "30days",
        value_parser = duration,
        help_heading = "Tokens and sessions"
    )]
    pub refresh_token_ttl: Duration,

    /// Most device sessions one account may have; signing in on one more revokes the
    /// one used longest ago.
    ///
    /// At least 1.
    #[arg(
        long = "max-sessions-per-user",
        env = "CONFAB_MAX_SESSIONS_PER_USER",
        value_name = "N",
        default_value_t = 50,
        value_parser = at_least(1u32),
        help_heading = "Tokens and sessions"
    )]
    pub max_sessions_per_user: u32,

    /// Largest request body accepted, in bytes.
    ///
    /// Larger bodies get `413 payload_too_large`. At least 1024, and at least three
    /// times `--max-message-bytes`.
    #[arg(
        long,
        env = "CONFAB_MAX_BODY_BYTES",
        value_name = "BYTES",
        default_value_t = 64 * 1024,
        value_parser = at_least(1024usize),
        help_heading = "Requests"
    )]
    pub max_body_bytes: usize,

    /// User searches and lookups (`GET /api/v1/users`, `GET /api/v1/users/{username}`)
    /// one account may make per minute, in bursts of up to this many; `0` for no
    /// limit.
    ///
    /// Over the limit a request gets `429 rate_limited` with `Retry-After`. Counted by
    /// each node on its own.
    #[arg(
        long = "user-lookups-per-minute",
        env = "CONFAB_USER_LOOKUPS_PER_MINUTE",
        value_name = "N",
        default_value_t = 120,
        help_heading = "Requests"
    )]
    pub user_lookups_per_minute: u32,

    #[command(flatten, next_help_heading = "Rooms and messages")]
    pub rooms: RoomLimits,

    #[command(flatten, next_help_heading = "Shared files")]
    pub files: FileConfig,

    #[command(flatten, next_help_heading = "Notifications and search")]
    pub notify: NotifyConfig,

    #[command(flatten, next_help_heading = "Link previews")]
    pub previews: PreviewConfig,

    #[command(flatten, next_help_heading = "Sign-in providers")]
    pub providers: ProvidersConfig,

    #[command(flatten, next_help_heading = "Passkeys")]
    pub passkeys: PasskeyConfig,

    #[command(flatten, next_help_heading = "End-to-end encryption")]
    pub mls: MlsConfig,

    #[command(flatten, next_help_heading = "Several nodes")]
    pub cluster: ClusterConfig,

    #[command(flatten, next_help_heading = "HTTPS")]
    pub tls: TlsConfig,

    #[command(flatten, next_help_heading = "HTTP connections")]
    pub http: HttpConfig,

    #[command(flatten, next_help_heading = "WebSocket")]
    pub ws: WsConfig,

    #[command(flatten, next_help_heading = "Passwords")]
    pub password: PasswordConfig,

    #[command(flatten, next_help_heading = "Sign-in throttling")]
    pub throttle: ThrottleConfig,

    /// Take the client address from the last entry of `X-Forwarded-For`.
    ///
    /// Enable only behind a reverse proxy that sets it, and only if clients cannot
    /// reach Confab directly.
    #[arg(
        long,
        env = "CONFAB_TRUST_FORWARDED_FOR",
        value_name = "BOOL",
        default_value_t = false,
        action = clap::ArgAction::Set,
        num_args = 0..=1,
        default_missing_value = "true",
        help_heading = "Proxy and shutdown"
    )]
    pub trust_forwarded_for: bool,

    /// Longest wait for in-flight requests after SIGTERM or Ctrl-C.
    #[arg(
        long,
        env = "CONFAB_SHUTDOWN_GRACE",
        value_name = "DURATION",
        default_value = "10s",
        value_parser = duration,
        help_heading = "Proxy and shutdown"
    )]
    pub shutdown_grace: Duration,

    /// Log format.
    #[arg(
        long,
        env = "CONFAB_LOG_FORMAT",
        value_name = "FORMAT",
        default_value = "pretty",
        help_heading = "Logging"
    )]
    pub log_format: LogFormat,

    /// Log filter in `tracing` syntax, for example `info` or
    /// `confab_server=debug,sqlx=warn`.
    #[arg(
        long,
        env = "CONFAB_LOG",
        value_name = "FILTER",
        default_value = "info",
        help_heading = "Logging"
    )]
    pub log: String,
}

/// SQLite's durability setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SqliteSynchronous {
    /// fsync on every commit; an acknowledged write survives power loss.
    Full,
    /// fsync at checkpoints only; faster; survives a crash of Confab, but the last
    /// commits can be lost if the machine loses power.
    Normal,
}

/// Shortest signing secret accepted: 256 bits of base64 or hex text.
const MIN_SECRET_LEN: usize = 32;

/// The defaults clap cannot know because they depend on other settings or on the
/// machine, as `--flag=value` arguments for the settings in `matches` that are unset.
pub(super) fn dependent_defaults(matches: &ArgMatches) -> Vec<OsString> {
    let mut args = Vec::new();
    let database_url = match matches.get_one::<String>("database_url") {
        Some(url) => url.clone(),
        None => {
            let data_dir = matches.get_one::<PathBuf>("data_dir");
            let url = default_database_url(data_dir.map_or(Path::new(""), PathBuf::as_path));
            args.push(flag("database-url", &url));
            url
        }
    };
    if !matches.contains_id("files_dir") {
        let data_dir = matches.get_one::<PathBuf>("data_dir");
        let files = data_dir
            .map_or(Path::new(""), PathBuf::as_path)
            .join("files");
        args.push(flag("files-dir", files.display()));
    }
    if !matches.contains_id("db_max_connections") {
        let connections = match Backend::from_url(&database_url) {
            Some(Backend::Postgres) => 16,
            _ => 8,
        };
        args.push(flag("db-max-connections", connections));
    }
    if !matches.contains_id("concurrency") {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        args.push(flag("password-hash-concurrency", cores));
    }
    args
}

fn default_database_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("confab.db").display())
}

/// `--long=value`, the one argument that sets option `long` to `value`.
pub(super) fn flag(long: &str, value: impl Display) -> OsString {
    format!("--{long}={value}").into()
}

impl Config {
    /// The rules that tie settings together, and the checks whose error must not
    /// repeat the value (a secret, or a URL that may hold a password).
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let rule = |holds: bool, message: &str| {
            if holds {
                Ok(())
            } else {
                Err(ConfigError::Invalid(message.to_owned()))
            }
        };
        if let Some(secret) = &self.token_secret {
            rule(
                secret.len() >= MIN_SECRET_LEN,
                &format!("--token-secret must be at least {MIN_SECRET_LEN} bytes long"),
            )?;
        }
        rule(
            Backend::from_url(&self.database_url).is_some(),
            "--database-url must start with sqlite:// or postgres://",
        )?;
        rule(
            self.refresh_token_ttl > self.access_token_ttl,
            "--refresh-token-ttl must be longer than --access-token-ttl",
        )?;
        rule(
            self.rooms.max_message_bytes * 3 <= self.max_body_bytes,
            "--max-body-bytes must be at least three times --max-message-bytes (ciphertext and JSON overhead)",
        )?;
        rule(
            self.ws.idle_timeout > self.ws.ping_interval,
            "--ws-idle-timeout must be longer than --ws-ping-interval",
        )?;
        let s3 = &self.files;
        rule(
            s3.s3_bucket.is_some()
                || (s3.s3_endpoint.is_none()
                    && s3.s3_access_key_id.is_none()
                    && s3.s3_secret_access_key.is_none()),
            "the --s3-* settings need --s3-bucket",
        )?;
        rule(
            s3.s3_bucket.is_none()
                || (s3.s3_access_key_id.is_some() && s3.s3_secret_access_key.is_some()),
            "--s3-bucket needs --s3-access-key-id and --s3-secret-access-key",
        )?;
        if self.cluster.nats_url.is_some() {
            rule(
                Backend::from_url(&self.database_url) == Some(Backend::Postgres),
                "--nats-url links nodes that share one database: it needs --database-url postgres://...",
            )?;
            rule(
                s3.s3_bucket.is_some() || self.cluster.files_dir_shared,
                "several nodes must reach every file: with --nats-url, store files in S3 (--s3-bucket) or say that --files-dir is shared by every node (--files-dir-shared)",
            )?;
        }
        self.providers.load()?;
        self.passkeys
            .relying_party(self.providers.public_url.as_ref())?;
        for (holds, message) in self.tls.rules(self.listen) {
            rule(holds, message)?;
        }
        rule(
            self.throttle.max_delay >= self.throttle.base_delay,
            "--signin-backoff-base must be at most --signin-backoff-max",
        )
    }
}
