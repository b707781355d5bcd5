//! Room events as the store keeps them, apart from how the protocol sends them.
//!
//! [`EventRecord`] and its parts are the store's own types. The serde attributes on
//! [`ContentRecord`] and [`BodyRecord`] *are* the stored format (the JSON in the
//! `events.content` and `events.body` columns): every tag and field name is spelled
//! out, so renaming a Rust identifier here or a field in `confab-proto` never changes
//! what is written, and rows written by earlier versions keep reading
//! (`tests/room_store.rs` reads rows in the format of the first schema). Changing a
//! stored name needs a migration.
//!
//! The conversions to and from the wire types of `confab-proto` are the explicit
//! seam between the two: [`From<EventRecord> for RoomEvent`] and
//! [`From<&MessageBody> for BodyRecord`].

use super::previews::PreviewRecord;
use super::stored_names::{stored_pinning, stored_posting, stored_role, stored_visibility};
use crate::clock::{Millis, timestamp};
use confab_proto::events::{EventContent, MessageBody, MessageState, Reaction, RoomEvent};
use confab_proto::files::{FileInfo, ThumbnailInfo};
use confab_proto::rooms::{PinPolicy, PostingPolicy, Role, RoomVisibility};
use confab_proto::{EventId, RoomId, UserId};
use serde::{Deserialize, Serialize};

/// One stored event of a room. Its serde form is not stored (an event is spread over
/// columns); it is how committed events cross between nodes (`realtime::nats`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    #[serde(rename = "id")]
    pub id: EventId,
    #[serde(rename = "room_id")]
    pub room_id: RoomId,
    #[serde(rename = "seq")]
    pub seq: i64,
    #[serde(rename = "sender_id")]
    pub sender_id: UserId,
    #[serde(rename = "created_at")]
    pub created_at: Millis,
    #[serde(rename = "content")]
    pub content: ContentRecord,
}

/// The body of a message as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum BodyRecord {
    #[serde(rename = "text")]
    Text {
        #[serde(rename = "text")]
        text: String,
    },
    #[serde(rename = "encrypted")]
    Encrypted {
        #[serde(rename = "ciphertext")]
        ciphertext: String,
    },
}

/// A message with its current state, as stored in the message columns. (Its serde
/// form is not stored; it crosses between nodes inside an [`EventRecord`].)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    #[serde(rename = "client_id")]
    pub client_id: String,
    /// `None` once deleted.
    #[serde(rename = "body")]
    pub body: Option<BodyRecord>,
    #[serde(rename = "reply_to")]
    pub reply_to: Option<i64>,
    #[serde(rename = "mentions")]
    pub mentions: Vec<UserId>,
    /// Filled in by history reads only.
    #[serde(rename = "reactions")]
    pub reactions: Vec<ReactionRecord>,
    /// As sent (JSON in the `events.attachments` column); empty once deleted.
    #[serde(rename = "attachments")]
    pub attachments: Vec<AttachmentRecord>,
    #[serde(rename = "edited_at")]
    pub edited_at: Option<Millis>,
    #[serde(rename = "deleted_at")]
    pub deleted_at: Option<Millis>,
    /// The preview of its first link, once fetched (the `events.preview` column).
    #[serde(rename = "preview", default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<PreviewRecord>,
}

/// A file a message carries, as stored: what it was when the message was sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRecord {
    #[serde(rename = "id")]
    pub file_id: String,
    #[serde(rename = "name")]
    pub name: String,
    #[serde(rename = "size")]
    pub size: u64,
    #[serde(rename = "content_type")]
    pub content_type: String,
    #[serde(rename = "width", default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(rename = "height", default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(rename = "thumbnail", default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<ThumbnailRecord>,
}

/// An image's thumbnail, as stored in an [`AttachmentRecord`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThumbnailRecord {
    #[serde(rename = "width")]
    pub width: u32,
    #[serde(rename = "height")]
    pub height: u32,
    #[serde(rename = "content_type")]
    pub content_type: String,
}

impl From<AttachmentRecord> for FileInfo {
    fn from(record: AttachmentRecord) -> Self {
        Self {
            id: record.file_id,
            name: record.name,
            size: record.size,
            content_type: record.content_type,
            width: record.width,
            height: record.height,
            thumbnail: record.thumbnail.map(|t| ThumbnailInfo {
                width: t.width,
                height: t.height,
                content_type: t.content_type,
            }),
        }
    }
}

/// Everyone who reacted to a message with one emoji, in reaction order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionRecord {
    #[serde(rename = "emoji")]
    pub emoji: String,
    #[serde(rename = "user_ids")]
    pub user_ids: Vec<UserId>,
}

/// What an event records. Messages live in columns of their own; every other kind
/// is stored as this enum's JSON in `events.content`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ContentRecord {
    #[serde(rename = "room_created")]
    RoomCreated {
        #[serde(rename = "name")]
        name: String,
        #[serde(rename = "encrypted")]
        encrypted: bool,
    },
    /// Never stored as this JSON: a message's state is kept in the message columns
    /// (`changes::insert_event` writes `{}` here). Serialised only between nodes.
    #[serde(rename = "message")]
    Message(MessageRecord),
    #[serde(rename = "message_edited")]
    MessageEdited {
        #[serde(rename = "target_seq")]
        target_seq: i64,
        /// Removed once the message is deleted.
        #[serde(rename = "body", default, skip_serializing_if = "Option::is_none")]
        body: Option<BodyRecord>,
    },
    #[serde(rename = "message_deleted")]
    MessageDeleted {
        #[serde(rename = "target_seq")]
        target_seq: i64,
    },
    #[serde(rename = "reaction_added")]
    ReactionAdded {
        #[serde(rename = "target_seq")]
        target_seq: i64,
        #[serde(rename = "emoji")]
        emoji: String,
    },
    #[serde(rename = "reaction_removed")]
    ReactionRemoved {
        #[serde(rename = "target_seq")]
        target_seq: i64,
        #[serde(rename = "emoji")]
        emoji: String,
    },
    #[serde(rename = "member_added")]
    MemberAdded {
        #[serde(rename = "user_id")]
        user_id: UserId,
        #[serde(rename = "role", with = "stored_role")]
        role: Role,
    },
    #[serde(rename = "member_left")]
    MemberLeft {
        #[serde(rename = "user_id")]
        user_id: UserId,
    },
    #[serde(rename = "member_removed")]
    MemberRemoved {
        #[serde(rename = "user_id")]
        user_id: UserId,
    },
    #[serde(rename = "role_changed")]
    RoleChanged {
        #[serde(rename = "user_id")]
        user_id: UserId,
        #[serde(rename = "role", with = "stored_role")]
        role: Role,
    },
    #[serde(rename = "ownership_transferred")]
    OwnershipTransferred {
        #[serde(rename = "from")]
        from: UserId,
        #[serde(rename = "to")]
        to: UserId,
    },
    #[serde(rename = "read_up_to")]
    ReadUpTo {
        #[serde(rename = "user_id")]
        user_id: UserId,
        #[serde(rename = "seq")]
        seq: i64,
    },
    #[serde(rename = "delivered_up_to")]
    DeliveredUpTo {
        #[serde(rename = "user_id")]
        user_id: UserId,
        #[serde(rename = "seq")]
        seq: i64,
    },
    #[serde(rename = "room_renamed")]
    RoomRenamed {
        #[serde(rename = "name")]
        name: String,
    },
    #[serde(rename = "topic_changed")]
    TopicChanged {
        #[serde(rename = "topic")]
        topic: String,
    },
    #[serde(rename = "room_avatar_changed")]
    RoomAvatarChanged {
        #[serde(
            rename = "avatar_file_id",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        avatar_file_id: Option<String>,
    },
    #[serde(rename = "room_access_changed")]
    RoomAccessChanged {
        #[serde(rename = "visibility", with = "stored_visibility")]
        visibility: RoomVisibility,
        #[serde(rename = "posting", with = "stored_posting")]
        posting: PostingPolicy,
        /// Absent from events stored before pins existed.
        #[serde(rename = "pinning", with = "stored_pinning", default)]
        pinning: PinPolicy,
    },
    #[serde(rename = "message_pinned")]
    MessagePinned {
        #[serde(rename = "target_seq")]
        target_seq: i64,
    },
    #[serde(rename = "message_unpinned")]
    MessageUnpinned {
        #[serde(rename = "target_seq")]
        target_seq: i64,
    },
    #[serde(rename = "link_preview_added")]
    LinkPreviewAdded {
        #[serde(rename = "target_seq")]
        target_seq: i64,
        #[serde(rename = "preview")]
        preview: PreviewRecord,
    },
    #[serde(rename = "link_preview_removed")]
    LinkPreviewRemoved {
        #[serde(rename = "target_seq")]
        target_seq: i64,
    },
    #[serde(rename = "mls_commit")]
    MlsCommit {
        #[serde(rename = "epoch")]
        epoch: i64,
        #[serde(rename = "device_id")]
        device_id: i64,
        #[serde(rename = "commit")]
        commit: String,
        #[serde(rename = "added", default, skip_serializing_if = "Vec::is_empty")]
        added: Vec<LeafRecord>,
        #[serde(rename = "removed", default, skip_serializing_if = "Vec::is_empty")]
        removed: Vec<LeafRecord>,
    },
}

/// A device's leaf in a room's MLS group, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeafRecord {
    #[serde(rename = "leaf_index")]
    pub leaf_index: u32,
    #[serde(rename = "user_id")]
    pub user_id: UserId,
    #[serde(rename = "device_id")]
    pub device_id: i64,
}

impl From<LeafRecord> for confab_proto::mls::GroupMember {
    fn from(leaf: LeafRecord) -> Self {
        Self {
            leaf_index: leaf.leaf_index,
            user_id: leaf.user_id,
            device_id: confab_proto::SessionId(leaf.device_id),
        }
    }
}

impl ContentRecord {
    /// The stored name of the event kind (`events.kind`), equal to the JSON tag.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::RoomCreated { .. } => "room_created",
            Self::Message(_) => "message",
            Self::MessageEdited { .. } => "message_edited",
            Self::MessageDeleted { .. } => "message_deleted",
            Self::ReactionAdded { .. } => "reaction_added",
            Self::ReactionRemoved { .. } => "reaction_removed",
            Self::MemberAdded { .. } => "member_added",
            Self::MemberLeft { .. } => "member_left",
            Self::MemberRemoved { .. } => "member_removed",
            Self::RoleChanged { .. } => "role_changed",
            Self::OwnershipTransferred { .. } => "ownership_transferred",
            Self::ReadUpTo { .. } => "read_up_to",
            Self::DeliveredUpTo { .. } => "delivered_up_to",
            Self::RoomRenamed { .. } => "room_renamed",
            Self::TopicChanged { .. } => "topic_changed",
            Self::RoomAvatarChanged { .. } => "room_avatar_changed",
            Self::RoomAccessChanged { .. } => "room_access_changed",
            Self::MessagePinned { .. } => "message_pinned",
            Self::MessageUnpinned { .. } => "message_unpinned",
            Self::LinkPreviewAdded { .. } => "link_preview_added",
            Self::LinkPreviewRemoved { .. } => "link_preview_removed",
            Self::MlsCommit { .. } => "mls_commit",
        }
    }

    /// True for events history shows as their own entry; edits, deletions,
    /// reactions and receipts are folded into their message or not shown.
    pub fn in_timeline(&self) -> bool {
        !matches!(
            self,
            Self::MessageEdited { .. }
                | Self::MessageDeleted { .. }
                | Self::ReactionAdded { .. }
                | Self::ReactionRemoved { .. }
                | Self::ReadUpTo { .. }
                | Self::DeliveredUpTo { .. }
                | Self::MlsCommit { .. }
                | Self::LinkPreviewAdded { .. }
                | Self::LinkPreviewRemoved { .. }
        )
    }

    /// The message an edit, deletion, reaction or pin is about.
    pub fn target_seq(&self) -> Option<i64> {
        match self {
            Self::MessageEdited { target_seq, .. }
            | Self::MessageDeleted { target_seq }
            | Self::ReactionAdded { target_seq, .. }
            | Self::ReactionRemoved { target_seq, .. }
            | Self::MessagePinned { target_seq }
            | Self::MessageUnpinned { target_seq }
            | Self::LinkPreviewAdded { target_seq, .. }
            | Self::LinkPreviewRemoved { target_seq } => Some(*target_seq),
            _ => None,
        }
    }
}

impl From<&MessageBody> for BodyRecord {
    fn from(body: &MessageBody) -> Self {
        match body {
            MessageBody::Text { text } => Self::Text { text: text.clone() },
            MessageBody::Encrypted { ciphertext } => Self::Encrypted {
                ciphertext: ciphertext.clone(),
            },
        }
    }
}

impl From<BodyRecord> for MessageBody {
    fn from(body: BodyRecord) -> Self {
        match body {
            BodyRecord::Text { text } => Self::Text { text },
            BodyRecord::Encrypted { ciphertext } => Self::Encrypted { ciphertext },
        }
    }
}

impl From<MessageRecord> for MessageState {
    fn from(message: MessageRecord) -> Self {
        Self {
            client_id: message.client_id,
            body: message.body.map(Into::into),
            reply_to: message.reply_to,
            mentions: message.mentions,
            reactions: message
                .reactions
                .into_iter()
                .map(|r| Reaction {
                    emoji: r.emoji,
                    user_ids: r.user_ids,
                })
                .collect(),
            attachments: message.attachments.into_iter().map(Into::into).collect(),
            edited_at: message.edited_at.map(timestamp),
            deleted_at: message.deleted_at.map(timestamp),
            preview: message.preview.map(Into::into),
        }
    }
}

impl From<ContentRecord> for EventContent {
    fn from(content: ContentRecord) -> Self {
        match content {
            ContentRecord::RoomCreated { name, encrypted } => Self::RoomCreated { name, encrypted },
            ContentRecord::Message(message) => Self::Message(message.into()),
            ContentRecord::MessageEdited { target_seq, body } => Self::MessageEdited {
                target_seq,
                body: body.map(Into::into),
            },
            ContentRecord::MessageDeleted { target_seq } => Self::MessageDeleted { target_seq },
            ContentRecord::ReactionAdded { target_seq, emoji } => {
                Self::ReactionAdded { target_seq, emoji }
            }
            ContentRecord::ReactionRemoved { target_seq, emoji } => {
                Self::ReactionRemoved { target_seq, emoji }
            }
            ContentRecord::MemberAdded { user_id, role } => Self::MemberAdded { user_id, role },
            ContentRecord::MemberLeft { user_id } => Self::MemberLeft { user_id },
            ContentRecord::MemberRemoved { user_id } => Self::MemberRemoved { user_id },
            ContentRecord::RoleChanged { user_id, role } => Self::RoleChanged { user_id, role },
            ContentRecord::OwnershipTransferred { from, to } => {
                Self::OwnershipTransferred { from, to }
            }
            ContentRecord::ReadUpTo { user_id, seq } => Self::ReadUpTo { user_id, seq },
            ContentRecord::DeliveredUpTo { user_id, seq } => Self::DeliveredUpTo { user_id, seq },
            ContentRecord::RoomRenamed { name } => Self::RoomRenamed { name },
            ContentRecord::TopicChanged { topic } => Self::TopicChanged { topic },
            ContentRecord::RoomAvatarChanged { avatar_file_id } => {
                Self::RoomAvatarChanged { avatar_file_id }
            }
            ContentRecord::RoomAccessChanged {
                visibility,
                posting,
                pinning,
            } => Self::RoomAccessChanged {
                visibility,
                posting,
                pinning,
            },
            ContentRecord::MessagePinned { target_seq } => Self::MessagePinned { target_seq },
            ContentRecord::MessageUnpinned { target_seq } => Self::MessageUnpinned { target_seq },
            ContentRecord::LinkPreviewAdded {
                target_seq,
                preview,
            } => Self::LinkPreviewAdded {
                target_seq,
                preview: preview.into(),
            },
            ContentRecord::LinkPreviewRemoved { target_seq } => {
                Self::LinkPreviewRemoved { target_seq }
            }
            ContentRecord::MlsCommit {
                epoch,
                device_id,
                commit,
                added,
                removed,
            } => Self::MlsCommit {
                epoch,
                device_id: confab_proto::SessionId(device_id),
                commit,
                added: added.into_iter().map(Into::into).collect(),
                removed: removed.into_iter().map(Into::into).collect(),
            },
        }
    }
}

impl From<EventRecord> for RoomEvent {
    fn from(event: EventRecord) -> Self {
        Self {
            id: event.id,
            room_id: event.room_id,
            seq: event.seq,
            sender_id: event.sender_id,
            created_at: timestamp(event.created_at),
            content: event.content.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored JSON of every non-message kind, exactly as the first schema wrote it.
    #[test]
    fn stored_json_is_the_format_of_the_first_schema() {
        let cases = [
            (
                ContentRecord::RoomCreated {
                    name: "Team".into(),
                    encrypted: false,
                },
                r#"{"type":"room_created","name":"Team","encrypted":false}"#,
            ),
            (
                ContentRecord::MemberAdded {
                    user_id: UserId(7),
                    role: Role::Admin,
                },
                r#"{"type":"member_added","user_id":7,"role":"admin"}"#,
            ),
            (
                ContentRecord::RoomAccessChanged {
                    visibility: RoomVisibility::Public,
                    posting: PostingPolicy::Admins,
                    pinning: PinPolicy::Everyone,
                },
                r#"{"type":"room_access_changed","visibility":"public","posting":"admins","pinning":"everyone"}"#,
            ),
            (
                ContentRecord::MessagePinned { target_seq: 9 },
                r#"{"type":"message_pinned","target_seq":9}"#,
            ),
            (
                ContentRecord::MessageEdited {
                    target_seq: 4,
                    body: Some(BodyRecord::Text { text: "hi".into() }),
                },
                r#"{"type":"message_edited","target_seq":4,"body":{"type":"text","text":"hi"}}"#,
            ),
            (
                ContentRecord::MessageEdited {
                    target_seq: 4,
                    body: None,
                },
                r#"{"type":"message_edited","target_seq":4}"#,
            ),
            (
                ContentRecord::OwnershipTransferred {
                    from: UserId(1),
                    to: UserId(2),
                },
                r#"{"type":"ownership_transferred","from":1,"to":2}"#,
            ),
            (
                ContentRecord::ReadUpTo {
                    user_id: UserId(3),
                    seq: 9,
                },
                r#"{"type":"read_up_to","user_id":3,"seq":9}"#,
            ),
        ];
        for (record, json) in cases {
            assert_eq!(serde_json::to_string(&record).unwrap(), json);
            assert_eq!(serde_json::from_str::<ContentRecord>(json).unwrap(), record);
            assert_eq!(record.kind(), &json[9..9 + record.kind().len()]);
        }
    }

    #[test]
    fn records_convert_to_the_wire_types() {
        let event = EventRecord {
            id: EventId(5),
            room_id: RoomId(2),
            seq: 3,
            sender_id: UserId(1),
            created_at: 1_800_000_000_000,
            content: ContentRecord::Message(MessageRecord {
                client_id: "c1".into(),
                body: Some(BodyRecord::Text {
                    text: "hello".into(),
                }),
                reply_to: Some(2),
                mentions: vec![UserId(4)],
                reactions: vec![ReactionRecord {
                    emoji: "👍".into(),
                    user_ids: vec![UserId(4)],
                }],
                attachments: Vec::new(),
                edited_at: None,
                deleted_at: None,
                preview: None,
            }),
        };
        let wire = RoomEvent::from(event);
        let EventContent::Message(message) = wire.content else {
            panic!("a message stays a message");
        };
        assert_eq!(
            message.body,
            Some(MessageBody::Text {
                text: "hello".into()
            })
        );
        assert_eq!(message.reactions[0].user_ids, [UserId(4)]);
        assert_eq!(wire.created_at.unix_timestamp(), 1_800_000_000);
    }
}
