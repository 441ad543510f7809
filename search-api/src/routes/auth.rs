//! `POST /api/auth/signup`, `/login`, `/logout` and `/password`.

use agora_community::{MemberId, SignUp};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::{ApiUser, ClientAddress, JsonBody};
use crate::error::ApiError;
use crate::routes::blocking;
use crate::state::AppState;

/// The id of a new account.
#[derive(Debug, Serialize)]
pub struct Created<T> {
    /// The new record's id.
    pub id: T,
}

/// What logging in takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The account's email address.
    pub email: String,
    /// Its password.
    pub password: String,
}

/// A bearer token for the API.
#[derive(Debug, Serialize)]
pub struct LoginResponse {
    /// Send it as `Authorization: Bearer TOKEN`.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Whose it is.
    pub user_id: MemberId,
}

/// What changing a password takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password in use.
    pub current_password: String,
    /// The new one.
    pub new_password: String,
}

/// Creates an account.
pub async fn auth_signup(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<SignUp>,
) -> Result<(StatusCode, Json<Created<MemberId>>), ApiError> {
    let community = state.community.clone();
    let member = blocking(move || community.sign_up(&request)).await?;
    Ok((StatusCode::CREATED, Json(Created { id: member.id })))
}

/// Logs in and returns a bearer token.
pub async fn auth_login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let community = state.community.clone();
    let logged_in =
        blocking(move || community.log_in(&request.email, &request.password, &address)).await?;
    Ok(Json(LoginResponse {
        token: logged_in.token.expose().to_string(),
        expires_at: logged_in.session.expires_at,
        user_id: logged_in.member.id,
    }))
}

/// Ends the session of the token sent.
pub async fn auth_logout(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<StatusCode, ApiError> {
    let community = state.community.clone();
    blocking(move || community.end_session(&user)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the password; every other session of the member ends.
pub async fn auth_password(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(change): JsonBody<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let community = state.community.clone();
    blocking(move || {
        community.change_password(&user, &change.current_password, &change.new_password)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
