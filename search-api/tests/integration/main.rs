//! The router, called in-process.

mod accounts;
mod api;
mod common;
mod community_pages;
mod moderation;
mod pages;
mod questions;
mod social;
