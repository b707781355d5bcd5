//! Running a server: bind, serve, housekeeping, and graceful shutdown.

use crate::app::{App, AppState};
use crate::clock::{duration_millis, now_millis};
use crate::config::Config;
use crate::config::redact_url;
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
    let metrics = Metrics::install()?;
    let listen = config.listen;
    let app = App::start(config, metrics).await?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = %redact_url(&app.config.database_url), version = env!("CARGO_PKG_VERSION"), "listening");

    tokio::spawn(prune_periodically(app.clone()));
    tokio::spawn(app.hub.clone().run(app.shutdown.clone()));
    tokio::spawn(app.hub.clone().run_presence(app.shutdown.clone()));
    tokio::spawn(cancel_on_signal(app.clone()));

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
    tracing::info!("stopped");
    Ok(())
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
