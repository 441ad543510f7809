//! What the community pages share: the session cookie, form bodies, CSRF checks, the
//! navigation bar, and how errors become pages.
//!
//! Logged-in forms carry the session's own CSRF token; the login and sign-up forms, shown
//! before any session exists, carry a random secret that must match the `agora_csrf` cookie
//! (a double submit: another site can make a browser send the cookie, but cannot read it to
//! copy it into the form). Both cookies are `SameSite=Lax`, which already keeps them off
//! cross-site posts; the tokens hold even where a browser ignores that attribute.

use agora_community::session::{Token, constant_time_eq, random_secret};
use agora_community::{Authenticated, CommunityError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use tracing::error;
use url::form_urlencoded;

use crate::auth::authenticate;
use crate::error::ApiError;
use crate::routes::blocking;
use crate::state::AppState;

/// The cookie holding the pages' session token.
pub const SESSION_COOKIE: &str = "agora_session";

/// The cookie holding the CSRF secret of forms shown before login.
pub const CSRF_COOKIE: &str = "agora_csrf";

/// Longest form body read, in bytes; the longest field (a post's body) is far below it.
const MAX_FORM_BYTES: usize = 256 * 1024;

/// The member whose session cookie came with a page request, if it is still valid.
pub struct PageUser(pub Option<Authenticated>);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE) else {
            return Ok(PageUser(None));
        };
        match authenticate(state, Token::from_client(&token)).await {
            Ok(user) => Ok(PageUser(Some(user))),
            Err(ApiError::Unauthenticated(_) | ApiError::SessionExpired) => Ok(PageUser(None)),
            Err(other) => Err(PageError::Error(other)),
        }
    }
}

impl PageUser {
    /// Returns the member, or sends the browser to the login page and back to `here`.
    pub fn require(self, here: &str) -> Result<Authenticated, PageError> {
        self.0
            .ok_or_else(|| PageError::LoginFirst(here.to_string()))
    }
}

/// A form post's fields, in order; a field may repeat.
pub struct FormData {
    fields: Vec<(String, String)>,
    headers: HeaderMap,
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, PageError> {
        let headers = request.headers().clone();
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(ApiError::InvalidBody("expected a form post".to_string()).into());
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| ApiError::InvalidBody(rejection.body_text()))?;
        if bytes.len() > MAX_FORM_BYTES {
            return Err(ApiError::InvalidBody("the form is too long".to_string()).into());
        }
        let fields = form_urlencoded::parse(&bytes).into_owned().collect();
        Ok(FormData { fields, headers })
    }
}

impl FormData {
    /// Returns the first value of `name`, or an empty string.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_default()
    }

    /// Returns the request's headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Splits a comma-separated field into its parts (topics, languages).
    pub fn list(&self, name: &str) -> Vec<String> {
        self.get(name)
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Refuses the post unless it carries `user`'s session CSRF token.
    pub fn check_csrf(&self, user: &Authenticated) -> Result<(), PageError> {
        if user.session.accepts_csrf_token(self.get("csrf")) {
            return Ok(());
        }
        Err(ApiError::CsrfRejected.into())
    }

    /// Refuses a post made before login unless its token matches the CSRF cookie.
    pub fn check_anonymous_csrf(&self) -> Result<(), PageError> {
        let cookie = cookie_value(&self.headers, CSRF_COOKIE).unwrap_or_default();
        if constant_time_eq(&cookie, self.get("csrf")) {
            return Ok(());
        }
        Err(ApiError::CsrfRejected.into())
    }
}

/// The CSRF secret of a form shown before login: the cookie's, or a new one to set.
pub struct AnonymousCsrf {
    /// The secret to put in the form.
    pub token: String,
    /// The `Set-Cookie` value, when the browser has no cookie yet.
    pub set_cookie: Option<String>,
}

impl AnonymousCsrf {
    /// Reads the CSRF cookie of the request or draws a new secret.
    pub fn for_request(headers: &HeaderMap, secure: bool) -> Result<AnonymousCsrf, PageError> {
        if let Some(token) = cookie_value(headers, CSRF_COOKIE) {
            return Ok(AnonymousCsrf {
                token,
                set_cookie: None,
            });
        }
        let token = random_secret().map_err(|error| ApiError::Internal(error.to_string()))?;
        let set_cookie = Some(set_cookie(CSRF_COOKIE, &token, 24 * 3600, secure));
        Ok(AnonymousCsrf { token, set_cookie })
    }
}

/// The navigation bar's view of who is logged in.
pub struct Nav {
    /// The logged-in member, if any.
    pub user: Option<NavUser>,
    /// The session's CSRF token, for the logout form.
    pub csrf: String,
}

/// The logged-in member, as the navigation bar shows them.
pub struct NavUser {
    /// Their id.
    pub id: u64,
    /// Their display name.
    pub name: String,
    /// Messages they have not read.
    pub num_unread: u64,
    /// Whether to show the moderation link.
    pub moderator: bool,
}

impl Nav {
    /// The bar of a visitor who is not logged in.
    pub fn anonymous() -> Nav {
        Nav {
            user: None,
            csrf: String::new(),
        }
    }

    /// Builds the bar for `user`, with their unread count.
    pub async fn for_user(
        state: &AppState,
        user: Option<&Authenticated>,
    ) -> Result<Nav, PageError> {
        let Some(user) = user else {
            return Ok(Nav::anonymous());
        };
        let community = state.community.clone();
        let member = user.member.clone();
        let unread = blocking(move || community.unread(&member)).await?;
        Ok(Nav {
            user: Some(NavUser {
                id: user.member.id.get(),
                name: user.member.name.clone(),
                num_unread: unread.total,
                moderator: user.member.moderator,
            }),
            csrf: user.session.csrf_token.clone(),
        })
    }
}

/// How a page handler fails.
#[derive(Debug)]
pub enum PageError {
    /// An error shown as a page with its status.
    Error(ApiError),
    /// The page needs a logged-in member: to the login page, then back to this path.
    LoginFirst(String),
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        PageError::Error(error)
    }
}

impl From<CommunityError> for PageError {
    fn from(error: CommunityError) -> Self {
        PageError::Error(ApiError::from(error))
    }
}

#[derive(Template)]
#[template(path = "community/error.html")]
struct ErrorPage {
    nav: Nav,
    title: &'static str,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let error = match self {
            PageError::LoginFirst(next) => return redirect(&login_link(&next)),
            PageError::Error(error) => error,
        };
        let status = error.status();
        let message = match &error {
            ApiError::Internal(cause) => {
                error!(error = %cause, "page failed");
                "Something went wrong on our side; it has been logged.".to_string()
            }
            other => other.to_string(),
        };
        let title = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::CONFLICT => "Already done",
            StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
            status if status.is_server_error() => "Something went wrong",
            _ => "Please check the form",
        };
        let page = ErrorPage {
            nav: Nav::anonymous(),
            title,
            message,
        };
        render(&page, status)
    }
}

/// Renders a template with `status`.
pub fn render(template: &impl Template, status: StatusCode) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => ApiError::Internal(format!("rendering a page: {error}")).into_response(),
    }
}

/// Sends the browser to `path` with a GET (303 See Other), as after every successful post.
pub fn redirect(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// Adds a `Set-Cookie` header to `response`.
pub fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The login page, coming back to `next` afterwards.
pub fn login_link(next: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("next", next)
        .finish();
    format!("/login?{query}")
}

/// Keeps a post-login destination on this site: a path, never `//host` or a full URL.
pub fn local_path(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next
    } else {
        "/questions"
    }
}

/// Returns the raw value of cookie `name`.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

/// Builds a `Set-Cookie` value for a cookie only the server reads.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; agora_session=s3cret; other=1"),
        );
        assert_eq!(
            cookie_value(&headers, SESSION_COOKIE).as_deref(),
            Some("s3cret")
        );
        assert_eq!(cookie_value(&headers, CSRF_COOKIE), None);
    }

    #[test]
    fn session_cookies_are_http_only_and_lax() {
        let value = set_cookie(SESSION_COOKIE, "t", 60, true);
        assert_eq!(
            value,
            "agora_session=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert!(!set_cookie(SESSION_COOKIE, "t", 60, false).contains("Secure"));
    }

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(local_path("/questions/3"), "/questions/3");
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "",
        ] {
            assert_eq!(local_path(hostile), "/questions", "{hostile}");
        }
    }
}
