//! `history`: seeds one room with many messages as fast as the server takes them,
//! then pages back through all of it over REST and times each page.

use crate::report::Report;
use crate::setup::{Bench, BenchUser};
use crate::stats::{Latencies, round3};
use anyhow::{Context as _, bail};
use clap::Args;
use confab_client::proto::RoomId;
use confab_client::proto::events::MessageBody;
use confab_client::proto::ws::{ClientFrame, ServerFrame};
use confab_client::{Incoming, Live};
use std::time::{Duration, Instant};

/// Options of `confab-bench history`.
#[derive(Args, Clone, Debug)]
pub struct HistoryArgs {
    /// Messages to seed, then to page through.
    #[arg(long, default_value_t = 100_000)]
    pub messages: u64,
    /// Events per page (the server allows 1-100).
    #[arg(long, default_value_t = 100)]
    pub page_size: u32,
    /// Connections seeding at once.
    #[arg(long, default_value_t = 4)]
    pub writers: usize,
    /// Sends each writer keeps in flight.
    #[arg(long, default_value_t = 64)]
    pub window: u64,
}

/// Longest wait for any one reply while seeding.
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the scenario.
pub async fn run(bench: &Bench, args: &HistoryArgs, report: &mut Report) -> anyhow::Result<()> {
    report
        .config("messages", args.messages)
        .config("page_size", args.page_size)
        .config("writers", args.writers)
        .config("window", args.window);
    let users = bench.sign_up("history", 1).await?;
    let rooms = bench.create_groups(vec![users.clone()]).await?;
    let (Some(user), Some(room)) = (users.first(), rooms.first()) else {
        bail!("setup created no user or room");
    };

    let seed_start = Instant::now();
    let (seeded, seed_errors) = seed(bench, user, room.id, args).await?;
    let seed_seconds = seed_start.elapsed().as_secs_f64();

    let mut pages = Latencies::new();
    let mut events = 0u64;
    let mut query = format!("limit={}", args.page_size);
    let max_pages = args.messages / u64::from(args.page_size.max(1)) + 10;
    let read_start = Instant::now();
    for _ in 0..max_pages {
        let began = Instant::now();
        let page = user
            .client
            .history(room.id, &query)
            .await
            .context("reading a history page")?;
        pages.record(began.elapsed());
        events += page.events.len() as u64;
        match page.events.first() {
            Some(first) if page.has_older => {
                query = format!("before={}&limit={}", first.seq, args.page_size);
            }
            _ => break,
        }
    }
    let read_seconds = read_start.elapsed().as_secs_f64();
    report
        .result("seeded", seeded)
        .result("seed_errors", seed_errors)
        .result("seed_s", round3(seed_seconds))
        .result(
            "seed_msgs_per_s",
            round3(seeded as f64 / seed_seconds.max(1e-9)),
        )
        .result("pages", pages.count())
        .result("events_read", events)
        .result("read_s", round3(read_seconds))
        .result(
            "events_read_per_s",
            round3(events as f64 / read_seconds.max(1e-9)),
        )
        .result("page_latency", pages.summary());
    Ok(())
}

/// Sends `args.messages` messages over `args.writers` connections of `user`, each
/// keeping `args.window` sends in flight. Returns (acknowledged, errors).
async fn seed(
    bench: &Bench,
    user: &BenchUser,
    room: RoomId,
    args: &HistoryArgs,
) -> anyhow::Result<(u64, u64)> {
    let writers = args.writers.max(1);
    let lives = bench.connect(std::slice::from_ref(user), writers).await?;
    let mut tasks = Vec::new();
    for (w, live) in lives.into_iter().enumerate() {
        let share =
            args.messages / writers as u64 + u64::from((w as u64) < args.messages % writers as u64);
        let prefix = format!("{}-h{w}", bench.prefix);
        let window = args.window.max(1);
        tasks.push(tokio::spawn(write(live, room, share, window, prefix)));
    }
    let (mut acked, mut errors) = (0, 0);
    for task in tasks {
        let (a, e) = task.await??;
        acked += a;
        errors += e;
    }
    Ok((acked, errors))
}

/// One writer: `count` sends with up to `window` unanswered at a time.
async fn write(
    mut live: Live,
    room: RoomId,
    count: u64,
    window: u64,
    prefix: String,
) -> anyhow::Result<(u64, u64)> {
    let (mut sent, mut answered, mut errors) = (0u64, 0u64, 0u64);
    while answered < count {
        while sent < count && sent - answered < window {
            sent += 1;
            live.send(&ClientFrame::Send {
                id: format!("h{sent}"),
                room_id: room,
                client_id: format!("{prefix}-{sent}"),
                body: MessageBody::Text {
                    text: format!("history message {sent} from {prefix}"),
                },
                reply_to: None,
            })
            .await?;
        }
        let incoming = tokio::time::timeout(REPLY_TIMEOUT, live.recv())
            .await
            .context("no reply while seeding")??;
        match incoming {
            Incoming::Frame(ServerFrame::Ok { .. }) => answered += 1,
            Incoming::Frame(ServerFrame::Error { id: Some(_), .. }) => {
                answered += 1;
                errors += 1;
            }
            Incoming::Frame(_) => {}
            Incoming::Closed { code, reason } => {
                bail!("seeding connection closed: {code} {reason}")
            }
        }
    }
    Ok((answered - errors, errors))
}
