//! Fixtures shared by the indexer's integration tests.

use agora_indexer::{ContentKind, Document, DocumentDraft, SearchIndex, Store};
use chrono::{TimeZone, Utc};

/// One document of the test corpus.
struct Entry {
    url: &'static str,
    lang: &'static str,
    country: &'static str,
    topic: &'static str,
    kind: ContentKind,
    year: i32,
    title: &'static str,
    body: &'static str,
}

/// A small multilingual corpus.
const CORPUS: &[Entry] = &[
    Entry {
        url: "https://example.br/transporte",
        lang: "pt",
        country: "BR",
        topic: "school-transport",
        kind: ContentKind::CaseStudy,
        year: 2022,
        title: "Transporte escolar rural com rotas otimizadas",
        body: "A prefeitura reorganizou as rotas dos ônibus escolares nas zonas rurais. \
         As crianças caminham menos até o ponto e os motoristas recebem as rotas no celular.",
    },
    Entry {
        url: "https://example.jp/kouzui",
        lang: "ja",
        country: "JP",
        topic: "flood-early-warning",
        kind: ContentKind::CaseStudy,
        year: 2021,
        title: "河川の洪水警報をスマートフォンで住民に届ける",
        body: "市は水位計の情報をもとに洪水警報を自動で配信し、住民の早めの避難を促した。",
    },
    Entry {
        url: "https://example.uk/waiting",
        lang: "en",
        country: "GB",
        topic: "health-waiting-times",
        kind: ContentKind::Report,
        year: 2023,
        title: "Cutting hospital waiting lists with shared booking",
        body: "Hospitals pooled their waiting lists so that patients could be treated where capacity \
         was free. Waiting times fell. <script>alert('x')</script>",
    },
    Entry {
        url: "https://example.de/hochwasser",
        lang: "de",
        country: "DE",
        topic: "flood-early-warning",
        kind: ContentKind::Article,
        year: 2020,
        title: "Hochwasserwarnung per Cell Broadcast",
        body: "Die Stadt warnt bei Hochwasser alle Handys in der Region über Cell Broadcast.",
    },
    Entry {
        url: "https://example.fr/budget",
        lang: "fr",
        country: "FR",
        topic: "participatory-budgeting",
        kind: ContentKind::CaseStudy,
        year: 2019,
        title: "Le budget participatif de la ville",
        body: "Les habitants proposent et votent des projets financés par le budget participatif.",
    },
];

/// Builds the documents of [`CORPUS`].
pub fn corpus_documents() -> Vec<Document> {
    CORPUS
        .iter()
        .map(|entry| {
            DocumentDraft {
                url: entry.url.into(),
                canonical_url: entry.url.into(),
                source: format!("source-{}", entry.country).to_lowercase(),
                title: entry.title.into(),
                body: entry.body.into(),
                lang: entry.lang.into(),
                country: entry.country.into(),
                topics: vec![entry.topic.into()],
                kind: entry.kind,
                published: Some(Utc.with_ymd_and_hms(entry.year, 6, 1, 0, 0, 0).unwrap()),
                ..DocumentDraft::default()
            }
            .finish(Utc::now())
        })
        .collect()
}

/// A temporary store and an in-memory index holding [`CORPUS`].
pub fn indexed_corpus() -> (Store, SearchIndex) {
    let store = Store::open_temporary().unwrap();
    for document in corpus_documents() {
        store.put_document(&document).unwrap();
    }
    let index = SearchIndex::create_in_ram();
    index.updater().unwrap().sync(&store, |_| {}).unwrap();
    (store, index)
}
