//! Pinning and unpinning messages inside the event transaction, for `changes`
//! (`RoomChange::Pin`, `RoomChange::Unpin`). Deleting a message removes its pin in
//! `changes::delete_message`.

use super::event_tx::{EventTx, Place, is_live_message};
use crate::store::StoreResult;
use crate::store::rooms::Appended;

/// Pins message `seq`; `Err` with why nothing is stored: the message is missing or
/// deleted, already pinned, or the room has `max` pins.
pub(super) async fn pin(
    tx: &mut EventTx,
    at: &Place,
    seq: i64,
    max: u32,
) -> StoreResult<Result<(), Appended>> {
    if !is_live_message(tx, at.room, seq).await? {
        return Ok(Err(Appended::TargetMissing));
    }
    let pinned: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM pins WHERE room_id = $1 AND seq = $2")
            .bind(at.room.0)
            .bind(seq)
            .fetch_optional(&mut **tx)
            .await?;
    if pinned.is_some() {
        return Ok(Err(Appended::Unchanged));
    }
    // The room's row is locked by this transaction (its seq was taken), so the count
    // cannot change before the insert.
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pins WHERE room_id = $1")
        .bind(at.room.0)
        .fetch_one(&mut **tx)
        .await?;
    if count >= i64::from(max) {
        return Ok(Err(Appended::LimitReached));
    }
    sqlx::query("INSERT INTO pins (room_id, seq, pinned_by, pinned_at) VALUES ($1, $2, $3, $4)")
        .bind(at.room.0)
        .bind(seq)
        .bind(at.sender.0)
        .bind(at.now)
        .execute(&mut **tx)
        .await?;
    Ok(Ok(()))
}

/// Unpins message `seq`; false if it was not pinned.
pub(super) async fn unpin(tx: &mut EventTx, at: &Place, seq: i64) -> StoreResult<bool> {
    let removed = sqlx::query("DELETE FROM pins WHERE room_id = $1 AND seq = $2")
        .bind(at.room.0)
        .bind(seq)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(removed == 1)
}
