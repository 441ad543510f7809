//! `agora users`: granting and revoking the moderator role.
//!
//! The community store allows one process at a time, so these commands run while the server
//! is stopped; against a running server they fail with a message that says so.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use agora_community::{Community, CommunityError, CommunitySettings, SledStore, UserError};
use anyhow::Context;

use crate::cli::ModeratorArgs;
use crate::paths::community_dir;

/// Opens the community store in `data`, creating it if needed.
pub fn open_community(data: &Path, settings: CommunitySettings) -> anyhow::Result<Community> {
    let store = SledStore::open(&community_dir(data)).context("opening the community store")?;
    Ok(Community::new(Arc::new(store), settings))
}

pub fn set_moderator(args: &ModeratorArgs, moderator: bool) -> anyhow::Result<ExitCode> {
    let community = open_community(&args.data.data, CommunitySettings::default())?;
    match community.set_moderator_by_email(&args.email, moderator, &args.reason) {
        Ok(member) => {
            let verb = if moderator { "is now" } else { "is no longer" };
            println!("{} <{}> {verb} a moderator", member.name, member.email);
            Ok(ExitCode::SUCCESS)
        }
        Err(CommunityError::User(UserError::NotFound { .. })) => {
            eprintln!("error: no member signed up with `{}`", args.email.trim());
            Ok(ExitCode::FAILURE)
        }
        Err(error) => Err(error).context("changing the moderator role"),
    }
}
