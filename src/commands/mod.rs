//! One module per subcommand; each turns parsed arguments into calls to the library crates.

mod crawl;
mod export;
mod index;
mod inspect;
mod search;
mod serve;
mod sources;

use std::process::ExitCode;

use crate::cli::{Command, SourcesCommand};

/// Runs a subcommand and returns the process's exit code.
pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => serve::run(args).await,
        Command::Crawl(args) => crawl::run(args).await,
        Command::Index(args) => index::run(args).await,
        Command::Search(args) => search::run(args).await,
        Command::Sources {
            command: SourcesCommand::Check(args),
        } => sources::check(&args),
        Command::Sources {
            command: SourcesCommand::Status(args),
        } => sources::status(&args),
        Command::Sources {
            command: SourcesCommand::Import(args),
        } => sources::import(&args),
        Command::Inspect(args) => inspect::run(args).await,
        Command::Export(args) => export::run(&args),
    }
}
