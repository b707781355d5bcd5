//! [`SearchStore`] for [`SqlStore`]: queries, and indexing the messages stored
//! before the index existed. The change functions feed it through `search_index`.
//!
//! The table `message_search` holds the folded text. A search reads the newest
//! messages in order first (`search_recent`), then, for a page not yet full, turns
//! to the word index (`search_indexed`), where the two backends differ only in the
//! predicate that finds a word of three characters or more: FTS5's trigram index
//! (`message_search_fts MATCH`) on SQLite, a `pg_trgm` GIN index serving `LIKE` on
//! PostgreSQL. Shorter words are a `LIKE` on the rows the rest selected.

use super::SqlStore;
use super::query::{Query, like_pattern};
use super::rows::parse_json;
use super::search_index::{Indexed, index_message};
use crate::config::Backend;
use crate::store::StoreResult;
use crate::store::events::BodyRecord;
use crate::store::search::{SearchHitRecord, SearchQuery, SearchStore, TRIGRAM};
use async_trait::async_trait;
use confab_proto::{EventId, RoomId, UserId};
use sqlx::FromRow;

#[derive(FromRow)]
struct HitRow {
    event_id: i64,
    room_id: i64,
    seq: i64,
    sender_id: i64,
    created_at: i64,
    has_attachment: i64,
    body: Option<String>,
}

/// An FTS5 query matching every word as a phrase (any part of the text, by trigrams).
fn fts_query(words: &[&String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The hit columns, as [`HitRow`] reads them, of `message_search m` and `events e`.
const HIT_COLUMNS: &str =
    "m.event_id, m.room_id, m.seq, m.sender_id, m.created_at, m.has_attachment, e.body";

/// What joins `message_search m` to the rooms the searcher is in now (`rm`, whose
/// `user_id` [`Query::and_filters`] binds) and to the message itself (`e`).
const MEMBER_JOINS: &str = "JOIN room_members rm ON rm.room_id = m.room_id AND rm.left_seq IS NULL \
     JOIN events e ON e.id = m.event_id";

impl Query {
    /// Conditions every search applies: the caller's current rooms and the filters.
    fn and_filters(&mut self, query: &SearchQuery) -> StoreResult<()> {
        self.and("rm.user_id = ?", query.user.0)?;
        if let Some(room) = query.room {
            self.and("m.room_id = ?", room.0)?;
        }
        if let Some(sender) = query.sender {
            self.and("m.sender_id = ?", sender.0)?;
        }
        if let Some(has) = query.has_attachment {
            self.and("m.has_attachment = ?", i64::from(has))?;
        }
        if let Some(since) = query.since {
            self.and("m.created_at >= ?", since)?;
        }
        if let Some(until) = query.until {
            self.and("m.created_at < ?", until)?;
        }
        Ok(())
    }

    /// The text contains `word`: a `LIKE`, which PostgreSQL's `pg_trgm` index serves
    /// for words of three characters or more.
    fn and_contains(&mut self, word: &str) -> StoreResult<()> {
        self.and("m.text LIKE ? ESCAPE '\\'", like_pattern(word))
    }

    /// Newest first, at most `limit`.
    fn page(&mut self, limit: usize) {
        self.sql
            .push_str(&format!(" ORDER BY m.event_id DESC LIMIT {}", limit.max(1)));
    }
}

impl SqlStore {
    /// Hits among the `query.recent` newest messages below `before`, read in id
    /// order with every word a `LIKE`; and the lowest id of that window, if there
    /// are older messages it did not read. An index gives a common word, or one
    /// shorter than a trigram, every match to sort before a page can be taken
    /// (seconds over a million messages; see docs/benchmarks.md); this does not.
    async fn search_recent(
        &self,
        query: &SearchQuery,
        limit: usize,
    ) -> StoreResult<(Vec<HitRow>, Option<i64>)> {
        // The window is a subquery with its own LIMIT, which neither backend merges
        // into the outer query: it is always a backward walk of the primary key.
        let window = |columns: &str| {
            let mut sql = Query::new(&format!(
                "SELECT {columns} FROM (SELECT * FROM message_search WHERE 1 = 1"
            ));
            if let Some(before) = query.before {
                sql.and("event_id < ?", before.0)?;
            }
            sql.sql.push_str(&format!(
                " ORDER BY event_id DESC LIMIT {}) m",
                query.recent.max(1)
            ));
            StoreResult::Ok(sql)
        };
        let mut sql = window(HIT_COLUMNS)?;
        sql.sql.push_str(&format!(" {MEMBER_JOINS} WHERE 1 = 1"));
        sql.and_filters(query)?;
        for word in &query.words {
            sql.and_contains(word)?;
        }
        sql.page(limit);
        let rows: Vec<HitRow> = sqlx::query_as_with(&sql.sql, sql.args)
            .fetch_all(self.pool())
            .await?;
        if rows.len() >= limit {
            return Ok((rows, None));
        }
        let bounds = window("MIN(m.event_id), COUNT(*)")?;
        let (lowest, read): (Option<i64>, i64) = sqlx::query_as_with(&bounds.sql, bounds.args)
            .fetch_one(self.pool())
            .await?;
        Ok((
            rows,
            lowest.filter(|_| read >= i64::from(query.recent.max(1))),
        ))
    }

    /// Hits below `below` through the word index: FTS5 trigrams on SQLite, `pg_trgm`
    /// on PostgreSQL, for words of three characters or more; shorter words are a
    /// `LIKE` on the rows the rest selected.
    async fn search_indexed(
        &self,
        query: &SearchQuery,
        below: i64,
        limit: usize,
    ) -> StoreResult<Vec<HitRow>> {
        let mut sql = Query::new(&format!(
            "SELECT {HIT_COLUMNS} FROM message_search m {MEMBER_JOINS} WHERE 1 = 1"
        ));
        sql.and_filters(query)?;
        sql.and("m.event_id < ?", below)?;
        let (long, short): (Vec<&String>, Vec<&String>) = query
            .words
            .iter()
            .partition(|w| w.chars().count() >= TRIGRAM);
        match self.backend() {
            Backend::Sqlite if !long.is_empty() => sql.and(
                "m.event_id IN (SELECT rowid FROM message_search_fts WHERE message_search_fts MATCH ?)",
                fts_query(&long),
            )?,
            Backend::Sqlite => {}
            Backend::Postgres => {
                for word in &long {
                    sql.and_contains(word)?;
                }
            }
        }
        for word in short {
            sql.and_contains(word)?;
        }
        sql.page(limit);
        Ok(sqlx::query_as_with(&sql.sql, sql.args)
            .fetch_all(self.pool())
            .await?)
    }
}

#[async_trait]
impl SearchStore for SqlStore {
    /// The newest messages first, read in order (see [`SearchQuery::recent`]); older
    /// ones, if the page is not full, through the word index.
    async fn search(&self, query: &SearchQuery) -> StoreResult<Vec<SearchHitRecord>> {
        let limit = usize::try_from(query.limit.max(1)).unwrap_or(usize::MAX);
        let (mut rows, older) = self.search_recent(query, limit).await?;
        if let Some(below) = older
            && rows.len() < limit
        {
            let more = self
                .search_indexed(query, below, limit - rows.len())
                .await?;
            rows.extend(more);
        }
        let mut hits = Vec::with_capacity(rows.len());
        for row in rows {
            // The body is cleared when a message is deleted, in the same transaction
            // that removes it from the index; a row without one is not a hit.
            let Some(body) = row.body else { continue };
            let BodyRecord::Text { text } = parse_json::<BodyRecord>(&body)? else {
                continue;
            };
            hits.push(SearchHitRecord {
                event_id: EventId(row.event_id),
                room_id: RoomId(row.room_id),
                seq: row.seq,
                sender_id: UserId(row.sender_id),
                created_at: row.created_at,
                has_attachment: row.has_attachment != 0,
                text,
            });
        }
        Ok(hits)
    }

    async fn backfill_search(&self, batch: u32) -> StoreResult<bool> {
        // Writers of events run at once on PostgreSQL: row locks keep an edit or a
        // deletion of a message from racing its indexing here, and two nodes from
        // indexing the same batch.
        let row_lock = match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        };
        let mut tx = self.begin_write().await?;
        let upto: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT upto FROM search_backfill ORDER BY upto DESC LIMIT 1{row_lock}"
        ))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(upto) = upto else {
            return Ok(false);
        };
        #[derive(FromRow)]
        struct Row {
            id: i64,
            room_id: i64,
            seq: i64,
            sender_id: i64,
            created_at: i64,
            body: String,
            attachments: Option<String>,
        }
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT e.id, e.room_id, e.seq, e.sender_id, e.created_at, e.body, e.attachments FROM events e \
             WHERE e.id <= $1 AND e.kind = 'message' AND e.body IS NOT NULL ORDER BY e.id DESC LIMIT $2{row_lock}"
        ))
        .bind(upto)
        .bind(i64::from(batch))
        .fetch_all(&mut *tx)
        .await?;
        for row in &rows {
            let body: BodyRecord = parse_json(&row.body)?;
            index_message(
                &mut tx,
                Indexed {
                    event: EventId(row.id),
                    room: RoomId(row.room_id),
                    seq: row.seq,
                    sender: UserId(row.sender_id),
                    created_at: row.created_at,
                    has_attachment: row.attachments.is_some(),
                    body: &body,
                },
            )
            .await?;
        }
        let more = rows.len() == batch as usize;
        match rows.last() {
            Some(last) if more => {
                sqlx::query("UPDATE search_backfill SET upto = $1")
                    .bind(last.id - 1)
                    .execute(&mut *tx)
                    .await?;
            }
            _ => {
                sqlx::query("DELETE FROM search_backfill")
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(more)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_queries_quote_each_word() {
        let words = ["say \"hi\"".to_owned(), "東京都".to_owned()];
        let refs: Vec<&String> = words.iter().collect();
        assert_eq!(fts_query(&refs), "\"say \"\"hi\"\"\" \"東京都\"");
    }
}
