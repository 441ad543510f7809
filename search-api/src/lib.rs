//! Agora's HTTP service: the JSON search and community API, and the server-rendered pages.
//!
//! [`app`] builds the whole router from an [`AppState`]; the binary serves it, and tests call
//! it in-process.
#![warn(missing_docs)]

mod auth;
mod community_pages;
mod error;
mod index_trigger;
mod pages;
mod params;
mod routes;
mod state;

use axum::Router;
use axum::extract::MatchedPath;
use axum::http::{HeaderValue, Request, header};
use axum::routing::{delete, get, patch, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use index_trigger::IndexTrigger;
pub use params::{UnknownParams, parse_search_params};
pub use state::AppState;

/// Pages load nothing from elsewhere and run no script; crawled text can never execute.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Builds the router: API under `/api`, pages at `/`, `/documents/{id}`, `/sources` and the
/// community's (`/questions`, `/people`, `/messages`...).
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/search", get(routes::search::search_query))
        .route("/documents/{id}", get(routes::documents::documents_get))
        .route("/sources", get(routes::sources::sources_list))
        .merge(community_api())
        .fallback(api_not_found);

    Router::new()
        .route("/", get(pages::page_search))
        .route("/documents/{id}", get(pages::page_document))
        .route("/sources", get(pages::page_sources))
        .route("/assets/style.css", get(pages::asset_style))
        .route("/healthz", get(routes::health::health_get))
        .merge(community_pages::routes())
        .nest("/api", api)
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), route)
        }))
}

/// The community's JSON endpoints, under `/api`.
fn community_api() -> Router<AppState> {
    use routes::{auth, connections, messages, moderation, questions, users};
    Router::new()
        .route("/auth/signup", post(auth::auth_signup))
        .route("/auth/login", post(auth::auth_login))
        .route("/auth/logout", post(auth::auth_logout))
        .route("/auth/password", post(auth::auth_password))
        .route("/me", get(users::me_get))
        .route("/users", get(users::users_list))
        .route("/users/me", patch(users::users_update_me))
        .route("/users/{id}", get(users::users_get))
        .route(
            "/questions",
            get(questions::questions_list).post(questions::questions_create),
        )
        .route("/questions/similar", get(questions::questions_similar))
        .route(
            "/questions/{id}",
            get(questions::questions_get)
                .patch(questions::questions_update)
                .delete(questions::questions_delete),
        )
        .route("/questions/{id}/answers", post(questions::answers_create))
        .route("/questions/{id}/accept", post(questions::questions_accept))
        .route(
            "/answers/{id}",
            patch(questions::answers_update).delete(questions::answers_delete),
        )
        .route("/answers/{id}/vote", post(questions::answers_vote))
        .route(
            "/connections",
            get(connections::connections_list).post(connections::connections_create),
        )
        .route("/connections/{id}", delete(connections::connections_delete))
        .route(
            "/connections/{id}/accept",
            post(connections::connections_accept),
        )
        .route(
            "/connections/{id}/decline",
            post(connections::connections_decline),
        )
        .route(
            "/messages",
            get(messages::messages_thread).post(messages::messages_send),
        )
        .route("/messages/unread", get(messages::messages_unread))
        .route("/flags", post(moderation::flags_create))
        .route("/moderation/flags", get(moderation::moderation_flags))
        .route("/moderation/hide", post(moderation::moderation_hide))
        .route("/moderation/unhide", post(moderation::moderation_unhide))
        .route("/moderation/dismiss", post(moderation::moderation_dismiss))
        .route("/moderation/audit", get(moderation::moderation_audit))
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound(
        "no such API endpoint; see /api/search, /api/documents/{id}, /api/sources, /api/questions, \
         /api/users, /api/auth/login"
            .to_string(),
    )
}
