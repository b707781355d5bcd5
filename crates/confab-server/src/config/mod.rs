//! Configuration: command-line flags, `CONFAB_*` environment variables and an
//! optional TOML file, in that order of precedence, resolved into one [`Config`].
//!
//! Every setting is declared once, in [`ServeArgs`]: clap reads it from flags and the
//! environment, serde reads the same struct from the TOML file (keys are the flag
//! names with `_` for `-`), and [`ServeArgs::resolve`] fills in the defaults.

pub use crate::telemetry::LogFormat;
use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Confab: a self-hosted real-time chat server.
#[derive(Debug, Parser)]
#[command(name = "confab", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the chat server (REST API, WebSocket, web client) until SIGTERM or Ctrl-C.
    Serve(Box<ServeArgs>),
}

/// A duration written the human way: `15m`, `30days`, `1h 30m`, `500ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl FromStr for HumanDuration {
    type Err = humantime::DurationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        humantime::parse_duration(s).map(Self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// SQLite's durability setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    /// fsync on every commit: an acknowledged message survives power loss.
    Full,
    /// fsync at checkpoints only: faster; survives a crash of Confab, but the last
    /// commits can be lost if the machine loses power.
    Normal,
}

/// Options of `confab serve`. Every option can also be set as an environment
/// variable (shown in brackets) or in the TOML file given by `--config`.
#[derive(Debug, Default, Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeArgs {
    /// TOML file with settings (keys are the option names with `_` instead of `-`).
    /// Flags and environment variables override it.
    #[arg(long, env = "CONFAB_CONFIG", value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,

    /// Address and port to listen on. [default: 127.0.0.1:8080]
    #[arg(long, env = "CONFAB_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// Directory for the SQLite database and uploaded files; created if missing.
    /// [default: ./confab-data]
    #[arg(long, env = "CONFAB_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Database to use: `sqlite://PATH` or `postgres://USER@HOST/DB`.
    /// [default: sqlite://DATA_DIR/confab.db]
    #[arg(long, env = "CONFAB_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,

    /// Most database connections this node opens. [default: 8 for SQLite, 16 for PostgreSQL]
    #[arg(long, env = "CONFAB_DB_MAX_CONNECTIONS", value_name = "N")]
    pub db_max_connections: Option<u32>,

    /// Most room changes (messages, edits, receipts, ...) committed together in one
    /// transaction. Concurrent changes share one commit and one fsync. [default: 256]
    #[arg(long, env = "CONFAB_EVENT_BATCH_MAX", value_name = "N")]
    pub event_batch_max: Option<usize>,

    /// SQLite durability: `full` fsyncs every commit. [default: full]
    #[arg(long, env = "CONFAB_SQLITE_SYNCHRONOUS", value_name = "MODE")]
    pub sqlite_synchronous: Option<SqliteSynchronous>,

    /// Secret that signs access tokens (at least 32 characters). If unset, one is
    /// generated on first start and kept in the database, shared by every node.
    #[arg(
        long,
        env = "CONFAB_TOKEN_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub token_secret: Option<String>,

    /// Lifetime of access tokens. [default: 15m]
    #[arg(long, env = "CONFAB_ACCESS_TOKEN_TTL", value_name = "DURATION")]
    pub access_token_ttl: Option<HumanDuration>,

    /// A device session ends after this long without a token refresh. [default: 30days]
    #[arg(long, env = "CONFAB_REFRESH_TOKEN_TTL", value_name = "DURATION")]
    pub refresh_token_ttl: Option<HumanDuration>,

    /// Largest request body accepted, in bytes. [default: 65536]
    #[arg(long, env = "CONFAB_MAX_BODY_BYTES", value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,

    /// Shortest password accepted, in characters. [default: 8]
    #[arg(long, env = "CONFAB_PASSWORD_MIN_LENGTH", value_name = "N")]
    pub password_min_length: Option<usize>,

    /// argon2id memory cost in KiB. [default: 19456]
    #[arg(long, env = "CONFAB_ARGON2_MEMORY_KIB", value_name = "KIB")]
    pub argon2_memory_kib: Option<u32>,

    /// argon2id time cost (iterations). [default: 2]
    #[arg(long, env = "CONFAB_ARGON2_ITERATIONS", value_name = "N")]
    pub argon2_iterations: Option<u32>,

    /// Password hashes computed at once; more requests wait. [default: number of CPU cores]
    #[arg(long, env = "CONFAB_PASSWORD_HASH_CONCURRENCY", value_name = "N")]
    pub password_hash_concurrency: Option<usize>,

    /// Failed sign-ins per account before back-off starts. [default: 5]
    #[arg(long, env = "CONFAB_SIGNIN_FREE_FAILURES", value_name = "N")]
    pub signin_free_failures: Option<u32>,

    /// Failed sign-ins per client address before back-off starts. [default: 20]
    #[arg(long, env = "CONFAB_SIGNIN_IP_FREE_FAILURES", value_name = "N")]
    pub signin_ip_free_failures: Option<u32>,

    /// First back-off delay after the free failures; doubles each time. [default: 1s]
    #[arg(long, env = "CONFAB_SIGNIN_BACKOFF_BASE", value_name = "DURATION")]
    pub signin_backoff_base: Option<HumanDuration>,

    /// Longest back-off delay. [default: 15m]
    #[arg(long, env = "CONFAB_SIGNIN_BACKOFF_MAX", value_name = "DURATION")]
    pub signin_backoff_max: Option<HumanDuration>,

    /// A failure counter starts again from zero once this long has passed since its
    /// last failure; also the sign-up window. [default: 1h]
    #[arg(long, env = "CONFAB_SIGNIN_FAILURE_WINDOW", value_name = "DURATION")]
    pub signin_failure_window: Option<HumanDuration>,

    /// Sign-ups allowed per client address per failure window; 0 for no limit. [default: 30]
    #[arg(long, env = "CONFAB_SIGNUPS_PER_IP", value_name = "N")]
    pub signups_per_ip: Option<u32>,

    /// Most members one room may have. [default: 10000]
    #[arg(long, env = "CONFAB_MAX_ROOM_MEMBERS", value_name = "N")]
    pub max_room_members: Option<u32>,

    /// Longest group name, in characters. [default: 64]
    #[arg(long, env = "CONFAB_MAX_ROOM_NAME_CHARS", value_name = "N")]
    pub max_room_name_chars: Option<usize>,

    /// Longest group topic, in characters. [default: 512]
    #[arg(long, env = "CONFAB_MAX_ROOM_TOPIC_CHARS", value_name = "N")]
    pub max_room_topic_chars: Option<usize>,

    /// Most rooms one user may be a member of. [default: 1000]
    #[arg(long, env = "CONFAB_MAX_ROOMS_PER_USER", value_name = "N")]
    pub max_rooms_per_user: Option<u32>,

    /// Largest message text, in bytes of UTF-8 (ciphertext may be twice this).
    /// [default: 16384]
    #[arg(long, env = "CONFAB_MAX_MESSAGE_BYTES", value_name = "BYTES")]
    pub max_message_bytes: Option<usize>,

    /// How often the server pings each WebSocket. [default: 20s]
    #[arg(long, env = "CONFAB_WS_PING_INTERVAL", value_name = "DURATION")]
    pub ws_ping_interval: Option<HumanDuration>,

    /// A WebSocket that sends nothing (not even a pong) for this long is closed.
    /// [default: 60s]
    #[arg(long, env = "CONFAB_WS_IDLE_TIMEOUT", value_name = "DURATION")]
    pub ws_idle_timeout: Option<HumanDuration>,

    /// Bytes of socket buffer each WebSocket connection keeps for reading, and
    /// gathers before writing. Larger frames still work; they grow the buffer while
    /// they pass. [default: 4096]
    #[arg(long, env = "CONFAB_WS_BUFFER_BYTES", value_name = "BYTES")]
    pub ws_buffer_bytes: Option<usize>,

    /// Frames queued for one WebSocket before it counts as too slow and is closed.
    /// [default: 1024]
    #[arg(long, env = "CONFAB_WS_QUEUE_FRAMES", value_name = "N")]
    pub ws_queue_frames: Option<usize>,

    /// Most missed events replayed on reconnect; a longer gap asks the client to
    /// re-fetch state. [default: 10000]
    #[arg(long, env = "CONFAB_WS_RESUME_MAX_EVENTS", value_name = "N")]
    pub ws_resume_max_events: Option<u32>,

    /// Requests per second one WebSocket may make (bursts of twice that).
    /// [default: 20]
    #[arg(long, env = "CONFAB_WS_REQUESTS_PER_SECOND", value_name = "N")]
    pub ws_requests_per_second: Option<u32>,

    /// A typing indicator ends by itself after this long without a refresh.
    /// [default: 5s]
    #[arg(long, env = "CONFAB_TYPING_TIMEOUT", value_name = "DURATION")]
    pub typing_timeout: Option<HumanDuration>,

    /// Take the client address from the last entry of `X-Forwarded-For`. Enable only
    /// behind a reverse proxy that sets it. [default: false]
    #[arg(long, env = "CONFAB_TRUST_FORWARDED_FOR", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub trust_forwarded_for: Option<bool>,

    /// Longest wait for in-flight requests at shutdown. [default: 10s]
    #[arg(long, env = "CONFAB_SHUTDOWN_GRACE", value_name = "DURATION")]
    pub shutdown_grace: Option<HumanDuration>,

    /// Log format. [default: pretty]
    #[arg(long, env = "CONFAB_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,

    /// Log filter in `tracing` syntax, e.g. `info` or `confab_server=debug,sqlx=warn`.
    /// [default: info]
    #[arg(long, env = "CONFAB_LOG", value_name = "FILTER")]
    pub log: Option<String>,
}

/// Fully resolved settings of one server process.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub db_max_connections: u32,
    pub event_batch_max: usize,
    pub sqlite_synchronous: SqliteSynchronous,
    pub token_secret: Option<String>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub max_body_bytes: usize,
    pub password: PasswordConfig,
    pub throttle: ThrottleConfig,
    pub rooms: RoomLimits,
    pub ws: WsConfig,
    pub trust_forwarded_for: bool,
    pub shutdown_grace: Duration,
    pub log_format: LogFormat,
    pub log: String,
}

/// WebSocket settings.
#[derive(Clone, Debug)]
pub struct WsConfig {
    pub ping_interval: Duration,
    pub idle_timeout: Duration,
    pub queue_frames: usize,
    pub buffer_bytes: usize,
    pub resume_max_events: u32,
    pub requests_per_second: u32,
    pub typing_timeout: Duration,
}

/// Longest password accepted, in characters. Long enough for any passphrase, short
/// enough that nobody can make the server hash megabytes.
pub const PASSWORD_MAX_CHARS: usize = 256;

/// Tunables of the password service (`service::passwords`).
#[derive(Clone, Debug)]
pub struct PasswordConfig {
    pub min_chars: usize,
    /// argon2id memory cost in KiB.
    pub memory_kib: u32,
    /// argon2id time cost (passes over memory).
    pub iterations: u32,
    /// How many hashes may run at once.
    pub concurrency: usize,
}

/// Tunables of the sign-in throttle (`service::throttle`).
#[derive(Clone, Debug)]
pub struct ThrottleConfig {
    /// Failures per account before back-off starts.
    pub account_free_failures: u32,
    /// Failures per client address before back-off starts.
    pub ip_free_failures: u32,
    /// First back-off delay; doubles with each further failure.
    pub base_delay: Duration,
    /// Longest back-off delay.
    pub max_delay: Duration,
    /// Failures older than this are forgotten.
    pub window: Duration,
    /// Sign-ups allowed per client address within `window`; 0 means unlimited.
    pub signups_per_ip: u32,
}

/// Configurable limits of rooms and messages.
#[derive(Clone, Debug)]
pub struct RoomLimits {
    pub max_members: u32,
    /// Longest group name, in characters.
    pub max_name_chars: usize,
    /// Longest group topic, in characters.
    pub max_topic_chars: usize,
    pub max_rooms_per_user: u32,
    /// Largest text body, in bytes of UTF-8; ciphertext may be twice this.
    pub max_message_bytes: usize,
}

/// Which database a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Recognises `sqlite:` and `postgres:`/`postgresql:` URLs.
    pub fn from_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':')?.0;
        match scheme {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            _ => None,
        }
    }
}

/// Removes a password from a database URL so it can be logged or shown in errors.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("REDACTED"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Shortest signing secret accepted: 256 bits of base64 or hex text.
const MIN_SECRET_LEN: usize = 32;

impl ServeArgs {
    /// Reads the TOML file (if any), layers flags and environment over it, applies
    /// defaults and validates the result.
    pub fn resolve(self) -> anyhow::Result<Config> {
        let file = match &self.config {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        self.or(file).finish()
    }

    fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
    }

    /// Each setting from `self`, or from `fallback` where `self` has none.
    fn or(self, fallback: Self) -> Self {
        Self {
            config: self.config,
            listen: self.listen.or(fallback.listen),
            data_dir: self.data_dir.or(fallback.data_dir),
            database_url: self.database_url.or(fallback.database_url),
            db_max_connections: self.db_max_connections.or(fallback.db_max_connections),
            event_batch_max: self.event_batch_max.or(fallback.event_batch_max),
            sqlite_synchronous: self.sqlite_synchronous.or(fallback.sqlite_synchronous),
            token_secret: self.token_secret.or(fallback.token_secret),
            access_token_ttl: self.access_token_ttl.or(fallback.access_token_ttl),
            refresh_token_ttl: self.refresh_token_ttl.or(fallback.refresh_token_ttl),
            max_body_bytes: self.max_body_bytes.or(fallback.max_body_bytes),
            password_min_length: self.password_min_length.or(fallback.password_min_length),
            argon2_memory_kib: self.argon2_memory_kib.or(fallback.argon2_memory_kib),
            argon2_iterations: self.argon2_iterations.or(fallback.argon2_iterations),
            password_hash_concurrency: self
                .password_hash_concurrency
                .or(fallback.password_hash_concurrency),
            signin_free_failures: self.signin_free_failures.or(fallback.signin_free_failures),
            signin_ip_free_failures: self
                .signin_ip_free_failures
                .or(fallback.signin_ip_free_failures),
            signin_backoff_base: self.signin_backoff_base.or(fallback.signin_backoff_base),
            signin_backoff_max: self.signin_backoff_max.or(fallback.signin_backoff_max),
            signin_failure_window: self
                .signin_failure_window
                .or(fallback.signin_failure_window),
            signups_per_ip: self.signups_per_ip.or(fallback.signups_per_ip),
            max_room_members: self.max_room_members.or(fallback.max_room_members),
            max_room_name_chars: self.max_room_name_chars.or(fallback.max_room_name_chars),
            max_room_topic_chars: self.max_room_topic_chars.or(fallback.max_room_topic_chars),
            max_rooms_per_user: self.max_rooms_per_user.or(fallback.max_rooms_per_user),
            max_message_bytes: self.max_message_bytes.or(fallback.max_message_bytes),
            ws_ping_interval: self.ws_ping_interval.or(fallback.ws_ping_interval),
            ws_idle_timeout: self.ws_idle_timeout.or(fallback.ws_idle_timeout),
            ws_queue_frames: self.ws_queue_frames.or(fallback.ws_queue_frames),
            ws_buffer_bytes: self.ws_buffer_bytes.or(fallback.ws_buffer_bytes),
            ws_resume_max_events: self.ws_resume_max_events.or(fallback.ws_resume_max_events),
            ws_requests_per_second: self
                .ws_requests_per_second
                .or(fallback.ws_requests_per_second),
            typing_timeout: self.typing_timeout.or(fallback.typing_timeout),
            trust_forwarded_for: self.trust_forwarded_for.or(fallback.trust_forwarded_for),
            shutdown_grace: self.shutdown_grace.or(fallback.shutdown_grace),
            log_format: self.log_format.or(fallback.log_format),
            log: self.log.or(fallback.log),
        }
    }

    fn finish(self) -> anyhow::Result<Config> {
        let duration =
            |value: Option<HumanDuration>, default: Duration| value.map_or(default, |d| d.0);
        let data_dir = self
            .data_dir
            .unwrap_or_else(|| PathBuf::from("./confab-data"));
        let database_url = self.database_url.unwrap_or_else(|| {
            format!("sqlite://{}?mode=rwc", data_dir.join("confab.db").display())
        });
        let is_sqlite = database_url.starts_with("sqlite:");
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let config = Config {
            listen: self
                .listen
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            db_max_connections: self
                .db_max_connections
                .unwrap_or(if is_sqlite { 8 } else { 16 }),
            event_batch_max: self.event_batch_max.unwrap_or(256),
            sqlite_synchronous: self.sqlite_synchronous.unwrap_or(SqliteSynchronous::Full),
            data_dir,
            database_url,
            token_secret: self.token_secret,
            access_token_ttl: duration(self.access_token_ttl, Duration::from_secs(15 * 60)),
            refresh_token_ttl: duration(
                self.refresh_token_ttl,
                Duration::from_secs(30 * 24 * 3600),
            ),
            max_body_bytes: self.max_body_bytes.unwrap_or(64 * 1024),
            password: PasswordConfig {
                min_chars: self.password_min_length.unwrap_or(8),
                memory_kib: self.argon2_memory_kib.unwrap_or(19 * 1024),
                iterations: self.argon2_iterations.unwrap_or(2),
                concurrency: self.password_hash_concurrency.unwrap_or(cores),
            },
            throttle: ThrottleConfig {
                account_free_failures: self.signin_free_failures.unwrap_or(5),
                ip_free_failures: self.signin_ip_free_failures.unwrap_or(20),
                base_delay: duration(self.signin_backoff_base, Duration::from_secs(1)),
                max_delay: duration(self.signin_backoff_max, Duration::from_secs(15 * 60)),
                window: duration(self.signin_failure_window, Duration::from_secs(3600)),
                signups_per_ip: self.signups_per_ip.unwrap_or(30),
            },
            rooms: RoomLimits {
                max_members: self.max_room_members.unwrap_or(10_000),
                max_name_chars: self.max_room_name_chars.unwrap_or(64),
                max_topic_chars: self.max_room_topic_chars.unwrap_or(512),
                max_rooms_per_user: self.max_rooms_per_user.unwrap_or(1_000),
                max_message_bytes: self.max_message_bytes.unwrap_or(16 * 1024),
            },
            ws: WsConfig {
                ping_interval: duration(self.ws_ping_interval, Duration::from_secs(20)),
                idle_timeout: duration(self.ws_idle_timeout, Duration::from_secs(60)),
                queue_frames: self.ws_queue_frames.unwrap_or(1024),
                buffer_bytes: self.ws_buffer_bytes.unwrap_or(4096),
                resume_max_events: self.ws_resume_max_events.unwrap_or(10_000),
                requests_per_second: self.ws_requests_per_second.unwrap_or(20),
                typing_timeout: duration(self.typing_timeout, Duration::from_secs(5)),
            },
            trust_forwarded_for: self.trust_forwarded_for.unwrap_or(false),
            shutdown_grace: duration(self.shutdown_grace, Duration::from_secs(10)),
            log_format: self.log_format.unwrap_or(LogFormat::Pretty),
            log: self.log.unwrap_or_else(|| "info".to_owned()),
        };
        config.validate()?;
        Ok(config)
    }
}

impl Config {
    fn validate(&self) -> anyhow::Result<()> {
        if let Some(secret) = &self.token_secret
            && secret.len() < MIN_SECRET_LEN
        {
            bail!("--token-secret must be at least {MIN_SECRET_LEN} bytes long");
        }
        if self.access_token_ttl < Duration::from_secs(1) {
            bail!("--access-token-ttl must be at least 1s");
        }
        if self.refresh_token_ttl <= self.access_token_ttl {
            bail!("--refresh-token-ttl must be longer than --access-token-ttl");
        }
        if self.max_body_bytes < 1024 {
            bail!("--max-body-bytes must be at least 1024");
        }
        if !(8..=PASSWORD_MAX_CHARS).contains(&self.password.min_chars) {
            bail!("--password-min-length must be between 8 and {PASSWORD_MAX_CHARS}");
        }
        if self.password.memory_kib < 8 * 1024 || self.password.iterations == 0 {
            bail!("argon2 needs at least 8192 KiB of memory and 1 iteration");
        }
        if self.rooms.max_members < 2
            || self.rooms.max_rooms_per_user == 0
            || self.rooms.max_message_bytes == 0
            || self.rooms.max_name_chars == 0
        {
            bail!(
                "--max-room-members must be at least 2, --max-rooms-per-user, --max-message-bytes and --max-room-name-chars at least 1"
            );
        }
        if self.rooms.max_message_bytes * 3 > self.max_body_bytes {
            bail!(
                "--max-body-bytes must be at least three times --max-message-bytes (ciphertext and JSON overhead)"
            );
        }
        if self.ws.idle_timeout <= self.ws.ping_interval || self.ws.ping_interval.is_zero() {
            bail!(
                "--ws-idle-timeout must be longer than --ws-ping-interval, which must be above zero"
            );
        }
        if self.ws.typing_timeout < Duration::from_secs(1) {
            bail!("--typing-timeout must be at least 1s");
        }
        if self.ws.queue_frames == 0
            || self.ws.resume_max_events == 0
            || self.ws.requests_per_second == 0
        {
            bail!(
                "--ws-queue-frames, --ws-resume-max-events and --ws-requests-per-second must be at least 1"
            );
        }
        if self.ws.buffer_bytes < 512 {
            bail!("--ws-buffer-bytes must be at least 512");
        }
        if self.password.concurrency == 0
            || self.db_max_connections == 0
            || self.event_batch_max == 0
        {
            bail!(
                "--password-hash-concurrency, --db-max-connections and --event-batch-max must be at least 1"
            );
        }
        if self.throttle.base_delay.is_zero() || self.throttle.max_delay < self.throttle.base_delay
        {
            bail!("--signin-backoff-base must be above zero and at most --signin-backoff-max");
        }
        if Backend::from_url(&self.database_url).is_none() {
            bail!("--database-url must start with sqlite:// or postgres://");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> ServeArgs {
        let mut argv = vec!["confab", "serve"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Serve(args) => *args,
        }
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let config = ServeArgs::default().resolve().unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(
            config.database_url,
            "sqlite://./confab-data/confab.db?mode=rwc"
        );
        assert_eq!(config.access_token_ttl, Duration::from_secs(900));
        assert_eq!(config.password.memory_kib, 19456);
        assert_eq!(config.throttle.account_free_failures, 5);
        assert_eq!(config.event_batch_max, 256);
    }

    #[test]
    fn flags_override_the_file_which_overrides_defaults() {
        let file: ServeArgs = toml::from_str(
            "listen = \"127.0.0.1:9000\"\naccess_token_ttl = \"5m\"\nmax_body_bytes = 4096\nmax_message_bytes = 1024\n",
        )
        .unwrap();
        let config = parse(&["--listen", "127.0.0.1:9100"])
            .or(file)
            .finish()
            .unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:9100");
        assert_eq!(config.access_token_ttl, Duration::from_secs(300));
        assert_eq!(config.max_body_bytes, 4096);
    }

    #[test]
    fn unknown_file_keys_and_bad_values_are_errors() {
        assert!(toml::from_str::<ServeArgs>("listne = \"x\"").is_err());
        assert!(parse(&["--token-secret", "short"]).resolve().is_err());
        assert!(parse(&["--database-url", "mysql://x"]).resolve().is_err());
        assert!(parse(&["--password-min-length", "4"]).resolve().is_err());
        assert!(parse(&["--event-batch-max", "0"]).resolve().is_err());
        assert!(parse(&["--ws-buffer-bytes", "100"]).resolve().is_err());
        assert_eq!(
            parse(&["--event-batch-max", "1"])
                .resolve()
                .unwrap()
                .event_batch_max,
            1
        );
    }

    #[test]
    fn boolean_flag_needs_no_value() {
        assert_eq!(
            parse(&["--trust-forwarded-for"]).trust_forwarded_for,
            Some(true)
        );
    }
}
