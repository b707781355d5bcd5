//! The notifier's loop: process the log whenever something was committed.

use crate::clock::now_millis;
use crate::service::notifications::Notifications;
use crate::store::rooms::CommitWatch;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the log is read without a commit signal (other nodes' commits).
const POLL: Duration = Duration::from_secs(1);

pub(super) async fn run(
    notifications: Arc<Notifications>,
    mut commits: CommitWatch,
    shutdown: CancellationToken,
) {
    loop {
        match notifications.process_log(now_millis()).await {
            Ok(true) if !shutdown.is_cancelled() => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(?error, "recording notifications failed; retrying"),
        }
        tokio::select! {
            changed = commits.changed() => {
                if changed.is_err() {
                    // The store is closing; poll until shutdown.
                    tokio::time::sleep(POLL).await;
                }
            }
            () = tokio::time::sleep(POLL) => {}
            () = shutdown.cancelled() => return,
        }
    }
}
