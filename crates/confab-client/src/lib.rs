//! Async Rust client for the Confab chat server.
//!
//! ```no_run
//! # async fn demo() -> Result<(), confab_client::ClientError> {
//! use confab_client::Client;
//! let client = Client::new("http://127.0.0.1:8080")?;
//! client.sign_in("alice", "violet tractor fumbles", Some("CLI")).await?;
//! let me = client.me().await?;
//! println!("signed in as {}", me.display_name);
//! # Ok(()) }
//! ```
//!
//! A [`Client`] holds the tokens of one device session. When an access token expires
//! it refreshes the pair once and retries the call (turn that off with
//! [`Client::set_auto_refresh`]). Cloning a client shares its session.

use confab_proto::auth::{
    AuthResponse, AuthTokens, ChangePasswordRequest, DeviceSession, RefreshRequest, RevokedCount,
    SessionList, SignInRequest, SignUpRequest,
};
use confab_proto::events::{
    EditMessageRequest, HistoryPage, MessageBody, ReadMarkerRequest, RoomEvent, SendMessageRequest,
};
use confab_proto::rooms::{
    CreateGroupRequest, Member, MemberList, OpenDirectRequest, Role, Room, RoomList, RoomSummary,
    SetRoleRequest, TransferOwnershipRequest, UpdateRoomRequest,
};
use confab_proto::users::{Presence, PresenceList, Profile, UpdateProfileRequest, UserList};
use confab_proto::{ErrorBody, ErrorCode, ErrorDetail, RoomId, SessionId, UserId};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Mutex;
use url::Url;

pub use confab_proto as proto;
pub use live::{Incoming, Live};

mod channels;
mod consent;
#[cfg(feature = "e2ee")]
pub mod e2ee;
mod files;
mod mls;
mod notify;
mod passkeys;
mod providers;
mod two_factor;

mod live;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error body.
    #[error("{status}: {} ({})", .detail.message, .detail.code)]
    Api {
        status: StatusCode,
        detail: ErrorDetail,
    },
    /// The server answered with something that is not the API's error format.
    #[error("unexpected response {status}: {body}")]
    Unexpected { status: StatusCode, body: String },
    /// The request could not be sent or the response not read.
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    #[error("invalid server URL: {0}")]
    Url(#[from] url::ParseError),
    /// The WebSocket connection failed or the server broke the protocol.
    #[error("{0}")]
    Protocol(String),
    /// The call needs a session but the client has none.
    #[error("not signed in")]
    NotSignedIn,
}

impl ClientError {
    /// The API error code, if the server sent one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api { detail, .. } => Some(detail.code),
            _ => None,
        }
    }

    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api { status, .. } | Self::Unexpected { status, .. } => Some(*status),
            _ => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, ClientError>;

/// A connection to one Confab server, signed in as at most one device session.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    tokens: Arc<Mutex<Option<AuthTokens>>>,
    auto_refresh: Arc<AtomicBool>,
}

impl Client {
    /// A client for the server at `base_url` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base_url: &str) -> Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("confab-client/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            base: Url::parse(base_url)?,
            tokens: Arc::default(),
            auto_refresh: Arc::new(AtomicBool::new(true)),
        })
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// Whether an expired access token is refreshed and the call retried (default on).
    pub fn set_auto_refresh(&self, enabled: bool) {
        self.auto_refresh.store(enabled, Ordering::Relaxed);
    }

    /// The current session's tokens, if signed in.
    pub async fn tokens(&self) -> Option<AuthTokens> {
        self.tokens.lock().await.clone()
    }

    /// Uses `tokens` for subsequent calls (e.g. restored from disk).
    pub async fn set_tokens(&self, tokens: Option<AuthTokens>) {
        *self.tokens.lock().await = tokens;
    }

    /// Creates an account and signs in as it.
    pub async fn sign_up(
        &self,
        username: &str,
        password: &str,
        device_name: Option<&str>,
    ) -> Result<AuthResponse> {
        let request = SignUpRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            display_name: None,
            device_name: device_name.map(str::to_owned),
        };
        self.sign_up_with(&request).await
    }

    /// Creates an account from a full request and signs in as it.
    pub async fn sign_up_with(&self, request: &SignUpRequest) -> Result<AuthResponse> {
        let response: AuthResponse = self
            .send(
                self.request(Method::POST, "/api/v1/auth/signup")?
                    .json(request),
            )
            .await?;
        self.set_tokens(Some(response.tokens.clone())).await;
        Ok(response)
    }

    /// Signs in, opening a new device session.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        device_name: Option<&str>,
    ) -> Result<AuthResponse> {
        self.sign_in_with(&SignInRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            device_name: device_name.map(str::to_owned),
            second_factor: None,
            passkey: None,
        })
        .await
    }

    /// Signs in from a full request, opening a new device session.
    pub async fn sign_in_with(&self, request: &SignInRequest) -> Result<AuthResponse> {
        let response: AuthResponse = self
            .send(
                self.request(Method::POST, "/api/v1/auth/signin")?
                    .json(request),
            )
            .await?;
        self.set_tokens(Some(response.tokens.clone())).await;
        Ok(response)
    }

    /// Exchanges the session's refresh token for a new pair and keeps it.
    pub async fn refresh(&self) -> Result<AuthTokens> {
        let mut guard = self.tokens.lock().await;
        let current = guard.as_ref().ok_or(ClientError::NotSignedIn)?;
        let tokens = self.refresh_with(&current.refresh_token).await?;
        *guard = Some(tokens.clone());
        Ok(tokens)
    }

    /// Presents an arbitrary refresh token; the client's own session is untouched.
    pub async fn refresh_with(&self, refresh_token: &str) -> Result<AuthTokens> {
        let request = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        self.send(
            self.request(Method::POST, "/api/v1/auth/refresh")?
                .json(&request),
        )
        .await
    }

    /// Ends the current session and forgets its tokens.
    pub async fn sign_out(&self) -> Result<()> {
        self.authed::<(), ()>(Method::POST, "/api/v1/auth/signout", None)
            .await?;
        self.set_tokens(None).await;
        Ok(())
    }

    /// My profile.
    pub async fn me(&self) -> Result<Profile> {
        self.authed::<(), _>(Method::GET, "/api/v1/users/me", None)
            .await
    }

    /// Updates my display name and/or status.
    pub async fn update_profile(&self, changes: &UpdateProfileRequest) -> Result<Profile> {
        self.authed(Method::PATCH, "/api/v1/users/me", Some(changes))
            .await
    }

    /// Changes my password; returns how many other sessions were revoked.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<u64> {
        let request = ChangePasswordRequest {
            current_password: current.to_owned(),
            new_password: new.to_owned(),
        };
        let count: RevokedCount = self
            .authed(Method::POST, "/api/v1/users/me/password", Some(&request))
            .await?;
        Ok(count.revoked)
    }

    /// Someone's profile by username.
    pub async fn user(&self, username: &str) -> Result<Profile> {
        let path = format!("/api/v1/users/{}", encode_segment(username));
        self.authed::<(), _>(Method::GET, &path, None).await
    }

    /// Users whose username starts with `prefix`.
    pub async fn search_users(&self, prefix: &str, limit: Option<u32>) -> Result<Vec<Profile>> {
        let mut url = self.base.join("/api/v1/users")?;
        url.query_pairs_mut().append_pair("prefix", prefix);
        if let Some(limit) = limit {
            url.query_pairs_mut()
                .append_pair("limit", &limit.to_string());
        }
        let list: UserList = self.authed_url::<(), _>(Method::GET, url, None).await?;
        Ok(list.users)
    }

    /// Profiles of the listed users (at most 200), in the order asked; unknown ids
    /// are left out.
    pub async fn users_by_id(&self, users: &[UserId]) -> Result<Vec<Profile>> {
        let mut url = self.base.join("/api/v1/users")?;
        url.query_pairs_mut().append_pair("ids", &id_list(users));
        let list: UserList = self.authed_url::<(), _>(Method::GET, url, None).await?;
        Ok(list.users)
    }

    /// Presence of the listed users who share a room with me.
    pub async fn presence(&self, users: &[UserId]) -> Result<Vec<Presence>> {
        let mut url = self.base.join("/api/v1/presence")?;
        url.query_pairs_mut()
            .append_pair("user_ids", &id_list(users));
        let list: PresenceList = self.authed_url::<(), _>(Method::GET, url, None).await?;
        Ok(list.users)
    }

    /// My active device sessions.
    pub async fn sessions(&self) -> Result<Vec<DeviceSession>> {
        let list: SessionList = self
            .authed::<(), _>(Method::GET, "/api/v1/sessions", None)
            .await?;
        Ok(list.sessions)
    }

    /// Revokes one of my sessions.
    pub async fn revoke_session(&self, id: SessionId) -> Result<()> {
        self.authed::<(), ()>(Method::DELETE, &format!("/api/v1/sessions/{id}"), None)
            .await
    }

    /// Revokes all my sessions but this one; returns the count.
    pub async fn revoke_other_sessions(&self) -> Result<u64> {
        let count: RevokedCount = self
            .authed::<(), _>(Method::POST, "/api/v1/sessions/revoke-others", None)
            .await?;
        Ok(count.revoked)
    }

    /// My rooms, most recently active first.
    pub async fn rooms(&self) -> Result<Vec<RoomSummary>> {
        let list: RoomList = self
            .authed::<(), _>(Method::GET, "/api/v1/rooms", None)
            .await?;
        Ok(list.rooms)
    }

    /// Creates a group that I own; the people named are invited.
    pub async fn create_group(&self, request: &CreateGroupRequest) -> Result<Room> {
        self.authed(Method::POST, "/api/v1/rooms", Some(request))
            .await
    }

    /// The direct room with `user_id`, created on first use. With someone I share no
    /// room with, it is a request they must accept (`member_count` 1 until then).
    pub async fn open_direct(&self, user_id: UserId) -> Result<Room> {
        self.open_direct_with(&OpenDirectRequest {
            user_id,
            encrypted: false,
        })
        .await
    }

    /// The direct room with `user_id`, plain or end-to-end encrypted (a pair may have
    /// one of each).
    pub async fn open_direct_with(&self, request: &OpenDirectRequest) -> Result<Room> {
        self.authed(Method::POST, "/api/v1/rooms/direct", Some(request))
            .await
    }

    /// A room I am in, as my room list shows it (role, counts, latest message).
    pub async fn room(&self, room: RoomId) -> Result<RoomSummary> {
        self.authed::<(), _>(Method::GET, &format!("/api/v1/rooms/{room}"), None)
            .await
    }

    /// Renames a room or changes its topic.
    pub async fn update_room(&self, room: RoomId, changes: &UpdateRoomRequest) -> Result<Room> {
        self.authed(
            Method::PATCH,
            &format!("/api/v1/rooms/{room}"),
            Some(changes),
        )
        .await
    }

    /// The room's current members.
    pub async fn members(&self, room: RoomId) -> Result<Vec<Member>> {
        let list: MemberList = self
            .authed::<(), _>(Method::GET, &format!("/api/v1/rooms/{room}/members"), None)
            .await?;
        Ok(list.members)
    }

    /// Removes a member, or leaves when `user_id` is me.
    pub async fn remove_member(&self, room: RoomId, user_id: UserId) -> Result<()> {
        self.authed::<(), ()>(
            Method::DELETE,
            &format!("/api/v1/rooms/{room}/members/{user_id}"),
            None,
        )
        .await
    }

    /// Sets a member's role (owner only; not to owner).
    pub async fn set_role(&self, room: RoomId, user_id: UserId, role: Role) -> Result<()> {
        let path = format!("/api/v1/rooms/{room}/members/{user_id}/role");
        self.authed(Method::PUT, &path, Some(&SetRoleRequest { role }))
            .await
    }

    /// Hands the room to another member.
    pub async fn transfer_ownership(&self, room: RoomId, user_id: UserId) -> Result<()> {
        let path = format!("/api/v1/rooms/{room}/transfer-ownership");
        self.authed(
            Method::POST,
            &path,
            Some(&TransferOwnershipRequest { user_id }),
        )
        .await
    }

    /// Sends a message (idempotent per `client_id`).
    pub async fn send_message(
        &self,
        room: RoomId,
        request: &SendMessageRequest,
    ) -> Result<RoomEvent> {
        self.authed(
            Method::POST,
            &format!("/api/v1/rooms/{room}/messages"),
            Some(request),
        )
        .await
    }

    /// Sends a text message with a fresh client id.
    pub async fn send_text(&self, room: RoomId, text: &str) -> Result<RoomEvent> {
        let client_id = fresh_client_id();
        let body = MessageBody::Text {
            text: text.to_owned(),
        };
        self.send_message(
            room,
            &SendMessageRequest {
                client_id,
                body,
                reply_to: None,
                attachments: Vec::new(),
            },
        )
        .await
    }

    /// A page of history: `query` is e.g. `before=40&limit=20`, or empty for the newest.
    pub async fn history(&self, room: RoomId, query: &str) -> Result<HistoryPage> {
        let mut url = self.base.join(&format!("/api/v1/rooms/{room}/messages"))?;
        url.set_query((!query.is_empty()).then_some(query));
        self.authed_url::<(), _>(Method::GET, url, None).await
    }

    /// Replaces the body of my message.
    pub async fn edit_message(
        &self,
        room: RoomId,
        seq: i64,
        body: MessageBody,
    ) -> Result<RoomEvent> {
        let path = format!("/api/v1/rooms/{room}/messages/{seq}");
        self.authed(Method::PATCH, &path, Some(&EditMessageRequest { body }))
            .await
    }

    /// Deletes a message.
    pub async fn delete_message(&self, room: RoomId, seq: i64) -> Result<()> {
        self.authed::<(), ()>(
            Method::DELETE,
            &format!("/api/v1/rooms/{room}/messages/{seq}"),
            None,
        )
        .await
    }

    /// Adds (`add`) or removes my reaction.
    pub async fn react(&self, room: RoomId, seq: i64, emoji: &str, add: bool) -> Result<()> {
        let path = format!(
            "/api/v1/rooms/{room}/messages/{seq}/reactions/{}",
            encode_segment(emoji)
        );
        let method = if add { Method::PUT } else { Method::DELETE };
        self.authed::<(), ()>(method, &path, None).await
    }

    /// Moves my read marker to `seq`.
    pub async fn mark_read(&self, room: RoomId, seq: i64) -> Result<()> {
        self.authed(
            Method::POST,
            &format!("/api/v1/rooms/{room}/read"),
            Some(&ReadMarkerRequest { seq }),
        )
        .await
    }

    fn request(&self, method: Method, path: &str) -> Result<RequestBuilder> {
        Ok(self.http.request(method, self.base.join(path)?))
    }

    async fn authed<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T> {
        let url = self.base.join(path)?;
        self.authed_url(method, url, body).await
    }

    /// Sends an authenticated request; on `token_expired` refreshes once and retries.
    async fn authed_url<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&B>,
    ) -> Result<T> {
        let attempt = |access: String| {
            let mut builder = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(access);
            if let Some(body) = body {
                builder = builder.json(body);
            }
            self.send(builder)
        };
        let access = self.access_token().await?;
        match attempt(access).await {
            Err(e)
                if e.code() == Some(ErrorCode::TokenExpired)
                    && self.auto_refresh.load(Ordering::Relaxed) =>
            {
                let tokens = self.refresh().await?;
                attempt(tokens.access_token).await
            }
            other => other,
        }
    }

    async fn access_token(&self) -> Result<String> {
        let guard = self.tokens.lock().await;
        guard
            .as_ref()
            .map(|t| t.access_token.clone())
            .ok_or(ClientError::NotSignedIn)
    }

    async fn send<T: DeserializeOwned>(&self, builder: RequestBuilder) -> Result<T> {
        let response = builder.send().await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if status.is_success() {
            // `()` responses (204) have no body; JSON `null` stands in for it.
            let body: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
            return serde_json::from_slice(body).map_err(|_| ClientError::Unexpected {
                status,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        Err(failure(status, &bytes))
    }
}

/// The error of a response that did not succeed: the API's error body, or the body
/// as it came.
fn failure(status: StatusCode, bytes: &[u8]) -> ClientError {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(error) => ClientError::Api {
            status,
            detail: error.error,
        },
        Err(_) => ClientError::Unexpected {
            status,
            body: String::from_utf8_lossy(bytes).into_owned(),
        },
    }
}

/// A client id no other message of this process has: the time and a counter.
fn fresh_client_id() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Percent-encodes one path segment.
fn encode_segment(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// `1,2,3`: user ids as a query parameter.
fn id_list(users: &[UserId]) -> String {
    users
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}
