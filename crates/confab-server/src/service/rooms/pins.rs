//! Pinned messages: listing a room's pins, pinning and unpinning.
//!
//! Admins and the owner pin in any group; plain members too where the group's
//! `pinning` is `everyone`; both people of a direct room always. A room holds at
//! most `--max-pins-per-room` pins, checked where the pin is stored so that two
//! members pinning at once cannot pass it. End-to-end encrypted rooms have no pins:
//! like reactions, which messages matter belongs inside the encrypted messages.

use super::messages::require_plain;
use super::service::{Rooms, not_member};
use crate::clock::timestamp;
use crate::service::accounts::tokens::Principal;
use crate::service::{ServiceError, ServiceResult};
use crate::store::rooms::{Appended, RoomChange, RoomRecord};
use confab_proto::RoomId;
use confab_proto::events::RoomEvent;
use confab_proto::rooms::{Pin, PinList, PinPolicy, Role};

/// `Forbidden` unless `role` may pin and unpin messages in `room`.
fn require_may_pin(room: &RoomRecord, role: Role) -> ServiceResult<()> {
    if room.pinning == PinPolicy::Admins && role < Role::Admin {
        return Err(ServiceError::Forbidden(
            "only admins pin messages in this room".to_owned(),
        ));
    }
    Ok(())
}

impl Rooms {
    /// The room's pinned messages, the latest pin first.
    pub async fn pins(&self, caller: Principal, id: RoomId) -> ServiceResult<PinList> {
        self.membership(caller, id).await?;
        let pins = self.rooms.pins(id).await?;
        Ok(PinList {
            pins: pins
                .into_iter()
                .map(|pin| Pin {
                    message: pin.message.into(),
                    pinned_by: pin.pinned_by,
                    pinned_at: timestamp(pin.pinned_at),
                })
                .collect(),
        })
    }

    /// Pins (`pinned`) or unpins message `seq`; `None` if it was already so.
    pub async fn set_pinned(
        &self,
        caller: Principal,
        id: RoomId,
        seq: i64,
        pinned: bool,
    ) -> ServiceResult<Option<RoomEvent>> {
        let (room, me) = self.membership(caller, id).await?;
        require_plain(&room, "seq", "pins")?;
        require_may_pin(&room, me.role)?;
        if !pinned {
            return self.apply(caller, id, RoomChange::Unpin { seq }).await;
        }
        self.require_unblocked(caller, &room).await?;
        self.live_message(id, seq).await?;
        let max = self.limits.max_pins;
        match self
            .append(id, caller, RoomChange::Pin { seq, max })
            .await?
        {
            Appended::Event(event) => Ok(Some(event.into())),
            Appended::Unchanged => Ok(None),
            // Deleted meanwhile.
            Appended::TargetMissing => Err(ServiceError::NotFound("message")),
            Appended::LimitReached => Err(ServiceError::TooManyPins(max)),
            Appended::NotMember => Err(not_member()),
            outcome => Err(ServiceError::Internal(format!(
                "pinning a message gave {outcome:?}"
            ))),
        }
    }
}
