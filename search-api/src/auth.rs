//! Who is asking: the bearer token of the API, the session cookie of the pages, the client's
//! address (for login limits), and the CSRF checks of form posts.
//!
//! The API reads only the `Authorization` header and the pages only the cookie. A browser
//! attaches cookies to cross-site requests but never an `Authorization` header, so the JSON
//! API needs no CSRF token, while every page form must carry one.

use std::net::{IpAddr, SocketAddr};

use agora_community::session::Token;
use agora_community::{Authenticated, CommunityError, UserError};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// The member behind the request's bearer token; a request without a valid one is refused.
pub struct ApiUser(pub Authenticated);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(token) = bearer_token(&parts.headers) else {
            return Err(ApiError::Unauthenticated(
                "this endpoint needs `Authorization: Bearer TOKEN`; get a token from POST \
                 /api/auth/login"
                    .to_string(),
            ));
        };
        Ok(ApiUser(authenticate(state, token).await?))
    }
}

/// The member behind the bearer token if one is sent (a bad one is refused), for endpoints
/// that anyone may read but that show members more (their votes, hidden posts to
/// moderators).
pub struct MaybeApiUser(pub Option<Authenticated>);

impl FromRequestParts<AppState> for MaybeApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match bearer_token(&parts.headers) {
            Some(token) => Ok(MaybeApiUser(Some(authenticate(state, token).await?))),
            None => Ok(MaybeApiUser(None)),
        }
    }
}

/// The address of the connecting client, as the key of its login limit. Behind a trusted
/// reverse proxy, it is the one the proxies' `X-Forwarded-For` names.
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip());
        let address = match peer {
            Some(peer) => client_ip(peer, &parts.headers, &state.trusted_proxies).to_string(),
            None => "unknown".to_string(),
        };
        Ok(ClientAddress(address))
    }
}

/// The client behind `peer`: from a trusted proxy, the last address of `X-Forwarded-For`
/// that is not itself a trusted proxy. Each proxy appends the address it was reached from,
/// so the entries left of the first untrusted one were written by the client and prove
/// nothing.
fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for entry in forwarded.iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(address) if trusted.contains(&address) => client = address,
            Ok(address) => return address,
            // A malformed entry is where the trustworthy part of the chain ends.
            Err(_) => return client,
        }
    }
    client
}

/// A JSON request body; a malformed one is a 400 that says what is wrong, in the API's
/// error format.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(ApiError::InvalidBody(rejection.body_text())),
        }
    }
}

/// Checks a session's token against its cookie-free copy in the store.
pub(crate) async fn authenticate(
    state: &AppState,
    token: Token,
) -> Result<Authenticated, ApiError> {
    let community = state.community.clone();
    let authenticated = tokio::task::spawn_blocking(move || community.authenticate(&token)).await?;
    authenticated.map_err(|error| match error {
        CommunityError::User(UserError::SessionExpired) => ApiError::SessionExpired,
        other => ApiError::from(other),
    })
}

fn bearer_token(headers: &HeaderMap) -> Option<Token> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| Token::from_client(token))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn bearer_tokens_are_read_whatever_the_scheme_case() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer abc"),
        );
        assert_eq!(bearer_token(&headers).unwrap().expose(), "abc");
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert!(bearer_token(&headers).is_none());
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert!(bearer_token(&headers).is_none());
    }

    #[test]
    fn the_client_is_read_from_trusted_proxies_only() {
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        let forwarded = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert("x-forwarded-for", HeaderValue::from_static(value));
            headers
        };
        let cases = [
            // Not from a proxy: the header is the client's own claim.
            ("203.0.113.9", "198.51.100.7", "203.0.113.9"),
            ("10.0.0.1", "198.51.100.7", "198.51.100.7"),
            // The client's own entries, left of what the proxies wrote, are not believed.
            (
                "10.0.0.1",
                "1.2.3.4, 198.51.100.7, 10.0.0.2",
                "198.51.100.7",
            ),
            ("10.0.0.1", "10.0.0.2", "10.0.0.2"),
            ("10.0.0.1", "not an address", "10.0.0.1"),
            ("10.0.0.1", "", "10.0.0.1"),
        ];
        for (peer, header, client) in cases {
            assert_eq!(
                client_ip(ip(peer), &forwarded(header), &proxies),
                ip(client),
                "{peer} {header}"
            );
        }
        assert_eq!(
            client_ip(ip("10.0.0.1"), &HeaderMap::new(), &proxies),
            ip("10.0.0.1")
        );
    }
}
