//! `confab-bench`: drives a running Confab server on this machine with many real
//! WebSocket clients and reports what it measured, as a table or as JSON.
//!
//! Every scenario creates its own users and rooms under a fresh name prefix, bounds
//! its load in count and time, and only ever talks to loopback addresses. See
//! docs/benchmarks.md for the server command line and the published figures.

mod report;
mod scenario;
mod server;
mod setup;
mod stats;
mod target;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use report::Report;
use scenario::auth::AuthArgs;
use scenario::connections::ConnectionsArgs;
use scenario::encrypted::EncryptedArgs;
use scenario::fanout::FanoutArgs;
use scenario::files::FilesArgs;
use scenario::history::HistoryArgs;
use scenario::search::SearchArgs;
use scenario::throughput::ThroughputArgs;
use std::time::Duration;

/// Load generator and benchmarks for a Confab server running on this machine.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    /// The server, on an IPv4 loopback address (anything else is refused). Repeat it
    /// for the nodes of a cluster: users (and their REST calls and connections) are
    /// spread over them in turn.
    #[arg(long = "url", global = true, default_value = "http://127.0.0.1:8080")]
    urls: Vec<String>,
    /// Print the report as JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    /// The server's process id, for its CPU time and memory (repeat it for each
    /// node; they are summed). Found from the listening ports when not given (needs
    /// permission to read the servers' /proc entries).
    #[arg(long = "server-pid", global = true)]
    server_pids: Vec<u32>,
    /// Prefix of the users and rooms this run creates (default: a fresh one).
    #[arg(long, global = true)]
    prefix: Option<String>,
    /// Setup calls (sign-ups, room creation, WebSocket handshakes) in flight at once.
    #[arg(long, global = true, default_value_t = 64)]
    setup_concurrency: usize,
    /// Give up on the whole scenario after this many seconds.
    #[arg(long, global = true, default_value_t = 1800)]
    timeout: u64,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand, Debug)]
enum Scenario {
    /// Open and hold many idle authenticated connections; report server memory per
    /// connection.
    Connections(ConnectionsArgs),
    /// Rooms of a given size, senders at a fixed rate; report end-to-end latency.
    Fanout(FanoutArgs),
    /// Step the send rate up until the p99 latency passes a limit.
    Throughput(ThroughputArgs),
    /// Seed one room with many messages, then time paging back through them.
    History(HistoryArgs),
    /// Full-text search latency over many multilingual messages.
    Search(SearchArgs),
    /// Sign-ins per second (bound by argon2id).
    Auth(AuthArgs),
    /// Uploads, then downloads, of equal-sized files with a few in flight.
    Files(FilesArgs),
    /// An MLS-encrypted group beside a plain one of the same size: latency,
    /// throughput and server CPU of each.
    Encrypted(EncryptedArgs),
}

impl Scenario {
    fn name(&self) -> &'static str {
        match self {
            Self::Connections(_) => "connections",
            Self::Fanout(_) => "fanout",
            Self::Throughput(_) => "throughput",
            Self::History(_) => "history",
            Self::Search(_) => "search",
            Self::Auth(_) => "auth",
            Self::Files(_) => "files",
            Self::Encrypted(_) => "encrypted",
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let targets = cli
        .urls
        .iter()
        .map(|url| target::Target::parse(url))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let found: Option<Vec<u32>> = targets
        .iter()
        .map(|t| server::find_listener(t.port))
        .collect();
    let servers = server::Servers {
        pids: if cli.server_pids.is_empty() {
            found.unwrap_or_default()
        } else {
            cli.server_pids.clone()
        },
    };
    let bench = setup::Bench::new(targets, cli.prefix.clone(), cli.setup_concurrency);
    let mut report = Report::new(cli.scenario.name());
    report
        .config(
            "urls",
            bench
                .targets
                .iter()
                .map(|t| t.url.clone())
                .collect::<Vec<_>>(),
        )
        .config("prefix", bench.prefix.clone())
        .config("server_pids", servers.pids.clone());

    let run = async {
        match &cli.scenario {
            Scenario::Connections(args) => {
                scenario::connections::run(&bench, args, &servers, &mut report).await
            }
            Scenario::Fanout(args) => {
                scenario::fanout::run(&bench, args, &servers, &mut report).await
            }
            Scenario::Throughput(args) => {
                scenario::throughput::run(&bench, args, &servers, &mut report).await
            }
            Scenario::History(args) => scenario::history::run(&bench, args, &mut report).await,
            Scenario::Search(args) => scenario::search::run(&bench, args, &mut report).await,
            Scenario::Auth(args) => scenario::auth::run(&bench, args, &mut report).await,
            Scenario::Files(args) => {
                scenario::files::run(&bench, args, &servers, &mut report).await
            }
            Scenario::Encrypted(args) => {
                scenario::encrypted::run(&bench, args, &servers, &mut report).await
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(cli.timeout), run)
        .await
        .with_context(|| {
            format!(
                "the scenario did not finish within --timeout {}s",
                cli.timeout
            )
        })??;

    report.result("server_rss_end_kib", servers.rss_kib());
    if servers.pids.is_empty() {
        report.note("server pids unknown (not given, not found from the ports): CPU and memory not reported");
    }
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&report.to_json())?);
    } else {
        print!("{}", report.to_table());
    }
    Ok(())
}
