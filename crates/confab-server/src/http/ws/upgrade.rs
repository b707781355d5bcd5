//! `GET /api/v1/ws`: the upgrade to a WebSocket.

use super::connection::Connection;
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Client;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;
use confab_proto::ErrorCode;

/// `GET /api/v1/ws`: upgrades to a WebSocket. The access token travels in the first
/// frame, never in the URL (URLs end up in logs).
pub(in crate::http) async fn upgrade(
    State(app): State<AppState>,
    Client(client): Client,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            ErrorCode::InvalidInput,
            rejection.body_text(),
        )
    })?;
    // Frames a little over the limit are read and answered with a clear error;
    // far larger ones are cut off by the WebSocket layer itself.
    let hard_limit = app.config.max_body_bytes * 4;
    // tungstenite's default buffers (128 KiB each) would dominate the memory of an
    // idle connection, and the read buffer is cleared before every read.
    let buffer = app.config.ws.buffer_bytes;
    Ok(upgrade
        .read_buffer_size(buffer)
        .write_buffer_size(buffer)
        .max_message_size(hard_limit)
        .max_frame_size(hard_limit)
        .on_upgrade(move |socket| {
            let connections = app.connections.clone();
            connections.track_future(Connection::run(app, socket, client))
        }))
}
