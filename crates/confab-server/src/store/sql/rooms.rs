//! [`RoomStore`] for [`SqlStore`]: creating rooms, reading rooms and members, and
//! handing changes to the group-commit writer. The change functions live in
//! `changes`, the log and timeline reads in `timeline`, the room list in
//! `room_list`.

use super::SqlStore;
use super::changes::{add_member, insert_event};
use super::event_tx::{EventTx, Place, begin_events, committed_before, next_seq};
use super::rows::{
    EventRow, MemberRow, RoomRow, decode_all, map_unique_violation, room_kind_name, select_events,
    select_members, select_rooms,
};
use crate::clock::Millis;
use crate::store::StoreResult;
use crate::store::events::{ContentRecord, EventRecord};
use crate::store::rooms::{
    Appended, CommitFeed, CommitWatch, DirectoryPage, DirectoryQuery, HistoryAnchor, MemberRecord,
    NewRoom, PinRecord, RoomChange, RoomListEntry, RoomRecord, RoomStore, TimelinePage,
    directory_text,
};
use crate::store::stored_names::{stored_pinning, stored_posting, stored_visibility};
use async_trait::async_trait;
use confab_proto::{EventId, RoomId, UserId};

#[async_trait]
impl RoomStore for SqlStore {
    async fn create_room(&self, room: NewRoom<'_>) -> StoreResult<(RoomRecord, Vec<EventRecord>)> {
        let mut tx = begin_events(self.pool(), self.backend()).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO rooms (kind, name, topic, encrypted, direct_key, created_by, created_at, last_activity_at, \
             visibility, posting, directory_text, pinning) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(room_kind_name(room.kind))
        .bind(room.name)
        .bind(room.topic)
        .bind(i64::from(room.encrypted))
        .bind(room.direct_key)
        .bind(room.creator.0)
        .bind(room.now)
        .bind(stored_visibility::name(room.visibility))
        .bind(stored_posting::name(room.posting))
        .bind(directory_text(room.name, room.topic))
        .bind(stored_pinning::name(room.pinning))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_unique_violation)?;
        let room_id = RoomId(id);
        let mut events = Vec::with_capacity(room.members.len() + 1);
        let created = ContentRecord::RoomCreated {
            name: room.name.to_owned(),
            encrypted: room.encrypted,
        };
        events.push(self.store_next(&mut tx, room_id, &room, created).await?);
        for &(user_id, role) in room.members {
            if add_member(&mut tx, room_id, user_id, role, room.now).await? {
                let content = ContentRecord::MemberAdded { user_id, role };
                events.push(self.store_next(&mut tx, room_id, &room, content).await?);
            }
        }
        for &user in room.invited {
            sqlx::query(
                "INSERT INTO invitations (room_id, user_id, invited_by, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (room_id, user_id) DO NOTHING",
            )
            .bind(id)
            .bind(user.0)
            .bind(room.creator.0)
            .bind(room.now)
            .execute(&mut *tx)
            .await?;
        }
        let row: RoomRow = sqlx::query_as(select_rooms!("WHERE rooms.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        // The room's first event is the transaction's first.
        let after = committed_before(&mut tx, self.backend(), events[0].id).await?;
        tx.commit().await?;
        self.announce_commit(after, events.clone());
        Ok((row.try_into()?, events))
    }

    async fn room(&self, id: RoomId) -> StoreResult<Option<RoomRecord>> {
        let row: Option<RoomRow> = sqlx::query_as(select_rooms!("WHERE rooms.id = $1"))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn direct_room(&self, direct_key: &str) -> StoreResult<Option<RoomRecord>> {
        let row: Option<RoomRow> = sqlx::query_as(select_rooms!("WHERE rooms.direct_key = $1"))
            .bind(direct_key)
            .fetch_optional(self.pool())
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn member(&self, room: RoomId, user: UserId) -> StoreResult<Option<MemberRecord>> {
        let row: Option<MemberRow> =
            sqlx::query_as(select_members!("WHERE room_id = $1 AND user_id = $2"))
                .bind(room.0)
                .bind(user.0)
                .fetch_optional(self.pool())
                .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn message(&self, room: RoomId, seq: i64) -> StoreResult<Option<EventRecord>> {
        let row: Option<EventRow> = sqlx::query_as(select_events!(
            "WHERE e.room_id = $1 AND e.seq = $2 AND e.kind = 'message'"
        ))
        .bind(room.0)
        .bind(seq)
        .fetch_optional(self.pool())
        .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn members(&self, room: RoomId) -> StoreResult<Vec<MemberRecord>> {
        let rows: Vec<MemberRow> = sqlx::query_as(select_members!(
            "WHERE room_id = $1 AND left_seq IS NULL \
             ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, joined_at, user_id"
        ))
        .bind(room.0)
        .fetch_all(self.pool())
        .await?;
        decode_all(rows)
    }

    async fn members_at(&self, room: RoomId, seq: i64) -> StoreResult<Vec<UserId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM room_members WHERE room_id = $1 AND (left_seq IS NULL OR left_seq >= $2) ORDER BY user_id",
        )
        .bind(room.0)
        .bind(seq)
        .fetch_all(self.pool())
        .await?;
        Ok(ids.into_iter().map(UserId).collect())
    }

    async fn contacts(&self, user: UserId) -> StoreResult<Vec<UserId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT other.user_id FROM room_members mine \
             JOIN room_members other ON other.room_id = mine.room_id AND other.left_seq IS NULL \
             WHERE mine.user_id = $1 AND mine.left_seq IS NULL AND other.user_id <> $1 \
             AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.user_id = $1 AND b.blocked_id = other.user_id) \
                 OR (b.user_id = other.user_id AND b.blocked_id = $1)) \
             ORDER BY other.user_id",
        )
        .bind(user.0)
        .fetch_all(self.pool())
        .await?;
        Ok(ids.into_iter().map(UserId).collect())
    }

    async fn last_seen(&self, user: UserId) -> StoreResult<Option<Millis>> {
        Ok(
            sqlx::query_scalar("SELECT MAX(last_seen_at) FROM device_sessions WHERE user_id = $1")
                .bind(user.0)
                .fetch_one(self.pool())
                .await?,
        )
    }

    async fn room_count(&self, user: UserId) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM room_members WHERE user_id = $1 AND left_seq IS NULL",
        )
        .bind(user.0)
        .fetch_one(self.pool())
        .await?)
    }

    async fn append(
        &self,
        room: RoomId,
        sender: UserId,
        change: RoomChange,
        now: Millis,
    ) -> StoreResult<Appended> {
        self.event_writer().append(room, sender, change, now).await
    }

    async fn room_list(&self, user: UserId) -> StoreResult<Vec<RoomListEntry>> {
        self.list_rooms(user, None).await
    }

    async fn room_entry(&self, user: UserId, room: RoomId) -> StoreResult<Option<RoomListEntry>> {
        Ok(self.list_rooms(user, Some(room)).await?.pop())
    }

    async fn directory(&self, query: &DirectoryQuery) -> StoreResult<DirectoryPage> {
        self.directory_page(query).await
    }

    async fn pins(&self, room: RoomId) -> StoreResult<Vec<PinRecord>> {
        self.pinned_messages(room).await
    }

    async fn history(
        &self,
        room: RoomId,
        anchor: HistoryAnchor,
        limit: u32,
    ) -> StoreResult<TimelinePage> {
        self.timeline_page(room, anchor, limit).await
    }

    async fn settled_event_id(&self) -> StoreResult<EventId> {
        self.settled_log_position().await
    }

    async fn events_after(&self, after: EventId, limit: u32) -> StoreResult<Vec<EventRecord>> {
        let upto = self.read_bound().await?;
        self.log_between(after, upto, limit).await
    }

    async fn event_ids_between(
        &self,
        after: EventId,
        upto: EventId,
        limit: u32,
    ) -> StoreResult<Vec<EventId>> {
        self.log_ids_between(after, upto, limit).await
    }

    async fn events_between(
        &self,
        after: EventId,
        upto: EventId,
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>> {
        self.log_between(after, upto, limit).await
    }

    async fn events_for_user_after(
        &self,
        user: UserId,
        after: EventId,
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>> {
        self.log_for_user_after(user, after, limit).await
    }

    fn committed(&self) -> CommitWatch {
        self.commit_watch()
    }

    fn commit_feed(&self) -> CommitFeed {
        self.feed_of_commits()
    }
}

impl SqlStore {
    /// Stores one event of a room being created, with the room's next sequence number.
    async fn store_next(
        &self,
        tx: &mut EventTx,
        room_id: RoomId,
        room: &NewRoom<'_>,
        content: ContentRecord,
    ) -> StoreResult<EventRecord> {
        let seq = next_seq(tx, room_id).await?.unwrap_or(1);
        let at = Place {
            room: room_id,
            sender: room.creator,
            seq,
            now: room.now,
        };
        insert_event(tx, &at, content).await
    }
}
