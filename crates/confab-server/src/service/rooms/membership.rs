//! Who is in a room and how it is set up: creating groups and direct rooms (whose
//! other people are invited: see `invitations`), removing members, roles,
//! ownership, name, topic, and who may join and post (`channels`).
//!
//! Roles: the owner may do everything, including naming admins and handing the room
//! over; admins manage members (below their own role), the name and the topic, and
//! may delete anyone's message; members send, edit and delete their own messages,
//! react, and leave. Direct rooms have no roles that matter: their two members can
//! only talk. Non-members can do nothing and see nothing (`Forbidden`).

use super::channels::check_access;
use super::service::{Rooms, require_group, require_role};
use super::views::room_view;
use crate::clock::{now_millis, timestamp};
use crate::service::accounts::tokens::Principal;
use crate::service::validate::single_line_text;
use crate::service::{ServiceError, ServiceResult};
use crate::store::StoreError;
use crate::store::rooms::{NewRoom, RoomChange, RoomRecord, direct_key};
use confab_proto::events::RoomEvent;
use confab_proto::rooms::{
    CreateGroupRequest, PinPolicy, PostingPolicy, Role, Room, RoomKind, RoomVisibility,
    UpdateRoomRequest,
};
use confab_proto::{RoomId, UserId};

impl Rooms {
    /// A valid group name.
    fn room_name(&self, input: &str) -> ServiceResult<String> {
        single_line_text("name", "a room name", input, 1, self.limits.max_name_chars)
    }

    /// A valid topic (may be empty).
    fn room_topic(&self, input: &str) -> ServiceResult<String> {
        single_line_text("topic", "a topic", input, 0, self.limits.max_topic_chars)
    }

    /// Stores a new room with its first events.
    async fn create_room(&self, new: NewRoom<'_>) -> Result<RoomRecord, StoreError> {
        Ok(self.rooms.create_room(new).await?.0)
    }

    /// Creates a group owned by the caller and invites the given people.
    pub async fn create_group(
        &self,
        caller: Principal,
        request: &CreateGroupRequest,
    ) -> ServiceResult<Room> {
        let name = self.room_name(&request.name)?;
        let topic = self.room_topic(&request.topic)?;
        check_access(request.encrypted, request.visibility)?;
        let invitees = self
            .invitees(caller, &request.members, 1, "members")
            .await?;
        self.require_room_capacity(caller.user_id, "members")
            .await?;
        self.charge_creation(caller.user_id, invitees.len())?;
        let new = NewRoom {
            kind: RoomKind::Group,
            name: &name,
            topic: &topic,
            encrypted: request.encrypted,
            visibility: request.visibility,
            posting: request.posting,
            pinning: request.pinning,
            direct_key: None,
            creator: caller.user_id,
            members: &[(caller.user_id, Role::Owner)],
            invited: &invitees,
            now: now_millis(),
        };
        let room = room_view(self.create_room(new).await?);
        for &user in &invitees {
            self.announce_invitation(&room, user, caller.user_id, room.created_at);
        }
        Ok(room)
    }

    /// The direct room of the caller and `peer`, created on first use. Returns the
    /// room and whether it was created now.
    ///
    /// With someone the caller shares a room with, both are members at once. With
    /// anyone else the room starts as a request: the caller is its only member and
    /// `peer` is invited. Opening it again after the request was declined asks again.
    /// An `encrypted` direct room is another room than the plain one of the pair.
    pub async fn open_direct(
        &self,
        caller: Principal,
        peer: UserId,
        encrypted: bool,
    ) -> ServiceResult<(Room, bool)> {
        if peer == caller.user_id {
            return Err(ServiceError::invalid(
                "user_id",
                "a direct room needs another person",
            ));
        }
        self.require_user(peer, "user_id").await?;
        self.require_reachable(caller.user_id, peer).await?;
        let key = direct_key(caller.user_id, peer, encrypted);
        if let Some(room) = self.rooms.direct_room(&key).await? {
            if self.ask_again(caller, &room, peer).await? {
                return Ok((
                    room_view(self.rooms.room(room.id).await?.unwrap_or(room)),
                    false,
                ));
            }
            return Ok((room_view(room), false));
        }
        let acquainted = self.consent.share_a_room(caller.user_id, peer).await?;
        self.require_room_capacity(caller.user_id, "user_id")
            .await?;
        if acquainted {
            self.require_room_capacity(peer, "user_id").await?;
        } else {
            self.require_invitation_space(peer, "user_id").await?;
        }
        self.charge_creation(caller.user_id, usize::from(!acquainted))?;
        let both = [(caller.user_id, Role::Member), (peer, Role::Member)];
        let (members, invited): (&[_], &[_]) = if acquainted {
            (&both, &[])
        } else {
            (&both[..1], &[peer])
        };
        let new = NewRoom {
            kind: RoomKind::Direct,
            name: "",
            topic: "",
            encrypted,
            visibility: RoomVisibility::Private,
            posting: PostingPolicy::Everyone,
            pinning: PinPolicy::Everyone,
            direct_key: Some(&key),
            creator: caller.user_id,
            members,
            invited,
            now: now_millis(),
        };
        match self.create_room(new).await {
            Ok(room) => {
                let room = room_view(room);
                if !acquainted {
                    self.announce_invitation(&room, peer, caller.user_id, room.created_at);
                }
                Ok((room, true))
            }
            // Both people opened it at once: the other request created it.
            Err(StoreError::Conflict) => match self.rooms.direct_room(&key).await? {
                Some(room) => Ok((room_view(room), false)),
                None => Err(ServiceError::Internal(
                    "direct room vanished after a conflict".to_owned(),
                )),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// Opening an existing direct room: if the caller is its only member because
    /// `peer` declined or has yet to answer, invite `peer` again (unless pending). If
    /// the caller was invited, they accept by opening it. True if the caller joined.
    async fn ask_again(
        &self,
        caller: Principal,
        room: &RoomRecord,
        peer: UserId,
    ) -> ServiceResult<bool> {
        if self.current_member(room.id, caller.user_id).await.is_err() {
            // The caller is the one asked (and may have declined before): opening the
            // room is saying yes to the request.
            if self
                .consent
                .invitation(room.id, caller.user_id)
                .await?
                .is_none()
            {
                self.consent
                    .invite(room.id, &[caller.user_id], peer, now_millis())
                    .await?;
            }
            self.accept(caller, room.id).await?;
            return Ok(true);
        }
        if self.current_member(room.id, peer).await.is_ok()
            || self.consent.invitation(room.id, peer).await?.is_some()
        {
            return Ok(false);
        }
        self.require_invitation_space(peer, "user_id").await?;
        self.charge_invitations(caller.user_id, 1)?;
        let now = now_millis();
        if !self
            .consent
            .invite(room.id, &[peer], caller.user_id, now)
            .await?
            .is_empty()
        {
            self.announce_invitation(
                &room_view(room.clone()),
                peer,
                caller.user_id,
                timestamp(now),
            );
        }
        Ok(false)
    }

    /// Removes a member (admins and the owner, for members below their role), or
    /// leaves the room when `user` is the caller. The owner must hand the room over
    /// before leaving, unless nobody else is left.
    pub async fn remove_member(
        &self,
        caller: Principal,
        id: RoomId,
        user: UserId,
    ) -> ServiceResult<RoomEvent> {
        let (room, me) = self.membership(caller, id).await?;
        require_group(&room)?;
        let by_self = user == caller.user_id;
        if by_self {
            if me.role == Role::Owner && room.member_count > 1 {
                return Err(ServiceError::Forbidden(
                    "hand the room to someone else before leaving it".to_owned(),
                ));
            }
        } else {
            require_role(&me, Role::Admin)?;
            let target = self.current_member(id, user).await?;
            if target.role >= me.role {
                return Err(ServiceError::Forbidden(
                    "you can only remove members below your own role".to_owned(),
                ));
            }
        }
        self.apply(
            caller,
            id,
            RoomChange::RemoveMember {
                user_id: user,
                by_self,
            },
        )
        .await?
        .ok_or(ServiceError::NotFound("member"))
    }

    /// Makes a member an admin or a plain member again (the owner only).
    pub async fn set_role(
        &self,
        caller: Principal,
        id: RoomId,
        user: UserId,
        role: Role,
    ) -> ServiceResult<Option<RoomEvent>> {
        let (room, me) = self.membership(caller, id).await?;
        require_group(&room)?;
        require_role(&me, Role::Owner)?;
        if role == Role::Owner {
            return Err(ServiceError::invalid(
                "role",
                "use transfer-ownership to make someone the owner",
            ));
        }
        if user == caller.user_id {
            return Err(ServiceError::invalid(
                "user_id",
                "the owner's role changes only by handing the room over",
            ));
        }
        self.current_member(id, user).await?;
        self.apply(
            caller,
            id,
            RoomChange::SetRole {
                user_id: user,
                role,
            },
        )
        .await
    }

    /// Hands the room to another member; the owner becomes an admin.
    pub async fn transfer_ownership(
        &self,
        caller: Principal,
        id: RoomId,
        to: UserId,
    ) -> ServiceResult<RoomEvent> {
        let (room, me) = self.membership(caller, id).await?;
        require_group(&room)?;
        require_role(&me, Role::Owner)?;
        if to == caller.user_id {
            return Err(ServiceError::invalid(
                "user_id",
                "you already own this room",
            ));
        }
        self.apply(caller, id, RoomChange::TransferOwnership { to })
            .await?
            .ok_or(ServiceError::NotFound("member"))
    }

    /// `Forbidden` unless the caller may change the group's settings (an admin or
    /// the owner).
    pub async fn require_manager(&self, caller: Principal, id: RoomId) -> ServiceResult<()> {
        let (room, me) = self.membership(caller, id).await?;
        require_group(&room)?;
        require_role(&me, Role::Admin)
    }

    /// Sets (or removes) a group's picture (admins and the owner): a file made for
    /// it by `Files::avatar`.
    pub async fn set_avatar(
        &self,
        caller: Principal,
        id: RoomId,
        file_id: Option<String>,
    ) -> ServiceResult<Room> {
        let (room, me) = self.membership(caller, id).await?;
        require_group(&room)?;
        require_role(&me, Role::Admin)?;
        if room.avatar_file_id != file_id {
            self.apply(caller, id, RoomChange::SetAvatar { file_id })
                .await?;
        }
        let (room, _) = self.membership(caller, id).await?;
        Ok(room_view(room))
    }

    /// Renames the room, changes its topic, who may join it or who may post in it
    /// (admins and the owner).
    pub async fn update(
        &self,
        caller: Principal,
        id: RoomId,
        request: &UpdateRoomRequest,
    ) -> ServiceResult<Room> {
        let (room, me) = self.membership(caller, id).await?;
        require_group(&room)?;
        require_role(&me, Role::Admin)?;
        let name = request
            .name
            .as_deref()
            .map(|n| self.room_name(n))
            .transpose()?;
        let topic = request
            .topic
            .as_deref()
            .map(|t| self.room_topic(t))
            .transpose()?;
        if let Some(name) = name.filter(|n| *n != room.name) {
            self.apply(caller, id, RoomChange::Rename { name }).await?;
        }
        if let Some(topic) = topic.filter(|t| *t != room.topic) {
            self.apply(caller, id, RoomChange::SetTopic { topic })
                .await?;
        }
        self.set_access(caller, &room, request).await?;
        let (room, _) = self.membership(caller, id).await?;
        Ok(room_view(room))
    }
}
