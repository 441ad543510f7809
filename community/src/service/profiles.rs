//! Public profiles and the people directory.

use std::collections::HashMap;

use super::Community;
use crate::error::{Result, UserError};
use crate::id::MemberId;
use crate::member::{Member, ProfileUpdate, PublicProfile};
use crate::store::MemberFilter;

/// Most members listed on one directory page.
pub const MAX_DIRECTORY_PAGE: usize = 100;

impl Community {
    /// Returns the public profile of member `id`.
    pub fn profile(&self, id: MemberId) -> Result<PublicProfile> {
        let member = self
            .store
            .member(id)?
            .ok_or_else(|| UserError::not_found("member", id))?;
        Ok(PublicProfile::from(&member))
    }

    /// Applies `update` to the member's own profile and returns the result.
    pub fn update_profile(&self, member: &Member, update: &ProfileUpdate) -> Result<PublicProfile> {
        let mut updated = member.clone();
        update.apply(&mut updated)?;
        self.store.update_profile(&updated)?;
        Ok(PublicProfile::from(&updated))
    }

    /// Lists members passing `filter` (at most [`MAX_DIRECTORY_PAGE`]).
    pub fn directory(&self, filter: &MemberFilter) -> Result<Vec<PublicProfile>> {
        let filter = MemberFilter {
            limit: filter.limit.clamp(1, MAX_DIRECTORY_PAGE),
            ..filter.clone()
        };
        Ok(self
            .store
            .members(&filter)?
            .iter()
            .map(PublicProfile::from)
            .collect())
    }

    /// Returns the display names of `ids`; members that no longer exist are left out.
    pub fn names(
        &self,
        ids: impl IntoIterator<Item = MemberId>,
    ) -> Result<HashMap<MemberId, String>> {
        let mut names = HashMap::new();
        for id in ids {
            if names.contains_key(&id) {
                continue;
            }
            if let Some(member) = self.store.member(id)? {
                names.insert(id, member.name);
            }
        }
        Ok(names)
    }
}
