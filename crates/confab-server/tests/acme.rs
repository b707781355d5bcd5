//! Certificates from ACME against a real test authority: pebble (Debian's `pebble`
//! package, which `scripts/test` installs), started by each test, validates Confab's
//! answers to TLS-ALPN-01 on `--listen` and to HTTP-01 on `--http-redirect-listen`,
//! and issues a certificate that a client trusting only pebble's root accepts. A
//! restart serves the stored certificate without a new order.

mod common;

use common::{Backend, TestServer};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::{BufRead as _, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where Debian installs pebble.
const PEBBLE: &str = "/usr/bin/pebble";

/// A free loopback port (the system's choice, released at once for pebble to take).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A pebble ACME server of the test's own, serving its directory over HTTPS with a
/// certificate from a root the test made.
struct Pebble {
    child: Child,
    dir: tempfile::TempDir,
    management_port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Pebble {
    /// A directory for pebble's files, with the root of its HTTPS certificate
    /// (`root.pem`), and the ports it will listen on. Not started yet: it needs to
    /// know where Confab listens.
    fn prepare() -> (tempfile::TempDir, u16, u16) {
        assert!(
            Path::new(PEBBLE).exists(),
            "{PEBBLE} is missing: run scripts/test, which installs Debian's pebble package \
             (or apt-get install pebble)"
        );
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "pebble's HTTPS, for a test");
        std::fs::write(
            dir.path().join("root.pem"),
            ca.self_signed(&ca_key).unwrap().pem(),
        )
        .unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        std::fs::write(dir.path().join("cert.pem"), cert.pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), key.serialize_pem()).unwrap();
        (dir, free_port(), free_port())
    }

    /// Starts pebble in `dir`, validating TLS-ALPN-01 on `tls_port` and HTTP-01 on
    /// `http_port` of each domain.
    fn start(
        (dir, directory_port, management_port): (tempfile::TempDir, u16, u16),
        tls_port: u16,
        http_port: u16,
    ) -> Self {
        let config = json!({"pebble": {
            "listenAddress": format!("127.0.0.1:{directory_port}"),
            "managementListenAddress": format!("127.0.0.1:{management_port}"),
            "certificate": dir.path().join("cert.pem"),
            "privateKey": dir.path().join("key.pem"),
            "httpPort": http_port,
            "tlsPort": tls_port,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false,
        }});
        let config_path = dir.path().join("pebble-config.json");
        std::fs::write(&config_path, config.to_string()).unwrap();
        let mut child = Command::new(PEBBLE)
            .arg("-config")
            .arg(&config_path)
            // Validate at once, and never refuse a good nonce (pebble's default is 5%
            // of them, to exercise clients' retries).
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start pebble");
        let log = Arc::<Mutex<Vec<String>>>::default();
        for output in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(output).lines().map_while(Result::ok) {
                    log.lock().unwrap().push(line);
                }
            });
        }
        Self {
            child,
            dir,
            management_port,
            log,
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// A client of pebble's own HTTPS (its management interface).
    fn management(&self) -> reqwest::Client {
        let root = std::fs::read(self.dir.path().join("root.pem")).unwrap();
        reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&root).unwrap())
            .build()
            .unwrap()
    }

    /// The root certificate pebble issues from (PEM), from its management interface.
    async fn issuing_root(&self) -> String {
        let url = format!("https://127.0.0.1:{}/roots/0", self.management_port);
        let response = self.management().get(url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.unwrap()
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `confab serve`'s ACME options for a pebble in `dir` listening on `directory_port`.
fn acme_args(dir: &Path, directory_port: u16) -> Vec<String> {
    [
        "--acme-domain",
        "localhost",
        "--acme-email",
        "ops@example.org",
        "--acme-directory",
        &format!("https://127.0.0.1:{directory_port}/dir"),
        "--acme-ca-root",
        &dir.join("root.pem").display().to_string(),
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Waits until the server has logged `message` `count` times, and fails with both
/// logs after a minute.
async fn wait_for(server: &TestServer, pebble: &Pebble, message: &str, count: usize) {
    for _ in 0..600 {
        if logged(server, message) >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "confab did not log {message:?} {count} time(s); it logged:\n{}\n\npebble logged:\n{}",
        server.log().join("\n"),
        pebble.log()
    );
}

/// How many of the server's log lines have `message` as their message.
fn logged(server: &TestServer, message: &str) -> usize {
    server
        .log()
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["message"] == message)
        .count()
}

/// The server's port on 127.0.0.1.
fn port(server: &TestServer) -> u16 {
    let addr: SocketAddr = server
        .url
        .trim_start_matches("https://")
        .parse()
        .expect("an address");
    addr.port()
}

/// `GET https://localhost:PORT/healthz` from a client that trusts only `root`.
async fn healthz(server: &TestServer, root: &str) -> Result<StatusCode, reqwest::Error> {
    let port = port(server);
    let client = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(root.as_bytes()).unwrap())
        .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], port)))
        .build()
        .unwrap();
    let response = client
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await?;
    Ok(response.status())
}

/// The value of the counter `confab_acme_orders_total{result="issued"}`, 0 when absent.
async fn issued_orders(server: &TestServer, root: &str) -> u64 {
    let port = port(server);
    let client = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(root.as_bytes()).unwrap())
        .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], port)))
        .build()
        .unwrap();
    let metrics = client
        .get(format!("https://localhost:{port}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metrics
        .lines()
        .find(|line| line.starts_with(r#"confab_acme_orders_total{result="issued"}"#))
        .and_then(|line| line.rsplit(' ').next())
        .map_or(0, |value| value.parse().unwrap())
}

/// The files of `acme/` in the server's data directory, each with its mode.
fn stored_files(server: &TestServer) -> Vec<(String, u32)> {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = server.data_dir().join("acme");
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "{}", dir.display());
    let mut files: Vec<(String, u32)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
            (entry.file_name().to_string_lossy().into_owned(), mode)
        })
        .collect();
    files.sort();
    files
}

/// Checks what a server that just got its certificate serves and stores, restarts
/// it, and checks that it serves the stored certificate without a new order.
async fn serves_the_certificate_and_keeps_it(mut server: TestServer, pebble: Pebble) {
    let root = pebble.issuing_root().await;
    assert_eq!(healthz(&server, &root).await.unwrap(), StatusCode::OK);
    // Not some other certificate: a client trusting only our HTTPS root for pebble
    // refuses it.
    let other = std::fs::read_to_string(pebble.dir.path().join("root.pem")).unwrap();
    assert!(healthz(&server, &other).await.is_err());
    assert_eq!(issued_orders(&server, &root).await, 1);

    let files = stored_files(&server);
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files[0].0.starts_with("account-") && files[0].0.ends_with(".key"),
        "{files:?}"
    );
    assert!(files[1].0.starts_with("certificate-"), "{files:?}");
    assert!(files.iter().all(|(_, mode)| *mode == 0o600), "{files:?}");
    let stored = std::fs::read_to_string(server.data_dir().join("acme").join(&files[1].0)).unwrap();
    assert!(stored.contains("-----BEGIN CERTIFICATE-----"));

    let orders = pebble_orders(&pebble);
    server.restart();
    wait_for(&server, &pebble, "ACME: stored certificate loaded", 1).await;
    assert_eq!(healthz(&server, &root).await.unwrap(), StatusCode::OK);
    assert_eq!(issued_orders(&server, &root).await, 0);
    assert_eq!(logged(&server, "ACME: certificate issued; serving it"), 1);
    assert_eq!(
        stored_files(&server),
        files,
        "the same account and certificate"
    );
    assert_eq!(
        pebble_orders(&pebble),
        orders,
        "no new order:\n{}",
        pebble.log()
    );
}

/// How many orders pebble was asked for.
fn pebble_orders(pebble: &Pebble) -> usize {
    let log = pebble.log();
    let orders = log
        .lines()
        .filter(|line| line.contains("Added order"))
        .count();
    assert!(orders > 0, "pebble logged no order:\n{log}");
    orders
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_alpn_01_certificate_is_issued_served_and_reused_after_a_restart() {
    let prepared = Pebble::prepare();
    let args = acme_args(prepared.0.path(), prepared.1);
    // Confab first, so that pebble can be told its port; its first tries to reach
    // pebble fail and are tried again.
    let server = TestServer::builder(Backend::Sqlite)
        .args(args)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(server.url.starts_with("https://"), "{}", server.url);
    // Nothing answers HTTP-01 here: the certificate can only come through TLS-ALPN-01.
    let pebble = Pebble::start(prepared, port(&server), free_port());
    wait_for(&server, &pebble, "ACME: certificate issued; serving it", 1).await;
    serves_the_certificate_and_keeps_it(server, pebble).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_01_is_answered_on_the_redirect_listener() {
    let prepared = Pebble::prepare();
    let mut args = acme_args(prepared.0.path(), prepared.1);
    args.extend(
        [
            "--acme-challenge",
            "http-01",
            "--http-redirect-listen",
            "127.0.0.1:0",
        ]
        .map(str::to_owned),
    );
    let server = TestServer::builder(Backend::Sqlite)
        .args(args)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Logged just after the `listening` line the harness waits for.
    let mut redirect = None;
    for _ in 0..100 {
        redirect = server
            .log()
            .iter()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|line| line["message"] == "redirecting plain HTTP to HTTPS")
            .and_then(|line| line["addr"].as_str()?.parse::<SocketAddr>().ok());
        if redirect.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let redirect_port = redirect.expect("the redirect listener's address").port();
    // TLS-ALPN-01 is pointed at a port where nothing listens: only HTTP-01 can pass.
    let pebble = Pebble::start(prepared, free_port(), redirect_port);
    wait_for(&server, &pebble, "ACME: certificate issued; serving it", 1).await;
    serves_the_certificate_and_keeps_it(server, pebble).await;
}
