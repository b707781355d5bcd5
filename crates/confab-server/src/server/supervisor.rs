//! The [`Supervisor`] of the server's background tasks.
//!
//! A task that ends before shutdown began, or panics, is a failure: it is logged,
//! `/readyz` reports it from then on, and the server shuts down and exits with an
//! error, so a process manager restarts it instead of leaving a node that silently
//! stopped delivering.

use crate::app::Readiness;
use std::collections::HashMap;
use std::future::Future;
use tokio::task::{Id, JoinSet};
use tokio_util::sync::CancellationToken;

/// Runs the background tasks and notices when one ends before its time.
pub struct Supervisor {
    tasks: JoinSet<()>,
    names: HashMap<Id, &'static str>,
    shutdown: CancellationToken,
    readiness: Readiness,
}

impl Supervisor {
    /// A supervisor that starts the shutdown and fails `readiness` when a task fails.
    pub fn new(shutdown: CancellationToken, readiness: Readiness) -> Self {
        Self {
            tasks: JoinSet::new(),
            names: HashMap::new(),
            shutdown,
            readiness,
        }
    }

    /// Starts a task that must run until shutdown.
    pub fn spawn(&mut self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        let handle = self.tasks.spawn(task);
        self.names.insert(handle.id(), name);
    }

    /// Waits for every task to end. Returns the first failure, if any: a task that
    /// ended before shutdown began, or panicked.
    pub async fn watch(mut self) -> Option<String> {
        let mut first_failure = None;
        while let Some(joined) = self.tasks.join_next_with_id().await {
            let (id, failure) = match joined {
                Ok((id, ())) if self.shutdown.is_cancelled() => (id, None),
                Ok((id, ())) => (id, Some("stopped")),
                Err(error) if error.is_panic() => (error.id(), Some("panicked")),
                Err(error) => (error.id(), Some("was cancelled")),
            };
            let Some(failure) = failure else { continue };
            let name = self.names.get(&id).copied().unwrap_or("unknown");
            let description = format!("background task `{name}` {failure}");
            tracing::error!(task = name, "{description}; the server is shutting down");
            self.readiness.fail(description.clone());
            self.shutdown.cancel();
            first_failure.get_or_insert(description);
        }
        first_failure
    }
}
