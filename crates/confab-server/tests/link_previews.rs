//! Link previews over the API, on SQLite and PostgreSQL, against a real HTTP server
//! on loopback: the preview and its picture reach members live and in history, the
//! cache serves a link twice, the sender removes it for good; and what server-side
//! request forgery protection refuses: loopback under the default policy, addresses
//! outside the allowed networks, also behind a redirect.

mod common;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use common::{Backend, TestServer, code, group_with, live, next_frame, signed_up};
use confab_client::proto::ErrorCode;
use confab_client::proto::events::{EventContent, LinkPreview};
use confab_client::proto::ws::ServerFrame;
use confab_client::{Client, Live};
use confab_proto::RoomId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_backends!(
    a_link_gets_a_preview_members_see_and_the_sender_removes,
    loopback_links_are_refused_under_the_default_policy,
    addresses_outside_the_allowed_networks_are_refused_also_after_a_redirect,
);

/// A small web site on loopback that counts the requests of each path.
#[derive(Clone)]
struct Site {
    origin: String,
    hits: Arc<Mutex<HashMap<String, u32>>>,
}

impl Site {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let site = Self {
            origin,
            hits: Arc::default(),
        };
        let app = axum::Router::new()
            .route("/{page}", axum::routing::get(serve))
            .with_state(site.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        site
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.origin)
    }

    fn hits(&self, path: &str) -> u32 {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

async fn serve(State(site): State<Site>, Path(page): Path<String>) -> Response {
    *site.hits.lock().unwrap().entry(page.clone()).or_default() += 1;
    match page.as_str() {
        "launch" => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            r#"<!doctype html><html><head><title>ignored</title>
            <meta property="og:title" content="Launch day">
            <meta property="og:description" content="Everything ships on Friday.">
            <meta property="og:site_name" content="Example News">
            <meta property="og:image" content="/cover.png">
            </head><body>…</body></html>"#,
        )
            .into_response(),
        "cover.png" => ([(header::CONTENT_TYPE, "image/png")], cover()).into_response(),
        "elsewhere" => (
            StatusCode::FOUND,
            [(
                header::LOCATION,
                site.url("launch").replace("127.0.0.1", "[::1]"),
            )],
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A 1200x630 picture (the usual size of an Open Graph image).
fn cover() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(1200, 630, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut bytes, image::ImageFormat::Png)
        .unwrap();
    bytes.into_inner()
}

/// The next link preview event: `(target_seq, Some(preview))` when one is added,
/// `(target_seq, None)` when one is removed.
async fn preview_event(live: &mut Live) -> (i64, Option<LinkPreview>) {
    next_frame(live, |frame| match frame {
        ServerFrame::Event { event } => match event.content {
            EventContent::LinkPreviewAdded {
                target_seq,
                preview,
            } => Some((target_seq, Some(preview))),
            EventContent::LinkPreviewRemoved { target_seq } => Some((target_seq, None)),
            _ => None,
        },
        _ => None,
    })
    .await
}

/// The preview of message `seq` as history shows it.
async fn preview_in_history(client: &Client, room: RoomId, seq: i64) -> Option<LinkPreview> {
    let page = client
        .history(room, &format!("around={seq}&limit=3"))
        .await
        .unwrap();
    page.events
        .into_iter()
        .find(|event| event.seq == seq)
        .and_then(|event| match event.content {
            EventContent::Message(message) => message.preview,
            _ => None,
        })
}

/// `confab_link_previews_total{outcome="..."}` of the server.
async fn previews_counted(server: &TestServer, outcome: &str) -> u64 {
    let (http, url) = server.raw("/metrics");
    let text = http.get(&url).send().await.unwrap().text().await.unwrap();
    let series = format!("confab_link_previews_total{{outcome=\"{outcome}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&series))
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or(0)
}

/// Waits until the server counted `want` previews with `outcome`.
async fn wait_for_count(server: &TestServer, outcome: &str, want: u64) {
    for _ in 0..200 {
        if previews_counted(server, outcome).await >= want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {want} link previews {outcome} within 10 s");
}

async fn a_link_gets_a_preview_members_see_and_the_sender_removes(backend: Backend) {
    let site = Site::start().await;
    let server = TestServer::start_with(
        backend,
        &["--link-preview-allowed-networks", "127.0.0.1/32"],
    )
    .await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let (stranger, _) = signed_up(&server, "stranger").await;
    let room = group_with(&alice, "Launch", &[&bob]).await;
    let mut bobs = live(&bob, None).await;
    let mut alices = live(&alice, None).await;

    let text = format!("Notes: {}! and `{}`", site.url("launch"), site.url("other"));
    let sent = alice.send_text(room, &text).await.unwrap();
    let (target, preview) = preview_event(&mut bobs).await;
    assert_eq!(target, sent.seq);
    let preview = preview.expect("a preview was added");
    assert_eq!(preview.url, site.url("launch"));
    assert_eq!(preview.title, "Launch day");
    assert_eq!(preview.description, "Everything ships on Friday.");
    assert_eq!(preview.site_name, "Example News");
    let image = preview.image.clone().expect("with its picture");
    assert_eq!(
        (image.width, image.height),
        (640, 336),
        "scaled to fit 640x640"
    );
    assert_eq!(
        preview_in_history(&bob, room, sent.seq).await,
        Some(preview)
    );

    // The picture is served by Confab, to members only.
    let bytes = bob.preview_image(room, sent.seq).await.unwrap();
    let served = image::load_from_memory(&bytes).expect("a picture");
    assert_eq!((served.width(), served.height()), (640, 336));
    assert_eq!(
        code(stranger.preview_image(room, sent.seq).await),
        ErrorCode::Forbidden
    );
    assert_eq!(site.hits("other"), 0, "links in code are not previewed");

    // The same link again comes from the cache.
    let again = bob
        .send_text(room, &format!("see {}", site.url("launch")))
        .await
        .unwrap();
    let (target, preview) = loop {
        let (target, preview) = preview_event(&mut alices).await;
        if target == again.seq {
            break (target, preview);
        }
    };
    assert_eq!((target, preview.is_some()), (again.seq, true));
    assert_eq!((site.hits("launch"), site.hits("cover.png")), (1, 1));

    // Only the sender removes a preview, and it stays removed.
    assert_eq!(
        code(bob.remove_preview(room, sent.seq).await),
        ErrorCode::Forbidden
    );
    alice.remove_preview(room, sent.seq).await.unwrap();
    loop {
        if preview_event(&mut bobs).await == (sent.seq, None) {
            break;
        }
    }
    assert_eq!(preview_in_history(&bob, room, sent.seq).await, None);
    assert_eq!(
        code(bob.preview_image(room, sent.seq).await),
        ErrorCode::NotFound
    );
    alice.remove_preview(room, sent.seq).await.unwrap();
    let plain = alice.send_text(room, "no link here").await.unwrap();
    assert_eq!(
        code(alice.remove_preview(room, plain.seq).await),
        ErrorCode::NotFound
    );

    // Deleting a message takes its preview with it.
    bob.delete_message(room, again.seq).await.unwrap();
    assert_eq!(
        code(alice.preview_image(room, again.seq).await),
        ErrorCode::NotFound
    );
}

async fn loopback_links_are_refused_under_the_default_policy(backend: Backend) {
    let site = Site::start().await;
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let room = group_with(&alice, "Notes", &[]).await;
    let sent = alice
        .send_text(room, &format!("admin page: {}", site.url("launch")))
        .await
        .unwrap();
    wait_for_count(&server, "refused", 1).await;
    assert_eq!(site.hits("launch"), 0, "nothing was sent to loopback");
    assert_eq!(preview_in_history(&alice, room, sent.seq).await, None);
}

async fn addresses_outside_the_allowed_networks_are_refused_also_after_a_redirect(
    backend: Backend,
) {
    let site = Site::start().await;
    let server = TestServer::start_with(
        backend,
        &["--link-preview-allowed-networks", "127.0.0.1/32"],
    )
    .await;
    let (alice, _) = signed_up(&server, "alice").await;
    let room = group_with(&alice, "Notes", &[]).await;

    // IPv6 loopback is not in the allowed network.
    let direct = site.url("launch").replace("127.0.0.1", "[::1]");
    alice.send_text(room, &direct).await.unwrap();
    wait_for_count(&server, "refused", 1).await;

    // An allowed page that redirects there is refused at the redirect.
    let redirected = alice.send_text(room, &site.url("elsewhere")).await.unwrap();
    wait_for_count(&server, "refused", 2).await;
    assert_eq!(site.hits("elsewhere"), 1);
    assert_eq!(site.hits("launch"), 0);
    assert_eq!(preview_in_history(&alice, room, redirected.seq).await, None);
}
