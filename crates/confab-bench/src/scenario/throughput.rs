//! `throughput`: the highest aggregate send rate at which the p99 end-to-end latency
//! stays under a limit (100 ms by default). The rate steps up by a factor until the
//! first step that fails: p99 over the limit, an error, or a delivery missing.

use super::report_phase;
use super::swarm::Swarm;
use crate::report::Report;
use crate::server::Servers;
use crate::setup::Bench;
use crate::stats::round3;
use clap::Args;
use serde_json::json;
use std::time::Duration;

/// Options of `confab-bench throughput`.
#[derive(Args, Clone, Debug)]
pub struct ThroughputArgs {
    /// Members per room.
    #[arg(long, default_value_t = 2)]
    pub room_size: usize,
    /// Number of rooms; each has its own members.
    #[arg(long, default_value_t = 100)]
    pub rooms: usize,
    /// Members of each room that send.
    #[arg(long, default_value_t = 1)]
    pub senders_per_room: usize,
    /// Messages per second of the first step.
    #[arg(long, default_value_t = 100.0)]
    pub start_rate: f64,
    /// Each step's rate is the previous one times this.
    #[arg(long, default_value_t = 1.5)]
    pub step_factor: f64,
    /// Seconds per step.
    #[arg(long, default_value_t = 5.0)]
    pub step_seconds: f64,
    /// Most steps to run.
    #[arg(long, default_value_t = 20)]
    pub max_steps: usize,
    /// A step passes when its p99 latency is under this many milliseconds.
    #[arg(long, default_value_t = 100.0)]
    pub p99_limit_ms: f64,
}

/// Runs the scenario.
pub async fn run(
    bench: &Bench,
    args: &ThroughputArgs,
    servers: &Servers,
    report: &mut Report,
) -> anyhow::Result<()> {
    anyhow::ensure!(args.step_factor > 1.0, "--step-factor must be above 1");
    report
        .config("room_size", args.room_size)
        .config("rooms", args.rooms)
        .config("senders_per_room", args.senders_per_room)
        .config("start_rate_msgs_per_s", args.start_rate)
        .config("step_factor", args.step_factor)
        .config("step_seconds", args.step_seconds)
        .config("max_steps", args.max_steps)
        .config("p99_limit_ms", args.p99_limit_ms);
    let mut swarm = Swarm::build(bench, args.rooms, args.room_size, args.senders_per_room).await?;
    report.result("connections", swarm.connections());
    let mut rate = args.start_rate;
    let mut steps = Vec::new();
    let mut best = None;
    let mut failed = None;
    for _ in 0..args.max_steps.max(1) {
        let phase = swarm
            .run_phase(
                rate,
                Duration::from_secs_f64(args.step_seconds.max(0.001)),
                servers,
            )
            .await?;
        let p99 = phase.latencies.quantile_ms(0.99);
        let passed = phase.errors == 0
            && phase.delivered >= phase.expected
            && phase.acked == phase.sent
            && p99.is_some_and(|p| p < args.p99_limit_ms);
        steps.push(json!({
            "target_rate_msgs_per_s": round3(rate),
            "send_rate_msgs_per_s": round3(phase.send_rate()),
            "deliveries_per_s": round3(phase.delivery_rate()),
            "errors": phase.errors,
            "missing_deliveries": phase.expected.saturating_sub(phase.delivered),
            "latency": phase.latencies.summary(),
            "server_cpu_s": phase.server_cpu_s.map(round3),
            "bench_cpu_s": phase.bench_cpu_s.map(round3),
            "passed": passed,
        }));
        if passed {
            best = Some(phase);
        } else {
            failed = Some(phase);
            break;
        }
        rate *= args.step_factor;
    }
    report.result(
        "max_passing_rate_msgs_per_s",
        best.as_ref().map(|b| round3(b.target_rate)),
    );
    if let Some(best) = &best {
        report_phase(report, "best.", best);
    }
    if let Some(failed) = &failed {
        report.result("first_failing_rate_msgs_per_s", round3(failed.target_rate));
    } else {
        report.note("no step failed: raise --max-steps or --start-rate to find the limit");
    }
    report.result("steps", steps);
    Ok(())
}
