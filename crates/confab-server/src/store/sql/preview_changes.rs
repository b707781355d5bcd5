//! A message's link preview inside the event transaction, for `changes`: attaching
//! the preview a fetch found (`RoomChange::AttachPreview`) and the sender removing
//! it (`RoomChange::RemovePreview`). Deleting a message clears its preview in
//! `changes::delete_message`.

use super::event_tx::{EventTx, Place};
use super::rows::to_json;
use crate::store::StoreResult;
use crate::store::previews::PreviewRecord;

/// Attaches `preview` to message `seq` if it is live, sent by the change's sender,
/// has no preview yet and the sender did not remove it; false otherwise.
pub(super) async fn attach(
    tx: &mut EventTx,
    at: &Place,
    seq: i64,
    preview: &PreviewRecord,
) -> StoreResult<bool> {
    let attached = sqlx::query(
        "UPDATE events SET preview = $4, preview_image = $5 \
         WHERE room_id = $1 AND seq = $2 AND sender_id = $3 AND kind = 'message' \
         AND deleted_at IS NULL AND preview IS NULL AND preview_removed = 0",
    )
    .bind(at.room.0)
    .bind(seq)
    .bind(at.sender.0)
    .bind(to_json(preview)?)
    .bind(preview.image.as_ref().map(|image| image.sha256.clone()))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(attached == 1)
}

/// Removes message `seq`'s preview for good, whether it came yet or not; false if
/// the message is not the sender's live message, or its preview was removed before.
pub(super) async fn remove(tx: &mut EventTx, at: &Place, seq: i64) -> StoreResult<bool> {
    let removed = sqlx::query(
        "UPDATE events SET preview = NULL, preview_image = NULL, preview_removed = 1 \
         WHERE room_id = $1 AND seq = $2 AND sender_id = $3 AND kind = 'message' \
         AND deleted_at IS NULL AND preview_removed = 0",
    )
    .bind(at.room.0)
    .bind(seq)
    .bind(at.sender.0)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(removed == 1)
}
