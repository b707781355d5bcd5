//! What a linked page says about itself: its Open Graph tags (`og:title`,
//! `og:description`, `og:image`, `og:site_name`), then Twitter's, then plain HTML
//! (`<title>`, `<meta name="description">`).

use scraper::{Html, Selector};
use url::Url;

/// Longest title kept, in characters.
pub const TITLE_MAX_CHARS: usize = 300;
/// Longest description kept, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 1000;
/// Longest site name kept, in characters.
pub const SITE_NAME_MAX_CHARS: usize = 100;

/// A page's own description of itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageMeta {
    pub title: String,
    pub description: String,
    pub site_name: String,
    /// The picture it names, made absolute against the page's URL (http or https).
    pub image: Option<Url>,
}

impl PageMeta {
    /// Whether there is anything to show.
    pub fn is_empty(&self) -> bool {
        self.title.is_empty() && self.description.is_empty() && self.image.is_none()
    }
}

/// Reads `html`, the page at `base`.
pub fn read_page(html: &str, base: &Url) -> PageMeta {
    let document = Html::parse_document(html);
    let meta = |keys: &[&str]| -> Option<String> {
        keys.iter().find_map(|key| {
            let selector =
                Selector::parse(&format!("meta[property=\"{key}\"], meta[name=\"{key}\"]")).ok()?;
            document
                .select(&selector)
                .filter_map(|element| element.value().attr("content"))
                .map(clean)
                .find(|content| !content.is_empty())
        })
    };
    let title = meta(&["og:title", "twitter:title"]).or_else(|| {
        let selector = Selector::parse("title").ok()?;
        let element = document.select(&selector).next()?;
        Some(clean(&element.text().collect::<String>())).filter(|t| !t.is_empty())
    });
    let image = meta(&[
        "og:image:secure_url",
        "og:image",
        "og:image:url",
        "twitter:image",
    ])
    .and_then(|src| base.join(&src).ok())
    .filter(|url| matches!(url.scheme(), "http" | "https"));
    PageMeta {
        title: shorten(title.unwrap_or_default(), TITLE_MAX_CHARS),
        description: shorten(
            meta(&["og:description", "twitter:description", "description"]).unwrap_or_default(),
            DESCRIPTION_MAX_CHARS,
        ),
        site_name: shorten(
            meta(&["og:site_name", "application-name"]).unwrap_or_default(),
            SITE_NAME_MAX_CHARS,
        ),
        image,
    }
}

/// Whitespace collapsed, control characters dropped.
fn clean(text: &str) -> String {
    text.split_whitespace()
        .map(|word| word.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// At most `max` characters, with an ellipsis when cut.
fn shorten(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        return text;
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example.com/2026/launch.html").unwrap()
    }

    #[test]
    fn open_graph_comes_first() {
        let page = read_page(
            r#"<!doctype html><html><head>
            <title>Fallback</title>
            <meta name="description" content="plain">
            <meta property="og:title" content="  Launch
                day  ">
            <meta property="og:description" content="We ship on Friday.">
            <meta property="og:site_name" content="Example News">
            <meta property="og:image" content="/img/cover.png">
            </head><body>hi</body></html>"#,
            &base(),
        );
        assert_eq!(
            page,
            PageMeta {
                title: "Launch day".into(),
                description: "We ship on Friday.".into(),
                site_name: "Example News".into(),
                image: Some(Url::parse("https://news.example.com/img/cover.png").unwrap()),
            }
        );
    }

    #[test]
    fn plain_html_and_twitter_tags_fill_in() {
        let page = read_page(
            r#"<html><head><title>Team &amp; plans</title>
            <meta name="description" content="What we do next">
            <meta name="twitter:image" content="https://cdn.example.com/t.jpg">
            </head></html>"#,
            &base(),
        );
        assert_eq!(page.title, "Team & plans");
        assert_eq!(page.description, "What we do next");
        assert_eq!(page.site_name, "");
        assert_eq!(
            page.image.unwrap().as_str(),
            "https://cdn.example.com/t.jpg"
        );
    }

    #[test]
    fn nothing_useful_and_bad_images() {
        let page = read_page(
            r#"<html><head><meta property="og:image" content="javascript:alert(1)"></head></html>"#,
            &base(),
        );
        assert!(page.is_empty(), "{page:?}");
        assert!(read_page("not html at all", &base()).is_empty());
        let long = read_page(&format!("<title>{}</title>", "word ".repeat(200)), &base());
        assert!(long.title.chars().count() <= TITLE_MAX_CHARS);
        assert!(long.title.ends_with('…'));
    }
}
