//! Crawl throughput and memory: a sitemap of generated pages of about 30 KB, served on
//! loopback with the politeness delay off, crawled through the real pipeline (robots.txt,
//! host queue, conditional fetch, charset, extraction, record, store) into an on-disk store.
//!
//! Run with `cargo bench -p agora-crawler --bench crawl`. `AGORA_BENCH_PAGES` lists the
//! sizes to crawl, comma-separated (default `2500,5000`); each size runs in a process of its
//! own, so that its peak memory (VmHWM) is its own. Two baselines are measured in the same
//! run: the extraction of the same pages alone (charset decoding and main-text extraction,
//! one core), to which the crawl's cost per page is reported as a ratio; and the peak memory
//! of storing the same documents and fetch states without crawling (another process), since
//! the store's memory grows with its contents and the crawler's own share is the difference.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use agora_crawler::charset::decode_html;
use agora_crawler::config::Selectors;
use agora_crawler::extract::extract_page;
use agora_crawler::record::DocumentParts;
use agora_crawler::testing::{FixtureResponse, FixtureServer};
use agora_crawler::{Config, Crawler};
use agora_indexer::{FetchState, Store};

/// Set in the child processes, to the number of pages they crawl.
const CHILD_ENV: &str = "AGORA_BENCH_CRAWL_CHILD";

/// Distinct paragraphs the pages are built from; each page picks its own mix.
const NUM_PARAGRAPHS: usize = 97;

/// Pages extracted alone, for the baseline.
const NUM_BASELINE_PAGES: usize = 300;

const WORDS: &[&str] = &[
    "school",
    "transport",
    "rural",
    "flood",
    "warning",
    "hospital",
    "waiting",
    "list",
    "budget",
    "citizens",
    "city",
    "council",
    "digital",
    "service",
    "housing",
    "procurement",
    "the",
    "of",
    "and",
    "a",
    "to",
    "in",
    "for",
    "with",
    "residents",
    "programme",
    "pilot",
    "district",
    "results",
    "evaluation",
    "cost",
    "staff",
    "mayor",
    "region",
    "data",
    "open",
];

fn main() {
    if let Ok(task) = std::env::var(CHILD_ENV) {
        match task.split_once(':') {
            Some(("crawl", pages)) => run_crawl(pages.parse().expect("a page count")),
            Some(("store", pages)) => run_store_alone(pages.parse().expect("a page count")),
            _ => panic!("unknown task `{task}`"),
        }
        return;
    }
    let sizes = std::env::var("AGORA_BENCH_PAGES").unwrap_or_else(|_| "2500,5000".to_string());
    println!(
        "{:>6}  {:>8}  {:>7}  {:>10}  {:>14}  {:>13}  {:>5}  {:>15}  {:>14}",
        "pages",
        "pages/s",
        "MB/s",
        "peak MiB",
        "ms/page crawl",
        "ms/page alone",
        "ratio",
        "store peak MiB",
        "crawler's MiB"
    );
    for size in sizes
        .split(',')
        .map(str::trim)
        .filter(|size| !size.is_empty())
    {
        let crawl = run_self(&format!("crawl:{size}"));
        let store_peak: f64 = run_self(&format!("store:{size}"))
            .trim()
            .parse()
            .expect("the store task prints its peak");
        let crawl_peak: f64 = crawl
            .split_whitespace()
            .nth(3)
            .and_then(|peak| peak.parse().ok())
            .expect("the crawl task prints its peak fourth");
        println!(
            "{}  {store_peak:>15.0}  {:>14.0}",
            crawl.trim_end(),
            crawl_peak - store_peak
        );
    }
}

/// Runs this bench again as a child doing `task`, and returns what it printed.
fn run_self(task: &str) -> String {
    let output = Command::new(std::env::current_exe().expect("the bench knows its path"))
        .env(CHILD_ENV, task)
        .output()
        .expect("the bench runs itself");
    if !output.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
        panic!("`{task}` failed");
    }
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Stores the documents of `num_pages` pages, and their fetch states, without fetching them,
/// and prints the peak memory in MiB.
fn run_store_alone(num_pages: usize) {
    let paragraphs = paragraphs();
    let config = bench_config("http://127.0.0.1:9", num_pages);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = Store::open(dir.path()).expect("the store opens");
    for index in 0..num_pages {
        let html = page(index, &paragraphs);
        let (text, _, _) = decode_html(html.as_bytes(), Some("text/html; charset=utf-8"));
        let extracted = extract_page(&text, &Selectors::default()).expect("pages extract");
        let url = url::Url::parse(&format!("https://bench.example/pages/{index}.html"))
            .expect("a valid URL");
        let parts = DocumentParts {
            url: url.clone(),
            canonical: url,
            title: extracted.title,
            summary: extracted.summary,
            body: extracted.body,
            declared_lang: extracted.declared_lang,
            published: extracted.published,
            country: None,
            topics: None,
            kind: None,
        };
        let (document, _) = parts
            .into_document(&config.sources[0])
            .expect("pages make documents");
        store.put_document(&document).expect("the store writes");
        // The crawl also remembers each page's fetch, for the next conditional request.
        let state = FetchState {
            etag: None,
            last_modified: None,
            fetched_at: chrono::Utc::now(),
            final_url: None,
        };
        store
            .put_fetch_state(&format!("http://127.0.0.1:9/pages/{index}.html"), &state)
            .expect("the store writes");
    }
    println!("{:.0}", peak_memory_mib());
}

/// Crawls `num_pages` pages, then measures extraction alone, and prints one table row.
fn run_crawl(num_pages: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime starts");
    let paragraphs = paragraphs();
    let (elapsed, num_bytes, num_stored) = runtime.block_on(crawl(num_pages, &paragraphs));
    let peak_mib = peak_memory_mib();
    let alone = extraction_alone(&paragraphs);

    let seconds = elapsed.as_secs_f64();
    let per_page = seconds * 1000.0 / num_pages as f64;
    let alone_ms = alone.as_secs_f64() * 1000.0;
    assert_eq!(num_stored, num_pages as u64, "every page is stored");
    println!(
        "{:>6}  {:>8.0}  {:>7.1}  {:>10.0}  {:>14.2}  {:>13.2}  {:>5.2}",
        num_pages,
        num_pages as f64 / seconds,
        num_bytes as f64 / 1e6 / seconds,
        peak_mib,
        per_page,
        alone_ms,
        per_page / alone_ms
    );
}

async fn crawl(num_pages: usize, paragraphs: &[String]) -> (Duration, u64, u64) {
    let server = FixtureServer::start().await;
    server.stop_recording();
    let num_bytes = Arc::new(AtomicU64::new(0));
    let served = Arc::clone(&num_bytes);
    let paragraphs = paragraphs.to_vec();
    server.generate(move |path| {
        let index: usize = path
            .strip_prefix("/pages/")?
            .strip_suffix(".html")?
            .parse()
            .ok()?;
        let html = page(index, &paragraphs);
        served.fetch_add(html.len() as u64, Ordering::Relaxed);
        Some(FixtureResponse::ok("text/html; charset=utf-8", html))
    });
    server.route("/sitemap.xml", sitemap(num_pages));

    let config = bench_config(&server.base(), num_pages);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = Arc::new(Store::open(dir.path()).expect("the store opens"));
    let crawler =
        Crawler::new(config.crawler.clone(), Arc::clone(&store)).expect("the crawler starts");

    let started = Instant::now();
    let report = crawler.crawl_source(&config.sources[0]).await;
    let elapsed = started.elapsed();
    assert!(report.error.is_none(), "{report:?}");
    (elapsed, num_bytes.load(Ordering::Relaxed), report.num_new)
}

/// Returns a configuration with one sitemap source on `base`, the politeness delay off.
fn bench_config(base: &str, num_pages: usize) -> Config {
    let text = format!(
        "[crawler]\npoliteness_delay = \"0s\"\ndefault_max_pages = {num_pages}\n\
         source_time_budget = \"1h\"\n\n[[source]]\nid = \"bench\"\nkind = \"sitemap\"\n\
         url = \"{base}/sitemap.xml\"\ncountry = \"INT\"\n"
    );
    Config::parse(&text, std::path::Path::new("sources.toml"))
        .expect("the bench configuration is valid")
}

/// Extracts the first pages one after the other, as the crawl does for each; returns the
/// time per page.
fn extraction_alone(paragraphs: &[String]) -> Duration {
    let pages: Vec<String> = (0..NUM_BASELINE_PAGES)
        .map(|index| page(index, paragraphs))
        .collect();
    let selectors = Selectors::default();
    let started = Instant::now();
    for html in &pages {
        let (text, _, _) = decode_html(html.as_bytes(), Some("text/html; charset=utf-8"));
        let extracted = extract_page(&text, &selectors).expect("generated pages extract");
        std::hint::black_box(extracted);
    }
    started.elapsed() / NUM_BASELINE_PAGES as u32
}

fn sitemap(num_pages: usize) -> FixtureResponse {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">",
    );
    for index in 0..num_pages {
        xml.push_str(&format!(
            "<url><loc>{{{{base}}}}/pages/{index}.html</loc></url>"
        ));
    }
    xml.push_str("</urlset>");
    FixtureResponse::ok("application/xml", xml)
}

/// Paragraphs of about 600 bytes, from a small vocabulary by a fixed pseudo-random walk.
fn paragraphs() -> Vec<String> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..NUM_PARAGRAPHS)
        .map(|_| {
            let mut paragraph = String::new();
            while paragraph.len() < 600 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                paragraph.push_str(WORDS[(state % WORDS.len() as u64) as usize]);
                paragraph.push(' ');
            }
            paragraph.push('.');
            paragraph
        })
        .collect()
}

/// A page of about 30 KB: navigation, an article of some 46 paragraphs, related links and a
/// footer, unique by its number.
fn page(index: usize, paragraphs: &[String]) -> String {
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Case study {index}: how a council changed its service</title>\
         <meta name=\"description\" content=\"Case study number {index}.\"></head><body>\
         <header><nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/topics\">Topics</a>\
         </li><li><a href=\"/about\">About</a></li><li><a href=\"/contact\">Contact</a></li>\
         </ul></nav></header><main><article><h1>Case study {index}</h1>\
         <p class=\"byline\">Published on <time datetime=\"2024-05-01\">1 May 2024</time></p>"
    );
    for step in 0..46 {
        let paragraph = &paragraphs[(index * 7 + step * 13) % paragraphs.len()];
        html.push_str(&format!("<p>{paragraph} Page {index}, section {step}.</p>"));
        if step % 10 == 9 {
            html.push_str(&format!("<h2>Part {}</h2>", step / 10 + 1));
        }
    }
    html.push_str("</article><aside><h3>Related</h3><ul>");
    for related in 1..=12 {
        html.push_str(&format!(
            "<li><a href=\"/pages/{}.html\">Related case {related}</a></li>",
            index + related
        ));
    }
    html.push_str(
        "</ul></aside></main><footer><p>© Example city council. All rights reserved.</p>\
         <p><a href=\"/privacy\">Privacy</a> · <a href=\"/cookies\">Cookies</a></p></footer>\
         </body></html>",
    );
    html
}

/// Returns the process's peak resident memory, in MiB.
fn peak_memory_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(f64::NAN)
}
