//! Settings of sign-in with identity providers (OpenID Connect, GitHub): the options,
//! and the providers file they name ([`ProvidersConfig::load`]).

use super::error::ConfigError;
use super::parsers::duration_above_zero;
use clap::Args;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

/// Sign-in providers.
#[derive(Clone, Debug, Args)]
pub struct ProvidersConfig {
    /// TOML file listing the identity providers people may sign in with
    ///
    /// One `[[provider]]` table per provider: OpenID Connect providers by issuer URL
    /// (Keycloak, Authentik, Google, Microsoft Entra, ...) and GitHub. The format is in
    /// docs/deployment.md ("Sign-in with identity providers"). Each provider's
    /// redirect URI is `<public URL>/api/v1/auth/providers/<id>/callback`. Read at
    /// start; keep it readable by Confab only, as it holds client secrets (or names
    /// files that do).
    #[arg(
        long = "sign-in-providers",
        env = "CONFAB_SIGN_IN_PROVIDERS",
        value_name = "FILE"
    )]
    pub file: Option<PathBuf>,

    /// The URL people reach Confab at, for example `https://chat.example.org`
    ///
    /// Used to build the providers' redirect URIs, and as the passkey origin
    /// (`--passkey-origin`). Without it, each sign-in builds
    /// them from the `Host` the browser used (and `https` when Confab serves TLS or a
    /// trusted proxy says so in `X-Forwarded-Proto`); the provider accepts only the
    /// redirect URIs registered with it, so set this when Confab is reachable under
    /// more than one name.
    #[arg(
        long = "public-url",
        env = "CONFAB_PUBLIC_URL",
        value_name = "URL",
        value_parser = public_url
    )]
    pub public_url: Option<Url>,

    /// Longest time from a provider sign-in button to the provider's return
    ///
    /// The flow (its state, nonce and PKCE verifier) is forgotten after it, and a
    /// late return is refused with `provider_flow_invalid`.
    #[arg(
        long = "provider-flow-ttl",
        env = "CONFAB_PROVIDER_FLOW_TTL",
        value_name = "DURATION",
        default_value = "10m",
        value_parser = duration_above_zero
    )]
    pub flow_ttl: Duration,

    /// Longest wait for an identity provider's answer (discovery, token, user)
    #[arg(
        long = "provider-timeout",
        env = "CONFAB_PROVIDER_TIMEOUT",
        value_name = "DURATION",
        default_value = "10s",
        value_parser = duration_above_zero
    )]
    pub timeout: Duration,
}

/// One provider of the providers file, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderSettings {
    /// In URLs: lower-case letters, digits and `-`, at most 32.
    pub id: String,
    /// On the sign-in button.
    pub name: String,
    pub kind: ProviderKindSettings,
    pub client_id: String,
    pub client_secret: String,
    /// Scopes asked for besides the kind's own.
    pub scopes: Vec<String>,
}

/// What kind of provider, with what the kind needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderKindSettings {
    Oidc {
        /// As written: discovery compares it with the provider's own, character for
        /// character (`Url` would add a trailing `/`).
        issuer: String,
    },
    /// GitHub, or GitHub Enterprise Server at other URLs.
    Github {
        /// Where `login/oauth/authorize` and `login/oauth/access_token` are.
        web_url: Url,
        /// Where `user` is.
        api_url: Url,
    },
}

/// A `[[provider]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderEntry {
    id: String,
    name: Option<String>,
    #[serde(default)]
    kind: EntryKind,
    issuer: Option<String>,
    client_id: String,
    client_secret: Option<String>,
    client_secret_file: Option<PathBuf>,
    #[serde(default)]
    scopes: Vec<String>,
    github_url: Option<String>,
    github_api_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum EntryKind {
    #[default]
    Oidc,
    Github,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvidersFile {
    #[serde(default)]
    provider: Vec<ProviderEntry>,
}

/// Most providers one file may list.
const MAX_PROVIDERS: usize = 32;

impl ProvidersConfig {
    /// The providers of `--sign-in-providers`, checked; none without it.
    pub fn load(&self) -> Result<Vec<ProviderSettings>, ConfigError> {
        let Some(path) = &self.file else {
            return Ok(Vec::new());
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
            path: path.clone(),
            source,
        })?;
        let file: ProvidersFile =
            toml::from_str(&text).map_err(|source| ConfigError::ParseFile {
                path: path.clone(),
                source,
            })?;
        let invalid = |message: String| {
            ConfigError::Invalid(format!("--sign-in-providers {}: {message}", path.display()))
        };
        if file.provider.len() > MAX_PROVIDERS {
            return Err(invalid(format!("at most {MAX_PROVIDERS} providers")));
        }
        let mut providers: Vec<ProviderSettings> = Vec::new();
        for entry in file.provider {
            let id = entry.id.clone();
            let provider =
                settings(entry, path).map_err(|m| invalid(format!("provider `{id}`: {m}")))?;
            if providers.iter().any(|p| p.id == provider.id) {
                return Err(invalid(format!("two providers have the id `{id}`")));
            }
            providers.push(provider);
        }
        Ok(providers)
    }
}

fn settings(entry: ProviderEntry, path: &Path) -> Result<ProviderSettings, String> {
    let id_ok = (1..=32).contains(&entry.id.len())
        && entry
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !id_ok {
        return Err("`id` must be 1 to 32 lower-case letters, digits or `-`".to_owned());
    }
    let client_secret = match (entry.client_secret, entry.client_secret_file) {
        (Some(secret), None) => secret,
        (None, Some(file)) => {
            // A relative secret file is next to the providers file.
            let file = path.parent().unwrap_or(Path::new("")).join(file);
            std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read `client_secret_file` {}: {e}", file.display()))?
                .trim()
                .to_owned()
        }
        _ => return Err("give exactly one of `client_secret` and `client_secret_file`".to_owned()),
    };
    if entry.client_id.is_empty() || client_secret.is_empty() {
        return Err("`client_id` and the client secret must not be empty".to_owned());
    }
    let url = |key: &str, text: &str| -> Result<Url, String> {
        let url = Url::parse(text).map_err(|e| format!("`{key}` is not a URL: {e}"))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(format!("`{key}` must be an https:// URL"));
        }
        Ok(url)
    };
    let (kind, default_name) = match entry.kind {
        EntryKind::Oidc => {
            if entry.github_url.is_some() || entry.github_api_url.is_some() {
                return Err(
                    "`github_url` and `github_api_url` are for `kind = \"github\"`".to_owned(),
                );
            }
            let issuer = entry
                .issuer
                .ok_or("an OpenID Connect provider needs `issuer`")?;
            url("issuer", &issuer)?;
            (ProviderKindSettings::Oidc { issuer }, entry.id.clone())
        }
        EntryKind::Github => {
            if entry.issuer.is_some() {
                return Err(
                    "GitHub has no `issuer`; use `github_url` for GitHub Enterprise".to_owned(),
                );
            }
            let web = entry.github_url.as_deref().unwrap_or("https://github.com/");
            let api = entry
                .github_api_url
                .as_deref()
                .unwrap_or("https://api.github.com/");
            let kind = ProviderKindSettings::Github {
                web_url: url("github_url", &with_slash(web))?,
                api_url: url("github_api_url", &with_slash(api))?,
            };
            (kind, "GitHub".to_owned())
        }
    };
    let name = entry.name.unwrap_or(default_name);
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err("`name` must be 1 to 64 characters".to_owned());
    }
    Ok(ProviderSettings {
        id: entry.id,
        name,
        kind,
        client_id: entry.client_id,
        client_secret,
        scopes: entry.scopes,
    })
}

/// A base URL with its trailing `/`, so that joining keeps its path.
fn with_slash(url: &str) -> String {
    if url.ends_with('/') {
        url.to_owned()
    } else {
        format!("{url}/")
    }
}

/// Value parser: an absolute `http(s)` URL without query or fragment; a trailing
/// `/` is dropped.
fn public_url(text: &str) -> Result<Url, String> {
    let mut url = Url::parse(text).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return Err("must be an http:// or https:// URL with a host".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".to_owned());
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Vec<ProviderSettings>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("providers.toml");
        std::fs::write(&path, text).unwrap();
        std::fs::write(dir.path().join("secret"), "s3cret\n").unwrap();
        let config = ProvidersConfig {
            file: Some(path),
            public_url: None,
            flow_ttl: Duration::from_secs(600),
            timeout: Duration::from_secs(10),
        };
        config
            .load()
            .map_err(|e| match std::error::Error::source(&e) {
                Some(source) => format!("{e}: {source}"),
                None => e.to_string(),
            })
    }

    #[test]
    fn a_file_lists_oidc_and_github_providers() {
        let providers = load(
            "[[provider]]\nid = \"corp\"\nname = \"Corp SSO\"\nissuer = \"https://sso.example.org/realms/corp\"\nclient_id = \"confab\"\nclient_secret_file = \"secret\"\n\n[[provider]]\nid = \"github\"\nkind = \"github\"\nclient_id = \"abc\"\nclient_secret = \"def\"\n",
        )
        .unwrap();
        assert_eq!(providers.len(), 2);
        assert_eq!(providers[0].client_secret, "s3cret");
        assert_eq!(providers[0].name, "Corp SSO");
        assert_eq!(providers[1].name, "GitHub");
        assert_eq!(
            providers[1].kind,
            ProviderKindSettings::Github {
                web_url: Url::parse("https://github.com/").unwrap(),
                api_url: Url::parse("https://api.github.com/").unwrap(),
            }
        );
    }

    #[test]
    fn mistakes_name_the_provider_and_the_rule() {
        let bad = [
            (
                "id = \"Corp\"\nissuer = \"https://x\"\nclient_id = \"a\"\nclient_secret = \"b\"",
                "lower-case",
            ),
            (
                "id = \"corp\"\nclient_id = \"a\"\nclient_secret = \"b\"",
                "needs `issuer`",
            ),
            (
                "id = \"corp\"\nissuer = \"https://x\"\nclient_id = \"a\"",
                "exactly one of",
            ),
            (
                "id = \"corp\"\nissuer = \"ftp://x\"\nclient_id = \"a\"\nclient_secret = \"b\"",
                "https://",
            ),
            (
                "id = \"corp\"\nissuer = \"https://x\"\nclient_id = \"a\"\nclient_secret = \"b\"\ncolour = 1",
                "unknown field",
            ),
        ];
        for (table, expected) in bad {
            let error = load(&format!("[[provider]]\n{table}\n")).unwrap_err();
            assert!(error.contains(expected), "{table}: {error}");
        }
        let twice = "[[provider]]\nid = \"a\"\nissuer = \"https://x\"\nclient_id = \"a\"\nclient_secret = \"b\"\n";
        let error = load(&format!("{twice}{twice}")).unwrap_err();
        assert!(error.contains("two providers have the id `a`"), "{error}");
    }

    #[test]
    fn the_public_url_loses_its_trailing_slash() {
        assert_eq!(
            public_url("https://chat.example.org/").unwrap().as_str(),
            "https://chat.example.org/"
        );
        assert_eq!(
            public_url("https://example.org/chat/").unwrap().as_str(),
            "https://example.org/chat"
        );
        assert!(public_url("chat.example.org").is_err());
        assert!(public_url("https://example.org/?a=b").is_err());
    }
}
