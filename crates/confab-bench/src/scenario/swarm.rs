//! The message load shared by `fanout` and `throughput`: rooms of connected members,
//! some of whom send at a fixed aggregate rate, and end-to-end latency measured at
//! every receiving connection.
//!
//! Each message's text carries the phase number and its send time in microseconds
//! since the run started (`p3 1234567`). Every member's connection, the sender's
//! included, parses it on receipt, so the latency is send -> commit -> fan-out ->
//! receipt, measured on one clock. Messages of another phase (late stragglers) are
//! ignored.
//!
//! Senders are open-loop: they send on a schedule and do not wait for the reply, so
//! a slow server shows up as latency rather than as a lower rate. A phase ends when
//! every acknowledged message has reached every member, or after the drain timeout.

use crate::server;
use crate::server::Servers;
use crate::setup::{Bench, BenchUser};
use crate::stats::Latencies;
use confab_client::proto::RoomId;
use confab_client::proto::events::{EventContent, MessageBody};
use confab_client::proto::ws::{ClientFrame, ServerFrame};
use confab_client::{Incoming, Live};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

/// How long a phase waits for outstanding deliveries after the last send.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Latency samples a connection buffers before adding them to the shared histogram.
const SAMPLE_BATCH: usize = 512;

/// Rooms of connected members, ready to run phases of load.
pub struct Swarm {
    /// Every member's connection, room by room; `None` once a connection has closed.
    members: Vec<Option<Live>>,
    /// The room of each member.
    room_of: Vec<RoomId>,
    /// Whether each member sends.
    sends: Vec<bool>,
    room_size: usize,
    senders: usize,
    started: Instant,
    phases: u64,
}

/// What one phase measured.
#[derive(Debug)]
pub struct PhaseResult {
    /// The aggregate send rate asked for, in messages per second.
    pub target_rate: f64,
    /// Messages sent.
    pub sent: u64,
    /// Messages the server acknowledged (`ok`).
    pub acked: u64,
    /// `error` frames, failed sends and connections that closed.
    pub errors: u64,
    /// Deliveries expected: acknowledged messages times the room size.
    pub expected: u64,
    /// Deliveries received.
    pub delivered: u64,
    /// From the first send to the last delivery (or the drain timeout).
    pub elapsed: Duration,
    /// Seconds the senders took to send everything.
    pub send_seconds: f64,
    /// End-to-end latencies, one per delivery.
    pub latencies: Latencies,
    /// CPU seconds the server used during the phase, when its pid is known.
    pub server_cpu_s: Option<f64>,
    /// CPU seconds this load generator used during the phase.
    pub bench_cpu_s: Option<f64>,
}

impl PhaseResult {
    /// Messages sent per second, as achieved.
    pub fn send_rate(&self) -> f64 {
        self.sent as f64 / self.send_seconds.max(1e-9)
    }

    /// Deliveries per second over the whole phase.
    pub fn delivery_rate(&self) -> f64 {
        self.delivered as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl Swarm {
    /// Signs up `rooms * room_size` users, creates `rooms` groups of `room_size`
    /// distinct members and connects every member once. The first
    /// `senders_per_room` members of each room send.
    pub async fn build(
        bench: &Bench,
        rooms: usize,
        room_size: usize,
        senders_per_room: usize,
    ) -> anyhow::Result<Self> {
        anyhow::ensure!(rooms >= 1, "--rooms must be at least 1");
        anyhow::ensure!(room_size >= 2, "--room-size must be at least 2");
        let senders_per_room = senders_per_room.clamp(1, room_size);
        let users = bench.sign_up("member", rooms * room_size).await?;
        let lists: Vec<Vec<BenchUser>> = users.chunks(room_size).map(<[_]>::to_vec).collect();
        let created = bench.create_groups(lists, false).await?;
        let members = bench.connect(&users, users.len()).await?;
        let room_of = created
            .iter()
            .flat_map(|room| std::iter::repeat_n(room.id, room_size))
            .collect();
        let sends = (0..users.len())
            .map(|i| i % room_size < senders_per_room)
            .collect();
        Ok(Self {
            members: members.into_iter().map(Some).collect(),
            room_of,
            sends,
            room_size,
            senders: rooms * senders_per_room,
            started: Instant::now(),
            phases: 0,
        })
    }

    /// Connections in the swarm.
    pub fn connections(&self) -> usize {
        self.members.len()
    }

    /// Sending connections.
    pub fn senders(&self) -> usize {
        self.senders
    }

    /// Sends `rate` messages per second in total for `duration`, spread evenly over
    /// the senders, and measures every delivery.
    pub async fn run_phase(
        &mut self,
        rate: f64,
        duration: Duration,
        servers: &Servers,
    ) -> anyhow::Result<PhaseResult> {
        anyhow::ensure!(rate > 0.0, "the send rate must be above zero");
        self.phases += 1;
        let phase = self.phases;
        let total = (rate * duration.as_secs_f64()).round().max(1.0) as u64;
        // Sender k sends total / senders messages, and one more while k < the rest;
        // with fewer messages than senders, only the first ones send.
        let senders = self.senders as u64;
        let share = |k: u64| total / senders + u64::from(k < total % senders);
        let period = Duration::from_secs_f64(self.senders as f64 / rate);
        let shared = Arc::new(Shared::default());
        let cancel = CancellationToken::new();
        let cpu = || {
            (
                servers.cpu_seconds(),
                server::cpu_seconds(std::process::id()),
            )
        };
        let (server_cpu_start, bench_cpu_start) = cpu();
        let phase_start = Instant::now();
        let mut tasks = Vec::with_capacity(self.members.len());
        let mut sender_index = 0usize;
        for (i, slot) in self.members.iter_mut().enumerate() {
            let Some(live) = slot.take() else {
                continue;
            };
            let plan = self.sends[i].then(|| {
                // Stagger the senders across one period so they do not all fire at once.
                let offset = period.mul_f64(sender_index as f64 / self.senders as f64);
                sender_index += 1;
                SendPlan {
                    room: self.room_of[i],
                    first: tokio::time::Instant::from_std(phase_start) + offset,
                    period,
                    count: share(sender_index as u64 - 1),
                    client_prefix: format!("p{phase}-c{i}"),
                }
            });
            let task = tokio::spawn(drive(
                live,
                plan,
                phase,
                self.started,
                Arc::clone(&shared),
                cancel.clone(),
            ));
            tasks.push((i, task));
        }
        let senders_total = sender_index as u64;
        // Wait for the senders, then for the deliveries, each within a bound.
        let send_deadline = phase_start + duration * 3 + Duration::from_secs(10);
        while shared.senders_done.load(Ordering::Relaxed) < senders_total
            && Instant::now() < send_deadline
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let send_seconds = phase_start.elapsed().as_secs_f64();
        let drain_deadline = Instant::now() + DRAIN_TIMEOUT;
        let room_size = self.room_size as u64;
        loop {
            let acked = shared.acked.load(Ordering::Relaxed);
            let answered = acked + shared.errors.load(Ordering::Relaxed);
            let delivered = shared.delivered.load(Ordering::Relaxed);
            let sent = shared.sent.load(Ordering::Relaxed);
            if (answered >= sent && delivered >= acked * room_size)
                || Instant::now() >= drain_deadline
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let elapsed = phase_start.elapsed();
        let (server_cpu_end, bench_cpu_end) = cpu();
        cancel.cancel();
        for (i, task) in tasks {
            self.members[i] = task.await.ok().flatten();
        }
        let latencies = shared
            .latencies
            .lock()
            .map_err(|_| anyhow::anyhow!("a connection task panicked"))?
            .clone();
        let acked = shared.acked.load(Ordering::Relaxed);
        Ok(PhaseResult {
            target_rate: rate,
            sent: shared.sent.load(Ordering::Relaxed),
            acked,
            errors: shared.errors.load(Ordering::Relaxed),
            expected: acked * room_size,
            delivered: shared.delivered.load(Ordering::Relaxed),
            elapsed,
            send_seconds,
            latencies,
            server_cpu_s: server_cpu_start.zip(server_cpu_end).map(|(a, b)| b - a),
            bench_cpu_s: bench_cpu_start.zip(bench_cpu_end).map(|(a, b)| b - a),
        })
    }
}

/// Counters all connection tasks of one phase add to.
#[derive(Default)]
struct Shared {
    sent: AtomicU64,
    acked: AtomicU64,
    errors: AtomicU64,
    delivered: AtomicU64,
    senders_done: AtomicU64,
    latencies: Mutex<Latencies>,
}

impl Shared {
    fn add_samples(&self, samples: &mut Vec<Duration>) {
        if let Ok(mut latencies) = self.latencies.lock() {
            for sample in samples.drain(..) {
                latencies.record(sample);
            }
        }
    }
}

/// What a sending member sends in one phase.
struct SendPlan {
    room: RoomId,
    first: tokio::time::Instant,
    period: Duration,
    count: u64,
    client_prefix: String,
}

/// One member's connection for one phase: sends on schedule (if it is a sender)
/// and receives until cancelled. Returns the connection, or `None` if it closed.
async fn drive(
    mut live: Live,
    plan: Option<SendPlan>,
    phase: u64,
    clock: Instant,
    shared: Arc<Shared>,
    cancel: CancellationToken,
) -> Option<Live> {
    let tag = format!("p{phase} ");
    let mut samples = Vec::with_capacity(SAMPLE_BATCH);
    let mut ticker = plan.as_ref().map(|plan| {
        let mut ticker = tokio::time::interval_at(plan.first, plan.period);
        // Open loop: a late sender catches up rather than lowering the rate.
        ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
        ticker
    });
    let mut sent = 0u64;
    let mut sending = plan.as_ref().is_some_and(|plan| plan.count > 0);
    if plan.is_some() && !sending {
        shared.senders_done.fetch_add(1, Ordering::Relaxed);
    }
    let mut open = true;
    while open {
        tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            _ = async { ticker.as_mut()?.tick().await; Some(()) }, if sending => {
                let Some(plan) = plan.as_ref() else { break };
                sent += 1;
                let micros = clock.elapsed().as_micros();
                let frame = ClientFrame::Send {
                    id: format!("s{sent}"),
                    room_id: plan.room,
                    client_id: format!("{}-{sent}", plan.client_prefix),
                    body: MessageBody::Text { text: format!("{tag}{micros}") },
                    reply_to: None,
                    attachments: Vec::new(),
                };
                shared.sent.fetch_add(1, Ordering::Relaxed);
                if live.send(&frame).await.is_err() {
                    shared.errors.fetch_add(1, Ordering::Relaxed);
                    open = false;
                }
                if sent >= plan.count || !open {
                    sending = false;
                    shared.senders_done.fetch_add(1, Ordering::Relaxed);
                }
            }
            incoming = live.recv() => match incoming {
                Ok(Incoming::Frame(ServerFrame::Event { event })) => {
                    if let EventContent::Message(state) = event.content
                        && let Some(MessageBody::Text { text }) = state.body
                        && let Some(micros) = text.strip_prefix(&tag).and_then(|t| t.parse::<u128>().ok())
                    {
                        let now = clock.elapsed().as_micros();
                        let latency = u64::try_from(now.saturating_sub(micros)).unwrap_or(u64::MAX);
                        samples.push(Duration::from_micros(latency));
                        shared.delivered.fetch_add(1, Ordering::Relaxed);
                        if samples.len() >= SAMPLE_BATCH {
                            shared.add_samples(&mut samples);
                        }
                    }
                }
                Ok(Incoming::Frame(ServerFrame::Ok { .. })) => {
                    shared.acked.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Incoming::Frame(ServerFrame::Error { .. })) => {
                    shared.errors.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Incoming::Frame(_)) => {}
                Ok(Incoming::Closed { .. }) | Err(_) => {
                    shared.errors.fetch_add(1, Ordering::Relaxed);
                    open = false;
                }
            },
        }
    }
    if sending {
        shared.senders_done.fetch_add(1, Ordering::Relaxed);
    }
    shared.add_samples(&mut samples);
    open.then_some(live)
}
