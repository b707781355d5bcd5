//! [`ConsentStore`] for [`SqlStore`]: invitations and blocks.

use super::SqlStore;
use crate::clock::Millis;
use crate::store::StoreResult;
use crate::store::consent::{BlockRecord, ConsentStore, InvitationRecord};
use async_trait::async_trait;
use confab_proto::{RoomId, UserId};

#[derive(sqlx::FromRow)]
struct InvitationRow {
    room_id: i64,
    user_id: i64,
    invited_by: i64,
    created_at: i64,
}

impl From<InvitationRow> for InvitationRecord {
    fn from(row: InvitationRow) -> Self {
        Self {
            room_id: RoomId(row.room_id),
            user_id: UserId(row.user_id),
            invited_by: UserId(row.invited_by),
            created_at: row.created_at,
        }
    }
}

const SELECT_INVITATIONS: &str =
    "SELECT room_id, user_id, invited_by, created_at FROM invitations ";

fn records(rows: Vec<InvitationRow>) -> Vec<InvitationRecord> {
    rows.into_iter().map(Into::into).collect()
}

#[async_trait]
impl ConsentStore for SqlStore {
    async fn invite(
        &self,
        room: RoomId,
        users: &[UserId],
        inviter: UserId,
        now: Millis,
    ) -> StoreResult<Vec<InvitationRecord>> {
        let mut tx = self.begin_write().await?;
        let mut created = Vec::new();
        for &user in users {
            let inserted = sqlx::query(
                "INSERT INTO invitations (room_id, user_id, invited_by, created_at) \
                 SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM room_members \
                     WHERE room_id = $1 AND user_id = $2 AND left_seq IS NULL) \
                 ON CONFLICT (room_id, user_id) DO NOTHING",
            )
            .bind(room.0)
            .bind(user.0)
            .bind(inviter.0)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                created.push(InvitationRecord {
                    room_id: room,
                    user_id: user,
                    invited_by: inviter,
                    created_at: now,
                });
            }
        }
        tx.commit().await?;
        Ok(created)
    }

    async fn invitation(
        &self,
        room: RoomId,
        user: UserId,
    ) -> StoreResult<Option<InvitationRecord>> {
        let row: Option<InvitationRow> = sqlx::query_as(&format!(
            "{SELECT_INVITATIONS} WHERE room_id = $1 AND user_id = $2"
        ))
        .bind(room.0)
        .bind(user.0)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(Into::into))
    }

    async fn invitations_for(&self, user: UserId) -> StoreResult<Vec<InvitationRecord>> {
        let rows = sqlx::query_as(&format!(
            "{SELECT_INVITATIONS} WHERE user_id = $1 ORDER BY created_at DESC, room_id DESC"
        ))
        .bind(user.0)
        .fetch_all(self.pool())
        .await?;
        Ok(records(rows))
    }

    async fn room_invitations(&self, room: RoomId) -> StoreResult<Vec<InvitationRecord>> {
        let rows = sqlx::query_as(&format!(
            "{SELECT_INVITATIONS} WHERE room_id = $1 ORDER BY created_at, user_id"
        ))
        .bind(room.0)
        .fetch_all(self.pool())
        .await?;
        Ok(records(rows))
    }

    async fn pending_invitations(&self, user: UserId) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM invitations WHERE user_id = $1")
                .bind(user.0)
                .fetch_one(self.pool())
                .await?,
        )
    }

    async fn remove_invitation(&self, room: RoomId, user: UserId) -> StoreResult<bool> {
        let removed = sqlx::query("DELETE FROM invitations WHERE room_id = $1 AND user_id = $2")
            .bind(room.0)
            .bind(user.0)
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(removed == 1)
    }

    async fn block(
        &self,
        user: UserId,
        blocked: UserId,
        now: Millis,
    ) -> StoreResult<(bool, Vec<InvitationRecord>)> {
        let mut tx = self.begin_write().await?;
        let added = sqlx::query(
            "INSERT INTO blocks (user_id, blocked_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, blocked_id) DO NOTHING",
        )
        .bind(user.0)
        .bind(blocked.0)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let between =
            "WHERE (user_id = $1 AND invited_by = $2) OR (user_id = $2 AND invited_by = $1)";
        let removed: Vec<InvitationRow> =
            sqlx::query_as(&format!("{SELECT_INVITATIONS} {between}"))
                .bind(user.0)
                .bind(blocked.0)
                .fetch_all(&mut *tx)
                .await?;
        sqlx::query(&format!("DELETE FROM invitations {between}"))
            .bind(user.0)
            .bind(blocked.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((added == 1, records(removed)))
    }

    async fn unblock(&self, user: UserId, blocked: UserId) -> StoreResult<bool> {
        let removed = sqlx::query("DELETE FROM blocks WHERE user_id = $1 AND blocked_id = $2")
            .bind(user.0)
            .bind(blocked.0)
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(removed == 1)
    }

    async fn blocked_by(&self, user: UserId) -> StoreResult<Vec<BlockRecord>> {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT user_id, blocked_id, created_at FROM blocks WHERE user_id = $1 \
             ORDER BY created_at DESC, blocked_id DESC",
        )
        .bind(user.0)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(user_id, blocked_id, created_at)| BlockRecord {
                user_id: UserId(user_id),
                blocked_id: UserId(blocked_id),
                created_at,
            })
            .collect())
    }

    async fn block_count(&self, user: UserId) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM blocks WHERE user_id = $1")
                .bind(user.0)
                .fetch_one(self.pool())
                .await?,
        )
    }

    async fn blocked_between(&self, a: UserId, b: UserId) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM blocks WHERE (user_id = $1 AND blocked_id = $2) \
             OR (user_id = $2 AND blocked_id = $1) LIMIT 1",
        )
        .bind(a.0)
        .bind(b.0)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.is_some())
    }

    async fn share_a_room(&self, a: UserId, b: UserId) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM room_members mine JOIN room_members theirs \
             ON theirs.room_id = mine.room_id AND theirs.user_id = $2 AND theirs.left_seq IS NULL \
             WHERE mine.user_id = $1 AND mine.left_seq IS NULL LIMIT 1",
        )
        .bind(a.0)
        .bind(b.0)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.is_some())
    }
}
