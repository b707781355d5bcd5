//! WebSocket frames of `/api/v1/ws`: JSON text frames tagged by `type`.
//!
//! The first client frame must be [`ClientFrame::Hello`]. Requests carry a
//! client-chosen `id` that the server's [`ServerFrame::Ok`] or
//! [`ServerFrame::Error`] repeats; events arrive unprompted as
//! [`ServerFrame::Event`]. See docs/protocol.md for the whole protocol.

use crate::events::{MessageBody, RoomEvent};
use crate::invitations::Invitation;
use crate::notifications::Notification;
use crate::users::{Presence, PresenceStatus, Profile};
use crate::{ErrorCode, EventId, RoomId, SessionId, UserId};
use serde::{Deserialize, Serialize};

/// Close codes the server uses, beside the standard ones (1000 normal, 1001 going
/// away at shutdown, 1009 frame too large, 1011 server error).
pub mod close_code {
    // Declares each code as a constant and lists them all in `ALL`, from which the
    // OpenAPI schema (`CloseCode`) is made, so that the schema cannot miss a code.
    macro_rules! close_codes {
        ($($(#[doc = $doc:literal])+ $name:ident = $code:literal;)+) => {
            $($(#[doc = $doc])+ pub const $name: u16 = $code;)+

            /// Every code above: its constant's name, value and doc comment lines.
            #[cfg(feature = "openapi")]
            pub(crate) const ALL: &[(&str, u16, &[&str])] =
                &[$((stringify!($name), $code, &[$($doc),+])),+];
        };
    }

    close_codes! {
        /// The first frame was not a valid `hello`, or a frame broke the protocol.
        PROTOCOL = 4000;
        /// The access token or its session is not valid (any more); sign in again.
        UNAUTHENTICATED = 4001;
        /// No frame (not even a pong) arrived within the idle timeout.
        TIMED_OUT = 4003;
        /// The client read too slowly and its outbound queue filled up; reconnect and
        /// resume from the last event id received.
        TOO_SLOW = 4008;
    }
}

/// The OpenAPI schema of the [`close_code`]s, which travel in WebSocket close frames
/// rather than as JSON: an integer enum whose members' names (`x-enum-varnames`, in
/// `PascalCase`) and descriptions (`x-enum-descriptions`) come from the constants.
#[cfg(feature = "openapi")]
pub struct CloseCode;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for CloseCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::extensions::ExtensionsBuilder;
        use utoipa::openapi::schema::{ObjectBuilder, Type};

        let codes = close_code::ALL;
        let names: Vec<String> = codes.iter().map(|(name, _, _)| pascal_case(name)).collect();
        let descriptions: Vec<String> = codes
            .iter()
            .map(|(_, _, doc)| {
                doc.iter()
                    .map(|line| line.trim())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .description(Some(
                "Close codes of the WebSocket beside the standard ones (1000, 1001, 1009, \
                 1011); see docs/protocol.md#close-codes.",
            ))
            .enum_values(Some(codes.iter().map(|(_, code, _)| *code)))
            .extensions(Some(
                ExtensionsBuilder::new()
                    .add("x-enum-varnames", names)
                    .add("x-enum-descriptions", descriptions)
                    .build(),
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for CloseCode {}

/// `TIMED_OUT` -> `TimedOut`.
#[cfg(feature = "openapi")]
fn pascal_case(upper_snake: &str) -> String {
    upper_snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_string() + &chars.as_str().to_lowercase()
            })
        })
        .collect()
}

/// Frames a client sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Authenticates the connection; `since` resumes after the last event id the
    /// client processed (omit it for a fresh start).
    Hello {
        token: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(nullable = false))]
        since: Option<EventId>,
    },
    /// Replaces the access token before it expires, keeping the socket open.
    Refresh {
        id: String,
        token: String,
    },
    /// Sends a message; `client_id` makes retries idempotent.
    Send {
        id: String,
        room_id: RoomId,
        client_id: String,
        body: MessageBody,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(nullable = false))]
        reply_to: Option<i64>,
        /// Ids of files I uploaded, as in `POST /api/v1/rooms/{id}/messages`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<String>,
    },
    Edit {
        id: String,
        room_id: RoomId,
        seq: i64,
        body: MessageBody,
    },
    Delete {
        id: String,
        room_id: RoomId,
        seq: i64,
    },
    /// Adds (`add: true`) or removes a reaction.
    React {
        id: String,
        room_id: RoomId,
        seq: i64,
        emoji: String,
        add: bool,
    },
    /// Moves the read marker forward.
    Read {
        id: String,
        room_id: RoomId,
        seq: i64,
    },
    /// One of my devices received everything up to `seq` (a delivery receipt).
    Delivered {
        id: String,
        room_id: RoomId,
        seq: i64,
    },
    /// I started (`true`) or stopped typing. Repeat `true` every few seconds while
    /// typing: the server ends it by itself after the typing timeout. No reply.
    Typing {
        room_id: RoomId,
        typing: bool,
    },
    /// Marks this device `online` (active) or `away` (idle). No reply.
    Presence {
        status: PresenceStatus,
    },
    Ping {
        id: String,
    },
}

/// Frames the server sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The connection is authenticated. Events after `cursor` follow: first the
    /// missed ones (when `since` was given, `cursor` is `since`), then live ones.
    /// After a fresh start, fetch rooms and history over REST after this frame.
    Ready {
        user_id: UserId,
        session_id: SessionId,
        protocol: u32,
        cursor: EventId,
    },
    /// An event of a room the user is in.
    Event {
        event: RoomEvent,
    },
    /// The gap since `since` is too long to replay: re-fetch rooms and history over
    /// REST; live events after `cursor` follow.
    ResyncRequired {
        cursor: EventId,
    },
    /// A request succeeded; `event` is the event it stored, if any.
    Ok {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(nullable = false))]
        event: Option<RoomEvent>,
    },
    /// A request (or, without `id`, a frame that could not be read) failed.
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(nullable = false))]
        id: Option<String>,
        code: ErrorCode,
        message: String,
    },
    /// Someone in one of my rooms started or stopped typing. Never stored.
    Typing {
        room_id: RoomId,
        user_id: UserId,
        typing: bool,
    },
    /// Someone who shares a room with me (or I, on another device) changed status.
    Presence(Presence),
    /// Someone who shares a room with me (or I, on another device) changed their
    /// profile: display name, status text, avatar or discoverability. Replaces what
    /// the client shows of them.
    Profile(Profile),
    /// I was invited to a room (or sent a message request). Not in the event log:
    /// after every `ready`, fetch `GET /api/v1/invitations` for the current list.
    InvitationReceived {
        invitation: Invitation,
    },
    /// My invitation to `room_id` ended: I accepted or declined it (perhaps on
    /// another device), it was withdrawn, or I blocked the person who sent it.
    InvitationEnded {
        room_id: RoomId,
    },
    /// I have a new notification. Not in the event log: after every `ready`, fetch
    /// `GET /api/v1/notifications` for the current list.
    Notification {
        notification: Notification,
        /// How many of my notifications are unread now (capped at 999).
        unread_count: i64,
    },
    /// Some of my notifications were read (on any device, or because my read marker
    /// moved past them): `up_to` marks every one with an id up to it read, `ids`
    /// these ones.
    NotificationsRead {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(nullable = false))]
        up_to: Option<i64>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        ids: Vec<i64>,
        /// For a read marker that moved: that room's notifications up to `seq`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(nullable = false))]
        room_id: Option<RoomId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(nullable = false))]
        seq: Option<i64>,
        unread_count: i64,
    },
    Pong {
        id: String,
    },
    /// One of my devices has few one-time MLS key packages left (after a claim took
    /// one): the device `device_id` uploads more (`POST /api/v1/mls/key-packages`).
    /// My other devices ignore it.
    MlsKeyPackagesLow {
        device_id: SessionId,
        /// One-time key packages still in stock.
        remaining: i64,
    },
    /// A frame type this version does not know (from a newer server); skip it.
    #[serde(other)]
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventContent;

    #[test]
    fn frames_and_events_from_a_newer_server_are_skippable() {
        let frame: ServerFrame = serde_json::from_str(r#"{"type":"hologram","depth":3}"#).unwrap();
        assert_eq!(frame, ServerFrame::Unknown);
        let content: EventContent =
            serde_json::from_str(r#"{"type":"poll_created","options":[]}"#).unwrap();
        assert_eq!(content, EventContent::Unknown);
    }

    #[test]
    fn frames_round_trip_with_their_type_tag() {
        let frame = ClientFrame::Typing {
            room_id: RoomId(3),
            typing: true,
        };
        let json = serde_json::to_string(&frame).unwrap();
        assert_eq!(json, r#"{"type":"typing","room_id":3,"typing":true}"#);
        assert_eq!(serde_json::from_str::<ClientFrame>(&json).unwrap(), frame);
    }
}
