//! The API's one error type, and how each error becomes a response.
//!
//! Client errors go back with a stable code and a message naming what to fix, and are not
//! logged as errors. Server errors go back as a generic 500 with no detail, and their cause
//! is logged once, here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tracing::error;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A query parameter or path segment is malformed.
    #[error("{message}")]
    InvalidParameter {
        /// The parameter's name.
        param: String,
        /// What is wrong and what is expected.
        message: String,
    },
    /// The resource does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Something broke on our side; the cause is logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A malformed parameter.
    pub fn invalid(param: &str, message: impl Into<String>) -> ApiError {
        ApiError::InvalidParameter {
            param: param.to_string(),
            message: message.into(),
        }
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::InvalidParameter { .. } => (StatusCode::BAD_REQUEST, "invalid_parameter"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<agora_indexer::IndexerError> for ApiError {
    fn from(error: agora_indexer::IndexerError) -> Self {
        match error {
            agora_indexer::IndexerError::InvalidRequest(message) => {
                ApiError::invalid("query", message)
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(error: tokio::task::JoinError) -> Self {
        ApiError::Internal(format!("worker task failed: {error}"))
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize)]
pub struct ErrorDetail {
    /// Stable, machine-readable code.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
    /// The offending parameter, for `invalid_parameter`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let (message, param) = match self {
            ApiError::InvalidParameter { param, message } => (message, Some(param)),
            ApiError::NotFound(message) => (message, None),
            ApiError::Internal(cause) => {
                error!(error = %cause, "request failed");
                (
                    "something went wrong on our side; it has been logged".to_string(),
                    None,
                )
            }
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                param,
            },
        };
        (status, Json(body)).into_response()
    }
}
