//! `files`: uploads then downloads of equal-sized files, a fixed number in flight;
//! reports each direction's MiB/s, per-file latency, and the server's CPU time and
//! resident memory.

use crate::report::Report;
use crate::server::Servers;
use crate::setup::{Bench, bounded};
use crate::stats::{Latencies, round3};
use anyhow::{Context as _, bail};
use clap::Args;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Options of `confab-bench files`.
#[derive(Args, Clone, Debug)]
pub struct FilesArgs {
    /// Files to upload, then to download.
    #[arg(long, default_value_t = 200)]
    pub files: usize,
    /// Size of each file, in KiB.
    #[arg(long, default_value_t = 1024)]
    pub size_kib: usize,
    /// Transfers in flight at once.
    #[arg(long, default_value_t = 8)]
    pub in_flight: usize,
}

/// Longest wait for one transfer.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs the scenario.
pub async fn run(
    bench: &Bench,
    args: &FilesArgs,
    servers: &Servers,
    report: &mut Report,
) -> anyhow::Result<()> {
    report
        .config("files", args.files)
        .config("size_kib", args.size_kib)
        .config("in_flight", args.in_flight);
    let users = bench.sign_up("files", 1).await?;
    let Some(user) = users.first() else {
        bail!("setup created no user");
    };
    // Different bytes per file, so content addressing stores each one.
    let bytes_of = |i: usize| -> Vec<u8> {
        (0..args.size_kib * 1024)
            .map(|b| (b as u8) ^ (i as u8).wrapping_mul(131) ^ ((i >> 8) as u8))
            .collect()
    };
    let prefix = bench.prefix.clone();
    let client = user.client.clone();
    let uploads = Arc::new(Mutex::new(Latencies::new()));
    let recorded = Arc::clone(&uploads);
    let cpu_before = servers.cpu_seconds();
    let started = Instant::now();
    let ids = bounded(args.files, args.in_flight.max(1), move |i| {
        let client = client.clone();
        let body = bytes_of(i);
        let name = format!("{prefix}-{i}.bin");
        let recorded = Arc::clone(&recorded);
        async move {
            let began = Instant::now();
            let file = tokio::time::timeout(TRANSFER_TIMEOUT, client.upload(&name, &name, body))
                .await
                .context("an upload timed out")?
                .context("an upload failed")?;
            lock(&recorded).record(began.elapsed());
            Ok(file.id)
        }
    })
    .await?;
    let upload_s = started.elapsed().as_secs_f64();
    let cpu_mid = servers.cpu_seconds();

    let client = user.client.clone();
    let downloads = Arc::new(Mutex::new(Latencies::new()));
    let recorded = Arc::clone(&downloads);
    let expected = args.size_kib * 1024;
    let ids = Arc::new(ids);
    let started = Instant::now();
    bounded(args.files, args.in_flight.max(1), move |i| {
        let client = client.clone();
        let ids = Arc::clone(&ids);
        let recorded = Arc::clone(&recorded);
        async move {
            let began = Instant::now();
            let bytes = tokio::time::timeout(TRANSFER_TIMEOUT, client.download(&ids[i], false))
                .await
                .context("a download timed out")?
                .context("a download failed")?;
            if bytes.len() != expected {
                bail!("a download had {} bytes, not {expected}", bytes.len());
            }
            lock(&recorded).record(began.elapsed());
            Ok(())
        }
    })
    .await?;
    let download_s = started.elapsed().as_secs_f64();
    let cpu_end = servers.cpu_seconds();

    let mib = (args.files * args.size_kib) as f64 / 1024.0;
    let cpu = |from: Option<f64>, to: Option<f64>| from.zip(to).map(|(a, b)| round3(b - a));
    report
        .result("mib_each_way", round3(mib))
        .result("upload_mib_per_s", round3(mib / upload_s.max(1e-9)))
        .result("upload_latency", lock(&uploads).summary())
        .result("upload_server_cpu_s", cpu(cpu_before, cpu_mid))
        .result("download_mib_per_s", round3(mib / download_s.max(1e-9)))
        .result("download_latency", lock(&downloads).summary())
        .result("download_server_cpu_s", cpu(cpu_mid, cpu_end));
    Ok(())
}

fn lock(latencies: &Mutex<Latencies>) -> std::sync::MutexGuard<'_, Latencies> {
    latencies
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
