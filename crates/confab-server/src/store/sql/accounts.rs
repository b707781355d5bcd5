//! [`Store`] for [`SqlStore`]: accounts, device sessions, refresh tokens, sign-in
//! throttling and server secrets.

use super::SqlStore;
use super::rows::map_unique_violation;
use super::sign_in_methods::remove_sign_in_method;
use crate::clock::Millis;
use crate::store::search::fold;
use crate::store::{
    FailureCount, NewSession, NewUser, ProfileChanges, RefreshOutcome, RefreshRotation, Removal,
    RevokeReason, SessionRecord, Store, StoreResult, UserRecord, UserSearch,
};
use async_trait::async_trait;
use confab_proto::{SessionId, UserId};

/// Every user column, as [`UserRow`] reads them.
macro_rules! user_columns {
    () => {
        "id, username, display_name, status_text, avatar_file_id, password_hash, \
         discoverable, created_at, updated_at"
    };
}

/// Builds a `SELECT` of every user column followed by `$rest`.
macro_rules! select_users {
    ($rest:expr) => {
        concat!("SELECT ", user_columns!(), " FROM users ", $rest)
    };
}

/// The condition on `users` under which the user bound as `$V` may find a row:
/// the account is discoverable, is the viewer, shares or shared a room with them, or
/// one of the two has a pending invitation from the other (so that the invited know
/// who asks, and whoever asked knows whom).
macro_rules! visible_to {
    ($viewer:literal) => {
        concat!(
            "(users.discoverable = 1 OR users.id = ",
            $viewer,
            " OR EXISTS (SELECT 1 FROM room_members mine JOIN room_members theirs \
             ON theirs.room_id = mine.room_id \
             WHERE mine.user_id = ",
            $viewer,
            " AND theirs.user_id = users.id) \
             OR EXISTS (SELECT 1 FROM invitations i WHERE (i.user_id = ",
            $viewer,
            " AND i.invited_by = users.id) OR (i.invited_by = ",
            $viewer,
            " AND i.user_id = users.id)))"
        )
    };
}

/// Builds a `SELECT` of every session column followed by `$rest`.
macro_rules! select_sessions {
    ($rest:literal) => {
        concat!(
            "SELECT id, user_id, device_name, user_agent, ip, created_at, last_seen_at, ",
            "expires_at, revoked_at, sign_in_method FROM device_sessions ",
            $rest
        )
    };
}

/// Inserts an account; [`StoreError::Conflict`](crate::store::StoreError::Conflict)
/// if its username key is taken.
/// `text` for a `LIKE` pattern with `\\` as the escape: `%`, `_` and `\\` match
/// themselves.
fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(super) async fn insert_user<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user: NewUser<'_>,
) -> StoreResult<UserRecord> {
    let row: UserRow = sqlx::query_as(concat!(
        "INSERT INTO users (username, username_key, display_name, password_hash, created_at, updated_at, display_name_key) \
         VALUES ($1, $2, $3, $4, $5, $5, $6) \
         RETURNING ",
        user_columns!()
    ))
    .bind(user.username)
    .bind(user.username_key)
    .bind(user.display_name)
    .bind(user.password_hash)
    .bind(user.now)
    .bind(fold(user.display_name))
    .fetch_one(executor)
    .await
    .map_err(map_unique_violation)?;
    Ok(row.into())
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    status_text: String,
    avatar_file_id: Option<String>,
    password_hash: Option<String>,
    discoverable: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<UserRow> for UserRecord {
    fn from(row: UserRow) -> Self {
        Self {
            id: UserId(row.id),
            username: row.username,
            display_name: row.display_name,
            status_text: row.status_text,
            avatar_file_id: row.avatar_file_id,
            password_hash: row.password_hash,
            discoverable: row.discoverable != 0,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    user_id: i64,
    device_name: String,
    user_agent: Option<String>,
    ip: Option<String>,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    sign_in_method: String,
}

impl From<SessionRow> for SessionRecord {
    fn from(row: SessionRow) -> Self {
        Self {
            id: SessionId(row.id),
            user_id: UserId(row.user_id),
            device_name: row.device_name,
            user_agent: row.user_agent,
            ip: row.ip,
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            sign_in_method: row.sign_in_method,
        }
    }
}

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(self.pool()).await?;
        Ok(())
    }

    async fn get_or_create_secret(
        &self,
        name: &str,
        generated: &str,
        now: Millis,
    ) -> StoreResult<String> {
        sqlx::query(
            "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(generated)
        .bind(now)
        .execute(self.pool())
        .await?;
        let value: String = sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(self.pool())
            .await?;
        Ok(value)
    }

    async fn create_user(&self, user: NewUser<'_>) -> StoreResult<UserRecord> {
        insert_user(self.pool(), user).await
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        let row: Option<UserRow> = sqlx::query_as(select_users!("WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(Into::into))
    }

    async fn user_by_username_key(&self, username_key: &str) -> StoreResult<Option<UserRecord>> {
        let row: Option<UserRow> = sqlx::query_as(select_users!("WHERE username_key = $1"))
            .bind(username_key)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(Into::into))
    }

    async fn find_users(
        &self,
        search: UserSearch<'_>,
        limit: u32,
        viewer: UserId,
    ) -> StoreResult<Vec<UserRecord>> {
        // A range scan on the unique index: every key that starts with the prefix sorts
        // between the prefix itself and the prefix followed by U+10FFFF. No username
        // key starts with "\u{10FFFF}": an impossible prefix matches nothing.
        let low = search.username_prefix.unwrap_or("\u{10FFFF}");
        let high = format!("{low}\u{10FFFF}");
        let word = like_escape(search.name_prefix);
        let rows: Vec<UserRow> = sqlx::query_as(select_users!(concat!(
            "WHERE ((username_key >= $1 AND username_key < $2) \
             OR display_name_key LIKE $5 ESCAPE '\\' OR display_name_key LIKE $6 ESCAPE '\\') AND ",
            visible_to!("$4"),
            " ORDER BY CASE WHEN username_key >= $1 AND username_key < $2 THEN 0 ELSE 1 END, \
             username_key LIMIT $3"
        )))
        .bind(low)
        .bind(high)
        .bind(i64::from(limit))
        .bind(viewer.0)
        .bind(format!("{word}%"))
        .bind(format!("% {word}%"))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn user_visible_to(&self, id: UserId, viewer: UserId) -> StoreResult<Option<UserRecord>> {
        let row: Option<UserRow> = sqlx::query_as(select_users!(concat!(
            "WHERE id = $1 AND ",
            visible_to!("$2")
        )))
        .bind(id.0)
        .bind(viewer.0)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(Into::into))
    }

    async fn update_profile(
        &self,
        id: UserId,
        changes: ProfileChanges<'_>,
        now: Millis,
    ) -> StoreResult<Option<UserRecord>> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "UPDATE users SET display_name = COALESCE($2, display_name), \
             display_name_key = COALESCE($8, display_name_key), \
             status_text = COALESCE($3, status_text), \
             discoverable = COALESCE($5, discoverable), \
             avatar_file_id = CASE WHEN $6 = 1 THEN $7 ELSE avatar_file_id END, \
             updated_at = $4 WHERE id = $1 \
             RETURNING ",
            user_columns!()
        ))
        .bind(id.0)
        .bind(changes.display_name)
        .bind(changes.status_text)
        .bind(now)
        .bind(changes.discoverable.map(i64::from))
        .bind(i64::from(changes.avatar_file_id.is_some()))
        .bind(changes.avatar_file_id.flatten())
        .bind(changes.display_name.map(fold))
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(Into::into))
    }

    async fn change_password(
        &self,
        id: UserId,
        password_hash: &str,
        keep_session: SessionId,
        now: Millis,
    ) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(id.0)
            .bind(password_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let revoked = revoke_others(
            &mut tx,
            id,
            keep_session,
            RevokeReason::PasswordChanged,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(revoked)
    }

    async fn remove_password(&self, id: UserId, now: Millis) -> StoreResult<Removal> {
        let removal = sqlx::query(
            "UPDATE users SET password_hash = NULL WHERE id = $1 AND password_hash IS NOT NULL",
        )
        .bind(id.0);
        remove_sign_in_method(self, id, now, removal).await
    }

    async fn create_session(&self, session: NewSession<'_>) -> StoreResult<SessionRecord> {
        let mut tx = self.begin_write().await?;
        let row: SessionRow = sqlx::query_as(
            "INSERT INTO device_sessions (user_id, device_name, user_agent, ip, created_at, last_seen_at, expires_at, sign_in_method) \
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7) \
             RETURNING id, user_id, device_name, user_agent, ip, created_at, last_seen_at, expires_at, revoked_at, sign_in_method",
        )
        .bind(session.user_id.0)
        .bind(session.device_name)
        .bind(session.user_agent)
        .bind(session.ip)
        .bind(session.now)
        .bind(session.expires_at)
        .bind(session.sign_in_method)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES ($1, $2, $3)",
        )
        .bind(session.refresh_token_hash)
        .bind(row.id)
        .bind(session.now)
        .execute(&mut *tx)
        .await
        .map_err(map_unique_violation)?;
        tx.commit().await?;
        Ok(row.into())
    }

    async fn session(&self, id: SessionId) -> StoreResult<Option<SessionRecord>> {
        let row: Option<SessionRow> = sqlx::query_as(select_sessions!("WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(Into::into))
    }

    async fn touch_session(&self, id: SessionId, now: Millis, ip: Option<&str>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE device_sessions SET last_seen_at = $2, ip = COALESCE($3, ip) WHERE id = $1",
        )
        .bind(id.0)
        .bind(now)
        .bind(ip)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn active_sessions(
        &self,
        user_id: UserId,
        now: Millis,
    ) -> StoreResult<Vec<SessionRecord>> {
        let rows: Vec<SessionRow> = sqlx::query_as(select_sessions!(
            "WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY last_seen_at DESC, id DESC"
        ))
        .bind(user_id.0)
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn revoke_session(
        &self,
        user_id: UserId,
        id: SessionId,
        reason: RevokeReason,
        now: Millis,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE device_sessions SET revoked_at = $3, revoke_reason = $4 \
             WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3",
        )
        .bind(id.0)
        .bind(user_id.0)
        .bind(now)
        .bind(reason.as_str())
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn revoke_other_sessions(
        &self,
        user_id: UserId,
        keep: SessionId,
        reason: RevokeReason,
        now: Millis,
    ) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let revoked = revoke_others(&mut tx, user_id, keep, reason, now).await?;
        tx.commit().await?;
        Ok(revoked)
    }

    async fn rotate_refresh_token(
        &self,
        rotation: RefreshRotation<'_>,
    ) -> StoreResult<RefreshOutcome> {
        let mut tx = self.begin_write().await?;
        // Write first: on SQLite this takes the write lock before anything is read, so
        // the transaction can never fail to upgrade from a stale read snapshot.
        let claimed: Option<i64> = sqlx::query_scalar(
            "UPDATE refresh_tokens SET rotated_at = $2 WHERE token_hash = $1 AND rotated_at IS NULL RETURNING session_id",
        )
        .bind(rotation.presented_hash)
        .bind(rotation.now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(session_id) = claimed else {
            let previous: Option<i64> =
                sqlx::query_scalar("SELECT session_id FROM refresh_tokens WHERE token_hash = $1")
                    .bind(rotation.presented_hash)
                    .fetch_optional(&mut *tx)
                    .await?;
            tx.rollback().await?;
            return Ok(match previous {
                Some(id) => RefreshOutcome::AlreadyRotated {
                    session_id: SessionId(id),
                },
                None => RefreshOutcome::Unknown,
            });
        };
        let session: Option<SessionRow> = sqlx::query_as(
            "UPDATE device_sessions SET expires_at = $2, last_seen_at = $3, ip = COALESCE($4, ip) \
             WHERE id = $1 AND revoked_at IS NULL AND expires_at > $3 \
             RETURNING id, user_id, device_name, user_agent, ip, created_at, last_seen_at, expires_at, revoked_at, sign_in_method",
        )
        .bind(session_id)
        .bind(rotation.new_expires_at)
        .bind(rotation.now)
        .bind(rotation.ip)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(session) = session else {
            tx.rollback().await?;
            return Ok(RefreshOutcome::SessionInactive);
        };
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES ($1, $2, $3)",
        )
        .bind(rotation.replacement_hash)
        .bind(session_id)
        .bind(rotation.now)
        .execute(&mut *tx)
        .await
        .map_err(map_unique_violation)?;
        sqlx::query("DELETE FROM refresh_tokens WHERE session_id = $1 AND rotated_at < $2")
            .bind(session_id)
            .bind(rotation.forget_rotated_before)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(RefreshOutcome::Rotated(session.into()))
    }

    async fn recent_failures(&self, key: &str, since: Millis) -> StoreResult<FailureCount> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT failures, last_failure_at FROM signin_failures WHERE throttle_key = $1 AND last_failure_at >= $2",
        )
        .bind(key)
        .bind(since)
        .fetch_optional(self.pool())
        .await?;
        Ok(failure_count(row))
    }

    async fn record_failure(
        &self,
        key: &str,
        now: Millis,
        since: Millis,
    ) -> StoreResult<FailureCount> {
        let row: (i64, i64) = sqlx::query_as(
            "INSERT INTO signin_failures (throttle_key, failures, last_failure_at) VALUES ($1, 1, $2) \
             ON CONFLICT (throttle_key) DO UPDATE SET \
               failures = CASE WHEN signin_failures.last_failure_at < $3 THEN 1 ELSE signin_failures.failures + 1 END, \
               last_failure_at = $2 \
             RETURNING failures, last_failure_at",
        )
        .bind(key)
        .bind(now)
        .bind(since)
        .fetch_one(self.pool())
        .await?;
        Ok(failure_count(Some(row)))
    }

    async fn clear_failures(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM signin_failures WHERE throttle_key = $1")
            .bind(key)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn prune(
        &self,
        failures_before: Millis,
        sessions_ended_before: Millis,
    ) -> StoreResult<u64> {
        let failures = sqlx::query("DELETE FROM signin_failures WHERE last_failure_at < $1")
            .bind(failures_before)
            .execute(self.pool())
            .await?
            .rows_affected();
        let tokens = sqlx::query(
            "DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM device_sessions \
             WHERE COALESCE(revoked_at, expires_at) < $1)",
        )
        .bind(sessions_ended_before)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(failures + tokens)
    }
}

async fn revoke_others(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: UserId,
    keep: SessionId,
    reason: RevokeReason,
    now: Millis,
) -> StoreResult<u64> {
    let result = sqlx::query(
        "UPDATE device_sessions SET revoked_at = $3, revoke_reason = $4 \
         WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL AND expires_at > $3",
    )
    .bind(user_id.0)
    .bind(keep.0)
    .bind(now)
    .bind(reason.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected())
}

fn failure_count(row: Option<(i64, i64)>) -> FailureCount {
    match row {
        Some((failures, last_failure_at)) => FailureCount {
            failures: u32::try_from(failures).unwrap_or(u32::MAX),
            last_failure_at,
        },
        None => FailureCount {
            failures: 0,
            last_failure_at: 0,
        },
    }
}
