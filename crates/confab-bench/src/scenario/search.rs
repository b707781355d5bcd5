//! `search`: seeds rooms with multilingual messages (English, German, Russian and
//! Japanese sentences made from word lists, so words repeat like real chat), then
//! times searches for rare words, common words and two-character Japanese words.
//! Run it twice, against a server with and one without the index, to compare what
//! indexing costs the send path (`seed_msgs_per_s`).

use crate::report::Report;
use crate::setup::{Bench, bounded};
use crate::stats::{Latencies, round3};
use anyhow::{Context as _, bail};
use clap::Args;
use confab_client::proto::events::{MessageBody, SendMessageRequest};
use std::time::{Duration, Instant};

/// Options of `confab-bench search`.
#[derive(Args, Clone, Debug)]
pub struct SearchArgs {
    /// Messages to seed (spread over `--rooms` rooms of one user).
    #[arg(long, default_value_t = 100_000)]
    pub messages: u64,
    /// Rooms the messages are spread over.
    #[arg(long, default_value_t = 20)]
    pub rooms: usize,
    /// Searches of each kind to time.
    #[arg(long, default_value_t = 200)]
    pub searches: usize,
    /// Sends in flight at once while seeding.
    #[arg(long, default_value_t = 32)]
    pub writers: usize,
}

const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// The `i`-th query of one kind.
type QueryOf = fn(usize) -> String;

const ENGLISH: &[&str] = &[
    "the",
    "roadmap",
    "review",
    "moved",
    "to",
    "thursday",
    "deployment",
    "failed",
    "again",
    "please",
    "check",
    "the",
    "dashboard",
    "before",
    "lunch",
    "customer",
    "invoice",
    "release",
    "candidate",
    "tomorrow",
    "meeting",
    "notes",
    "budget",
    "approved",
    "design",
    "draft",
];
const GERMAN: &[&str] = &[
    "wir",
    "treffen",
    "uns",
    "morgen",
    "am",
    "hauptbahnhof",
    "die",
    "besprechung",
    "wurde",
    "verschoben",
    "bitte",
    "prüfen",
    "sie",
    "den",
    "entwurf",
    "straßenbahn",
    "überweisung",
];
const RUSSIAN: &[&str] = &[
    "давайте",
    "обсудим",
    "бюджет",
    "на",
    "следующей",
    "неделе",
    "встреча",
    "перенесена",
    "пожалуйста",
    "проверьте",
    "отчёт",
    "завтра",
    "утром",
    "сервер",
    "упал",
];
const JAPANESE: &[&str] = &[
    "明日",
    "の",
    "会議",
    "は",
    "東京",
    "本社",
    "で",
    "行います",
    "資料",
    "を",
    "確認",
    "して",
    "ください",
    "予算",
    "承認",
    "されました",
];

/// A sentence of 6-14 words from one language, chosen by `i` (deterministic).
fn sentence(i: u64) -> String {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let (words, joiner) = match next() % 4 {
        0 => (ENGLISH, " "),
        1 => (GERMAN, " "),
        2 => (RUSSIAN, " "),
        _ => (JAPANESE, ""),
    };
    let len = 6 + (next() % 9) as usize;
    let mut text: Vec<&str> = (0..len)
        .map(|_| words[(next() % words.len() as u64) as usize])
        .collect();
    // One rare word in a thousand messages.
    let rare = format!("zq{}", i % 997);
    if i.is_multiple_of(1000) {
        text.push(&rare);
    }
    text.join(joiner)
}

pub async fn run(bench: &Bench, args: &SearchArgs, report: &mut Report) -> anyhow::Result<()> {
    report
        .config("messages", args.messages)
        .config("rooms", args.rooms)
        .config("searches", args.searches)
        .config("writers", args.writers);
    let users = bench.sign_up("search", 1).await?;
    let Some(user) = users.first() else {
        bail!("setup created no user");
    };
    let rooms = bench
        .create_groups(
            (0..args.rooms.max(1)).map(|_| users.clone()).collect(),
            false,
        )
        .await?;
    let room_ids: Vec<_> = rooms.iter().map(|r| r.id).collect();

    let seed_start = Instant::now();
    let client = user.client.clone();
    let prefix = format!("{}-s", bench.prefix);
    let count = usize::try_from(args.messages).context("--messages is too large")?;
    let outcomes = bounded(count, args.writers.max(1), move |i| {
        let client = client.clone();
        let room = room_ids[i % room_ids.len()];
        let request = SendMessageRequest {
            client_id: format!("{prefix}-{i}"),
            body: MessageBody::Text {
                text: sentence(i as u64),
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
    let seed_seconds = seed_start.elapsed().as_secs_f64();
    let seeded = outcomes.iter().filter(|ok| **ok).count() as u64;
    report
        .result("seeded", seeded)
        .result("seed_s", round3(seed_seconds))
        .result(
            "seed_msgs_per_s",
            round3(seeded as f64 / seed_seconds.max(1e-9)),
        );

    let kinds: [(&str, QueryOf); 4] = [
        ("rare", |i| format!("zq{}", (i * 7) % 997)),
        ("common", |i| {
            ["deployment", "hauptbahnhof", "бюджет", "проверьте"][i % 4].to_owned()
        }),
        ("two_words", |i| {
            ["roadmap thursday", "treffen morgen", "обсудим неделе"][i % 3].to_owned()
        }),
        ("cjk_two_chars", |i| {
            ["会議", "東京", "予算", "資料"][i % 4].to_owned()
        }),
    ];
    for (name, query) in kinds {
        let mut latencies = Latencies::new();
        let mut hits = 0u64;
        for i in 0..args.searches {
            let q: String = url::form_urlencoded::byte_serialize(query(i).as_bytes()).collect();
            let began = Instant::now();
            let results = user
                .client
                .search(&format!("q={q}&limit=20"))
                .await
                .context("searching")?;
            latencies.record(began.elapsed());
            hits += results.hits.len() as u64;
        }
        report
            .result(&format!("{name}_latency"), latencies.summary())
            .result(
                &format!("{name}_hits_per_page"),
                round3(hits as f64 / args.searches.max(1) as f64),
            );
    }
    Ok(())
}
