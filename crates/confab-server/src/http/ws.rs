//! The WebSocket transport at `/api/v1/ws`: authentication, replay of missed events,
//! live events, requests, heartbeats and backpressure.
//!
//! One task per connection runs [`Connection::run`]. It owns the socket and waits on
//! four things at once: frames from the client, events from the fan-out hub, the
//! heartbeat timer, and shutdown. Like the HTTP handlers it only translates: every
//! request becomes one call to the rooms service.

use super::error::ApiError;
use crate::app::AppState;
use crate::clock::Millis;
use crate::realtime::{Outbound, Subscription};
use crate::service::ServiceError;
use crate::service::rooms::Replay;
use crate::service::sessions::ClientInfo;
use crate::service::tokens::Principal;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use confab_proto::events::SendMessageRequest;
use confab_proto::users::PresenceStatus;
use confab_proto::ws::{ClientFrame, ServerFrame, close_code};
use confab_proto::{ErrorCode, EventId, PROTOCOL_VERSION, RoomId};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long a new connection has to send its `hello`.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the closing handshake may take: sending our close frame, then hearing
/// the client's.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);
/// Standard close code for a frame over the size limit.
const CLOSE_TOO_BIG: u16 = 1009;
/// Standard close code for a server going away.
const CLOSE_GOING_AWAY: u16 = 1001;

/// `GET /api/v1/ws`: upgrades to a WebSocket. The access token travels in the first
/// frame, never in the URL (URLs end up in logs).
pub async fn upgrade(
    State(app): State<AppState>,
    super::extract::Client(client): super::extract::Client,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            ErrorCode::InvalidInput,
            rejection.body_text(),
        )
    })?;
    // Frames a little over the limit are read and answered with a clear error;
    // far larger ones are cut off by the WebSocket layer itself.
    let hard_limit = app.config.max_body_bytes * 4;
    // tungstenite's default buffers (128 KiB each) would dominate the memory of an
    // idle connection, and the read buffer is cleared before every read.
    let buffer = app.config.ws.buffer_bytes;
    Ok(upgrade
        .read_buffer_size(buffer)
        .write_buffer_size(buffer)
        .max_message_size(hard_limit)
        .max_frame_size(hard_limit)
        .on_upgrade(move |socket| {
            let connections = app.connections.clone();
            connections.track_future(Connection::run(app, socket, client))
        }))
}

/// Why a connection ended, as a close code and reason.
struct Close(u16, &'static str);

struct Connection {
    app: AppState,
    socket: WebSocket,
    client: ClientInfo,
    principal: Principal,
    token_expires_at: Millis,
    /// Id of the last event sent; live events at or below it were already replayed.
    last_sent: EventId,
    last_heard: Instant,
    bucket: TokenBucket,
    /// This connection's id in the fan-out hub (for its presence).
    connection_id: u64,
    /// Rooms where this connection's user is typing, with the time it ends.
    typing: HashMap<RoomId, Instant>,
}

impl Connection {
    async fn run(app: AppState, mut socket: WebSocket, client: ClientInfo) {
        let hello = match tokio::time::timeout(HELLO_TIMEOUT, read_hello(&mut socket)).await {
            Ok(Ok(hello)) => hello,
            Ok(Err(close)) => return close_with(&mut socket, close).await,
            Err(_) => {
                return close_with(
                    &mut socket,
                    Close(close_code::TIMED_OUT, "no hello in time"),
                )
                .await;
            }
        };
        let (token, since) = hello;
        let (principal, token_expires_at) =
            match app.sessions.authenticate_until(&token, &client).await {
                Ok(authenticated) => authenticated,
                Err(error) => {
                    let _ = send_frame(&mut socket, &error_frame(None, &error)).await;
                    let close = if error.code() == ErrorCode::Internal {
                        Close(1011, "temporarily unavailable")
                    } else {
                        Close(close_code::UNAUTHENTICATED, "not authenticated")
                    };
                    return close_with(&mut socket, close).await;
                }
            };
        // Subscribe before reading the log: every event committed from now on comes
        // through the subscription, everything before it through the replay.
        let subscription = app.hub.subscribe(principal.user_id);
        let rate = app.config.ws.requests_per_second;
        let mut connection = Self {
            app,
            socket,
            client,
            principal,
            token_expires_at,
            last_sent: EventId(0),
            last_heard: Instant::now(),
            bucket: TokenBucket::new(rate),
            typing: HashMap::new(),
            connection_id: subscription.id,
        };
        let close = match connection.start(since).await {
            Ok(()) => connection.serve(subscription).await,
            Err(close) => close,
        };
        close_with(&mut connection.socket, close).await;
    }

    /// Sends `ready`, then what the client missed since `since`. The starting point
    /// is fixed before `ready` goes out, so nothing stored after it can be skipped.
    async fn start(&mut self, since: Option<EventId>) -> Result<(), Close> {
        let unavailable = |error: ServiceError| {
            tracing::warn!(error = %error.public_message(), "cannot start a WebSocket stream");
            Close(1011, "temporarily unavailable")
        };
        let newest = self.app.rooms.cursor().await.map_err(unavailable)?;
        // A cursor from the future (another server's, or made up) cannot be trusted:
        // start from the present and ask the client to resync.
        let (since, resync) = match since {
            Some(since) if since > newest => (None, Some(newest)),
            other => (other, None),
        };
        self.last_sent = since.unwrap_or(newest);
        let ready = ServerFrame::Ready {
            user_id: self.principal.user_id,
            session_id: self.principal.session_id,
            protocol: PROTOCOL_VERSION,
            cursor: self.last_sent,
        };
        self.send(&ready).await?;
        if let Some(cursor) = resync {
            return self.send(&ServerFrame::ResyncRequired { cursor }).await;
        }
        let Some(since) = since else { return Ok(()) };
        let limit = self.app.config.ws.resume_max_events;
        match self
            .app
            .rooms
            .replay(self.principal, since, limit)
            .await
            .map_err(unavailable)?
        {
            Replay::TooOld { cursor } => {
                self.last_sent = cursor;
                self.send(&ServerFrame::ResyncRequired { cursor }).await?;
            }
            Replay::Events(missed) => {
                for event in missed {
                    let id = event.id;
                    self.send(&ServerFrame::Event { event }).await?;
                    self.last_sent = id;
                }
            }
        }
        Ok(())
    }

    async fn serve(&mut self, mut subscription: Subscription) -> Close {
        let ws = self.app.config.ws.clone();
        let mut heartbeat = tokio::time::interval(ws.ping_interval);
        heartbeat.tick().await;
        let shutdown = self.app.shutdown.clone();
        let mut typing_tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            let step = tokio::select! {
                incoming = self.socket.recv() => match incoming {
                    Some(Ok(message)) => self.on_message(message).await,
                    Some(Err(_)) => Err(Close(CLOSE_TOO_BIG, "frame too large or malformed")),
                    None => Err(Close(1000, "closed by client")),
                },
                outbound = subscription.events.recv() => match outbound {
                    Some(outbound) => self.forward(outbound).await,
                    None => Err(Close(1011, "fan-out stopped")),
                },
                () = subscription.overflowed.cancelled() => {
                    Err(Close(close_code::TOO_SLOW, "too slow: reconnect and resume"))
                }
                _ = heartbeat.tick() => {
                    if self.last_heard.elapsed() > ws.idle_timeout {
                        Err(Close(close_code::TIMED_OUT, "idle timeout"))
                    } else if !session_still_active(&self.app, self.principal).await {
                        // Revoking a session also ends its open sockets, within one
                        // ping interval.
                        let _ = self.send(&error_frame(None, &ServiceError::SessionRevoked)).await;
                        Err(Close(close_code::UNAUTHENTICATED, "session revoked"))
                    } else {
                        self.send_raw(Message::Ping(Default::default())).await
                    }
                }
                _ = typing_tick.tick() => {
                    self.expire_typing(false).await;
                    Ok(())
                }
                () = shutdown.cancelled() => Err(Close(CLOSE_GOING_AWAY, "server shutting down")),
            };
            if let Err(close) = step {
                self.expire_typing(true).await;
                return close;
            }
        }
    }

    async fn forward(&mut self, outbound: Outbound) -> Result<(), Close> {
        if outbound.event_id.is_some_and(|id| id <= self.last_sent) {
            return Ok(()); // Already sent by the replay.
        }
        let text = Utf8Bytes::try_from(outbound.frame).map_err(|_| Close(1011, "invalid frame"))?;
        self.send_raw(Message::Text(text)).await?;
        if let Some(id) = outbound.event_id {
            self.last_sent = id;
        }
        Ok(())
    }

    async fn on_message(&mut self, message: Message) -> Result<(), Close> {
        self.last_heard = Instant::now();
        let text = match message {
            Message::Text(text) => text,
            Message::Ping(_) | Message::Pong(_) => return Ok(()),
            Message::Close(_) => return Err(Close(1000, "closed by client")),
            Message::Binary(_) => {
                return self
                    .send(&protocol_error(None, "send JSON text frames, not binary"))
                    .await;
            }
        };
        if text.len() > self.app.config.max_body_bytes {
            let too_big = ServerFrame::Error {
                id: None,
                code: ErrorCode::PayloadTooLarge,
                message: format!(
                    "a frame has at most {} bytes",
                    self.app.config.max_body_bytes
                ),
            };
            self.send(&too_big).await?;
            return Err(Close(CLOSE_TOO_BIG, "frame too large"));
        }
        let frame: ClientFrame = match serde_json::from_str(text.as_str()) {
            Ok(frame) => frame,
            Err(e) => {
                return self
                    .send(&protocol_error(None, &format!("unreadable frame: {e}")))
                    .await;
            }
        };
        if let ClientFrame::Presence { status } = frame {
            let away = match status {
                PresenceStatus::Online => false,
                PresenceStatus::Away => true,
                PresenceStatus::Offline => {
                    let error =
                        ServiceError::invalid("status", "a connected device is online or away");
                    return self.send(&error_frame(None, &error)).await;
                }
            };
            self.app
                .hub
                .set_away(self.principal.user_id, self.connection_id, away);
            return Ok(());
        }
        if let ClientFrame::Typing { room_id, typing } = frame {
            // Over the rate limit a typing frame is dropped: it needs no reply.
            if !self.bucket.take() {
                return Ok(());
            }
            return self.on_typing(room_id, typing).await;
        }
        let reply = self.handle(frame).await;
        self.send(&reply).await
    }

    /// Starts, refreshes or stops the caller's typing indicator in a room. Refreshes
    /// within the throttle interval only extend the deadline; nothing is sent.
    async fn on_typing(&mut self, room: RoomId, typing: bool) -> Result<(), Close> {
        let timeout = self.app.config.ws.typing_timeout;
        let now = Instant::now();
        let announce = match (typing, self.typing.get(&room)) {
            (true, Some(deadline)) => deadline.saturating_duration_since(now) < timeout / 2,
            (true, None) | (false, Some(_)) => true,
            (false, None) => false,
        };
        if typing {
            self.typing.insert(room, now + timeout);
        } else {
            self.typing.remove(&room);
        }
        if !announce {
            return Ok(());
        }
        if let Err(error) = self.app.rooms.typing(self.principal, room, typing).await {
            self.typing.remove(&room);
            return self.send(&error_frame(None, &error)).await;
        }
        Ok(())
    }

    /// Ends the typing indicators whose deadline passed (or all of them).
    async fn expire_typing(&mut self, all: bool) {
        let now = Instant::now();
        let expired: Vec<RoomId> = self
            .typing
            .iter()
            .filter(|(_, deadline)| all || **deadline <= now)
            .map(|(room, _)| *room)
            .collect();
        for room in expired {
            self.typing.remove(&room);
            // Best effort: the connection may be closing and the room may be gone.
            let _ = self.app.rooms.typing(self.principal, room, false).await;
        }
    }

    async fn handle(&mut self, frame: ClientFrame) -> ServerFrame {
        let id = match &frame {
            ClientFrame::Hello { .. } => return protocol_error(None, "already authenticated"),
            ClientFrame::Typing { .. } | ClientFrame::Presence { .. } => {
                return protocol_error(None, "typing and presence frames get no reply");
            }
            ClientFrame::Ping { id } => return ServerFrame::Pong { id: id.clone() },
            ClientFrame::Refresh { id, .. }
            | ClientFrame::Send { id, .. }
            | ClientFrame::Edit { id, .. }
            | ClientFrame::Delete { id, .. }
            | ClientFrame::React { id, .. }
            | ClientFrame::Read { id, .. }
            | ClientFrame::Delivered { id, .. } => id.clone(),
        };
        if !self.bucket.take() {
            let error = ServiceError::RateLimited {
                retry_after: Duration::from_secs(1),
            };
            return error_frame(Some(id), &error);
        }
        if let ClientFrame::Refresh { token, .. } = &frame {
            return match self
                .app
                .sessions
                .authenticate_until(token, &self.client)
                .await
            {
                Ok((principal, expires)) if principal == self.principal => {
                    self.token_expires_at = expires;
                    ServerFrame::Ok { id, event: None }
                }
                Ok(_) => error_frame(Some(id), &ServiceError::InvalidToken),
                Err(error) => error_frame(Some(id), &error),
            };
        }
        if crate::clock::now_millis() >= self.token_expires_at {
            return error_frame(Some(id), &ServiceError::TokenExpired);
        }
        let rooms = &self.app.rooms;
        let caller = self.principal;
        let result = match frame {
            ClientFrame::Send {
                room_id,
                client_id,
                body,
                reply_to,
                ..
            } => rooms
                .send(
                    caller,
                    room_id,
                    &SendMessageRequest {
                        client_id,
                        body,
                        reply_to,
                    },
                )
                .await
                .map(|sent| Some(sent.event)),
            ClientFrame::Edit {
                room_id, seq, body, ..
            } => rooms.edit(caller, room_id, seq, &body).await.map(Some),
            ClientFrame::Delete { room_id, seq, .. } => {
                rooms.delete(caller, room_id, seq).await.map(Some)
            }
            ClientFrame::React {
                room_id,
                seq,
                emoji,
                add,
                ..
            } => rooms.react(caller, room_id, seq, &emoji, add).await,
            ClientFrame::Read { room_id, seq, .. } => rooms.mark_read(caller, room_id, seq).await,
            ClientFrame::Delivered { room_id, seq, .. } => {
                rooms.mark_delivered(caller, room_id, seq).await
            }
            ClientFrame::Hello { .. }
            | ClientFrame::Ping { .. }
            | ClientFrame::Refresh { .. }
            | ClientFrame::Typing { .. }
            | ClientFrame::Presence { .. } => Ok(None),
        };
        match result {
            Ok(event) => ServerFrame::Ok { id, event },
            Err(error) => error_frame(Some(id), &error),
        }
    }

    async fn send(&mut self, frame: &ServerFrame) -> Result<(), Close> {
        send_frame(&mut self.socket, frame).await
    }

    async fn send_raw(&mut self, message: Message) -> Result<(), Close> {
        send_message(&mut self.socket, message, self.app.config.ws.idle_timeout).await
    }
}

/// False once the session is revoked; a database hiccup does not end it.
async fn session_still_active(app: &AppState, principal: Principal) -> bool {
    match app.sessions.is_active(principal).await {
        Ok(active) => active,
        Err(error) => {
            tracing::warn!(error = %error.public_message(), "cannot re-check a WebSocket session");
            true
        }
    }
}

/// Reads the first frame, which must be a `hello`.
async fn read_hello(socket: &mut WebSocket) -> Result<(String, Option<EventId>), Close> {
    loop {
        match socket.recv().await {
            Some(Ok(Message::Text(text))) => {
                return match serde_json::from_str::<ClientFrame>(text.as_str()) {
                    Ok(ClientFrame::Hello { token, since }) => Ok((token, since)),
                    _ => {
                        let _ = send_frame(
                            socket,
                            &protocol_error(None, "the first frame must be a hello"),
                        )
                        .await;
                        Err(Close(close_code::PROTOCOL, "expected hello"))
                    }
                };
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(_)) => return Err(Close(close_code::PROTOCOL, "expected a hello text frame")),
            Some(Err(_)) | None => return Err(Close(1000, "closed before hello")),
        }
    }
}

async fn send_frame(socket: &mut WebSocket, frame: &ServerFrame) -> Result<(), Close> {
    let text = serde_json::to_string(frame).map_err(|_| Close(1011, "cannot encode frame"))?;
    send_message(socket, Message::Text(text.into()), HELLO_TIMEOUT).await
}

/// Sends one message; a client that does not take it within `timeout` is gone.
async fn send_message(
    socket: &mut WebSocket,
    message: Message,
    timeout: Duration,
) -> Result<(), Close> {
    match tokio::time::timeout(timeout, socket.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Close(1000, "connection lost")),
        Err(_) => Err(Close(close_code::TOO_SLOW, "too slow to read")),
    }
}

/// Sends the close frame, then waits (at most [`CLOSE_TIMEOUT`]) for the client's
/// answering close, so that the TCP connection ends cleanly. Dropping it at once
/// would make the kernel reset it when the client's last frames (pongs, say)
/// arrive, and a client still reading its backlog would lose the close code.
async fn close_with(socket: &mut WebSocket, Close(code, reason): Close) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let sent = tokio::time::timeout(CLOSE_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
    if matches!(sent, Ok(Ok(()))) {
        let answered = async {
            while let Some(Ok(message)) = socket.recv().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, answered).await;
    }
}

fn error_frame(id: Option<String>, error: &ServiceError) -> ServerFrame {
    ServerFrame::Error {
        id,
        code: error.code(),
        message: error.public_message(),
    }
}

fn protocol_error(id: Option<String>, message: &str) -> ServerFrame {
    ServerFrame::Error {
        id,
        code: ErrorCode::InvalidJson,
        message: message.to_owned(),
    }
}

/// Allows `rate` requests per second on average, in bursts of up to twice that.
struct TokenBucket {
    rate: f64,
    tokens: f64,
    refilled: Instant,
}

impl TokenBucket {
    fn new(rate: u32) -> Self {
        let rate = f64::from(rate);
        Self {
            rate,
            tokens: 2.0 * rate,
            refilled: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.refilled).as_secs_f64();
        self.refilled = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(2.0 * self.rate);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TokenBucket;

    #[test]
    fn bucket_allows_a_burst_then_refuses() {
        let mut bucket = TokenBucket::new(5);
        assert_eq!((0..10).filter(|_| bucket.take()).count(), 10);
        assert!(!bucket.take());
    }
}
