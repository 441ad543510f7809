//! Sign-up, login, sessions, logout and password changes.

use serde::Deserialize;
use tracing::info;

use super::Community;
use crate::error::{Result, UserError};
use crate::member::{Member, NewMember, display_name};
use crate::moderation::{Actor, ModerationAction, NewAuditEntry};
use crate::password::{check_strength, decoy_hash, hash_password, verify_password};
use crate::session::{Session, Token, random_secret};
use crate::validate;

/// What signing up takes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    /// Email address; it identifies the account at login.
    pub email: String,
    /// Password, in clear, over TLS.
    pub password: String,
    /// Display name.
    pub name: String,
}

/// A fresh session: the token to hand to the client once, and the session it opens.
#[derive(Debug)]
pub struct LoggedIn {
    /// The secret; only its hash is stored.
    pub token: Token,
    /// The session.
    pub session: Session,
    /// Who logged in.
    pub member: Member,
}

/// A member proven by a valid session token.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The member, as stored now.
    pub member: Member,
    /// The session the token opened.
    pub session: Session,
}

impl Community {
    /// Creates an account; the email must be new and the password strong enough.
    pub fn sign_up(&self, request: &SignUp) -> Result<Member> {
        let email = validate::email(&request.email)?;
        let name = display_name(&request.name)?;
        check_strength(&request.password, &email, &name)?;
        let password_hash = hash_password(&request.password, self.settings.password_cost)?;
        let member = self.store.insert_member(&NewMember {
            email,
            name,
            password_hash,
            created_at: self.now(),
        })?;
        info!(member_id = member.id.get(), "member signed up");
        Ok(member)
    }

    /// Checks the credentials and opens a session.
    ///
    /// Failures are counted per account and per `client_address`; past either limit, the
    /// attempt is refused before the password is even checked.
    pub fn log_in(&self, email: &str, password: &str, client_address: &str) -> Result<LoggedIn> {
        let now = self.now();
        let email = email.trim().to_lowercase();
        let account_key = format!("account:{email}");
        let address_key = format!("address:{client_address}");
        let wait = [
            self.account_failures.wait_time(&account_key, now),
            self.address_failures.wait_time(&address_key, now),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(wait) = wait {
            return Err(UserError::RateLimited {
                retry_after_secs: wait.num_seconds().max(1) as u64,
            }
            .into());
        }

        let member = self.store.member_by_email(&email)?;
        let matches = match &member {
            Some(member) => verify_password(password, &member.password_hash),
            None => {
                // Hash anyway, so that the answer comes as late for unknown accounts.
                let decoy = match self.decoy_hash.get() {
                    Some(decoy) => decoy,
                    None => {
                        let decoy = decoy_hash(self.settings.password_cost)?;
                        self.decoy_hash.get_or_init(|| decoy)
                    }
                };
                verify_password(password, decoy);
                false
            }
        };
        let Some(member) = member.filter(|_| matches) else {
            self.account_failures.record_failure(&account_key, now);
            self.address_failures.record_failure(&address_key, now);
            return Err(UserError::WrongCredentials.into());
        };
        self.account_failures.clear(&account_key);

        let token = Token::generate()?;
        let session = Session {
            token_hash: token.hash(),
            member: member.id,
            csrf_token: random_secret()?,
            created_at: now,
            expires_at: now + self.settings.session_ttl,
        };
        self.store.insert_session(&session)?;
        info!(member_id = member.id.get(), "member logged in");
        Ok(LoggedIn {
            token,
            session,
            member,
        })
    }

    /// Finds the member whose session `token` opens; expired sessions are ended on sight.
    pub fn authenticate(&self, token: &Token) -> Result<Authenticated> {
        let hash = token.hash();
        let Some(session) = self.store.session(&hash)? else {
            return Err(UserError::SessionExpired.into());
        };
        if session.is_expired(self.now()) {
            self.store.delete_session(&hash)?;
            return Err(UserError::SessionExpired.into());
        }
        let Some(member) = self.store.member(session.member)? else {
            return Err(UserError::SessionExpired.into());
        };
        Ok(Authenticated { member, session })
    }

    /// Ends the session `token` opens; ending an unknown session is not an error.
    pub fn log_out(&self, token: &Token) -> Result<()> {
        self.store.delete_session(&token.hash())
    }

    /// Ends an authenticated member's current session.
    pub fn end_session(&self, viewer: &Authenticated) -> Result<()> {
        self.store.delete_session(&viewer.session.token_hash)
    }

    /// Replaces the member's password after checking the current one, and ends every other
    /// session of theirs: whoever knew the old password is logged out.
    pub fn change_password(
        &self,
        viewer: &Authenticated,
        current_password: &str,
        new_password: &str,
    ) -> Result<()> {
        let member = &viewer.member;
        if !verify_password(current_password, &member.password_hash) {
            return Err(
                UserError::invalid("current_password", "the current password is wrong").into(),
            );
        }
        check_strength(new_password, &member.email, &member.name)?;
        let hash = hash_password(new_password, self.settings.password_cost)?;
        self.store
            .change_password(member.id, &hash, Some(&viewer.session.token_hash))?;
        info!(member_id = member.id.get(), "password changed");
        Ok(())
    }

    /// Grants or revokes the moderator role of the member with `email`, as an operator on
    /// the command line; the change goes in the audit log.
    pub fn set_moderator_by_email(
        &self,
        email: &str,
        moderator: bool,
        reason: &str,
    ) -> Result<Member> {
        let email = email.trim().to_lowercase();
        let mut member = self
            .store
            .member_by_email(&email)?
            .ok_or_else(|| UserError::not_found("member", &email))?;
        let audit = NewAuditEntry {
            actor: Actor::CommandLine,
            action: if moderator {
                ModerationAction::GrantModerator
            } else {
                ModerationAction::RevokeModerator
            },
            target: format!("member:{}", member.id),
            reason: reason.to_string(),
            at: self.now(),
        };
        self.store.set_moderator(member.id, moderator, &audit)?;
        member.moderator = moderator;
        Ok(member)
    }

    /// Deletes expired sessions; returns how many.
    pub fn sweep_sessions(&self) -> Result<u64> {
        self.store.delete_expired_sessions(self.now())
    }
}
