//! [`NotificationStore`] for [`SqlStore`]: the trait's methods (most delegate to
//! `notifications`), leases, and push subscriptions, due pushes and retries.

use super::SqlStore;
use super::notifications::{NOTIFICATION_COLUMNS, NotificationRow, RETURNED_COLUMNS};
use crate::clock::Millis;
use crate::store::StoreResult;
use crate::store::notifications::{
    CommittedBatch, NotificationRecord, NotificationStore, NotifierBatch, PushJob,
    PushSubscriptionRecord, ReadSelection, RoomContext, SettingsRecord,
};
use async_trait::async_trait;
use confab_proto::notifications::NotificationLevel;
use confab_proto::{EventId, RoomId, SessionId, UserId};
use sqlx::FromRow;

const SUBSCRIPTION_COLUMNS: &str =
    "s.id, s.user_id, s.session_id, s.endpoint, s.p256dh, s.auth, s.created_at";
const RETURNED_SUBSCRIPTION_COLUMNS: &str =
    "id, user_id, session_id, endpoint, p256dh, auth, created_at";

#[derive(FromRow)]
struct SubscriptionRow {
    id: i64,
    user_id: i64,
    session_id: i64,
    endpoint: String,
    p256dh: String,
    auth: String,
    created_at: i64,
}

impl From<SubscriptionRow> for PushSubscriptionRecord {
    fn from(row: SubscriptionRow) -> Self {
        Self {
            id: row.id,
            user_id: UserId(row.user_id),
            session_id: SessionId(row.session_id),
            endpoint: row.endpoint,
            p256dh: row.p256dh,
            auth: row.auth,
            created_at: row.created_at,
        }
    }
}

#[async_trait]
impl NotificationStore for SqlStore {
    async fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        now: Millis,
        until: Millis,
    ) -> StoreResult<bool> {
        let held: Option<String> = sqlx::query_scalar(
            "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE leases.holder = excluded.holder OR leases.expires_at <= $4 \
             RETURNING holder",
        )
        .bind(name)
        .bind(holder)
        .bind(until)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        Ok(held.is_some())
    }

    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn log_cursor(&self, name: &str) -> StoreResult<EventId> {
        self.notifier_cursor(name).await
    }

    async fn commit_notifier_batch(
        &self,
        name: &str,
        batch: &NotifierBatch,
        now: Millis,
    ) -> StoreResult<Option<CommittedBatch>> {
        self.commit_batch(name, batch, now).await
    }

    async fn room_context(
        &self,
        room: RoomId,
        extra: &[UserId],
    ) -> StoreResult<Option<RoomContext>> {
        self.load_room_context(room, extra).await
    }

    async fn message_author(&self, room: RoomId, seq: i64) -> StoreResult<Option<UserId>> {
        self.load_message_author(room, seq).await
    }

    async fn notifications(
        &self,
        user: UserId,
        before: Option<i64>,
        limit: u32,
        unread_only: bool,
    ) -> StoreResult<Vec<NotificationRecord>> {
        self.list_notifications(user, before, limit, unread_only)
            .await
    }

    async fn notification(&self, user: UserId, id: i64) -> StoreResult<Option<NotificationRecord>> {
        self.one_notification(user, id).await
    }

    async fn unread_notifications(&self, user: UserId, cap: i64) -> StoreResult<i64> {
        self.count_unread(user, cap).await
    }

    async fn mark_notifications_read(
        &self,
        user: UserId,
        which: &ReadSelection,
        now: Millis,
    ) -> StoreResult<u64> {
        self.mark_read(user, which, now).await
    }

    async fn prune_notifications(&self, cutoff: Millis) -> StoreResult<u64> {
        self.prune_old_notifications(cutoff).await
    }

    async fn set_room_level(
        &self,
        room: RoomId,
        user: UserId,
        level: Option<NotificationLevel>,
    ) -> StoreResult<bool> {
        self.store_room_level(room, user, level).await
    }

    async fn room_level(
        &self,
        room: RoomId,
        user: UserId,
    ) -> StoreResult<Option<Option<NotificationLevel>>> {
        self.load_room_level(room, user).await
    }

    async fn settings(&self, user: UserId) -> StoreResult<SettingsRecord> {
        self.load_settings(user).await
    }

    async fn set_settings(&self, user: UserId, settings: &SettingsRecord) -> StoreResult<()> {
        self.store_settings(user, settings).await
    }

    async fn add_push_subscription(
        &self,
        subscription: &PushSubscriptionRecord,
        max: usize,
    ) -> StoreResult<Option<PushSubscriptionRecord>> {
        let mut tx = self.begin_write().await?;
        let others: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM push_subscriptions WHERE user_id = $1 AND endpoint <> $2",
        )
        .bind(subscription.user_id.0)
        .bind(&subscription.endpoint)
        .fetch_one(&mut *tx)
        .await?;
        if others >= max as i64 {
            return Ok(None);
        }
        // An endpoint belongs to one browser profile: registering it again (perhaps
        // after another account signed in there) moves it to this user and session.
        let row: SubscriptionRow = sqlx::query_as(&format!(
            "INSERT INTO push_subscriptions (user_id, session_id, endpoint, p256dh, auth, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (endpoint) DO UPDATE \
             SET user_id = $1, session_id = $2, p256dh = $4, auth = $5, created_at = $6 \
             RETURNING {RETURNED_SUBSCRIPTION_COLUMNS}"
        ))
        .bind(subscription.user_id.0)
        .bind(subscription.session_id.0)
        .bind(&subscription.endpoint)
        .bind(&subscription.p256dh)
        .bind(&subscription.auth)
        .bind(subscription.created_at)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(row.into()))
    }

    async fn push_subscriptions(&self, user: UserId) -> StoreResult<Vec<PushSubscriptionRecord>> {
        // Subscriptions of ended sessions are not used (and go with the session row).
        let rows: Vec<SubscriptionRow> = sqlx::query_as(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM push_subscriptions s \
             JOIN device_sessions d ON d.id = s.session_id AND d.revoked_at IS NULL \
             WHERE s.user_id = $1 ORDER BY s.id"
        ))
        .bind(user.0)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn remove_push_subscription(&self, user: Option<UserId>, id: i64) -> StoreResult<bool> {
        let removed = match user {
            Some(user) => {
                sqlx::query("DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2")
                    .bind(id)
                    .bind(user.0)
                    .execute(self.pool())
                    .await?
            }
            None => {
                sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
                    .bind(id)
                    .execute(self.pool())
                    .await?
            }
        };
        Ok(removed.rows_affected() == 1)
    }

    async fn take_due_pushes(
        &self,
        now: Millis,
        limit: u32,
    ) -> StoreResult<Vec<NotificationRecord>> {
        let mut tx = self.begin_write().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM notifications WHERE push_at IS NOT NULL AND push_at <= $1 ORDER BY push_at LIMIT $2",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        let mut taken = Vec::with_capacity(ids.len());
        for id in ids {
            // Whoever clears `push_at` owns the push; another node's update finds it
            // cleared and takes nothing.
            let row: Option<NotificationRow> = sqlx::query_as(&format!(
                "UPDATE notifications SET push_at = NULL WHERE id = $1 AND push_at IS NOT NULL \
                 RETURNING {RETURNED_COLUMNS}"
            ))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = row {
                taken.push(row.try_into()?);
            }
        }
        tx.commit().await?;
        Ok(taken)
    }

    async fn schedule_push_retry(
        &self,
        notification: i64,
        subscription: i64,
        attempts: u32,
        due_at: Millis,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO push_retries (notification_id, subscription_id, attempts, due_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (notification_id, subscription_id) \
             DO UPDATE SET attempts = $3, due_at = $4",
        )
        .bind(notification)
        .bind(subscription)
        .bind(i64::from(attempts))
        .bind(due_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn take_due_retries(&self, now: Millis, limit: u32) -> StoreResult<Vec<PushJob>> {
        let mut tx = self.begin_write().await?;
        let due: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT notification_id, subscription_id, attempts FROM push_retries \
             WHERE due_at <= $1 ORDER BY due_at LIMIT $2",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        let mut jobs = Vec::with_capacity(due.len());
        for (notification_id, subscription_id, attempts) in due {
            let taken = sqlx::query(
                "DELETE FROM push_retries WHERE notification_id = $1 AND subscription_id = $2 AND attempts = $3",
            )
            .bind(notification_id)
            .bind(subscription_id)
            .bind(attempts)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if taken == 0 {
                continue;
            }
            let notification: Option<NotificationRow> = sqlx::query_as(&format!(
                "SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.id = $1"
            ))
            .bind(notification_id)
            .fetch_optional(&mut *tx)
            .await?;
            let subscription: Option<SubscriptionRow> = sqlx::query_as(&format!(
                "SELECT {SUBSCRIPTION_COLUMNS} FROM push_subscriptions s WHERE s.id = $1"
            ))
            .bind(subscription_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let (Some(notification), Some(subscription)) = (notification, subscription) {
                jobs.push(PushJob {
                    notification: notification.try_into()?,
                    subscription: subscription.into(),
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                });
            }
        }
        tx.commit().await?;
        Ok(jobs)
    }
}
