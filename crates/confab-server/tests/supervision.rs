//! Background tasks are supervised: one that dies is noticed, never silent.

mod common;

use common::{Backend, TestServer, signed_up};
use confab_proto::rooms::CreateGroupRequest;
use std::time::Duration;

on_both_backends!(a_panicking_tailer_stops_the_server_with_an_error);

/// The live-delivery tailer is made to panic at its first event (a test-only switch
/// of debug builds). Without supervision the server would keep answering, healthy
/// by every check, while delivering nothing live; instead it must shut down and
/// exit with an error that names the task.
async fn a_panicking_tailer_stops_the_server_with_an_error(backend: Backend) {
    let mut server = TestServer::builder(backend)
        .env("CONFAB_TEST_FAULT", "tailer")
        .start()
        .await
        .expect("start confab");
    let (alice, _) = signed_up(&server, "alice").await;
    assert!(server.try_wait().is_none(), "nothing happened yet");

    // Creating a room stores events; the tailer reads the first one and panics.
    let created = alice
        .create_group(&CreateGroupRequest {
            name: "doomed".into(),
            topic: String::new(),
            members: Vec::new(),
            encrypted: false,
            ..Default::default()
        })
        .await;
    assert!(created.is_ok(), "the request itself succeeds: {created:?}");

    let mut status = None;
    for _ in 0..300 {
        status = server.try_wait();
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = status.expect("the server exits by itself after its tailer died");
    assert!(!status.success(), "it exits with an error, not 0: {status}");
    let log = server.log().join("\n");
    assert!(
        log.contains("background task `tailer` panicked"),
        "the log names the task:\n{log}"
    );
}

/// A server whose standard error is a pipe nobody reads any more (started as
/// `confab serve 2>&1 | head`, say) still shuts down on SIGTERM: a log line that
/// cannot be written is dropped, and no task dies of it.
#[test]
fn sigterm_stops_a_server_whose_log_pipe_was_closed() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let data = tempfile::tempdir().expect("data dir");
    let mut child = Command::new(confab_testkit::confab_binary().expect("confab binary"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log",
            "info",
            "--data-dir",
        ])
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start confab");
    let mut log = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    while !line.contains("listening") {
        line.clear();
        let read = log.read_line(&mut line).expect("read the log");
        assert!(read > 0, "confab exited before listening");
    }
    let addr = line
        .split_whitespace()
        .find_map(|field| field.strip_prefix("addr="))
        .expect("the listening line names the address")
        .to_owned();
    // The reading end closes: every later log line meets a broken pipe.
    drop(log);
    // Ready means the signal listener has been started: SIGTERM is the server's now.
    wait_until_ready(&addr);
    let signalled = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(signalled.success());
    let mut status = None;
    for _ in 0..300 {
        status = child.try_wait().expect("wait for confab");
        if status.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("confab was still running 15 s after SIGTERM");
    };
    assert!(status.success(), "{status}");
}

/// Polls `GET /readyz` on `addr` until it answers `ready` (at most 15 s).
fn wait_until_ready(addr: &str) {
    use std::io::{Read, Write};
    for _ in 0..300 {
        if let Ok(mut stream) = std::net::TcpStream::connect(addr) {
            let mut answer = String::new();
            let asked = stream.write_all(b"GET /readyz HTTP/1.0\r\nHost: confab\r\n\r\n");
            if asked.is_ok()
                && stream.read_to_string(&mut answer).is_ok()
                && answer.starts_with("HTTP/1.0 200")
            {
                // The listener task has started; give it a moment to be polled.
                std::thread::sleep(Duration::from_millis(200));
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("confab at {addr} was not ready within 15 s");
}
