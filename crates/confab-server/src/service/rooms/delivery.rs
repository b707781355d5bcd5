//! The rooms service's view of live delivery: the one trait through which it
//! reaches connected clients. `realtime` implements it; the service never sees a
//! connection or a frame.

use crate::clock::Millis;
use crate::service::ServiceResult;
use async_trait::async_trait;
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
}
