//! Persistence of consent: pending invitations to rooms and who blocked whom, the
//! [`ConsentStore`] trait.
//!
//! Accepting an invitation changes membership and so goes through
//! [`RoomStore::append`](super::rooms::RoomStore::append) with
//! [`RoomChange::AcceptInvitation`](super::rooms::RoomChange::AcceptInvitation),
//! which consumes the invitation in the same transaction as the `member_added`
//! event; everything else about invitations and blocks is here.

use super::StoreResult;
use crate::clock::Millis;
use async_trait::async_trait;
use confab_proto::{RoomId, UserId};

/// A pending invitation as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationRecord {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub invited_by: UserId,
    pub created_at: Millis,
}

/// A block as stored: `user_id` blocked `blocked_id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockRecord {
    pub user_id: UserId,
    pub blocked_id: UserId,
    pub created_at: Millis,
}

/// Persistence of invitations and blocks.
#[async_trait]
pub trait ConsentStore: Send + Sync + 'static {
    /// Invites each of `users` to `room` on behalf of `inviter`, skipping current
    /// members and people already invited; returns the invitations it created.
    async fn invite(
        &self,
        room: RoomId,
        users: &[UserId],
        inviter: UserId,
        now: Millis,
    ) -> StoreResult<Vec<InvitationRecord>>;
    /// One pending invitation.
    async fn invitation(&self, room: RoomId, user: UserId)
    -> StoreResult<Option<InvitationRecord>>;
    /// The user's pending invitations, newest first.
    async fn invitations_for(&self, user: UserId) -> StoreResult<Vec<InvitationRecord>>;
    /// The room's pending invitations, oldest first.
    async fn room_invitations(&self, room: RoomId) -> StoreResult<Vec<InvitationRecord>>;
    /// How many invitations the user has pending.
    async fn pending_invitations(&self, user: UserId) -> StoreResult<i64>;
    /// Removes a pending invitation (declined or withdrawn); false if there was none.
    async fn remove_invitation(&self, room: RoomId, user: UserId) -> StoreResult<bool>;
    /// Records that `user` blocked `blocked` and removes the pending invitations
    /// either of them sent the other, in one transaction. Returns whether the block
    /// is new and the removed invitations.
    async fn block(
        &self,
        user: UserId,
        blocked: UserId,
        now: Millis,
    ) -> StoreResult<(bool, Vec<InvitationRecord>)>;
    /// Lifts a block; false if there was none.
    async fn unblock(&self, user: UserId, blocked: UserId) -> StoreResult<bool>;
    /// Everyone the user blocked, most recent first.
    async fn blocked_by(&self, user: UserId) -> StoreResult<Vec<BlockRecord>>;
    /// How many people the user blocked.
    async fn block_count(&self, user: UserId) -> StoreResult<i64>;
    /// Whether either of the two blocked the other.
    async fn blocked_between(&self, a: UserId, b: UserId) -> StoreResult<bool>;
    /// Whether the two are both current members of at least one room.
    async fn share_a_room(&self, a: UserId, b: UserId) -> StoreResult<bool>;
}
