//! Flags, hiding and showing posts, and the audit log.

use serde::Serialize;
use tracing::info;

use super::Community;
use crate::error::{Result, UserError};
use crate::member::Member;
use crate::moderation::{
    Actor, AuditEntry, Flag, MAX_REASON_CHARS, ModerationAction, NewAuditEntry, NewFlag, PostRef,
};
use crate::validate;

/// Entries shown from the audit log, and flags from the queue.
pub const MODERATION_PAGE: usize = 200;

/// A flag with what a moderator needs to judge it.
#[derive(Debug, Clone, Serialize)]
pub struct FlagView {
    /// The flag.
    #[serde(flatten)]
    pub flag: Flag,
    /// The page where the post is (its question's page).
    pub url: Option<String>,
    /// The start of the flagged post, or `None` if it was deleted.
    pub excerpt: Option<String>,
    /// Whether the post is hidden already.
    pub hidden: bool,
}

impl Community {
    /// Records `member`'s flag on a post they can see.
    pub fn flag_post(&self, member: &Member, target: PostRef, reason: &str) -> Result<Flag> {
        let reason = validate::required_text("reason", reason, MAX_REASON_CHARS)?;
        match target {
            PostRef::Question(id) => {
                self.visible_question(Some(member), id)?;
            }
            PostRef::Answer(id) => {
                self.visible_answer(Some(member), id)?;
            }
        }
        self.store.insert_flag(&NewFlag {
            reporter: member.id,
            target,
            reason,
            created_at: self.now(),
        })
    }

    /// Lists unresolved flags, oldest first: the moderation queue.
    pub fn moderation_queue(&self, moderator: &Member) -> Result<Vec<FlagView>> {
        require_moderator(moderator)?;
        let mut views = Vec::new();
        for flag in self.store.open_flags(MODERATION_PAGE)? {
            let (url, excerpt, hidden) = match flag.target {
                PostRef::Question(id) => match self.store.question(id)? {
                    Some(question) => (
                        Some(crate::publish::question_url(id)),
                        Some(agora_indexer::text::excerpt(&question.title, 200)),
                        question.hidden,
                    ),
                    None => (None, None, false),
                },
                PostRef::Answer(id) => match self.store.answer(id)? {
                    Some(answer) => (
                        Some(crate::publish::question_url(answer.question)),
                        Some(agora_indexer::text::excerpt(&answer.body, 200)),
                        answer.hidden,
                    ),
                    None => (None, None, false),
                },
            };
            views.push(FlagView {
                flag,
                url,
                excerpt,
                hidden,
            });
        }
        Ok(views)
    }

    /// Hides (or shows again) a post, resolving its flags, and logs the action.
    pub fn set_post_hidden(
        &self,
        moderator: &Member,
        target: PostRef,
        hidden: bool,
        reason: &str,
    ) -> Result<()> {
        require_moderator(moderator)?;
        let reason = validate::required_text("reason", reason, MAX_REASON_CHARS)?;
        let question = match target {
            PostRef::Question(id) => self
                .store
                .question(id)?
                .map(|question| (question.id, question.hidden)),
            PostRef::Answer(id) => self
                .store
                .answer(id)?
                .map(|answer| (answer.question, answer.hidden)),
        };
        let Some((question, currently_hidden)) = question else {
            return Err(UserError::not_found("post", target).into());
        };
        if currently_hidden == hidden {
            return Err(UserError::Conflict {
                message: format!(
                    "{target} is {} already",
                    if hidden { "hidden" } else { "visible" }
                ),
            }
            .into());
        }
        let action = if hidden {
            ModerationAction::Hide
        } else {
            ModerationAction::Unhide
        };
        self.store.set_hidden(
            target,
            hidden,
            &self.audit(moderator, action, target, reason),
        )?;
        info!(member_id = moderator.id.get(), target = %target, hidden, "post moderated");
        self.publish_question(question);
        Ok(())
    }

    /// Resolves the flags on a post without hiding it, and logs the action.
    pub fn dismiss_flags(&self, moderator: &Member, target: PostRef, reason: &str) -> Result<u64> {
        require_moderator(moderator)?;
        let reason = validate::required_text("reason", reason, MAX_REASON_CHARS)?;
        self.store.dismiss_flags(
            target,
            &self.audit(moderator, ModerationAction::DismissFlags, target, reason),
        )
    }

    /// Returns the audit log, newest first.
    pub fn audit_log(&self, moderator: &Member) -> Result<Vec<AuditEntry>> {
        require_moderator(moderator)?;
        self.store.audit_log(MODERATION_PAGE)
    }

    fn audit(
        &self,
        moderator: &Member,
        action: ModerationAction,
        target: PostRef,
        reason: String,
    ) -> NewAuditEntry {
        NewAuditEntry {
            actor: Actor::Member(moderator.id),
            action,
            target: target.to_string(),
            reason,
            at: self.now(),
        }
    }
}

fn require_moderator(member: &Member) -> Result<()> {
    if member.moderator {
        return Ok(());
    }
    Err(UserError::forbidden("only moderators can do this").into())
}
