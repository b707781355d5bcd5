//! What members see of a room: the room list with counts, one room, its members,
//! and history pages; and the conversion of store records into those views.

use super::service::Rooms;
use crate::clock::timestamp;
use crate::service::accounts::tokens::Principal;
use crate::service::{ServiceError, ServiceResult as Result};
use crate::store::rooms::{self as stored, MemberRecord, RoomListEntry, RoomRecord};
use confab_proto::RoomId;
use confab_proto::events::HistoryPage;
use confab_proto::files::{SharedFile, SharedFilePage};
use confab_proto::rooms::{Member, Room, RoomSummary};

/// Most events one history page returns.
pub const HISTORY_PAGE_MAX: u32 = 100;

/// Which part of the timeline to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryAnchor {
    /// The newest events.
    Latest,
    /// Events before this sequence number (exclusive).
    Before(i64),
    /// Events after this sequence number (exclusive).
    After(i64),
    /// Events around this sequence number, itself included.
    Around(i64),
}

impl Rooms {
    /// One room the caller is a member of, as their room list shows it.
    pub async fn room(&self, caller: Principal, id: RoomId) -> Result<RoomSummary> {
        match self.rooms.room_entry(caller.user_id, id).await? {
            Some(entry) => Ok(summary_view(entry)),
            // Tell a missing room from one the caller is not in.
            None => Err(self.membership(caller, id).await.err().unwrap_or_else(|| {
                ServiceError::Internal("a current member's room is missing".to_owned())
            })),
        }
    }

    /// The caller's rooms with unread and mention counts, most recently active first.
    pub async fn list(&self, caller: Principal) -> Result<Vec<RoomSummary>> {
        let entries = self.rooms.room_list(caller.user_id).await?;
        Ok(entries.into_iter().map(summary_view).collect())
    }

    /// The room's current members.
    pub async fn members(&self, caller: Principal, id: RoomId) -> Result<Vec<Member>> {
        self.membership(caller, id).await?;
        Ok(self
            .rooms
            .members(id)
            .await?
            .into_iter()
            .map(member_view)
            .collect())
    }

    /// The files shared in the room, newest first: those of at most `limit`
    /// messages (default 20, at most [`HISTORY_PAGE_MAX`]) with `seq` below `before`.
    pub async fn room_files(
        &self,
        caller: Principal,
        id: RoomId,
        before: Option<i64>,
        limit: Option<u32>,
    ) -> Result<SharedFilePage> {
        if before.is_some_and(|seq| seq < 0) {
            return Err(ServiceError::invalid(
                "before",
                "a sequence number is 0 or more",
            ));
        }
        self.membership(caller, id).await?;
        let limit = limit.unwrap_or(20).clamp(1, HISTORY_PAGE_MAX);
        let shared = self.files.room_files(id, before, limit).await?;
        let mut seqs: Vec<i64> = shared.iter().map(|s| s.seq).collect();
        seqs.dedup();
        let next_before = (seqs.len() == limit as usize)
            .then(|| seqs.last().copied())
            .flatten();
        Ok(SharedFilePage {
            files: shared
                .into_iter()
                .map(|s| SharedFile {
                    file: s.file.attachment().into(),
                    room_id: s.room_id,
                    seq: s.seq,
                    sender_id: s.sender_id,
                    shared_at: timestamp(s.shared_at),
                })
                .collect(),
            next_before,
        })
    }

    /// A page of the room's timeline.
    pub async fn history(
        &self,
        caller: Principal,
        id: RoomId,
        anchor: HistoryAnchor,
        limit: Option<u32>,
    ) -> Result<HistoryPage> {
        let (field, seq) = match anchor {
            HistoryAnchor::Latest => ("before", 0),
            HistoryAnchor::Before(seq) => ("before", seq),
            HistoryAnchor::After(seq) => ("after", seq),
            HistoryAnchor::Around(seq) => ("around", seq),
        };
        if seq < 0 {
            return Err(ServiceError::invalid(
                field,
                "a sequence number is 0 or more",
            ));
        }
        self.membership(caller, id).await?;
        let limit = limit.unwrap_or(50).clamp(1, HISTORY_PAGE_MAX);
        let anchor = match anchor {
            HistoryAnchor::Latest => stored::HistoryAnchor::Latest,
            HistoryAnchor::Before(seq) => stored::HistoryAnchor::Before(seq),
            HistoryAnchor::After(seq) => stored::HistoryAnchor::After(seq),
            HistoryAnchor::Around(seq) => stored::HistoryAnchor::Around(seq),
        };
        let page = self.rooms.history(id, anchor, limit).await?;
        Ok(HistoryPage {
            events: page.events.into_iter().map(Into::into).collect(),
            has_older: page.has_older,
            has_newer: page.has_newer,
        })
    }
}

/// A room list entry as the protocol shows it.
fn summary_view(entry: RoomListEntry) -> RoomSummary {
    let notification_level =
        crate::service::notifications::effective_level(entry.room.kind, entry.notification_level);
    RoomSummary {
        notification_level,
        my_role: entry.membership.role,
        read_seq: entry.membership.read_seq,
        room: room_view(entry.room),
        peer: entry.peer,
        last_message: entry.last_message.map(Into::into),
        unread_count: entry.unread_count,
        mention_count: entry.mention_count,
    }
}

/// A room as the protocol shows it.
pub(super) fn room_view(room: RoomRecord) -> Room {
    Room {
        id: room.id,
        kind: room.kind,
        name: room.name,
        topic: room.topic,
        avatar_file_id: room.avatar_file_id,
        encrypted: room.encrypted,
        created_by: room.created_by,
        created_at: timestamp(room.created_at),
        last_seq: room.last_seq,
        last_activity_at: timestamp(room.last_activity_at),
        member_count: room.member_count,
        visibility: room.visibility,
        posting: room.posting,
        pinning: room.pinning,
    }
}

/// A member as the protocol shows it.
fn member_view(member: MemberRecord) -> Member {
    Member {
        user_id: member.user_id,
        role: member.role,
        joined_at: timestamp(member.joined_at),
        delivered_seq: member.delivered_seq,
        read_seq: member.read_seq,
    }
}
