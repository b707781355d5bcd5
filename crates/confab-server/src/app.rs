//! [`App`]: one server's services, wired together from a [`Config`].

use crate::clock::now_millis;
use crate::config::FileConfig;
use crate::config::redact_url;
use crate::config::{Config, SqliteSynchronous};
use crate::realtime::{Bus, LocalBus, NatsBus, NatsSettings, Realtime};
use crate::service::SharedStore;
use crate::service::accounts::passwords::Passwords;
use crate::service::accounts::sessions::Sessions;
use crate::service::accounts::throttle::Throttle;
use crate::service::accounts::tokens::{self, AccessTokens};
use crate::service::accounts::{Accounts, PasskeySetup, Providers, RelyingParty};
use crate::service::budget::Budget;
use crate::service::files::Files;
use crate::service::mls::Mls;
use crate::service::notifications::{Notifications, VapidKey};
use crate::service::previews::LinkPreviews;
use crate::service::rooms::{Rooms, RoomsStores};
use crate::service::search::Search;
use crate::store::blobs::{BlobBackend, BlobStore, S3Settings};
use crate::store::passkeys::PasskeyStore;
use crate::store::rooms::RoomStore;
use crate::store::{ConnectOptions, SqlStore};
use crate::telemetry::Metrics;
use anyhow::Context as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Name of the access-token signing secret in the store.
const SIGNING_SECRET: &str = "access_token_signing_key";
/// The Web Push (VAPID) key pair, kept with the other secrets so that every node
/// signs pushes with the same key.
const VAPID_SECRET: &str = "vapid_private_key";

/// Everything a request handler may need. Cheap to clone through [`AppState`].
pub struct App {
    pub config: Config,
    pub store: SharedStore,
    pub accounts: Accounts,
    /// Sign-in with identity providers (OpenID Connect, GitHub).
    pub providers: Providers,
    pub sessions: Arc<Sessions>,
    pub rooms: Rooms,
    pub files: Files,
    /// Link previews: fetched after sending, served to rooms' members.
    pub previews: LinkPreviews,
    pub notifications: Arc<Notifications>,
    pub search: Search,
    /// The delivery service of end-to-end encrypted rooms.
    pub mls: Mls,
    /// Live delivery of stored events and ephemeral frames to connected clients.
    pub realtime: Arc<Realtime>,
    /// The link to the other nodes (`--nats-url`); `None` for a single node.
    pub nats: Option<Arc<NatsBus>>,
    pub metrics: Metrics,
    /// Cancelled when the server starts shutting down; long-lived connections watch it.
    pub shutdown: CancellationToken,
    /// Whether the node can serve; a failed background task makes it unready.
    pub readiness: Readiness,
    /// Tasks of upgraded WebSocket connections, which the HTTP server's graceful
    /// shutdown does not track; shutdown waits for them to send their close frames.
    pub connections: TaskTracker,
    sql: SqlStore,
}

/// Why the node cannot serve, once something it depends on has failed for good.
#[derive(Clone, Debug, Default)]
pub struct Readiness {
    failure: Arc<Mutex<Option<String>>>,
}

impl Readiness {
    /// Records a failure; the first one is kept.
    pub fn fail(&self, reason: String) {
        self.lock().get_or_insert(reason);
    }

    /// The failure, if there was one.
    pub fn failure(&self) -> Option<String> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Shared handle to the [`App`], the state of every handler.
pub type AppState = Arc<App>;

impl App {
    /// Connects to the database (applying migrations) and builds the services. The
    /// data directory must exist (`server::run` prepares it).
    pub async fn start(config: Config, metrics: Metrics) -> anyhow::Result<AppState> {
        let sql = SqlStore::connect(
            &config.database_url,
            &ConnectOptions {
                max_connections: config.db_max_connections,
                sqlite_synchronous: match config.sqlite_synchronous {
                    SqliteSynchronous::Full => "FULL",
                    SqliteSynchronous::Normal => "NORMAL",
                }
                .to_owned(),
                busy_timeout: Duration::from_secs(5),
                event_batch_max: config.event_batch_max,
                idle_in_transaction_timeout: config.postgres_idle_transaction_timeout,
            },
        )
        .await
        .with_context(|| format!("cannot open database {}", redact_url(&config.database_url)))?;
        let store: SharedStore = Arc::new(sql.clone());

        let secret = match &config.token_secret {
            Some(secret) => secret.clone(),
            None => store
                .get_or_create_secret(SIGNING_SECRET, &tokens::new_signing_secret(), now_millis())
                .await
                .context("cannot load the token signing secret")?,
        };
        let room_store: Arc<dyn RoomStore> = Arc::new(sql.clone());
        let nats = match &config.cluster.nats_url {
            Some(url) => Some(
                NatsBus::connect(&NatsSettings {
                    url: url.clone(),
                    subject: config.cluster.nats_subject.clone(),
                    send_queue: config.cluster.nats_send_queue,
                })
                .await
                .with_context(|| format!("cannot use NATS at {}", redact_url(url)))?,
            ),
            None => None,
        };
        let bus: Arc<dyn Bus> = match &nats {
            Some(nats) => Arc::clone(nats) as _,
            None => Arc::new(LocalBus::new()),
        };
        let realtime = Realtime::new(
            Arc::clone(&room_store),
            bus,
            config.ws.queue_frames,
            config.ws.presence_debounce,
            config.cluster.presence_node_timeout,
        );
        let passwords = Passwords::new(&config.password)?;
        let sessions = Arc::new(Sessions::new(
            Arc::clone(&store),
            AccessTokens::new(secret.as_bytes(), config.access_token_ttl),
            config.refresh_token_ttl,
            Arc::clone(&realtime) as _,
            config.max_sessions_per_user,
        ));
        let throttle = Arc::new(Throttle::new(Arc::clone(&store), config.throttle.clone()));
        let providers = Providers::new(
            config.providers.load()?,
            Arc::new(sql.clone()),
            Arc::clone(&store),
            Arc::clone(&sessions),
            Arc::clone(&throttle),
            config.providers.flow_ttl,
            config.providers.timeout,
        )?;
        let passkey_store: Arc<dyn PasskeyStore> = Arc::new(sql.clone());
        let public_url = config.providers.public_url.as_ref();
        let relying_party = config.passkeys.relying_party(public_url)?;
        if let (None, Some(url)) = (&relying_party, public_url) {
            tracing::warn!(%url, "passkeys are off: --public-url is not an https:// URL with a domain name; set --passkey-origin to turn them on");
        }
        let accounts = Accounts::new(
            Arc::clone(&store),
            Arc::new(sql.clone()),
            passwords,
            Arc::clone(&sessions),
            throttle,
            Budget::per_minute(config.user_lookups_per_minute, "user lookups"),
            PasskeySetup {
                relying_party: RelyingParty::new(
                    relying_party.as_ref(),
                    passkey_store.clone(),
                    config.passkeys.ceremony_timeout,
                )
                .context("cannot set up passkeys")?,
                store: passkey_store,
                max_per_user: config.passkeys.max_per_user,
            },
        );
        let blobs = BlobStore::open(&blob_backend(&config.files))
            .context("cannot open the file storage")?;
        let (previews, preview_queue) = LinkPreviews::new(
            Arc::new(sql.clone()),
            blobs.clone(),
            config.previews.clone(),
            config.files.max_image_pixels,
        )
        .context("cannot set up link previews")?;
        let rooms = Rooms::new(
            RoomsStores {
                rooms: room_store,
                consent: Arc::new(sql.clone()),
                files: Arc::new(sql.clone()),
                accounts: Arc::clone(&store),
            },
            Arc::clone(&realtime) as _,
            config.rooms.clone(),
            config.files.clone(),
            config.notify.room_mention_role,
            preview_queue,
        );
        let files = Files::new(Arc::new(sql.clone()), blobs, config.files.clone());
        let vapid = store
            .get_or_create_secret(VAPID_SECRET, &VapidKey::generate(), now_millis())
            .await
            .context("cannot load the Web Push (VAPID) key")?;
        let notifications = Arc::new(Notifications::new(
            Arc::new(sql.clone()),
            Arc::new(sql.clone()),
            Arc::clone(&store),
            Arc::clone(&realtime) as _,
            config.notify.clone(),
            VapidKey::from_text(&vapid).context("cannot read the Web Push (VAPID) key")?,
        ));
        let search = Search::new(Arc::new(sql.clone()), &config.notify);
        let mls = Mls::new(
            Arc::new(sql.clone()),
            Arc::new(sql.clone()),
            Arc::clone(&realtime) as _,
            config.mls.clone(),
        );
        Ok(Arc::new(Self {
            config,
            store,
            accounts,
            providers,
            sessions,
            rooms,
            files,
            previews,
            notifications,
            search,
            mls,
            realtime,
            nats,
            metrics,
            shutdown: CancellationToken::new(),
            readiness: Readiness::default(),
            connections: TaskTracker::new(),
            sql,
        }))
    }

    /// Releases the database; called last at shutdown.
    pub async fn close(&self) {
        self.sql.close().await;
    }
}

/// Where the settings say files are kept.
fn blob_backend(files: &FileConfig) -> BlobBackend {
    match &files.s3_bucket {
        Some(bucket) => BlobBackend::S3(S3Settings {
            bucket: bucket.clone(),
            endpoint: files.s3_endpoint.clone(),
            region: files.s3_region.clone(),
            access_key_id: files.s3_access_key_id.clone().unwrap_or_default(),
            secret_access_key: files.s3_secret_access_key.clone().unwrap_or_default(),
        }),
        None => BlobBackend::Local(files.files_dir.clone()),
    }
}
