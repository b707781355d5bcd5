//! `encrypted`: the cost of end-to-end encryption, side by side. One MLS-encrypted
//! group and one plain group of the same size; in each, one member sends messages at
//! a fixed rate through the same path (one REST send at a time), and every other
//! member receives them over its WebSocket connection, decrypting them with its own
//! OpenMLS device in the encrypted group. Each message carries its send time (in the
//! ciphertext, for the encrypted group), so the latency is send -> (encrypt) -> commit
//! -> fan-out -> receipt -> (decrypt), measured on one clock.

use super::swarm::DRAIN_TIMEOUT;
use crate::report::Report;
use crate::server;
use crate::server::Servers;
use crate::setup::{Bench, BenchUser, bounded, connect_one};
use crate::stats::{Latencies, round3};
use anyhow::{Context as _, bail};
use clap::Args;
use confab_client::e2ee::{Device, Received};
use confab_client::proto::RoomId;
use confab_client::proto::events::{EventContent, MessageBody};
use confab_client::proto::ws::ServerFrame;
use confab_client::{Incoming, Live};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use tokio::time::MissedTickBehavior;

/// Options of `confab-bench encrypted`.
#[derive(Args, Clone, Debug)]
pub struct EncryptedArgs {
    /// Members of each group (each has one device and one connection).
    #[arg(long, default_value_t = 50)]
    pub room_size: usize,
    /// Messages sent in each group.
    #[arg(long, default_value_t = 200)]
    pub messages: u64,
    /// Messages per second the sender aims for.
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
}

/// What one group's run measured.
struct GroupRun {
    sent: u64,
    send_seconds: f64,
    delivered: u64,
    expected: u64,
    elapsed: Duration,
    latencies: Latencies,
    server_cpu_s: Option<f64>,
    bench_cpu_s: Option<f64>,
}

/// How a receiver reads a message event: its text, or the plaintext its device
/// decrypts.
enum Reader {
    Plain,
    Encrypted(Box<Device>),
}

impl Reader {
    async fn text(&mut self, event: &confab_client::proto::events::RoomEvent) -> Option<String> {
        let EventContent::Message(message) = &event.content else {
            return None;
        };
        match (self, &message.body) {
            (Self::Plain, Some(MessageBody::Text { text })) => Some(text.clone()),
            (Self::Encrypted(device), Some(MessageBody::Encrypted { .. })) => {
                match device.receive(event).await.ok()? {
                    Received::Message { plaintext, .. } => String::from_utf8(plaintext).ok(),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// The sender's way of sending a message.
enum Sender {
    Plain(confab_client::Client),
    Encrypted(Box<Device>),
}

impl Sender {
    async fn send(&mut self, room: RoomId, text: &str) -> anyhow::Result<()> {
        match self {
            Self::Plain(client) => {
                client.send_text(room, text).await?;
            }
            Self::Encrypted(device) => {
                device.send(room, text.as_bytes()).await?;
            }
        }
        Ok(())
    }
}

/// Runs the scenario.
pub async fn run(
    bench: &Bench,
    args: &EncryptedArgs,
    servers: &Servers,
    report: &mut Report,
) -> anyhow::Result<()> {
    if args.room_size < 2 {
        bail!("--room-size must be at least 2");
    }
    report
        .config("room_size", args.room_size)
        .config("messages", args.messages)
        .config("rate_msgs_per_s", args.rate);
    for encrypted in [false, true] {
        let label = if encrypted { "encrypted" } else { "plain" };
        let setup = Instant::now();
        let users = bench.sign_up(label, args.room_size).await?;
        let room = bench
            .create_groups(vec![users.clone()], encrypted)
            .await?
            .remove(0)
            .id;
        let (sender, readers) = if encrypted {
            let (sender, readers) = encrypted_members(bench, &users, room).await?;
            (Sender::Encrypted(Box::new(sender)), readers)
        } else {
            let readers = (1..users.len()).map(|_| Reader::Plain).collect();
            (Sender::Plain(users[0].client.clone()), readers)
        };
        let mut connections = Vec::with_capacity(readers.len());
        for (i, user) in users.iter().enumerate().skip(1) {
            connections.push(connect_one(&user.client, i).await?);
        }
        report.result(
            &format!("{label}_setup_s"),
            round3(setup.elapsed().as_secs_f64()),
        );
        let run = send_and_receive(args, room, sender, readers, connections, servers).await?;
        record(report, label, &run);
    }
    report.note(
        "one sender per group, one REST send at a time; latency is measured at every other \
         member, after decryption in the encrypted group",
    );
    Ok(())
}

/// Registers an MLS device for each member, has the first create the group (adding
/// everyone's device in one commit) and the others join: the sender's device and the
/// readers.
async fn encrypted_members(
    bench: &Bench,
    users: &[BenchUser],
    room: RoomId,
) -> anyhow::Result<(Device, Vec<Reader>)> {
    let clients: std::sync::Arc<Vec<_>> =
        std::sync::Arc::new(users.iter().map(|u| u.client.clone()).collect());
    let mut devices = bounded(users.len(), bench.concurrency, move |i| {
        let clients = std::sync::Arc::clone(&clients);
        async move {
            Device::register(clients[i].clone(), None, 2)
                .await
                .with_context(|| format!("registering device {i}"))
        }
    })
    .await?;
    let mut sender = devices.remove(0);
    sender
        .create_group(room)
        .await
        .context("creating the group")?;
    let mut readers = Vec::with_capacity(devices.len());
    for mut device in devices {
        device.join_pending().await.context("joining the group")?;
        readers.push(Reader::Encrypted(Box::new(device)));
    }
    Ok((sender, readers))
}

async fn send_and_receive(
    args: &EncryptedArgs,
    room: RoomId,
    mut sender: Sender,
    readers: Vec<Reader>,
    connections: Vec<Live>,
    servers: &Servers,
) -> anyhow::Result<GroupRun> {
    let started = Instant::now();
    let cpu_before = (
        servers.cpu_seconds(),
        server::cpu_seconds(std::process::id()),
    );
    let mut receivers = JoinSet::new();
    for (reader, live) in readers.into_iter().zip(connections) {
        receivers.spawn(receive(reader, live, args.messages, started));
    }
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rate.max(0.001)));
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut sent = 0;
    for _ in 0..args.messages {
        ticker.tick().await;
        let at = started.elapsed().as_micros();
        sender.send(room, &format!("t{at}")).await?;
        sent += 1;
    }
    let send_seconds = started.elapsed().as_secs_f64();
    let mut latencies = Latencies::new();
    let mut delivered = 0;
    while let Some(result) = receivers.join_next().await {
        let (got, samples) = result?;
        delivered += got;
        latencies.merge(&samples);
    }
    let elapsed = started.elapsed();
    let delta = |before: Option<f64>, after: Option<f64>| Some(round3(after? - before?));
    Ok(GroupRun {
        sent,
        send_seconds,
        delivered,
        expected: sent * (args.room_size as u64 - 1),
        elapsed,
        latencies,
        server_cpu_s: delta(cpu_before.0, servers.cpu_seconds()),
        bench_cpu_s: delta(cpu_before.1, server::cpu_seconds(std::process::id())),
    })
}

/// Reads messages until `expected` arrived or nothing came for the drain timeout.
async fn receive(
    mut reader: Reader,
    mut live: Live,
    expected: u64,
    started: Instant,
) -> (u64, Latencies) {
    let mut latencies = Latencies::new();
    let mut got = 0;
    while got < expected {
        let Ok(Ok(incoming)) = tokio::time::timeout(DRAIN_TIMEOUT, live.recv()).await else {
            break;
        };
        let Incoming::Frame(ServerFrame::Event { event }) = incoming else {
            continue;
        };
        let Some(text) = reader.text(&event).await else {
            continue;
        };
        if let Some(at) = text.strip_prefix('t').and_then(|t| t.parse::<u64>().ok()) {
            let now = started.elapsed();
            latencies.record(now.saturating_sub(Duration::from_micros(at)));
            got += 1;
        }
    }
    (got, latencies)
}

fn record(report: &mut Report, label: &str, run: &GroupRun) {
    let key = |name: &str| format!("{label}_{name}");
    report
        .result(&key("sent"), run.sent)
        .result(
            &key("send_rate_msgs_per_s"),
            round3(run.sent as f64 / run.send_seconds.max(1e-9)),
        )
        .result(&key("deliveries_expected"), run.expected)
        .result(&key("deliveries"), run.delivered)
        .result(
            &key("deliveries_per_s"),
            round3(run.delivered as f64 / run.elapsed.as_secs_f64().max(1e-9)),
        )
        .result(&key("latency"), run.latencies.summary())
        .result(&key("server_cpu_s"), run.server_cpu_s)
        .result(&key("bench_cpu_s"), run.bench_cpu_s);
}
