//! Settings of a node among several: the NATS server that links the nodes, and the
//! promise that the files directory is shared by all of them.
//! Declared like the rest (see `options.rs`) and flattened into
//! [`Config`](super::Config).

use super::parsers::{between, duration_at_least};
use clap::Args;
use std::time::Duration;

/// Several nodes on one PostgreSQL database.
#[derive(Clone, Debug, Args)]
pub struct ClusterConfig {
    /// NATS server that links the nodes of a cluster: `nats://HOST:PORT` (or
    /// `tls://HOST:PORT`; credentials as `nats://USER:PASSWORD@HOST:PORT`)
    ///
    /// With it, an event committed on one node reaches the connections of the
    /// others at once, and typing, presence and revoked sessions cross nodes. NATS
    /// is never the only copy of anything: while it is unreachable the node keeps
    /// serving, finds the others' events by reading the database every second, and
    /// reconnects by itself. Needs `--database-url postgres://...` and files every
    /// node reaches (`--s3-bucket`, or `--files-dir-shared`). Unset: one node.
    #[arg(long = "nats-url", env = "CONFAB_NATS_URL", value_name = "URL")]
    pub nats_url: Option<String>,

    /// NATS subject of the cluster's messages
    ///
    /// Every node of one cluster uses the same subject; clusters sharing a NATS
    /// server use different ones. Letters, digits, `-`, `_` and dots between tokens.
    #[arg(
        long = "nats-subject",
        env = "CONFAB_NATS_SUBJECT",
        value_name = "SUBJECT",
        default_value = "confab.bus",
        value_parser = subject
    )]
    pub nats_subject: String,

    /// Most messages for the other nodes that wait while NATS is slow or away
    ///
    /// Beyond it new ones are dropped (and counted in
    /// `confab_bus_messages_total{outcome="dropped"}`): a typing indicator or a
    /// wake-up is lost, never an event, which the other nodes read from the
    /// database. 16 to 1,000,000.
    #[arg(
        long = "nats-send-queue",
        env = "CONFAB_NATS_SEND_QUEUE",
        value_name = "N",
        default_value_t = 8192,
        value_parser = between(16usize, 1_000_000)
    )]
    pub nats_send_queue: usize,

    /// How long a node may stay silent before the others count its users as gone
    ///
    /// Each node reports its connected users' presence to the others every third
    /// of this. When a node dies or is cut off, its users show offline everywhere
    /// after at most this long (unless connected to another node). At least 1s.
    #[arg(
        long = "presence-node-timeout",
        env = "CONFAB_PRESENCE_NODE_TIMEOUT",
        value_name = "DURATION",
        default_value = "15s",
        value_parser = duration_at_least(Duration::from_secs(1))
    )]
    pub presence_node_timeout: Duration,

    /// How long one node keeps recording notifications for the cluster after it
    /// last renewed its claim
    ///
    /// With several nodes, one of them reads the log for notifications (and
    /// schedules pushes) on behalf of all; it renews its claim when half of this has
    /// run out. When it dies, another node takes over within about this long, and
    /// notifications of the events in between are recorded then. A node that stops
    /// hands over at once. At least 1s.
    #[arg(
        long = "notifier-lease",
        env = "CONFAB_NOTIFIER_LEASE",
        value_name = "DURATION",
        default_value = "10s",
        value_parser = duration_at_least(Duration::from_secs(1))
    )]
    pub notifier_lease: Duration,

    /// The files directory (`--files-dir`) is the same directory on every node (a
    /// network file system)
    ///
    /// Several nodes must all reach every file. With `--nats-url` and no
    /// `--s3-bucket`, the server refuses to start unless this says the directory is
    /// shared.
    #[arg(
        long = "files-dir-shared",
        env = "CONFAB_FILES_DIR_SHARED",
        value_name = "BOOL",
        default_value_t = false,
        action = clap::ArgAction::Set,
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub files_dir_shared: bool,
}

/// Value parser: a NATS subject without wildcards.
fn subject(text: &str) -> Result<String, String> {
    let valid_token = |token: &str| {
        !token.is_empty()
            && token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if text.len() <= 128 && text.split('.').all(valid_token) {
        Ok(text.to_owned())
    } else {
        Err("must be tokens of letters, digits, `-` and `_` joined by dots (at most 128 characters)".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::subject;

    #[test]
    fn subjects_are_dotted_tokens_without_wildcards() {
        for good in ["confab.bus", "prod-eu_1.confab", "x"] {
            assert_eq!(subject(good).as_deref(), Ok(good));
        }
        for bad in ["", "confab.", ".bus", "confab.*", "confab.>", "a b", "a..b"] {
            assert!(subject(bad).is_err(), "{bad:?}");
        }
    }
}
