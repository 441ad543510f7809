//! `GET /api/search`.

use agora_indexer::{SearchResponse, search};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;

use crate::error::ApiError;
use crate::params::{UnknownParams, interface_language, parse_search_params};
use crate::state::AppState;

/// Searches the index: ranked hits with snippets, plus facet counts.
pub async fn search_query(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
) -> Result<Json<SearchResponse>, ApiError> {
    let mut request = parse_search_params(
        raw_query.as_deref().unwrap_or_default(),
        UnknownParams::Reject,
    )?;
    request.interface_lang = interface_language(&headers);
    let response = tokio::task::spawn_blocking(move || search(&state.index, &request)).await??;
    Ok(Json(response))
}
