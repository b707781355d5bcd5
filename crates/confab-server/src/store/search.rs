//! The full-text index of messages: the [`SearchStore`] trait, and [`fold`], the one
//! text folding the index and the queries share.
//!
//! The index holds the current text of every message that is not deleted, folded by
//! [`fold`] in Rust so that SQLite and PostgreSQL match exactly the same way. It is
//! fed in the event transaction that stores, edits or deletes the message. A query
//! matches a message when every one of its words occurs in the folded text (as any
//! part of a word), which works for every script: English, German, Cyrillic, and CJK
//! text without spaces between words. Words of three characters or more use a
//! trigram index (FTS5's `trigram` tokenizer on SQLite, `pg_trgm` on PostgreSQL);
//! shorter ones are checked on the rows the other words (or the room) selected.

use super::StoreResult;
use crate::clock::Millis;
use async_trait::async_trait;
use confab_proto::{EventId, RoomId, UserId};

/// Folds text for the index and for queries: Unicode lower case, so `Straße`,
/// `STRASSE` aside, `Привет` and `привет` match. Other normalisation (accents, width)
/// is not applied: `café` does not find `cafe`.
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// Characters a word needs for the trigram index to help.
pub const TRIGRAM: usize = 3;

/// A search, as the store runs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchQuery {
    pub user: UserId,
    /// Folded words, each non-empty; every one must occur.
    pub words: Vec<String>,
    pub room: Option<RoomId>,
    pub sender: Option<UserId>,
    pub has_attachment: Option<bool>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    /// Only hits with an event id below this.
    pub before: Option<EventId>,
    pub limit: u32,
    /// How many of the newest messages (server-wide, below `before`) are read in
    /// order, every word a plain `LIKE`, before the word index is used for older
    /// ones. Reading in order and stopping at a full page is quick whatever the
    /// words; the index is quick only for words that occur rarely.
    pub recent: u32,
}

/// A message that matched, with its current text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHitRecord {
    pub event_id: EventId,
    pub room_id: RoomId,
    pub seq: i64,
    pub sender_id: UserId,
    pub created_at: Millis,
    pub has_attachment: bool,
    pub text: String,
}

/// Searching the index.
#[async_trait]
pub trait SearchStore: Send + Sync + 'static {
    /// Messages of rooms the user is a member of now that match, newest first.
    async fn search(&self, query: &SearchQuery) -> StoreResult<Vec<SearchHitRecord>>;
    /// Indexes up to `batch` messages stored before the index existed; false once
    /// there are none left.
    async fn backfill_search(&self, batch: u32) -> StoreResult<bool>;
}
