//! Typed record ids, so that a member id can never be passed where a question id is meant.
//!
//! Ids are positive integers handed out by the store in increasing order (a sequence in a
//! relational database), which also makes "newest first" a descending scan by id.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! record_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            /// Returns the id as a number.
            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(formatter, "{}", self.0)
            }
        }

        impl FromStr for $name {
            type Err = ();

            /// Parses an id received from outside: a positive decimal number.
            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                match raw.parse::<u64>() {
                    Ok(value) if value > 0 && !raw.starts_with('+') => Ok($name(value)),
                    _ => Err(()),
                }
            }
        }
    };
}

record_id!(
    /// A member's id.
    MemberId
);
record_id!(
    /// A question's id.
    QuestionId
);
record_id!(
    /// An answer's id.
    AnswerId
);
record_id!(
    /// A connection's (or connection request's) id.
    ConnectionId
);
record_id!(
    /// A message's id.
    MessageId
);
record_id!(
    /// A flag's id.
    FlagId
);
record_id!(
    /// An audit log entry's id.
    AuditId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_from_positive_decimals_only() {
        assert_eq!("42".parse::<MemberId>(), Ok(MemberId(42)));
        for raw in ["0", "-1", "+1", "", "1e3", "x", "18446744073709551616"] {
            assert!(raw.parse::<MemberId>().is_err(), "{raw}");
        }
    }
}
