//! Configuration: command-line flags, `CONFAB_*` environment variables and an
//! optional TOML file, in that order of precedence over the built-in defaults,
//! resolved into one [`Config`].
//!
//! Every setting is declared once, as a clap argument of [`Config`] (`options.rs`).
//! clap reads flags, the environment and the defaults; the TOML file (`file.rs`) is
//! layered in by handing its values to the same clap parser as extra `--flag=value`
//! arguments for the settings that flags and the environment left unset. Defaults that
//! depend on other settings are added the same way, after the file. So there is no
//! separate merge or defaults code, and a value from the file is checked exactly like
//! the same value given as a flag.

mod cli;
mod cluster;
mod database;
mod error;
mod file;
mod files;
mod groups;
mod mls;
mod notify;
mod options;
mod parsers;
mod passkeys;
mod previews;
mod providers;
mod tls;

#[cfg(test)]
mod docs;
#[cfg(test)]
mod tests;

pub use crate::telemetry::LogFormat;
pub use cli::{Cli, Command, ServeArgs};
pub use cluster::ClusterConfig;
pub use database::{Backend, redact_url};
pub use error::ConfigError;
pub use files::FileConfig;
pub use groups::{
    HttpConfig, PASSWORD_MAX_CHARS, PasswordConfig, RoomLimits, ThrottleConfig, WsConfig,
};
pub use mls::MlsConfig;
pub use notify::{NotifyConfig, RoomMentionRole};
pub use options::{Config, SqliteSynchronous};
pub use passkeys::{PasskeyConfig, RelyingParty};
pub use previews::PreviewConfig;
pub use providers::{ProviderKindSettings, ProviderSettings, ProvidersConfig};
pub use tls::{AcmeChallenge, TlsConfig};
