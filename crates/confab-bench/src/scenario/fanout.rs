//! `fanout`: rooms of a given size, senders at a fixed aggregate rate, and the
//! end-to-end latency at every member.

use super::report_phase;
use super::swarm::Swarm;
use crate::report::Report;
use crate::server::Servers;
use crate::setup::Bench;
use clap::Args;
use std::time::{Duration, Instant};

/// Options of `confab-bench fanout`.
#[derive(Args, Clone, Debug)]
pub struct FanoutArgs {
    /// Members per room (for example 2, 50 or 1000). Every member has one connection.
    #[arg(long, default_value_t = 50)]
    pub room_size: usize,
    /// Number of rooms; each has its own members.
    #[arg(long, default_value_t = 1)]
    pub rooms: usize,
    /// Members of each room that send.
    #[arg(long, default_value_t = 1)]
    pub senders_per_room: usize,
    /// Messages per second, summed over all senders.
    #[arg(long, default_value_t = 100.0)]
    pub rate: f64,
    /// Seconds of sending.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
}

/// Runs the scenario.
pub async fn run(
    bench: &Bench,
    args: &FanoutArgs,
    servers: &Servers,
    report: &mut Report,
) -> anyhow::Result<()> {
    report
        .config("room_size", args.room_size)
        .config("rooms", args.rooms)
        .config("senders_per_room", args.senders_per_room)
        .config("rate_msgs_per_s", args.rate)
        .config("duration_s", args.duration);
    let setup = Instant::now();
    let mut swarm = Swarm::build(bench, args.rooms, args.room_size, args.senders_per_room).await?;
    report
        .result("connections", swarm.connections())
        .result("senders", swarm.senders())
        .result(
            "setup_s",
            crate::stats::round3(setup.elapsed().as_secs_f64()),
        );
    let phase = swarm
        .run_phase(
            args.rate,
            Duration::from_secs_f64(args.duration.max(0.001)),
            servers,
        )
        .await?;
    report_phase(report, "", &phase);
    report.note(
        "latency is send -> durable commit -> fan-out -> receipt, measured at every member \
         (the sender's own connection included) on the load generator's clock",
    );
    Ok(())
}
