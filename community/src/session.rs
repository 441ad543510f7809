//! Session tokens: random secrets given to a member at login, stored only as hashes.
//!
//! The same kind of token serves as the bearer token of the API and as the value of the
//! pages' session cookie. A stolen copy of the store yields hashes, which cannot be replayed.
//! Tokens carry 256 random bits, so a fast hash (SHA-256) is enough: there is nothing to
//! brute-force, unlike a password.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::InternalError;
use crate::id::MemberId;

/// Random bytes in a token.
const TOKEN_BYTES: usize = 32;

/// A session token as the client holds it: 64 lowercase hex digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Draws a new token from the operating system's random number generator.
    pub fn generate() -> Result<Token, InternalError> {
        Ok(Token(hex(&random_bytes::<TOKEN_BYTES>()?)))
    }

    /// Wraps a token received from a client; anything can be presented, and an unknown
    /// token simply matches no session.
    pub fn from_client(raw: &str) -> Token {
        Token(raw.trim().to_string())
    }

    /// Returns the secret, to hand to the client once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Returns what the store keeps in place of the token.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for Token {
    /// Never prints the secret, so that a stray `{:?}` in a log leaks nothing.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Token(..)")
    }
}

/// The SHA-256 of a token: the key of its session in the store.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    /// Returns the hash as bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Rebuilds a hash from stored bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<TokenHash> {
        bytes.try_into().ok().map(TokenHash)
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "TokenHash({}..)", &hex(&self.0)[..8])
    }
}

impl Serialize for TokenHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex(&self.0))
    }
}

impl<'de> Deserialize<'de> for TokenHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = unhex(&text).ok_or_else(|| serde::de::Error::custom("malformed token hash"))?;
        TokenHash::from_slice(&bytes).ok_or_else(|| serde::de::Error::custom("token hash length"))
    }
}

/// A logged-in member's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Hash of the token that opens the session.
    pub token_hash: TokenHash,
    /// Whose session it is.
    pub member: MemberId,
    /// The secret that the session's forms must carry (CSRF protection).
    pub csrf_token: String,
    /// When the member logged in.
    pub created_at: DateTime<Utc>,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
}

impl Session {
    /// Tells whether the session has expired at `now`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }

    /// Tells whether a form's CSRF token is this session's, in constant time.
    pub fn accepts_csrf_token(&self, presented: &str) -> bool {
        constant_time_eq(&self.csrf_token, presented)
    }
}

/// Compares two secrets without revealing through timing how much of them matched.
pub fn constant_time_eq(expected: &str, presented: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

/// Draws a random secret for a form (a CSRF token), as 32 hex digits.
pub fn random_secret() -> Result<String, InternalError> {
    Ok(hex(&random_bytes::<16>()?))
}

fn random_bytes<const N: usize>() -> Result<[u8; N], InternalError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| InternalError::Randomness {
        message: error.to_string(),
    })?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|start| u8::from_str_radix(&text[start..start + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_the_same_each_time() {
        let first = Token::generate().unwrap();
        let second = Token::generate().unwrap();
        assert_ne!(first, second);
        assert_eq!(first.expose().len(), 64);
        assert_eq!(first.hash(), Token::from_client(first.expose()).hash());
        assert_ne!(first.hash(), second.hash());
        assert_eq!(format!("{first:?}"), "Token(..)");
    }

    #[test]
    fn token_hashes_round_trip_through_json() {
        let hash = Token::generate().unwrap().hash();
        let json = serde_json::to_string(&hash).unwrap();
        assert_eq!(serde_json::from_str::<TokenHash>(&json).unwrap(), hash);
        assert!(serde_json::from_str::<TokenHash>("\"zz\"").is_err());
    }

    #[test]
    fn csrf_tokens_compare_exactly() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
        assert!(!constant_time_eq("", ""));
    }
}
