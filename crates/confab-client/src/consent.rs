//! Invitations and blocking.

use crate::{Client, Result};
use confab_proto::invitations::{
    BlockList, BlockedUser, Invitation, InvitationList, InviteRequest, PendingInvitation,
    PendingInvitationList,
};
use confab_proto::rooms::RoomSummary;
use confab_proto::{RoomId, UserId};
use reqwest::Method;

impl Client {
    /// Invites people to a group; returns the invitations made.
    pub async fn invite(
        &self,
        room: RoomId,
        user_ids: &[UserId],
    ) -> Result<Vec<PendingInvitation>> {
        let request = InviteRequest {
            user_ids: user_ids.to_vec(),
        };
        let list: PendingInvitationList = self
            .authed(
                Method::POST,
                &format!("/api/v1/rooms/{room}/invitations"),
                Some(&request),
            )
            .await?;
        Ok(list.invitations)
    }

    /// The room's pending invitations.
    pub async fn room_invitations(&self, room: RoomId) -> Result<Vec<PendingInvitation>> {
        let list: PendingInvitationList = self
            .authed::<(), _>(
                Method::GET,
                &format!("/api/v1/rooms/{room}/invitations"),
                None,
            )
            .await?;
        Ok(list.invitations)
    }

    /// Withdraws someone's invitation to a room.
    pub async fn withdraw_invitation(&self, room: RoomId, user_id: UserId) -> Result<()> {
        self.authed::<(), ()>(
            Method::DELETE,
            &format!("/api/v1/rooms/{room}/invitations/{user_id}"),
            None,
        )
        .await
    }

    /// My pending invitations, newest first.
    pub async fn invitations(&self) -> Result<Vec<Invitation>> {
        let list: InvitationList = self
            .authed::<(), _>(Method::GET, "/api/v1/invitations", None)
            .await?;
        Ok(list.invitations)
    }

    /// Accepts my invitation to `room`: I join it.
    pub async fn accept_invitation(&self, room: RoomId) -> Result<RoomSummary> {
        self.authed::<(), _>(
            Method::POST,
            &format!("/api/v1/invitations/{room}/accept"),
            None,
        )
        .await
    }

    /// Declines my invitation to `room`.
    pub async fn decline_invitation(&self, room: RoomId) -> Result<()> {
        self.authed::<(), ()>(
            Method::POST,
            &format!("/api/v1/invitations/{room}/decline"),
            None,
        )
        .await
    }

    /// Blocks someone.
    pub async fn block(&self, user_id: UserId) -> Result<()> {
        self.authed::<(), ()>(Method::PUT, &format!("/api/v1/blocks/{user_id}"), None)
            .await
    }

    /// Unblocks someone.
    pub async fn unblock(&self, user_id: UserId) -> Result<()> {
        self.authed::<(), ()>(Method::DELETE, &format!("/api/v1/blocks/{user_id}"), None)
            .await
    }

    /// Everyone I blocked.
    pub async fn blocked(&self) -> Result<Vec<BlockedUser>> {
        let list: BlockList = self
            .authed::<(), _>(Method::GET, "/api/v1/blocks", None)
            .await?;
        Ok(list.blocked)
    }
}
