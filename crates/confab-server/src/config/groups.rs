//! The groups of settings that the services take whole: room limits, WebSocket,
//! passwords and sign-in throttling. Declared like the rest (see `options.rs`) and
//! flattened into [`Config`](super::Config).

use super::parsers::{at_least, between, duration, duration_above_zero, duration_at_least};
use clap::Args;
use std::time::Duration;

/// Configurable limits of rooms and messages.
#[derive(Clone, Debug, Args)]
pub struct RoomLimits {
    /// Most members one room may have.
    ///
    /// Checked when people are invited and when they accept (pending invitations
    /// count towards it when inviting).
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
    /// Checked for everyone who would join a room: the creator of a group, both people
    /// of a direct room opened without a request, and whoever accepts an invitation.
    /// Pending invitations do not count. At least 1.
    #[arg(
        long = "max-rooms-per-user",
        env = "CONFAB_MAX_ROOMS_PER_USER",
        value_name = "N",
        default_value_t = 1_000,
        value_parser = at_least(1u32)
    )]
    pub max_rooms_per_user: u32,

    /// Most pinned messages one room may have.
    ///
    /// Pinning one more gets `409 too_many_pins`. At least 1.
    #[arg(
        long = "max-pins-per-room",
        env = "CONFAB_MAX_PINS_PER_ROOM",
        value_name = "N",
        default_value_t = 50,
        value_parser = at_least(1u32)
    )]
    pub max_pins: u32,

    /// Rooms one account may create per hour (groups, and direct rooms opened for the
    /// first time), in bursts of up to this many; `0` for no limit.
    ///
    /// Over it, creating gets `429 rate_limited` with `Retry-After`. Counted by each
    /// node on its own.
    #[arg(
        long = "rooms-created-per-hour",
        env = "CONFAB_ROOMS_CREATED_PER_HOUR",
        value_name = "N",
        default_value_t = 60
    )]
    pub rooms_created_per_hour: u32,

    /// People one account may invite per hour (each person named when a group is
    /// created or people are invited, and the other person of a new direct room when
    /// it starts as a request), in bursts of up to this many; `0` for no limit.
    ///
    /// Over it, the whole request gets `429 rate_limited` with `Retry-After` and
    /// invites nobody. Counted by each node on its own.
    #[arg(
        long = "invitations-per-hour",
        env = "CONFAB_INVITATIONS_PER_HOUR",
        value_name = "N",
        default_value_t = 500
    )]
    pub invitations_per_hour: u32,

    /// Most invitations one user may have waiting for an answer.
    ///
    /// Further invitations to them are refused (`400 invalid_input`) until they accept
    /// or decline some, so nobody can bury a user's invitations or fill the database
    /// through them. At least 1.
    #[arg(
        long = "max-pending-invitations",
        env = "CONFAB_MAX_PENDING_INVITATIONS",
        value_name = "N",
        default_value_t = 100,
        value_parser = at_least(1u32)
    )]
    pub max_pending_invitations: u32,

    /// Most people one user may block.
    ///
    /// At least 1.
    #[arg(
        long = "max-blocked-users",
        env = "CONFAB_MAX_BLOCKED_USERS",
        value_name = "N",
        default_value_t = 1_000,
        value_parser = at_least(1u32)
    )]
    pub max_blocked_users: u32,

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

    /// Password checks that may wait for a free hashing slot; more get `503` with
    /// `Retry-After` at once.
    ///
    /// Bounds the queue (and the memory it holds) under a burst of sign-ins. At least 1.
    #[arg(
        long = "password-hash-queue",
        env = "CONFAB_PASSWORD_HASH_QUEUE",
        value_name = "N",
        default_value_t = 64,
        value_parser = at_least(1usize)
    )]
    pub queue: usize,
}

/// Tunables of the sign-in throttle (`service::accounts::throttle`).
#[derive(Clone, Debug, Args)]
pub struct ThrottleConfig {
    /// Failed sign-ins to one account from one client address before that address's
    /// attempts on the account back off.
    ///
    /// Counted per account and address together, so someone failing elsewhere cannot
    /// lock the owner out; a successful sign-in clears it.
    #[arg(
        long = "signin-free-failures",
        env = "CONFAB_SIGNIN_FREE_FAILURES",
        value_name = "N",
        default_value_t = 5
    )]
    pub account_free_failures: u32,

    /// Failed sign-ins to one account from all addresses together before every
    /// attempt on it backs off.
    ///
    /// Slows a guesser who spreads over many addresses; high enough that one address,
    /// held back by its own limits, cannot reach it and lock the owner out.
    #[arg(
        long = "signin-account-free-failures",
        env = "CONFAB_SIGNIN_ACCOUNT_FREE_FAILURES",
        value_name = "N",
        default_value_t = 100
    )]
    pub account_total_free_failures: u32,

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

    /// Sign-in attempts allowed per client address per failure window, whether they
    /// succeed or not; `0` for no limit.
    ///
    /// Every attempt costs a password hash; this bounds what one address can make the
    /// server compute.
    #[arg(
        long = "signins-per-ip",
        env = "CONFAB_SIGNINS_PER_IP",
        value_name = "N",
        default_value_t = 100
    )]
    pub signins_per_ip: u32,

    /// Sign-in attempts allowed per account per failure window, whether they succeed
    /// or not; `0` for no limit.
    #[arg(
        long = "signins-per-account",
        env = "CONFAB_SIGNINS_PER_ACCOUNT",
        value_name = "N",
        default_value_t = 30
    )]
    pub signins_per_account: u32,
}

/// How HTTP connections are accepted and how long they may dawdle.
#[derive(Clone, Debug, Args)]
pub struct HttpConfig {
    /// A client must send a request's headers within this long, or its connection is
    /// closed.
    ///
    /// The same limit closes a kept-alive connection that sends no new request for
    /// this long, so a slow or silent client cannot hold a connection open (a
    /// WebSocket, once upgraded, has its own heartbeat instead). At least 1s.
    #[arg(
        long = "http-header-timeout",
        env = "CONFAB_HTTP_HEADER_TIMEOUT",
        value_name = "DURATION",
        default_value = "10s",
        value_parser = duration_at_least(Duration::from_secs(1))
    )]
    pub header_timeout: Duration,

    /// A request body that sends nothing for this long is given up on, and the request
    /// fails.
    ///
    /// It counts from the last piece of the body that arrived, so a large upload on a
    /// slow line is fine as long as it keeps moving. At least 1s.
    #[arg(
        long = "http-body-timeout",
        env = "CONFAB_HTTP_BODY_TIMEOUT",
        value_name = "DURATION",
        default_value = "30s",
        value_parser = duration_at_least(Duration::from_secs(1))
    )]
    pub body_timeout: Duration,

    /// Most connections (HTTP and WebSocket) open at once; `0` sizes it from the
    /// open-file limit.
    ///
    /// With `0`, the server raises its open-file limit to the system's hard limit at
    /// start and accepts as many connections as that leaves after a reserve for the
    /// database and files (a quarter of the limit, at least 32 and at most 256). Beyond the limit, new connections wait in the
    /// system's accept queue until one closes, instead of failing with "too many open
    /// files". [default: 0]
    #[arg(
        long = "max-connections",
        env = "CONFAB_MAX_CONNECTIONS",
        value_name = "N",
        default_value_t = 0
    )]
    pub max_connections: usize,

    /// Most connections open at once from one client address; `0` for no limit.
    ///
    /// A connection over the limit is closed as soon as it is accepted. The address is
    /// the connection's own: behind a reverse proxy (`--trust-forwarded-for`) every
    /// connection comes from the proxy, so the limit is not applied there; limit
    /// clients at the proxy instead.
    #[arg(
        long = "max-connections-per-address",
        env = "CONFAB_MAX_CONNECTIONS_PER_ADDRESS",
        value_name = "N",
        default_value_t = 256
    )]
    pub max_connections_per_address: usize,
}
