//! [`NotificationStore`] for [`SqlStore`]: the notifier's batches and cursor,
//! notification records, levels and settings. Push subscriptions and retries are
//! in `push`.

use super::SqlStore;
use super::rows::{parse_json, parse_role, to_json};
use crate::clock::Millis;
use crate::store::notifications::{
    CommittedBatch, NotificationRecord, NotifierBatch, QuietHoursRecord, ReadSelection, Recipient,
    RoomContext, SettingsRecord,
};
use crate::store::{StoreError, StoreResult};
use confab_proto::notifications::{NotificationKind, NotificationLevel};
use confab_proto::rooms::RoomKind;
use confab_proto::{EventId, RoomId, UserId};
use sqlx::{Any, FromRow, Transaction};

/// The columns of a notification, in [`NotificationRow`]'s order.
pub(super) const NOTIFICATION_COLUMNS: &str = "n.id, n.user_id, n.room_id, n.seq, n.event_id, n.kind, n.actor_id, n.created_at, n.read_at, n.details";
/// The same columns unqualified, for `RETURNING` (SQLite allows no table name there).
pub(super) const RETURNED_COLUMNS: &str =
    "id, user_id, room_id, seq, event_id, kind, actor_id, created_at, read_at, details";

#[derive(FromRow)]
pub(super) struct NotificationRow {
    id: i64,
    user_id: i64,
    room_id: i64,
    seq: i64,
    event_id: i64,
    kind: String,
    actor_id: i64,
    created_at: i64,
    read_at: Option<i64>,
    details: String,
}

impl TryFrom<NotificationRow> for NotificationRecord {
    type Error = StoreError;

    fn try_from(row: NotificationRow) -> StoreResult<Self> {
        Ok(Self {
            id: row.id,
            user_id: UserId(row.user_id),
            room_id: RoomId(row.room_id),
            seq: row.seq,
            event_id: EventId(row.event_id),
            kind: parse_kind(&row.kind)?,
            actor_id: UserId(row.actor_id),
            created_at: row.created_at,
            read: row.read_at.is_some(),
            details: parse_json(&row.details)?,
        })
    }
}

const KINDS: [(NotificationKind, &str); 10] = [
    (NotificationKind::DirectMessage, "direct_message"),
    (NotificationKind::Message, "message"),
    (NotificationKind::Mention, "mention"),
    (NotificationKind::RoomMention, "room_mention"),
    (NotificationKind::Reply, "reply"),
    (NotificationKind::Reaction, "reaction"),
    (NotificationKind::Added, "added"),
    (NotificationKind::Removed, "removed"),
    (NotificationKind::RoleChanged, "role_changed"),
    (NotificationKind::RoomRenamed, "room_renamed"),
];

fn kind_name(kind: NotificationKind) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("message", |(_, name)| name)
}

fn parse_kind(text: &str) -> StoreResult<NotificationKind> {
    KINDS
        .iter()
        .find(|(_, name)| *name == text)
        .map(|(kind, _)| *kind)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown notification kind {text:?}")))
}

pub(super) fn level_name(level: NotificationLevel) -> &'static str {
    match level {
        NotificationLevel::All => "all",
        NotificationLevel::Mentions => "mentions",
        NotificationLevel::Nothing => "nothing",
    }
}

pub(super) fn parse_level(text: &str) -> StoreResult<NotificationLevel> {
    match text {
        "all" => Ok(NotificationLevel::All),
        "mentions" => Ok(NotificationLevel::Mentions),
        "nothing" => Ok(NotificationLevel::Nothing),
        _ => Err(StoreError::Corrupt(format!(
            "unknown notification level {text:?}"
        ))),
    }
}

#[derive(FromRow)]
struct SettingsRow {
    dnd_until: Option<i64>,
    quiet_hours: Option<String>,
    reactions: i64,
}

fn settings_record(row: Option<SettingsRow>) -> StoreResult<SettingsRecord> {
    let Some(row) = row else {
        return Ok(SettingsRecord::default());
    };
    Ok(SettingsRecord {
        dnd_until: row.dnd_until,
        quiet_hours: row
            .quiet_hours
            .as_deref()
            .map(parse_json::<QuietHoursRecord>)
            .transpose()?,
        reactions: row.reactions != 0,
    })
}

impl SqlStore {
    pub(super) async fn notifier_cursor(&self, name: &str) -> StoreResult<EventId> {
        let position: Option<i64> =
            sqlx::query_scalar("SELECT position FROM log_cursors WHERE name = $1")
                .bind(name)
                .fetch_optional(self.pool())
                .await?;
        Ok(EventId(position.unwrap_or(0)))
    }

    pub(super) async fn commit_batch(
        &self,
        name: &str,
        batch: &NotifierBatch,
        now: Millis,
    ) -> StoreResult<Option<CommittedBatch>> {
        let mut tx = self.begin_write().await?;
        // Compare-and-set: only the consumer that read from `from` may move it.
        let moved =
            sqlx::query("UPDATE log_cursors SET position = $3 WHERE name = $1 AND position = $2")
                .bind(name)
                .bind(batch.from.0)
                .bind(batch.to.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if moved == 0 {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT position FROM log_cursors WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await?;
            if exists.is_some() {
                return Ok(None);
            }
            sqlx::query("INSERT INTO log_cursors (name, position) VALUES ($1, $2)")
                .bind(name)
                .bind(batch.to.0)
                .execute(&mut *tx)
                .await?;
        }
        let mut created = Vec::with_capacity(batch.new.len());
        for new in &batch.new {
            let row: Option<NotificationRow> = sqlx::query_as(&format!(
                "INSERT INTO notifications (user_id, room_id, seq, event_id, kind, actor_id, created_at, \
                 read_at, details, push_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (user_id, event_id) DO NOTHING RETURNING {RETURNED_COLUMNS}"
            ))
            .bind(new.user_id.0)
            .bind(new.room_id.0)
            .bind(new.seq)
            .bind(new.event_id.0)
            .bind(kind_name(new.kind))
            .bind(new.actor_id.0)
            .bind(new.created_at)
            .bind(new.read.then_some(now))
            .bind(to_json(&new.details)?)
            .bind(new.push_at)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = row {
                created.push(row.try_into()?);
            }
        }
        let mut reads = Vec::new();
        for read in &batch.reads {
            let marked = sqlx::query(
                "UPDATE notifications SET read_at = $4, push_at = NULL \
                 WHERE user_id = $1 AND room_id = $2 AND seq <= $3 AND read_at IS NULL",
            )
            .bind(read.user_id.0)
            .bind(read.room_id.0)
            .bind(read.seq)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if marked > 0 {
                reads.push(*read);
            }
        }
        tx.commit().await?;
        Ok(Some(CommittedBatch { created, reads }))
    }

    pub(super) async fn load_room_context(
        &self,
        room: RoomId,
        extra: &[UserId],
    ) -> StoreResult<Option<RoomContext>> {
        #[derive(FromRow)]
        struct RoomRow {
            kind: String,
            name: String,
            encrypted: i64,
        }
        let Some(row): Option<RoomRow> =
            sqlx::query_as("SELECT kind, name, encrypted FROM rooms WHERE id = $1")
                .bind(room.0)
                .fetch_optional(self.pool())
                .await?
        else {
            return Ok(None);
        };
        #[derive(FromRow)]
        struct MemberRow {
            user_id: i64,
            role: String,
            notification_level: Option<String>,
            read_seq: i64,
            left_seq: Option<i64>,
            dnd_until: Option<i64>,
            quiet_hours: Option<String>,
            reactions: Option<i64>,
        }
        let rows: Vec<MemberRow> = sqlx::query_as(
            "SELECT m.user_id, m.role, m.notification_level, m.read_seq, m.left_seq, \
             s.dnd_until, s.quiet_hours, s.reactions \
             FROM room_members m LEFT JOIN notification_settings s ON s.user_id = m.user_id \
             WHERE m.room_id = $1",
        )
        .bind(room.0)
        .fetch_all(self.pool())
        .await?;
        let mut members = Vec::new();
        for member in rows {
            let user = UserId(member.user_id);
            if member.left_seq.is_some() && !extra.contains(&user) {
                continue;
            }
            let settings = settings_record(member.reactions.map(|reactions| SettingsRow {
                dnd_until: member.dnd_until,
                quiet_hours: member.quiet_hours,
                reactions,
            }))?;
            members.push(Recipient {
                user_id: user,
                role: parse_role(&member.role)?,
                level: member
                    .notification_level
                    .as_deref()
                    .map(parse_level)
                    .transpose()?,
                read_seq: member.read_seq,
                settings,
            });
        }
        Ok(Some(RoomContext {
            kind: if row.kind == "direct" {
                RoomKind::Direct
            } else {
                RoomKind::Group
            },
            name: row.name,
            encrypted: row.encrypted != 0,
            members,
        }))
    }

    pub(super) async fn load_message_author(
        &self,
        room: RoomId,
        seq: i64,
    ) -> StoreResult<Option<UserId>> {
        let sender: Option<i64> = sqlx::query_scalar(
            "SELECT sender_id FROM events WHERE room_id = $1 AND seq = $2 AND kind = 'message'",
        )
        .bind(room.0)
        .bind(seq)
        .fetch_optional(self.pool())
        .await?;
        Ok(sender.map(UserId))
    }

    pub(super) async fn list_notifications(
        &self,
        user: UserId,
        before: Option<i64>,
        limit: u32,
        unread_only: bool,
    ) -> StoreResult<Vec<NotificationRecord>> {
        let unread = if unread_only {
            " AND n.read_at IS NULL"
        } else {
            ""
        };
        let rows: Vec<NotificationRow> = sqlx::query_as(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications n \
             WHERE n.user_id = $1 AND n.id < $2{unread} ORDER BY n.id DESC LIMIT $3"
        ))
        .bind(user.0)
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    pub(super) async fn one_notification(
        &self,
        user: UserId,
        id: i64,
    ) -> StoreResult<Option<NotificationRecord>> {
        let row: Option<NotificationRow> = sqlx::query_as(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.user_id = $1 AND n.id = $2"
        ))
        .bind(user.0)
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.map(TryInto::try_into).transpose()
    }

    pub(super) async fn count_unread(&self, user: UserId, cap: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM notifications \
             WHERE user_id = $1 AND read_at IS NULL LIMIT $2) capped",
        )
        .bind(user.0)
        .bind(cap)
        .fetch_one(self.pool())
        .await?)
    }

    pub(super) async fn mark_read(
        &self,
        user: UserId,
        which: &ReadSelection,
        now: Millis,
    ) -> StoreResult<u64> {
        let mut tx: Transaction<'_, Any> = self.begin_write().await?;
        let mut changed = 0;
        let base = "UPDATE notifications SET read_at = $2, push_at = NULL \
                    WHERE user_id = $1 AND read_at IS NULL";
        match which {
            ReadSelection::All => {
                changed += sqlx::query(base)
                    .bind(user.0)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            ReadSelection::UpTo(id) => {
                changed += sqlx::query(&format!("{base} AND id <= $3"))
                    .bind(user.0)
                    .bind(now)
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            ReadSelection::Ids(ids) => {
                for id in ids {
                    changed += sqlx::query(&format!("{base} AND id = $3"))
                        .bind(user.0)
                        .bind(now)
                        .bind(*id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    pub(super) async fn prune_old_notifications(&self, cutoff: Millis) -> StoreResult<u64> {
        Ok(
            sqlx::query("DELETE FROM notifications WHERE created_at < $1")
                .bind(cutoff)
                .execute(self.pool())
                .await?
                .rows_affected(),
        )
    }

    pub(super) async fn store_room_level(
        &self,
        room: RoomId,
        user: UserId,
        level: Option<NotificationLevel>,
    ) -> StoreResult<bool> {
        let changed = sqlx::query(
            "UPDATE room_members SET notification_level = $3 \
             WHERE room_id = $1 AND user_id = $2 AND left_seq IS NULL",
        )
        .bind(room.0)
        .bind(user.0)
        .bind(level.map(level_name))
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    pub(super) async fn load_room_level(
        &self,
        room: RoomId,
        user: UserId,
    ) -> StoreResult<Option<Option<NotificationLevel>>> {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT notification_level FROM room_members \
             WHERE room_id = $1 AND user_id = $2 AND left_seq IS NULL",
        )
        .bind(room.0)
        .bind(user.0)
        .fetch_optional(self.pool())
        .await?;
        row.map(|(level,)| level.as_deref().map(parse_level).transpose())
            .transpose()
    }

    pub(super) async fn load_settings(&self, user: UserId) -> StoreResult<SettingsRecord> {
        let row: Option<SettingsRow> = sqlx::query_as(
            "SELECT dnd_until, quiet_hours, reactions FROM notification_settings WHERE user_id = $1",
        )
        .bind(user.0)
        .fetch_optional(self.pool())
        .await?;
        settings_record(row)
    }

    pub(super) async fn store_settings(
        &self,
        user: UserId,
        settings: &SettingsRecord,
    ) -> StoreResult<()> {
        let quiet = settings.quiet_hours.as_ref().map(to_json).transpose()?;
        sqlx::query(
            "INSERT INTO notification_settings (user_id, dnd_until, quiet_hours, reactions) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE \
             SET dnd_until = $2, quiet_hours = $3, reactions = $4",
        )
        .bind(user.0)
        .bind(settings.dnd_until)
        .bind(quiet)
        .bind(i64::from(settings.reactions))
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
