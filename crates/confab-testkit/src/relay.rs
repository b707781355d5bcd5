//! A TCP relay: forwards every connection made to one address to another, byte for
//! byte, in both directions.
//!
//! Processes in a network namespace cannot reach the root namespace's loopback, where
//! PostgreSQL and the test NATS server listen; [`Hosts`](crate::Hosts) gives each
//! namespace a relay on its link's far end. The relay runs on a runtime of its own, so
//! it neither depends on the test's runtime nor competes with it for threads, and stops
//! (closing every connection) when dropped.

use std::io;
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};

/// Relays started with [`Relay::forward`]; dropping it stops them all.
pub(crate) struct Relay {
    runtime: Option<tokio::runtime::Runtime>,
}

impl Relay {
    /// A relay with no forwarding yet.
    pub(crate) fn new() -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("confab-testkit-relay")
            .enable_all()
            .build()?;
        Ok(Self {
            runtime: Some(runtime),
        })
    }

    /// Listens on `listen` (port 0: any free port) and forwards each connection to
    /// `target`; answers the address it listens on.
    pub(crate) fn forward(&self, listen: SocketAddr, target: SocketAddr) -> io::Result<SocketAddr> {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| io::Error::other("the relay has stopped"))?;
        // Bound here, so a failure reaches the caller rather than a task.
        let listener = std::net::TcpListener::bind(listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let listener = {
            let _entered = runtime.enter();
            TcpListener::from_std(listener)?
        };
        runtime.spawn(accept(listener, target));
        Ok(addr)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        // `shutdown_background` may run inside the test's runtime, where dropping a
        // runtime (which blocks) would panic.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn accept(listener: TcpListener, target: SocketAddr) {
    loop {
        // A failed accept (descriptors short, say) is retried: the relay must outlive
        // it, as the network it stands for would.
        let Ok((inbound, _)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        tokio::spawn(relay(inbound, target));
    }
}

/// Copies both ways until both sides are done or one fails, then closes both: the
/// far side of a connection that broke is closed too (and PostgreSQL ends the
/// session, releasing its locks), as when the connection is direct.
async fn relay(mut inbound: TcpStream, target: SocketAddr) {
    let Ok(mut outbound) = TcpStream::connect(target).await else {
        return;
    };
    // Small messages (queries, NATS pings) are the traffic; do not hold them back.
    let _ = inbound.set_nodelay(true);
    let _ = outbound.set_nodelay(true);
    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read as _, Write as _};

    #[test]
    fn bytes_cross_both_ways() {
        let echo = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let target = echo.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut conn, _) = echo.accept().unwrap();
            let mut buf = [0; 5];
            conn.read_exact(&mut buf).unwrap();
            conn.write_all(&buf).unwrap();
        });
        let relay = Relay::new().unwrap();
        let addr = relay
            .forward("127.0.0.1:0".parse().unwrap(), target)
            .unwrap();
        let mut conn = std::net::TcpStream::connect(addr).unwrap();
        conn.write_all(b"hello").unwrap();
        let mut back = [0; 5];
        conn.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"hello");
        drop(relay);
        // Stopped: the relayed connection is closed (end of stream, or reset).
        conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        match conn.read(&mut back) {
            Ok(0) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            other => panic!("the relayed connection is still open: {other:?}"),
        }
    }
}
