//! [`MlsStore`] for [`SqlStore`]: devices' signature keys, key packages, the groups
//! of encrypted rooms and Welcomes. Commits and encrypted messages are room changes
//! (`mls_changes`).

use super::SqlStore;
use super::mls_changes::{due, leaves_with_owners, live_session};
use super::rows::{EventRow, select_events};
use crate::clock::Millis;
use crate::store::StoreResult;
use crate::store::events::{EventRecord, LeafRecord};
use crate::store::mls::{
    Claimed, DeviceRecord, GroupRecord, MlsStore, Registered, Stock, WelcomeRecord,
};
use async_trait::async_trait;
use confab_proto::{RoomId, SessionId, UserId};

/// How often a claim tries again when a concurrent claim took the key package it
/// picked.
const CLAIM_ATTEMPTS: usize = 8;

type DeviceRow = (i64, i64, String, i64);

fn device(row: DeviceRow) -> DeviceRecord {
    let (session, user, signature_key, created_at) = row;
    DeviceRecord {
        session_id: SessionId(session),
        user_id: UserId(user),
        signature_key,
        created_at,
    }
}

fn leaf(row: (i64, i64, i64)) -> LeafRecord {
    let (index, user, session) = row;
    LeafRecord {
        leaf_index: u32::try_from(index).unwrap_or(u32::MAX),
        user_id: UserId(user),
        device_id: session,
    }
}

#[async_trait]
impl MlsStore for SqlStore {
    async fn register_device(&self, device: &DeviceRecord) -> StoreResult<Registered> {
        let inserted = sqlx::query(
            "INSERT INTO mls_devices (session_id, user_id, signature_key, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (session_id) DO NOTHING",
        )
        .bind(device.session_id.0)
        .bind(device.user_id.0)
        .bind(&device.signature_key)
        .bind(device.created_at)
        .execute(self.pool())
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(Registered::New);
        }
        let key: Option<String> =
            sqlx::query_scalar("SELECT signature_key FROM mls_devices WHERE session_id = $1")
                .bind(device.session_id.0)
                .fetch_optional(self.pool())
                .await?;
        Ok(if key.as_deref() == Some(device.signature_key.as_str()) {
            Registered::Same
        } else {
            Registered::Different
        })
    }

    async fn device(&self, session: SessionId, now: Millis) -> StoreResult<Option<DeviceRecord>> {
        let row: Option<DeviceRow> = sqlx::query_as(concat!(
            "SELECT d.session_id, d.user_id, d.signature_key, d.created_at FROM mls_devices d ",
            live_session!("d.session_id"),
            " WHERE d.session_id = $1"
        ))
        .bind(session.0)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(device))
    }

    async fn devices_of(&self, user: UserId, now: Millis) -> StoreResult<Vec<DeviceRecord>> {
        let rows: Vec<DeviceRow> = sqlx::query_as(concat!(
            "SELECT d.session_id, d.user_id, d.signature_key, d.created_at FROM mls_devices d ",
            live_session!("d.session_id"),
            " WHERE d.user_id = $1 ORDER BY d.session_id"
        ))
        .bind(user.0)
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(device).collect())
    }

    async fn add_key_packages(
        &self,
        session: SessionId,
        one_time: &[String],
        last_resort: Option<&str>,
        max_one_time: i64,
        now: Millis,
    ) -> StoreResult<Option<Stock>> {
        let mut tx = self.begin_write().await?;
        // Lock the device's row so that two uploads cannot both pass the limit.
        sqlx::query("UPDATE mls_devices SET created_at = created_at WHERE session_id = $1")
            .bind(session.0)
            .execute(&mut *tx)
            .await?;
        let stocked: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM mls_key_packages WHERE session_id = $1 AND last_resort = 0",
        )
        .bind(session.0)
        .fetch_one(&mut *tx)
        .await?;
        if stocked + one_time.len() as i64 > max_one_time {
            return Ok(None);
        }
        for key_package in one_time {
            sqlx::query(
                "INSERT INTO mls_key_packages (session_id, last_resort, key_package, created_at) VALUES ($1, 0, $2, $3)",
            )
            .bind(session.0)
            .bind(key_package)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(key_package) = last_resort {
            sqlx::query("DELETE FROM mls_key_packages WHERE session_id = $1 AND last_resort = 1")
                .bind(session.0)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO mls_key_packages (session_id, last_resort, key_package, created_at) VALUES ($1, 1, $2, $3)",
            )
            .bind(session.0)
            .bind(key_package)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(self.stock(session).await?))
    }

    async fn stock(&self, session: SessionId) -> StoreResult<Stock> {
        let (one_time, last_resort): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(1 - last_resort), 0) AS BIGINT), \
             CAST(COALESCE(SUM(last_resort), 0) AS BIGINT) FROM mls_key_packages WHERE session_id = $1",
        )
        .bind(session.0)
        .fetch_one(self.pool())
        .await?;
        Ok(Stock {
            one_time,
            last_resort: last_resort > 0,
        })
    }

    async fn claim(
        &self,
        users: &[UserId],
        except: SessionId,
        now: Millis,
    ) -> StoreResult<Vec<Claimed>> {
        let mut claimed = Vec::new();
        for &user in users {
            for device in self.devices_of(user, now).await? {
                if device.session_id == except {
                    continue;
                }
                if let Some(taken) = self.claim_one(device.session_id).await? {
                    let one_time_left = self.stock(device.session_id).await?.one_time;
                    let (key_package, last_resort) = taken;
                    claimed.push(Claimed {
                        user_id: user,
                        session_id: device.session_id,
                        key_package,
                        one_time_left,
                        last_resort,
                    });
                }
            }
        }
        Ok(claimed)
    }

    async fn group(&self, room: RoomId, now: Millis) -> StoreResult<Option<GroupRecord>> {
        let epoch: Option<i64> =
            sqlx::query_scalar("SELECT epoch FROM mls_groups WHERE room_id = $1")
                .bind(room.0)
                .fetch_optional(self.pool())
                .await?;
        let Some(epoch) = epoch else {
            return Ok(None);
        };
        let leaves: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT leaf_index, user_id, session_id FROM mls_leaves WHERE room_id = $1 ORDER BY leaf_index",
        )
        .bind(room.0)
        .fetch_all(self.pool())
        .await?;
        let to_remove: Vec<(i64, i64, i64)> = sqlx::query_as(concat!(
            "SELECT l.leaf_index, l.user_id, l.session_id ",
            leaves_with_owners!(),
            "WHERE l.room_id = $1 AND ",
            due!(),
            " ORDER BY l.leaf_index"
        ))
        .bind(room.0)
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        let to_add: Vec<(i64, i64)> = sqlx::query_as(concat!(
            "SELECT d.user_id, d.session_id FROM mls_devices d ",
            live_session!("d.session_id"),
            " JOIN room_members m ON m.room_id = $1 AND m.user_id = d.user_id AND m.left_seq IS NULL",
            " WHERE NOT EXISTS (SELECT 1 FROM mls_leaves l WHERE l.room_id = $1 AND l.session_id = d.session_id)",
            " ORDER BY d.user_id, d.session_id"
        ))
        .bind(room.0)
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        Ok(Some(GroupRecord {
            epoch,
            leaves: leaves.into_iter().map(leaf).collect(),
            to_remove: to_remove.into_iter().map(leaf).collect(),
            to_add: to_add
                .into_iter()
                .map(|(user, session)| (UserId(user), SessionId(session)))
                .collect(),
        }))
    }

    async fn create_group(&self, room: RoomId, creator: LeafRecord) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let created = sqlx::query(
            "INSERT INTO mls_groups (room_id, epoch) VALUES ($1, 0) ON CONFLICT (room_id) DO NOTHING",
        )
        .bind(room.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if created == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO mls_leaves (room_id, leaf_index, user_id, session_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(room.0)
        .bind(i64::from(creator.leaf_index))
        .bind(creator.user_id.0)
        .bind(creator.device_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn commits_after(
        &self,
        room: RoomId,
        epoch: i64,
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>> {
        let rows: Vec<EventRow> = sqlx::query_as(select_events!(
            "JOIN mls_commits c ON c.room_id = e.room_id AND c.seq = e.seq ",
            "WHERE c.room_id = $1 AND c.epoch > $2 ORDER BY c.epoch LIMIT $3"
        ))
        .bind(room.0)
        .bind(epoch)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn welcomes(&self, session: SessionId) -> StoreResult<Vec<WelcomeRecord>> {
        let rows: Vec<(i64, i64, i64, String, i64)> = sqlx::query_as(
            "SELECT id, room_id, epoch, welcome, created_at FROM mls_welcomes WHERE session_id = $1 ORDER BY id",
        )
        .bind(session.0)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, room, epoch, welcome, created_at)| WelcomeRecord {
                id,
                room_id: RoomId(room),
                epoch,
                welcome,
                created_at,
            })
            .collect())
    }

    async fn take_welcome(&self, session: SessionId, id: i64) -> StoreResult<bool> {
        let deleted = sqlx::query("DELETE FROM mls_welcomes WHERE id = $1 AND session_id = $2")
            .bind(id)
            .bind(session.0)
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(deleted == 1)
    }
}

impl SqlStore {
    /// Takes the device's oldest one-time key package, or else reads its last-resort
    /// one: the key package and whether it was the last-resort one.
    async fn claim_one(&self, session: SessionId) -> StoreResult<Option<(String, bool)>> {
        for _ in 0..CLAIM_ATTEMPTS {
            let oldest: Option<(i64, String)> = sqlx::query_as(
                "SELECT id, key_package FROM mls_key_packages WHERE session_id = $1 AND last_resort = 0 \
                 ORDER BY id LIMIT 1",
            )
            .bind(session.0)
            .fetch_optional(self.pool())
            .await?;
            let Some((id, key_package)) = oldest else {
                break;
            };
            // Whoever deletes the row owns it; a concurrent claim that lost picks again.
            let taken = sqlx::query("DELETE FROM mls_key_packages WHERE id = $1")
                .bind(id)
                .execute(self.pool())
                .await?
                .rows_affected();
            if taken == 1 {
                return Ok(Some((key_package, false)));
            }
        }
        let last_resort: Option<String> = sqlx::query_scalar(
            "SELECT key_package FROM mls_key_packages WHERE session_id = $1 AND last_resort = 1",
        )
        .bind(session.0)
        .fetch_optional(self.pool())
        .await?;
        Ok(last_resort.map(|key_package| (key_package, true)))
    }
}
