//! The [`Rooms`] service: its parts, and the checks every room operation shares
//! (membership, roles, applying a change to the store).

use super::delivery::Delivery;
use crate::clock::now_millis;
use crate::config::{FileConfig, RoomLimits, RoomMentionRole};
use crate::service::accounts::tokens::Principal;
use crate::service::budget::Budget;
use crate::service::previews::PreviewQueue;
use crate::service::{ServiceError, ServiceResult, SharedStore};
use crate::store::consent::ConsentStore;
use crate::store::events::{ContentRecord, EventRecord};
use crate::store::files::FileStore;
use crate::store::rooms::{Appended, MemberRecord, RoomChange, RoomRecord, RoomStore};
use confab_proto::events::RoomEvent;
use confab_proto::rooms::{Role, RoomKind};
use confab_proto::{RoomId, UserId};
use std::sync::Arc;

/// The stores the rooms service works with.
pub struct RoomsStores {
    pub rooms: Arc<dyn RoomStore>,
    pub consent: Arc<dyn ConsentStore>,
    pub files: Arc<dyn FileStore>,
    pub accounts: SharedStore,
}

/// The rooms service.
pub struct Rooms {
    pub(super) rooms: Arc<dyn RoomStore>,
    pub(super) consent: Arc<dyn ConsentStore>,
    pub(super) files: Arc<dyn FileStore>,
    pub(super) delivery: Arc<dyn Delivery>,
    pub(super) accounts: SharedStore,
    pub(super) limits: RoomLimits,
    pub(super) file_limits: FileConfig,
    /// Rooms each account may create, and people it may invite, per hour.
    pub(super) created: Budget,
    pub(super) invited: Budget,
    /// Lowest role that may mention `@room` (`--room-mention-role`).
    pub(super) room_mention_role: RoomMentionRole,
    /// Where sent messages' links go to be previewed; `None`: previews are off.
    pub(super) previews: Option<PreviewQueue>,
}

impl Rooms {
    pub fn new(
        stores: RoomsStores,
        delivery: Arc<dyn Delivery>,
        limits: RoomLimits,
        file_limits: FileConfig,
        room_mention_role: RoomMentionRole,
        previews: Option<PreviewQueue>,
    ) -> Self {
        let RoomsStores {
            rooms,
            consent,
            files,
            accounts,
        } = stores;
        Self {
            rooms,
            consent,
            files,
            delivery,
            accounts,
            created: Budget::per_hour(limits.rooms_created_per_hour, "rooms created"),
            invited: Budget::per_hour(limits.invitations_per_hour, "people invited"),
            limits,
            file_limits,
            room_mention_role,
            previews,
        }
    }

    /// Takes a room creation that invites `others` people from the caller's budgets,
    /// or refuses it as a whole.
    pub(super) fn charge_creation(&self, caller: UserId, others: usize) -> ServiceResult<()> {
        self.charge_invitations(caller, others)?;
        self.created.charge(caller, 1)
    }

    /// Takes `people` invitations from the caller's budget, or refuses them all.
    pub(super) fn charge_invitations(&self, caller: UserId, people: usize) -> ServiceResult<()> {
        self.invited
            .charge(caller, u32::try_from(people).unwrap_or(u32::MAX))
    }

    /// Applies one change as the caller. Live delivery learns of the stored event
    /// from the store's commit signal, not from here.
    pub(super) async fn append(
        &self,
        id: RoomId,
        caller: Principal,
        change: RoomChange,
    ) -> ServiceResult<Appended> {
        Ok(self
            .rooms
            .append(id, caller.user_id, change, now_millis())
            .await?)
    }

    /// Applies a change as the caller; `None` when it changed nothing.
    pub(super) async fn apply(
        &self,
        caller: Principal,
        id: RoomId,
        change: RoomChange,
    ) -> ServiceResult<Option<RoomEvent>> {
        match self.append(id, caller, change).await? {
            Appended::Event(event) => Ok(Some(event.into())),
            Appended::Unchanged | Appended::TargetMissing | Appended::Duplicate(_) => Ok(None),
            Appended::NotMember => Err(not_member()),
            Appended::NotAllowed => Err(ServiceError::Forbidden(
                "your role changed meanwhile".to_owned(),
            )),
            Appended::MlsRefused(refusal) => Err(crate::service::mls::refusal_error(refusal)),
            Appended::LimitReached => Err(ServiceError::Internal(
                "a change with a limit went through the generic path".to_owned(),
            )),
        }
    }

    /// The room and the caller's current membership, or `Forbidden`/`NotFound`.
    pub(super) async fn membership(
        &self,
        caller: Principal,
        id: RoomId,
    ) -> ServiceResult<(RoomRecord, MemberRecord)> {
        let room = self
            .rooms
            .room(id)
            .await?
            .ok_or(ServiceError::NotFound("room"))?;
        match self.rooms.member(id, caller.user_id).await? {
            Some(member) if member.is_current() => Ok((room, member)),
            _ => Err(not_member()),
        }
    }

    /// A current member of the room, or `NotFound`.
    pub(super) async fn current_member(
        &self,
        id: RoomId,
        user: UserId,
    ) -> ServiceResult<MemberRecord> {
        match self.rooms.member(id, user).await? {
            Some(member) if member.is_current() => Ok(member),
            _ => Err(ServiceError::NotFound("member")),
        }
    }

    /// A message of the room that is not deleted.
    pub(super) async fn live_message(&self, id: RoomId, seq: i64) -> ServiceResult<EventRecord> {
        match self.rooms.message(id, seq).await? {
            Some(event) if matches!(&event.content, ContentRecord::Message(m) if m.deleted_at.is_none()) => {
                Ok(event)
            }
            _ => Err(ServiceError::NotFound("message")),
        }
    }

    /// `InvalidInput` on `field` unless the account exists.
    pub(super) async fn require_user(
        &self,
        user: UserId,
        field: &'static str,
    ) -> ServiceResult<()> {
        match self.accounts.user_by_id(user).await? {
            Some(_) => Ok(()),
            None => Err(ServiceError::invalid(
                field,
                format!("there is no user {user}"),
            )),
        }
    }

    /// `InvalidInput` on `field` if the user is in as many rooms as allowed.
    pub(super) async fn require_room_capacity(
        &self,
        user: UserId,
        field: &'static str,
    ) -> ServiceResult<()> {
        if self.rooms.room_count(user).await? >= i64::from(self.limits.max_rooms_per_user) {
            return Err(ServiceError::invalid(
                field,
                format!(
                    "user {user} is already in {} rooms, the most allowed",
                    self.limits.max_rooms_per_user
                ),
            ));
        }
        Ok(())
    }
}

impl Rooms {
    /// `Forbidden` when the room is a direct room and one of its two people blocked
    /// the other: nothing new may be said in it (deleting stays possible).
    pub(super) async fn require_unblocked(
        &self,
        caller: Principal,
        room: &RoomRecord,
    ) -> ServiceResult<()> {
        let Some(peer) = room.peer_of(caller.user_id) else {
            return Ok(());
        };
        if self.consent.blocked_between(caller.user_id, peer).await? {
            return Err(ServiceError::Forbidden(
                "you cannot write to this person: one of you blocked the other".to_owned(),
            ));
        }
        Ok(())
    }
}

/// The error for someone who is not a member.
pub(super) fn not_member() -> ServiceError {
    ServiceError::Forbidden("you are not a member of this room".to_owned())
}

/// `Forbidden` for direct rooms, whose membership never changes.
pub(super) fn require_group(room: &RoomRecord) -> ServiceResult<()> {
    match room.kind {
        RoomKind::Group => Ok(()),
        RoomKind::Direct => Err(ServiceError::Forbidden(
            "a direct room has exactly its two people".to_owned(),
        )),
    }
}

/// `Forbidden` unless the member has `role` or a higher one.
pub(super) fn require_role(member: &MemberRecord, role: Role) -> ServiceResult<()> {
    if member.role >= role {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(format!(
            "only a room {} or above may do this",
            role_name(role)
        )))
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Admin => "admin",
        Role::Member => "member",
    }
}
