//! `GET /api/sources`.

use agora_indexer::SourceStatus;
use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::error::ApiError;
use crate::state::AppState;

/// The configured sources with their crawl status.
#[derive(Debug, Serialize)]
pub struct SourcesResponse {
    /// One entry per configured source.
    pub sources: Vec<SourceStatus>,
}

/// Lists every configured source: last crawl, counts and last error.
pub async fn sources_list(
    State(state): State<AppState>,
) -> Result<Json<SourcesResponse>, ApiError> {
    let sources = load_sources(&state).await?;
    Ok(Json(SourcesResponse { sources }))
}

/// Reads every source's status from the store.
pub async fn load_sources(state: &AppState) -> Result<Vec<SourceStatus>, ApiError> {
    let store = state.store.clone();
    Ok(tokio::task::spawn_blocking(move || store.source_statuses()).await??)
}
