//! The refresh token in an HttpOnly cookie, for browsers.
//!
//! A client that sends `X-Confab-Refresh: cookie` with sign-up, sign-in, refresh or
//! sign-out gets its refresh token in the cookie `confab_refresh` instead of the
//! JSON body: `HttpOnly` (no script can read it), `SameSite=Strict` (no other site's
//! page can make the browser send it), `Path=/api/v1/auth` (sent to nothing else),
//! `Secure` when the request came over HTTPS (Confab's own TLS, or a trusted proxy's). `POST /api/v1/auth/refresh` reads the
//! cookie only when the header is there too: a cross-site form cannot set a header,
//! and a cross-site script setting one needs a CORS permission the server never
//! gives, so the cookie alone can refresh nothing (CSRF). Other clients keep the
//! token in the body, as before. See docs/security.md.

use crate::app::AppState;
use crate::clock::now_millis;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::AppendHeaders;
use confab_proto::auth::AuthTokens;
use cookie::{Cookie, SameSite};
use std::convert::Infallible;

/// The request header by which a client asks for the cookie, and its value.
pub const OPT_IN_HEADER: &str = "x-confab-refresh";
pub const OPT_IN_VALUE: &str = "cookie";
/// The cookie's name and path.
pub const COOKIE_NAME: &str = "confab_refresh";
const COOKIE_PATH: &str = "/api/v1/auth";

/// Where this request's client keeps its refresh token.
pub struct RefreshCookie {
    /// The client asked for the cookie (`X-Confab-Refresh: cookie`).
    wanted: bool,
    /// The cookie's value, if the client asked for the cookie and sent one.
    presented: Option<String>,
    /// The request came over HTTPS, so the cookie may be `Secure`.
    secure: bool,
}

/// The `Set-Cookie` header of a response, if it sets or clears the cookie.
pub type SetCookie = AppendHeaders<Option<(header::HeaderName, HeaderValue)>>;

impl FromRequestParts<AppState> for RefreshCookie {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Infallible> {
        Ok(Self::from_headers(
            &parts.headers,
            app.config.tls.enabled(),
            app.config.trust_forwarded_for,
        ))
    }
}

impl RefreshCookie {
    /// `tls`: this server speaks HTTPS itself.
    fn from_headers(headers: &HeaderMap, tls: bool, trust_forwarded: bool) -> Self {
        let wanted = headers.get(OPT_IN_HEADER).is_some_and(|value| {
            value
                .as_bytes()
                .eq_ignore_ascii_case(OPT_IN_VALUE.as_bytes())
        });
        let presented = wanted
            .then(|| request_cookie(headers, COOKIE_NAME))
            .flatten();
        Self {
            wanted,
            presented,
            secure: came_over_https(headers, tls, trust_forwarded),
        }
    }

    /// The refresh token from the cookie, for a client that asked for the cookie.
    pub fn presented(&self) -> Option<&str> {
        self.presented.as_deref()
    }

    /// For a client that asked for the cookie: moves the refresh token out of
    /// `tokens` (the body then leaves it out) into the cookie to set.
    pub fn deliver(&self, tokens: &mut AuthTokens) -> SetCookie {
        if !self.wanted {
            return AppendHeaders(None);
        }
        let token = std::mem::take(&mut tokens.refresh_token);
        let lifetime_ms = tokens
            .refresh_token_expires_at
            .unix_timestamp()
            .saturating_mul(1000)
            .saturating_sub(now_millis())
            .max(0);
        let cookie = self
            .build(token)
            .max_age(time::Duration::milliseconds(lifetime_ms));
        set_cookie(cookie.build())
    }

    /// For a client that asked for the cookie: a header that deletes it.
    pub fn clear(&self) -> SetCookie {
        if !self.wanted {
            return AppendHeaders(None);
        }
        set_cookie(
            self.build(String::new())
                .max_age(time::Duration::ZERO)
                .build(),
        )
    }

    fn build(&self, value: String) -> cookie::CookieBuilder<'static> {
        Cookie::build((COOKIE_NAME, value))
            .http_only(true)
            .same_site(SameSite::Strict)
            .path(COOKIE_PATH)
            .secure(self.secure)
    }
}

/// The request came over HTTPS: to Confab's own TLS (`tls`), or to a proxy we trust
/// (`trust_forwarded`) that says so in `X-Forwarded-Proto`. Only such a proxy can
/// tell us that.
pub fn came_over_https(headers: &HeaderMap, tls: bool, trust_forwarded: bool) -> bool {
    tls || trust_forwarded
        && headers
            .get("x-forwarded-proto")
            .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// The value of the request cookie `name`, if it was sent and is not empty.
pub fn request_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| !value.is_empty())
}

pub fn set_cookie(cookie: Cookie<'_>) -> SetCookie {
    // A cookie built from our own name, path and a URL-safe token is always a valid
    // header value.
    AppendHeaders(
        HeaderValue::from_str(&cookie.to_string())
            .ok()
            .map(|value| (header::SET_COOKIE, value)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn the_cookie_is_read_only_with_the_header() {
        let cookie = [("cookie", "theme=dark; confab_refresh=abc")];
        assert_eq!(
            RefreshCookie::from_headers(&headers(&cookie), false, false).presented(),
            None
        );
        let with_header = headers(&[cookie[0], ("x-confab-refresh", "cookie")]);
        assert_eq!(
            RefreshCookie::from_headers(&with_header, false, false).presented(),
            Some("abc")
        );
    }

    #[test]
    fn secure_over_own_tls_or_when_a_trusted_proxy_says_https() {
        let https = headers(&[
            ("x-confab-refresh", "cookie"),
            ("x-forwarded-proto", "https"),
        ]);
        assert!(RefreshCookie::from_headers(&https, false, true).secure);
        assert!(!RefreshCookie::from_headers(&https, false, false).secure);
        let plain = headers(&[("x-confab-refresh", "cookie")]);
        assert!(RefreshCookie::from_headers(&plain, true, false).secure);
        assert!(!RefreshCookie::from_headers(&plain, false, true).secure);
    }

    #[test]
    fn clearing_expires_the_cookie_on_its_path() {
        let wanted =
            RefreshCookie::from_headers(&headers(&[("x-confab-refresh", "cookie")]), false, false);
        let AppendHeaders(Some((_, value))) = wanted.clear() else {
            panic!("no Set-Cookie");
        };
        let value = value.to_str().unwrap();
        for part in [
            "confab_refresh=",
            "HttpOnly",
            "SameSite=Strict",
            "Path=/api/v1/auth",
            "Max-Age=0",
        ] {
            assert!(value.contains(part), "{value}");
        }
        let unwanted = RefreshCookie::from_headers(&HeaderMap::new(), false, false);
        assert!(unwanted.clear().0.is_none());
    }
}
