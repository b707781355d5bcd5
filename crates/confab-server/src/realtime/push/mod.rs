//! The notifier and Web Push: a second consumer of the committed log, beside the
//! tailer, with its own durable cursor (kept by the notifications service), and the
//! sender of the pushes it schedules.
//!
//! - `notifier`: runs [`Notifications::process_log`](crate::service::notifications::Notifications::process_log)
//!   whenever the store commits (and every second, for other nodes' commits); with
//!   several nodes, on the one node that holds its lease;
//! - `sender`: every half second, takes the due pushes, skips users with an active
//!   device, and sends the rest;
//! - `webpush`: one push over HTTP: RFC 8291 encryption, a VAPID token (RFC 8292),
//!   and a resolver that refuses private addresses.

mod notifier;
mod sender;
mod webpush;

pub use webpush::WebPush;

use super::node::{Realtime, Task};
use crate::service::notifications::Notifications;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

impl Realtime {
    /// The notifier's and the push sender's tasks, which run under the server's
    /// supervisor until `shutdown`. With several nodes, `notifier_lease` is how long
    /// a node keeps the notifier after it last renewed its lease.
    pub fn push_tasks(
        self: &Arc<Self>,
        notifications: Arc<Notifications>,
        notifier_lease: Option<Duration>,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<Vec<Task>> {
        let config = notifications.config();
        let web_push = WebPush::new(
            notifications.vapid(),
            config.push_subject.clone(),
            config.push_timeout,
            config.push_allow_private_endpoints,
        )?;
        let commits = self.committed();
        Ok(vec![
            Task {
                name: "notifier",
                run: Box::pin(notifier::run(
                    Arc::clone(&notifications),
                    commits,
                    notifier_lease,
                    shutdown.clone(),
                )),
            },
            Task {
                name: "push sender",
                run: Box::pin(sender::run(
                    notifications,
                    Arc::clone(self),
                    web_push,
                    shutdown.clone(),
                )),
            },
        ])
    }
}
