//! The community's server-rendered pages: accounts, people, questions, connections,
//! messages and moderation.
//!
//! Like the search page, they work without JavaScript (the CSP forbids scripts): every
//! action is a form post that answers with a redirect, and every form carries a CSRF token
//! (see [`forms`]).

mod accounts;
mod forms;
mod moderation;
mod people;
mod questions;
mod social;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// The community pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/login",
            get(accounts::page_login).post(accounts::page_login_submit),
        )
        .route(
            "/signup",
            get(accounts::page_signup).post(accounts::page_signup_submit),
        )
        .route("/logout", post(accounts::page_logout))
        .route("/account", get(accounts::page_account))
        .route("/account/profile", post(accounts::page_account_profile))
        .route("/account/password", post(accounts::page_account_password))
        .route("/people", get(people::page_people))
        .route("/people/{id}", get(people::page_profile))
        .route("/questions", get(questions::page_questions))
        .route(
            "/questions/ask",
            get(questions::page_ask).post(questions::page_ask_submit),
        )
        .route("/questions/{id}", get(questions::page_question))
        .route(
            "/questions/{id}/answers",
            post(questions::page_answer_submit),
        )
        .route("/questions/{id}/accept", post(questions::page_accept))
        .route(
            "/questions/{id}/edit",
            get(questions::page_question_edit).post(questions::page_question_edit_submit),
        )
        .route(
            "/questions/{id}/delete",
            post(questions::page_question_delete),
        )
        .route("/answers/{id}/vote", post(questions::page_vote))
        .route(
            "/answers/{id}/edit",
            get(questions::page_answer_edit).post(questions::page_answer_edit_submit),
        )
        .route("/answers/{id}/delete", post(questions::page_answer_delete))
        .route("/flags", post(questions::page_flag))
        .route(
            "/connections",
            get(social::page_connections).post(social::page_connection_request),
        )
        .route(
            "/connections/{id}/{action}",
            post(social::page_connection_action),
        )
        .route("/messages", get(social::page_inbox))
        .route(
            "/messages/{id}",
            get(social::page_thread).post(social::page_message_send),
        )
        .route("/moderation", get(moderation::page_moderation))
        .route(
            "/moderation/{action}",
            post(moderation::page_moderation_action),
        )
}
