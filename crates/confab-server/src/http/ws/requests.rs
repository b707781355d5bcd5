//! WebSocket requests: each frame with an `id` becomes one call to a service, and
//! its result the `ok` or `error` reply.

use super::connection::Connection;
use super::socket::{error_frame, protocol_error};
use crate::service::ServiceError;
use confab_proto::events::SendMessageRequest;
use confab_proto::ws::{ClientFrame, ServerFrame};
use std::time::Duration;

impl Connection {
    /// Answers one request frame.
    pub(super) async fn handle(&mut self, frame: ClientFrame) -> ServerFrame {
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
}
