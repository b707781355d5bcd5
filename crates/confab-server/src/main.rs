//! The `confab` command.

use confab_server::config::{Cli, Command, ConfigError};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = match Cli::load(std::env::args_os()) {
        Ok(cli) => cli,
        // Usage errors, `--help` and `--version` print and exit the way clap does.
        Err(ConfigError::Cli(e)) => e.exit(),
        Err(e) => return Err(e.into()),
    };
    match cli.command {
        Command::Serve(args) => {
            let config = args.settings;
            confab_server::telemetry::init_logging(config.log_format, &config.log)?;
            confab_server::server::run(config).await
        }
    }
}
