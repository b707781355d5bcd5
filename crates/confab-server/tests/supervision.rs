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
