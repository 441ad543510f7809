//! The router, called in-process.

mod accounts;
mod api;
mod common;
mod moderation;
mod pages;
mod questions;
mod social;
