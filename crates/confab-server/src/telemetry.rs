//! Logs (`tracing`) and metrics (Prometheus text format at `/metrics`).

use anyhow::Context as _;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::io::IsTerminal as _;
use std::sync::OnceLock;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines, for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// How often histogram samples are folded in.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Counter: HTTP requests by `method`, `route` and `status`.
pub const HTTP_REQUESTS: &str = "confab_http_requests_total";
/// Histogram: HTTP request latency by `method` and `route`.
pub const HTTP_DURATION: &str = "confab_http_request_duration_seconds";

/// Gauge: open WebSocket connections.
pub const WS_CONNECTIONS: &str = "confab_ws_connections";
/// Counter: connections closed because their outbound queue overflowed.
pub const WS_OVERFLOWS: &str = "confab_ws_queue_overflows_total";
/// Histogram: room changes committed together in one transaction (group commit).
pub const EVENT_BATCH_SIZE: &str = "confab_event_batch_size";
/// Histogram: seconds an event transaction took to take its writer marker
/// (PostgreSQL: one statement; writers never wait for each other).
pub const EVENT_WRITER_MARKER: &str = "confab_event_writer_marker_seconds";
/// Histogram: seconds a commit batch of the group-commit writer took, from its start
/// to its commit.
pub const EVENT_BATCH_DURATION: &str = "confab_event_batch_duration_seconds";
/// Counter: events the tailer read back from the log, rather than receiving them
/// with their commit (from this node's store or over the bus).
pub const EVENTS_READ_BACK: &str = "confab_events_read_back_total";
/// Counter: events read from the log and handed to recipients.
pub const EVENTS_FANNED_OUT: &str = "confab_events_fanned_out_total";
/// Counter: Web Push attempts by `outcome` (delivered, gone, retry, failed, skipped).
pub const PUSHES: &str = "confab_pushes_total";
/// Counter: link previews by `outcome` (shown, cached, nothing, refused, failed,
/// dropped).
pub const LINK_PREVIEWS: &str = "confab_link_previews_total";

/// Sends log lines to standard error in the chosen format.
pub fn init_logging(format: LogFormat, filter: &str) -> anyhow::Result<()> {
    let filter =
        EnvFilter::try_new(filter).with_context(|| format!("invalid log filter {filter:?}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // A log line that cannot be written (standard error is a closed pipe) is
        // dropped. By default the formatter reports that with `eprintln!`, which
        // panics on the same closed pipe, inside whichever task logged: the signal
        // listener, say, so that SIGTERM was received and never acted on.
        .log_internal_errors(false)
        .with_ansi(std::io::stderr().is_terminal());
    let result = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
    result.map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))
}

/// Handle to the process-wide metrics registry.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

impl Metrics {
    /// Installs the Prometheus recorder (once per process) and returns its handle.
    pub fn install() -> anyhow::Result<Self> {
        static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
        if let Some(handle) = HANDLE.get() {
            return Ok(Self {
                handle: handle.clone(),
            });
        }
        let latency_buckets = [
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
        ];
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), &latency_buckets)
            .context("invalid histogram buckets")?
            .install_recorder()
            .context("cannot install the metrics recorder")?;
        let handle = HANDLE.get_or_init(|| handle).clone();
        Ok(Self { handle })
    }

    /// Folds accumulated histogram samples in every few seconds until `shutdown`;
    /// without it they grow until the next scrape.
    pub async fn upkeep(self, shutdown: CancellationToken) {
        let mut tick = tokio::time::interval(UPKEEP_INTERVAL);
        loop {
            tokio::select! {
                _ = tick.tick() => self.handle.run_upkeep(),
                () = shutdown.cancelled() => return,
            }
        }
    }

    /// Current values in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        self.handle.render()
    }
}
