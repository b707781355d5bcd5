//! `auth`: sign-ins per second. Every sign-in verifies an argon2id hash on the server,
//! which is deliberately expensive; this scenario measures that cost, not the
//! protocol.

use crate::report::Report;
use crate::setup::{Bench, PASSWORD};
use crate::stats::{Latencies, round3};
use clap::Args;
use confab_client::Client;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Options of `confab-bench auth`.
#[derive(Args, Clone, Debug)]
pub struct AuthArgs {
    /// Accounts to sign in as (signed up first, which is timed too).
    #[arg(long, default_value_t = 8)]
    pub users: usize,
    /// Sign-ins in flight at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Seconds of signing in.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Most sign-ins in total, whatever the duration.
    #[arg(long, default_value_t = 100_000)]
    pub max_signins: u64,
}

/// Runs the scenario.
pub async fn run(bench: &Bench, args: &AuthArgs, report: &mut Report) -> anyhow::Result<()> {
    report
        .config("users", args.users)
        .config("concurrency", args.concurrency)
        .config("duration_s", args.duration)
        .config("max_signins", args.max_signins);
    let signup_start = Instant::now();
    let users = bench.sign_up("auth", args.users.max(1)).await?;
    let signup_seconds = signup_start.elapsed().as_secs_f64();
    let names: Arc<Vec<String>> = Arc::new(users.into_iter().map(|u| u.username).collect());

    let issued = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration.max(0.0));
    let start = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..args.concurrency.max(1) {
        let names = Arc::clone(&names);
        let issued = Arc::clone(&issued);
        let client = Client::new(bench.url_for(worker))?;
        let max = args.max_signins;
        workers.push(tokio::spawn(async move {
            let mut latencies = Latencies::new();
            let mut errors = 0u64;
            let mut first_error = None;
            while Instant::now() < deadline {
                let n = issued.fetch_add(1, Ordering::Relaxed);
                if n >= max {
                    break;
                }
                let name = &names[(n as usize + worker) % names.len()];
                let began = Instant::now();
                match tokio::time::timeout(
                    Duration::from_secs(30),
                    client.sign_in(name, PASSWORD, Some("bench")),
                )
                .await
                {
                    Ok(Ok(_)) => latencies.record(began.elapsed()),
                    Ok(Err(e)) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| e.to_string());
                    }
                    Err(_) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| "no answer within 30s".to_owned());
                    }
                }
            }
            (latencies, errors, first_error)
        }));
    }
    let mut latencies = Latencies::new();
    let mut errors = 0;
    let mut first_error = None;
    for worker in workers {
        let (l, e, f) = worker.await?;
        latencies.merge(&l);
        errors += e;
        first_error = first_error.or(f);
    }
    let seconds = start.elapsed().as_secs_f64();
    report
        .result("signups", names.len())
        .result(
            "signups_per_s",
            round3(names.len() as f64 / signup_seconds.max(1e-9)),
        )
        .result("signins", latencies.count())
        .result("signin_errors", errors)
        .result(
            "signins_per_s",
            round3(latencies.count() as f64 / seconds.max(1e-9)),
        )
        .result("signin_latency", latencies.summary());
    if let Some(e) = first_error {
        report.note(format!("first sign-in error: {e}"));
    }
    report.note(
        "bound by argon2id: every sign-up hashes and every sign-in verifies a password with \
         the server's --argon2-memory-kib and --argon2-iterations, at most \
         --password-hash-concurrency at once; the figure measures that deliberate cost",
    );
    Ok(())
}
