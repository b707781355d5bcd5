//! What a connection does with each frame after `hello`: every kind of client
//! frame is matched once, in [`Connection::on_frame`].
//!
//! A request (a frame with an `id`) passes one envelope: [`Connection::admitted`]
//! spends the connection's request budget and checks that the access token has not
//! expired, the request becomes one service call, and its outcome becomes the `ok`
//! or `error` reply carrying the same `id`. Typing and presence frames get no reply.

use super::connection::Connection;
use super::socket::{Close, error_frame, protocol_error};
use crate::clock::now_millis;
use crate::service::accounts::tokens::Principal;
use crate::service::{ServiceError, ServiceResult};
use confab_proto::events::{RoomEvent, SendMessageRequest};
use confab_proto::users::PresenceStatus;
use confab_proto::ws::{ClientFrame, ServerFrame};
use std::sync::Arc;
use std::time::Duration;

/// What a request leaves for its reply: the event it stored, if any.
type Outcome = ServiceResult<Option<RoomEvent>>;

impl Connection {
    /// Handles one frame after `hello`.
    pub(super) async fn on_frame(&mut self, frame: ClientFrame) -> Result<(), Close> {
        let app = Arc::clone(&self.app);
        let rooms = &app.rooms;
        let (id, outcome): (String, Outcome) = match frame {
            ClientFrame::Hello { .. } => {
                return self
                    .send(&protocol_error(None, "already authenticated"))
                    .await;
            }
            ClientFrame::Presence { status } => {
                // Like typing: counted against the budget, dropped beyond it.
                if !self.bucket.take() {
                    return Ok(());
                }
                return self.on_presence(status).await;
            }
            ClientFrame::Typing { room_id, typing } => {
                // Over the budget a typing frame is dropped: it needs no reply.
                if !self.bucket.take() {
                    return Ok(());
                }
                return self.on_typing(room_id, typing).await;
            }
            // Liveness must not depend on the budget.
            ClientFrame::Ping { id } => return self.send(&ServerFrame::Pong { id }).await,
            ClientFrame::Refresh { id, token } => {
                let outcome = self.refresh(&token).await;
                (id, outcome)
            }
            ClientFrame::Send {
                id,
                room_id,
                client_id,
                body,
                reply_to,
                attachments,
            } => {
                let request = SendMessageRequest {
                    client_id,
                    body,
                    reply_to,
                    attachments,
                };
                let outcome = self
                    .admitted(async |caller| {
                        let sent = rooms.send(caller, room_id, &request).await?;
                        Ok(Some(sent.event))
                    })
                    .await;
                (id, outcome)
            }
            ClientFrame::Edit {
                id,
                room_id,
                seq,
                body,
            } => {
                let outcome = self
                    .admitted(async |caller| {
                        rooms.edit(caller, room_id, seq, &body).await.map(Some)
                    })
                    .await;
                (id, outcome)
            }
            ClientFrame::Delete { id, room_id, seq } => {
                let outcome = self
                    .admitted(async |caller| rooms.delete(caller, room_id, seq).await.map(Some))
                    .await;
                (id, outcome)
            }
            ClientFrame::React {
                id,
                room_id,
                seq,
                emoji,
                add,
            } => {
                let outcome = self
                    .admitted(async |caller| rooms.react(caller, room_id, seq, &emoji, add).await)
                    .await;
                (id, outcome)
            }
            ClientFrame::Read { id, room_id, seq } => {
                let outcome = self
                    .admitted(async |caller| rooms.mark_read(caller, room_id, seq).await)
                    .await;
                (id, outcome)
            }
            ClientFrame::Delivered { id, room_id, seq } => {
                let outcome = self
                    .admitted(async |caller| rooms.mark_delivered(caller, room_id, seq).await)
                    .await;
                (id, outcome)
            }
        };
        let reply = match outcome {
            Ok(event) => ServerFrame::Ok { id, event },
            Err(error) => error_frame(Some(id), &error),
        };
        self.send(&reply).await
    }

    /// The request envelope: spends one unit of the request budget, checks that the
    /// session was not revoked and the access token is still valid, then runs
    /// `request` as the connection's user.
    async fn admitted(&mut self, request: impl AsyncFnOnce(Principal) -> Outcome) -> Outcome {
        self.spend_budget()?;
        if self.revoked.is_cancelled() {
            return Err(ServiceError::SessionRevoked);
        }
        if now_millis() >= self.token_expires_at {
            return Err(ServiceError::TokenExpired);
        }
        request(self.principal).await
    }

    /// `rate_limited` once the connection used up its budget.
    fn spend_budget(&mut self) -> ServiceResult<()> {
        if self.bucket.take() {
            Ok(())
        } else {
            Err(ServiceError::RateLimited {
                retry_after: Duration::from_secs(1),
            })
        }
    }

    /// Replaces the connection's access token with a fresh one of the same session
    /// (which may have expired meanwhile: that is what refreshing is for).
    async fn refresh(&mut self, token: &str) -> Outcome {
        self.spend_budget()?;
        let (principal, expires) = self
            .app
            .sessions
            .authenticate_until(token, &self.client)
            .await?;
        if principal != self.principal {
            return Err(ServiceError::InvalidToken);
        }
        self.set_token_expiry(expires);
        Ok(None)
    }

    /// Marks this device active or idle; `offline` is not a state a connected
    /// device can be in.
    async fn on_presence(&mut self, status: PresenceStatus) -> Result<(), Close> {
        let away = match status {
            PresenceStatus::Online => false,
            PresenceStatus::Away => true,
            PresenceStatus::Offline => {
                let error = ServiceError::invalid("status", "a connected device is online or away");
                return self.send(&error_frame(None, &error)).await;
            }
        };
        self.app
            .realtime
            .set_away(self.principal.user_id, self.connection_id, away);
        Ok(())
    }
}
