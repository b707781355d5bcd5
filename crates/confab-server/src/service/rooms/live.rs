//! The rooms service's side of live delivery: where a live stream starts, what a
//! reconnecting client missed, typing and presence. Delivery itself belongs to
//! `realtime`, which implements [`Delivery`](super::Delivery).

use super::service::Rooms;
use crate::clock::timestamp;
use crate::service::ServiceResult;
use crate::service::accounts::tokens::Principal;
use crate::service::validate::UserIdList;
use confab_proto::events::RoomEvent;
use confab_proto::users::Presence;
use confab_proto::{EventId, RoomId};

/// Result of [`Rooms::replay`].
#[derive(Clone, Debug)]
pub enum Replay {
    Events(Vec<RoomEvent>),
    /// The gap is too long to replay; continue live after `cursor`.
    TooOld {
        cursor: EventId,
    },
}

impl Rooms {
    /// The presence of the listed users who share a room with the caller (and the
    /// caller's own); others are left out, so presence never leaks to strangers.
    pub async fn presence(
        &self,
        caller: Principal,
        users: &UserIdList,
    ) -> ServiceResult<Vec<Presence>> {
        let contacts = self.rooms.contacts(caller.user_id).await?;
        let mut found = Vec::new();
        for &user in users.ids() {
            if user != caller.user_id && !contacts.contains(&user) {
                continue;
            }
            let (status, seen_here) = self.delivery.presence(user);
            let last_seen = match seen_here {
                Some(millis) => Some(millis),
                None => self.rooms.last_seen(user).await?,
            };
            found.push(Presence {
                user_id: user,
                status,
                last_seen_at: last_seen.map(timestamp),
            });
        }
        Ok(found)
    }

    /// Tells the room's other members that the caller started or stopped typing.
    /// Nothing is stored.
    pub async fn typing(&self, caller: Principal, id: RoomId, typing: bool) -> ServiceResult<()> {
        let (room, _) = self.membership(caller, id).await?;
        self.require_unblocked(caller, &room).await?;
        self.delivery.typing(id, caller.user_id, typing).await
    }

    /// How far the log is settled: where a fresh live stream starts.
    pub async fn cursor(&self) -> ServiceResult<EventId> {
        Ok(self.rooms.settled_event_id().await?)
    }

    /// What the caller missed after `since`: at most `limit` events in log order,
    /// or `TooOld` with the current cursor when more than that happened.
    pub async fn replay(
        &self,
        caller: Principal,
        since: EventId,
        limit: u32,
    ) -> ServiceResult<Replay> {
        let missed = self
            .rooms
            .events_for_user_after(caller.user_id, since, limit.saturating_add(1))
            .await?;
        if missed.len() > limit as usize {
            return Ok(Replay::TooOld {
                cursor: self.cursor().await?,
            });
        }
        Ok(Replay::Events(missed.into_iter().map(Into::into).collect()))
    }
}
