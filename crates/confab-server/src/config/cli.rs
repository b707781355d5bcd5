//! The command line: `confab serve` and how its settings are loaded (flags and
//! environment by clap, then the TOML file, then the dependent defaults).

use super::error::ConfigError;
use super::file;
use super::options::{self, Config};
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
