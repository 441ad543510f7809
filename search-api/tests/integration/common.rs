//! A small indexed corpus behind the router, and request helpers.

use std::sync::Arc;

use agora_indexer::{ContentKind, DocumentDraft, SearchIndex, SourceStatus, Store};
use agora_search_api::{AppState, app};
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use chrono::{TimeZone, Utc};
use tower::ServiceExt;

const CORPUS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "https://example.br/transporte",
        "pt",
        "BR",
        "Transporte escolar rural com rotas otimizadas",
        "A prefeitura reorganizou as rotas dos ônibus escolares nas zonas rurais.",
    ),
    (
        "https://example.jp/kouzui",
        "ja",
        "JP",
        "河川の洪水警報をスマートフォンで住民に届ける",
        "市は水位計の情報をもとに洪水警報を自動で配信した。",
    ),
    (
        "https://example.uk/waiting",
        "en",
        "GB",
        "Cutting hospital waiting lists <script>alert('title')</script>",
        "Hospitals pooled their waiting lists. <img src=x onerror=alert(1)>",
    ),
    (
        "local://bundled/fr/budget.md",
        "fr",
        "FR",
        "Le budget participatif de la ville",
        "Les habitants proposent et votent des projets.",
    ),
];

pub fn state() -> AppState {
    let store = Store::open_temporary().unwrap();
    for (index, &(url, lang, country, title, body)) in CORPUS.iter().enumerate() {
        let document = DocumentDraft {
            url: url.into(),
            canonical_url: url.into(),
            source: format!("source-{}", country.to_lowercase()),
            title: title.into(),
            body: body.into(),
            lang: lang.into(),
            country: country.into(),
            topics: vec!["demo".into()],
            kind: ContentKind::CaseStudy,
            published: Some(
                Utc.with_ymd_and_hms(2020 + index as i32, 1, 1, 0, 0, 0)
                    .unwrap(),
            ),
            ..DocumentDraft::default()
        }
        .finish(Utc::now());
        store.put_document(&document).unwrap();
    }
    let mut status = SourceStatus::new(
        "source-br",
        "Fonte <b>BR</b>",
        "feed",
        "https://example.br/feed",
        true,
    );
    status.last_crawl = Some(agora_indexer::CrawlReport {
        error: Some("HTTP status 500".into()),
        error_kind: Some("http-500".into()),
        errors_by_kind: [("http-500".to_string(), 1)].into(),
        num_robots_excluded: 2,
        ..Default::default()
    });
    status.consecutive_failures = 3;
    status.backoff_until = Some(Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 0).unwrap());
    store.put_source_status(&status).unwrap();

    let index = SearchIndex::create_in_ram();
    index.updater().unwrap().sync(&store, |_| {}).unwrap();
    AppState {
        index,
        store: Arc::new(store),
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("{error}: {}", self.body))
    }
}

pub async fn get(state: &AppState, uri: &str) -> Reply {
    let request = Request::builder().uri(uri).body(Body::empty()).unwrap();
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let content_type = headers
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = to_bytes(response.into_body(), 10 * 1024 * 1024)
        .await
        .unwrap();
    Reply {
        status,
        content_type,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}
