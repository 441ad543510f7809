//! JSON API handlers, grouped by resource.

pub mod documents;
pub mod health;
pub mod search;
pub mod sources;
