//! Asking, answering, voting, accepting, and keeping the search index in step.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing::{error, info};

use super::Community;
use crate::error::{Result, UserError};
use crate::id::{AnswerId, MemberId, QuestionId};
use crate::markdown::render_html;
use crate::member::Member;
use crate::publish::{question_doc_id, question_document, question_url};
use crate::question::{
    Answer, MAX_BODY_CHARS, MAX_TITLE_CHARS, NewAnswer, NewQuestion, Question, QuestionFilter, Vote,
};
use crate::validate;

/// Most questions listed on one page.
pub const MAX_QUESTIONS_PAGE: usize = 100;

/// A new question, as the member writes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionDraft {
    /// One line that says what is asked.
    pub title: String,
    /// Details, in Markdown.
    pub body: String,
    /// Topics, as typed; they become slugs.
    #[serde(default)]
    pub topics: Vec<String>,
    /// The country concerned, if one.
    #[serde(default)]
    pub country: Option<String>,
}

/// Changes to a question; absent fields stay, an empty `country` clears it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionEdit {
    /// New title.
    pub title: Option<String>,
    /// New body.
    pub body: Option<String>,
    /// New topics.
    pub topics: Option<Vec<String>>,
    /// New country, or empty to clear.
    pub country: Option<String>,
}

/// Who wrote a post, as shown beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorRef {
    /// The member's id.
    pub id: MemberId,
    /// Their display name, or "former member" when the account is gone.
    pub name: String,
}

/// A question with its answers, as one member sees it.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionView {
    /// The question's id.
    pub id: QuestionId,
    /// The page of the question.
    pub url: String,
    /// Title.
    pub title: String,
    /// Body as written (Markdown).
    pub body: String,
    /// Body rendered to safe HTML.
    pub body_html: String,
    /// Topic slugs.
    pub topics: Vec<String>,
    /// Country concerned.
    pub country: Option<String>,
    /// Who asked.
    pub author: AuthorRef,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub edited_at: Option<DateTime<Utc>>,
    /// The accepted answer.
    pub accepted_answer: Option<AnswerId>,
    /// Visible answers.
    pub num_answers: u32,
    /// Hidden by a moderator (then shown only to moderators and the author).
    pub hidden: bool,
    /// The answers the viewer may see: the accepted one first, then by score, then oldest.
    pub answers: Vec<AnswerView>,
}

/// An answer, as one member sees it.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerView {
    /// The answer's id.
    pub id: AnswerId,
    /// Who answered.
    pub author: AuthorRef,
    /// Body as written (Markdown).
    pub body: String,
    /// Body rendered to safe HTML.
    pub body_html: String,
    /// Up votes minus down votes.
    pub score: i64,
    /// Whether the asker accepted it.
    pub accepted: bool,
    /// Hidden by a moderator.
    pub hidden: bool,
    /// The viewer's own vote, if logged in: 1, -1 or 0.
    pub my_vote: Option<Vote>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub edited_at: Option<DateTime<Utc>>,
}

/// A question in a list.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionSummary {
    /// The question's id.
    pub id: QuestionId,
    /// The page of the question.
    pub url: String,
    /// Title.
    pub title: String,
    /// Who asked.
    pub author: AuthorRef,
    /// Topic slugs.
    pub topics: Vec<String>,
    /// Country concerned.
    pub country: Option<String>,
    /// Visible answers.
    pub num_answers: u32,
    /// Whether an answer was accepted.
    pub accepted: bool,
    /// Hidden by a moderator.
    pub hidden: bool,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl Community {
    /// Stores a new question by `author` and publishes it for search.
    pub fn ask(&self, author: &Member, draft: &QuestionDraft) -> Result<Question> {
        let question = self.store.insert_question(&NewQuestion {
            author: author.id,
            title: validate::required_text("title", &draft.title, MAX_TITLE_CHARS)?,
            body: validate::required_text("body", &draft.body, MAX_BODY_CHARS)?,
            topics: validate::topics("topics", &draft.topics)?,
            country: validate::country("country", draft.country.as_deref().unwrap_or(""))?,
            created_at: self.now(),
        })?;
        info!(
            question_id = question.id.get(),
            member_id = author.id.get(),
            "question asked"
        );
        self.publish_question(question.id);
        Ok(question)
    }

    /// Returns a question with its answers as `viewer` may see it.
    pub fn question(&self, viewer: Option<&Member>, id: QuestionId) -> Result<QuestionView> {
        let question = self.visible_question(viewer, id)?;
        let answers: Vec<Answer> = self
            .store
            .answers_to(id)?
            .into_iter()
            .filter(|answer| may_see(viewer, answer.hidden, answer.author))
            .collect();
        let votes: HashMap<AnswerId, Vote> = match viewer {
            Some(viewer) => {
                let ids: Vec<AnswerId> = answers.iter().map(|answer| answer.id).collect();
                self.store.votes_by(viewer.id, &ids)?.into_iter().collect()
            }
            None => HashMap::new(),
        };
        let names = self.names(
            std::iter::once(question.author).chain(answers.iter().map(|answer| answer.author)),
        )?;

        let mut answer_views: Vec<AnswerView> = answers
            .into_iter()
            .map(|answer| AnswerView {
                author: author_ref(&names, answer.author),
                body_html: render_html(&answer.body),
                accepted: question.accepted_answer == Some(answer.id),
                my_vote: viewer.map(|_| votes.get(&answer.id).copied().unwrap_or(Vote::None)),
                id: answer.id,
                body: answer.body,
                score: answer.score,
                hidden: answer.hidden,
                created_at: answer.created_at,
                edited_at: answer.edited_at,
            })
            .collect();
        answer_views.sort_by(|a, b| {
            b.accepted
                .cmp(&a.accepted)
                .then(b.score.cmp(&a.score))
                .then(a.id.cmp(&b.id))
        });

        Ok(QuestionView {
            id: question.id,
            url: question_url(question.id),
            author: author_ref(&names, question.author),
            body_html: render_html(&question.body),
            title: question.title,
            body: question.body,
            topics: question.topics,
            country: question.country,
            created_at: question.created_at,
            edited_at: question.edited_at,
            accepted_answer: question.accepted_answer,
            num_answers: question.num_answers,
            hidden: question.hidden,
            answers: answer_views,
        })
    }

    /// Lists questions passing `filter`, newest first; hidden ones only for moderators.
    pub fn list_questions(
        &self,
        viewer: Option<&Member>,
        filter: &QuestionFilter,
    ) -> Result<Vec<QuestionSummary>> {
        let filter = QuestionFilter {
            include_hidden: viewer.is_some_and(|viewer| viewer.moderator),
            limit: filter.limit.clamp(1, MAX_QUESTIONS_PAGE),
            ..filter.clone()
        };
        let questions = self.store.questions(&filter)?;
        let names = self.names(questions.iter().map(|question| question.author))?;
        Ok(questions
            .into_iter()
            .map(|question| QuestionSummary {
                id: question.id,
                url: question_url(question.id),
                author: author_ref(&names, question.author),
                title: question.title,
                topics: question.topics,
                country: question.country,
                num_answers: question.num_answers,
                accepted: question.accepted_answer.is_some(),
                hidden: question.hidden,
                created_at: question.created_at,
            })
            .collect())
    }

    /// Applies the author's edit to their question.
    pub fn edit_question(
        &self,
        member: &Member,
        id: QuestionId,
        edit: &QuestionEdit,
    ) -> Result<Question> {
        let mut question = self.visible_question(Some(member), id)?;
        if question.author != member.id {
            return Err(UserError::forbidden("only its author can edit a question").into());
        }
        if let Some(title) = &edit.title {
            question.title = validate::required_text("title", title, MAX_TITLE_CHARS)?;
        }
        if let Some(body) = &edit.body {
            question.body = validate::required_text("body", body, MAX_BODY_CHARS)?;
        }
        if let Some(topics) = &edit.topics {
            question.topics = validate::topics("topics", topics)?;
        }
        if let Some(country) = &edit.country {
            question.country = validate::country("country", country)?;
        }
        question.edited_at = Some(self.now());
        self.store.update_question(&question)?;
        self.publish_question(id);
        Ok(question)
    }

    /// Deletes the author's question, unless others have answered it: their answers would
    /// go with it.
    pub fn delete_question(&self, member: &Member, id: QuestionId) -> Result<()> {
        let question = self.visible_question(Some(member), id)?;
        if question.author != member.id {
            return Err(UserError::forbidden("only its author can delete a question").into());
        }
        let answered_by_others = self
            .store
            .answers_to(id)?
            .iter()
            .any(|answer| answer.author != member.id);
        if answered_by_others {
            return Err(UserError::Conflict {
                message: "others have answered this question, so it stays; edit it instead"
                    .to_string(),
            }
            .into());
        }
        self.store.delete_question(id)?;
        info!(question_id = id.get(), "question deleted");
        self.publish_question(id);
        Ok(())
    }

    /// Stores `member`'s answer to a question.
    pub fn answer_question(&self, member: &Member, id: QuestionId, body: &str) -> Result<Answer> {
        self.visible_question(Some(member), id)?;
        let answer = self.store.insert_answer(&NewAnswer {
            question: id,
            author: member.id,
            body: validate::required_text("body", body, MAX_BODY_CHARS)?,
            created_at: self.now(),
        })?;
        info!(
            question_id = id.get(),
            member_id = member.id.get(),
            "question answered"
        );
        self.publish_question(id);
        Ok(answer)
    }

    /// Replaces the body of the author's answer.
    pub fn edit_answer(&self, member: &Member, id: AnswerId, body: &str) -> Result<Answer> {
        let mut answer = self.visible_answer(Some(member), id)?;
        if answer.author != member.id {
            return Err(UserError::forbidden("only its author can edit an answer").into());
        }
        answer.body = validate::required_text("body", body, MAX_BODY_CHARS)?;
        answer.edited_at = Some(self.now());
        self.store.update_answer(&answer)?;
        self.publish_question(answer.question);
        Ok(answer)
    }

    /// Deletes the author's answer; returns the question it answered.
    pub fn delete_answer(&self, member: &Member, id: AnswerId) -> Result<QuestionId> {
        let answer = self.visible_answer(Some(member), id)?;
        if answer.author != member.id {
            return Err(UserError::forbidden("only its author can delete an answer").into());
        }
        self.store.delete_answer(id)?;
        self.publish_question(answer.question);
        Ok(answer.question)
    }

    /// Records `member`'s vote on an answer (replacing an earlier one); returns the score.
    pub fn vote(&self, member: &Member, id: AnswerId, vote: Vote) -> Result<i64> {
        let answer = self.visible_answer(Some(member), id)?;
        if answer.author == member.id {
            return Err(UserError::forbidden("members cannot vote on their own answers").into());
        }
        let score = self.store.set_vote(id, member.id, vote)?;
        self.publish_question(answer.question);
        Ok(score)
    }

    /// Marks an answer as the one that solved the question (or none); only the asker may.
    pub fn accept_answer(
        &self,
        member: &Member,
        id: QuestionId,
        answer: Option<AnswerId>,
    ) -> Result<()> {
        let mut question = self.visible_question(Some(member), id)?;
        if question.author != member.id {
            return Err(UserError::forbidden("only the asker can accept an answer").into());
        }
        if let Some(answer_id) = answer {
            let accepted = self.visible_answer(Some(member), answer_id)?;
            if accepted.question != id || accepted.hidden {
                return Err(UserError::invalid(
                    "answer_id",
                    format!("answer {answer_id} does not answer question {id}"),
                )
                .into());
            }
        }
        question.accepted_answer = answer;
        self.store.update_question(&question)?;
        self.publish_question(id);
        Ok(())
    }

    /// Rewrites the search document of every question, removing those that are hidden; run
    /// at start-up, it repairs what a crash between a post and its publication left behind.
    /// Unchanged documents cost no index work: the document store skips identical content.
    pub fn publish_all_questions(&self) -> Result<u64> {
        let mut num_published = 0;
        let mut before = None;
        loop {
            let page = self.store.questions(&QuestionFilter {
                include_hidden: true,
                before,
                limit: MAX_QUESTIONS_PAGE,
                ..QuestionFilter::default()
            })?;
            let Some(last) = page.last() else {
                return Ok(num_published);
            };
            before = Some(last.id);
            for question in &page {
                self.try_publish(question.id)?;
                num_published += 1;
            }
        }
    }

    /// Brings the search document of question `id` in line with the community store.
    ///
    /// A failure here is logged, not returned: the post itself is stored, and the next
    /// start-up republishes it.
    pub(crate) fn publish_question(&self, id: QuestionId) {
        if let Err(error) = self.try_publish(id) {
            error!(question_id = id.get(), error = %error, "publishing a question for search failed");
        }
    }

    fn try_publish(&self, id: QuestionId) -> Result<()> {
        let Some(documents) = &self.documents else {
            return Ok(());
        };
        match self.store.question(id)? {
            Some(question) if !question.hidden => {
                let answers = self.store.answers_to(id)?;
                documents.put_document(&question_document(&question, &answers, self.now()))?;
            }
            _ => {
                documents.delete_document(&question_doc_id(id))?;
            }
        }
        Ok(())
    }

    /// Returns the question if `viewer` may see it; a hidden one is "not found" to others.
    pub(crate) fn visible_question(
        &self,
        viewer: Option<&Member>,
        id: QuestionId,
    ) -> Result<Question> {
        match self.store.question(id)? {
            Some(question) if may_see(viewer, question.hidden, question.author) => Ok(question),
            _ => Err(UserError::not_found("question", id).into()),
        }
    }

    /// Returns the answer if `viewer` may see it and its question.
    pub(crate) fn visible_answer(&self, viewer: Option<&Member>, id: AnswerId) -> Result<Answer> {
        let answer = match self.store.answer(id)? {
            Some(answer) if may_see(viewer, answer.hidden, answer.author) => answer,
            _ => return Err(UserError::not_found("answer", id).into()),
        };
        self.visible_question(viewer, answer.question)
            .map_err(|_| UserError::not_found("answer", id))?;
        Ok(answer)
    }
}

/// Hidden posts stay visible to moderators and to their own authors.
fn may_see(viewer: Option<&Member>, hidden: bool, author: MemberId) -> bool {
    !hidden || viewer.is_some_and(|viewer| viewer.moderator || viewer.id == author)
}

fn author_ref(names: &HashMap<MemberId, String>, id: MemberId) -> AuthorRef {
    AuthorRef {
        id,
        name: names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "former member".to_string()),
    }
}
