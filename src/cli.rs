//! Command-line arguments. Every option can also come from an `AGORA_*` environment variable;
//! the command line wins, then the environment, then the defaults shown in `--help`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Multilingual search over public-sector case studies.
#[derive(Debug, Parser)]
#[command(name = "agora", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the search page and API, crawling sources in the background.
    Serve(ServeArgs),
    /// Crawl the sources once (or the named ones), index what changed, and exit.
    Crawl(CrawlArgs),
    /// Bring the index up to date with the document store.
    Index(IndexArgs),
    /// Search the index from the command line.
    Search(SearchArgs),
    /// Check or show the configured sources.
    Sources {
        /// Which sources command.
        #[command(subcommand)]
        command: SourcesCommand,
    },
    /// Fetch one URL and show what the crawler would store from it.
    Inspect(InspectArgs),
    /// Write every stored document to standard output as JSON lines.
    Export(DataArgs),
}

/// `agora sources ...`.
#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// Validate sources.toml; on problems, list each as FILE:LINE and exit with status 1.
    Check(ConfigArgs),
    /// Show each source's last crawl, documents and last error.
    Status(StatusArgs),
    /// Add the feeds of an OPML file (a feed reader's export) to sources.toml.
    Import(ImportArgs),
}

/// Where the sources are configured.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// The sources file.
    #[arg(long, env = "AGORA_CONFIG", default_value = "sources.toml")]
    pub config: PathBuf,
}

/// Where documents and the index are kept.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Data directory (document store and index).
    #[arg(long, env = "AGORA_DATA", default_value = "data")]
    pub data: PathBuf,
}

/// `agora serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub data: DataArgs,
    /// Address to listen on.
    #[arg(long, env = "AGORA_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Serve what is already stored, without crawling.
    #[arg(long)]
    pub no_crawl: bool,
}

/// `agora crawl`.
#[derive(Debug, Args)]
pub struct CrawlArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub data: DataArgs,
    /// Crawl only this source (repeatable); by default every enabled source.
    #[arg(long = "source", value_name = "ID")]
    pub sources: Vec<String>,
}

/// `agora index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Rebuild the index from scratch instead of applying changes.
    #[arg(long)]
    pub rebuild: bool,
}

/// `agora search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to search for; query syntax such as "quoted phrases" and -exclusions works.
    pub query: String,
    #[command(flatten)]
    pub data: DataArgs,
    /// Only documents in this language (ISO 639-1; repeatable).
    #[arg(long = "lang", value_name = "CODE")]
    pub langs: Vec<String>,
    /// The query's own language, when detection should not guess it.
    #[arg(long, value_name = "CODE")]
    pub qlang: Option<String>,
    /// Number of results.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub limit: u16,
    /// Print the API's JSON instead of a list.
    #[arg(long)]
    pub json: bool,
}

/// `agora sources status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub data: DataArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `agora sources import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The OPML file.
    pub file: PathBuf,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Country given to every imported source (ISO 3166-1 alpha-2, or INT).
    #[arg(long, default_value = "INT", value_name = "CODE")]
    pub country: String,
    /// Kind of content given to every imported source.
    #[arg(long, default_value = "article", value_name = "KIND",
          value_parser = ["case-study", "article", "opinion", "report", "news"])]
    pub content: String,
    /// Show what would be added without changing the sources file.
    #[arg(long)]
    pub dry_run: bool,
}

/// `agora inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The page, feed or sitemap to fetch.
    pub url: url::Url,
    /// Print JSON instead of a report.
    #[arg(long)]
    pub json: bool,
    /// The sources file, for the crawler settings (user agent, timeouts); optional.
    #[arg(long, env = "AGORA_CONFIG", default_value = "sources.toml")]
    pub config: PathBuf,
}

impl Command {
    /// Returns the log level shown when `RUST_LOG` is not set: the server reports its
    /// lifecycle, while one-shot commands keep the terminal for their own output.
    pub fn default_log_level(&self) -> &'static str {
        match self {
            Command::Serve(_) => "info",
            _ => "error",
        }
    }
}
