//! `agora serve`: the bundled collection is searchable soon after start, crawled sources
//! join it, broken ones show their error, and the process stops cleanly on SIGTERM.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Workspace, fixture_site, free_port};

const SERVED_SOURCES: &str = r#"
[crawler]
politeness_delay = "0s"
request_timeout = "5s"

[[source]]
id = "bundled"
kind = "local"
path = "{{collection}}"
country = "INT"

[[source]]
id = "rss"
kind = "feed"
url = "{{base}}/rss.xml"
country = "BR"

[[source]]
id = "broken"
kind = "feed"
url = "{{base}}/broken.xml"
country = "INT"

[[source]]
id = "unreachable"
kind = "feed"
url = "http://127.0.0.1:9/feed.xml"
country = "INT"
"#;

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(workspace: &Workspace, extra: &[&str]) -> Server {
        Server::start_logging_to(workspace, extra, Stdio::null())
    }

    /// Starts the server with its log (standard error) going to `log`.
    fn start_logging_to(workspace: &Workspace, extra: &[&str], log: impl Into<Stdio>) -> Server {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_agora"))
            .args(["serve", "--addr", &addr])
            .args(extra)
            .env("AGORA_CONFIG", workspace.config())
            .env("AGORA_DATA", workspace.data())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Server {
            child,
            base: format!("http://{addr}"),
        }
    }

    async fn get(&self, path: &str) -> Option<reqwest::Response> {
        reqwest::get(format!("{}{path}", self.base)).await.ok()
    }

    async fn json(&self, path: &str) -> serde_json::Value {
        self.get(path)
            .await
            .expect("server answers")
            .json()
            .await
            .unwrap()
    }

    /// Polls `/healthz` until at least `num_docs` documents are searchable.
    async fn wait_for_docs(&self, num_docs: u64, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            if let Some(response) = self.get("/healthz").await
                && let Ok(json) = response.json::<serde_json::Value>().await
                && json["num_docs"].as_u64().unwrap_or(0) >= num_docs
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "fewer than {num_docs} documents after {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "serve did not stop within 20s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_crawls_in_the_background_and_answers_searches() {
    let fixtures = fixture_site().await;
    let workspace = Workspace::new(SERVED_SOURCES, Some(&fixtures));
    let server = Server::start(&workspace, &[]);

    // 60 bundled documents plus the 2 of the RSS feed.
    server.wait_for_docs(62, Duration::from_secs(60)).await;

    let json = server
        .json("/api/search?q=transporte+escolar&lang=pt")
        .await;
    assert_eq!(json["hits"][0]["lang"], "pt");
    assert!(
        json["hits"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>")
    );
    assert!(
        json["facets"]["lang"]["es"].as_u64().unwrap() >= 1,
        "disjunctive facets: {}",
        json["facets"]
    );

    let sources = server.json("/api/sources").await;
    let source = |id: &str| {
        sources["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(source("bundled")["num_documents"], 60);
    assert_eq!(source("rss")["num_documents"], 2);
    assert!(
        source("broken")["last_crawl"]["error"]
            .as_str()
            .unwrap()
            .contains("not a readable")
    );
    assert!(
        source("unreachable")["last_crawl"]["error"]
            .as_str()
            .unwrap()
            .contains("cannot connect")
    );

    let page = server.get("/?q=orçamento+participativo").await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Orçamento Participativo") || html.contains("orçamento participativo"),
        "{html}"
    );

    let bad = server.get("/api/search?per_page=0").await.unwrap();
    assert_eq!(bad.status(), 400);

    assert!(tokio::task::block_in_place(|| server.terminate()).success());
}

#[tokio::test(flavor = "multi_thread")]
async fn documents_crawled_before_are_served_without_crawling() {
    let workspace = Workspace::new(
        "[[source]]\nid = \"bundled\"\nkind = \"local\"\npath = \"{{collection}}\"\ncountry = \"INT\"\n",
        None,
    );
    tokio::task::block_in_place(|| workspace.agora(&["crawl"])).assert_success();
    let server = Server::start(&workspace, &["--no-crawl"]);
    server.wait_for_docs(60, Duration::from_secs(30)).await;
    let json = server
        .json("/api/search?q=%E5%9C%B0%E5%9F%9F%E5%8C%85%E6%8B%AC%E3%82%B1%E3%82%A2")
        .await;
    assert_eq!(json["hits"][0]["lang"], "ja");
    assert!(tokio::task::block_in_place(|| server.terminate()).success());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_port_in_use_is_a_clear_error() {
    let workspace = Workspace::new("", None);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let run =
        tokio::task::block_in_place(|| workspace.agora(&["serve", "--no-crawl", "--addr", &addr]));
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("cannot listen on"), "{}", run.stderr);
}

/// Polls `check` every 200 ms until it holds, for at most `within`.
async fn wait_until<F, Fut>(what: &str, within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(Instant::now() < deadline, "not within {within:?}: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

const ATOM_SOURCE: &str = r#"
[crawler]
politeness_delay = "0s"
request_timeout = "5s"

[[source]]
id = "atom"
kind = "feed"
url = "{{base}}/atom.xml"
country = "DE"
"#;

const RSS_SOURCE: &str = r#"
[[source]]
id = "rss"
kind = "feed"
url = "{{base}}/rss.xml"
country = "BR"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn edits_of_the_sources_file_take_effect_without_a_restart() {
    let fixtures = fixture_site().await;
    let workspace = Workspace::new(ATOM_SOURCE, Some(&fixtures));
    let log_path = workspace.dir.path().join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = Server::start_logging_to(&workspace, &[], log);
    server.wait_for_docs(1, Duration::from_secs(60)).await;
    let source_ids = || async {
        let sources = server.json("/api/sources").await;
        let mut ids: Vec<String> = sources["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|source| source["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };

    // An added source is crawled.
    let atom_and_rss = format!("{ATOM_SOURCE}{RSS_SOURCE}").replace("{{base}}", &fixtures.base());
    std::fs::write(workspace.config(), &atom_and_rss).unwrap();
    server.wait_for_docs(3, Duration::from_secs(60)).await;
    assert_eq!(source_ids().await, ["atom", "rss"]);

    // An invalid edit is rejected with its line, and the previous sources stay in force.
    let invalid = format!("{atom_and_rss}\n[[source]]\nid = \"bad\"\nkind = \"fead\"\n");
    let bad_line = invalid
        .lines()
        .position(|line| line.contains("fead"))
        .unwrap()
        + 1;
    std::fs::write(workspace.config(), &invalid).unwrap();
    let expected = format!("sources.toml:{bad_line}: source 'bad': unknown kind 'fead'");
    wait_until(
        "the rejected edit is logged",
        Duration::from_secs(30),
        || async {
            std::fs::read_to_string(&log_path)
                .unwrap()
                .contains(&expected)
        },
    )
    .await;
    assert_eq!(source_ids().await, ["atom", "rss"]);

    // A removed source is no longer listed; SIGHUP reads the file at once.
    let atom_only = ATOM_SOURCE.replace("{{base}}", &fixtures.base());
    std::fs::write(workspace.config(), &atom_only).unwrap();
    let status = Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    wait_until(
        "the removed source is gone",
        Duration::from_secs(30),
        || async { source_ids().await == ["atom"] },
    )
    .await;

    assert!(tokio::task::block_in_place(|| server.terminate()).success());
}
