//! Public channels and announcement rooms: the channel directory, joining a public
//! group, and who may join or post in a group.
//!
//! A group is `private` (people join by invitation) or `public` (listed in the
//! directory, and anyone signed in joins it); its posting policy lets every member
//! post, or only admins and the owner (an announcements room). The creator chooses
//! both; admins change them later. An end-to-end encrypted group is never public:
//! its members' devices must add every newcomer to the MLS group, and a room anyone
//! can enter gains nothing from encryption.

use super::service::Rooms;
use crate::service::accounts::tokens::Principal;
use crate::service::{ServiceError, ServiceResult};
use crate::store::rooms::{Appended, DirectoryQuery, RoomChange, RoomRecord};
use crate::store::search::fold;
use confab_proto::RoomId;
use confab_proto::rooms::{
    ChannelEntry, ChannelPage, PostingPolicy, Role, RoomSummary, RoomVisibility, UpdateRoomRequest,
};

/// Largest page of the channel directory.
pub const DIRECTORY_PAGE_MAX: u32 = 100;
/// Page size of the channel directory when none is asked for.
pub const DIRECTORY_PAGE_DEFAULT: u32 = 50;
/// Deepest a page of the channel directory may start: a search narrows it beyond.
pub const DIRECTORY_OFFSET_MAX: u32 = 10_000;
/// Longest directory search, in characters.
pub const DIRECTORY_QUERY_MAX_CHARS: usize = 100;
/// Most words of a directory search.
pub const DIRECTORY_QUERY_MAX_WORDS: usize = 8;

/// `InvalidInput` when an encrypted group would be public.
pub(super) fn check_access(encrypted: bool, visibility: RoomVisibility) -> ServiceResult<()> {
    if encrypted && visibility == RoomVisibility::Public {
        return Err(ServiceError::invalid(
            "visibility",
            "an end-to-end encrypted group cannot be public",
        ));
    }
    Ok(())
}

/// `Forbidden` when the room lets only admins post and `role` is below admin.
pub(super) fn require_may_post(room: &RoomRecord, role: Role) -> ServiceResult<()> {
    if room.posting == PostingPolicy::Admins && role < Role::Admin {
        return Err(ServiceError::Forbidden(
            "only admins post in this room".to_owned(),
        ));
    }
    Ok(())
}

impl Rooms {
    /// A page of the public groups whose name or topic holds every word of `query`
    /// (case-insensitive), most members first.
    pub async fn directory(
        &self,
        caller: Principal,
        query: &str,
        offset: Option<u32>,
        limit: Option<u32>,
    ) -> ServiceResult<ChannelPage> {
        if query.chars().count() > DIRECTORY_QUERY_MAX_CHARS {
            return Err(ServiceError::invalid(
                "q",
                format!("a search has at most {DIRECTORY_QUERY_MAX_CHARS} characters"),
            ));
        }
        let words: Vec<String> = fold(query).split_whitespace().map(str::to_owned).collect();
        if words.len() > DIRECTORY_QUERY_MAX_WORDS {
            return Err(ServiceError::invalid(
                "q",
                format!("a search has at most {DIRECTORY_QUERY_MAX_WORDS} words"),
            ));
        }
        let offset = offset.unwrap_or(0);
        if offset > DIRECTORY_OFFSET_MAX {
            return Err(ServiceError::invalid(
                "offset",
                format!(
                    "pages start at most {DIRECTORY_OFFSET_MAX} entries in; search to narrow the list"
                ),
            ));
        }
        let page = self
            .rooms
            .directory(&DirectoryQuery {
                user: caller.user_id,
                words,
                offset,
                limit: limit
                    .unwrap_or(DIRECTORY_PAGE_DEFAULT)
                    .clamp(1, DIRECTORY_PAGE_MAX),
            })
            .await?;
        let channels = page
            .rooms
            .into_iter()
            .map(|(room, joined)| ChannelEntry {
                room_id: room.id,
                name: room.name,
                topic: room.topic,
                avatar_file_id: room.avatar_file_id,
                member_count: room.member_count,
                posting: room.posting,
                last_activity_at: crate::clock::timestamp(room.last_activity_at),
                joined,
            })
            .collect();
        Ok(ChannelPage {
            channels,
            total: page.total,
        })
    }

    /// Joins a public group as a member (an invitation to it, if any, is used up).
    /// Joining one the caller is in already returns it as it is.
    pub async fn join(&self, caller: Principal, id: RoomId) -> ServiceResult<RoomSummary> {
        let not_public =
            || ServiceError::Forbidden("this room is not public: join it by invitation".to_owned());
        let room = self
            .rooms
            .room(id)
            .await?
            .ok_or(ServiceError::NotFound("room"))?;
        if room.visibility != RoomVisibility::Public {
            // A private room's existence is not revealed to those outside it.
            return Err(match self.membership(caller, id).await {
                Ok(_) => not_public(),
                Err(_) => ServiceError::NotFound("room"),
            });
        }
        if self.current_member(id, caller.user_id).await.is_ok() {
            return self.room(caller, id).await;
        }
        if room.member_count >= i64::from(self.limits.max_members) {
            return Err(ServiceError::invalid(
                "id",
                format!("the room is full: it has {} members", room.member_count),
            ));
        }
        self.require_room_capacity(caller.user_id, "id").await?;
        match self.append(id, caller, RoomChange::JoinPublic).await? {
            Appended::Event(_) | Appended::Unchanged => {}
            // Made private meanwhile.
            Appended::NotAllowed => return Err(ServiceError::NotFound("room")),
            outcome => {
                return Err(ServiceError::Internal(format!(
                    "joining a public room gave {outcome:?}"
                )));
            }
        }
        self.delivery.invitation_ended(caller.user_id, id);
        self.room(caller, id).await
    }

    /// Sets who may join the group, post and pin in it (admins and the owner), as
    /// `request` asks; settings it leaves out stay.
    pub(super) async fn set_access(
        &self,
        caller: Principal,
        room: &RoomRecord,
        request: &UpdateRoomRequest,
    ) -> ServiceResult<()> {
        let visibility = request.visibility.unwrap_or(room.visibility);
        let posting = request.posting.unwrap_or(room.posting);
        let pinning = request.pinning.unwrap_or(room.pinning);
        check_access(room.encrypted, visibility)?;
        if (visibility, posting, pinning) != (room.visibility, room.posting, room.pinning) {
            self.apply(
                caller,
                room.id,
                RoomChange::SetAccess {
                    visibility,
                    posting,
                    pinning,
                },
            )
            .await?;
        }
        Ok(())
    }
}
