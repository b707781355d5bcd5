//! The rooms service's view of live delivery: the one trait through which it
//! reaches connected clients. `realtime` implements it; the service never sees a
//! connection or a frame.

use crate::clock::Millis;
use crate::service::ServiceResult;
use async_trait::async_trait;
use confab_proto::invitations::Invitation;
use confab_proto::notifications::Notification;
use confab_proto::users::PresenceStatus;
use confab_proto::{RoomId, UserId};

/// What the rooms service needs from live delivery (implemented by `realtime`).
#[async_trait]
pub trait Delivery: Send + Sync + 'static {
    /// Tells the connected members of `room`, other than `user`, that `user` started
    /// or stopped typing. Nothing is stored.
    async fn typing(&self, room: RoomId, user: UserId, typing: bool) -> ServiceResult<()>;
    /// `user`'s status as live delivery sees it, and when it last saw them
    /// connected (if it did since it started).
    fn presence(&self, user: UserId) -> (PresenceStatus, Option<Millis>);
    /// Tells `user`'s connections that they received an invitation. Nothing is stored
    /// by delivery: the invitation is already.
    fn invitation_received(&self, user: UserId, invitation: Invitation);
    /// Tells `user`'s connections that their invitation to `room` ended.
    fn invitation_ended(&self, user: UserId, room: RoomId);
    /// Tells `viewer`'s connections that `user` is offline to them from now on (one
    /// of the two blocked the other), so that no presence they saw lingers.
    fn hide_presence(&self, user: UserId, viewer: UserId);
    /// Tells `user`'s connections of a new notification.
    fn notification(&self, user: UserId, notification: Notification, unread_count: i64);
    /// Tells `user`'s connections that some of their notifications were read.
    fn notifications_read(&self, user: UserId, read: ReadNotice);
}

/// Which notifications were read, as the `notifications_read` frame says it
/// (serialisable: the bus carries it to the other nodes).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadNotice {
    pub up_to: Option<i64>,
    pub ids: Vec<i64>,
    /// A read marker moved: the room's notifications up to this `seq`.
    pub room: Option<(RoomId, i64)>,
    pub unread_count: i64,
}
