//! Accepting connections within limits.
//!
//! At most `--max-connections` connections are open at once: the listener takes a
//! permit before it accepts, so beyond the limit new connections wait in the
//! kernel's accept queue instead of costing a descriptor the server does not have.
//! At most `--max-connections-per-address` come from one address; one over that is
//! closed as soon as it is accepted. An accept error such as "too many open files"
//! is logged (at most once a second) and retried after a short pause, never a busy
//! loop and never the end of the server.
//!
//! Connections also end in order. When the server is done with a connection while
//! the client is still sending (a request body or WebSocket frame over the limit,
//! say), simply closing the socket makes the kernel answer the unread bytes with a
//! reset, which discards whatever the client had not read yet, the server's last
//! answer included: a WebSocket client would see its connection fail (browsers report
//! `1006`) instead of the close frame with `1009`. So a dropped [`AdmittedStream`]
//! ends its sending side after everything written (a FIN, not a reset), then reads and
//! discards what the client still sends until the client closes its side too, for at
//! most [`LINGER`] (what web servers call a lingering close), keeping its place
//! within the limits meanwhile.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Counter: connections closed at accept, by `reason` (`per_address`).
pub const CONNECTIONS_REFUSED: &str = "confab_connections_refused_total";

/// How long the listener pauses after an accept error other than a client's.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// How long a finished connection keeps reading (and discarding) what its client
/// still sends, waiting for the client to close its side.
pub const LINGER: Duration = Duration::from_secs(5);

/// The limits every accepted connection must fit in.
pub(super) struct Admission {
    open: Arc<Semaphore>,
    /// `None`: no limit per address.
    per_address: Option<usize>,
    by_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
    last_error_logged: Mutex<Option<Instant>>,
}

/// An accepted connection, holding its place within the limits for as long as it is
/// open: also after a WebSocket upgrade, when hyper hands the stream on.
pub(super) struct AdmittedStream {
    /// Taken out only when dropped, for the lingering close.
    stream: Option<TcpStream>,
    place: Option<Place>,
}

/// A connection's place within the limits.
struct Place {
    _open: OwnedSemaphorePermit,
    _address: Option<AddressSlot>,
}

impl AdmittedStream {
    fn stream(&mut self) -> Pin<&mut TcpStream> {
        Pin::new(self.stream.as_mut().expect("a connection until dropped"))
    }
}

impl AsyncRead for AdmittedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.stream().poll_read(cx, buf)
    }
}

impl AsyncWrite for AdmittedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.stream().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.stream().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream
            .as_ref()
            .is_some_and(TcpStream::is_write_vectored)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stream().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stream().poll_shutdown(cx)
    }
}

impl Drop for AdmittedStream {
    fn drop(&mut self) {
        let (Some(stream), place) = (self.stream.take(), self.place.take()) else {
            return;
        };
        // The client has closed its side already (read returned end of stream), or
        // the connection is broken: there is nothing to wait for.
        let mut probe = [0u8; 1];
        match stream.try_read(&mut probe) {
            Ok(0) => return,
            Err(error) if error.kind() != io::ErrorKind::WouldBlock => return,
            _ => {}
        }
        // Outside a runtime (the process is ending) the socket just closes.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(linger(stream, place));
        }
    }
}

/// Ends the sending side after what was written, then discards what the client still
/// sends until it closes its side, for at most [`LINGER`]. The connection keeps its
/// place within the limits until then: it still holds a descriptor.
async fn linger(mut stream: TcpStream, place: Option<Place>) {
    if stream.shutdown().await.is_err() {
        return;
    }
    let drain = async {
        let mut discard = [0u8; 4096];
        while matches!(stream.read(&mut discard).await, Ok(n) if n > 0) {}
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
    drop(place);
}

/// One connection counted against its address.
struct AddressSlot {
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut counts = lock(&self.counts);
        if let Some(count) = counts.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// The address has as many connections as it may.
struct OverLimit;

impl Admission {
    /// At most `max_open` connections, and `per_address` from one address (`None`:
    /// no such limit).
    pub fn new(max_open: usize, per_address: Option<usize>) -> Self {
        Self {
            open: Arc::new(Semaphore::new(max_open.max(1))),
            per_address,
            by_address: Arc::default(),
            last_error_logged: Mutex::new(None),
        }
    }

    /// The next connection that fits the limits, with its place in them. Waits while
    /// the server is full.
    pub async fn accept(&self, listener: &TcpListener) -> (AdmittedStream, SocketAddr) {
        loop {
            let Ok(open) = Arc::clone(&self.open).acquire_owned().await else {
                unreachable!("the semaphore is never closed");
            };
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    self.accept_failed(&error).await;
                    continue;
                }
            };
            match self.count(peer.ip()) {
                Ok(address) => {
                    let admitted = AdmittedStream {
                        stream: Some(stream),
                        place: Some(Place {
                            _open: open,
                            _address: address,
                        }),
                    };
                    return (admitted, peer);
                }
                Err(OverLimit) => {
                    metrics::counter!(CONNECTIONS_REFUSED, "reason" => "per_address").increment(1);
                    tracing::debug!(ip = %peer.ip(), "too many connections from one address; closed");
                    drop(stream);
                }
            }
        }
    }

    /// Counts one more connection from `ip` (nothing to count without a limit).
    fn count(&self, ip: IpAddr) -> Result<Option<AddressSlot>, OverLimit> {
        let Some(limit) = self.per_address else {
            return Ok(None);
        };
        let mut counts = lock(&self.by_address);
        let count = counts.entry(ip).or_insert(0);
        if *count >= limit {
            return Err(OverLimit);
        }
        *count += 1;
        Ok(Some(AddressSlot {
            counts: Arc::clone(&self.by_address),
            ip,
        }))
    }

    async fn accept_failed(&self, error: &io::Error) {
        // A client that gave up before we accepted it is no news.
        if matches!(
            error.kind(),
            io::ErrorKind::ConnectionAborted
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionRefused
        ) {
            return;
        }
        {
            let mut last = lock(&self.last_error_logged);
            if last.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                tracing::error!(%error, "cannot accept a connection; retrying");
                *last = Some(Instant::now());
            }
        }
        tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_places_back_when_its_connections_close() {
        let admission = Admission::new(10, Some(2));
        let ip = IpAddr::from([10, 0, 0, 1]);
        let first = admission.count(ip).ok();
        let _second = admission.count(ip).ok();
        assert!(admission.count(ip).is_err(), "the third is over the limit");
        assert!(
            admission.count(IpAddr::from([10, 0, 0, 2])).is_ok(),
            "others are not"
        );
        drop(first);
        assert!(admission.count(ip).is_ok(), "one place is free again");
        let unlimited = Admission::new(10, None);
        assert!((0..1000).all(|_| unlimited.count(ip).is_ok()));
    }

    /// A client that is still sending when the server drops the connection gets the
    /// server's last bytes and then the end of the stream, not a reset.
    #[tokio::test]
    async fn a_dropped_connection_ends_in_order_while_the_client_sends() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = tokio::spawn(async move {
            let mut client = TcpStream::connect(addr).await.unwrap();
            // Far more than the socket buffers hold: the server stops reading long
            // before this is sent.
            client.write_all(&vec![7u8; 8 << 20]).await.unwrap();
            let mut answer = Vec::new();
            client.read_to_end(&mut answer).await.unwrap();
            answer
        });
        let admission = Admission::new(10, Some(10));
        let (mut server, _) = admission.accept(&listener).await;
        let mut first = [0u8; 16];
        server.read_exact(&mut first).await.unwrap();
        server.write_all(b"bye").await.unwrap();
        drop(server);
        assert_eq!(client.await.unwrap(), b"bye");
    }
}
