//! The push sender's loop: take due pushes, skip users who are active, send the rest
//! (several at a time), and record how each ended.

use super::webpush::WebPush;
use crate::clock::now_millis;
use crate::realtime::Realtime;
use crate::service::notifications::{Notifications, PushOutcome};
use crate::service::rooms::Delivery as _;
use confab_proto::users::PresenceStatus;
use futures_util::StreamExt as _;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often due pushes are looked for.
const POLL: Duration = Duration::from_millis(500);
/// Pushes in flight at once.
const CONCURRENCY: usize = 16;

pub(super) async fn run(
    notifications: Arc<Notifications>,
    realtime: Arc<Realtime>,
    web_push: WebPush,
    shutdown: CancellationToken,
) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = shutdown.cancelled() => return,
        }
        let jobs = match notifications.due_pushes(now_millis()).await {
            Ok(jobs) => jobs,
            Err(error) => {
                tracing::warn!(?error, "finding due pushes failed");
                continue;
            }
        };
        futures_util::stream::iter(jobs)
            .for_each_concurrent(CONCURRENCY, |job| {
                let (notifications, realtime, web_push) = (&notifications, &realtime, &web_push);
                async move {
                    // A device that is connected with its tab visible shows the
                    // notification itself; nobody is buzzed twice.
                    let outcome = if realtime.presence(job.notification.user_id).0
                        == PresenceStatus::Online
                    {
                        PushOutcome::Skipped
                    } else {
                        match notifications.payload(&job.notification).await {
                            Ok(payload) => web_push.send(&job.subscription, &payload).await,
                            Err(error) => {
                                tracing::warn!(?error, "building a push failed");
                                PushOutcome::Failed
                            }
                        }
                    };
                    metrics::counter!(crate::telemetry::PUSHES, "outcome" => outcome_name(outcome))
                        .increment(1);
                    if let Err(error) = notifications.push_ended(&job, outcome, now_millis()).await
                    {
                        tracing::warn!(?error, "recording a push failed");
                    }
                }
            })
            .await;
    }
}

fn outcome_name(outcome: PushOutcome) -> &'static str {
    match outcome {
        PushOutcome::Delivered => "delivered",
        PushOutcome::Gone => "gone",
        PushOutcome::Retry => "retry",
        PushOutcome::Failed => "failed",
        PushOutcome::Skipped => "skipped",
    }
}
