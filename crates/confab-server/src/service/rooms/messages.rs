//! Messages: sending (idempotent by client id), editing, deleting, reacting, and
//! what a message body and its mentions may be.

use super::channels::require_may_post;
use super::service::{Rooms, not_member};
use crate::service::accounts::tokens::Principal;
use crate::service::files::ENCRYPTED_CONTENT_TYPE;
use crate::service::mls::{encrypted_message, refusal_error};
use crate::service::notifications::{may_mention_room, mentions_room};
use crate::service::validate::Username;
use crate::service::{ServiceError, ServiceResult};
use crate::store::events::{AttachmentRecord, BodyRecord, ContentRecord};
use crate::store::rooms::{Appended, RoomChange, RoomRecord};
use confab_proto::events::{MessageBody, RoomEvent, SendMessageRequest};
use confab_proto::rooms::{Role, RoomKind};
use confab_proto::{RoomId, UserId};

/// Longest client id of a message, in bytes.
pub const CLIENT_ID_MAX: usize = 64;
/// Longest reaction, in bytes: the longest emoji sequences (a kiss of two people
/// with two skin tones) take 35.
pub const REACTION_MAX: usize = 64;
/// Most distinct users one message can mention.
pub const MENTIONS_MAX: usize = 32;

/// A stored event and whether it was created by this call (false for a retried send
/// that returned the original).
#[derive(Clone, Debug)]
pub struct Sent {
    pub event: RoomEvent,
    pub created: bool,
}

impl Rooms {
    /// Sends a message. A retry with the same client id returns the original.
    pub async fn send(
        &self,
        caller: Principal,
        id: RoomId,
        request: &SendMessageRequest,
    ) -> ServiceResult<Sent> {
        let (room, member) = self.membership(caller, id).await?;
        self.require_unblocked(caller, &room).await?;
        require_may_post(&room, member.role)?;
        if let MessageBody::Text { text } = &request.body
            && room.kind == RoomKind::Group
            && mentions_room(text)
            && !may_mention_room(member.role, self.room_mention_role)
        {
            return Err(ServiceError::Forbidden(
                "your role in this group may not mention @room".to_owned(),
            ));
        }
        let len = request.client_id.len();
        if len == 0 || len > CLIENT_ID_MAX || request.client_id.chars().any(char::is_control) {
            return Err(ServiceError::invalid(
                "client_id",
                format!("a client id has 1 to {CLIENT_ID_MAX} bytes"),
            ));
        }
        let attachments = self
            .attachments(caller, &room, &request.attachments)
            .await?;
        self.check_body(&room, &request.body, !attachments.is_empty())?;
        let mentions = match &request.body {
            MessageBody::Text { text } => self.mentions(id, caller.user_id, text).await?,
            MessageBody::Encrypted { .. } => Vec::new(),
        };
        let change = match &request.body {
            MessageBody::Encrypted { ciphertext } => {
                if request.reply_to.is_some() {
                    return Err(ServiceError::invalid(
                        "reply_to",
                        "in an end-to-end encrypted room, what a message replies to is inside its ciphertext",
                    ));
                }
                encrypted_message(
                    &room,
                    caller,
                    &request.client_id,
                    ciphertext,
                    2 * self.limits.max_message_bytes,
                    attachments,
                )?
            }
            MessageBody::Text { .. } => RoomChange::SendMessage {
                client_id: request.client_id.clone(),
                body: BodyRecord::from(&request.body),
                reply_to: request.reply_to,
                mentions,
                attachments,
            },
        };
        match self.append(id, caller, change).await? {
            Appended::Event(event) => {
                self.offer_preview(caller, &event);
                Ok(Sent {
                    event: event.into(),
                    created: true,
                })
            }
            Appended::Duplicate(event) if event.room_id == id => Ok(Sent {
                event: event.into(),
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
            Appended::MlsRefused(refusal) => Err(refusal_error(refusal)),
            Appended::Unchanged | Appended::NotAllowed | Appended::LimitReached => {
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
        require_plain(&room, "body", "edits")?;
        self.require_unblocked(caller, &room).await?;
        let message = self.live_message(id, seq).await?;
        if message.sender_id != caller.user_id {
            return Err(ServiceError::Forbidden(
                "you can only edit your own messages".to_owned(),
            ));
        }
        let has_files =
            matches!(&message.content, ContentRecord::Message(m) if !m.attachments.is_empty());
        self.check_body(&room, body, has_files)?;
        self.apply(
            caller,
            id,
            RoomChange::EditMessage {
                seq,
                body: BodyRecord::from(body),
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
        let (room, _) = self.membership(caller, id).await?;
        require_plain(&room, "emoji", "reactions")?;
        if add {
            self.require_unblocked(caller, &room).await?;
        }
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

    /// Checks a message body; `may_be_empty` for a message that carries files.
    fn check_body(
        &self,
        room: &RoomRecord,
        body: &MessageBody,
        may_be_empty: bool,
    ) -> ServiceResult<()> {
        match (room.encrypted, body) {
            (false, MessageBody::Text { text }) => {
                if text.trim().is_empty() && !may_be_empty {
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

    /// The files a message is to carry: uploaded by the sender, each once, at most
    /// `--max-attachments`; in an encrypted room only files uploaded encrypted (whose
    /// bytes the server cannot read), and those only there.
    async fn attachments(
        &self,
        caller: Principal,
        room: &RoomRecord,
        ids: &[String],
    ) -> ServiceResult<Vec<AttachmentRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let max = self.file_limits.max_attachments;
        if ids.len() > max {
            return Err(ServiceError::invalid(
                "attachments",
                format!("a message carries at most {max} files"),
            ));
        }
        let mut found = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            if ids[..i].contains(id) {
                return Err(ServiceError::invalid(
                    "attachments",
                    format!("file {id} is attached twice"),
                ));
            }
            match self.files.file(id).await? {
                Some(file) if file.uploader_id == caller.user_id => {
                    let encrypted = file.content_type == ENCRYPTED_CONTENT_TYPE;
                    if encrypted != room.encrypted {
                        return Err(ServiceError::invalid(
                            "attachments",
                            if room.encrypted {
                                format!(
                                    "file {id} was not uploaded encrypted: an end-to-end encrypted room carries only encrypted files"
                                )
                            } else {
                                format!(
                                    "file {id} was uploaded encrypted: it belongs in an end-to-end encrypted room"
                                )
                            },
                        ));
                    }
                    found.push(file.attachment());
                }
                _ => {
                    return Err(ServiceError::invalid(
                        "attachments",
                        format!("you uploaded no file {id}"),
                    ));
                }
            }
        }
        Ok(found)
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

/// The `@name` tokens of a text that could be usernames, lower-cased, without
/// duplicates, in order: the candidates a sent message's mentions are looked up from
/// (docs/protocol.md, "Mentions"). Public for the fuzz target `mentions` (fuzz/).
pub fn mentioned_names(text: &str) -> Vec<String> {
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
        // Only a name an account could have is looked up: `@_x`, a name over 32
        // characters or a reserved one would cost a query for nothing and use up
        // one of the MENTIONS_MAX lookups.
        if !preceded_by_word && Username::parse(&name).is_ok() && !names.contains(&name) {
            names.push(name);
        }
        rest = tail;
    }
    names
}

/// `invalid_input` in an end-to-end encrypted room, where `what` (edits, reactions,
/// pins)
/// travel inside encrypted messages: the server cannot apply them to ciphertext.
pub(super) fn require_plain(
    room: &RoomRecord,
    field: &'static str,
    what: &str,
) -> ServiceResult<()> {
    if room.encrypted {
        Err(ServiceError::invalid(
            field,
            format!("in an end-to-end encrypted room, {what} are sent as encrypted messages"),
        ))
    } else {
        Ok(())
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

    /// Found by the fuzz target `mentions`: candidates no account could have.
    #[test]
    fn only_possible_usernames_are_mentioned() {
        assert!(mentioned_names("@_hidden @.dot @a23456789012345678901234567890abcdef").is_empty());
        assert!(mentioned_names("@Admin @system").is_empty());
        assert_eq!(
            mentioned_names("@_x @a23456789012345678901234567890ab @carol"),
            ["a23456789012345678901234567890ab", "carol"]
        );
    }
}
