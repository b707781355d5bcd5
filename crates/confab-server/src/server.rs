//! Running a server: bind, serve, supervise the background tasks, and shut down
//! gracefully.
//!
//! Every background task (the live-delivery tailer, presence, the bus receiver,
//! pruning, metrics upkeep, the signal listener) runs under the [`Supervisor`]. A task
//! that ends before shutdown began, or panics, is a failure: it is logged, `/readyz`
//! reports it from then on, and the server shuts down and exits with an error, so a
//! process manager restarts it instead of leaving a node that silently stopped
//! delivering.

use crate::app::{App, AppState, Readiness};
use crate::clock::{duration_millis, now_millis};
use crate::config::{Config, redact_url};
use crate::telemetry::Metrics;
use anyhow::Context as _;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::{Id, JoinSet};
use tokio_util::sync::CancellationToken;

/// How often expired throttle counters and dead refresh tokens are deleted.
const PRUNE_INTERVAL: Duration = Duration::from_secs(600);

/// Starts the server and runs it until SIGTERM or Ctrl-C, then shuts down
/// gracefully: stop accepting, let in-flight requests finish (at most
/// `shutdown_grace`), tell long-lived connections to go away, close the database.
pub async fn run(config: Config) -> anyhow::Result<()> {
    restrict_new_files();
    if config.database_url.starts_with("sqlite:") {
        prepare_data_dir(&config.data_dir)?;
    }
    let metrics = Metrics::install()?;
    let listen = config.listen;
    let app = App::start(config, metrics).await?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = %redact_url(&app.config.database_url), version = env!("CARGO_PKG_VERSION"), "listening");

    let mut supervisor = Supervisor::new(app.shutdown.clone(), app.readiness.clone());
    for task in app.realtime.tasks(&app.shutdown) {
        supervisor.spawn(task.name, task.run);
    }
    supervisor.spawn("prune", prune_periodically(app.clone()));
    supervisor.spawn("metrics", app.metrics.clone().upkeep(app.shutdown.clone()));
    supervisor.spawn("signals", cancel_on_signal(app.clone()));
    let supervised = tokio::spawn(supervisor.watch());

    let router = crate::http::router(app.clone());
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(app.shutdown.clone().cancelled_owned());
    let grace_expired = async {
        app.shutdown.cancelled().await;
        tokio::time::sleep(app.config.shutdown_grace).await;
    };
    let drained = async {
        server.await.context("server error")?;
        // WebSockets were told to go away when shutdown began; wait for their close.
        app.connections.close();
        app.connections.wait().await;
        anyhow::Ok(())
    };
    tokio::select! {
        result = drained => result?,
        () = grace_expired => tracing::warn!("shutdown grace period over; closing remaining connections"),
    }
    app.close().await;
    // Every task has seen the shutdown by now; a failure before it is the answer.
    let failed = match tokio::time::timeout(app.config.shutdown_grace, supervised).await {
        Ok(Ok(failed)) => failed,
        Ok(Err(join)) => Some(format!("the supervisor itself failed: {join}")),
        Err(_) => None,
    };
    match failed {
        Some(failure) => {
            tracing::error!(%failure, "stopped after a background task failed");
            anyhow::bail!("stopped after a background task failed: {failure}")
        }
        None => {
            tracing::info!("stopped");
            Ok(())
        }
    }
}

/// Makes every file and directory this process creates private to its user
/// (`umask 077`), whatever umask it was started with: the database holds password
/// hashes and the token-signing key.
fn restrict_new_files() {
    #[cfg(unix)]
    // SAFETY: umask only swaps the process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Creates the data directory private to this user (0700), or warns when an
/// existing one can be read by others.
fn prepare_data_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    let existed = dir.exists();
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create data directory {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if !existed {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot restrict data directory {}", dir.display()))?;
        } else if let Ok(meta) = std::fs::metadata(dir)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                dir = %dir.display(),
                mode = format!("{:o}", meta.permissions().mode() & 0o777),
                "the data directory is readable by other users of this machine; it holds password hashes and the token-signing key: chmod 700 it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = existed;
    Ok(())
}

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

async fn cancel_on_signal(app: AppState) {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
        // Shutting down for another reason (a failed task): nothing left to listen for.
        () = app.shutdown.cancelled() => return,
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
    app.shutdown.cancel();
}

async fn prune_periodically(app: AppState) {
    let mut tick = tokio::time::interval(PRUNE_INTERVAL);
    loop {
        tokio::select! {
            _ = tick.tick() => {},
            () = app.shutdown.cancelled() => return,
        }
        let now = now_millis();
        let window = duration_millis(app.config.throttle.window);
        match app.store.prune(now.saturating_sub(window), now).await {
            Ok(removed) if removed > 0 => tracing::debug!(removed, "pruned stale rows"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "pruning failed"),
        }
    }
}
