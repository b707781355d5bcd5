//! Who is in a room and how it is set up: creating groups and direct rooms, adding
//! and removing members, roles, ownership, name and topic.
//!
//! Roles: the owner may do everything, including naming admins and handing the room
//! over; admins manage members (below their own role), the name and the topic, and
//! may delete anyone's message; members send, edit and delete their own messages,
//! react, and leave. Direct rooms have no roles that matter: their two members can
//! only talk. Non-members can do nothing and see nothing (`Forbidden`).

use super::service::{Rooms, require_group, require_role};
use super::views::room_view;
use crate::clock::now_millis;
use crate::service::accounts::tokens::Principal;
use crate::service::validate::single_line_text;
use crate::service::{ServiceError, ServiceResult};
use crate::store::StoreError;
use crate::store::rooms::{NewRoom, RoomChange, RoomRecord};
use confab_proto::events::RoomEvent;
use confab_proto::rooms::{CreateGroupRequest, Role, Room, RoomKind, UpdateRoomRequest};
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

    /// Creates a group owned by the caller, with the given members.
    pub async fn create_group(
        &self,
        caller: Principal,
        request: &CreateGroupRequest,
    ) -> ServiceResult<Room> {
        let name = self.room_name(&request.name)?;
        let topic = self.room_topic(&request.topic)?;
        let mut members = vec![(caller.user_id, Role::Owner)];
        for &user in &request.members {
            if !members.iter().any(|&(id, _)| id == user) {
                members.push((user, Role::Member));
            }
        }
        if members.len() > self.limits.max_members as usize {
            return Err(ServiceError::invalid(
                "members",
                format!("a room has at most {} members", self.limits.max_members),
            ));
        }
        for &(user, _) in &members {
            self.require_user(user, "members").await?;
            self.require_room_capacity(user, "members").await?;
        }
        self.charge_creation(caller.user_id, members.len() - 1)?;
        let new = NewRoom {
            kind: RoomKind::Group,
            name: &name,
            topic: &topic,
            encrypted: request.encrypted,
            direct_key: None,
            creator: caller.user_id,
            members: &members,
            now: now_millis(),
        };
        let room = self.create_room(new).await?;
        Ok(room_view(room))
    }

    /// The direct room of the caller and `peer`, created on first use. Returns the
    /// room and whether it was created now.
    pub async fn open_direct(
        &self,
        caller: Principal,
        peer: UserId,
    ) -> ServiceResult<(Room, bool)> {
        if peer == caller.user_id {
            return Err(ServiceError::invalid(
                "user_id",
                "a direct room needs another person",
            ));
        }
        self.require_user(peer, "user_id").await?;
        let key = direct_key(caller.user_id, peer);
        if let Some(room) = self.rooms.direct_room(&key).await? {
            return Ok((room_view(room), false));
        }
        self.require_room_capacity(caller.user_id, "user_id")
            .await?;
        self.require_room_capacity(peer, "user_id").await?;
        self.charge_creation(caller.user_id, 1)?;
        let members = [(caller.user_id, Role::Member), (peer, Role::Member)];
        let new = NewRoom {
            kind: RoomKind::Direct,
            name: "",
            topic: "",
            encrypted: false,
            direct_key: Some(&key),
            creator: caller.user_id,
            members: &members,
            now: now_millis(),
        };
        match self.create_room(new).await {
            Ok(room) => Ok((room_view(room), true)),
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

    /// Adds people to a group (admins and the owner).
    pub async fn add_members(
        &self,
        caller: Principal,
        id: RoomId,
        users: &[UserId],
    ) -> ServiceResult<Vec<RoomEvent>> {
        let (room, me) = self.membership(caller, id).await?;
        require_group(&room)?;
        require_role(&me, Role::Admin)?;
        // Check everyone first, so that a bad entry adds nobody.
        let mut newcomers = Vec::new();
        for &user in users {
            if newcomers.contains(&user) || self.current_member(id, user).await.is_ok() {
                continue;
            }
            self.require_user(user, "user_ids").await?;
            self.require_room_capacity(user, "user_ids").await?;
            newcomers.push(user);
        }
        if room.member_count + newcomers.len() as i64 > i64::from(self.limits.max_members) {
            return Err(ServiceError::invalid(
                "user_ids",
                format!("a room has at most {} members", self.limits.max_members),
            ));
        }
        self.charge_additions(caller.user_id, newcomers.len())?;
        let mut events = Vec::new();
        for user in newcomers {
            let change = RoomChange::AddMember {
                user_id: user,
                role: Role::Member,
            };
            if let Some(event) = self.apply(caller, id, change).await? {
                events.push(event);
            }
        }
        Ok(events)
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

    /// Renames the room and/or changes its topic (admins and the owner).
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
        let (room, _) = self.membership(caller, id).await?;
        Ok(room_view(room))
    }
}

/// `"<smaller id>:<larger id>"`: the same for both people of a pair.
fn direct_key(a: UserId, b: UserId) -> String {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    format!("{low}:{high}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_keys_do_not_depend_on_order() {
        assert_eq!(
            direct_key(UserId(7), UserId(3)),
            direct_key(UserId(3), UserId(7))
        );
        assert_eq!(direct_key(UserId(3), UserId(7)), "3:7");
    }
}
