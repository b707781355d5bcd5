//! The `confab` command.

use clap::Parser as _;
use confab_server::config::{Cli, Command};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve(args) => {
            let config = args.resolve()?;
            confab_server::telemetry::init_logging(config.log_format, &config.log)?;
            confab_server::server::run(config).await
        }
    }
}
