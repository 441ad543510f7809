//! Members and their public profiles.
//!
//! A [`Member`] as stored carries the email address and the password hash; what anyone else
//! sees is a [`PublicProfile`], which has neither.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::UserError;
use crate::id::MemberId;
use crate::validate;

/// Longest display name.
const MAX_NAME_CHARS: usize = 80;

/// Longest role (job title) and organisation.
const MAX_ROLE_CHARS: usize = 120;

/// Longest bio: a short introduction, not a CV.
const MAX_BIO_CHARS: usize = 1_000;

/// The tier of government a member works in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GovernmentLevel {
    /// A city, town or municipality.
    Municipal,
    /// A region, state or province.
    Regional,
    /// A national government.
    National,
    /// An international body.
    International,
}

impl GovernmentLevel {
    /// Every level, from the most local.
    pub const ALL: [GovernmentLevel; 4] = [
        GovernmentLevel::Municipal,
        GovernmentLevel::Regional,
        GovernmentLevel::National,
        GovernmentLevel::International,
    ];

    /// Returns the level's name, as in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            GovernmentLevel::Municipal => "municipal",
            GovernmentLevel::Regional => "regional",
            GovernmentLevel::National => "national",
            GovernmentLevel::International => "international",
        }
    }
}

impl fmt::Display for GovernmentLevel {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for GovernmentLevel {
    type Err = UserError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|level| level.as_str() == raw.trim())
            .ok_or_else(|| {
                UserError::invalid(
                    "level",
                    "level is one of municipal, regional, national, international",
                )
            })
    }
}

/// What a member tells others about their work.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Job title or role ("head of digital services").
    #[serde(default)]
    pub role: String,
    /// Employer: a municipality, a ministry, an agency.
    #[serde(default)]
    pub organisation: String,
    /// Tier of government.
    #[serde(default)]
    pub level: Option<GovernmentLevel>,
    /// ISO 3166-1 alpha-2 code, or `INT`.
    #[serde(default)]
    pub country: Option<String>,
    /// ISO 639-1 codes of the languages the member reads and writes.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Topic slugs the member follows or knows about.
    #[serde(default)]
    pub topics: Vec<String>,
    /// A short introduction.
    #[serde(default)]
    pub bio: String,
}

/// A member as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member's id.
    pub id: MemberId,
    /// Lowercased email address; unique; never shown to other members.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Argon2id hash in PHC string format.
    pub password_hash: String,
    /// Whether the member may hide posts and read the audit log.
    #[serde(default)]
    pub moderator: bool,
    /// The public profile.
    #[serde(default)]
    pub profile: Profile,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// A member about to be stored; the store assigns the id.
#[derive(Debug, Clone)]
pub struct NewMember {
    /// See [`Member::email`].
    pub email: String,
    /// See [`Member::name`].
    pub name: String,
    /// See [`Member::password_hash`].
    pub password_hash: String,
    /// See [`Member::created_at`].
    pub created_at: DateTime<Utc>,
}

/// What anyone may see of a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicProfile {
    /// The member's id.
    pub id: MemberId,
    /// Display name.
    pub name: String,
    /// Job title.
    pub role: String,
    /// Employer.
    pub organisation: String,
    /// Tier of government.
    pub level: Option<GovernmentLevel>,
    /// Country code.
    pub country: Option<String>,
    /// Language codes.
    pub languages: Vec<String>,
    /// Topic slugs.
    pub topics: Vec<String>,
    /// Short introduction.
    pub bio: String,
    /// Whether the member moderates.
    pub moderator: bool,
    /// When the member joined.
    pub joined_at: DateTime<Utc>,
}

impl From<&Member> for PublicProfile {
    fn from(member: &Member) -> Self {
        let profile = &member.profile;
        PublicProfile {
            id: member.id,
            name: member.name.clone(),
            role: profile.role.clone(),
            organisation: profile.organisation.clone(),
            level: profile.level,
            country: profile.country.clone(),
            languages: profile.languages.clone(),
            topics: profile.topics.clone(),
            bio: profile.bio.clone(),
            moderator: member.moderator,
            joined_at: member.created_at,
        }
    }
}

/// Changes a member makes to their own profile; absent fields stay as they are, and an empty
/// `level` or `country` clears it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    /// New display name.
    pub name: Option<String>,
    /// New job title.
    pub role: Option<String>,
    /// New employer.
    pub organisation: Option<String>,
    /// New tier of government, or empty to clear.
    pub level: Option<String>,
    /// New country code, or empty to clear.
    pub country: Option<String>,
    /// New languages (replacing the old list).
    pub languages: Option<Vec<String>>,
    /// New topics (replacing the old list).
    pub topics: Option<Vec<String>>,
    /// New bio.
    pub bio: Option<String>,
}

impl ProfileUpdate {
    /// Applies the update to `member` after checking every field; nothing changes on error.
    pub fn apply(&self, member: &mut Member) -> Result<(), UserError> {
        let mut updated = member.clone();
        if let Some(name) = &self.name {
            updated.name = display_name(name)?;
        }
        let profile = &mut updated.profile;
        if let Some(role) = &self.role {
            profile.role = validate::optional_text("role", role, MAX_ROLE_CHARS)?;
        }
        if let Some(organisation) = &self.organisation {
            profile.organisation =
                validate::optional_text("organisation", organisation, MAX_ROLE_CHARS)?;
        }
        if let Some(level) = &self.level {
            profile.level = match level.trim() {
                "" => None,
                other => Some(other.parse()?),
            };
        }
        if let Some(country) = &self.country {
            profile.country = validate::country("country", country)?;
        }
        if let Some(languages) = &self.languages {
            profile.languages = validate::languages("languages", languages)?;
        }
        if let Some(topics) = &self.topics {
            profile.topics = validate::topics("topics", topics)?;
        }
        if let Some(bio) = &self.bio {
            profile.bio = validate::optional_text("bio", bio, MAX_BIO_CHARS)?;
        }
        *member = updated;
        Ok(())
    }
}

/// Checks and trims a display name.
pub fn display_name(raw: &str) -> Result<String, UserError> {
    let name = validate::required_text("name", raw, MAX_NAME_CHARS)?;
    if name.contains(['\n', '\r', '\t']) {
        return Err(UserError::invalid("name", "name is a single line"));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member() -> Member {
        Member {
            id: MemberId(1),
            email: "ana@example.org".into(),
            name: "Ana".into(),
            password_hash: String::new(),
            moderator: false,
            profile: Profile::default(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn an_update_changes_only_the_fields_it_names() {
        let mut ana = member();
        let update = ProfileUpdate {
            role: Some("Head of digital services".into()),
            level: Some("municipal".into()),
            country: Some("BR".into()),
            languages: Some(vec!["pt".into(), "en".into()]),
            ..ProfileUpdate::default()
        };
        update.apply(&mut ana).unwrap();
        assert_eq!(ana.name, "Ana");
        assert_eq!(ana.profile.level, Some(GovernmentLevel::Municipal));
        assert_eq!(ana.profile.country.as_deref(), Some("BR"));

        let clear = ProfileUpdate {
            level: Some(String::new()),
            ..ProfileUpdate::default()
        };
        clear.apply(&mut ana).unwrap();
        assert_eq!(ana.profile.level, None);
        assert_eq!(ana.profile.role, "Head of digital services");
    }

    #[test]
    fn an_invalid_field_leaves_the_member_unchanged() {
        let mut ana = member();
        let update = ProfileUpdate {
            name: Some("Ana Maria".into()),
            country: Some("Brasil".into()),
            ..ProfileUpdate::default()
        };
        let error = update.apply(&mut ana).unwrap_err();
        assert!(matches!(
            error,
            UserError::Invalid {
                field: "country",
                ..
            }
        ));
        assert_eq!(ana, member_with_same_time(&ana));
    }

    fn member_with_same_time(original: &Member) -> Member {
        Member {
            created_at: original.created_at,
            ..member()
        }
    }

    #[test]
    fn the_bio_is_length_limited() {
        let mut ana = member();
        let update = ProfileUpdate {
            bio: Some("x".repeat(MAX_BIO_CHARS + 1)),
            ..ProfileUpdate::default()
        };
        assert!(update.apply(&mut ana).is_err());
    }
}
