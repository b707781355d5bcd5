//! Full-text search against a real server on SQLite and PostgreSQL: words in the
//! middle of sentences in English, German, Russian and Japanese; only rooms the
//! searcher is in now; edits and deletes reflected; filters; paging without repeats.

mod common;

use common::{Backend, TestServer, code, direct, group_with, id_of, signed_up};
use confab_client::Client;
use confab_proto::ErrorCode;
use confab_proto::events::MessageBody;
use confab_proto::search::SearchResults;

on_both_backends!(
    words_in_any_language_are_found_with_highlights,
    only_rooms_i_am_in_now_are_searched,
    edits_deletes_filters_and_paging,
    the_word_index_takes_over_past_the_newest_messages,
);

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn search(client: &Client, q: &str) -> SearchResults {
    client
        .search(&format!("q={}", encode(q)))
        .await
        .expect("search")
}

fn highlighted(results: &SearchResults) -> Vec<String> {
    results
        .hits
        .iter()
        .flat_map(|h| {
            h.snippet
                .iter()
                .filter(|p| p.highlight)
                .map(|p| p.text.clone())
        })
        .collect()
}

async fn words_in_any_language_are_found_with_highlights(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let room = direct(&alice, &bob).await;
    for text in [
        "The quarterly roadmap review moved to Thursday afternoon",
        "Wir treffen uns morgen am Hauptbahnhof um neun Uhr",
        "Давайте обсудим бюджет на следующей неделе",
        "明日の会議は東京本社で行います",
        "short: ok",
    ] {
        alice.send_text(room, text).await.unwrap();
    }
    for (query, expected) in [
        ("roadmap", "roadmap"),
        ("ROADMAP thursday", "Thursday"),
        ("hauptbahnhof", "Hauptbahnhof"),
        ("бюджет", "бюджет"),
        ("БЮДЖЕТ", "бюджет"),
        ("東京本社", "東京本社"),
        ("会議", "会議"),
        ("ok", "ok"),
    ] {
        let results = search(&bob, query).await;
        assert_eq!(results.hits.len(), 1, "{query}: {results:?}");
        assert!(
            highlighted(&results).iter().any(|h| h == expected),
            "{query}: {results:?}"
        );
        assert_eq!(results.hits[0].room_id, room);
    }
    assert!(search(&bob, "nowhere").await.hits.is_empty());
    assert!(
        search(&bob, "roadmap nowhere").await.hits.is_empty(),
        "every word must match"
    );
    assert_eq!(code(bob.search("q=").await), ErrorCode::InvalidInput);
    assert_eq!(
        code(bob.search(&format!("q={}", "a".repeat(201))).await),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(bob.search("q=a+b+c+d+e+f+g+h+i").await),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(bob.search("q=x&since=yesterday").await),
        ErrorCode::InvalidInput
    );
}

async fn only_rooms_i_am_in_now_are_searched(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let (eve, _) = signed_up(&server, "eve").await;
    let room = group_with(&alice, "Secrets", &[&bob]).await;
    alice
        .send_text(room, "the launch codename is bluebird")
        .await
        .unwrap();
    assert_eq!(search(&bob, "bluebird").await.hits.len(), 1);
    assert!(
        search(&eve, "bluebird").await.hits.is_empty(),
        "not a member"
    );
    alice.remove_member(room, id_of(&bob).await).await.unwrap();
    assert!(
        search(&bob, "bluebird").await.hits.is_empty(),
        "removed members find nothing"
    );
    // Searching one room one is not in finds nothing either.
    assert!(
        bob.search(&format!("q=bluebird&room_id={room}"))
            .await
            .unwrap()
            .hits
            .is_empty()
    );
}

async fn edits_deletes_filters_and_paging(backend: Backend) {
    edits_deletes_filters_and_paging_with(backend, &[]).await;
}

/// The same searches when only the 3 newest messages are read in order: the word
/// index finds the rest, pages run across the boundary, and short words (no
/// trigram) are found in both parts.
async fn the_word_index_takes_over_past_the_newest_messages(backend: Backend) {
    edits_deletes_filters_and_paging_with(backend, &["--search-recent-messages", "3"]).await;
    let server = TestServer::start_with(backend, &["--search-recent-messages", "2"]).await;
    let (alice, _) = signed_up(&server, "ama").await;
    let (bob, _) = signed_up(&server, "ben").await;
    let room = direct(&alice, &bob).await;
    for text in ["会議 one", "filler a", "会議 two", "filler b", "filler c"] {
        alice.send_text(room, text).await.unwrap();
    }
    let found = search(&bob, "会議").await;
    let texts: Vec<String> = found
        .hits
        .iter()
        .map(|hit| hit.snippet.iter().map(|part| part.text.as_str()).collect())
        .collect();
    assert_eq!(texts, ["会議 two", "会議 one"], "both, newest first");
}

async fn edits_deletes_filters_and_paging_with(backend: Backend, args: &[&str]) {
    let server = TestServer::start_with(backend, args).await;
    let (alice, _) = signed_up(&server, "alice").await;
    let (bob, _) = signed_up(&server, "bob").await;
    let room = direct(&alice, &bob).await;
    let other = group_with(&alice, "Other", &[&bob]).await;
    let typo = alice
        .send_text(room, "the deplyoment failed")
        .await
        .unwrap();
    alice
        .edit_message(
            room,
            typo.seq,
            MessageBody::Text {
                text: "the deployment failed".into(),
            },
        )
        .await
        .unwrap();
    assert!(
        search(&bob, "deplyoment").await.hits.is_empty(),
        "the old text is gone"
    );
    assert_eq!(search(&bob, "deployment").await.hits.len(), 1);
    alice.delete_message(room, typo.seq).await.unwrap();
    assert!(search(&bob, "deployment").await.hits.is_empty(), "deleted");

    for i in 0..7 {
        alice
            .send_text(room, &format!("status report {i}"))
            .await
            .unwrap();
        bob.send_text(other, &format!("status elsewhere {i}"))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut query = "q=status&limit=4".to_owned();
    loop {
        let page = bob.search(&query).await.unwrap();
        assert!(page.hits.len() <= 4);
        seen.extend(page.hits.iter().map(|h| h.event_id));
        match page.next_before {
            Some(before) => query = format!("q=status&limit=4&before={before}"),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(seen.len(), 14);
    assert_eq!(seen, sorted, "newest first, each once");
    let in_room = bob
        .search(&format!("q=status&room_id={room}&limit=50"))
        .await
        .unwrap();
    assert_eq!(in_room.hits.len(), 7);
    let by_bob = bob
        .search(&format!(
            "q=status&sender_id={}&limit=50",
            id_of(&bob).await
        ))
        .await
        .unwrap();
    assert_eq!(by_bob.hits.len(), 7);
    assert!(by_bob.hits.iter().all(|h| h.room_id == other));
    let future = bob
        .search("q=status&since=2999-01-01T00:00:00Z")
        .await
        .unwrap();
    assert!(future.hits.is_empty());
    let with_files = bob.search("q=status&has_attachment=true").await.unwrap();
    assert!(with_files.hits.is_empty());
}
