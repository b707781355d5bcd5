//! Invitations: nobody joins a room without saying yes.
//!
//! Admins and the owner invite people to groups (also when creating one); a direct
//! room with someone the caller shares no room with starts as an invitation (a
//! message request). The invited person accepts (and joins) or declines; whoever
//! invited them, or an admin, may withdraw it. Invitations cost the inviter's
//! hourly budget, a user has a bounded number pending, and pending ones do not count
//! towards the user's room allowance. Neither of two people where one blocked the
//! other may invite the other.

use super::service::{Rooms, require_group, require_role};
use super::views::room_view;
use crate::clock::{now_millis, timestamp};
use crate::service::accounts::tokens::Principal;
use crate::service::{ServiceError, ServiceResult};
use crate::store::consent::InvitationRecord;
use crate::store::rooms::{Appended, RoomChange};
use confab_proto::invitations::{Invitation, PendingInvitation};
use confab_proto::rooms::{Role, Room, RoomSummary};
use confab_proto::{RoomId, Timestamp, UserId};

impl Rooms {
    /// Invites people to a group (admins and the owner); returns the invitations
    /// made. Current members and people already invited are skipped.
    pub async fn invite(
        &self,
        caller: Principal,
        id: RoomId,
        users: &[UserId],
    ) -> ServiceResult<Vec<PendingInvitation>> {
        let (room, me) = self.membership(caller, id).await?;
        require_group(&room)?;
        require_role(&me, Role::Admin)?;
        if users.len() > self.limits.max_members as usize {
            return Err(ServiceError::invalid(
                "user_ids",
                format!("a room has at most {} members", self.limits.max_members),
            ));
        }
        let mut candidates = Vec::new();
        for &user in users {
            if !candidates.contains(&user)
                && self.current_member(id, user).await.is_err()
                && self.consent.invitation(id, user).await?.is_none()
            {
                candidates.push(user);
            }
        }
        let pending = self.consent.room_invitations(id).await?.len() as i64;
        let invitees = self
            .invitees(caller, &candidates, room.member_count + pending, "user_ids")
            .await?;
        self.charge_invitations(caller.user_id, invitees.len())?;
        let made = self
            .consent
            .invite(id, &invitees, caller.user_id, now_millis())
            .await?;
        let room = room_view(room);
        for invitation in &made {
            self.announce_invitation(
                &room,
                invitation.user_id,
                caller.user_id,
                timestamp(invitation.created_at),
            );
        }
        Ok(made.into_iter().map(pending_view).collect())
    }

    /// The people of `users` (without duplicates) that the caller may invite to a
    /// room that already has `occupied` members and invitations: each must exist,
    /// neither may have blocked the other, and each must have room for another
    /// invitation. Checks everyone first, so that one bad entry invites nobody.
    pub(super) async fn invitees(
        &self,
        caller: Principal,
        users: &[UserId],
        occupied: i64,
        field: &'static str,
    ) -> ServiceResult<Vec<UserId>> {
        let mut invitees: Vec<UserId> = Vec::new();
        for &user in users {
            if user != caller.user_id && !invitees.contains(&user) {
                invitees.push(user);
            }
            // Checked as the list grows, so that a huge list costs no more queries
            // than the room could take.
            if occupied + invitees.len() as i64 > i64::from(self.limits.max_members) {
                return Err(ServiceError::invalid(
                    field,
                    format!("a room has at most {} members", self.limits.max_members),
                ));
            }
        }
        for &user in &invitees {
            self.require_user(user, field).await?;
            self.require_reachable(caller.user_id, user).await?;
            self.require_invitation_space(user, field).await?;
        }
        Ok(invitees)
    }

    /// `Forbidden` if either of the two blocked the other.
    pub(super) async fn require_reachable(
        &self,
        caller: UserId,
        user: UserId,
    ) -> ServiceResult<()> {
        if self.consent.blocked_between(caller, user).await? {
            return Err(ServiceError::Forbidden(format!(
                "you cannot invite or write to user {user}: one of you blocked the other"
            )));
        }
        Ok(())
    }

    /// `InvalidInput` on `field` if the user has as many invitations pending as
    /// allowed.
    pub(super) async fn require_invitation_space(
        &self,
        user: UserId,
        field: &'static str,
    ) -> ServiceResult<()> {
        let max = self.limits.max_pending_invitations;
        if self.consent.pending_invitations(user).await? >= i64::from(max) {
            return Err(ServiceError::invalid(
                field,
                format!("user {user} already has {max} invitations waiting for an answer"),
            ));
        }
        Ok(())
    }

    /// Tells the invited person's devices.
    pub(super) fn announce_invitation(
        &self,
        room: &Room,
        user: UserId,
        invited_by: UserId,
        invited_at: Timestamp,
    ) {
        self.delivery.invitation_received(
            user,
            Invitation {
                room: room.clone(),
                invited_by,
                invited_at,
            },
        );
    }

    /// The room's pending invitations (any member may see them).
    pub async fn room_invitations(
        &self,
        caller: Principal,
        id: RoomId,
    ) -> ServiceResult<Vec<PendingInvitation>> {
        self.membership(caller, id).await?;
        let pending = self.consent.room_invitations(id).await?;
        Ok(pending.into_iter().map(pending_view).collect())
    }

    /// Withdraws an invitation: the person who made it, or an admin or the owner.
    pub async fn withdraw_invitation(
        &self,
        caller: Principal,
        id: RoomId,
        user: UserId,
    ) -> ServiceResult<()> {
        let (_, me) = self.membership(caller, id).await?;
        let invitation = self
            .consent
            .invitation(id, user)
            .await?
            .ok_or(ServiceError::NotFound("invitation"))?;
        if invitation.invited_by != caller.user_id {
            require_role(&me, Role::Admin)?;
        }
        if self.consent.remove_invitation(id, user).await? {
            self.delivery.invitation_ended(user, id);
        }
        Ok(())
    }

    /// The caller's pending invitations, newest first.
    pub async fn my_invitations(&self, caller: Principal) -> ServiceResult<Vec<Invitation>> {
        let mut found = Vec::new();
        for invitation in self.consent.invitations_for(caller.user_id).await? {
            // A room never disappears while invitations to it exist (they go with it).
            if let Some(room) = self.rooms.room(invitation.room_id).await? {
                found.push(Invitation {
                    room: room_view(room),
                    invited_by: invitation.invited_by,
                    invited_at: timestamp(invitation.created_at),
                });
            }
        }
        Ok(found)
    }

    /// Accepts the caller's invitation: they join the room, which now counts
    /// towards their allowance. Returns the room as their room list shows it.
    pub async fn accept(&self, caller: Principal, id: RoomId) -> ServiceResult<RoomSummary> {
        let not_invited = || ServiceError::NotFound("invitation");
        self.consent
            .invitation(id, caller.user_id)
            .await?
            .ok_or_else(not_invited)?;
        let room = self.rooms.room(id).await?.ok_or_else(not_invited)?;
        if room.member_count >= i64::from(self.limits.max_members) {
            return Err(ServiceError::invalid(
                "id",
                format!("the room is full: it has {} members", room.member_count),
            ));
        }
        self.require_room_capacity(caller.user_id, "id").await?;
        match self
            .append(id, caller, RoomChange::AcceptInvitation)
            .await?
        {
            Appended::Event(_) => {}
            // Invited and made a member at the same moment: the invitation is stale.
            Appended::Unchanged => {
                self.consent.remove_invitation(id, caller.user_id).await?;
            }
            Appended::NotMember => return Err(not_invited()),
            outcome => {
                return Err(ServiceError::Internal(format!(
                    "accepting an invitation gave {outcome:?}"
                )));
            }
        }
        self.delivery.invitation_ended(caller.user_id, id);
        self.room(caller, id).await
    }

    /// Declines the caller's invitation. The person who sent it is not told, and may
    /// invite again (blocking stops that).
    pub async fn decline(&self, caller: Principal, id: RoomId) -> ServiceResult<()> {
        if !self.consent.remove_invitation(id, caller.user_id).await? {
            return Err(ServiceError::NotFound("invitation"));
        }
        self.delivery.invitation_ended(caller.user_id, id);
        Ok(())
    }
}

fn pending_view(record: InvitationRecord) -> PendingInvitation {
    PendingInvitation {
        room_id: record.room_id,
        user_id: record.user_id,
        invited_by: record.invited_by,
        invited_at: timestamp(record.created_at),
    }
}
