//! [`TwoFactorStore`] for [`SqlStore`]: authenticator secrets and recovery codes.

use super::SqlStore;
use crate::clock::Millis;
use crate::store::StoreError;
use crate::store::StoreResult;
use crate::store::two_factor::{TotpRecord, TwoFactorStore};
use async_trait::async_trait;
use confab_proto::UserId;
use sqlx::{Any, Transaction};

#[derive(sqlx::FromRow)]
struct TotpRow {
    secret: String,
    confirmed_at: Option<i64>,
    last_used_step: i64,
}

#[async_trait]
impl TwoFactorStore for SqlStore {
    async fn totp(&self, user: UserId) -> StoreResult<Option<TotpRecord>> {
        let row: Option<TotpRow> = sqlx::query_as(
            "SELECT secret, confirmed_at, last_used_step FROM totp_credentials WHERE user_id = $1",
        )
        .bind(user.0)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|row| TotpRecord {
            secret: row.secret,
            confirmed: row.confirmed_at.is_some(),
            last_used_step: row.last_used_step,
        }))
    }

    async fn begin_totp(&self, user: UserId, secret: &str, now: Millis) -> StoreResult<()> {
        // A confirmed secret is left alone: the update's condition fails, and the
        // conflict is reported.
        let result = sqlx::query(
            "INSERT INTO totp_credentials (user_id, secret, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, \
             created_at = excluded.created_at, last_used_step = 0 \
             WHERE totp_credentials.confirmed_at IS NULL",
        )
        .bind(user.0)
        .bind(secret)
        .bind(now)
        .execute(self.pool())
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        Ok(())
    }

    async fn confirm_totp(
        &self,
        user: UserId,
        step: i64,
        recovery_code_hashes: &[String],
        now: Millis,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let confirmed = sqlx::query(
            "UPDATE totp_credentials SET confirmed_at = $2, last_used_step = $3 \
             WHERE user_id = $1 AND confirmed_at IS NULL",
        )
        .bind(user.0)
        .bind(now)
        .bind(step)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !confirmed {
            return Ok(false);
        }
        insert_recovery_codes(&mut tx, user, recovery_code_hashes).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn use_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE totp_credentials SET last_used_step = $2 \
             WHERE user_id = $1 AND confirmed_at IS NOT NULL AND last_used_step < $2",
        )
        .bind(user.0)
        .bind(step)
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn use_recovery_code(
        &self,
        user: UserId,
        code_hash: &str,
        now: Millis,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE recovery_codes SET used_at = $3 \
             WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user.0)
        .bind(code_hash)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn recovery_codes_left(&self, user: UserId) -> StoreResult<u32> {
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user.0)
        .fetch_one(self.pool())
        .await?;
        Ok(u32::try_from(left).unwrap_or(u32::MAX))
    }

    async fn replace_recovery_codes(
        &self,
        user: UserId,
        code_hashes: &[String],
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        insert_recovery_codes(&mut tx, user, code_hashes).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn disable_two_factor(&self, user: UserId) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for table in ["totp_credentials", "recovery_codes"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Replaces the user's recovery codes with `code_hashes`, inside `tx`.
async fn insert_recovery_codes(
    tx: &mut Transaction<'_, Any>,
    user: UserId,
    code_hashes: &[String],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user.0)
        .execute(&mut **tx)
        .await?;
    for hash in code_hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user.0)
            .bind(hash)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
