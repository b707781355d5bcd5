//! A message's link preview, the part the rooms service owns: offering a sent
//! message's link to the preview queue, attaching what the fetch found, the sender
//! removing it, and finding it for a member (`service::previews` does the fetching).

use super::service::{Rooms, not_member};
use crate::service::accounts::tokens::Principal;
use crate::service::previews::{PreviewJob, first_link};
use crate::service::{ServiceError, ServiceResult};
use crate::store::events::{BodyRecord, ContentRecord, EventRecord};
use crate::store::previews::PreviewRecord;
use crate::store::rooms::{Appended, RoomChange};
use confab_proto::RoomId;

impl Rooms {
    /// Queues the first link of a message just sent, if it has one and previews are
    /// on (never in an encrypted room, whose text the server cannot read).
    pub(super) fn offer_preview(&self, caller: Principal, event: &EventRecord) {
        let Some(queue) = &self.previews else {
            return;
        };
        let ContentRecord::Message(message) = &event.content else {
            return;
        };
        let Some(BodyRecord::Text { text }) = &message.body else {
            return;
        };
        if let Some(url) = first_link(text) {
            queue.offer(PreviewJob {
                room: event.room_id,
                seq: event.seq,
                sender: caller,
                url,
            });
        }
    }

    /// Attaches a fetched preview to message `seq`, as its sender; nothing happens
    /// if the message was deleted, already has one, or the sender removed it.
    pub async fn attach_preview(
        &self,
        sender: Principal,
        id: RoomId,
        seq: i64,
        preview: PreviewRecord,
    ) -> ServiceResult<()> {
        match self
            .append(id, sender, RoomChange::AttachPreview { seq, preview })
            .await?
        {
            Appended::Event(_) | Appended::Unchanged | Appended::NotMember => Ok(()),
            outcome => Err(ServiceError::Internal(format!(
                "attaching a link preview gave {outcome:?}"
            ))),
        }
    }

    /// Removes the preview of the caller's message `seq` for good (also one still
    /// being fetched).
    pub async fn remove_preview(
        &self,
        caller: Principal,
        id: RoomId,
        seq: i64,
    ) -> ServiceResult<()> {
        self.membership(caller, id).await?;
        let message = self.live_message(id, seq).await?;
        if message.sender_id != caller.user_id {
            return Err(ServiceError::Forbidden(
                "only its sender removes a message's preview".to_owned(),
            ));
        }
        let has_link = matches!(
            &message.content,
            ContentRecord::Message(m) if m.preview.is_some()
                || matches!(&m.body, Some(BodyRecord::Text { text }) if first_link(text).is_some())
        );
        if !has_link {
            return Err(ServiceError::NotFound("link preview"));
        }
        match self
            .append(id, caller, RoomChange::RemovePreview { seq })
            .await?
        {
            Appended::Event(_) | Appended::Unchanged | Appended::TargetMissing => Ok(()),
            Appended::NotMember => Err(not_member()),
            outcome => Err(ServiceError::Internal(format!(
                "removing a link preview gave {outcome:?}"
            ))),
        }
    }

    /// The preview of message `seq`, for a member of the room.
    pub async fn preview_of(
        &self,
        caller: Principal,
        id: RoomId,
        seq: i64,
    ) -> ServiceResult<Option<PreviewRecord>> {
        self.membership(caller, id).await?;
        let message = self.live_message(id, seq).await?;
        Ok(match message.content {
            ContentRecord::Message(message) => message.preview,
            _ => None,
        })
    }
}
