//! The benchmark scenarios, one module each. Every scenario creates its own users
//! and rooms (named with the run's prefix), bounds its load in count and time, and
//! returns a [`Report`](crate::report::Report).

pub mod auth;
pub mod connections;
pub mod encrypted;
pub mod fanout;
pub mod files;
pub mod history;
pub mod search;
pub mod swarm;
pub mod throughput;

use crate::report::Report;
use crate::stats::round3;
use swarm::PhaseResult;

/// Adds one phase's figures to `report`, each key prefixed with `prefix`.
pub fn report_phase(report: &mut Report, prefix: &str, phase: &PhaseResult) {
    report
        .result(
            &format!("{prefix}target_rate_msgs_per_s"),
            round3(phase.target_rate),
        )
        .result(&format!("{prefix}sent"), phase.sent)
        .result(
            &format!("{prefix}send_rate_msgs_per_s"),
            round3(phase.send_rate()),
        )
        .result(&format!("{prefix}acked"), phase.acked)
        .result(&format!("{prefix}errors"), phase.errors)
        .result(&format!("{prefix}deliveries_expected"), phase.expected)
        .result(&format!("{prefix}deliveries"), phase.delivered)
        .result(
            &format!("{prefix}deliveries_per_s"),
            round3(phase.delivery_rate()),
        )
        .result(
            &format!("{prefix}elapsed_s"),
            round3(phase.elapsed.as_secs_f64()),
        )
        .result(&format!("{prefix}latency"), phase.latencies.summary())
        .result(
            &format!("{prefix}server_cpu_s"),
            phase.server_cpu_s.map(round3),
        )
        .result(
            &format!("{prefix}bench_cpu_s"),
            phase.bench_cpu_s.map(round3),
        );
}
