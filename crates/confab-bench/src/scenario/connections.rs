//! `connections`: opens many authenticated idle WebSocket connections, holds them,
//! and reports the server's memory per connection (its RSS growth divided by the
//! connections held).
//!
//! Each held connection keeps a task that reads it, so server pings are answered
//! and the server's idle timeout never closes it. Connections are spread over
//! several users (a user may have any number of connections) and, past one
//! address's ephemeral ports, over several 127.0.0.x source addresses.

use crate::report::Report;
use crate::server::Servers;
use crate::setup::{Bench, connect_one};
use crate::stats::round3;
use crate::target::sources_needed;
use clap::Args;
use confab_client::Incoming;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Options of `confab-bench connections`.
#[derive(Args, Clone, Debug)]
pub struct ConnectionsArgs {
    /// Connections to open and hold.
    #[arg(long, default_value_t = 1000)]
    pub connections: usize,
    /// Users the connections are spread over (each has no rooms, so idle
    /// connections receive nothing but pings).
    #[arg(long, default_value_t = 10)]
    pub users: usize,
    /// Seconds to hold the connections before measuring (lets the server settle).
    #[arg(long, default_value_t = 5.0)]
    pub hold: f64,
}

/// Runs the scenario.
pub async fn run(
    bench: &Bench,
    args: &ConnectionsArgs,
    servers: &Servers,
    report: &mut Report,
) -> anyhow::Result<()> {
    report
        .config("connections", args.connections)
        .config("users", args.users)
        .config("hold_s", args.hold)
        .config("source_addresses", sources_needed(args.connections));
    let users = bench.sign_up("idle", args.users.max(1)).await?;
    // Let the sign-ups' password hashing memory be returned before the baseline.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before = servers.rss_kib();

    let closed = Arc::new(AtomicU64::new(0));
    let cancel = CancellationToken::new();
    let clients: Arc<Vec<_>> = Arc::new(users.iter().map(|u| u.client.clone()).collect());
    let opening = Instant::now();
    let (held_tasks, failures) = {
        let closed = Arc::clone(&closed);
        let cancel = cancel.clone();
        let mut tasks = Vec::with_capacity(args.connections);
        let mut failures = Vec::new();
        let opened = crate::setup::bounded(args.connections, bench.concurrency, move |i| {
            let clients = Arc::clone(&clients);
            async move { Ok(connect_one(&clients[i % clients.len()], i).await) }
        })
        .await?;
        for result in opened {
            match result {
                Ok(live) => tasks.push(tokio::spawn(hold(
                    live,
                    Arc::clone(&closed),
                    cancel.clone(),
                ))),
                Err(e) => failures.push(format!("{e:#}")),
            }
        }
        (tasks, failures)
    };
    let open_seconds = opening.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs_f64(args.hold.max(0.0))).await;
    let rss_after = servers.rss_kib();
    let held = held_tasks.len() as u64 - closed.load(Ordering::Relaxed);

    report
        .result("opened", held_tasks.len())
        .result("failed_to_open", failures.len())
        .result("connections_held", held)
        .result("open_s", round3(open_seconds))
        .result(
            "opens_per_s",
            round3(held_tasks.len() as f64 / open_seconds.max(1e-9)),
        )
        .result("server_pids", servers.pids.clone())
        .result("server_rss_before_kib", rss_before)
        .result("server_rss_after_kib", rss_after);
    match (rss_before, rss_after) {
        (Some(before), Some(after)) if held > 0 => {
            let per = after.saturating_sub(before) as f64 / held as f64;
            report.result("server_kib_per_connection", round3(per));
        }
        _ => {
            report.result("server_kib_per_connection", serde_json::Value::Null);
            report.note(
                "server memory unknown: give --server-pid, or run the server as a process \
                 whose /proc entries this user may read",
            );
        }
    }
    if let Some(first) = failures.first() {
        report.note(format!("first connection failure: {first}"));
    }
    cancel.cancel();
    for task in held_tasks {
        let _ = task.await;
    }
    Ok(())
}

/// Keeps one connection open and answered until cancelled; counts it if it closes.
async fn hold(mut live: confab_client::Live, closed: Arc<AtomicU64>, cancel: CancellationToken) {
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            incoming = live.recv() => match incoming {
                Ok(Incoming::Frame(_)) => {}
                Ok(Incoming::Closed { .. }) | Err(_) => {
                    closed.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            },
        }
    }
}
