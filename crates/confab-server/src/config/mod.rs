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

mod file;
mod options;

#[cfg(test)]
mod docs;
#[cfg(test)]
mod tests;

pub use crate::telemetry::LogFormat;
pub use options::{
    Config, PASSWORD_MAX_CHARS, PasswordConfig, RoomLimits, SqliteSynchronous, ThrottleConfig,
    WsConfig,
};

use clap::{Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

/// Confab: a self-hosted real-time chat server.
///
/// Build it with [`Cli::load`], which adds the TOML file and the dependent defaults
/// that clap's own parsing (`Cli::parse`) does not know about.
#[derive(Debug, Parser)]
#[command(name = "confab", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the chat server (REST API, WebSocket, web client) until SIGTERM or Ctrl-C.
    Serve(Box<ServeArgs>),
}

/// Options of `confab serve`. Every option can also be set as an environment
/// variable (shown in brackets) or in the TOML file given by `--config`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// TOML file with settings. Flags and environment variables override it.
    ///
    /// Keys are the option names with `_` instead of `-`; an unknown key is an error.
    /// The file itself cannot contain a `config` key.
    #[arg(
        long,
        env = "CONFAB_CONFIG",
        value_name = "FILE",
        help_heading = "Files and network"
    )]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub settings: Config,
}

/// Why the settings could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A malformed flag or environment variable; also `--help` and `--version`, which
    /// clap reports as errors too. [`clap::Error::exit`] prints it the way clap does.
    #[error(transparent)]
    Cli(#[from] clap::Error),
    #[error("cannot read config file {}", path.display())]
    ReadFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid config file {}", path.display())]
    ParseFile {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    #[error(
        "invalid config file {}: unknown key `{key}` (keys are the option names of `confab serve --help` with `_` instead of `-`)",
        path.display()
    )]
    UnknownKey { path: PathBuf, key: String },
    #[error("invalid config file {}: `{key}`: {message}", path.display())]
    BadValue {
        path: PathBuf,
        key: String,
        message: String,
    },
    /// Settings that are each well-formed but break a rule together.
    #[error("{0}")]
    Invalid(String),
}

impl Cli {
    /// Parses `argv` (the program name first) and the `CONFAB_*` environment, layers
    /// the `--config` file and the dependent defaults under them, and validates the
    /// result.
    pub fn load<I>(argv: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator,
        I::Item: Into<OsString>,
    {
        let cmd = Self::command();
        let parse = |argv: &[OsString]| cmd.clone().try_get_matches_from(argv);
        let mut argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
        let mut matches = parse(&argv)?;
        // First the file, then the defaults that depend on other settings. Each adds
        // arguments only for settings still unset, so what came before it (flags and
        // the environment, then the file) keeps precedence.
        if let (Some(serve_cmd), Some(serve)) = (
            cmd.find_subcommand("serve"),
            matches.subcommand_matches("serve"),
        ) {
            argv.extend(file::arguments(serve_cmd, serve)?);
            let with_file = parse(&argv)?;
            if let Some(serve) = with_file.subcommand_matches("serve") {
                argv.extend(options::dependent_defaults(serve));
            }
            matches = parse(&argv)?;
        }
        let cli = Self::from_arg_matches(&matches)?;
        match &cli.command {
            Command::Serve(args) => args.settings.validate()?,
        }
        Ok(cli)
    }
}

/// Which database a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Recognises `sqlite:` and `postgres:`/`postgresql:` URLs.
    pub fn from_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':')?.0;
        match scheme {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            _ => None,
        }
    }
}

/// Removes a password from a database URL so it can be logged or shown in errors.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("REDACTED"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}
