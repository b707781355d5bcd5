//! `confab serve`'s life: prepare the files, start the app and its supervised
//! background tasks, serve HTTP until a signal or a failure, shut down gracefully.

use super::files::{prepare_data_dir, raise_open_file_limit, restrict_new_files};
use super::listener::Admission;
use super::serve::serve;
use super::supervisor::Supervisor;
use super::tls::{Tls, Upkeep};
use crate::app::{App, AppState};
use crate::clock::{duration_millis, now_millis};
use crate::config::{Config, redact_url};
use crate::telemetry::Metrics;
use anyhow::Context as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Descriptors kept for the database, its files and logs when the connection limit
/// is sized from the open-file limit: a quarter of it, at least 32 and at most 256.
fn reserved_files(open_files: u64) -> u64 {
    (open_files / 4).clamp(32, 256)
}

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
    // A certificate that does not load stops the start, before anything else. An
    // ACME certificate comes later, from its upkeep task.
    let (tls, upkeep) = match Tls::from_config(&config.tls, &config.data_dir)? {
        Some((tls, upkeep)) => (Some(Arc::new(tls)), Some(upkeep)),
        None => (None, None),
    };
    let http01 = upkeep.as_ref().and_then(Upkeep::http01);
    let app = App::start(config, metrics).await?;
    let listener = bind(app.config.listen).await?;
    let redirect_listener = match app.config.tls.redirect_listen {
        Some(redirect) => Some(bind(redirect).await?),
        None => None,
    };
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(%addr, scheme, database = %redact_url(&app.config.database_url), version = env!("CARGO_PKG_VERSION"), "listening");
    if let Some(redirect) = &redirect_listener {
        tracing::info!(addr = %redirect.local_addr()?, "redirecting plain HTTP to HTTPS");
    }

    let mut supervisor = Supervisor::new(app.shutdown.clone(), app.readiness.clone());
    for task in app.realtime.tasks(&app.shutdown) {
        supervisor.spawn(task.name, task.run);
    }
    for task in app.realtime.push_tasks(
        Arc::clone(&app.notifications),
        app.nats
            .is_some()
            .then_some(app.config.cluster.notifier_lease),
        &app.shutdown,
    )? {
        supervisor.spawn(task.name, task.run);
    }
    if let Some(nats) = &app.nats {
        for task in nats.tasks(&app.shutdown) {
            supervisor.spawn(task.name, task.run);
        }
    }
    supervisor.spawn("search backfill", backfill_search(app.clone()));
    supervisor.spawn("prune", prune_periodically(app.clone()));
    supervisor.spawn("file sweep", sweep_files_periodically(app.clone()));
    supervisor.spawn("link previews", preview_links(app.clone()));
    supervisor.spawn("metrics", app.metrics.clone().upkeep(app.shutdown.clone()));
    supervisor.spawn("signals", cancel_on_signal(app.clone()));
    if let Some(upkeep) = upkeep {
        let name = upkeep.name();
        supervisor.spawn(
            name,
            upkeep.run(app.config.tls.watch_interval, app.shutdown.clone()),
        );
    }
    let supervised = tokio::spawn(supervisor.watch());

    if !crate::http::has_web_client() {
        tracing::warn!(
            "this binary was built without its web client (CONFAB_SKIP_WEB_BUILD=1 and no \
             web/dist): the API works, and / explains how to build the client in"
        );
    }
    let router = crate::http::router(app.clone());
    // One set of connection limits for both listeners.
    let admission = Arc::new(admission(&app.config));
    let header_timeout = app.config.http.header_timeout;
    // `--listen`: HTTPS with TLS on, plain HTTP without.
    let primary = serve(
        listener,
        Arc::clone(&admission),
        tls,
        router,
        header_timeout,
        app.shutdown.clone(),
    );
    let redirects = async {
        if let Some(redirect_listener) = redirect_listener {
            let router = crate::http::to_https(addr.port(), http01);
            let shutdown = app.shutdown.clone();
            serve(
                redirect_listener,
                admission,
                None,
                router,
                header_timeout,
                shutdown,
            )
            .await;
        }
    };
    let server = async {
        tokio::join!(primary, redirects);
    };
    let grace_expired = async {
        app.shutdown.cancelled().await;
        tokio::time::sleep(app.config.shutdown_grace).await;
    };
    let drained = async {
        server.await;
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

async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}

/// The connection limits from the settings; `--max-connections 0` takes what the
/// open-file limit leaves after [`reserved_files`].
fn admission(config: &Config) -> Admission {
    let open_files = raise_open_file_limit();
    let max_open = match (config.http.max_connections, open_files) {
        (0, Some(files)) => {
            let connections = files.saturating_sub(reserved_files(files)).max(1);
            usize::try_from(connections).unwrap_or(usize::MAX)
        }
        (0, None) => 1024,
        (configured, _) => configured,
    };
    // Behind a proxy every connection comes from the proxy: no per-address limit.
    let per_address = match config.http.max_connections_per_address {
        0 => None,
        _ if config.trust_forwarded_for => None,
        limit => Some(limit),
    };
    tracing::info!(
        max_connections = max_open,
        max_connections_per_address = per_address,
        open_files,
        "connection limits"
    );
    Admission::new(max_open, per_address)
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

async fn sweep_files_periodically(app: AppState) {
    let grace = duration_millis(app.config.files.sweep_grace);
    every(&app, app.config.files.sweep_interval, || async {
        match app.files.sweep(grace).await {
            Ok(report) if report.files + report.blobs + report.uploads > 0 => {
                tracing::info!(
                    files = report.files,
                    blobs = report.blobs,
                    uploads = report.uploads,
                    "swept unused files"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sweeping unused files failed"),
        }
    })
    .await;
}

/// Previews the links of sent messages until shutdown.
async fn preview_links(app: AppState) {
    app.previews.run(&app.rooms, app.shutdown.clone()).await;
    // A supervised task must not end before shutdown.
    app.shutdown.cancelled().await;
}

async fn prune_periodically(app: AppState) {
    every(&app, PRUNE_INTERVAL, || async {
        let now = now_millis();
        let window = duration_millis(app.config.throttle.window);
        let stale = app.store.prune(now.saturating_sub(window), now).await;
        report_pruned("stale rows", stale);
        report_pruned("old notifications", app.notifications.prune(now).await);
        report_pruned("expired provider flows", app.providers.prune(now).await);
        let ceremonies = app.accounts.prune_passkey_ceremonies(now).await;
        report_pruned("expired passkey ceremonies", ceremonies);
        // Before the file sweep runs, so that pictures only stale entries used go.
        report_pruned("stale link previews", app.previews.forget_stale().await);
    })
    .await;
}

/// Logs what one kind of pruning removed, or why it failed.
fn report_pruned<E: std::fmt::Display>(what: &str, result: Result<u64, E>) {
    match result {
        Ok(0) => {}
        Ok(removed) => tracing::debug!(removed, "pruned {what}"),
        Err(e) => tracing::warn!(error = %e, "pruning {what} failed"),
    }
}

/// Indexes, in batches, the messages stored before the search index existed; then
/// waits for shutdown (a supervised task must not end early).
async fn backfill_search(app: AppState) {
    loop {
        match app.search.backfill(1000).await {
            Ok(true) => tokio::task::yield_now().await,
            Ok(false) => break,
            Err(e) => {
                tracing::warn!(error = %e, "indexing earlier messages failed; retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
        if app.shutdown.is_cancelled() {
            return;
        }
    }
    app.shutdown.cancelled().await;
}

/// Runs `work` at once and then every `interval`, until shutdown.
async fn every<F, Fut>(app: &AppState, interval: Duration, mut work: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut tick = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = tick.tick() => {},
            () = app.shutdown.cancelled() => return,
        }
        work().await;
    }
}
