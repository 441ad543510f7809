//! Duplicate detection as the store grows: what it adds to a write must not grow with the
//! number of documents already stored (near-duplicates are looked up through MinHash bands,
//! not by scanning), and copies must be found.
//!
//! Run with `cargo bench -p agora-indexer --bench dedup`; set `AGORA_BENCH_DOCS` to change the
//! number of original articles (default 40,000, about 2 KB each). Every 50th article is also
//! stored under a second URL (an exact copy), republished elsewhere with a credit line
//! around it (a near copy), and followed by a new edition whose figures changed (not a copy).
//!
//! The baseline is a second store, written in the same loop, that receives the same documents
//! with their text moved from the body to the summary: the same bytes for the store to write,
//! but no text to fingerprint or compare. Both slow down alike as the store outgrows its cache, and
//! alike under a busy machine; the ratio between them is the cost of duplicate detection.

use std::time::Instant;

use agora_indexer::{ContentKind, DocId, DocumentDraft, PutOutcome, Store};
use chrono::Utc;

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

const SYLLABLES: [&str; 16] = [
    "ka", "ri", "to", "men", "sa", "lo", "pe", "dun", "vi", "ra", "no", "tes", "bi", "ul", "go",
    "far",
];

/// A word from a vocabulary of 50,000 with log-uniform ranks, as in natural text.
fn word(random: &mut Lcg) -> String {
    let uniform = (random.next() % 1_000_000) as f64 / 1_000_000.0;
    let mut rank = 50_000f64.powf(uniform) as usize;
    let mut word = String::new();
    loop {
        word.push_str(SYLLABLES[rank % 16]);
        rank /= 16;
        if rank == 0 {
            return word;
        }
    }
}

/// About 320 words, with a figure every 40 words or so, as reports cite them.
fn article(random: &mut Lcg) -> String {
    (0..320)
        .map(|index| {
            let word = if index % 40 == 39 {
                (random.next() % 100_000).to_string()
            } else {
                word(random)
            };
            if index % 17 == 16 {
                format!("{word}.")
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn document(url: &str, source: &str, body: String) -> agora_indexer::Document {
    DocumentDraft {
        url: url.to_string(),
        canonical_url: url.to_string(),
        source: source.to_string(),
        title: "Synthetic article".to_string(),
        body,
        lang: "en".to_string(),
        country: "INT".to_string(),
        kind: ContentKind::Article,
        ..DocumentDraft::default()
    }
    .finish(Utc::now())
}

#[derive(Default)]
struct Tally {
    num_writes: usize,
    num_exact_found: usize,
    num_near_found: usize,
    num_false_links: usize,
    num_editions_linked: usize,
    dedup_seconds: f64,
    baseline_seconds: f64,
}

fn main() {
    let num_articles: usize = std::env::var("AGORA_BENCH_DOCS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(40_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Store::open(&dir.path().join("store")).expect("the store opens");
    let baseline = Store::open(&dir.path().join("baseline")).expect("the store opens");
    let mut random = Lcg(7);
    let mut tally = Tally::default();

    println!(
        "{num_articles} synthetic articles of about 2 KB; every 50th copied twice and re-edited"
    );
    let checkpoints = [
        num_articles / 8,
        num_articles / 4,
        num_articles / 2,
        num_articles,
    ];
    let mut written = 0;
    for checkpoint in checkpoints {
        let (writes_before, dedup_before, baseline_before) = (
            tally.num_writes,
            tally.dedup_seconds,
            tally.baseline_seconds,
        );
        while written < checkpoint {
            store_article(&store, &baseline, written, &mut random, &mut tally);
            written += 1;
        }
        let num_writes = (tally.num_writes - writes_before) as f64;
        let dedup_rate = num_writes / (tally.dedup_seconds - dedup_before);
        let baseline_rate = num_writes / (tally.baseline_seconds - baseline_before);
        println!(
            "up to {written:>8} articles: {dedup_rate:>6.0} writes/s with duplicate detection, \
             {baseline_rate:>6.0} without ({:.2}x the baseline's time per write)",
            baseline_rate / dedup_rate
        );
    }

    let num_copied = num_articles.div_ceil(50);
    println!(
        "exact copies found: {}/{num_copied}; republished copies linked: {}/{num_copied}; \
         unrelated articles linked: {}; editions with other figures linked: {}/{num_copied}",
        tally.num_exact_found,
        tally.num_near_found,
        tally.num_false_links,
        tally.num_editions_linked
    );
    println!(
        "documents stored: {}",
        store.num_documents().expect("counts")
    );
}

/// Writes `document` to the store under test and its text-less twin to the baseline, timing
/// each.
fn put_both(
    store: &Store,
    baseline: &Store,
    document: &agora_indexer::Document,
    tally: &mut Tally,
) -> PutOutcome {
    let started = Instant::now();
    let outcome = store.put_document(document).expect("store write");
    tally.dedup_seconds += started.elapsed().as_secs_f64();

    let mut twin = document.clone();
    twin.summary = std::mem::take(&mut twin.body);
    let started = Instant::now();
    baseline.put_document(&twin).expect("store write");
    tally.baseline_seconds += started.elapsed().as_secs_f64();
    tally.num_writes += 1;
    outcome
}

fn store_article(
    store: &Store,
    baseline: &Store,
    number: usize,
    random: &mut Lcg,
    tally: &mut Tally,
) {
    let body = article(random);
    let url = format!("https://city{}.example/news/{number}", number % 300);
    let original = document(&url, "city", body.clone());
    let outcome = put_both(store, baseline, &original, tally);
    if stored_duplicate_of(store, &original.id).is_some() || outcome == PutOutcome::Duplicate {
        tally.num_false_links += 1;
    }
    if !number.is_multiple_of(50) {
        return;
    }

    let print = document(
        &format!("https://city.example/print/{number}"),
        "city",
        body.replace(". ", ".\n\n"),
    );
    if put_both(store, baseline, &print, tally) == PutOutcome::Duplicate {
        tally.num_exact_found += 1;
    }
    let republished = document(
        &format!("https://wire.example/{number}"),
        "wire",
        format!("First published by the city council. {body} Republished with permission."),
    );
    put_both(store, baseline, &republished, tally);
    if stored_duplicate_of(store, &republished.id) == Some(original.id) {
        tally.num_near_found += 1;
    }

    // Next month's edition of a templated page: the same words, other figures.
    let edition_body: String = body
        .split(' ')
        .map(|word| match word.parse::<u64>() {
            Ok(figure) => (figure + 1).to_string(),
            Err(_) => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    let edition = document(&format!("{url}-next"), "city", edition_body);
    let outcome = put_both(store, baseline, &edition, tally);
    if stored_duplicate_of(store, &edition.id).is_some() || outcome == PutOutcome::Duplicate {
        tally.num_editions_linked += 1;
    }
}

fn stored_duplicate_of(store: &Store, id: &DocId) -> Option<DocId> {
    store
        .document(id)
        .expect("store read")
        .and_then(|document| document.duplicate_of)
}
