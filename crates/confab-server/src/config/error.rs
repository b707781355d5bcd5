//! Errors of loading the configuration.

use std::path::PathBuf;

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
