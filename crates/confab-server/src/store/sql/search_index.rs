//! Feeding the search index from the change functions, inside the event
//! transaction: [`index_message`] when a message is stored, [`reindex_message`] when
//! it is edited, [`unindex_message`] when it is deleted. Reading the index is in
//! `search`.

use crate::store::StoreResult;
use crate::store::events::BodyRecord;
use crate::store::search::fold;
use confab_proto::{EventId, RoomId, UserId};
use sqlx::{Any, Transaction};

/// An open event transaction (the same type as `changes::EventTx`).
type Tx = Transaction<'static, Any>;

/// A message as the index takes it.
pub(super) struct Indexed<'a> {
    pub event: EventId,
    pub room: RoomId,
    pub seq: i64,
    pub sender: UserId,
    pub created_at: i64,
    pub has_attachment: bool,
    pub body: &'a BodyRecord,
}

/// Stores the text of a new message in the index (text bodies only: encrypted ones
/// are opaque and never indexed).
pub(super) async fn index_message(tx: &mut Tx, message: Indexed<'_>) -> StoreResult<()> {
    let BodyRecord::Text { text } = message.body else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO message_search (event_id, room_id, seq, sender_id, created_at, has_attachment, text) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(message.event.0)
    .bind(message.room.0)
    .bind(message.seq)
    .bind(message.sender.0)
    .bind(message.created_at)
    .bind(i64::from(message.has_attachment))
    .bind(fold(text))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces the indexed text of an edited message.
pub(super) async fn reindex_message(
    tx: &mut Tx,
    room: RoomId,
    seq: i64,
    body: &BodyRecord,
) -> StoreResult<()> {
    match body {
        BodyRecord::Text { text } => {
            sqlx::query("UPDATE message_search SET text = $3 WHERE room_id = $1 AND seq = $2")
                .bind(room.0)
                .bind(seq)
                .bind(fold(text))
                .execute(&mut **tx)
                .await?;
            Ok(())
        }
        BodyRecord::Encrypted { .. } => unindex_message(tx, room, seq).await,
    }
}

/// Removes a deleted message from the index.
pub(super) async fn unindex_message(tx: &mut Tx, room: RoomId, seq: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM message_search WHERE room_id = $1 AND seq = $2")
        .bind(room.0)
        .bind(seq)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
