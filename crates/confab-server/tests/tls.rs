//! HTTPS served by the binary: HTTPS and WSS round trips with clients that verify the
//! certificate, HSTS and `Secure` cookies, the plain-HTTP redirect listener, and the
//! certificate replaced on SIGHUP while an open WebSocket keeps going.

mod common;

use common::{Backend, PASSWORD, TestServer, unique_username};
use futures_util::{SinkExt as _, StreamExt as _};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE, STRICT_TRANSPORT_SECURITY};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_tungstenite::tungstenite::Message;

on_both_backends!(
    https_and_wss_round_trip_with_a_verifying_client,
    sighup_serves_a_new_certificate_and_open_websockets_stay_up,
);

/// A certificate authority of the test's own and a server certificate from it for
/// `127.0.0.1` and `localhost`.
struct TestCa {
    /// The authority's certificate (PEM), for clients to trust.
    root: String,
    /// The server's certificate (PEM) and private key (PEM).
    chain: String,
    key: String,
}

impl TestCa {
    fn new(name: &str) -> Self {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, name);
        let root = ca.self_signed(&ca_key).unwrap().pem();
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        Self {
            root,
            chain: leaf.pem(),
            key: key.serialize_pem(),
        }
    }

    /// Writes the server's certificate and key into `dir`; returns their paths.
    fn write(&self, dir: &Path) -> (PathBuf, PathBuf) {
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&cert, &self.chain).unwrap();
        std::fs::write(&key, &self.key).unwrap();
        (cert, key)
    }

    /// An HTTPS client that trusts only this authority, and follows no redirect.
    fn http(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(self.root.as_bytes()).unwrap())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// A TLS connector that trusts only this authority.
    fn connector(&self) -> TlsConnector {
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(self.root.as_bytes()).unwrap())
            .unwrap();
        let config = ClientConfig::builder_with_provider(Arc::new(
            tokio_rustls::rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        TlsConnector::from(Arc::new(config))
    }
}

type Wss = tokio_tungstenite::WebSocketStream<tokio_rustls::client::TlsStream<TcpStream>>;

/// Opens `wss://` to the server with a client that trusts only `ca`, and
/// authenticates it with `token`; returns the socket after its `ready` frame.
async fn wss(server: &TestServer, ca: &TestCa, token: &str) -> Wss {
    let addr = server.url.trim_start_matches("https://");
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let tls = ca
        .connector()
        .connect(name, tcp)
        .await
        .expect("TLS handshake");
    let (mut socket, _) = tokio_tungstenite::client_async(format!("wss://{addr}/api/v1/ws"), tls)
        .await
        .expect("WebSocket upgrade");
    let hello = json!({"type": "hello", "token": token}).to_string();
    socket.send(Message::text(hello)).await.unwrap();
    let ready = next_json(&mut socket).await;
    assert_eq!(ready["type"], "ready", "{ready}");
    socket
}

/// The next JSON text frame, skipping presence and notification frames.
async fn next_json(socket: &mut Wss) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a frame within 10 s")
            .expect("the socket is open")
            .expect("a frame");
        if let Message::Text(text) = message {
            let frame: Value = serde_json::from_str(&text).unwrap();
            if !matches!(frame["type"].as_str(), Some("presence" | "notification")) {
                return frame;
            }
        }
    }
}

/// Sends a `ping` request on the socket and waits for its `pong`.
async fn ping(socket: &mut Wss, id: &str) {
    let frame = json!({"type": "ping", "id": id}).to_string();
    socket.send(Message::text(frame)).await.unwrap();
    let pong = next_json(socket).await;
    assert_eq!(pong, json!({"type": "pong", "id": id}));
}

/// Starts a server serving `ca`'s certificate from files in a directory of its own.
async fn tls_server(backend: Backend, ca: &TestCa, extra: &[&str]) -> (TestServer, PathBuf) {
    let dir = tempfile::tempdir().unwrap().keep();
    let (cert, key) = ca.write(&dir);
    let mut args = vec![
        "--tls-cert".to_owned(),
        cert.display().to_string(),
        "--tls-key".to_owned(),
        key.display().to_string(),
    ];
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    let server = TestServer::builder(backend)
        .args(args)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(server.url.starts_with("https://"), "{}", server.url);
    (server, dir)
}

/// Signs up over HTTPS asking for the refresh cookie; returns the access token and
/// the cookie's attributes.
async fn sign_up(server: &TestServer, ca: &TestCa) -> (String, String) {
    let response = ca
        .http()
        .post(format!("{}/api/v1/auth/signup", server.url))
        .header("x-confab-refresh", "cookie")
        .json(&json!({"username": unique_username("tls"), "password": PASSWORD}))
        .send()
        .await
        .expect("HTTPS sign-up");
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("confab_refresh="))
        .expect("the refresh cookie")
        .to_owned();
    let body: Value = response.json().await.unwrap();
    let token = body["tokens"]["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    (token, cookie)
}

/// The address a line of the server's log names for `message`.
fn logged_addr(server: &TestServer, message: &str) -> String {
    server
        .log()
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|event| event["message"] == message)
        .and_then(|event| event["addr"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no `{message}` in the log"))
}

async fn https_and_wss_round_trip_with_a_verifying_client(backend: Backend) {
    let ca = TestCa::new("Confab test CA");
    let (server, _dir) = tls_server(backend, &ca, &["--http-redirect-listen", "127.0.0.1:0"]).await;

    // HTTPS, verified against the test's authority, with HSTS.
    let health = ca
        .http()
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .expect("HTTPS request");
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(
        health.headers().get(STRICT_TRANSPORT_SECURITY).unwrap(),
        "max-age=31536000"
    );
    // A client that does not trust the authority refuses the server: it is real TLS.
    let stranger = TestCa::new("Another CA").http();
    assert!(
        stranger
            .get(format!("{}/healthz", server.url))
            .send()
            .await
            .is_err()
    );
    // Plain HTTP on the HTTPS port gets no answer it could use.
    let plain = server.url.replacen("https://", "http://", 1);
    let refused = reqwest::get(format!("{plain}/healthz")).await;
    assert!(refused.is_err() || !refused.unwrap().status().is_success());

    // The refresh cookie is Secure over the server's own TLS.
    let (token, cookie) = sign_up(&server, &ca).await;
    assert!(cookie.contains("Secure"), "{cookie}");

    // WSS: authenticate, then a request and its answer.
    let mut socket = wss(&server, &ca, &token).await;
    ping(&mut socket, "over-tls").await;
    socket.close(None).await.unwrap();

    // The plain-HTTP listener redirects to the same host and path over HTTPS.
    let redirect = logged_addr(&server, "redirecting plain HTTP to HTTPS");
    let tls_port = server.url.rsplit(':').next().unwrap().to_owned();
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("http://{redirect}/api/v1/rooms?limit=5"))
        .header("host", "chat.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        response.headers().get(LOCATION).unwrap(),
        &format!("https://chat.example.org:{tls_port}/api/v1/rooms?limit=5")
    );
}

async fn sighup_serves_a_new_certificate_and_open_websockets_stay_up(backend: Backend) {
    let old = TestCa::new("Old CA");
    // Only SIGHUP reloads here: the files are not watched.
    let (server, dir) = tls_server(backend, &old, &["--tls-watch-interval", "0s"]).await;
    let (token, _) = sign_up(&server, &old).await;
    let mut socket = wss(&server, &old, &token).await;

    let new = TestCa::new("New CA");
    new.write(&dir);
    let status = std::process::Command::new("kill")
        .args(["-HUP", &server.pid().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(status.success());

    // New connections get the new certificate once the server has read it.
    let mut served_new = false;
    for _ in 0..100 {
        let health = new
            .http()
            .get(format!("{}/healthz", server.url))
            .send()
            .await;
        if health.is_ok_and(|response| response.status() == StatusCode::OK) {
            served_new = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(served_new, "the new certificate is served after SIGHUP");
    assert!(
        old.http()
            .get(format!("{}/healthz", server.url))
            .send()
            .await
            .is_err(),
        "the old one is not"
    );
    // The WebSocket opened with the old certificate keeps working.
    ping(&mut socket, "after-reload").await;

    // A pair that does not load leaves the working one in place.
    std::fs::write(dir.join("cert.pem"), "not a certificate").unwrap();
    let status = std::process::Command::new("kill")
        .args(["-HUP", &server.pid().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut reported = false;
    for _ in 0..100 {
        if server
            .log()
            .iter()
            .any(|line| line.contains("cannot load the new TLS certificate"))
        {
            reported = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(reported, "the failed reload is logged");
    let health = new
        .http()
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .expect("still served with the last good certificate");
    assert_eq!(health.status(), StatusCode::OK);
    ping(&mut socket, "after-a-bad-reload").await;
}

#[tokio::test]
async fn a_certificate_that_does_not_load_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Confab test CA");
    let (cert, _) = ca.write(dir.path());
    // The key of another certificate.
    let other = TestCa::new("Other CA");
    let key = dir.path().join("other-key.pem");
    std::fs::write(&key, &other.key).unwrap();
    let started = TestServer::builder(Backend::Sqlite)
        .args([
            "--tls-cert",
            &cert.display().to_string(),
            "--tls-key",
            &key.display().to_string(),
        ])
        .start()
        .await;
    let Err(error) = started else {
        panic!("a server started with a key that is not its certificate's");
    };
    assert!(
        error
            .to_string()
            .contains("do not make a usable certificate and key"),
        "{error}"
    );
}
