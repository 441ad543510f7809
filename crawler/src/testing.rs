//! A loopback HTTP server for tests: serves fixtures and records every request.
//!
//! Tests never touch the network; they start one of these on `127.0.0.1` with an ephemeral
//! port. Fixture bodies may contain `{{base}}`, replaced by the server's base URL, so that
//! feeds and sitemaps can link to the server's own pages. A route answers with one response
//! or with a sequence (a 500, then a 200), may redirect, delay, compress or stream its body,
//! and answers `304 Not Modified` when a request carries its validator; the record keeps each
//! request's headers and arrival time, so that tests can check what was asked and when.

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
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
    /// The `ETag` sent; a request whose `If-None-Match` carries it gets a 304.
    pub etag: Option<String>,
    /// The `Last-Modified` sent; a request whose `If-Modified-Since` equals it gets a 304.
    pub last_modified: Option<String>,
    /// Whether the body is gzip-compressed (with `Content-Encoding: gzip`).
    pub gzip: bool,
    /// Whether the body is streamed in chunks without a `Content-Length`.
    pub streamed: bool,
}

impl FixtureResponse {
    /// A 200 response with `content_type` and `body`.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> FixtureResponse {
        FixtureResponse {
            content_type: Some(content_type.to_string()),
            body: body.into(),
            ..FixtureResponse::status(200)
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
            etag: None,
            last_modified: None,
            gzip: false,
            streamed: false,
        }
    }

    /// A redirect with `status` (301, 302, 307...) to `location`, where `{{base}}` is
    /// replaced by the server's base URL.
    pub fn redirect(status: u16, location: &str) -> FixtureResponse {
        FixtureResponse::status(status).with_header("location", location)
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> FixtureResponse {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Answers only after `delay`.
    pub fn with_delay(mut self, delay: Duration) -> FixtureResponse {
        self.delay = delay;
        self
    }

    /// Sends `etag`, and answers 304 to a request that carries it.
    pub fn with_etag(mut self, etag: &str) -> FixtureResponse {
        self.etag = Some(etag.to_string());
        self
    }

    /// Sends `date` as `Last-Modified`, and answers 304 to a request that carries it.
    pub fn with_last_modified(mut self, date: &str) -> FixtureResponse {
        self.last_modified = Some(date.to_string());
        self
    }

    /// Compresses the body with gzip.
    pub fn gzipped(mut self) -> FixtureResponse {
        self.gzip = true;
        self
    }

    /// Streams the body in chunks, without announcing its length.
    pub fn streamed(mut self) -> FixtureResponse {
        self.streamed = true;
        self
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Path and query.
    pub path: String,
    /// Request headers.
    pub headers: HeaderMap,
    /// When it arrived.
    pub at: Instant,
}

impl RecordedRequest {
    /// Returns the value of header `name`, if present and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// Builds the response to a path no route answers, for generated sites (benchmarks).
pub type Generator = dyn Fn(&str) -> Option<FixtureResponse> + Send + Sync;

#[derive(Default)]
struct State {
    /// Each route's responses; the first is served next, the last repeats.
    routes: HashMap<String, Vec<FixtureResponse>>,
    requests: Vec<RecordedRequest>,
    recording: bool,
    generator: Option<Arc<Generator>>,
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
        let state = Arc::new(Mutex::new(State {
            recording: true,
            ..State::default()
        }));
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
        self.route_sequence(path, vec![response]);
    }

    /// Answers `path` with `responses` in turn, the last one repeating.
    pub fn route_sequence(&self, path: &str, responses: Vec<FixtureResponse>) {
        assert!(!responses.is_empty(), "a route needs a response");
        self.lock().routes.insert(path.to_string(), responses);
    }

    /// Answers paths without a route with what `generator` builds, or a 404.
    pub fn generate(
        &self,
        generator: impl Fn(&str) -> Option<FixtureResponse> + Send + Sync + 'static,
    ) {
        self.lock().generator = Some(Arc::new(generator));
    }

    /// Stops recording requests, so that long runs do not keep them all.
    pub fn stop_recording(&self) {
        self.lock().recording = false;
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
        self.lock().requests.clone()
    }

    /// Returns the requests received for `path` (with its query, if any), in order.
    pub fn requests_for(&self, path: &str) -> Vec<RecordedRequest> {
        self.lock()
            .requests
            .iter()
            .filter(|request| request.path == path)
            .cloned()
            .collect()
    }

    /// Returns the paths requested so far, in order, robots.txt left out.
    pub fn requested_paths(&self) -> Vec<String> {
        self.lock()
            .requests
            .iter()
            .map(|request| request.path.clone())
            .filter(|path| path != "/robots.txt")
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("fixture state lock")
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
        if state.recording {
            state.requests.push(RecordedRequest {
                path: path_and_query.clone(),
                headers: request.headers().clone(),
                at: Instant::now(),
            });
        }
        let key = if state.routes.contains_key(&path_and_query) {
            Some(path_and_query.clone())
        } else {
            state.routes.contains_key(&path).then_some(path)
        };
        match key.and_then(|key| state.routes.get_mut(&key)) {
            Some(responses) if responses.len() > 1 => Some(responses.remove(0)),
            Some(responses) => responses.first().cloned(),
            None => state
                .generator
                .clone()
                .and_then(|generator| generator(&path_and_query)),
        }
    };
    let Some(fixture) = response else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !fixture.delay.is_zero() {
        tokio::time::sleep(fixture.delay).await;
    }
    if is_not_modified(&fixture, request.headers()) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    build(fixture, &format!("http://{address}"))
}

/// Tells whether the request's validators match the fixture's (RFC 9110, 13.1).
fn is_not_modified(fixture: &FixtureResponse, headers: &HeaderMap) -> bool {
    let sent = |name| headers.get(name).and_then(|value| value.to_str().ok());
    if let (Some(etag), Some(asked)) = (&fixture.etag, sent(header::IF_NONE_MATCH)) {
        return asked.split(',').any(|candidate| candidate.trim() == etag);
    }
    matches!(
        (&fixture.last_modified, sent(header::IF_MODIFIED_SINCE)),
        (Some(date), Some(asked)) if date == asked
    )
}

fn build(fixture: FixtureResponse, base: &str) -> Response {
    let body = match String::from_utf8(fixture.body.clone()) {
        Ok(text) => text.replace("{{base}}", base).into_bytes(),
        Err(_) => fixture.body,
    };
    let mut builder = Response::builder().status(fixture.status);
    if let Some(content_type) = &fixture.content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    if let Some(etag) = &fixture.etag {
        builder = builder.header(header::ETAG, etag);
    }
    if let Some(date) = &fixture.last_modified {
        builder = builder.header(header::LAST_MODIFIED, date);
    }
    for (name, value) in &fixture.headers {
        builder = builder.header(name, value.replace("{{base}}", base));
    }
    let body = if fixture.gzip {
        builder = builder.header(header::CONTENT_ENCODING, "gzip");
        gzip(&body)
    } else {
        body
    };
    let body = if fixture.streamed {
        let chunks: Vec<Result<Bytes, std::io::Error>> = body
            .chunks(64 * 1024)
            .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
            .collect();
        Body::from_stream(futures_util::stream::iter(chunks))
    } else {
        Body::from(body)
    };
    builder.body(body).expect("fixture responses are valid")
}

/// `bytes` compressed with gzip, as a file `NAME.gz` holds them.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder
        .write_all(bytes)
        .expect("writing to memory does not fail");
    encoder.finish().expect("writing to memory does not fail")
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
