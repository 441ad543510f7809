//! Password hashing (argon2id) and the strength rule for new passwords.

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use tracing::warn;

use crate::error::{InternalError, UserError};

/// Shortest password accepted. Length beats composition rules (NIST SP 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Longest password accepted: enough for any passphrase, and a bound on hashing work.
const MAX_PASSWORD_CHARS: usize = 256;

/// Frequent passwords of ten characters or more, from public breach statistics; a password
/// on this list is refused whatever its length.
const COMMON_PASSWORDS: &[&str] = &[
    "0000000000",
    "0123456789",
    "1111111111",
    "1234567890",
    "123456789a",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "abcd123456",
    "abcdefghij",
    "administrator",
    "asdfghjkl1",
    "changeme123",
    "football123",
    "iloveyou123",
    "letmein1234",
    "michael123",
    "passw0rd123",
    "password12",
    "password123",
    "password1234",
    "password!23",
    "princess123",
    "q1w2e3r4t5",
    "qazwsxedc123",
    "qwerty1234",
    "qwerty12345",
    "qwertyuiop",
    "sunshine123",
    "welcome123",
    "welcome1234",
    "zaq12wsxcde",
];

/// How much work hashing one password costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over that memory.
    pub iterations: u32,
}

impl Default for HashingCost {
    /// The OWASP recommendation for argon2id: 19 MiB, two passes, one lane.
    fn default() -> Self {
        HashingCost {
            memory_kib: 19 * 1024,
            iterations: 2,
        }
    }
}

impl HashingCost {
    /// The cheapest parameters argon2 accepts: for tests only, where hashing dozens of
    /// passwords must not dominate the run.
    #[cfg(any(test, feature = "testing"))]
    pub fn cheapest() -> HashingCost {
        HashingCost {
            memory_kib: Params::MIN_M_COST,
            iterations: 1,
        }
    }

    fn hasher(self) -> Result<Argon2<'static>, InternalError> {
        let params = Params::new(self.memory_kib, self.iterations, 1, None).map_err(|error| {
            InternalError::Hashing {
                message: error.to_string(),
            }
        })?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// Hashes `password` with a fresh random salt; returns the PHC string to store.
pub fn hash_password(password: &str, cost: HashingCost) -> Result<String, InternalError> {
    let hash = cost
        .hasher()?
        .hash_password(password.as_bytes())
        .map_err(|error| InternalError::Hashing {
            message: error.to_string(),
        })?;
    Ok(hash.to_string())
}

/// Tells whether `password` matches `stored_hash`, with the parameters recorded in the hash.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    match Argon2::default().verify_password(password.as_bytes(), stored_hash) {
        Ok(()) => true,
        Err(argon2::password_hash::Error::PasswordInvalid) => false,
        Err(error) => {
            warn!(error = %error, "stored password hash cannot be checked");
            false
        }
    }
}

/// A hash of no one's password, checked when the email is unknown so that a login takes
/// as long whether or not the account exists.
pub fn decoy_hash(cost: HashingCost) -> Result<String, InternalError> {
    hash_password("decoy password that matches nobody", cost)
}

/// Refuses passwords that are short, common, one repeated character, or the member's own
/// email or name.
pub fn check_strength(password: &str, email: &str, name: &str) -> Result<(), UserError> {
    let num_chars = password.chars().count();
    if num_chars < MIN_PASSWORD_CHARS {
        return Err(UserError::invalid(
            "password",
            format!(
                "a password has at least {MIN_PASSWORD_CHARS} characters; a few words make a good one"
            ),
        ));
    }
    if num_chars > MAX_PASSWORD_CHARS {
        return Err(UserError::invalid(
            "password",
            format!("a password has at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let lower = password.to_lowercase();
    let mut chars = lower.chars();
    let first = chars.next();
    let is_one_character = chars.all(|c| Some(c) == first);
    let local_part = email.split('@').next().unwrap_or_default().to_lowercase();
    let is_personal = lower == email.to_lowercase()
        || (local_part.chars().count() >= 4 && lower.contains(&local_part))
        || lower == name.trim().to_lowercase();
    if is_one_character || is_personal || COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Err(UserError::invalid(
            "password",
            "this password is too easy to guess; choose a less common one",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let hash = hash_password("correct horse battery", HashingCost::cheapest()).unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery!", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn the_same_password_gets_a_new_salt_each_time() {
        let first = hash_password("correct horse battery", HashingCost::cheapest()).unwrap();
        let second = hash_password("correct horse battery", HashingCost::cheapest()).unwrap();
        assert_ne!(first, second);
    }

    #[test]
    fn weak_passwords_are_refused() {
        for weak in [
            "short",
            "Password123",
            "aaaaaaaaaaaa",
            "ana.souza@example.org",
            "ana.souza2024",
            "Ana Souza Lima",
        ] {
            assert!(
                check_strength(weak, "ana.souza@example.org", "Ana Souza Lima").is_err(),
                "{weak}"
            );
        }
        assert!(check_strength("flood gauges at dawn", "ana@example.org", "Ana").is_ok());
    }
}
