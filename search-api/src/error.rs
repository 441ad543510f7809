//! The API's one error type, and how each error becomes a response.
//!
//! Client errors go back with a stable code and a message naming what to fix, and are not
//! logged as errors. Server errors go back as a generic 500 with no detail, and their cause
//! is logged once, here.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
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
    /// A field of a request body is missing, malformed or out of bounds.
    #[error("{message}")]
    InvalidField {
        /// The field's name.
        field: String,
        /// What is wrong and what is expected.
        message: String,
    },
    /// The request body is not the JSON the endpoint expects.
    #[error("{0}")]
    InvalidBody(String),
    /// The resource does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request needs a session and came without one.
    #[error("{0}")]
    Unauthenticated(String),
    /// The session token is unknown, revoked or expired.
    #[error("the session has expired or was ended; log in again")]
    SessionExpired,
    /// The email address or password is wrong.
    #[error("the email address or the password is wrong")]
    WrongCredentials,
    /// The member may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// A form post came without its CSRF token, or with another session's.
    #[error("this form has expired; reload the page and send it again")]
    CsrfRejected,
    /// The email address is in use already.
    #[error("{0}")]
    EmailTaken(String),
    /// The request contradicts what is stored.
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts; the client should wait.
    #[error("{message}")]
    RateLimited {
        /// What to do.
        message: String,
        /// Seconds to wait.
        retry_after_secs: u64,
    },
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
            ApiError::InvalidField { .. } => (StatusCode::BAD_REQUEST, "invalid_field"),
            ApiError::InvalidBody(_) => (StatusCode::BAD_REQUEST, "invalid_body"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::SessionExpired => (StatusCode::UNAUTHORIZED, "session_expired"),
            ApiError::WrongCredentials => (StatusCode::UNAUTHORIZED, "wrong_credentials"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::CsrfRejected => (StatusCode::FORBIDDEN, "csrf_rejected"),
            ApiError::EmailTaken(_) => (StatusCode::CONFLICT, "email_taken"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// Returns the HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        self.status_and_code().0
    }
}

impl From<agora_community::CommunityError> for ApiError {
    fn from(error: agora_community::CommunityError) -> Self {
        use agora_community::{CommunityError, UserError};
        let user = match error {
            CommunityError::User(user) => user,
            CommunityError::Internal(internal) => return ApiError::Internal(internal.to_string()),
        };
        let message = user.to_string();
        match user {
            UserError::Invalid { field, .. } => ApiError::InvalidField {
                field: field.to_string(),
                message,
            },
            UserError::EmailTaken => ApiError::EmailTaken(message),
            UserError::Conflict { .. } => ApiError::Conflict(message),
            UserError::NotFound { .. } => ApiError::NotFound(message),
            UserError::WrongCredentials => ApiError::WrongCredentials,
            UserError::SessionExpired => ApiError::SessionExpired,
            UserError::Forbidden { .. } => ApiError::Forbidden(message),
            UserError::RateLimited { retry_after_secs } => ApiError::RateLimited {
                message,
                retry_after_secs,
            },
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
    /// The offending body field, for `invalid_field`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let retry_after = match &self {
            ApiError::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        };
        let is_unauthenticated = status == StatusCode::UNAUTHORIZED;
        let (mut param, mut field) = (None, None);
        let message = match self {
            ApiError::InvalidParameter {
                param: name,
                message,
            } => {
                param = Some(name);
                message
            }
            ApiError::InvalidField {
                field: name,
                message,
            } => {
                field = Some(name);
                message
            }
            ApiError::Internal(cause) => {
                error!(error = %cause, "request failed");
                "something went wrong on our side; it has been logged".to_string()
            }
            other => other.to_string(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                param,
                field,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if is_unauthenticated {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
