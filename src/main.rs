use std::process::ExitCode;

use clap::Parser;
use keydesk::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .init();
    match cli.command {
        None => keydesk::commands::serve(cli.serve),
        Some(Command::Serve(args)) => keydesk::commands::serve(args),
        Some(Command::User(cmd)) => keydesk::commands::user(cmd),
        Some(Command::Seed(args)) => keydesk::commands::seed(args),
    }
}
