//! Read and delivery markers: how far each member has read, and how far their
//! devices have received.

use super::service::Rooms;
use crate::service::accounts::tokens::Principal;
use crate::service::{ServiceError, ServiceResult};
use crate::store::rooms::RoomChange;
use confab_proto::RoomId;
use confab_proto::events::RoomEvent;

impl Rooms {
    /// Moves the caller's read marker (and delivery marker) forward to `seq`; every
    /// member, and the caller's other devices, see a `read_up_to` event. `None` if the
    /// marker was already there.
    pub async fn mark_read(
        &self,
        caller: Principal,
        id: RoomId,
        seq: i64,
    ) -> ServiceResult<Option<RoomEvent>> {
        self.move_marker(caller, id, seq, RoomChange::MarkRead { seq })
            .await
    }

    /// Records that one of the caller's devices received everything up to `seq`.
    pub async fn mark_delivered(
        &self,
        caller: Principal,
        id: RoomId,
        seq: i64,
    ) -> ServiceResult<Option<RoomEvent>> {
        self.move_marker(caller, id, seq, RoomChange::MarkDelivered { seq })
            .await
    }

    async fn move_marker(
        &self,
        caller: Principal,
        id: RoomId,
        seq: i64,
        change: RoomChange,
    ) -> ServiceResult<Option<RoomEvent>> {
        let (room, _) = self.membership(caller, id).await?;
        if seq < 0 || seq > room.last_seq {
            return Err(ServiceError::invalid(
                "seq",
                "that sequence number does not exist in this room yet",
            ));
        }
        self.apply(caller, id, change).await
    }
}
