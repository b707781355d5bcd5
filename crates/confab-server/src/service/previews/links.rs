//! Finding the link a message's preview is about: the first `http://` or
//! `https://` URL of its text, outside code.

use url::Url;

/// Longest link previewed, in bytes.
pub const LINK_MAX_BYTES: usize = 2048;

/// The first web link of a message's text: not inside `code` or a fenced code
/// block, without the punctuation that ends a sentence or closes a bracket around
/// it, and without credentials (`user:password@`), which are never fetched.
pub fn first_link(text: &str) -> Option<Url> {
    let mut in_code = false;
    let mut rest = text;
    let mut at = 0;
    while let Some(found) = next_candidate(rest) {
        let (skipped, from) = rest.split_at(found);
        // Backticks toggle code; a fence (```) toggles it too, counted as one.
        for part in skipped.split("```").enumerate() {
            let (index, piece) = part;
            if index > 0 {
                in_code = !in_code;
            }
            if piece.matches('`').count() % 2 == 1 {
                in_code = !in_code;
            }
        }
        let end = from
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '`' | '"'))
            .unwrap_or(from.len());
        let candidate = trim_trailing(&from[..end]);
        at += found + end;
        rest = &text[at..];
        if in_code || candidate.len() > LINK_MAX_BYTES {
            continue;
        }
        if let Ok(url) = Url::parse(candidate)
            && url.host().is_some()
            && url.username().is_empty()
            && url.password().is_none()
        {
            return Some(url);
        }
    }
    None
}

/// Where the next `http://` or `https://` starts, at a word boundary.
fn next_candidate(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(offset) = text[from..].find("http") {
        let start = from + offset;
        let tail = &text[start..];
        let boundary = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        if boundary && (tail.starts_with("http://") || tail.starts_with("https://")) {
            return Some(start);
        }
        from = start + 4;
    }
    None
}

/// Drops sentence punctuation after a link, and a closing bracket that closes
/// something opened before the link rather than inside it (`(see https://a.b/x)`,
/// but `https://en.wikipedia.org/wiki/Rust_(language)` keeps its own).
fn trim_trailing(link: &str) -> &str {
    let mut link = link;
    loop {
        let Some(last) = link.chars().next_back() else {
            return link;
        };
        let drop = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '_' | '~' => true,
            ')' => link.matches(')').count() > link.matches('(').count(),
            ']' => link.matches(']').count() > link.matches('[').count(),
            _ => false,
        };
        if !drop {
            return link;
        }
        link = &link[..link.len() - last.len_utf8()];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(text: &str) -> Option<String> {
        first_link(text).map(|url| url.to_string())
    }

    #[test]
    fn the_first_link_without_surrounding_punctuation() {
        assert_eq!(
            link("see https://example.com/a?b=1. and http://other.org"),
            Some("https://example.com/a?b=1".into())
        );
        assert_eq!(
            link("(notes at https://docs.example.com/x)"),
            Some("https://docs.example.com/x".into())
        );
        assert_eq!(
            link("https://en.wikipedia.org/wiki/Rust_(language), read it"),
            Some("https://en.wikipedia.org/wiki/Rust_(language)".into())
        );
        assert_eq!(
            link("[the plan](https://example.com/plan)"),
            Some("https://example.com/plan".into())
        );
        assert_eq!(
            link("<https://example.com/x>"),
            Some("https://example.com/x".into())
        );
    }

    #[test]
    fn code_credentials_and_non_links_are_skipped() {
        assert_eq!(
            link("run `curl https://internal.example/x` then https://example.com/ok"),
            Some("https://example.com/ok".into())
        );
        assert_eq!(
            link("```\nhttps://in.fence/x\n```\nafter https://example.com/y"),
            Some("https://example.com/y".into())
        );
        assert_eq!(link("https://user:pw@example.com/x"), None);
        assert_eq!(link("ftp://example.com/x mailto:a@b.c"), None);
        assert_eq!(link("nohttps://example.com"), None);
        assert_eq!(link("http:// nothing"), None);
        assert_eq!(
            link(&format!("https://example.com/{}", "a".repeat(3000))),
            None
        );
        assert_eq!(link("no links here"), None);
    }
}
