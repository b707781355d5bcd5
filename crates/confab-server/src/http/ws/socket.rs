//! Socket-level helpers of the WebSocket transport: the first frame, sending with a
//! timeout, the closing handshake, and error frames.

use crate::service::ServiceError;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use confab_proto::ws::{ClientFrame, ServerFrame, close_code};
use confab_proto::{ErrorCode, EventId};
use std::time::Duration;

/// How long a new connection has to send its `hello`.
pub(super) const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the closing handshake may take: sending our close frame, then hearing
/// the client's.
pub(super) const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);
/// Standard close code for a frame over the size limit.
pub(super) const CLOSE_TOO_BIG: u16 = 1009;
/// Standard close code for a server going away.
pub(super) const CLOSE_GOING_AWAY: u16 = 1001;

/// Why a connection ended, as a close code and reason.
pub(super) struct Close(pub u16, pub &'static str);

/// Reads the first frame, which must be a `hello`.
pub(super) async fn read_hello(socket: &mut WebSocket) -> Result<(String, Option<EventId>), Close> {
    loop {
        match socket.recv().await {
            Some(Ok(Message::Text(text))) => {
                return match serde_json::from_str::<ClientFrame>(text.as_str()) {
                    Ok(ClientFrame::Hello { token, since }) => Ok((token, since)),
                    _ => {
                        let _ = send_frame(
                            socket,
                            &protocol_error(None, "the first frame must be a hello"),
                        )
                        .await;
                        Err(Close(close_code::PROTOCOL, "expected hello"))
                    }
                };
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(_)) => return Err(Close(close_code::PROTOCOL, "expected a hello text frame")),
            // As after `hello`: the WebSocket layer refused a frame (over four times
            // the body limit, or malformed).
            Some(Err(_)) => return Err(Close(CLOSE_TOO_BIG, "frame too large or malformed")),
            None => return Err(Close(1000, "closed before hello")),
        }
    }
}

pub(super) async fn send_frame(socket: &mut WebSocket, frame: &ServerFrame) -> Result<(), Close> {
    let text = serde_json::to_string(frame).map_err(|_| Close(1011, "cannot encode frame"))?;
    send_message(socket, Message::Text(text.into()), HELLO_TIMEOUT).await
}

/// Sends one message; a client that does not take it within `timeout` is gone.
pub(super) async fn send_message(
    socket: &mut WebSocket,
    message: Message,
    timeout: Duration,
) -> Result<(), Close> {
    match tokio::time::timeout(timeout, socket.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Close(1000, "connection lost")),
        Err(_) => Err(Close(close_code::TOO_SLOW, "too slow to read")),
    }
}

/// Sends the close frame, then waits (at most [`CLOSE_TIMEOUT`]) for the client's
/// answering close, so that the TCP connection ends cleanly. Dropping it at once
/// would make the kernel reset it when the client's last frames (pongs, say)
/// arrive, and a client still reading its backlog would lose the close code.
pub(super) async fn close_with(socket: &mut WebSocket, Close(code, reason): Close) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let sent = tokio::time::timeout(CLOSE_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
    if matches!(sent, Ok(Ok(()))) {
        let answered = async {
            while let Some(Ok(message)) = socket.recv().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, answered).await;
    }
}

pub(super) fn error_frame(id: Option<String>, error: &ServiceError) -> ServerFrame {
    ServerFrame::Error {
        id,
        code: error.code(),
        message: error.public_message(),
    }
}

pub(super) fn protocol_error(id: Option<String>, message: &str) -> ServerFrame {
    ServerFrame::Error {
        id,
        code: ErrorCode::InvalidJson,
        message: message.to_owned(),
    }
}
