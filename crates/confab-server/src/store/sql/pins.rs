//! Reading a room's pinned messages (`RoomStore::pins`).

use super::SqlStore;
use super::rows::{EventRow, select_events};
use crate::store::StoreResult;
use crate::store::events::EventRecord;
use crate::store::rooms::PinRecord;
use confab_proto::{RoomId, UserId};
use std::collections::HashMap;

impl SqlStore {
    /// The room's pinned messages, the latest pin first.
    pub(super) async fn pinned_messages(&self, room: RoomId) -> StoreResult<Vec<PinRecord>> {
        let pins: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT seq, pinned_by, pinned_at FROM pins WHERE room_id = $1 \
             ORDER BY pinned_at DESC, seq DESC",
        )
        .bind(room.0)
        .fetch_all(self.pool())
        .await?;
        let rows: Vec<EventRow> = sqlx::query_as(select_events!(
            "WHERE e.room_id = $1 AND e.kind = 'message' AND e.deleted_at IS NULL \
             AND e.seq IN (SELECT seq FROM pins WHERE room_id = $1)"
        ))
        .bind(room.0)
        .fetch_all(self.pool())
        .await?;
        let mut messages = HashMap::with_capacity(rows.len());
        for row in rows {
            let event: EventRecord = row.try_into()?;
            messages.insert(event.seq, event);
        }
        // A pin committed between the two reads has no message here: it is left out,
        // as it would have been a moment earlier.
        Ok(pins
            .into_iter()
            .filter_map(|(seq, pinned_by, pinned_at)| {
                Some(PinRecord {
                    message: messages.remove(&seq)?,
                    pinned_by: UserId(pinned_by),
                    pinned_at,
                })
            })
            .collect())
    }
}
