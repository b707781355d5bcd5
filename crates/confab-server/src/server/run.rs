//! `confab serve`'s life: prepare the files, start the app and its supervised
//! background tasks, serve HTTP until a signal or a failure, shut down gracefully.

use super::files::{prepare_data_dir, restrict_new_files};
use super::supervisor::Supervisor;
use crate::app::{App, AppState};
use crate::clock::{duration_millis, now_millis};
use crate::config::{Config, redact_url};
use crate::telemetry::Metrics;
use anyhow::Context as _;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;

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
