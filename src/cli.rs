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
    /// Measure ranking quality on the labelled queries over the bundled collection.
    Eval(EvalArgs),
    /// Check the thesaurus, or show which concepts a text mentions.
    Thesaurus {
        /// Which thesaurus command.
        #[command(subcommand)]
        command: ThesaurusCommand,
    },
    /// Manage community members (run while `agora serve` is stopped).
    Users {
        /// Which users command.
        #[command(subcommand)]
        command: UsersCommand,
    },
}

/// `agora thesaurus ...`.
#[derive(Debug, Subcommand)]
pub enum ThesaurusCommand {
    /// Validate the built-in thesaurus with the editors' file; list every problem, exit 1 on any.
    Check(ThesaurusArgs),
    /// Show the concepts a text mentions, and the labels that matched.
    Match(ThesaurusMatchArgs),
}

/// `agora thesaurus match`.
#[derive(Debug, Args)]
pub struct ThesaurusMatchArgs {
    /// The text, as a query or a passage of a document.
    pub text: String,
    /// The text's language (ISO 639-1); detected when absent.
    #[arg(long, value_name = "CODE")]
    pub lang: Option<String>,
    #[command(flatten)]
    pub thesaurus: ThesaurusArgs,
}

/// `agora users ...`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Let the member with this email hide posts and read the audit log.
    GrantModerator(ModeratorArgs),
    /// Take the moderator role back.
    RevokeModerator(ModeratorArgs),
}

/// `agora users grant-moderator` and `revoke-moderator`.
#[derive(Debug, Args)]
pub struct ModeratorArgs {
    /// The member's email address.
    pub email: String,
    /// Why, for the audit log.
    #[arg(long, default_value = "granted from the command line")]
    pub reason: String,
    #[command(flatten)]
    pub data: DataArgs,
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
    #[arg(long, env = "AGORA_CONFIG", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
}

/// The default path of the sources file.
pub const DEFAULT_CONFIG: &str = "sources.toml";

/// Where documents and the index are kept.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Data directory (document store, community store and index).
    #[arg(long, env = "AGORA_DATA", default_value = "data")]
    pub data: PathBuf,
}

/// The editors' extension of the built-in thesaurus.
#[derive(Debug, Clone, Args)]
pub struct ThesaurusArgs {
    /// Concepts, labels, synonyms and abbreviations added to the built-in thesaurus (same
    /// format as its files); ignored when the default file does not exist.
    #[arg(long, env = "AGORA_THESAURUS", default_value = DEFAULT_THESAURUS)]
    pub thesaurus: PathBuf,
}

/// The default path of the editors' thesaurus file.
pub const DEFAULT_THESAURUS: &str = "thesaurus.toml";

/// `agora serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub thesaurus: ThesaurusArgs,
    /// Address to listen on.
    #[arg(long, env = "AGORA_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Serve what is already stored, without crawling.
    #[arg(long)]
    pub no_crawl: bool,
    /// Mark session cookies `Secure`; set it when the site is served over HTTPS.
    #[arg(long, env = "AGORA_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// A reverse proxy in front of Agora whose `X-Forwarded-For` names the client, so that
    /// login limits count per client rather than per proxy (repeat for several).
    #[arg(
        long = "trusted-proxy",
        value_name = "IP",
        env = "AGORA_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How long a login lasts (`14days`, `12h`).
    #[arg(long, env = "AGORA_SESSION_TTL", default_value = "14days", value_parser = humantime::parse_duration)]
    pub session_ttl: std::time::Duration,
}

/// `agora crawl`.
#[derive(Debug, Args)]
pub struct CrawlArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub thesaurus: ThesaurusArgs,
    /// Crawl only this source (repeatable); by default every enabled source.
    #[arg(long = "source", value_name = "ID")]
    pub sources: Vec<String>,
}

/// `agora index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub thesaurus: ThesaurusArgs,
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
    #[command(flatten)]
    pub thesaurus: ThesaurusArgs,
    /// The sources file, for the ranking weights; optional.
    #[arg(long, env = "AGORA_CONFIG", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
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

/// `agora eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The labelled queries.
    #[arg(long, default_value = "eval/queries.toml")]
    pub queries: PathBuf,
    /// The collection the queries were judged against; it is indexed afresh.
    #[arg(long, default_value = "collection")]
    pub collection: PathBuf,
    #[command(flatten)]
    pub thesaurus: ThesaurusArgs,
    /// The sources file, for the ranking weights (`[ranking]`); optional.
    #[arg(long, env = "AGORA_CONFIG", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// Search without the thesaurus's concepts, to measure what they add.
    #[arg(long)]
    pub without_concepts: bool,
    /// Print every query's scores before the summary.
    #[arg(long, short)]
    pub verbose: bool,
    /// Print JSON (every query's scores and top results) instead of tables.
    #[arg(long)]
    pub json: bool,
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
