//! The notifier's loop: process the log whenever something was committed.
//!
//! With several nodes (`lease` set), only the node holding the notifier's lease
//! processes the log; the others would only read the same events and lose the race
//! to move the cursor. The holder renews the lease when half of it has run out; the
//! others try to claim it every third of it, so when the holder dies another takes
//! over within about one lease. A node that stops gives the lease up.

use crate::clock::{Millis, now_millis};
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
    lease: Option<Duration>,
    shutdown: CancellationToken,
) {
    let mut claim = lease.map(Claim::new);
    loop {
        let holding = match &mut claim {
            Some(claim) => claim.renew(&notifications).await,
            None => true,
        };
        if holding {
            match notifications.process_log(now_millis()).await {
                Ok(true) if !shutdown.is_cancelled() => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(?error, "recording notifications failed; retrying"),
            }
        }
        let wait = match (&claim, holding) {
            (Some(claim), false) => claim.retry_every(),
            _ => POLL,
        };
        tokio::select! {
            changed = commits.changed(), if holding => {
                if changed.is_err() {
                    // The store is closing; poll until shutdown.
                    tokio::time::sleep(POLL).await;
                }
            }
            () = tokio::time::sleep(wait) => {}
            () = shutdown.cancelled() => {
                if let Some(claim) = claim {
                    claim.release(&notifications).await;
                }
                return;
            }
        }
    }
}

/// This node's claim on the notifier's lease.
struct Claim {
    /// Random per process: a restarted node claims afresh.
    holder: String,
    lease: Duration,
    /// Until when this node holds the lease, as far as it knows (0: it does not).
    held_until: Millis,
}

impl Claim {
    fn new(lease: Duration) -> Self {
        Self {
            holder: format!("{:016x}", rand::random::<u64>()),
            lease,
            held_until: 0,
        }
    }

    fn lease_millis(&self) -> Millis {
        Millis::try_from(self.lease.as_millis()).unwrap_or(Millis::MAX)
    }

    /// Whether this node holds the lease now: renewed (or claimed) once less than
    /// half of it is left.
    async fn renew(&mut self, notifications: &Notifications) -> bool {
        let now = now_millis();
        if self.held_until.saturating_sub(now) > self.lease_millis() / 2 {
            return true;
        }
        let until = now.saturating_add(self.lease_millis());
        let held = match notifications.claim_notifier(&self.holder, now, until).await {
            Ok(held) => held,
            Err(error) => {
                tracing::warn!(?error, "cannot claim the notifier's lease; retrying");
                false
            }
        };
        if held && self.held_until == 0 {
            tracing::info!("this node records notifications for the cluster");
        }
        self.held_until = if held { until } else { 0 };
        held
    }

    /// How often a node without the lease tries to claim it.
    fn retry_every(&self) -> Duration {
        self.lease / 3
    }

    async fn release(self, notifications: &Notifications) {
        if self.held_until == 0 {
            return;
        }
        if let Err(error) = notifications.release_notifier(&self.holder).await {
            tracing::warn!(
                ?error,
                "cannot give up the notifier's lease; it expires by itself"
            );
        }
    }
}
