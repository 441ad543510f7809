//! One module per subcommand; each turns parsed arguments into calls to the library crates.

mod crawl;
mod eval;
mod export;
mod index;
mod inspect;
mod search;
mod serve;
mod sources;
mod thesaurus;
mod users;

use std::process::ExitCode;

use crate::cli::{Command, SourcesCommand, ThesaurusCommand, UsersCommand};

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
        Command::Eval(args) => eval::run(args).await,
        Command::Thesaurus {
            command: ThesaurusCommand::Check(args),
        } => thesaurus::check(&args),
        Command::Thesaurus {
            command: ThesaurusCommand::Match(args),
        } => thesaurus::match_text(&args),
        Command::Users {
            command: UsersCommand::GrantModerator(args),
        } => users::set_moderator(&args, true),
        Command::Users {
            command: UsersCommand::RevokeModerator(args),
        } => users::set_moderator(&args, false),
    }
}
