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

use super::database::Backend;
use super::error::ConfigError;
use crate::telemetry::LogFormat;
use clap::builder::TypedValueParser;
use clap::{ArgMatches, Args, ValueEnum};
use std::ffi::OsString;
use std::fmt::Display;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
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

    #[command(flatten, next_help_heading = "Rooms and messages")]
    pub rooms: RoomLimits,

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

/// Configurable limits of rooms and messages.
#[derive(Clone, Debug, Args)]
pub struct RoomLimits {
    /// Most members one room may have.
    ///
    /// Checked when a group is created (the creator counts) and when members are added.
    /// At least 2.
    #[arg(
        long = "max-room-members",
        env = "CONFAB_MAX_ROOM_MEMBERS",
        value_name = "N",
        default_value_t = 10_000,
        value_parser = at_least(2u32)
    )]
    pub max_members: u32,

    /// Longest group name, in characters (after NFC normalisation).
    ///
    /// At least 1.
    #[arg(
        long = "max-room-name-chars",
        env = "CONFAB_MAX_ROOM_NAME_CHARS",
        value_name = "N",
        default_value_t = 64,
        value_parser = at_least(1usize)
    )]
    pub max_name_chars: usize,

    /// Longest group topic, in characters; `0` allows no topic.
    #[arg(
        long = "max-room-topic-chars",
        env = "CONFAB_MAX_ROOM_TOPIC_CHARS",
        value_name = "N",
        default_value_t = 512
    )]
    pub max_topic_chars: usize,

    /// Most rooms one user may be a member of, direct rooms included.
    ///
    /// Checked for everyone who would join a room: when a group is created (the creator
    /// too), when a direct room is opened for the first time, and when members are
    /// added. At least 1.
    #[arg(
        long = "max-rooms-per-user",
        env = "CONFAB_MAX_ROOMS_PER_USER",
        value_name = "N",
        default_value_t = 1_000,
        value_parser = at_least(1u32)
    )]
    pub max_rooms_per_user: u32,

    /// Largest message text, in bytes of UTF-8, for sends and edits.
    ///
    /// Ciphertext in encrypted rooms may be twice this. At least 1.
    #[arg(
        long = "max-message-bytes",
        env = "CONFAB_MAX_MESSAGE_BYTES",
        value_name = "BYTES",
        default_value_t = 16 * 1024,
        value_parser = at_least(1usize)
    )]
    pub max_message_bytes: usize,
}

/// WebSocket settings.
#[derive(Clone, Debug, Args)]
pub struct WsConfig {
    /// How often the server sends a WebSocket ping to each connection.
    ///
    /// The idle check runs at the same times. Above zero.
    #[arg(
        long = "ws-ping-interval",
        env = "CONFAB_WS_PING_INTERVAL",
        value_name = "DURATION",
        default_value = "20s",
        value_parser = duration_above_zero
    )]
    pub ping_interval: Duration,

    /// A connection that sends nothing (not even a pong) for longer than this is
    /// closed with `4003`.
    ///
    /// Also the longest wait for a client to accept one live event or ping before it is
    /// closed with `4008`. Must be longer than `--ws-ping-interval`.
    #[arg(
        long = "ws-idle-timeout",
        env = "CONFAB_WS_IDLE_TIMEOUT",
        value_name = "DURATION",
        default_value = "60s",
        value_parser = duration
    )]
    pub idle_timeout: Duration,

    /// Bytes of socket buffer each WebSocket connection keeps for reading, and gathers
    /// before writing.
    ///
    /// Larger frames still pass: the buffer grows while they do. This is most of an
    /// idle connection's memory. At least 512.
    #[arg(
        long = "ws-buffer-bytes",
        env = "CONFAB_WS_BUFFER_BYTES",
        value_name = "BYTES",
        default_value_t = 4096,
        value_parser = at_least(512usize)
    )]
    pub buffer_bytes: usize,

    /// Live frames (events and typing indicators) queued for one connection.
    ///
    /// When the queue is full, the connection counts as too slow and is closed with
    /// `4008`; the client resumes from its last event. At least 1.
    #[arg(
        long = "ws-queue-frames",
        env = "CONFAB_WS_QUEUE_FRAMES",
        value_name = "N",
        default_value_t = 1024,
        value_parser = at_least(1usize)
    )]
    pub queue_frames: usize,

    /// Most missed events replayed to a reconnecting client.
    ///
    /// After a longer gap, the client gets `resync_required` and fetches its state over
    /// REST again. At least 1.
    #[arg(
        long = "ws-resume-max-events",
        env = "CONFAB_WS_RESUME_MAX_EVENTS",
        value_name = "N",
        default_value_t = 10_000,
        value_parser = at_least(1u32)
    )]
    pub resume_max_events: u32,

    /// Requests per second one connection may make on average, in bursts of up to twice
    /// this.
    ///
    /// Requests over the limit get a `rate_limited` error; the connection stays open.
    /// `ping` frames do not count; `typing` and `presence` frames count, and over the
    /// limit they are dropped without a reply. At least 1.
    #[arg(
        long = "ws-requests-per-second",
        env = "CONFAB_WS_REQUESTS_PER_SECOND",
        value_name = "N",
        default_value_t = 20,
        value_parser = at_least(1u32)
    )]
    pub requests_per_second: u32,

    /// A typing indicator ends by itself after this long without a refresh from the
    /// client.
    ///
    /// At least 1s.
    #[arg(
        long = "typing-timeout",
        env = "CONFAB_TYPING_TIMEOUT",
        value_name = "DURATION",
        default_value = "5s",
        value_parser = duration_at_least(Duration::from_secs(1))
    )]
    pub typing_timeout: Duration,

    /// How long a connection may go on after its access token expired without
    /// sending a `refresh`.
    ///
    /// Then it gets a `token_expired` error and is closed with `4001`, so a stolen
    /// token cannot keep a live feed open for longer than its own lifetime and
    /// this. At least 1s.
    #[arg(
        long = "ws-token-grace",
        env = "CONFAB_WS_TOKEN_GRACE",
        value_name = "DURATION",
        default_value = "30s",
        value_parser = duration_at_least(Duration::from_secs(1))
    )]
    pub token_grace: Duration,

    /// A user's presence changes are announced at most once per this interval.
    ///
    /// A device that switches between online and away faster is announced once,
    /// with the state it ends in; a change back to what was last announced is not
    /// announced at all. `0s` announces every change at once.
    #[arg(
        long = "presence-debounce",
        env = "CONFAB_PRESENCE_DEBOUNCE",
        value_name = "DURATION",
        default_value = "1s",
        value_parser = duration
    )]
    pub presence_debounce: Duration,
}

/// Longest password accepted, in characters. Long enough for any passphrase, short
/// enough that nobody can make the server hash megabytes.
pub const PASSWORD_MAX_CHARS: usize = 256;

/// Tunables of the password service (`service::accounts::passwords`).
#[derive(Clone, Debug, Args)]
pub struct PasswordConfig {
    /// Shortest password accepted, in characters.
    ///
    /// Between 8 and 256.
    #[arg(
        long = "password-min-length",
        env = "CONFAB_PASSWORD_MIN_LENGTH",
        value_name = "N",
        default_value_t = 8,
        value_parser = between(8usize, PASSWORD_MAX_CHARS)
    )]
    pub min_chars: usize,

    /// argon2id memory cost in KiB (the default is 19 MiB).
    ///
    /// At least 8192.
    #[arg(
        long = "argon2-memory-kib",
        env = "CONFAB_ARGON2_MEMORY_KIB",
        value_name = "KIB",
        default_value_t = 19 * 1024,
        value_parser = at_least(8192u32)
    )]
    pub memory_kib: u32,

    /// argon2id time cost (passes over memory).
    ///
    /// At least 1.
    #[arg(
        long = "argon2-iterations",
        env = "CONFAB_ARGON2_ITERATIONS",
        value_name = "N",
        default_value_t = 2,
        value_parser = at_least(1u32)
    )]
    pub iterations: u32,

    /// Password hashes computed at once; further requests wait their turn
    /// [default: number of CPU cores]
    ///
    /// At least 1.
    #[arg(
        long = "password-hash-concurrency",
        env = "CONFAB_PASSWORD_HASH_CONCURRENCY",
        value_name = "N",
        value_parser = at_least(1usize),
        required = false
    )]
    pub concurrency: usize,
}

/// Tunables of the sign-in throttle (`service::accounts::throttle`).
#[derive(Clone, Debug, Args)]
pub struct ThrottleConfig {
    /// Failed sign-ins per account before back-off starts.
    #[arg(
        long = "signin-free-failures",
        env = "CONFAB_SIGNIN_FREE_FAILURES",
        value_name = "N",
        default_value_t = 5
    )]
    pub account_free_failures: u32,

    /// Failed sign-ins per client address before back-off starts.
    #[arg(
        long = "signin-ip-free-failures",
        env = "CONFAB_SIGNIN_IP_FREE_FAILURES",
        value_name = "N",
        default_value_t = 20
    )]
    pub ip_free_failures: u32,

    /// First back-off delay after the free failures; it doubles with each further
    /// failure.
    ///
    /// Above zero, and at most `--signin-backoff-max`.
    #[arg(
        long = "signin-backoff-base",
        env = "CONFAB_SIGNIN_BACKOFF_BASE",
        value_name = "DURATION",
        default_value = "1s",
        value_parser = duration_above_zero
    )]
    pub base_delay: Duration,

    /// Longest back-off delay.
    #[arg(
        long = "signin-backoff-max",
        env = "CONFAB_SIGNIN_BACKOFF_MAX",
        value_name = "DURATION",
        default_value = "15m",
        value_parser = duration
    )]
    pub max_delay: Duration,

    /// A failure counter starts again from zero once this long has passed since its
    /// last failure.
    ///
    /// Also the window of the sign-up limit.
    #[arg(
        long = "signin-failure-window",
        env = "CONFAB_SIGNIN_FAILURE_WINDOW",
        value_name = "DURATION",
        default_value = "1h",
        value_parser = duration
    )]
    pub window: Duration,

    /// Sign-ups allowed per client address per failure window; `0` for no limit.
    #[arg(
        long = "signups-per-ip",
        env = "CONFAB_SIGNUPS_PER_IP",
        value_name = "N",
        default_value_t = 30
    )]
    pub signups_per_ip: u32,
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
        rule(
            self.throttle.max_delay >= self.throttle.base_delay,
            "--signin-backoff-base must be at most --signin-backoff-max",
        )
    }
}

/// Value parser: a duration written the human way, `15m`, `30days`, `1h 30m`, `500ms`.
fn duration(text: &str) -> Result<Duration, humantime::DurationError> {
    humantime::parse_duration(text)
}

/// Value parser: a duration above zero.
fn duration_above_zero(text: &str) -> Result<Duration, String> {
    match duration(text) {
        Ok(value) if value.is_zero() => Err("must be above zero".to_owned()),
        parsed => parsed.map_err(|e| e.to_string()),
    }
}

/// Value parser: a duration of at least `min`.
fn duration_at_least(min: Duration) -> impl TypedValueParser<Value = Duration> {
    move |text: &str| match duration(text) {
        Ok(value) if value < min => Err(format!(
            "must be at least {}",
            humantime::format_duration(min)
        )),
        parsed => parsed.map_err(|e| e.to_string()),
    }
}

/// Value parser: a whole number of at least `min`.
fn at_least<T: Number>(min: T) -> impl TypedValueParser<Value = T> {
    number_in(min, None)
}

/// Value parser: a whole number from `min` to `max`.
fn between<T: Number>(min: T, max: T) -> impl TypedValueParser<Value = T> {
    number_in(min, Some(max))
}

/// What [`at_least`] and [`between`] need of a number type.
trait Number: FromStr<Err: Display> + PartialOrd + Display + Clone + Send + Sync + 'static {}
impl<T> Number for T where
    T: FromStr<Err: Display> + PartialOrd + Display + Clone + Send + Sync + 'static
{
}

fn number_in<T: Number>(min: T, max: Option<T>) -> impl TypedValueParser<Value = T> {
    move |text: &str| {
        let value: T = text.parse().map_err(|e: T::Err| e.to_string())?;
        match &max {
            None if value < min => Err(format!("must be at least {min}")),
            Some(max) if value < min || value > *max => {
                Err(format!("must be between {min} and {max}"))
            }
            _ => Ok(value),
        }
    }
}
