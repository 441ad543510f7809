//! Agora's HTTP service: the JSON search API and the server-rendered pages.
//!
//! [`app`] builds the whole router from an [`AppState`]; the binary serves it, and tests call
//! it in-process.
#![warn(missing_docs)]

mod error;
mod pages;
mod params;
mod routes;
mod state;

use axum::Router;
use axum::extract::MatchedPath;
use axum::http::{HeaderValue, Request, header};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use params::{UnknownParams, parse_search_params};
pub use state::AppState;

/// Pages load nothing from elsewhere and run no script; crawled text can never execute.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Builds the router: API under `/api`, pages at `/`, `/documents/{id}` and `/sources`.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/search", get(routes::search::search_query))
        .route("/documents/{id}", get(routes::documents::documents_get))
        .route("/sources", get(routes::sources::sources_list))
        .fallback(api_not_found);

    Router::new()
        .route("/", get(pages::page_search))
        .route("/documents/{id}", get(pages::page_document))
        .route("/sources", get(pages::page_sources))
        .route("/assets/style.css", get(pages::asset_style))
        .route("/healthz", get(routes::health::health_get))
        .nest("/api", api)
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), route)
        }))
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound(
        "no such API endpoint; see /api/search, /api/documents/{id}, /api/sources".to_string(),
    )
}
