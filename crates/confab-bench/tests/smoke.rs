//! Smoke test of every scenario: starts a real `confab serve` on a free loopback port
//! with a temporary SQLite database, runs each scenario at a tiny size with `--json`,
//! and checks that it finishes and reports sound JSON. It never asserts a timing;
//! the figures themselves live in docs/benchmarks.md.

use confab_testkit::{Backend, Profile, TestServer};
use serde_json::Value;
use std::process::Command;

/// A server with the relaxed profile: the benchmark server settings of
/// docs/benchmarks.md, scaled down.
async fn start_server() -> TestServer {
    TestServer::builder(Backend::Sqlite)
        .profile(Profile::Relaxed)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Runs one scenario with `--json` against `server` and returns its report.
fn bench(server: &TestServer, args: &[&str]) -> Value {
    bench_nodes(&[server], args)
}

/// Runs one scenario with `--json` against every node of `nodes` and returns its
/// report.
fn bench_nodes(nodes: &[&TestServer], args: &[&str]) -> Value {
    let mut command = Command::new(env!("CARGO_BIN_EXE_confab-bench"));
    for node in nodes {
        let pid = node.pid().expect("the server runs").to_string();
        command.args(["--url", &node.url, "--server-pid", &pid]);
    }
    let output = command
        .args(["--json", "--timeout", "120"])
        .args(["--setup-concurrency", "8"])
        .args(args)
        .output()
        .expect("run confab-bench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "confab-bench {args:?} failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("confab-bench {args:?} printed no JSON ({e}): {stdout}"));
    assert_eq!(report["scenario"], args[0]);
    assert!(report["git_commit"].is_string());
    assert!(report["cores"].as_u64().is_some_and(|c| c >= 1));
    report
}

fn count(report: &Value, key: &str) -> u64 {
    report["results"][key]
        .as_u64()
        .unwrap_or_else(|| panic!("results.{key} is not a count: {report}"))
}

#[tokio::test]
async fn every_scenario_runs_and_reports_json() {
    let server = start_server().await;

    let r = bench(
        &server,
        &[
            "connections",
            "--connections",
            "20",
            "--users",
            "2",
            "--hold",
            "0.2",
        ],
    );
    assert_eq!(count(&r, "connections_held"), 20, "{r}");
    assert!(r["results"]["server_kib_per_connection"].is_number(), "{r}");

    let r = bench(
        &server,
        &[
            "fanout",
            "--room-size",
            "3",
            "--rooms",
            "2",
            "--rate",
            "20",
            "--duration",
            "0.5",
        ],
    );
    assert_eq!(count(&r, "errors"), 0, "{r}");
    assert!(count(&r, "deliveries") > 0, "{r}");
    assert_eq!(
        count(&r, "deliveries"),
        count(&r, "deliveries_expected"),
        "{r}"
    );
    assert_eq!(
        r["results"]["latency"]["count"].as_u64(),
        Some(count(&r, "deliveries"))
    );

    let r = bench(
        &server,
        &[
            "throughput",
            "--room-size",
            "2",
            "--rooms",
            "2",
            "--start-rate",
            "10",
            "--step-seconds",
            "0.3",
            "--max-steps",
            "2",
        ],
    );
    let steps = r["results"]["steps"].as_array().expect("steps");
    assert!(!steps.is_empty() && steps.len() <= 2, "{r}");

    let r = bench(
        &server,
        &[
            "history",
            "--messages",
            "150",
            "--page-size",
            "50",
            "--writers",
            "2",
        ],
    );
    assert_eq!(count(&r, "seeded"), 150, "{r}");
    // The timeline also holds the room's creation.
    assert!(count(&r, "events_read") >= 150, "{r}");
    assert!(count(&r, "pages") >= 3, "{r}");

    let r = bench(
        &server,
        &[
            "auth",
            "--users",
            "2",
            "--concurrency",
            "2",
            "--duration",
            "0.3",
        ],
    );
    assert!(count(&r, "signins") > 0, "{r}");
    assert_eq!(count(&r, "signin_errors"), 0, "{r}");

    let r = bench(
        &server,
        &[
            "files",
            "--files",
            "6",
            "--size-kib",
            "64",
            "--in-flight",
            "2",
        ],
    );
    assert_eq!(
        r["results"]["upload_latency"]["count"].as_u64(),
        Some(6),
        "{r}"
    );
    assert_eq!(
        r["results"]["download_latency"]["count"].as_u64(),
        Some(6),
        "{r}"
    );

    let r = bench(
        &server,
        &[
            "encrypted",
            "--room-size",
            "4",
            "--messages",
            "5",
            "--rate",
            "50",
        ],
    );
    for group in ["plain", "encrypted"] {
        assert_eq!(count(&r, &format!("{group}_sent")), 5, "{r}");
        // Every other member (3) received and, in the encrypted group, decrypted all.
        assert_eq!(count(&r, &format!("{group}_deliveries")), 15, "{r}");
    }
}

#[test]
fn non_loopback_targets_are_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_confab-bench"))
        .args(["--url", "http://192.0.2.1:8080", "auth"])
        .output()
        .expect("run confab-bench");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refusing"), "{stderr}");
}

/// Fan-out across two nodes of a cluster (PostgreSQL and a private NATS server):
/// users are spread over both, every delivery arrives, and the report sums both
/// nodes' CPU time.
#[tokio::test]
async fn fanout_spreads_users_over_the_nodes_of_a_cluster() {
    let nats = confab_testkit::TestNats::start();
    let url = nats.url();
    let nodes = TestServer::builder(Backend::Postgres)
        .profile(Profile::Relaxed)
        .args(["--nats-url", &url, "--files-dir-shared"])
        .start_nodes(2)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let r = bench_nodes(
        &[&nodes[0], &nodes[1]],
        &[
            "fanout",
            "--room-size",
            "4",
            "--rooms",
            "2",
            "--rate",
            "20",
            "--duration",
            "0.5",
        ],
    );
    assert_eq!(r["config"]["urls"].as_array().map(Vec::len), Some(2), "{r}");
    assert_eq!(
        r["config"]["server_pids"].as_array().map(Vec::len),
        Some(2),
        "{r}"
    );
    assert_eq!(count(&r, "errors"), 0, "{r}");
    assert!(count(&r, "deliveries") > 0, "{r}");
    assert_eq!(
        count(&r, "deliveries"),
        count(&r, "deliveries_expected"),
        "{r}"
    );
}
