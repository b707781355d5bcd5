//! Settings of passkeys (WebAuthn): which site the passkeys belong to, and limits.

use super::error::ConfigError;
use super::parsers::duration_above_zero;
use clap::Args;
use std::time::Duration;
use url::Url;

/// Passkeys.
#[derive(Clone, Debug, Args)]
pub struct PasskeyConfig {
    /// The web origin passkeys are used from, for example `https://chat.example.org`
    ///
    /// Browsers bind each passkey to a site and tell the server which page asked; the
    /// server refuses any other page. Defaults to the origin of `--public-url` when
    /// that is `https://` with a domain name; otherwise passkeys are off
    /// (`passkeys_disabled`). For development,
    /// `http://localhost` (no port) accepts every port of localhost.
    #[arg(
        long = "passkey-origin",
        env = "CONFAB_PASSKEY_ORIGIN",
        value_name = "URL",
        value_parser = origin
    )]
    pub origin: Option<Url>,

    /// The relying party id passkeys are made for: the origin's host name or a
    /// parent domain of it
    ///
    /// Defaults to the origin's host. A parent domain (`example.org` for
    /// `https://chat.example.org`) lets other sites under it use the same passkeys;
    /// changing it later makes every registered passkey useless, so choose once.
    #[arg(
        long = "passkey-rp-id",
        env = "CONFAB_PASSKEY_RP_ID",
        value_name = "DOMAIN"
    )]
    pub rp_id: Option<String>,

    /// Most passkeys one account may register
    #[arg(
        long = "max-passkeys-per-user",
        env = "CONFAB_MAX_PASSKEYS_PER_USER",
        value_name = "N",
        default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(1..=100)
    )]
    pub max_per_user: u32,

    /// Longest time between a passkey request and the browser's answer
    ///
    /// A registration or sign-in answered later is refused with
    /// `passkey_ceremony_invalid`. Browsers give the user about as long (the
    /// timeout is passed on to them).
    #[arg(
        long = "passkey-ceremony-timeout",
        env = "CONFAB_PASSKEY_CEREMONY_TIMEOUT",
        value_name = "DURATION",
        default_value = "5m",
        value_parser = duration_above_zero
    )]
    pub ceremony_timeout: Duration,
}

/// The site passkeys are bound to, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelyingParty {
    pub id: String,
    pub origin: Url,
    /// The origin is `http://localhost` without a port: any port is accepted.
    pub any_port: bool,
}

impl PasskeyConfig {
    /// The relying party, from `--passkey-origin` or else `public_url`; `None` when
    /// passkeys are off: neither is set, or the public URL cannot be a passkey
    /// origin (plain HTTP, an IP address), which is not an error.
    pub fn relying_party(
        &self,
        public_url: Option<&Url>,
    ) -> Result<Option<RelyingParty>, ConfigError> {
        let derived = match (&self.origin, public_url) {
            (Some(origin), _) => Ok(origin.clone()),
            (None, Some(public)) => origin(public.as_str()),
            (None, None) if self.rp_id.is_some() => {
                return Err(ConfigError::Invalid(
                    "--passkey-rp-id needs --passkey-origin or --public-url".to_owned(),
                ));
            }
            (None, None) => return Ok(None),
        };
        let explicit = self.origin.is_some() || self.rp_id.is_some();
        let checked = derived.and_then(|origin| match origin.host() {
            Some(url::Host::Domain(host)) => Ok((host.to_owned(), origin.clone())),
            _ => Err(format!(
                "{origin} has no domain name: browsers refuse passkeys for IP addresses"
            )),
        });
        let (host, origin) = match checked {
            Ok(checked) => checked,
            Err(_) if !explicit => return Ok(None),
            Err(reason) => {
                return Err(ConfigError::Invalid(format!(
                    "the passkey origin cannot be used: {reason}"
                )));
            }
        };
        let id = self.rp_id.clone().unwrap_or_else(|| host.clone());
        if !(host == id || host.ends_with(&format!(".{id}"))) {
            return Err(ConfigError::Invalid(format!(
                "--passkey-rp-id {id} must be the passkey origin's host ({host}) or a parent domain of it"
            )));
        }
        let any_port = host == "localhost" && origin.port().is_none();
        Ok(Some(RelyingParty {
            id,
            origin,
            any_port,
        }))
    }
}

/// An origin: `scheme://host[:port]`, `https` unless the host is `localhost`.
fn origin(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| e.to_string())?;
    let local = url.host_str() == Some("localhost");
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        _ => return Err("must be an https:// URL (http:// only for localhost)".to_owned()),
    }
    if url.host().is_none() {
        return Err("must have a host".to_owned());
    }
    Url::parse(&url.origin().ascii_serialization()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(origin: Option<&str>, rp_id: Option<&str>) -> PasskeyConfig {
        PasskeyConfig {
            origin: origin.map(|o| super::origin(o).unwrap()),
            rp_id: rp_id.map(str::to_owned),
            max_per_user: 10,
            ceremony_timeout: Duration::from_secs(300),
        }
    }

    #[test]
    fn the_relying_party_comes_from_the_origin_or_the_public_url() {
        let public = Url::parse("https://chat.example.org/confab").unwrap();
        let party = config(None, None)
            .relying_party(Some(&public))
            .unwrap()
            .unwrap();
        assert_eq!(party.id, "chat.example.org");
        assert_eq!(party.origin.as_str(), "https://chat.example.org/");
        assert!(!party.any_port);
        let party = config(Some("https://chat.example.org:8443"), Some("example.org"))
            .relying_party(Some(&public))
            .unwrap()
            .unwrap();
        assert_eq!(party.id, "example.org");
        assert_eq!(party.origin.port(), Some(8443));
        assert_eq!(config(None, None).relying_party(None).unwrap(), None);
        // A public URL that cannot be an origin leaves passkeys off.
        for public in ["http://chat.example.org", "https://10.0.0.5:8443"] {
            let public = Url::parse(public).unwrap();
            assert_eq!(
                config(None, None).relying_party(Some(&public)).unwrap(),
                None
            );
        }
    }

    #[test]
    fn localhost_without_a_port_accepts_any_port() {
        let party = config(Some("http://localhost"), None)
            .relying_party(None)
            .unwrap()
            .unwrap();
        assert!(party.any_port);
        let party = config(Some("http://localhost:8080"), None)
            .relying_party(None)
            .unwrap()
            .unwrap();
        assert!(!party.any_port);
    }

    #[test]
    fn bad_relying_parties_are_refused() {
        assert!(super::origin("http://chat.example.org").is_err());
        assert!(super::origin("ftp://localhost").is_err());
        let ip = config(Some("https://127.0.0.1"), None).relying_party(None);
        assert!(ip.unwrap_err().to_string().contains("domain name"));
        let public = Url::parse("http://chat.example.org").unwrap();
        let pinned = config(None, Some("example.org")).relying_party(Some(&public));
        assert!(
            pinned.is_err(),
            "an explicit relying party id must be usable"
        );
        let other =
            config(Some("https://chat.example.org"), Some("example.com")).relying_party(None);
        assert!(other.unwrap_err().to_string().contains("parent domain"));
        let suffix =
            config(Some("https://badexample.org"), Some("example.org")).relying_party(None);
        assert!(suffix.is_err());
        assert!(
            config(None, Some("example.org"))
                .relying_party(None)
                .is_err()
        );
    }
}
