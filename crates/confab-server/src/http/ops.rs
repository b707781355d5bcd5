//! Operational endpoints: liveness, readiness, metrics and the OpenAPI document.

use super::error::ApiError;
use crate::app::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use confab_proto::ErrorCode;

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the node can serve traffic: the database is reachable, every
/// background task runs, and it is not shutting down. A node of a cluster that lost
/// NATS still serves (other nodes' events arrive within a second, from the
/// database), so it stays ready and says so in the body.
pub async fn readyz(State(app): State<AppState>) -> Result<&'static str, ApiError> {
    if app.shutdown.is_cancelled() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "shutting down",
        ));
    }
    if let Some(failure) = app.readiness.failure() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            failure,
        ));
    }
    app.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "the database is unreachable",
        )
    })?;
    Ok(match &app.nats {
        Some(nats) if !nats.is_connected() => {
            "ready; NATS unreachable: events from other nodes arrive from the database within a second, typing and presence from them do not"
        }
        _ => "ready",
    })
}

/// `GET /metrics`: Prometheus text exposition.
pub async fn metrics(State(app): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.metrics.render(),
    )
}
