//! Blocking: a person someone blocked cannot invite them, open a direct room with
//! them or write in the one they have, and neither sees the other's presence.
//! Messages in groups both are in still reach both (clients may hide them).

use super::service::Rooms;
use crate::clock::{now_millis, timestamp};
use crate::service::accounts::tokens::Principal;
use crate::service::{ServiceError, ServiceResult};
use confab_proto::UserId;
use confab_proto::invitations::BlockedUser;

impl Rooms {
    /// Blocks `user`. Pending invitations between the two end; each side's devices
    /// stop seeing the other's presence. Blocking twice changes nothing.
    pub async fn block(&self, caller: Principal, user: UserId) -> ServiceResult<()> {
        if user == caller.user_id {
            return Err(ServiceError::invalid(
                "user_id",
                "you cannot block yourself",
            ));
        }
        if self.accounts.user_by_id(user).await?.is_none() {
            return Err(ServiceError::NotFound("user"));
        }
        let max = self.limits.max_blocked_users;
        if self.consent.block_count(caller.user_id).await? >= i64::from(max)
            && !self
                .consent
                .blocked_by(caller.user_id)
                .await?
                .iter()
                .any(|block| block.blocked_id == user)
        {
            return Err(ServiceError::invalid(
                "user_id",
                format!("you have blocked {max} people, the most allowed; unblock someone first"),
            ));
        }
        let (added, ended) = self
            .consent
            .block(caller.user_id, user, now_millis())
            .await?;
        for invitation in ended {
            self.delivery
                .invitation_ended(invitation.user_id, invitation.room_id);
        }
        if added {
            self.delivery.hide_presence(caller.user_id, user);
            self.delivery.hide_presence(user, caller.user_id);
        }
        Ok(())
    }

    /// Lifts a block on `user`, if there is one.
    pub async fn unblock(&self, caller: Principal, user: UserId) -> ServiceResult<()> {
        self.consent.unblock(caller.user_id, user).await?;
        Ok(())
    }

    /// Everyone the caller blocked, most recent first.
    pub async fn blocked(&self, caller: Principal) -> ServiceResult<Vec<BlockedUser>> {
        Ok(self
            .consent
            .blocked_by(caller.user_id)
            .await?
            .into_iter()
            .map(|block| BlockedUser {
                user_id: block.blocked_id,
                blocked_at: timestamp(block.created_at),
            })
            .collect())
    }
}
