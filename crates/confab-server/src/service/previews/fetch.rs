//! Fetching linked pages and their pictures without letting a link reach the
//! server's own network (see `service::outbound`).
//!
//! Every hop is checked: redirects are followed here, not by `reqwest`, so each new
//! URL's scheme and literal address are checked before it is asked, and every host
//! name is resolved through the [`AddressPolicy`]'s resolver, which drops refused
//! answers (a name that resolves to 127.0.0.1 is refused like 127.0.0.1). No proxy
//! from the environment is used, no cookies are kept or sent, bodies are read up to
//! a limit, and the whole fetch has a deadline.

use crate::service::outbound::{AddressPolicy, Unreachable};
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use std::time::Duration;
use url::Url;

/// The limits of one fetch.
#[derive(Clone, Debug)]
pub struct FetchLimits {
    /// For the page, then again for its picture, redirects included.
    pub timeout: Duration,
    /// The most of a page read: what comes after is ignored (the tags a preview
    /// needs are in the head).
    pub max_page_bytes: u64,
    /// A bigger picture is not used.
    pub max_image_bytes: u64,
    pub max_redirects: u32,
}

/// Why a fetch gave nothing.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    /// The URL, or a redirect, leads to an address the server may not reach.
    #[error("{0} is not an address the server may reach")]
    Refused(String),
    #[error("timed out")]
    TimedOut,
    #[error("more than {0} bytes")]
    TooLarge(u64),
    #[error("not {0}")]
    WrongType(&'static str),
    #[error("{0}")]
    Failed(String),
}

/// Fetches pages and pictures for link previews.
#[derive(Clone, Debug)]
pub struct Fetcher {
    http: reqwest::Client,
    policy: AddressPolicy,
    limits: FetchLimits,
}

/// What a fetch read.
struct Fetched {
    /// Where the last redirect led.
    url: Url,
    content_type: String,
    body: Vec<u8>,
}

/// How much of a body to read.
#[derive(Clone, Copy)]
enum Body {
    /// The first this many bytes; the rest is left unread.
    UpTo(u64),
    /// All of it, which must not be more than this many bytes.
    Whole(u64),
}

impl Fetcher {
    pub fn new(policy: AddressPolicy, limits: FetchLimits) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(policy.resolver())
            .no_proxy()
            .connect_timeout(limits.timeout)
            .user_agent(concat!(
                "Mozilla/5.0 (compatible; Confab/",
                env!("CARGO_PKG_VERSION"),
                " link preview)"
            ))
            .build()?;
        Ok(Self {
            http,
            policy,
            limits,
        })
    }

    /// The HTML of the page at `url` (up to the page limit) and where it really is.
    pub async fn page(&self, url: &Url) -> Result<(Url, String), FetchError> {
        let fetched = self
            .within_deadline(self.get(
                url,
                "text/html,application/xhtml+xml",
                Body::UpTo(self.limits.max_page_bytes),
            ))
            .await?;
        let html_type = fetched.content_type.starts_with("text/html")
            || fetched.content_type.starts_with("application/xhtml+xml");
        if !html_type {
            return Err(FetchError::WrongType("an HTML page"));
        }
        Ok((
            fetched.url,
            String::from_utf8_lossy(&fetched.body).into_owned(),
        ))
    }

    /// The bytes of the picture at `url`.
    pub async fn image(&self, url: &Url) -> Result<Vec<u8>, FetchError> {
        let max = self.limits.max_image_bytes;
        let fetched = self
            .within_deadline(self.get(url, "image/*", Body::Whole(max)))
            .await?;
        if !fetched.content_type.starts_with("image/") {
            return Err(FetchError::WrongType("an image"));
        }
        Ok(fetched.body)
    }

    async fn within_deadline(
        &self,
        fetch: impl Future<Output = Result<Fetched, FetchError>>,
    ) -> Result<Fetched, FetchError> {
        tokio::time::timeout(self.limits.timeout, fetch)
            .await
            .unwrap_or(Err(FetchError::TimedOut))
    }

    /// GETs `url`, following redirects hop by hop, and reads its body.
    async fn get(&self, url: &Url, accept: &str, body: Body) -> Result<Fetched, FetchError> {
        let mut url = url.clone();
        let mut redirects = 0;
        let mut response = loop {
            self.check(&url)?;
            let response = self
                .http
                .get(url.clone())
                .header(ACCEPT, accept)
                .send()
                .await
                .map_err(|error| describe(&url, &error))?;
            if !response.status().is_redirection() {
                break response;
            }
            redirects += 1;
            if redirects > self.limits.max_redirects {
                return Err(FetchError::Failed(format!(
                    "more than {} redirects",
                    self.limits.max_redirects
                )));
            }
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|value| value.to_str().ok())
                .ok_or_else(|| FetchError::Failed("a redirect without a location".into()))?;
            url = url
                .join(location)
                .map_err(|_| FetchError::Failed("a redirect to a malformed URL".into()))?;
        };
        if !response.status().is_success() {
            return Err(FetchError::Failed(format!("status {}", response.status())));
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let (max, whole) = match body {
            Body::UpTo(max) => (max, false),
            Body::Whole(max) => (max, true),
        };
        if whole && response.content_length().is_some_and(|length| length > max) {
            return Err(FetchError::TooLarge(max));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| describe(&url, &error))?
        {
            let room = usize::try_from(max).unwrap_or(usize::MAX) - bytes.len();
            if chunk.len() > room {
                if whole {
                    return Err(FetchError::TooLarge(max));
                }
                bytes.extend_from_slice(&chunk[..room]);
                break;
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            url,
            content_type,
            body: bytes,
        })
    }

    /// Refuses URLs that are not plain web addresses the policy allows.
    fn check(&self, url: &Url) -> Result<(), FetchError> {
        let refused = || FetchError::Refused(url.to_string());
        if !matches!(url.scheme(), "http" | "https")
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(refused());
        }
        match url.host() {
            Some(host) if self.policy.allows_host(&host) => Ok(()),
            _ => Err(refused()),
        }
    }
}

/// A request error as a [`FetchError`]: the resolver's refusal is a refusal.
fn describe(url: &Url, error: &reqwest::Error) -> FetchError {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if cause.is::<Unreachable>() {
            return FetchError::Refused(url.to_string());
        }
        source = cause.source();
    }
    if error.is_timeout() {
        FetchError::TimedOut
    } else {
        FetchError::Failed(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetcher(policy: AddressPolicy) -> Fetcher {
        Fetcher::new(
            policy,
            FetchLimits {
                timeout: Duration::from_secs(2),
                max_page_bytes: 1024,
                max_image_bytes: 1024,
                max_redirects: 2,
            },
        )
        .unwrap()
    }

    /// Refused before anything is sent: no server listens on these.
    #[tokio::test]
    async fn private_literal_and_resolved_addresses_are_refused() {
        let fetcher = fetcher(AddressPolicy::public_only());
        for url in [
            "http://127.0.0.1:9/",
            "http://[::1]:9/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/",
            "http://localhost:9/",
            "file:///etc/passwd",
            "http://user:pw@example.com/",
        ] {
            let url = Url::parse(url).unwrap();
            assert!(
                matches!(fetcher.page(&url).await, Err(FetchError::Refused(_))),
                "{url}"
            );
        }
    }

    /// A host name is resolved through the policy: with only 127.0.0.2 allowed,
    /// `localhost` (127.0.0.1, ::1) has no address left.
    #[tokio::test]
    async fn names_resolving_to_refused_addresses_are_refused() {
        let fetcher = fetcher(AddressPolicy {
            allow_all: false,
            allowed_networks: vec!["127.0.0.2/32".parse().unwrap()],
        });
        let url = Url::parse("http://localhost:9/").unwrap();
        assert_eq!(
            fetcher.page(&url).await,
            Err(FetchError::Refused(url.to_string()))
        );
    }
}
