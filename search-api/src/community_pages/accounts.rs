//! Sign-up, login, logout, and the account page (profile and password).

use agora_community::member::{GovernmentLevel, ProfileUpdate};
use agora_community::{Authenticated, SignUp};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::forms::{
    AnonymousCsrf, FormData, Nav, PageError, PageUser, SESSION_COOKIE, local_path, redirect,
    render, set_cookie, with_cookie,
};
use crate::auth::ClientAddress;
use crate::routes::{blocking, query_pairs};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "community/login.html")]
struct LoginPage {
    nav: Nav,
    signup: bool,
    csrf: String,
    next: String,
    email: String,
    name: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "community/account.html")]
struct AccountPage {
    nav: Nav,
    user: Authenticated,
    levels: Vec<(&'static str, bool)>,
    languages: String,
    topics: String,
    message: Option<String>,
    error: Option<String>,
}

/// `GET /login`.
pub async fn page_login(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, PageError> {
    let next = next_param(raw_query.as_deref());
    let fields = LoginFields {
        next,
        ..LoginFields::default()
    };
    login_form(&state, &headers, fields, StatusCode::OK)
}

/// `GET /signup`.
pub async fn page_signup(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    login_form(&state, &headers, LoginFields::signup(), StatusCode::OK)
}

/// `POST /login`: opens a session and sets its cookie.
pub async fn page_login_submit(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    form: FormData,
) -> Result<Response, PageError> {
    form.check_anonymous_csrf()?;
    let next = local_path(form.get("next")).to_string();
    let (email, password) = (
        form.get("email").to_string(),
        form.get("password").to_string(),
    );
    let community = state.community.clone();
    let login_email = email.clone();
    let logged_in = blocking(move || community.log_in(&login_email, &password, &address)).await;
    match logged_in {
        Ok(logged_in) => Ok(session_started(&state, &logged_in, &next)),
        Err(error) => {
            let status = error.status();
            let fields = LoginFields {
                next,
                email,
                error: Some(error.to_string()),
                ..LoginFields::default()
            };
            login_form(&state, form.headers(), fields, status)
        }
    }
}

/// `POST /signup`: creates the account and logs the member in.
pub async fn page_signup_submit(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    form: FormData,
) -> Result<Response, PageError> {
    form.check_anonymous_csrf()?;
    let request = SignUp {
        email: form.get("email").to_string(),
        password: form.get("password").to_string(),
        name: form.get("name").to_string(),
    };
    let community = state.community.clone();
    let attempt = request.clone();
    let result = blocking(move || {
        community.sign_up(&attempt)?;
        community.log_in(&attempt.email, &attempt.password, &address)
    })
    .await;
    match result {
        Ok(logged_in) => Ok(session_started(&state, &logged_in, "/account")),
        Err(error) => {
            let status = error.status();
            let fields = LoginFields {
                email: request.email,
                name: request.name,
                error: Some(error.to_string()),
                ..LoginFields::signup()
            };
            login_form(&state, form.headers(), fields, status)
        }
    }
}

/// `POST /logout`: ends the session and clears its cookie.
pub async fn page_logout(
    State(state): State<AppState>,
    user: PageUser,
    form: FormData,
) -> Result<Response, PageError> {
    let Some(user) = user.0 else {
        return Ok(redirect("/"));
    };
    form.check_csrf(&user)?;
    let community = state.community.clone();
    blocking(move || community.end_session(&user)).await?;
    let cleared = set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies);
    Ok(with_cookie(redirect("/"), &cleared))
}

/// `GET /account`: the member's profile form and password form.
pub async fn page_account(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Response, PageError> {
    let user = user.require("/account")?;
    account_page(&state, user, None, None, StatusCode::OK).await
}

/// `POST /account/profile`.
pub async fn page_account_profile(
    State(state): State<AppState>,
    user: PageUser,
    form: FormData,
) -> Result<Response, PageError> {
    let user = user.require("/account")?;
    form.check_csrf(&user)?;
    let update = ProfileUpdate {
        name: Some(form.get("name").to_string()),
        role: Some(form.get("role").to_string()),
        organisation: Some(form.get("organisation").to_string()),
        level: Some(form.get("level").to_string()),
        country: Some(form.get("country").trim().to_uppercase()),
        languages: Some(form.list("languages")),
        topics: Some(form.list("topics")),
        bio: Some(form.get("bio").to_string()),
    };
    let community = state.community.clone();
    let member = user.member.clone();
    match blocking(move || community.update_profile(&member, &update)).await {
        Ok(profile) => Ok(redirect(&format!("/people/{}", profile.id))),
        Err(error) => {
            let status = error.status();
            account_page(&state, user, None, Some(error.to_string()), status).await
        }
    }
}

/// `POST /account/password`.
pub async fn page_account_password(
    State(state): State<AppState>,
    user: PageUser,
    form: FormData,
) -> Result<Response, PageError> {
    let user = user.require("/account")?;
    form.check_csrf(&user)?;
    let (current, new) = (
        form.get("current_password").to_string(),
        form.get("new_password").to_string(),
    );
    let community = state.community.clone();
    let viewer = user.clone();
    match blocking(move || community.change_password(&viewer, &current, &new)).await {
        Ok(()) => {
            let message = "Password changed; your other sessions were logged out.".to_string();
            account_page(&state, user, Some(message), None, StatusCode::OK).await
        }
        Err(error) => {
            let status = error.status();
            account_page(&state, user, None, Some(error.to_string()), status).await
        }
    }
}

async fn account_page(
    state: &AppState,
    user: Authenticated,
    message: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    // Show what is stored now, after a successful or refused change alike.
    let community = state.community.clone();
    let id = user.member.id;
    let member = blocking(move || community.store().member(id)).await?;
    let user = Authenticated {
        member: member.unwrap_or(user.member),
        session: user.session,
    };
    let profile = &user.member.profile;
    let page = AccountPage {
        nav: Nav::for_user(state, Some(&user)).await?,
        levels: GovernmentLevel::ALL
            .iter()
            .map(|level| (level.as_str(), profile.level == Some(*level)))
            .collect(),
        languages: profile.languages.join(", "),
        topics: profile.topics.join(", "),
        user,
        message,
        error,
    };
    Ok(render(&page, status))
}

/// What the login or sign-up form shows: which of the two, and what was typed before.
#[derive(Default)]
struct LoginFields {
    signup: bool,
    next: String,
    email: String,
    name: String,
    error: Option<String>,
}

impl LoginFields {
    fn signup() -> LoginFields {
        LoginFields {
            signup: true,
            next: "/account".to_string(),
            ..LoginFields::default()
        }
    }
}

fn login_form(
    state: &AppState,
    headers: &HeaderMap,
    fields: LoginFields,
    status: StatusCode,
) -> Result<Response, PageError> {
    let csrf = AnonymousCsrf::for_request(headers, state.secure_cookies)?;
    let page = LoginPage {
        nav: Nav::anonymous(),
        signup: fields.signup,
        csrf: csrf.token,
        next: fields.next,
        email: fields.email,
        name: fields.name,
        error: fields.error,
    };
    let response = render(&page, status);
    Ok(match csrf.set_cookie {
        Some(cookie) => with_cookie(response, &cookie),
        None => response,
    })
}

fn session_started(
    state: &AppState,
    logged_in: &agora_community::LoggedIn,
    next: &str,
) -> Response {
    let max_age = (logged_in.session.expires_at - logged_in.session.created_at).num_seconds();
    let cookie = set_cookie(
        SESSION_COOKIE,
        logged_in.token.expose(),
        max_age,
        state.secure_cookies,
    );
    with_cookie(redirect(local_path(next)), &cookie)
}

fn next_param(raw_query: Option<&str>) -> String {
    query_pairs(raw_query.unwrap_or_default())
        .into_iter()
        .find(|(name, _)| name == "next")
        .map(|(_, value)| local_path(&value).to_string())
        .unwrap_or_else(|| "/questions".to_string())
}
