//! A small indexed corpus behind the router, and request helpers.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use agora_community::clock::ManualClock;
use agora_community::{Community, CommunitySettings, SledStore};
use agora_indexer::{ContentKind, DocumentDraft, SearchIndex, SourceStatus, Store};
use agora_search_api::{AppState, IndexTrigger, app};
use axum::body::{Body, to_bytes};
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
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

/// The corpus behind the router, with an empty community.
pub fn state() -> AppState {
    community_state().0
}

/// The corpus and a community whose clock the test moves; index syncs run in place, so a
/// new question is searchable as soon as its request returns.
pub fn community_state() -> (AppState, Arc<ManualClock>) {
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
    // The Japanese article republished word for word on a mirror: stored once, with both URLs.
    let mirror = "https://mirror.example.jp/kouzui";
    let copy = DocumentDraft {
        url: mirror.into(),
        canonical_url: mirror.into(),
        source: "source-jp".into(),
        title: CORPUS[1].3.into(),
        body: CORPUS[1].4.into(),
        lang: "ja".into(),
        country: "JP".into(),
        ..DocumentDraft::default()
    }
    .finish(Utc::now());
    store.put_document(&copy).unwrap();
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
    let mut updater = index.updater().unwrap();
    updater.sync(&store, |_| {}).unwrap();
    let store = Arc::new(store);

    let clock = Arc::new(ManualClock::new());
    let community = Community::new(
        Arc::new(SledStore::open_temporary().unwrap()),
        CommunitySettings::for_tests(),
    )
    .with_clock(clock.clone())
    .with_documents(Arc::clone(&store));
    let updater = Mutex::new(updater);
    let synced_store = Arc::clone(&store);
    let trigger = IndexTrigger::new(move || {
        updater.lock().unwrap().sync(&synced_store, |_| {}).unwrap();
    });
    let state = AppState::new(index, store, Arc::new(community)).with_index_trigger(trigger);
    (state, clock)
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
    respond(state, request).await
}

/// Sends an API request with an optional bearer token and JSON body.
pub async fn call(
    state: &AppState,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match body {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    respond(state, request.body(body).unwrap()).await
}

/// Sends `request` as if from the loopback address.
pub async fn respond(state: &AppState, request: Request<Body>) -> Reply {
    respond_from(state, request, "127.0.0.1:40000".parse().unwrap()).await
}

/// Sends `request` as if from `client`.
pub async fn respond_from(
    state: &AppState,
    mut request: Request<Body>,
    client: SocketAddr,
) -> Reply {
    request.extensions_mut().insert(ConnectInfo(client));
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

/// A member's password in every test.
pub const PASSWORD: &str = "flood gauges at dawn";

/// A signed-up, logged-in member.
pub struct Member {
    pub id: u64,
    pub token: String,
}

/// Signs `name` up as `name@example.org` and logs them in.
pub async fn member(state: &AppState, name: &str) -> Member {
    let email = format!("{name}@example.org");
    let signup = json!({"email": email, "password": PASSWORD, "name": name});
    let reply = call(state, Method::POST, "/api/auth/signup", None, Some(signup)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.json()["id"].as_u64().unwrap();
    Member {
        id,
        token: login(state, &email).await,
    }
}

/// Logs in and returns the bearer token.
pub async fn login(state: &AppState, email: &str) -> String {
    let credentials = json!({"email": email, "password": PASSWORD});
    let reply = call(
        state,
        Method::POST,
        "/api/auth/login",
        None,
        Some(credentials),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["token"].as_str().unwrap().to_string()
}

/// Makes a member a moderator, as `agora users grant-moderator` does.
pub fn grant_moderator(state: &AppState, name: &str) {
    state
        .community
        .set_moderator_by_email(&format!("{name}@example.org"), true, "test")
        .unwrap();
}

/// Asks a question and returns its id.
pub async fn ask(state: &AppState, asker: &Member, title: &str) -> u64 {
    let question = json!({
        "title": title,
        "body": "We want to move **building permits** online. What went wrong elsewhere?",
        "topics": ["Permits"],
        "country": "PT",
    });
    let reply = call(
        state,
        Method::POST,
        "/api/questions",
        Some(&asker.token),
        Some(question),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.json()["id"].as_u64().unwrap()
}

/// Answers a question and returns the answer's id.
pub async fn answer(state: &AppState, author: &Member, question: u64, body: &str) -> u64 {
    let uri = format!("/api/questions/{question}/answers");
    let reply = call(
        state,
        Method::POST,
        &uri,
        Some(&author.token),
        Some(json!({"body": body})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.json()["id"].as_u64().unwrap()
}

/// Connects two members (a request, then its acceptance).
pub async fn connect(state: &AppState, from: &Member, to: &Member) -> u64 {
    let reply = call(
        state,
        Method::POST,
        "/api/connections",
        Some(&from.token),
        Some(json!({"user_id": to.id})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.json()["id"].as_u64().unwrap();
    let uri = format!("/api/connections/{id}/accept");
    let reply = call(state, Method::POST, &uri, Some(&to.token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    id
}
