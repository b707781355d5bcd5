//! `history`: seeds one room with many messages as fast as the server takes them
//! (concurrent REST sends), then pages back through all of it over REST and times
//! each page.

use crate::report::Report;
use crate::setup::{Bench, BenchUser, bounded};
use crate::stats::{Latencies, round3};
use anyhow::{Context as _, bail};
use clap::Args;
use confab_client::proto::RoomId;
use confab_client::proto::events::{MessageBody, SendMessageRequest};
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
    /// Sends in flight at once while seeding (over REST, so that no connection of
    /// the seeding user has to take the whole stream back).
    #[arg(long, default_value_t = 32)]
    pub writers: usize,
}

/// Longest wait for one send while seeding.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the scenario.
pub async fn run(bench: &Bench, args: &HistoryArgs, report: &mut Report) -> anyhow::Result<()> {
    report
        .config("messages", args.messages)
        .config("page_size", args.page_size)
        .config("writers", args.writers);
    let users = bench.sign_up("history", 1).await?;
    let rooms = bench.create_groups(vec![users.clone()], false).await?;
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

/// Sends `args.messages` messages over REST, `args.writers` at a time. Returns
/// (stored, errors).
async fn seed(
    bench: &Bench,
    user: &BenchUser,
    room: RoomId,
    args: &HistoryArgs,
) -> anyhow::Result<(u64, u64)> {
    let client = user.client.clone();
    let prefix = format!("{}-h", bench.prefix);
    let count = usize::try_from(args.messages).context("--messages is too large")?;
    let outcomes = bounded(count, args.writers.max(1), move |i| {
        let client = client.clone();
        let request = SendMessageRequest {
            client_id: format!("{prefix}-{i}"),
            body: MessageBody::Text {
                text: format!("history message {i}"),
            },
            reply_to: None,
            attachments: Vec::new(),
        };
        async move {
            let sent =
                tokio::time::timeout(SEND_TIMEOUT, client.send_message(room, &request)).await;
            Ok(matches!(sent, Ok(Ok(_))))
        }
    })
    .await?;
    let stored = outcomes.iter().filter(|ok| **ok).count() as u64;
    Ok((stored, outcomes.len() as u64 - stored))
}
