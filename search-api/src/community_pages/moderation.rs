//! The moderation page: the queue of flags, hide / show / dismiss forms, the audit log.

use agora_community::moderation::{AuditEntry, ModerationAction, PostRef};
use agora_community::{FlagView, UserError};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::forms::{FormData, Nav, PageError, PageUser, redirect, render};
use crate::error::ApiError;
use crate::routes::blocking;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "community/moderation.html")]
struct ModerationPage {
    nav: Nav,
    csrf: String,
    flags: Vec<FlagView>,
    log: Vec<AuditEntry>,
}

impl ModerationPage {
    /// How an audit entry's action reads in the log.
    fn action_label(&self, entry: &AuditEntry) -> &'static str {
        match entry.action {
            ModerationAction::Hide => "hid",
            ModerationAction::Unhide => "showed again",
            ModerationAction::DismissFlags => "dismissed the flags on",
            ModerationAction::GrantModerator => "made moderator",
            ModerationAction::RevokeModerator => "removed as moderator",
        }
    }
}

/// `GET /moderation`: moderators only.
pub async fn page_moderation(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Response, PageError> {
    let user = user.require("/moderation")?;
    let community = state.community.clone();
    let member = user.member.clone();
    let (flags, log) = blocking(move || {
        Ok((
            community.moderation_queue(&member)?,
            community.audit_log(&member)?,
        ))
    })
    .await?;
    let page = ModerationPage {
        nav: Nav::for_user(&state, Some(&user)).await?,
        csrf: user.session.csrf_token.clone(),
        flags,
        log,
    };
    Ok(render(&page, StatusCode::OK))
}

/// `POST /moderation/{action}`: `hide`, `unhide` or `dismiss` a `target`, with a `reason`.
pub async fn page_moderation_action(
    State(state): State<AppState>,
    user: PageUser,
    Path(action): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let user = user.require("/moderation")?;
    form.check_csrf(&user)?;
    let target: PostRef = form
        .get("target")
        .parse()
        .map_err(|error: UserError| ApiError::invalid("target", error.to_string()))?;
    let reason = form.get("reason").to_string();
    let community = state.community.clone();
    blocking(move || match action.as_str() {
        "hide" => community.set_post_hidden(&user.member, target, true, &reason),
        "unhide" => community.set_post_hidden(&user.member, target, false, &reason),
        "dismiss" => community
            .dismiss_flags(&user.member, target, &reason)
            .map(drop),
        _ => Err(UserError::not_found("moderation action", action).into()),
    })
    .await?;
    state.index_trigger.request_sync();
    Ok(redirect("/moderation"))
}
