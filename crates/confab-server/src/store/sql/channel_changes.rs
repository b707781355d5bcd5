//! Changes of public channels and announcement rooms inside the event transaction,
//! for `changes`: joining a public group (`RoomChange::JoinPublic`), who may join or
//! post (`RoomChange::SetAccess`), and the name and topic with the text the channel
//! directory searches.

use super::event_tx::{EventTx, Place};
use crate::store::StoreResult;
use crate::store::rooms::directory_text;
use crate::store::stored_names::{stored_pinning, stored_posting, stored_visibility};
use confab_proto::rooms::{PinPolicy, PostingPolicy, RoomVisibility};

/// Whether the sender may join the room as a public one: true if it is public, and
/// then any invitation of theirs is consumed (they join without it).
pub(super) async fn admit_to_public(tx: &mut EventTx, at: &Place) -> StoreResult<bool> {
    let visibility: Option<String> =
        sqlx::query_scalar("SELECT visibility FROM rooms WHERE id = $1")
            .bind(at.room.0)
            .fetch_optional(&mut **tx)
            .await?;
    if visibility.as_deref() != Some(stored_visibility::name(RoomVisibility::Public)) {
        return Ok(false);
    }
    sqlx::query("DELETE FROM invitations WHERE room_id = $1 AND user_id = $2")
        .bind(at.room.0)
        .bind(at.sender.0)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// Sets who may join, post and pin; false if all were already so.
pub(super) async fn set_access(
    tx: &mut EventTx,
    at: &Place,
    visibility: RoomVisibility,
    posting: PostingPolicy,
    pinning: PinPolicy,
) -> StoreResult<bool> {
    let changed = sqlx::query(
        "UPDATE rooms SET visibility = $2, posting = $3, pinning = $4 \
         WHERE id = $1 AND (visibility <> $2 OR posting <> $3 OR pinning <> $4)",
    )
    .bind(at.room.0)
    .bind(stored_visibility::name(visibility))
    .bind(stored_posting::name(posting))
    .bind(stored_pinning::name(pinning))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// A new name or topic (either left `None` stays): the room's columns and the text
/// the directory searches.
pub(super) async fn rename(
    tx: &mut EventTx,
    at: &Place,
    name: Option<&str>,
    topic: Option<&str>,
) -> StoreResult<()> {
    let (old_name, old_topic): (String, String) =
        sqlx::query_as("SELECT name, topic FROM rooms WHERE id = $1")
            .bind(at.room.0)
            .fetch_one(&mut **tx)
            .await?;
    let name = name.unwrap_or(&old_name);
    let topic = topic.unwrap_or(&old_topic);
    sqlx::query("UPDATE rooms SET name = $2, topic = $3, directory_text = $4 WHERE id = $1")
        .bind(at.room.0)
        .bind(name)
        .bind(topic)
        .bind(directory_text(name, topic))
        .execute(&mut **tx)
        .await?;
    Ok(())
}
