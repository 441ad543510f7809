//! Fixtures shared by the indexer's integration tests.

use agora_indexer::{ContentKind, Document, DocumentDraft, SearchIndex, Store};
use chrono::{TimeZone, Utc};

/// A small multilingual corpus: (url, lang, country, topic, kind, year, title, body).
pub const CORPUS: &[(&str, &str, &str, &str, ContentKind, i32, &str, &str)] = &[
    (
        "https://example.br/transporte",
        "pt",
        "BR",
        "school-transport",
        ContentKind::CaseStudy,
        2022,
        "Transporte escolar rural com rotas otimizadas",
        "A prefeitura reorganizou as rotas dos ônibus escolares nas zonas rurais. \
         As crianças caminham menos até o ponto e os motoristas recebem as rotas no celular.",
    ),
    (
        "https://example.jp/kouzui",
        "ja",
        "JP",
        "flood-early-warning",
        ContentKind::CaseStudy,
        2021,
        "河川の洪水警報をスマートフォンで住民に届ける",
        "市は水位計の情報をもとに洪水警報を自動で配信し、住民の早めの避難を促した。",
    ),
    (
        "https://example.uk/waiting",
        "en",
        "GB",
        "health-waiting-times",
        ContentKind::Report,
        2023,
        "Cutting hospital waiting lists with shared booking",
        "Hospitals pooled their waiting lists so that patients could be treated where capacity \
         was free. Waiting times fell. <script>alert('x')</script>",
    ),
    (
        "https://example.de/hochwasser",
        "de",
        "DE",
        "flood-early-warning",
        ContentKind::Article,
        2020,
        "Hochwasserwarnung per Cell Broadcast",
        "Die Stadt warnt bei Hochwasser alle Handys in der Region über Cell Broadcast.",
    ),
    (
        "https://example.fr/budget",
        "fr",
        "FR",
        "participatory-budgeting",
        ContentKind::CaseStudy,
        2019,
        "Le budget participatif de la ville",
        "Les habitants proposent et votent des projets financés par le budget participatif.",
    ),
];

/// Builds the documents of [`CORPUS`].
pub fn corpus_documents() -> Vec<Document> {
    CORPUS
        .iter()
        .map(|&(url, lang, country, topic, kind, year, title, body)| {
            DocumentDraft {
                url: url.into(),
                canonical_url: url.into(),
                source: format!("source-{country}").to_lowercase(),
                title: title.into(),
                body: body.into(),
                lang: lang.into(),
                country: country.into(),
                topics: vec![topic.into()],
                kind,
                published: Some(Utc.with_ymd_and_hms(year, 6, 1, 0, 0, 0).unwrap()),
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
