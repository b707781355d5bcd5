//! Full-text search of the messages in the rooms I am in now.
//!
//! `GET /api/v1/search?q=...`: every word of `q` must occur in the message (as a
//! part of a word, in any letter case), newest first. See docs/protocol.md, "Search".

use crate::{EventId, RoomId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// One part of a snippet: matched text is highlighted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnippetPart {
    pub text: String,
    /// This part matches a word of the query.
    #[serde(default)]
    pub highlight: bool,
}

/// A message that matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub room_id: RoomId,
    /// The message's sequence number (`GET /api/v1/rooms/{room_id}/messages?around={seq}`
    /// loads the history around it).
    pub seq: i64,
    pub event_id: EventId,
    pub sender_id: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub sent_at: Timestamp,
    /// The message carries at least one attachment.
    pub has_attachment: bool,
    /// The message text (as edited) around the first match, at most about 200
    /// characters; cut parts are marked with "…". Concatenating the parts' text
    /// gives the snippet.
    pub snippet: Vec<SnippetPart>,
}

/// `GET /api/v1/search`: newest first.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub next_before: Option<EventId>,
}
