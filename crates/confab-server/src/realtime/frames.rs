//! Encoding server frames for fan-out: each frame is serialised once, and every
//! recipient's queue gets a clone of the same bytes. The only place that encodes
//! frames for more than one connection.

use super::bus::EphemeralFrame;
use bytes::Bytes;
use confab_proto::EventId;
use confab_proto::events::RoomEvent;
use confab_proto::ws::ServerFrame;

/// One frame queued for a connection.
#[derive(Clone, Debug)]
pub struct Outbound {
    /// The event's id, for de-duplication against replayed events; `None` for
    /// ephemeral frames (typing, presence), which are never stored or replayed.
    pub event_id: Option<EventId>,
    pub frame: Bytes,
}

/// The `event` frame of a stored event.
pub(super) fn event(event: RoomEvent) -> Option<Outbound> {
    let event_id = event.id;
    encode(&ServerFrame::Event { event }).map(|frame| Outbound {
        event_id: Some(event_id),
        frame,
    })
}

/// The frame of an ephemeral message.
pub(super) fn ephemeral(frame: EphemeralFrame) -> Option<Outbound> {
    let frame = match frame {
        EphemeralFrame::Typing {
            room_id,
            user_id,
            typing,
        } => ServerFrame::Typing {
            room_id,
            user_id,
            typing,
        },
        EphemeralFrame::Presence(presence) => ServerFrame::Presence(presence),
        EphemeralFrame::Profile(profile) => ServerFrame::Profile(profile),
        EphemeralFrame::InvitationReceived(invitation) => {
            ServerFrame::InvitationReceived { invitation }
        }
        EphemeralFrame::InvitationEnded { room_id } => ServerFrame::InvitationEnded { room_id },
        EphemeralFrame::Notification {
            notification,
            unread_count,
        } => ServerFrame::Notification {
            notification,
            unread_count,
        },
        EphemeralFrame::NotificationsRead(read) => ServerFrame::NotificationsRead {
            up_to: read.up_to,
            ids: read.ids,
            room_id: read.room.map(|(room, _)| room),
            seq: read.room.map(|(_, seq)| seq),
            unread_count: read.unread_count,
        },
        EphemeralFrame::MlsKeyPackagesLow {
            device_id,
            remaining,
        } => ServerFrame::MlsKeyPackagesLow {
            device_id,
            remaining,
        },
    };
    encode(&frame).map(|frame| Outbound {
        event_id: None,
        frame,
    })
}

fn encode(frame: &ServerFrame) -> Option<Bytes> {
    match serde_json::to_vec(frame) {
        Ok(bytes) => Some(Bytes::from(bytes)),
        Err(error) => {
            // Only a bug can make a frame unencodable; skip it rather than stop.
            tracing::error!(%error, "cannot encode a server frame");
            None
        }
    }
}
