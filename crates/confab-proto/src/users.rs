//! Public profiles and profile updates.

use crate::{Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// What every signed-in user may see of an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Profile {
    pub id: UserId,
    /// As chosen at sign-up (case preserved).
    pub username: String,
    pub display_name: String,
    /// Free text such as "On holiday until Monday"; empty when unset.
    pub status_text: String,
    /// Id of the avatar image in file storage, when one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub avatar_file_id: Option<String>,
    /// Whether user search lists the account for people it shares no room with.
    /// Anyone who knows the exact username can look it up either way.
    pub discoverable: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// `PATCH /api/v1/users/me`: fields left out are not changed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    /// 1-64 characters, one line (protocol.md's one-line text rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub display_name: Option<String>,
    /// 0-140 characters, one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 140))]
    pub status_text: Option<String>,
    /// Whether user search lists me for people I share no room with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discoverable: Option<bool>,
}

/// `GET /api/v1/users?prefix=...`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserList {
    pub users: Vec<Profile>,
}

/// Whether someone is around. Combined over all of a user's connections: online if
/// any device is active, away if all connected devices are idle, offline if none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PresenceStatus {
    Online,
    Away,
    Offline,
}

/// One user's presence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Presence {
    pub user_id: UserId,
    pub status: PresenceStatus,
    /// When the user was last connected or active, if known.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, format = DateTime, nullable = false)
    )]
    pub last_seen_at: Option<Timestamp>,
}

/// `GET /api/v1/presence?user_ids=1,2,3`: only people who share a room with me.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PresenceList {
    pub users: Vec<Presence>,
}
