//! [`IdentityStore`] for [`SqlStore`]: identities linked to accounts, and provider
//! flows.

use super::SqlStore;
use super::accounts::insert_user;
use super::rows::map_unique_violation;
use super::sign_in_methods::remove_sign_in_method;
use crate::clock::Millis;
use crate::store::identities::{FlowRecord, IdentityRecord, IdentityStore, NewIdentity};
use crate::store::{NewUser, Removal, StoreResult, UserRecord};
use async_trait::async_trait;
use confab_proto::UserId;

/// Builds a `SELECT` of every identity column followed by `$rest`.
macro_rules! select_identities {
    ($rest:literal) => {
        concat!(
            "SELECT id, user_id, provider_id, subject, label, created_at, last_used_at \
             FROM linked_identities ",
            $rest
        )
    };
}

/// Builds a `SELECT` of every flow column followed by `$rest`.
macro_rules! select_flows {
    ($rest:literal) => {
        concat!(
            "SELECT id, state_hash, provider_id, intent, user_id, nonce, pkce_verifier, \
             redirect_uri, identity, expires_at FROM provider_flows ",
            $rest
        )
    };
}

#[derive(sqlx::FromRow)]
struct IdentityRow {
    id: String,
    user_id: i64,
    provider_id: String,
    subject: String,
    label: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl From<IdentityRow> for IdentityRecord {
    fn from(row: IdentityRow) -> Self {
        Self {
            id: row.id,
            user_id: UserId(row.user_id),
            provider_id: row.provider_id,
            subject: row.subject,
            label: row.label,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct FlowRow {
    id: String,
    state_hash: String,
    provider_id: String,
    intent: String,
    user_id: Option<i64>,
    nonce: String,
    pkce_verifier: String,
    redirect_uri: String,
    identity: Option<String>,
    expires_at: i64,
}

impl From<FlowRow> for FlowRecord {
    fn from(row: FlowRow) -> Self {
        Self {
            id: row.id,
            state_hash: row.state_hash,
            provider_id: row.provider_id,
            intent: row.intent,
            user_id: row.user_id.map(UserId),
            nonce: row.nonce,
            pkce_verifier: row.pkce_verifier,
            redirect_uri: row.redirect_uri,
            identity: row.identity,
            expires_at: row.expires_at,
        }
    }
}

/// Inserts an identity of `user`; `Conflict` if it is linked already.
async fn insert_identity<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user: UserId,
    identity: NewIdentity<'_>,
) -> StoreResult<IdentityRecord> {
    let row: IdentityRow = sqlx::query_as(
        "INSERT INTO linked_identities (id, user_id, provider_id, subject, label, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         RETURNING id, user_id, provider_id, subject, label, created_at, last_used_at",
    )
    .bind(identity.id)
    .bind(user.0)
    .bind(identity.provider_id)
    .bind(identity.subject)
    .bind(identity.label)
    .bind(identity.now)
    .fetch_one(executor)
    .await
    .map_err(map_unique_violation)?;
    Ok(row.into())
}

#[async_trait]
impl IdentityStore for SqlStore {
    async fn create_flow(&self, flow: &FlowRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO provider_flows (id, state_hash, provider_id, intent, user_id, nonce, \
             pkce_verifier, redirect_uri, identity, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&flow.id)
        .bind(&flow.state_hash)
        .bind(&flow.provider_id)
        .bind(&flow.intent)
        .bind(flow.user_id.map(|u| u.0))
        .bind(&flow.nonce)
        .bind(&flow.pkce_verifier)
        .bind(&flow.redirect_uri)
        .bind(flow.identity.as_deref())
        .bind(flow.expires_at)
        .execute(self.pool())
        .await
        .map_err(map_unique_violation)?;
        Ok(())
    }

    async fn flow_awaiting_callback(
        &self,
        state_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<FlowRecord>> {
        let row: Option<FlowRow> = sqlx::query_as(select_flows!(
            "WHERE state_hash = $1 AND expires_at > $2 AND identity IS NULL"
        ))
        .bind(state_hash)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(Into::into))
    }

    async fn record_flow_identity(&self, id: &str, identity: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE provider_flows SET identity = $2 WHERE id = $1 AND identity IS NULL",
        )
        .bind(id)
        .bind(identity)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn flow(&self, id: &str, now: Millis) -> StoreResult<Option<FlowRecord>> {
        let row: Option<FlowRow> =
            sqlx::query_as(select_flows!("WHERE id = $1 AND expires_at > $2"))
                .bind(id)
                .bind(now)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(Into::into))
    }

    async fn delete_flow(&self, id: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM provider_flows WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn identity(
        &self,
        provider_id: &str,
        subject: &str,
    ) -> StoreResult<Option<IdentityRecord>> {
        let row: Option<IdentityRow> = sqlx::query_as(select_identities!(
            "WHERE provider_id = $1 AND subject = $2"
        ))
        .bind(provider_id)
        .bind(subject)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(Into::into))
    }

    async fn identities_of(&self, user: UserId) -> StoreResult<Vec<IdentityRecord>> {
        let rows: Vec<IdentityRow> = sqlx::query_as(select_identities!(
            "WHERE user_id = $1 ORDER BY created_at, id"
        ))
        .bind(user.0)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn link_identity(
        &self,
        user: UserId,
        identity: NewIdentity<'_>,
    ) -> StoreResult<IdentityRecord> {
        insert_identity(self.pool(), user, identity).await
    }

    async fn create_user_with_identity(
        &self,
        user: NewUser<'_>,
        identity: NewIdentity<'_>,
    ) -> StoreResult<(UserRecord, IdentityRecord)> {
        let mut tx = self.begin_write().await?;
        let account = insert_user(&mut *tx, user).await?;
        let linked = insert_identity(&mut *tx, account.id, identity).await?;
        tx.commit().await?;
        Ok((account, linked))
    }

    async fn touch_identity(&self, id: &str, now: Millis) -> StoreResult<()> {
        sqlx::query("UPDATE linked_identities SET last_used_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn unlink_identity(&self, user: UserId, id: &str, now: Millis) -> StoreResult<Removal> {
        let removal = sqlx::query("DELETE FROM linked_identities WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user.0);
        remove_sign_in_method(self, user, now, removal).await
    }

    async fn prune_flows(&self, now: Millis) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM provider_flows WHERE expires_at <= $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
