//! The router, called in-process.

mod api;
mod common;
mod pages;
