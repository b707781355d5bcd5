//! A private NATS server for tests of several nodes: `nats-server` (Debian's
//! package, or `CONFAB_TEST_NATS_SERVER`) on a free loopback port of its own, which a
//! test may stop and start again on the same port, as an outage would. Dropping it
//! kills the process.

use crate::Error;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long `nats-server` may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running (or stopped) `nats-server` on one loopback port.
pub struct TestNats {
    addr: SocketAddr,
    child: Option<Child>,
}

impl TestNats {
    /// Starts a NATS server on a free port; panics if it cannot.
    pub fn start() -> Self {
        Self::try_start().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts a NATS server on a free port.
    pub fn try_start() -> Result<Self, Error> {
        // The port is free now; nats-server binds it right after.
        let addr = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|e| Error::Nats(format!("no free port: {e}")))?;
        let mut nats = Self { addr, child: None };
        nats.run()?;
        Ok(nats)
    }

    /// `127.0.0.1:PORT`, where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `nats://127.0.0.1:PORT`, for `--nats-url`.
    pub fn url(&self) -> String {
        format!("nats://{}", self.addr)
    }

    /// Kills the server (its clients see the connection drop); panics if it was not
    /// running.
    pub fn stop(&mut self) {
        let mut child = self.child.take().expect("nats-server runs");
        child.kill().expect("kill nats-server");
        child.wait().expect("reap nats-server");
    }

    /// Starts the server again on the same port; panics if it cannot.
    pub fn restart(&mut self) {
        self.run().unwrap_or_else(|e| panic!("{e}"));
    }

    fn run(&mut self) -> Result<(), Error> {
        let binary = binary();
        let child = Command::new(&binary)
            .args(["-a", "127.0.0.1", "-p", &self.addr.port().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Error::Nats(format!("cannot run {}: {e}", binary.display())))?;
        self.child = Some(child);
        let started = Instant::now();
        while TcpStream::connect(self.addr).is_err() {
            if started.elapsed() > START_TIMEOUT {
                return Err(Error::Nats(format!(
                    "not listening on {} after {START_TIMEOUT:?}",
                    self.addr
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("CONFAB_TEST_NATS_SERVER") {
        return path.into();
    }
    ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
        .unwrap_or_else(|| PathBuf::from("nats-server"))
}

impl Drop for TestNats {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
