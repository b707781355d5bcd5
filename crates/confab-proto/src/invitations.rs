//! Consent: invitations to rooms, which the invited person accepts or declines, and
//! blocking.
//!
//! Nobody becomes a member of a room without saying yes. Creating a group with
//! people, or inviting them later, gives each an [`Invitation`]; they join by
//! accepting it. A direct room with someone you share no room with starts as a
//! request: you are its only member until they accept. A blocked person can neither
//! invite you nor write to you, and neither of you sees the other's presence.

use crate::rooms::Room;
use crate::{RoomId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// An invitation to a room, as the invited person sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    /// The room as it is now; for a direct room (a message request) `name` is empty
    /// and `invited_by` is the person who wants to talk.
    pub room: Room,
    pub invited_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub invited_at: Timestamp,
}

/// `GET /api/v1/invitations`: my pending invitations, newest first.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationList {
    pub invitations: Vec<Invitation>,
}

/// An invitation as the room's members see it: who is invited, by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingInvitation {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub invited_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub invited_at: Timestamp,
}

/// `GET /api/v1/rooms/{id}/invitations`, and what `POST` to it created.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingInvitationList {
    pub invitations: Vec<PendingInvitation>,
}

/// `POST /api/v1/rooms/{id}/invitations`: invite people to a group.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteRequest {
    pub user_ids: Vec<UserId>,
}

/// Someone I blocked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockedUser {
    pub user_id: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub blocked_at: Timestamp,
}

/// `GET /api/v1/blocks`: everyone I blocked, most recent first.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockList {
    pub blocked: Vec<BlockedUser>,
}
