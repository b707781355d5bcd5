//! Serving HTTP on accepted connections, with timeouts, until shutdown.
//!
//! `axum::serve` takes no settings, so this loop drives hyper itself: HTTP/1.1 and
//! HTTP/2 on each connection, WebSocket upgrades, the client's address for the
//! handlers (`ConnectInfo`), `--http-header-timeout` (which also ends idle kept-alive
//! connections), TLS when configured (see `tls`), and a graceful shutdown that lets
//! requests in flight finish.

use super::listener::Admission;
use super::tls::Tls;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::either::Either;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

/// Serves `router` on the connections `admission` lets in until `shutdown`, then
/// waits for the requests in flight. With `tls`, each connection first completes a
/// TLS handshake (within `header_timeout`). Upgraded connections (WebSockets) are
/// not waited for here: they watch `shutdown` themselves.
pub(super) async fn serve(
    listener: TcpListener,
    admission: Arc<Admission>,
    tls: Option<Arc<Tls>>,
    router: Router,
    header_timeout: Duration,
    shutdown: CancellationToken,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    // The extended CONNECT protocol carries WebSockets over HTTP/2.
    builder.http2().enable_connect_protocol();
    let builder = Arc::new(builder);
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = admission.accept(&listener) => accepted,
            () = shutdown.cancelled() => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(Body::new))
        });
        let (builder, watcher, tls) = (Arc::clone(&builder), graceful.watcher(), tls.clone());
        tokio::spawn(async move {
            let stream = match tls {
                None => Either::Left(stream),
                Some(tls) => match tls.handshake(stream, header_timeout).await {
                    Some(stream) => Either::Right(stream),
                    None => return,
                },
            };
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(error) = watcher.watch(connection.into_owned()).await {
                tracing::trace!(%error, "a connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
