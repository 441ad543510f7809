//! JSON API handlers, grouped by resource, and what they share.

pub mod auth;
pub mod connections;
pub mod documents;
pub mod health;
pub mod messages;
pub mod moderation;
pub mod questions;
pub mod search;
pub mod sources;
pub mod users;

use std::str::FromStr;

use crate::error::ApiError;

/// Largest page a list endpoint returns.
const MAX_LIMIT: usize = 100;

/// Runs a community operation on the blocking pool: it reads and writes storage and may
/// hash a password.
pub async fn blocking<T: Send + 'static>(
    operation: impl FnOnce() -> agora_community::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    Ok(tokio::task::spawn_blocking(operation).await??)
}

/// Parses a record id from a path segment or a parameter.
pub fn parse_id<T: FromStr<Err = ()>>(raw: &str, param: &str) -> Result<T, ApiError> {
    raw.trim()
        .parse()
        .map_err(|()| ApiError::invalid(param, format!("{param} is a positive whole number")))
}

/// Parses `limit`: a page size from 1 to 100.
pub fn parse_limit(raw: &str) -> Result<usize, ApiError> {
    match raw.parse::<usize>() {
        Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
        _ => Err(ApiError::invalid(
            "limit",
            format!("limit is a whole number from 1 to {MAX_LIMIT}"),
        )),
    }
}

/// Parses `true` or `false`.
pub fn parse_bool(param: &str, raw: &str) -> Result<bool, ApiError> {
    match raw {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::invalid(
            param,
            format!("{param} is true or false"),
        )),
    }
}

/// Splits a query string into decoded pairs.
pub fn query_pairs(raw_query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect()
}
