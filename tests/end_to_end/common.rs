//! Running the binary, and a workspace with a sources file and a data directory.

use std::path::PathBuf;
use std::process::{Command, Output};

use agora_crawler::testing::FixtureServer;
use tempfile::TempDir;

/// The repository root, where `collection/` and `tests/fixtures/` live.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary folder holding `sources.toml` and `data/`.
pub struct Workspace {
    pub dir: TempDir,
}

impl Workspace {
    /// Writes `sources` (with `{{base}}` replaced by the server's URL) as the sources file.
    pub fn new(sources: &str, server: Option<&FixtureServer>) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let base = server.map(FixtureServer::base).unwrap_or_default();
        let text = sources.replace("{{base}}", &base).replace(
            "{{collection}}",
            &repo_root().join("collection").to_string_lossy(),
        );
        std::fs::write(dir.path().join("sources.toml"), text).unwrap();
        Workspace { dir }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("sources.toml")
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs `agora ARGS... --config CONFIG --data DATA` where the subcommand takes them.
    pub fn agora(&self, args: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_agora"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("RUST_LOG");
        command
            .env("AGORA_CONFIG", self.config())
            .env("AGORA_DATA", self.data());
        Run::from(command.output().expect("the agora binary runs"))
    }
}

/// The outcome of one run of the binary.
pub struct Run {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            success: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Panics with both streams unless the run succeeded.
    pub fn assert_success(self) -> Run {
        assert!(
            self.success,
            "agora failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("{error}: {}", self.stdout))
    }
}

/// The fixture site under `tests/fixtures/site`.
pub async fn fixture_site() -> FixtureServer {
    FixtureServer::serve_dir(&repo_root().join("tests/fixtures/site")).await
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Sources that cover each kind, plus a broken and an unreachable one.
pub const FIXTURE_SOURCES: &str = r#"
[crawler]
politeness_delay = "0s"
request_timeout = "5s"

[[source]]
id = "rss"
name = "Observatório (RSS)"
kind = "feed"
url = "{{base}}/rss.xml"
country = "BR"
topics = ["education"]

[[source]]
id = "atom"
kind = "feed"
url = "{{base}}/atom.xml"
country = "DE"
topics = ["flood-early-warning"]

[[source]]
id = "json"
kind = "feed"
url = "{{base}}/feed.json"
country = "JP"
topics = ["flood-early-warning"]

[[source]]
id = "sitemap"
kind = "sitemap"
url = "{{base}}/sitemap.xml"
country = "FR"
content = "article"

[[source]]
id = "broken"
kind = "feed"
url = "{{base}}/broken.xml"
country = "INT"
"#;
