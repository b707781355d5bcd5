//! Room changes inside an event transaction: one function per [`RoomChange`] kind.
//!
//! Ordering: see `event_tx`, whose lock every event transaction takes first.
//!
//! Each change function checks what must hold even under races (the target message
//! exists, the member is there), changes the tables, and returns either the content
//! of the event to store or the [`Appended`] outcome that explains why nothing is
//! stored. [`append_in`] does the shared part: the sequence number, the sender's
//! membership and the event row.

use super::channel_changes;
use super::event_tx::{EventTx, Place, is_live_message, next_seq};
use super::mls_changes;
use super::pin_changes;
use super::preview_changes;
use super::rows::{
    EventRow, MemberRow, body_json, map_unique_violation, mentions_json, role_name, select_events,
    select_members, to_json,
};
use super::search_index::{Indexed, index_message, reindex_message, unindex_message};
use crate::clock::Millis;
use crate::store::StoreResult;
use crate::store::events::{
    AttachmentRecord, BodyRecord, ContentRecord, EventRecord, MessageRecord,
};
use crate::store::rooms::{Appended, MemberRecord, RoomChange};
use confab_proto::rooms::Role;
use confab_proto::{EventId, RoomId, SessionId, UserId};

/// What a change function decided.
enum Decision {
    /// Store an event with this content.
    Store(ContentRecord),
    /// Store nothing, for this reason.
    Skip(Appended),
}

/// Stores an event row (and the room's activity time, for timeline events).
pub(super) async fn insert_event(
    tx: &mut EventTx,
    at: &Place,
    content: ContentRecord,
) -> StoreResult<EventRecord> {
    let (json, message) = match &content {
        ContentRecord::Message(message) => ("{}".to_owned(), Some(message)),
        other => (to_json(other)?, None),
    };
    let body = message
        .and_then(|m| m.body.as_ref())
        .map(body_json)
        .transpose()?;
    let mentions = message.map(|m| mentions_json(&m.mentions)).transpose()?;
    let attachments = match message {
        Some(m) if !m.attachments.is_empty() => Some(to_json(&m.attachments)?),
        _ => None,
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO events (room_id, seq, kind, sender_id, content, in_timeline, created_at, client_id, body, \
         reply_to_seq, mentions, target_seq, attachments) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(at.room.0)
    .bind(at.seq)
    .bind(content.kind())
    .bind(at.sender.0)
    .bind(json)
    .bind(i64::from(content.in_timeline()))
    .bind(at.now)
    .bind(message.map(|m| m.client_id.clone()))
    .bind(body)
    .bind(message.and_then(|m| m.reply_to))
    .bind(mentions)
    .bind(content.target_seq())
    .bind(attachments)
    .fetch_one(&mut **tx)
    .await
    .map_err(map_unique_violation)?;
    if content.in_timeline() {
        // Receipts and reactions do not reorder anyone's room list.
        sqlx::query("UPDATE rooms SET last_activity_at = $2 WHERE id = $1")
            .bind(at.room.0)
            .bind(at.now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(EventRecord {
        id: EventId(id),
        room_id: at.room,
        seq: at.seq,
        sender_id: at.sender,
        created_at: at.now,
        content,
    })
}

/// Adds `user` as a member, or brings back one who left; false if they are one.
pub(super) async fn add_member(
    tx: &mut EventTx,
    room: RoomId,
    user: UserId,
    role: Role,
    now: Millis,
) -> StoreResult<bool> {
    // A new member's markers start at 0 (the columns' default): the room's history
    // is unread to them. A returning member gets a new role and joining time but
    // keeps the markers of their earlier membership, so what they missed while away
    // is unread and what they had read stays read.
    let changed = sqlx::query(
        "INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (room_id, user_id) DO UPDATE SET role = $3, joined_at = $4, left_seq = NULL \
         WHERE room_members.left_seq IS NOT NULL",
    )
    .bind(room.0)
    .bind(user.0)
    .bind(role_name(role))
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed == 1 {
        sqlx::query("UPDATE rooms SET member_count = member_count + 1 WHERE id = $1")
            .bind(room.0)
            .execute(&mut **tx)
            .await?;
    }
    Ok(changed == 1)
}

/// Applies one change as `sender` inside an event transaction: checks membership,
/// allocates the room's next sequence number and stores the event. The caller
/// commits only if the outcome is [`Appended::Event`].
pub(super) async fn append_in(
    tx: &mut EventTx,
    room: RoomId,
    sender: UserId,
    change: &RoomChange,
    now: Millis,
) -> StoreResult<Appended> {
    // Write first (see the module docs), then check; a failed check rolls back.
    let Some(seq) = next_seq(tx, room).await? else {
        return Ok(Appended::NotMember);
    };
    let accepting = matches!(
        change,
        RoomChange::AcceptInvitation | RoomChange::JoinPublic
    );
    if !accepting && current_member(tx, room, sender).await?.is_none() {
        return Ok(Appended::NotMember);
    }
    let at = Place {
        room,
        sender,
        seq,
        now,
    };
    let decision = match change {
        RoomChange::SendMessage {
            client_id,
            body,
            reply_to,
            mentions,
            attachments,
        } => send_message(tx, &at, client_id, body, *reply_to, mentions, attachments).await?,
        RoomChange::EditMessage { seq, body } => edit_message(tx, &at, *seq, body).await?,
        RoomChange::DeleteMessage { seq } => delete_message(tx, &at, *seq).await?,
        RoomChange::AddReaction { seq, emoji } => add_reaction(tx, &at, *seq, emoji).await?,
        RoomChange::RemoveReaction { seq, emoji } => remove_reaction(tx, &at, *seq, emoji).await?,
        RoomChange::AddMember { user_id, role } => join(tx, &at, *user_id, *role).await?,
        RoomChange::AcceptInvitation => accept_invitation(tx, &at).await?,
        RoomChange::JoinPublic => match channel_changes::admit_to_public(tx, &at).await? {
            true => join(tx, &at, sender, Role::Member).await?,
            false => Decision::Skip(Appended::NotAllowed),
        },
        RoomChange::RemoveMember { user_id, by_self } => leave(tx, &at, *user_id, *by_self).await?,
        RoomChange::SetRole { user_id, role } => set_role(tx, &at, *user_id, *role).await?,
        RoomChange::MarkRead { seq } => move_marker(tx, &at, Marker::Read, *seq).await?,
        RoomChange::MarkDelivered { seq } => move_marker(tx, &at, Marker::Delivered, *seq).await?,
        RoomChange::TransferOwnership { to } => transfer_ownership(tx, &at, *to).await?,
        RoomChange::Rename { name } => rename(tx, &at, name).await?,
        RoomChange::SetTopic { topic } => set_topic(tx, &at, topic).await?,
        RoomChange::SetAvatar { file_id } => set_avatar(tx, &at, file_id.as_deref()).await?,
        RoomChange::SetAccess {
            visibility,
            posting,
            pinning,
        } => match channel_changes::set_access(tx, &at, *visibility, *posting, *pinning).await? {
            true => Decision::Store(ContentRecord::RoomAccessChanged {
                visibility: *visibility,
                posting: *posting,
                pinning: *pinning,
            }),
            false => Decision::Skip(Appended::Unchanged),
        },
        RoomChange::Pin { seq, max } => match pin_changes::pin(tx, &at, *seq, *max).await? {
            Ok(()) => Decision::Store(ContentRecord::MessagePinned { target_seq: *seq }),
            Err(outcome) => Decision::Skip(outcome),
        },
        RoomChange::Unpin { seq } => match pin_changes::unpin(tx, &at, *seq).await? {
            true => Decision::Store(ContentRecord::MessageUnpinned { target_seq: *seq }),
            false => Decision::Skip(Appended::Unchanged),
        },
        RoomChange::AttachPreview { seq, preview } => {
            match preview_changes::attach(tx, &at, *seq, preview).await? {
                true => Decision::Store(ContentRecord::LinkPreviewAdded {
                    target_seq: *seq,
                    preview: preview.clone(),
                }),
                false => Decision::Skip(Appended::Unchanged),
            }
        }
        RoomChange::RemovePreview { seq } => match preview_changes::remove(tx, &at, *seq).await? {
            true => Decision::Store(ContentRecord::LinkPreviewRemoved { target_seq: *seq }),
            false => Decision::Skip(Appended::Unchanged),
        },
        RoomChange::SendEncrypted {
            client_id,
            ciphertext,
            device,
            epoch,
            attachments,
        } => {
            let mls = (*device, *epoch);
            send_encrypted(tx, &at, client_id, ciphertext, mls, attachments).await?
        }
        RoomChange::MlsCommit(commit) => match mls_changes::commit(tx, &at, commit).await? {
            Ok(content) => Decision::Store(content),
            Err(refusal) => Decision::Skip(Appended::MlsRefused(refusal)),
        },
    };
    match decision {
        Decision::Store(content) => {
            let event = insert_event(tx, &at, content).await?;
            if let ContentRecord::Message(message) = &event.content
                && let Some(body) = &message.body
            {
                let indexed = Indexed {
                    event: event.id,
                    room,
                    seq: event.seq,
                    sender,
                    created_at: now,
                    has_attachment: !message.attachments.is_empty(),
                    body,
                };
                index_message(tx, indexed).await?;
            }
            Ok(Appended::Event(event))
        }
        Decision::Skip(outcome) => Ok(outcome),
    }
}

/// The message `sender` sent before with this client id, if any.
async fn duplicate_of(
    tx: &mut EventTx,
    sender: UserId,
    client_id: &str,
) -> StoreResult<Option<EventRecord>> {
    let original: Option<EventRow> = sqlx::query_as(select_events!(
        "WHERE e.sender_id = $1 AND e.client_id = $2"
    ))
    .bind(sender.0)
    .bind(client_id)
    .fetch_optional(&mut **tx)
    .await?;
    original.map(TryInto::try_into).transpose()
}

/// Stores an encrypted message if the room's group takes it (`mls_changes`). A
/// retry of a stored message returns it, whatever the group did since.
async fn send_encrypted(
    tx: &mut EventTx,
    at: &Place,
    client_id: &str,
    ciphertext: &str,
    (device, epoch): (SessionId, i64),
    attachments: &[AttachmentRecord],
) -> StoreResult<Decision> {
    if let Some(original) = duplicate_of(tx, at.sender, client_id).await? {
        return Ok(Decision::Skip(Appended::Duplicate(original)));
    }
    if let Some(refusal) = mls_changes::send_refusal(tx, at, device, epoch).await? {
        return Ok(Decision::Skip(Appended::MlsRefused(refusal)));
    }
    let body = BodyRecord::Encrypted {
        ciphertext: ciphertext.to_owned(),
    };
    send_message(tx, at, client_id, &body, None, &[], attachments).await
}

async fn send_message(
    tx: &mut EventTx,
    at: &Place,
    client_id: &str,
    body: &BodyRecord,
    reply_to: Option<i64>,
    mentions: &[UserId],
    attachments: &[AttachmentRecord],
) -> StoreResult<Decision> {
    if let Some(original) = duplicate_of(tx, at.sender, client_id).await? {
        return Ok(Decision::Skip(Appended::Duplicate(original)));
    }
    if let Some(target) = reply_to
        && !is_live_message(tx, at.room, target).await?
    {
        return Ok(Decision::Skip(Appended::TargetMissing));
    }
    for user in mentions {
        sqlx::query(
            "INSERT INTO mentions (user_id, room_id, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(user.0)
        .bind(at.room.0)
        .bind(at.seq)
        .execute(&mut **tx)
        .await?;
    }
    for (position, attachment) in attachments.iter().enumerate() {
        sqlx::query(
            "INSERT INTO attachments (room_id, seq, position, file_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(at.room.0)
        .bind(at.seq)
        .bind(position as i64)
        .bind(&attachment.file_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(Decision::Store(ContentRecord::Message(MessageRecord {
        client_id: client_id.to_owned(),
        body: Some(body.clone()),
        reply_to,
        mentions: mentions.to_vec(),
        reactions: Vec::new(),
        attachments: attachments.to_vec(),
        edited_at: None,
        deleted_at: None,
        preview: None,
    })))
}

async fn edit_message(
    tx: &mut EventTx,
    at: &Place,
    target: i64,
    body: &BodyRecord,
) -> StoreResult<Decision> {
    let updated = sqlx::query(
        "UPDATE events SET body = $3, edited_at = $4 WHERE room_id = $1 AND seq = $2 AND kind = 'message' \
         AND deleted_at IS NULL",
    )
    .bind(at.room.0)
    .bind(target)
    .bind(body_json(body)?)
    .bind(at.now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(Decision::Skip(Appended::TargetMissing));
    }
    reindex_message(tx, at.room, target, body).await?;
    Ok(Decision::Store(ContentRecord::MessageEdited {
        target_seq: target,
        body: Some(body.clone()),
    }))
}

async fn delete_message(tx: &mut EventTx, at: &Place, target: i64) -> StoreResult<Decision> {
    let updated = sqlx::query(
        "UPDATE events SET body = NULL, attachments = NULL, preview = NULL, preview_image = NULL, deleted_at = $3 \
         WHERE room_id = $1 AND seq = $2 AND kind = 'message' AND deleted_at IS NULL",
    )
    .bind(at.room.0)
    .bind(target)
    .bind(at.now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(Decision::Skip(Appended::TargetMissing));
    }
    unindex_message(tx, at.room, target).await?;
    for cleanup in [
        "DELETE FROM reactions WHERE room_id = $1 AND seq = $2",
        "DELETE FROM mentions WHERE room_id = $1 AND seq = $2",
        "DELETE FROM pins WHERE room_id = $1 AND seq = $2",
        // The files become unreachable through this message.
        "DELETE FROM attachments WHERE room_id = $1 AND seq = $2",
    ] {
        sqlx::query(cleanup)
            .bind(at.room.0)
            .bind(target)
            .execute(&mut **tx)
            .await?;
    }
    // Deleted text must not survive in the edits that preceded the deletion.
    let redacted = to_json(&ContentRecord::MessageEdited {
        target_seq: target,
        body: None,
    })?;
    sqlx::query(
        "UPDATE events SET content = $3 WHERE room_id = $1 AND target_seq = $2 AND kind = 'message_edited'",
    )
    .bind(at.room.0)
    .bind(target)
    .bind(redacted)
    .execute(&mut **tx)
    .await?;
    Ok(Decision::Store(ContentRecord::MessageDeleted {
        target_seq: target,
    }))
}

async fn add_reaction(
    tx: &mut EventTx,
    at: &Place,
    target: i64,
    emoji: &str,
) -> StoreResult<Decision> {
    if !is_live_message(tx, at.room, target).await? {
        return Ok(Decision::Skip(Appended::TargetMissing));
    }
    let added = sqlx::query(
        "INSERT INTO reactions (room_id, seq, emoji, user_id, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT DO NOTHING",
    )
    .bind(at.room.0)
    .bind(target)
    .bind(emoji)
    .bind(at.sender.0)
    .bind(at.now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(if added == 0 {
        Decision::Skip(Appended::Unchanged)
    } else {
        Decision::Store(ContentRecord::ReactionAdded {
            target_seq: target,
            emoji: emoji.to_owned(),
        })
    })
}

async fn remove_reaction(
    tx: &mut EventTx,
    at: &Place,
    target: i64,
    emoji: &str,
) -> StoreResult<Decision> {
    let removed = sqlx::query(
        "DELETE FROM reactions WHERE room_id = $1 AND seq = $2 AND emoji = $3 AND user_id = $4",
    )
    .bind(at.room.0)
    .bind(target)
    .bind(emoji)
    .bind(at.sender.0)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(if removed == 0 {
        Decision::Skip(Appended::Unchanged)
    } else {
        Decision::Store(ContentRecord::ReactionRemoved {
            target_seq: target,
            emoji: emoji.to_owned(),
        })
    })
}

async fn join(tx: &mut EventTx, at: &Place, user_id: UserId, role: Role) -> StoreResult<Decision> {
    Ok(if add_member(tx, at.room, user_id, role, at.now).await? {
        Decision::Store(ContentRecord::MemberAdded { user_id, role })
    } else {
        Decision::Skip(Appended::Unchanged)
    })
}

/// Consumes the sender's invitation and makes them a member.
async fn accept_invitation(tx: &mut EventTx, at: &Place) -> StoreResult<Decision> {
    let consumed = sqlx::query("DELETE FROM invitations WHERE room_id = $1 AND user_id = $2")
        .bind(at.room.0)
        .bind(at.sender.0)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if consumed == 0 {
        return Ok(Decision::Skip(Appended::NotMember));
    }
    join(tx, at, at.sender, Role::Member).await
}

async fn leave(
    tx: &mut EventTx,
    at: &Place,
    user_id: UserId,
    by_self: bool,
) -> StoreResult<Decision> {
    let removed = sqlx::query(
        "UPDATE room_members SET left_seq = $3 WHERE room_id = $1 AND user_id = $2 AND left_seq IS NULL",
    )
    .bind(at.room.0)
    .bind(user_id.0)
    .bind(at.seq)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if removed == 0 {
        return Ok(Decision::Skip(Appended::TargetMissing));
    }
    sqlx::query("UPDATE rooms SET member_count = member_count - 1 WHERE id = $1")
        .bind(at.room.0)
        .execute(&mut **tx)
        .await?;
    Ok(Decision::Store(if by_self {
        ContentRecord::MemberLeft { user_id }
    } else {
        ContentRecord::MemberRemoved { user_id }
    }))
}

async fn set_role(
    tx: &mut EventTx,
    at: &Place,
    user_id: UserId,
    role: Role,
) -> StoreResult<Decision> {
    let Some(member) = current_member(tx, at.room, user_id).await? else {
        return Ok(Decision::Skip(Appended::TargetMissing));
    };
    if member.role == role {
        return Ok(Decision::Skip(Appended::Unchanged));
    }
    update_role(tx, at.room, user_id, role).await?;
    Ok(Decision::Store(ContentRecord::RoleChanged {
        user_id,
        role,
    }))
}

/// Which marker of the sender a receipt moves.
#[derive(Clone, Copy)]
enum Marker {
    /// The read marker, which carries the delivery marker along.
    Read,
    Delivered,
}

/// Moves the sender's marker forward to `upto`; nothing if it is there already.
async fn move_marker(
    tx: &mut EventTx,
    at: &Place,
    marker: Marker,
    upto: i64,
) -> StoreResult<Decision> {
    let query = match marker {
        Marker::Read => {
            "UPDATE room_members SET read_seq = $3, \
             delivered_seq = CASE WHEN delivered_seq < $3 THEN $3 ELSE delivered_seq END \
             WHERE room_id = $1 AND user_id = $2 AND left_seq IS NULL AND read_seq < $3"
        }
        Marker::Delivered => {
            "UPDATE room_members SET delivered_seq = $3 \
             WHERE room_id = $1 AND user_id = $2 AND left_seq IS NULL AND delivered_seq < $3"
        }
    };
    let moved = sqlx::query(query)
        .bind(at.room.0)
        .bind(at.sender.0)
        .bind(upto)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if moved == 0 {
        return Ok(Decision::Skip(Appended::Unchanged));
    }
    let (user_id, seq) = (at.sender, upto);
    Ok(Decision::Store(match marker {
        Marker::Read => ContentRecord::ReadUpTo { user_id, seq },
        Marker::Delivered => ContentRecord::DeliveredUpTo { user_id, seq },
    }))
}

async fn transfer_ownership(tx: &mut EventTx, at: &Place, to: UserId) -> StoreResult<Decision> {
    let still_owner = current_member(tx, at.room, at.sender)
        .await?
        .is_some_and(|m| m.role == Role::Owner);
    if !still_owner {
        return Ok(Decision::Skip(Appended::NotAllowed));
    }
    if current_member(tx, at.room, to).await?.is_none() {
        return Ok(Decision::Skip(Appended::TargetMissing));
    }
    update_role(tx, at.room, to, Role::Owner).await?;
    update_role(tx, at.room, at.sender, Role::Admin).await?;
    Ok(Decision::Store(ContentRecord::OwnershipTransferred {
        from: at.sender,
        to,
    }))
}

async fn rename(tx: &mut EventTx, at: &Place, name: &str) -> StoreResult<Decision> {
    channel_changes::rename(tx, at, Some(name), None).await?;
    Ok(Decision::Store(ContentRecord::RoomRenamed {
        name: name.to_owned(),
    }))
}

async fn set_topic(tx: &mut EventTx, at: &Place, topic: &str) -> StoreResult<Decision> {
    channel_changes::rename(tx, at, None, Some(topic)).await?;
    Ok(Decision::Store(ContentRecord::TopicChanged {
        topic: topic.to_owned(),
    }))
}

async fn set_avatar(tx: &mut EventTx, at: &Place, file_id: Option<&str>) -> StoreResult<Decision> {
    sqlx::query("UPDATE rooms SET avatar_file_id = $2 WHERE id = $1")
        .bind(at.room.0)
        .bind(file_id)
        .execute(&mut **tx)
        .await?;
    Ok(Decision::Store(ContentRecord::RoomAvatarChanged {
        avatar_file_id: file_id.map(str::to_owned),
    }))
}

async fn update_role(tx: &mut EventTx, room: RoomId, user: UserId, role: Role) -> StoreResult<()> {
    sqlx::query("UPDATE room_members SET role = $3 WHERE room_id = $1 AND user_id = $2")
        .bind(room.0)
        .bind(user.0)
        .bind(role_name(role))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn current_member(
    tx: &mut EventTx,
    room: RoomId,
    user: UserId,
) -> StoreResult<Option<MemberRecord>> {
    let row: Option<MemberRow> = sqlx::query_as(select_members!(
        "WHERE room_id = $1 AND user_id = $2 AND left_seq IS NULL"
    ))
    .bind(room.0)
    .bind(user.0)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(TryInto::try_into).transpose()
}
