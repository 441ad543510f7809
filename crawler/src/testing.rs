//! A loopback HTTP server for tests: serves fixtures and records every request.
//!
//! Tests never touch the network; they start one of these on `127.0.0.1` with an ephemeral
//! port. Fixture bodies may contain `{{base}}`, replaced by the server's base URL, so that
//! feeds and sitemaps can link to the server's own pages.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::Url;

/// One canned response.
#[derive(Debug, Clone)]
pub struct FixtureResponse {
    /// Status to answer with.
    pub status: u16,
    /// `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// Body; `{{base}}` is replaced by the server's base URL.
    pub body: Vec<u8>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Delay before answering.
    pub delay: Duration,
}

impl FixtureResponse {
    /// A 200 response with `content_type` and `body`.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> FixtureResponse {
        FixtureResponse {
            status: 200,
            content_type: Some(content_type.to_string()),
            body: body.into(),
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    /// An empty response with `status`.
    pub fn status(status: u16) -> FixtureResponse {
        FixtureResponse {
            status,
            content_type: None,
            body: Vec::new(),
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Path and query.
    pub path: String,
    /// Request headers.
    pub headers: HeaderMap,
}

#[derive(Default)]
struct State {
    routes: HashMap<String, FixtureResponse>,
    requests: Vec<RecordedRequest>,
}

/// A running fixture server; it stops when dropped.
pub struct FixtureServer {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl FixtureServer {
    /// Starts an empty server; add routes with [`FixtureServer::route`].
    pub async fn start() -> FixtureServer {
        let state = Arc::new(Mutex::new(State::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding a loopback port");
        let address = listener
            .local_addr()
            .expect("a bound listener has an address");
        let handler_state = Arc::clone(&state);
        let app = Router::new().fallback(move |request: Request<Body>| {
            let state = Arc::clone(&handler_state);
            async move { respond(state, address, request).await }
        });
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("the fixture server runs");
        });
        FixtureServer {
            address,
            state,
            task,
        }
    }

    /// Starts a server answering every file under `dir` at its relative path.
    pub async fn serve_dir(dir: &Path) -> FixtureServer {
        let server = FixtureServer::start().await;
        let mut pending = vec![dir.to_path_buf()];
        while let Some(current) = pending.pop() {
            for entry in std::fs::read_dir(&current)
                .expect("fixture folder is readable")
                .flatten()
            {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                    continue;
                }
                let relative = path.strip_prefix(dir).expect("inside the fixture folder");
                let route = format!("/{}", relative.to_string_lossy().replace('\\', "/"));
                let body = std::fs::read(&path).expect("fixture file is readable");
                server.route(&route, FixtureResponse::ok(content_type_for(&path), body));
            }
        }
        server
    }

    /// Answers `path` (with its query, if any) with `response`.
    pub fn route(&self, path: &str, response: FixtureResponse) {
        self.state
            .lock()
            .expect("fixture state lock")
            .routes
            .insert(path.to_string(), response);
    }

    /// Returns the server's base URL, without a trailing slash.
    pub fn base(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Returns the URL of `path` on this server.
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("{}{path}", self.base())).expect("fixture URLs are valid")
    }

    /// Returns every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state
            .lock()
            .expect("fixture state lock")
            .requests
            .clone()
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn respond(
    state: Arc<Mutex<State>>,
    address: SocketAddr,
    request: Request<Body>,
) -> Response {
    let path_and_query = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_default();
    let path = request.uri().path().to_string();
    let response = {
        let mut state = state.lock().expect("fixture state lock");
        state.requests.push(RecordedRequest {
            path: path_and_query.clone(),
            headers: request.headers().clone(),
        });
        state
            .routes
            .get(&path_and_query)
            .or_else(|| state.routes.get(&path))
            .cloned()
    };
    let Some(fixture) = response else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !fixture.delay.is_zero() {
        tokio::time::sleep(fixture.delay).await;
    }

    let base = format!("http://{address}");
    let body = match String::from_utf8(fixture.body.clone()) {
        Ok(text) => text.replace("{{base}}", &base).into_bytes(),
        Err(_) => fixture.body,
    };
    let mut builder = Response::builder().status(fixture.status);
    if let Some(content_type) = &fixture.content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    for (name, value) in &fixture.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Body::from(body))
        .expect("fixture responses are valid")
}

fn content_type_for(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|ext| ext.to_str())
        .unwrap_or_default()
    {
        "html" | "htm" => "text/html; charset=utf-8",
        "xml"
            if path
                .file_name()
                .is_some_and(|name| name.to_string_lossy().contains("sitemap")) =>
        {
            "application/xml"
        }
        "xml" => "application/rss+xml",
        "json" => "application/feed+json",
        _ => "application/octet-stream",
    }
}
