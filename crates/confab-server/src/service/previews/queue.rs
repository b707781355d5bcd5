//! The queue between sending a message and previewing its link: sending offers a
//! job and never waits; when the queue is full the message gets no preview.

use crate::service::accounts::tokens::Principal;
use confab_proto::RoomId;
use tokio::sync::mpsc;
use url::Url;

/// One message whose link to preview.
#[derive(Clone, Debug)]
pub struct PreviewJob {
    pub room: RoomId,
    pub seq: i64,
    /// The message's sender, who the preview is attached as.
    pub sender: Principal,
    pub url: Url,
}

/// Where messages with links are offered for previewing.
#[derive(Clone, Debug)]
pub struct PreviewQueue {
    jobs: mpsc::Sender<PreviewJob>,
}

impl PreviewQueue {
    /// A queue that holds up to `capacity` jobs, and the receiving end.
    pub fn channel(capacity: usize) -> (Self, mpsc::Receiver<PreviewJob>) {
        let (jobs, receiver) = mpsc::channel(capacity.max(1));
        (Self { jobs }, receiver)
    }

    /// Queues a job; drops it (counted) when the queue is full or closed.
    pub fn offer(&self, job: PreviewJob) {
        if self.jobs.try_send(job).is_err() {
            metrics::counter!(crate::telemetry::LINK_PREVIEWS, "outcome" => "dropped").increment(1);
        }
    }
}
