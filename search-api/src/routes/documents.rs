//! `GET /api/documents/{id}`.

use agora_indexer::{DocId, Document};
use axum::Json;
use axum::extract::{Path, State};

use crate::error::ApiError;
use crate::state::AppState;

/// Returns one stored document with all its fields.
pub async fn documents_get(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
) -> Result<Json<Document>, ApiError> {
    Ok(Json(load_document(&state, &raw_id).await?))
}

/// Loads a document by the id found in a URL path.
pub async fn load_document(state: &AppState, raw_id: &str) -> Result<Document, ApiError> {
    let id = DocId::parse(raw_id).ok_or_else(|| {
        ApiError::invalid("id", "a document id is 16 lowercase hexadecimal digits")
    })?;
    let store = state.store.clone();
    let lookup_id = id.clone();
    let document = tokio::task::spawn_blocking(move || store.document(&lookup_id)).await??;
    document.ok_or_else(|| ApiError::NotFound(format!("no document with id `{id}`")))
}
