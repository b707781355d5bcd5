//! Rooms and messages: who may do what in a room, and what a message may contain.
//!
//! Roles: the owner may do everything, including naming admins and handing the room
//! over; admins manage members (below their own role), the name and the topic, and
//! may delete anyone's message; members send, edit and delete their own messages,
//! react, and leave. Direct rooms have no roles that matter: their two members can
//! only talk. Non-members can do nothing and see nothing (`Forbidden`).

use super::tokens::Principal;
use super::validate::{UserIdList, single_line_text};
use super::{ServiceError, ServiceResult, SharedStore};
use crate::clock::{now_millis, timestamp};
pub use crate::config::RoomLimits;
use crate::realtime::Hub;
use crate::store::StoreError;
use crate::store::rooms::{
    Appended, HistoryAnchor, MemberRecord, NewRoom, RoomChange, RoomRecord, RoomStore,
};
use confab_proto::events::{EventContent, HistoryPage, MessageBody, RoomEvent, SendMessageRequest};
use confab_proto::rooms::{
    CreateGroupRequest, Member, Role, Room, RoomKind, RoomSummary, UpdateRoomRequest,
};
use confab_proto::users::Presence;
use confab_proto::ws::ServerFrame;
use confab_proto::{EventId, RoomId, UserId};
use std::sync::Arc;

/// Longest client id of a message, in bytes.
pub const CLIENT_ID_MAX: usize = 64;
/// Longest reaction, in bytes (an emoji with modifiers fits easily).
pub const REACTION_MAX: usize = 32;
/// Most events one history page returns.
pub const HISTORY_PAGE_MAX: u32 = 100;
/// Most distinct users one message can mention.
pub const MENTIONS_MAX: usize = 32;

/// The rooms service.
pub struct Rooms {
    rooms: Arc<dyn RoomStore>,
    hub: Arc<Hub>,
    accounts: SharedStore,
    limits: RoomLimits,
}

/// Result of [`Rooms::replay`].
#[derive(Clone, Debug)]
pub enum Replay {
    Events(Vec<RoomEvent>),
    /// The gap is too long to replay; continue live after `cursor`.
    TooOld {
        cursor: EventId,
    },
}

/// A stored event and whether it was created by this call (false for a retried send
/// that returned the original).
#[derive(Clone, Debug)]
pub struct Sent {
    pub event: RoomEvent,
    pub created: bool,
}

impl Rooms {
    pub fn new(
        rooms: Arc<dyn RoomStore>,
        hub: Arc<Hub>,
        accounts: SharedStore,
        limits: RoomLimits,
    ) -> Self {
        Self {
            rooms,
            hub,
            accounts,
            limits,
        }
    }

    fn room_name(&self, input: &str) -> ServiceResult<String> {
        single_line_text("name", "a room name", input, 1, self.limits.max_name_chars)
    }

    fn room_topic(&self, input: &str) -> ServiceResult<String> {
        single_line_text("topic", "a topic", input, 0, self.limits.max_topic_chars)
    }

    /// Stores a new room and tells the fan-out about its first events.
    async fn create_room(&self, new: NewRoom<'_>) -> Result<RoomRecord, StoreError> {
        let (room, _) = self.rooms.create_room(new).await?;
        self.hub.wake();
        Ok(room)
    }

    /// Applies one change and, if it stored an event, tells the fan-out.
    async fn append(
        &self,
        id: RoomId,
        caller: Principal,
        change: RoomChange,
    ) -> ServiceResult<Appended> {
        let appended = self
            .rooms
            .append(id, caller.user_id, change, now_millis())
            .await?;
        if matches!(appended, Appended::Event(_)) {
            self.hub.wake();
        }
        Ok(appended)
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

    /// A room the caller is a member of.
    pub async fn room(&self, caller: Principal, id: RoomId) -> ServiceResult<Room> {
        let (room, _) = self.membership(caller, id).await?;
        Ok(room_view(room))
    }

    /// The caller's rooms with unread and mention counts, most recently active first.
    pub async fn list(&self, caller: Principal) -> ServiceResult<Vec<RoomSummary>> {
        let entries = self.rooms.room_list(caller.user_id).await?;
        Ok(entries
            .into_iter()
            .map(|entry| RoomSummary {
                my_role: entry.membership.role,
                read_seq: entry.membership.read_seq,
                room: room_view(entry.room),
                peer: entry.peer,
                last_message: entry.last_message,
                unread_count: entry.unread_count,
                mention_count: entry.mention_count,
            })
            .collect())
    }

    /// The room's current members.
    pub async fn members(&self, caller: Principal, id: RoomId) -> ServiceResult<Vec<Member>> {
        self.membership(caller, id).await?;
        Ok(self
            .rooms
            .members(id)
            .await?
            .into_iter()
            .map(member_view)
            .collect())
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
        self.room(caller, id).await
    }

    /// Sends a message. A retry with the same client id returns the original.
    pub async fn send(
        &self,
        caller: Principal,
        id: RoomId,
        request: &SendMessageRequest,
    ) -> ServiceResult<Sent> {
        let (room, _) = self.membership(caller, id).await?;
        let len = request.client_id.len();
        if len == 0 || len > CLIENT_ID_MAX || request.client_id.chars().any(char::is_control) {
            return Err(ServiceError::invalid(
                "client_id",
                format!("a client id has 1 to {CLIENT_ID_MAX} bytes"),
            ));
        }
        self.check_body(&room, &request.body)?;
        let mentions = match &request.body {
            MessageBody::Text { text } => self.mentions(id, caller.user_id, text).await?,
            MessageBody::Encrypted { .. } => Vec::new(),
        };
        let change = RoomChange::SendMessage {
            client_id: request.client_id.clone(),
            body: request.body.clone(),
            reply_to: request.reply_to,
            mentions,
        };
        match self.append(id, caller, change).await? {
            Appended::Event(event) => Ok(Sent {
                event,
                created: true,
            }),
            Appended::Duplicate(event) if event.room_id == id => Ok(Sent {
                event,
                created: false,
            }),
            Appended::Duplicate(_) => Err(ServiceError::invalid(
                "client_id",
                "this client id was used for another room",
            )),
            Appended::TargetMissing => Err(ServiceError::invalid(
                "reply_to",
                "the message replied to does not exist",
            )),
            Appended::NotMember => Err(not_member()),
            Appended::Unchanged | Appended::NotAllowed => {
                Err(ServiceError::Internal("a send changed nothing".to_owned()))
            }
        }
    }

    /// Replaces the body of one of the caller's own messages.
    pub async fn edit(
        &self,
        caller: Principal,
        id: RoomId,
        seq: i64,
        body: &MessageBody,
    ) -> ServiceResult<RoomEvent> {
        let (room, _) = self.membership(caller, id).await?;
        let message = self.live_message(id, seq).await?;
        if message.sender_id != caller.user_id {
            return Err(ServiceError::Forbidden(
                "you can only edit your own messages".to_owned(),
            ));
        }
        self.check_body(&room, body)?;
        self.apply(
            caller,
            id,
            RoomChange::EditMessage {
                seq,
                body: body.clone(),
            },
        )
        .await?
        .ok_or(ServiceError::NotFound("message"))
    }

    /// Deletes a message, leaving a tombstone: one's own, or anyone's for admins.
    pub async fn delete(
        &self,
        caller: Principal,
        id: RoomId,
        seq: i64,
    ) -> ServiceResult<RoomEvent> {
        let (room, me) = self.membership(caller, id).await?;
        let message = self.live_message(id, seq).await?;
        let moderator = room.kind == RoomKind::Group && me.role >= Role::Admin;
        if message.sender_id != caller.user_id && !moderator {
            return Err(ServiceError::Forbidden(
                "you can only delete your own messages".to_owned(),
            ));
        }
        self.apply(caller, id, RoomChange::DeleteMessage { seq })
            .await?
            .ok_or(ServiceError::NotFound("message"))
    }

    /// Adds or removes the caller's reaction; `None` if it was already so.
    pub async fn react(
        &self,
        caller: Principal,
        id: RoomId,
        seq: i64,
        emoji: &str,
        add: bool,
    ) -> ServiceResult<Option<RoomEvent>> {
        self.membership(caller, id).await?;
        if emoji.is_empty()
            || emoji.len() > REACTION_MAX
            || emoji.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ServiceError::invalid(
                "emoji",
                format!("a reaction is 1 to {REACTION_MAX} bytes without spaces"),
            ));
        }
        self.live_message(id, seq).await?;
        let change = if add {
            RoomChange::AddReaction {
                seq,
                emoji: emoji.to_owned(),
            }
        } else {
            RoomChange::RemoveReaction {
                seq,
                emoji: emoji.to_owned(),
            }
        };
        self.apply(caller, id, change).await
    }

    /// A page of the room's timeline.
    pub async fn history(
        &self,
        caller: Principal,
        id: RoomId,
        anchor: HistoryAnchor,
        limit: Option<u32>,
    ) -> ServiceResult<HistoryPage> {
        self.membership(caller, id).await?;
        let limit = limit.unwrap_or(50).clamp(1, HISTORY_PAGE_MAX);
        Ok(self.rooms.history(id, anchor, limit).await?)
    }

    /// Moves the caller's read marker (and delivery marker) forward to `seq`; every
    /// member, and the caller's other devices, see a `read_up_to` event. `None` if the
    /// marker was already there.
    pub async fn mark_read(
        &self,
        caller: Principal,
        id: RoomId,
        seq: i64,
    ) -> ServiceResult<Option<RoomEvent>> {
        self.move_marker(caller, id, seq, RoomChange::MarkRead { seq })
            .await
    }

    /// Records that one of the caller's devices received everything up to `seq`.
    pub async fn mark_delivered(
        &self,
        caller: Principal,
        id: RoomId,
        seq: i64,
    ) -> ServiceResult<Option<RoomEvent>> {
        self.move_marker(caller, id, seq, RoomChange::MarkDelivered { seq })
            .await
    }

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
            let (status, seen_here) = self.hub.presence(user);
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
        self.membership(caller, id).await?;
        let frame = ServerFrame::Typing {
            room_id: id,
            user_id: caller.user_id,
            typing,
        };
        let bytes =
            serde_json::to_vec(&frame).map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok(self.hub.broadcast(id, caller.user_id, bytes.into()).await?)
    }

    async fn move_marker(
        &self,
        caller: Principal,
        id: RoomId,
        seq: i64,
        change: RoomChange,
    ) -> ServiceResult<Option<RoomEvent>> {
        let (room, _) = self.membership(caller, id).await?;
        if seq < 0 || seq > room.last_seq {
            return Err(ServiceError::invalid(
                "seq",
                "that sequence number does not exist in this room yet",
            ));
        }
        self.apply(caller, id, change).await
    }

    /// The id of the newest stored event: where a fresh live stream starts.
    pub async fn cursor(&self) -> ServiceResult<EventId> {
        Ok(self.rooms.latest_event_id().await?)
    }

    /// What the caller missed after `since`: at most `limit` events in log order,
    /// or `TooOld` with the current cursor when more than that happened.
    pub async fn replay(
        &self,
        caller: Principal,
        since: EventId,
        limit: u32,
    ) -> ServiceResult<Replay> {
        let mut missed = self
            .rooms
            .events_for_user_after(caller.user_id, since, limit.saturating_add(1))
            .await?;
        if missed.len() > limit as usize {
            missed.clear();
            return Ok(Replay::TooOld {
                cursor: self.cursor().await?,
            });
        }
        Ok(Replay::Events(missed))
    }

    /// Applies a change as the caller; `None` when it changed nothing.
    async fn apply(
        &self,
        caller: Principal,
        id: RoomId,
        change: RoomChange,
    ) -> ServiceResult<Option<RoomEvent>> {
        match self.append(id, caller, change).await? {
            Appended::Event(event) => Ok(Some(event)),
            Appended::Unchanged | Appended::TargetMissing | Appended::Duplicate(_) => Ok(None),
            Appended::NotMember => Err(not_member()),
            Appended::NotAllowed => Err(ServiceError::Forbidden(
                "your role changed meanwhile".to_owned(),
            )),
        }
    }

    /// The room and the caller's current membership, or `Forbidden`/`NotFound`.
    async fn membership(
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

    async fn current_member(&self, id: RoomId, user: UserId) -> ServiceResult<MemberRecord> {
        match self.rooms.member(id, user).await? {
            Some(member) if member.is_current() => Ok(member),
            _ => Err(ServiceError::NotFound("member")),
        }
    }

    async fn live_message(&self, id: RoomId, seq: i64) -> ServiceResult<RoomEvent> {
        match self.rooms.message(id, seq).await? {
            Some(event) if matches!(&event.content, EventContent::Message(m) if m.deleted_at.is_none()) => {
                Ok(event)
            }
            _ => Err(ServiceError::NotFound("message")),
        }
    }

    async fn require_user(&self, user: UserId, field: &'static str) -> ServiceResult<()> {
        match self.accounts.user_by_id(user).await? {
            Some(_) => Ok(()),
            None => Err(ServiceError::invalid(
                field,
                format!("there is no user {user}"),
            )),
        }
    }

    async fn require_room_capacity(&self, user: UserId, field: &'static str) -> ServiceResult<()> {
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

    fn check_body(&self, room: &RoomRecord, body: &MessageBody) -> ServiceResult<()> {
        match (room.encrypted, body) {
            (false, MessageBody::Text { text }) => {
                if text.trim().is_empty() {
                    return Err(ServiceError::invalid("body", "a message cannot be empty"));
                }
                if text.len() > self.limits.max_message_bytes {
                    return Err(ServiceError::invalid(
                        "body",
                        format!(
                            "a message has at most {} bytes",
                            self.limits.max_message_bytes
                        ),
                    ));
                }
                Ok(())
            }
            (true, MessageBody::Encrypted { ciphertext }) => {
                if ciphertext.is_empty() || ciphertext.len() > 2 * self.limits.max_message_bytes {
                    return Err(ServiceError::invalid(
                        "body",
                        "the ciphertext is empty or too large",
                    ));
                }
                Ok(())
            }
            (true, _) => Err(ServiceError::invalid(
                "body",
                "this room is end-to-end encrypted: send ciphertext",
            )),
            (false, _) => Err(ServiceError::invalid(
                "body",
                "this room is not encrypted: send text",
            )),
        }
    }

    /// Current members other than the sender named as `@username` in `text`.
    async fn mentions(
        &self,
        room: RoomId,
        sender: UserId,
        text: &str,
    ) -> ServiceResult<Vec<UserId>> {
        let mut found = Vec::new();
        for name in mentioned_names(text).into_iter().take(MENTIONS_MAX) {
            let Some(user) = self.accounts.user_by_username_key(&name).await? else {
                continue;
            };
            if user.id != sender
                && !found.contains(&user.id)
                && self.current_member(room, user.id).await.is_ok()
            {
                found.push(user.id);
            }
        }
        Ok(found)
    }
}

/// The `@name` tokens of a text, lower-cased, without duplicates.
fn mentioned_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        let preceded_by_word = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric());
        let tail = &rest[at + 1..];
        let name: String = tail
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            .collect();
        let name = name.trim_end_matches(['.', '-']).to_ascii_lowercase();
        if !preceded_by_word && name.len() >= 3 && !names.contains(&name) {
            names.push(name);
        }
        rest = tail;
    }
    names
}

fn not_member() -> ServiceError {
    ServiceError::Forbidden("you are not a member of this room".to_owned())
}

fn require_group(room: &RoomRecord) -> ServiceResult<()> {
    match room.kind {
        RoomKind::Group => Ok(()),
        RoomKind::Direct => Err(ServiceError::Forbidden(
            "a direct room has exactly its two people".to_owned(),
        )),
    }
}

fn require_role(member: &MemberRecord, role: Role) -> ServiceResult<()> {
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

/// `"<smaller id>:<larger id>"`: the same for both people of a pair.
fn direct_key(a: UserId, b: UserId) -> String {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    format!("{low}:{high}")
}

fn room_view(room: RoomRecord) -> Room {
    Room {
        id: room.id,
        kind: room.kind,
        name: room.name,
        topic: room.topic,
        avatar_file_id: room.avatar_file_id,
        encrypted: room.encrypted,
        created_by: room.created_by,
        created_at: timestamp(room.created_at),
        last_seq: room.last_seq,
        last_activity_at: timestamp(room.last_activity_at),
        member_count: room.member_count,
    }
}

fn member_view(member: MemberRecord) -> Member {
    Member {
        user_id: member.user_id,
        role: member.role,
        joined_at: timestamp(member.joined_at),
        delivered_seq: member.delivered_seq,
        read_seq: member.read_seq,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_words_starting_with_at() {
        assert_eq!(
            mentioned_names("hi @Alice and @bob_2, see @alice."),
            ["alice", "bob_2"]
        );
        assert!(mentioned_names("mail me at x@example.com").is_empty());
        assert!(mentioned_names("@al is too short, @ alone too").is_empty());
    }

    #[test]
    fn direct_keys_do_not_depend_on_order() {
        assert_eq!(
            direct_key(UserId(7), UserId(3)),
            direct_key(UserId(3), UserId(7))
        );
        assert_eq!(direct_key(UserId(3), UserId(7)), "3:7");
    }
}
