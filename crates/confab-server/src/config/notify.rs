//! Settings of notifications, Web Push and search. Declared like the rest (see
//! `options.rs`) and flattened into [`Config`](super::Config).

use super::parsers::{at_least, between, duration, duration_above_zero};
use clap::{Args, ValueEnum};
use std::time::Duration;

/// Who may notify a whole group with `@room`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoomMentionRole {
    /// Every member.
    Member,
    /// Admins and the owner.
    Admin,
    /// Only the owner.
    Owner,
}

/// Notifications, Web Push and search.
#[derive(Clone, Debug, Args)]
pub struct NotifyConfig {
    /// Lowest role that may mention `@room` in a group
    ///
    /// A message with `@room` from a member below it is refused with `403 forbidden`.
    #[arg(
        long = "room-mention-role",
        env = "CONFAB_ROOM_MENTION_ROLE",
        value_name = "ROLE",
        value_enum,
        default_value = "admin"
    )]
    pub room_mention_role: RoomMentionRole,

    /// How long a notification waits before it is pushed
    ///
    /// It is pushed (Web Push) only if it is still unread then and none of the user's
    /// devices is connected and active (tab visible), so a user reading on another
    /// device is not buzzed. `0s` pushes at once.
    #[arg(
        long = "push-delay",
        env = "CONFAB_PUSH_DELAY",
        value_name = "DURATION",
        default_value = "10s",
        value_parser = duration
    )]
    pub push_delay: Duration,

    /// How many times one push is tried before it is given up
    ///
    /// A push that fails for a reason worth retrying (no answer, a 5xx or 429 status)
    /// is tried again after `--push-retry-base`, then twice as long each time.
    /// Subscriptions the push service calls gone (404, 410) are removed at once.
    #[arg(
        long = "push-max-attempts",
        env = "CONFAB_PUSH_MAX_ATTEMPTS",
        value_name = "N",
        default_value_t = 5,
        value_parser = between(1u32, 20)
    )]
    pub push_max_attempts: u32,

    /// Wait before the first retry of a failed push (doubled for each later one).
    #[arg(
        long = "push-retry-base",
        env = "CONFAB_PUSH_RETRY_BASE",
        value_name = "DURATION",
        default_value = "30s",
        value_parser = duration_above_zero
    )]
    pub push_retry_base: Duration,

    /// Longest a request to a push service may take.
    #[arg(
        long = "push-timeout",
        env = "CONFAB_PUSH_TIMEOUT",
        value_name = "DURATION",
        default_value = "10s",
        value_parser = duration_above_zero
    )]
    pub push_timeout: Duration,

    /// How push services can reach the operator (`mailto:` or `https:` URL)
    ///
    /// Sent in every push's VAPID token (RFC 8292); some push services refuse pushes
    /// without a real contact.
    #[arg(
        long = "push-subject",
        env = "CONFAB_PUSH_SUBJECT",
        value_name = "URL",
        default_value = "mailto:postmaster@localhost"
    )]
    pub push_subject: String,

    /// Accept push endpoints that are not `https://` on a public address
    ///
    /// Off by default: a push endpoint is a URL a user gives, and the server sends
    /// requests to it, so it must not reach services on the server's own network. For
    /// tests with a push service on loopback only.
    #[arg(
        long = "push-allow-private-endpoints",
        env = "CONFAB_PUSH_ALLOW_PRIVATE_ENDPOINTS",
        value_name = "BOOL",
        default_value_t = false,
        action = clap::ArgAction::Set,
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub push_allow_private_endpoints: bool,

    /// Most push subscriptions one user may have (one per browser and device).
    #[arg(
        long = "max-push-subscriptions",
        env = "CONFAB_MAX_PUSH_SUBSCRIPTIONS",
        value_name = "N",
        default_value_t = 20,
        value_parser = at_least(1usize)
    )]
    pub max_push_subscriptions: usize,

    /// How long notifications are kept; older ones are deleted.
    #[arg(
        long = "notification-retention",
        env = "CONFAB_NOTIFICATION_RETENTION",
        value_name = "DURATION",
        default_value = "90days",
        value_parser = duration_above_zero
    )]
    pub notification_retention: Duration,

    /// Searches one user may make per minute (bursts up to this many)
    ///
    /// More are refused with `429 rate_limited` and `Retry-After`.
    #[arg(
        long = "searches-per-minute",
        env = "CONFAB_SEARCHES_PER_MINUTE",
        value_name = "N",
        default_value_t = 60,
        value_parser = at_least(1u32)
    )]
    pub searches_per_minute: u32,

    /// Longest search query, in characters.
    #[arg(
        long = "max-search-chars",
        env = "CONFAB_MAX_SEARCH_CHARS",
        value_name = "N",
        default_value_t = 200,
        value_parser = between(1usize, 1000)
    )]
    pub max_search_chars: usize,

    /// Most words in one search query.
    #[arg(
        long = "max-search-words",
        env = "CONFAB_MAX_SEARCH_WORDS",
        value_name = "N",
        default_value_t = 8,
        value_parser = between(1usize, 32)
    )]
    pub max_search_words: usize,

    /// Newest messages a search reads in order before it turns to the word index
    ///
    /// Reading the newest messages one by one and stopping at a full page is quick
    /// whatever the words; the trigram index is quick only for words that occur
    /// rarely (a common word, or one of one or two characters, gives it every match
    /// to sort). So a search first reads this many of the newest messages of the
    /// whole server, then, for a page not yet full, asks the index for older ones.
    /// Larger: common words stay quick further back, rare words cost a longer read
    /// first. See docs/benchmarks.md.
    #[arg(
        long = "search-recent-messages",
        env = "CONFAB_SEARCH_RECENT_MESSAGES",
        value_name = "N",
        default_value_t = 10_000,
        value_parser = between(1u32, 10_000_000)
    )]
    pub search_recent_messages: u32,
}
