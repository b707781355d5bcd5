//! [`PasskeyStore`] for [`SqlStore`]: passkeys and the ceremonies under way.

use super::SqlStore;
use super::sign_in_methods::{lock_account, remove_sign_in_method};
use crate::clock::Millis;
use crate::store::passkeys::{Added, CeremonyRecord, NewPasskey, PasskeyRecord, PasskeyStore};
use crate::store::{Removal, StoreResult};
use async_trait::async_trait;
use confab_proto::UserId;

/// Builds a `SELECT` of every passkey column followed by `$rest`.
macro_rules! select_passkeys {
    ($rest:literal) => {
        concat!(
            "SELECT id, user_id, credential_id, user_handle, name, credential, created_at, \
             last_used_at FROM passkeys ",
            $rest
        )
    };
}

#[derive(sqlx::FromRow)]
struct PasskeyRow {
    id: String,
    user_id: i64,
    credential_id: String,
    user_handle: String,
    name: String,
    credential: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl From<PasskeyRow> for PasskeyRecord {
    fn from(row: PasskeyRow) -> Self {
        Self {
            id: row.id,
            user_id: UserId(row.user_id),
            credential_id: row.credential_id,
            user_handle: row.user_handle,
            name: row.name,
            credential: row.credential,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct CeremonyRow {
    id: String,
    purpose: String,
    user_id: Option<i64>,
    state: String,
    expires_at: i64,
}

#[async_trait]
impl PasskeyStore for SqlStore {
    async fn create_ceremony(&self, ceremony: &CeremonyRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO passkey_ceremonies (id, purpose, user_id, state, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&ceremony.id)
        .bind(&ceremony.purpose)
        .bind(ceremony.user_id.map(|user| user.0))
        .bind(&ceremony.state)
        .bind(ceremony.expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn take_ceremony(
        &self,
        id: &str,
        purpose: &str,
        now: Millis,
    ) -> StoreResult<Option<CeremonyRecord>> {
        let row: Option<CeremonyRow> = sqlx::query_as(
            "DELETE FROM passkey_ceremonies WHERE id = $1 AND purpose = $2 \
             RETURNING id, purpose, user_id, state, expires_at",
        )
        .bind(id)
        .bind(purpose)
        .fetch_optional(self.pool())
        .await?;
        Ok(row
            .filter(|row| row.expires_at > now)
            .map(|row| CeremonyRecord {
                id: row.id,
                purpose: row.purpose,
                user_id: row.user_id.map(UserId),
                state: row.state,
                expires_at: row.expires_at,
            }))
    }

    async fn passkeys_of(&self, user: UserId) -> StoreResult<Vec<PasskeyRecord>> {
        let rows: Vec<PasskeyRow> = sqlx::query_as(select_passkeys!(
            "WHERE user_id = $1 ORDER BY created_at, id"
        ))
        .bind(user.0)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn passkey_by_credential(
        &self,
        credential_id: &str,
    ) -> StoreResult<Option<PasskeyRecord>> {
        let row: Option<PasskeyRow> = sqlx::query_as(select_passkeys!("WHERE credential_id = $1"))
            .bind(credential_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(Into::into))
    }

    async fn add_passkey(
        &self,
        user: UserId,
        passkey: NewPasskey<'_>,
        max: u32,
    ) -> StoreResult<Added> {
        let mut tx = lock_account(self, user, passkey.now).await?;
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM passkeys WHERE user_id = $1")
            .bind(user.0)
            .fetch_one(&mut *tx)
            .await?;
        if count >= i64::from(max) {
            return Ok(Added::AtLimit);
        }
        let inserted = sqlx::query_as::<_, PasskeyRow>(
            "INSERT INTO passkeys (id, user_id, credential_id, user_handle, name, credential, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (credential_id) DO NOTHING \
             RETURNING id, user_id, credential_id, user_handle, name, credential, created_at, last_used_at",
        )
        .bind(passkey.id)
        .bind(user.0)
        .bind(passkey.credential_id)
        .bind(passkey.user_handle)
        .bind(passkey.name)
        .bind(passkey.credential)
        .bind(passkey.now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = inserted else {
            return Ok(Added::CredentialTaken);
        };
        tx.commit().await?;
        Ok(Added::Added(row.into()))
    }

    async fn rename_passkey(
        &self,
        user: UserId,
        id: &str,
        name: &str,
    ) -> StoreResult<Option<PasskeyRecord>> {
        let row: Option<PasskeyRow> = sqlx::query_as(
            "UPDATE passkeys SET name = $3 WHERE id = $1 AND user_id = $2 \
             RETURNING id, user_id, credential_id, user_handle, name, credential, created_at, last_used_at",
        )
        .bind(id)
        .bind(user.0)
        .bind(name)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(Into::into))
    }

    async fn record_passkey_use(
        &self,
        id: &str,
        credential: Option<&str>,
        now: Millis,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE passkeys SET last_used_at = $2, credential = COALESCE($3, credential) \
             WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .bind(credential)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn remove_passkey(&self, user: UserId, id: &str, now: Millis) -> StoreResult<Removal> {
        let removal = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user.0);
        remove_sign_in_method(self, user, now, removal).await
    }

    async fn prune_ceremonies(&self, now: Millis) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM passkey_ceremonies WHERE expires_at <= $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
