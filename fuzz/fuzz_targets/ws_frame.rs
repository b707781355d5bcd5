//! The WebSocket frame decoder: any bytes a client sends are decoded as a
//! `ClientFrame` the way `http::ws::connection` does. Decoding must never panic, and
//! a frame that decodes must encode and decode back to itself.
#![no_main]

use confab_proto::ws::ClientFrame;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(frame) = serde_json::from_slice::<ClientFrame>(data) else {
        return;
    };
    let encoded = serde_json::to_vec(&frame).expect("a decoded frame encodes");
    let decoded: ClientFrame = serde_json::from_slice(&encoded).expect("an encoded frame decodes");
    assert_eq!(
        decoded,
        frame,
        "round trip through {}",
        String::from_utf8_lossy(&encoded)
    );
});
