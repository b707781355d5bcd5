//! Who receives each event: the members of every active room, cached and kept up
//! to date in log order by the tailer.
//!
//! The cache is filled only by the tailer, from membership as of the event it
//! delivers, and updated from the membership events it reads; so it is always the
//! membership as of the last delivered event. Ephemeral frames read the cache when
//! the room is in it, and the database otherwise (without filling the cache). It
//! holds every room that had activity since the node started.

use crate::store::StoreResult;
use crate::store::events::{ContentRecord, EventRecord};
use crate::store::rooms::RoomStore;
use confab_proto::{RoomId, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(super) struct RoomMembers {
    store: Arc<dyn RoomStore>,
    cache: Mutex<HashMap<RoomId, Vec<UserId>>>,
}

impl RoomMembers {
    pub fn new(store: Arc<dyn RoomStore>) -> Self {
        Self {
            store,
            cache: Mutex::default(),
        }
    }

    /// Who receives `event`, updating the cache for membership events: a new member
    /// receives the event that adds them, a leaving member the one that removes them.
    /// Called by the tailer only, in log order.
    pub async fn recipients(&self, event: &EventRecord) -> StoreResult<Vec<UserId>> {
        let cached = self.lock().get(&event.room_id).cloned();
        let mut members = match cached {
            Some(members) => members,
            // Membership as of this event, so that someone removed since still gets
            // the events from before their removal.
            None => self.store.members_at(event.room_id, event.seq).await?,
        };
        let recipients = match &event.content {
            ContentRecord::MemberAdded { user_id, .. } => {
                if !members.contains(user_id) {
                    members.push(*user_id);
                }
                members.clone()
            }
            ContentRecord::MemberLeft { user_id } | ContentRecord::MemberRemoved { user_id } => {
                let mut recipients = members.clone();
                if !recipients.contains(user_id) {
                    recipients.push(*user_id);
                }
                members.retain(|m| m != user_id);
                recipients
            }
            _ => members.clone(),
        };
        self.lock().insert(event.room_id, members);
        Ok(recipients)
    }

    /// The room's current members, for a frame that is not in the log.
    pub async fn current(&self, room: RoomId) -> StoreResult<Vec<UserId>> {
        if let Some(members) = self.lock().get(&room).cloned() {
            return Ok(members);
        }
        Ok(self
            .store
            .members(room)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RoomId, Vec<UserId>>> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
