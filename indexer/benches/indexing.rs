//! Indexing throughput and memory: stores synthetic multilingual documents, then syncs them
//! into an on-disk index, and reports the peak memory of each step as the corpus grows. The
//! writer's buffers are fixed; what grows is the merging of ever larger segments (about
//! logarithmically with the corpus).
//!
//! Run with `cargo bench -p agora-indexer --bench indexing`; set `AGORA_BENCH_DOCS` to change
//! the corpus size (default 40,000 documents of about 3 KB). The baseline is the store write
//! alone, measured in the same run: indexing is reported as a ratio to it, which holds across
//! machines better than absolute figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use agora_indexer::{ContentKind, DocumentDraft, SearchIndex, Store};
use chrono::Utc;

const LANGUAGES: [(&str, &[&str]); 4] = [
    (
        "en",
        &[
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
        ],
    ),
    (
        "pt",
        &[
            "transporte",
            "escolar",
            "rural",
            "enchente",
            "alerta",
            "hospital",
            "fila",
            "espera",
            "orçamento",
            "cidadãos",
            "prefeitura",
            "digital",
            "serviço",
            "moradia",
            "compras",
            "públicas",
        ],
    ),
    (
        "de",
        &[
            "Schülerbeförderung",
            "ländlich",
            "Hochwasser",
            "Warnung",
            "Krankenhaus",
            "Wartezeit",
            "Haushalt",
            "Bürger",
            "Stadt",
            "Verwaltung",
            "digital",
            "Dienst",
            "Wohnung",
            "Vergabe",
            "Gemeinde",
            "Kreis",
        ],
    ),
    (
        "ja",
        &[
            "洪水",
            "警報",
            "避難",
            "学校",
            "通学",
            "バス",
            "病院",
            "待ち時間",
            "予算",
            "住民",
            "市役所",
            "デジタル",
            "行政",
            "住宅",
            "調達",
            "地域",
        ],
    ),
];

/// A small deterministic generator, so runs are comparable.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }
}

const LATIN: [&str; 16] = [
    "ka", "ri", "to", "men", "sa", "lo", "pe", "dun", "vi", "ra", "no", "tes", "bi", "ul", "go",
    "far",
];
const KANA: [&str; 16] = [
    "か", "り", "と", "め", "さ", "ろ", "ぺ", "ど", "び", "ら", "の", "て", "ぶ", "う", "ご", "ふ",
];
const VOCABULARY: f64 = 60_000.0;

/// A word from a vocabulary of 60,000 whose frequencies fall off roughly as in natural text
/// (log-uniform ranks), so the index sees a realistic mix of common and rare terms.
fn rare_word(random: &mut Lcg, syllables: &[&str; 16]) -> String {
    let uniform = (random.next() % 1_000_000) as f64 / 1_000_000.0;
    let mut rank = VOCABULARY.powf(uniform) as usize;
    let mut word = String::new();
    loop {
        word.push_str(syllables[rank % 16]);
        rank /= 16;
        if rank == 0 {
            return word;
        }
    }
}

fn document(number: usize, random: &mut Lcg) -> agora_indexer::Document {
    let (lang, words) = LANGUAGES[number % LANGUAGES.len()];
    let separator = if lang == "ja" { "" } else { " " };
    let syllables = if lang == "ja" { &KANA } else { &LATIN };
    let mut text = |num_words: usize| {
        (0..num_words)
            .map(|_| {
                if random.next().is_multiple_of(4) {
                    words[random.next() % words.len()].to_string()
                } else {
                    rare_word(random, syllables)
                }
            })
            .collect::<Vec<_>>()
            .join(separator)
    };
    let url = format!("https://bench.example/{lang}/{number}");
    DocumentDraft {
        url: url.clone(),
        canonical_url: url,
        source: format!("source-{}", number % 500),
        title: text(8),
        summary: text(30),
        body: text(420),
        lang: lang.to_string(),
        country: "INT".to_string(),
        topics: vec![format!("topic-{}", number % 40)],
        kind: ContentKind::CaseStudy,
        published: None,
    }
    .finish(Utc::now())
}

/// Resident anonymous memory (heap and stacks) in MiB. Total RSS would also count the index
/// files tantivy maps into memory, which the kernel drops under pressure.
fn anonymous_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("RssAnon:"))
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

/// Samples anonymous memory every few milliseconds and keeps the peak since the last reset.
struct PeakMemory {
    peak_kib: Arc<AtomicU64>,
}

impl PeakMemory {
    fn start() -> PeakMemory {
        let peak_kib = Arc::new(AtomicU64::new(0));
        let sampled = Arc::clone(&peak_kib);
        std::thread::spawn(move || {
            loop {
                let kib = (anonymous_rss_mib() * 1024.0) as u64;
                sampled.fetch_max(kib, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        PeakMemory { peak_kib }
    }

    fn take_mib(&self) -> f64 {
        self.peak_kib.swap(0, Ordering::Relaxed) as f64 / 1024.0
    }
}

fn main() {
    let num_docs: usize = std::env::var("AGORA_BENCH_DOCS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(40_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Store::open(&dir.path().join("store")).expect("the store opens");
    let (index, _) =
        SearchIndex::open_or_create(&dir.path().join("index")).expect("the index opens");
    let mut updater = index.updater().expect("the index writer opens");

    println!("{num_docs} synthetic documents, 4 languages, about 3 KB each");
    let memory = PeakMemory::start();
    let mut random = Lcg(42);
    let mut store_seconds = 0.0;
    let mut index_seconds = 0.0;
    let checkpoints = [num_docs / 8, num_docs / 4, num_docs / 2, num_docs];
    let mut stored = 0;
    for checkpoint in checkpoints {
        let started = Instant::now();
        while stored < checkpoint {
            store
                .put_document(&document(stored, &mut random))
                .expect("store write");
            stored += 1;
        }
        store_seconds += started.elapsed().as_secs_f64();
        let store_peak = memory.take_mib();

        let started = Instant::now();
        updater.sync(&store, |_| {}).expect("index sync");
        index_seconds += started.elapsed().as_secs_f64();
        println!(
            "after {stored:>8} documents: peak anonymous memory {store_peak:.0} MiB storing, {:.0} MiB indexing",
            memory.take_mib()
        );
    }

    let store_rate = num_docs as f64 / store_seconds;
    let index_rate = num_docs as f64 / index_seconds;
    println!("store writes (baseline): {store_rate:.0} documents/s");
    println!(
        "index sync:              {index_rate:.0} documents/s ({:.2}x the baseline's time per document)",
        store_rate / index_rate
    );
    println!("documents in the index:  {}", index.num_docs());
}
