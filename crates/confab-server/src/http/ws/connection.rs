//! One WebSocket connection: `hello`, `ready`, replay, then the loop over client
//! frames, live events, the heartbeat, typing expiry and shutdown.

use super::bucket::TokenBucket;
use super::socket::{
    CLOSE_GOING_AWAY, CLOSE_TOO_BIG, Close, HELLO_TIMEOUT, close_with, error_frame, protocol_error,
    read_hello, send_frame, send_message,
};
use crate::app::AppState;
use crate::clock::{Millis, now_millis};
use crate::realtime::{Outbound, Subscription, TypingState};
use crate::service::ServiceError;
use crate::service::accounts::sessions::ClientInfo;
use crate::service::accounts::tokens::Principal;
use crate::service::rooms::Replay;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use confab_proto::ws::{ClientFrame, ServerFrame, close_code};
use confab_proto::{ErrorCode, EventId, PROTOCOL_VERSION, RoomId};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// The state of one authenticated connection.
pub(super) struct Connection {
    pub(super) app: AppState,
    pub(super) socket: WebSocket,
    pub(super) client: ClientInfo,
    pub(super) principal: Principal,
    pub(super) token_expires_at: Millis,
    /// When the connection closes unless the token is refreshed.
    pub(super) token_deadline: tokio::time::Instant,
    /// Id of the last event sent; live events at or below it were already replayed.
    pub(super) last_sent: EventId,
    pub(super) last_heard: Instant,
    pub(super) bucket: TokenBucket,
    /// This connection's id in live delivery (for its presence).
    pub(super) connection_id: u64,
    /// Cancelled when this connection's session is revoked.
    pub(super) revoked: CancellationToken,
    pub(super) typing: TypingState,
}

impl Connection {
    /// Serves one upgraded socket until it closes.
    pub(super) async fn run(app: AppState, mut socket: WebSocket, client: ClientInfo) {
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
        let subscription = app
            .realtime
            .connect(principal.user_id, principal.session_id);
        let rate = app.config.ws.requests_per_second;
        let typing = TypingState::new(app.config.ws.typing_timeout);
        let mut connection = Self {
            app,
            socket,
            client,
            principal,
            token_expires_at,
            token_deadline: tokio::time::Instant::now(),
            last_sent: EventId(0),
            last_heard: Instant::now(),
            bucket: TokenBucket::new(rate),
            typing,
            connection_id: subscription.id,
            revoked: subscription.revoked.clone(),
        };
        connection.set_token_expiry(token_expires_at);
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
        // The token's expiry plus the grace; a `refresh` moves it.
        let mut token_deadline = Box::pin(tokio::time::sleep_until(self.token_deadline));
        loop {
            let step = tokio::select! {
                incoming = self.socket.recv() => match incoming {
                    Some(Ok(message)) => {
                        let handled = self.on_message(message).await;
                        if self.token_deadline != token_deadline.deadline() {
                            token_deadline.as_mut().reset(self.token_deadline);
                        }
                        handled
                    }
                    Some(Err(_)) => Err(Close(CLOSE_TOO_BIG, "frame too large or malformed")),
                    None => Err(Close(1000, "closed by client")),
                },
                () = &mut token_deadline => {
                    // No refresh came: a copied token must not feed events for as
                    // long as its session lives.
                    let _ = self.send(&error_frame(None, &ServiceError::TokenExpired)).await;
                    Err(Close(close_code::UNAUTHENTICATED, "access token expired"))
                }
                outbound = subscription.events.recv() => match outbound {
                    Some(outbound) => self.forward(outbound).await,
                    None => Err(Close(1011, "fan-out stopped")),
                },
                () = subscription.revoked.cancelled() => {
                    // Its session was revoked (signed out, revoked from another
                    // device, password changed): end it now, not at the heartbeat.
                    let _ = self.send(&error_frame(None, &ServiceError::SessionRevoked)).await;
                    Err(Close(close_code::UNAUTHENTICATED, "session revoked"))
                }
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

    /// Takes a (new) access token's expiry: requests need a token that has not
    /// expired, and the connection closes `--ws-token-grace` after it.
    pub(super) fn set_token_expiry(&mut self, expires_at: Millis) {
        let left = u64::try_from(expires_at.saturating_sub(now_millis())).unwrap_or(0);
        self.token_expires_at = expires_at;
        self.token_deadline = tokio::time::Instant::now()
            + Duration::from_millis(left)
            + self.app.config.ws.token_grace;
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
        self.on_frame(frame).await
    }

    /// Starts, refreshes or stops the caller's typing indicator in a room. Refreshes
    /// within the throttle interval only extend the deadline; nothing is sent.
    pub(super) async fn on_typing(&mut self, room: RoomId, typing: bool) -> Result<(), Close> {
        if !self.typing.update(room, typing, Instant::now()) {
            return Ok(());
        }
        if let Err(error) = self.app.rooms.typing(self.principal, room, typing).await {
            self.typing.forget(room);
            return self.send(&error_frame(None, &error)).await;
        }
        Ok(())
    }

    /// Ends the typing indicators whose deadline passed (or all of them).
    async fn expire_typing(&mut self, all: bool) {
        for room in self.typing.expire(Instant::now(), all) {
            // Best effort: the connection may be closing and the room may be gone.
            let _ = self.app.rooms.typing(self.principal, room, false).await;
        }
    }

    pub(super) async fn send(&mut self, frame: &ServerFrame) -> Result<(), Close> {
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
