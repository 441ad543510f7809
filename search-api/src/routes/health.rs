//! `GET /healthz`.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::state::AppState;

/// Liveness and a glimpse of what is served.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always `ok` when the service answers.
    pub status: &'static str,
    /// Documents in the searchable index.
    pub num_docs: u64,
}

/// Answers as long as the service runs.
pub async fn health_get(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        num_docs: state.index.num_docs(),
    })
}
