//! The `agora` command: crawl, index, search and serve public-sector case studies.

mod cli;
mod commands;
mod eval;
mod logging;
mod output;
mod paths;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    logging::init(cli.command.default_log_level());
    match commands::run(cli.command).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
