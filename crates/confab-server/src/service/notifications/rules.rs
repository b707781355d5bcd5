//! Who is notified of what: one committed event, the room as it is, and each
//! member's level and settings in; the notifications to record out. Pure, so every
//! rule is tested here without a database.

use super::quiet::dnd_active;
use crate::clock::Millis;
use crate::config::RoomMentionRole;
use crate::store::events::{BodyRecord, ContentRecord, EventRecord};
use crate::store::notifications::{
    NewNotification, NotificationDetails, Recipient, RoomContext, RoomRead,
};
use confab_proto::UserId;
use confab_proto::notifications::{NotificationKind, NotificationLevel};
use confab_proto::rooms::{Role, RoomKind};

/// Longest excerpt of a message kept in a notification, in characters.
pub const EXCERPT_CHARS: usize = 200;

/// What the rules need beside the event and the room.
pub struct RuleSettings {
    pub room_mention_role: RoomMentionRole,
    /// How long a notification waits before it may be pushed.
    pub push_delay: Millis,
}

/// What one event causes.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub new: Vec<NewNotification>,
    pub reads: Vec<RoomRead>,
}

/// The users an event's rules need beside the current members: someone removed.
pub fn extra_users(event: &EventRecord) -> Vec<UserId> {
    match &event.content {
        ContentRecord::MemberRemoved { user_id } => vec![*user_id],
        _ => Vec::new(),
    }
}

/// The message whose author an event's rules need: a reply's or a reaction's target.
pub fn target_message(event: &EventRecord) -> Option<i64> {
    match &event.content {
        ContentRecord::Message(message) => message.reply_to,
        ContentRecord::ReactionAdded { target_seq, .. } => Some(*target_seq),
        _ => None,
    }
}

/// True if `text` mentions the whole room: `@room` as a word of its own.
pub fn mentions_room(text: &str) -> bool {
    text.match_indices("@room").any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + "@room".len()..].chars().next();
        before.is_none_or(|c| !c.is_alphanumeric() && c != '@')
            && after.is_none_or(|c| !c.is_alphanumeric() && c != '_' && c != '-')
    })
}

/// True if `role` may mention `@room`.
pub fn may_mention_room(role: Role, lowest: RoomMentionRole) -> bool {
    let lowest = match lowest {
        RoomMentionRole::Member => Role::Member,
        RoomMentionRole::Admin => Role::Admin,
        RoomMentionRole::Owner => Role::Owner,
    };
    role >= lowest
}

/// The level that applies to a member of a room of `kind`.
pub fn effective_level(kind: RoomKind, chosen: Option<NotificationLevel>) -> NotificationLevel {
    chosen.unwrap_or(match kind {
        RoomKind::Direct => NotificationLevel::All,
        RoomKind::Group => NotificationLevel::Mentions,
    })
}

/// The start of a message's text for a notification; never for encrypted bodies.
fn excerpt(body: Option<&BodyRecord>, encrypted_room: bool) -> Option<String> {
    match body {
        Some(BodyRecord::Text { text }) if !encrypted_room => {
            Some(text.chars().take(EXCERPT_CHARS).collect())
        }
        _ => None,
    }
}

/// The notifications (and read markers) `event` causes in `room`. `target_author`
/// is the author of [`target_message`], if any.
pub fn decide(
    event: &EventRecord,
    room: &RoomContext,
    target_author: Option<UserId>,
    settings: &RuleSettings,
    now: Millis,
) -> Outcome {
    let actor = event.sender_id;
    let mut outcome = Outcome::default();
    // Kind and details for one recipient, or None.
    let mut notify =
        |recipient: &Recipient, kind: NotificationKind, details: NotificationDetails| {
            let read = recipient.read_seq >= event.seq;
            let quiet = dnd_active(&recipient.settings, now);
            outcome.new.push(NewNotification {
                user_id: recipient.user_id,
                room_id: event.room_id,
                seq: event.seq,
                event_id: event.id,
                kind,
                actor_id: actor,
                created_at: event.created_at,
                read,
                details,
                push_at: (!read && !quiet).then(|| now.saturating_add(settings.push_delay)),
            });
        };
    let others = room
        .members
        .iter()
        .filter(|m| m.user_id != actor)
        .filter(|m| effective_level(room.kind, m.level) != NotificationLevel::Nothing);
    match &event.content {
        ContentRecord::Message(message) => {
            let text = match &message.body {
                Some(BodyRecord::Text { text }) => text.as_str(),
                _ => "",
            };
            let sender_role = room
                .members
                .iter()
                .find(|m| m.user_id == actor)
                .map(|m| m.role);
            let room_mention = room.kind == RoomKind::Group
                && mentions_room(text)
                && sender_role.is_some_and(|r| may_mention_room(r, settings.room_mention_role));
            for member in others {
                let kind = if room.kind == RoomKind::Direct {
                    Some(NotificationKind::DirectMessage)
                } else if message.mentions.contains(&member.user_id) {
                    Some(NotificationKind::Mention)
                } else if target_author == Some(member.user_id) {
                    Some(NotificationKind::Reply)
                } else if room_mention {
                    Some(NotificationKind::RoomMention)
                } else if effective_level(room.kind, member.level) == NotificationLevel::All {
                    Some(NotificationKind::Message)
                } else {
                    None
                };
                if let Some(kind) = kind {
                    let details = NotificationDetails {
                        excerpt: excerpt(message.body.as_ref(), room.encrypted),
                        ..NotificationDetails::default()
                    };
                    notify(member, kind, details);
                }
            }
        }
        ContentRecord::ReactionAdded { emoji, .. } => {
            for member in others.filter(|m| Some(m.user_id) == target_author) {
                if member.settings.reactions {
                    let details = NotificationDetails {
                        emoji: Some(emoji.clone()),
                        ..NotificationDetails::default()
                    };
                    notify(member, NotificationKind::Reaction, details);
                }
            }
        }
        ContentRecord::MemberAdded { user_id, .. } if room.kind == RoomKind::Group => {
            // Accepting an invitation adds oneself: nothing to tell.
            for member in others.filter(|m| m.user_id == *user_id) {
                let details = NotificationDetails {
                    room_name: Some(room.name.clone()),
                    ..NotificationDetails::default()
                };
                notify(member, NotificationKind::Added, details);
            }
        }
        ContentRecord::MemberRemoved { user_id } => {
            for member in others.filter(|m| m.user_id == *user_id) {
                let details = NotificationDetails {
                    room_name: Some(room.name.clone()),
                    ..NotificationDetails::default()
                };
                notify(member, NotificationKind::Removed, details);
            }
        }
        ContentRecord::RoleChanged { user_id, role } => {
            for member in others.filter(|m| m.user_id == *user_id) {
                let details = NotificationDetails {
                    role: Some(*role),
                    room_name: Some(room.name.clone()),
                    ..NotificationDetails::default()
                };
                notify(member, NotificationKind::RoleChanged, details);
            }
        }
        ContentRecord::OwnershipTransferred { to, .. } => {
            for member in others.filter(|m| m.user_id == *to) {
                let details = NotificationDetails {
                    role: Some(Role::Owner),
                    room_name: Some(room.name.clone()),
                    ..NotificationDetails::default()
                };
                notify(member, NotificationKind::RoleChanged, details);
            }
        }
        ContentRecord::RoomRenamed { name } if room.kind == RoomKind::Group => {
            for member in others {
                let details = NotificationDetails {
                    room_name: Some(name.clone()),
                    ..NotificationDetails::default()
                };
                notify(member, NotificationKind::RoomRenamed, details);
            }
        }
        ContentRecord::ReadUpTo { user_id, seq } => outcome.reads.push(RoomRead {
            user_id: *user_id,
            room_id: event.room_id,
            seq: *seq,
        }),
        _ => {}
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::events::MessageRecord;
    use crate::store::notifications::SettingsRecord;
    use confab_proto::{EventId, RoomId};

    const ALICE: UserId = UserId(1);
    const BOB: UserId = UserId(2);
    const CAROL: UserId = UserId(3);
    const NOW: Millis = 1_000_000;

    fn member(user: UserId, role: Role, level: Option<NotificationLevel>) -> Recipient {
        Recipient {
            user_id: user,
            role,
            level,
            read_seq: 0,
            settings: SettingsRecord::default(),
        }
    }

    fn group(members: Vec<Recipient>) -> RoomContext {
        RoomContext {
            kind: RoomKind::Group,
            name: "Design".into(),
            encrypted: false,
            members,
        }
    }

    fn message(
        sender: UserId,
        text: &str,
        mentions: Vec<UserId>,
        reply_to: Option<i64>,
    ) -> EventRecord {
        EventRecord {
            id: EventId(10),
            room_id: RoomId(7),
            seq: 5,
            sender_id: sender,
            created_at: NOW,
            content: ContentRecord::Message(MessageRecord {
                client_id: "c".into(),
                body: Some(BodyRecord::Text { text: text.into() }),
                reply_to,
                mentions,
                reactions: Vec::new(),
                attachments: Vec::new(),
                edited_at: None,
                deleted_at: None,
                preview: None,
            }),
        }
    }

    fn settings() -> RuleSettings {
        RuleSettings {
            room_mention_role: RoomMentionRole::Admin,
            push_delay: 10_000,
        }
    }

    fn kinds(outcome: &Outcome) -> Vec<(UserId, NotificationKind)> {
        outcome.new.iter().map(|n| (n.user_id, n.kind)).collect()
    }

    #[test]
    fn a_mention_notifies_the_mentioned_member_once_and_never_the_sender() {
        let room = group(vec![
            member(ALICE, Role::Owner, None),
            member(BOB, Role::Member, None),
            member(CAROL, Role::Member, None),
        ]);
        let event = message(ALICE, "hi @bob", vec![BOB, ALICE], None);
        let outcome = decide(&event, &room, None, &settings(), NOW);
        assert_eq!(kinds(&outcome), vec![(BOB, NotificationKind::Mention)]);
        assert_eq!(outcome.new[0].excerpt_for_test(), Some("hi @bob"));
        assert_eq!(outcome.new[0].push_at, Some(NOW + 10_000));
    }

    #[test]
    fn muted_members_get_nothing_and_all_gets_every_message() {
        let room = group(vec![
            member(ALICE, Role::Owner, None),
            member(BOB, Role::Member, Some(NotificationLevel::Nothing)),
            member(CAROL, Role::Member, Some(NotificationLevel::All)),
        ]);
        let event = message(ALICE, "@bob look", vec![BOB], None);
        let outcome = decide(&event, &room, None, &settings(), NOW);
        assert_eq!(kinds(&outcome), vec![(CAROL, NotificationKind::Message)]);
    }

    #[test]
    fn room_mentions_need_the_role() {
        let room = group(vec![
            member(ALICE, Role::Admin, None),
            member(BOB, Role::Member, None),
            member(CAROL, Role::Member, None),
        ]);
        let by_admin = decide(
            &message(ALICE, "@room meeting", vec![], None),
            &room,
            None,
            &settings(),
            NOW,
        );
        assert_eq!(
            kinds(&by_admin),
            vec![
                (BOB, NotificationKind::RoomMention),
                (CAROL, NotificationKind::RoomMention)
            ]
        );
        let by_member = decide(
            &message(BOB, "@room meeting", vec![], None),
            &room,
            None,
            &settings(),
            NOW,
        );
        assert!(by_member.new.is_empty());
    }

    #[test]
    fn replies_direct_messages_and_reads() {
        let room = group(vec![
            member(ALICE, Role::Owner, None),
            member(BOB, Role::Member, None),
        ]);
        let reply = decide(
            &message(ALICE, "sure", vec![], Some(2)),
            &room,
            Some(BOB),
            &settings(),
            NOW,
        );
        assert_eq!(kinds(&reply), vec![(BOB, NotificationKind::Reply)]);

        let mut direct = room.clone();
        direct.kind = RoomKind::Direct;
        direct.members[1].read_seq = 5;
        let dm = decide(
            &message(ALICE, "hello", vec![], None),
            &direct,
            None,
            &settings(),
            NOW,
        );
        assert_eq!(kinds(&dm), vec![(BOB, NotificationKind::DirectMessage)]);
        assert!(dm.new[0].read, "Bob had read past it already");
        assert_eq!(dm.new[0].push_at, None);
    }

    #[test]
    fn do_not_disturb_records_without_push() {
        let mut bob = member(BOB, Role::Member, None);
        bob.settings.dnd_until = Some(NOW + 1);
        let room = group(vec![member(ALICE, Role::Owner, None), bob]);
        let outcome = decide(
            &message(ALICE, "@bob", vec![BOB], None),
            &room,
            None,
            &settings(),
            NOW,
        );
        assert_eq!(outcome.new.len(), 1);
        assert_eq!(outcome.new[0].push_at, None);
    }

    #[test]
    fn room_mention_is_a_word() {
        assert!(mentions_room("@room standup"));
        assert!(mentions_room("hey, @room!"));
        assert!(!mentions_room("@roomba"));
        assert!(!mentions_room("me@room.org"));
    }

    impl NewNotification {
        fn excerpt_for_test(&self) -> Option<&str> {
            self.details.excerpt.as_deref()
        }
    }
}
