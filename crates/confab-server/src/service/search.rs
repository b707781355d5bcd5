//! Full-text search of the messages in the rooms a user is in now
//! (`GET /api/v1/search`): checking the query, charging the per-user budget, and
//! cutting the snippet around the first match with the matches highlighted.

use crate::clock::{Millis, timestamp};
use crate::config::NotifyConfig;
use crate::service::accounts::tokens::Principal;
use crate::service::budget::Budget;
use crate::service::{ServiceError, ServiceResult};
use crate::store::search::{SearchQuery, SearchStore, fold};
use confab_proto::search::{SearchHit, SearchResults, SnippetPart};
use confab_proto::{EventId, RoomId, UserId};
use std::sync::Arc;

/// Most hits one page returns.
pub const SEARCH_PAGE_MAX: u32 = 50;
/// Hits per page when the client does not say.
pub const SEARCH_PAGE_DEFAULT: u32 = 20;
/// Characters of context a snippet shows before its first match.
const SNIPPET_BEFORE: usize = 60;
/// Most characters of a snippet.
const SNIPPET_CHARS: usize = 200;

/// A search as the transport hands it over.
#[derive(Clone, Debug, Default)]
pub struct SearchRequest {
    pub q: String,
    pub room: Option<RoomId>,
    pub sender: Option<UserId>,
    pub has_attachment: Option<bool>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    pub before: Option<EventId>,
    pub limit: Option<u32>,
}

pub struct Search {
    store: Arc<dyn SearchStore>,
    budget: Budget,
    max_chars: usize,
    max_words: usize,
    recent_messages: u32,
}

impl Search {
    pub fn new(store: Arc<dyn SearchStore>, config: &NotifyConfig) -> Self {
        Self {
            store,
            budget: Budget::per_minute(config.searches_per_minute, "searches"),
            max_chars: config.max_search_chars,
            max_words: config.max_search_words,
            recent_messages: config.search_recent_messages,
        }
    }

    pub async fn search(
        &self,
        caller: Principal,
        request: SearchRequest,
    ) -> ServiceResult<SearchResults> {
        let q = request.q.trim();
        if q.is_empty() {
            return Err(ServiceError::invalid("q", "type something to search for"));
        }
        if q.chars().count() > self.max_chars {
            return Err(ServiceError::invalid(
                "q",
                format!("a search is at most {} characters", self.max_chars),
            ));
        }
        let mut words: Vec<String> = fold(q).split_whitespace().map(str::to_owned).collect();
        words.sort();
        words.dedup();
        if words.len() > self.max_words {
            return Err(ServiceError::invalid(
                "q",
                format!("a search has at most {} words", self.max_words),
            ));
        }
        let limit = request.limit.unwrap_or(SEARCH_PAGE_DEFAULT);
        if !(1..=SEARCH_PAGE_MAX).contains(&limit) {
            return Err(ServiceError::invalid(
                "limit",
                format!("limit must be between 1 and {SEARCH_PAGE_MAX}"),
            ));
        }
        if let (Some(since), Some(until)) = (request.since, request.until)
            && since >= until
        {
            return Err(ServiceError::invalid("until", "until must be after since"));
        }
        self.budget.charge(caller.user_id, 1)?;
        let hits = self
            .store
            .search(&SearchQuery {
                user: caller.user_id,
                words: words.clone(),
                room: request.room,
                sender: request.sender,
                has_attachment: request.has_attachment,
                since: request.since,
                until: request.until,
                before: request.before,
                limit: limit + 1,
                recent: self.recent_messages,
            })
            .await?;
        let more = hits.len() > limit as usize;
        let hits: Vec<SearchHit> = hits
            .into_iter()
            .take(limit as usize)
            .map(|hit| SearchHit {
                room_id: hit.room_id,
                seq: hit.seq,
                event_id: hit.event_id,
                sender_id: hit.sender_id,
                sent_at: timestamp(hit.created_at),
                has_attachment: hit.has_attachment,
                snippet: snippet(&hit.text, &words),
            })
            .collect();
        let next_before = if more {
            hits.last().map(|h| h.event_id)
        } else {
            None
        };
        Ok(SearchResults { hits, next_before })
    }
}

impl Search {
    /// Indexes up to `batch` messages stored before the index existed; false once
    /// none are left.
    pub async fn backfill(&self, batch: u32) -> ServiceResult<bool> {
        Ok(self.store.backfill_search(batch).await?)
    }
}

/// The text around the first match, cut to about [`SNIPPET_CHARS`] characters at
/// character boundaries, with every occurrence of the words highlighted.
pub fn snippet(text: &str, words: &[String]) -> Vec<SnippetPart> {
    // Fold character by character, remembering where each folded character came
    // from, so that matches in the folded text map back to the original.
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut folded = String::new();
    let mut origin = Vec::new(); // folded byte -> index into `chars`
    for (index, (_, c)) in chars.iter().enumerate() {
        for lower in c.to_lowercase() {
            let start = folded.len();
            folded.push(lower);
            origin.extend(std::iter::repeat_n(index, folded.len() - start));
        }
    }
    origin.push(chars.len());
    // Matched character ranges, in the original's characters.
    let mut marked = vec![false; chars.len()];
    for word in words.iter().filter(|w| !w.is_empty()) {
        for (at, _) in folded.match_indices(word.as_str()) {
            let (from, to) = (origin[at], origin[at + word.len()]);
            for flag in &mut marked[from..to.max(from + 1).min(chars.len())] {
                *flag = true;
            }
        }
    }
    let first = marked.iter().position(|m| *m).unwrap_or(0);
    let start = first.saturating_sub(SNIPPET_BEFORE);
    let end = (start + SNIPPET_CHARS).min(chars.len());
    let mut parts: Vec<SnippetPart> = Vec::new();
    if start > 0 {
        parts.push(SnippetPart {
            text: "…".to_owned(),
            highlight: false,
        });
    }
    for index in start..end {
        let c = chars[index].1;
        match parts.last_mut() {
            Some(last) if last.highlight == marked[index] && !(index == start && start > 0) => {
                last.text.push(c);
            }
            _ => parts.push(SnippetPart {
                text: c.to_string(),
                highlight: marked[index],
            }),
        }
    }
    if end < chars.len() {
        match parts.last_mut() {
            Some(last) if !last.highlight => last.text.push('…'),
            _ => parts.push(SnippetPart {
                text: "…".to_owned(),
                highlight: false,
            }),
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(parts: &[SnippetPart]) -> String {
        parts
            .iter()
            .map(|p| {
                if p.highlight {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn highlights_every_occurrence_in_the_original_case() {
        let parts = snippet("Der Bahnhof ist groß; BAHNHOF!", &["bahnhof".into()]);
        assert_eq!(render(&parts), "Der [Bahnhof] ist groß; [BAHNHOF]!");
    }

    #[test]
    fn cyrillic_and_japanese_match_inside_text() {
        assert_eq!(
            render(&snippet("Мы встретимся Завтра утром", &["завтра".into()])),
            "Мы встретимся [Завтра] утром"
        );
        assert_eq!(
            render(&snippet("明日は東京で会議があります", &["東京".into()])),
            "明日は[東京]で会議があります"
        );
    }

    #[test]
    fn long_text_is_cut_around_the_first_match() {
        let text = format!("{} needle {}", "a".repeat(500), "b".repeat(500));
        let parts = snippet(&text, &["needle".into()]);
        let rendered = render(&parts);
        assert!(rendered.starts_with('…'));
        assert!(rendered.ends_with('…'));
        assert!(rendered.contains("[needle]"));
        assert!(rendered.chars().count() <= SNIPPET_CHARS + 4);
    }
}
