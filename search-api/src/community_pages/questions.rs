//! The question pages: the list, asking in two steps, one question with its answers, votes,
//! acceptance, editing, deleting and flagging.
//!
//! Asking works without JavaScript in two steps: the first post shows the question back with
//! similar questions and related case studies from the index (the literature may answer it
//! already), and only the second post, from that page, stores it.

use agora_community::moderation::PostRef;
use agora_community::question::Vote;
use agora_community::{
    AnswerId, Authenticated, QuestionDraft, QuestionEdit, QuestionId, QuestionSummary, QuestionView,
};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use url::form_urlencoded;

use super::forms::{FormData, Nav, PageError, PageUser, redirect, render};
use crate::error::ApiError;
use crate::routes::questions::{Suggestions, parse_question_filter, suggest};
use crate::routes::{blocking, parse_id, query_pairs};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "community/questions.html")]
struct QuestionsPage {
    nav: Nav,
    questions: Vec<QuestionSummary>,
    filters: Vec<FilterLink>,
    topic: String,
    next_href: Option<String>,
}

struct FilterLink {
    label: &'static str,
    href: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "community/ask.html")]
struct AskPage {
    nav: Nav,
    csrf: String,
    title: String,
    body: String,
    topics: String,
    country: String,
    suggestions: Option<Suggestions>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "community/question.html")]
struct QuestionPage {
    nav: Nav,
    view: QuestionView,
    csrf: String,
    viewer_id: u64,
    logged_in: bool,
    is_asker: bool,
    moderator: bool,
}

impl QuestionPage {
    /// The viewer's vote on `answer`: 1, -1, or 0 for none.
    fn my_vote(&self, answer: &agora_community::AnswerView) -> i64 {
        answer.my_vote.map_or(0, Vote::value)
    }
}

#[derive(Template)]
#[template(path = "community/edit.html")]
struct EditPage {
    nav: Nav,
    csrf: String,
    action: String,
    back: String,
    is_question: bool,
    title: String,
    body: String,
    topics: String,
    country: String,
    error: Option<String>,
}

/// `GET /questions`: newest first, with answered / unanswered filters.
pub async fn page_questions(
    State(state): State<AppState>,
    user: PageUser,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, PageError> {
    let raw_query = raw_query.unwrap_or_default();
    let filter = parse_question_filter(&raw_query, false)?;
    let params = query_pairs(&raw_query);
    let topic = param(&params, "topic");
    let answered = param(&params, "answered");

    let community = state.community.clone();
    let viewer = user.0.as_ref().map(|user| user.member.clone());
    let limit = filter.limit;
    let questions = blocking(move || community.list_questions(viewer.as_ref(), &filter)).await?;
    let next_href = (questions.len() == limit)
        .then(|| questions.last())
        .flatten()
        .map(|last| list_link(&answered, &topic, Some(last.id)));
    let filters = [("Any", ""), ("Answered", "true"), ("Unanswered", "false")]
        .into_iter()
        .map(|(label, value)| FilterLink {
            label,
            href: list_link(value, &topic, None),
            current: answered == value,
        })
        .collect();
    let page = QuestionsPage {
        nav: Nav::for_user(&state, user.0.as_ref()).await?,
        questions,
        filters,
        topic,
        next_href,
    };
    Ok(render(&page, StatusCode::OK))
}

/// `GET /questions/ask`: the question form.
pub async fn page_ask(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Response, PageError> {
    let user = user.require("/questions/ask")?;
    let page = AskPage {
        nav: Nav::for_user(&state, Some(&user)).await?,
        csrf: user.session.csrf_token.clone(),
        title: String::new(),
        body: String::new(),
        topics: String::new(),
        country: String::new(),
        suggestions: None,
        error: None,
    };
    Ok(render(&page, StatusCode::OK))
}

/// `POST /questions/ask`: first shows suggestions, then (with `step=post`) stores.
pub async fn page_ask_submit(
    State(state): State<AppState>,
    user: PageUser,
    form: FormData,
) -> Result<Response, PageError> {
    let user = user.require("/questions/ask")?;
    form.check_csrf(&user)?;
    let draft = QuestionDraft {
        title: form.get("title").to_string(),
        body: form.get("body").to_string(),
        topics: form.list("topics"),
        country: Some(form.get("country").trim().to_uppercase()),
    };

    if form.get("step") == "post" {
        let community = state.community.clone();
        let member = user.member.clone();
        let attempt = draft.clone();
        match blocking(move || community.ask(&member, &attempt)).await {
            Ok(question) => {
                state.index_trigger.request_sync();
                return Ok(redirect(&agora_community::publish::question_url(
                    question.id,
                )));
            }
            Err(error) => {
                let status = error.status();
                return ask_page(&state, &user, &form, None, Some(error.to_string()), status).await;
            }
        }
    }

    if draft.title.trim().is_empty() {
        let error = Some("Give the question a title first.".to_string());
        return ask_page(&state, &user, &form, None, error, StatusCode::BAD_REQUEST).await;
    }
    let suggestions = suggest(&state, &format!("{} {}", draft.title, draft.body)).await?;
    ask_page(
        &state,
        &user,
        &form,
        Some(suggestions),
        None,
        StatusCode::OK,
    )
    .await
}

async fn ask_page(
    state: &AppState,
    user: &Authenticated,
    form: &FormData,
    suggestions: Option<Suggestions>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let page = AskPage {
        nav: Nav::for_user(state, Some(user)).await?,
        csrf: user.session.csrf_token.clone(),
        title: form.get("title").to_string(),
        body: form.get("body").to_string(),
        topics: form.get("topics").to_string(),
        country: form.get("country").to_string(),
        suggestions,
        error,
    };
    Ok(render(&page, status))
}

/// `GET /questions/{id}`: the question, its answers, and the forms to act on them.
pub async fn page_question(
    State(state): State<AppState>,
    user: PageUser,
    Path(raw_id): Path<String>,
) -> Result<Response, PageError> {
    let id: QuestionId = parse_id(&raw_id, "id")?;
    let community = state.community.clone();
    let viewer = user.0.as_ref().map(|user| user.member.clone());
    let view = blocking(move || community.question(viewer.as_ref(), id)).await?;
    let viewer_id = user.0.as_ref().map_or(0, |user| user.member.id.get());
    let page = QuestionPage {
        nav: Nav::for_user(&state, user.0.as_ref()).await?,
        csrf: user
            .0
            .as_ref()
            .map(|user| user.session.csrf_token.clone())
            .unwrap_or_default(),
        is_asker: view.author.id.get() == viewer_id,
        logged_in: user.0.is_some(),
        moderator: user.0.as_ref().is_some_and(|user| user.member.moderator),
        viewer_id,
        view,
    };
    Ok(render(&page, StatusCode::OK))
}

/// `POST /questions/{id}/answers`.
pub async fn page_answer_submit(
    State(state): State<AppState>,
    user: PageUser,
    Path(raw_id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let id: QuestionId = parse_id(&raw_id, "id")?;
    let back = agora_community::publish::question_url(id);
    let user = user.require(&back)?;
    form.check_csrf(&user)?;
    let community = state.community.clone();
    let body = form.get("body").to_string();
    let answer = blocking(move || community.answer_question(&user.member, id, &body)).await?;
    state.index_trigger.request_sync();
    Ok(redirect(&format!("{back}#answer-{}", answer.id)))
}

/// `POST /answers/{id}/vote`: `value` is 1, -1 or 0.
pub async fn page_vote(
    State(state): State<AppState>,
    user: PageUser,
    Path(raw_id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let id: AnswerId = parse_id(&raw_id, "id")?;
    let user = user.require("/questions")?;
    form.check_csrf(&user)?;
    let vote = form
        .get("value")
        .parse::<i64>()
        .ok()
        .and_then(|value| Vote::try_from(value).ok())
        .ok_or_else(|| ApiError::invalid("value", "a vote is 1, -1 or 0"))?;
    let community = state.community.clone();
    let question = blocking(move || {
        community.vote(&user.member, id, vote)?;
        Ok(community.store().answer(id)?.map(|answer| answer.question))
    })
    .await?;
    state.index_trigger.request_sync();
    Ok(redirect(&answer_link(question, id)))
}

/// `POST /questions/{id}/accept`: `answer_id`, or empty to withdraw.
pub async fn page_accept(
    State(state): State<AppState>,
    user: PageUser,
    Path(raw_id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let id: QuestionId = parse_id(&raw_id, "id")?;
    let back = agora_community::publish::question_url(id);
    let user = user.require(&back)?;
    form.check_csrf(&user)?;
    let answer = match form.get("answer_id") {
        "" => None,
        raw => Some(parse_id::<AnswerId>(raw, "answer_id")?),
    };
    let community = state.community.clone();
    blocking(move || community.accept_answer(&user.member, id, answer)).await?;
    state.index_trigger.request_sync();
    Ok(redirect(&back))
}

/// `GET /questions/{id}/edit`.
pub async fn page_question_edit(
    State(state): State<AppState>,
    user: PageUser,
    Path(raw_id): Path<String>,
) -> Result<Response, PageError> {
    let id: QuestionId = parse_id(&raw_id, "id")?;
    let back = agora_community::publish::question_url(id);
    let user = user.require(&back)?;
    let community = state.community.clone();
    let member = user.member.clone();
    let view = blocking(move || community.question(Some(&member), id)).await?;
    if view.author.id != user.member.id {
        return Err(ApiError::Forbidden("only its author can edit a question".into()).into());
    }
    let page = EditPage {
        nav: Nav::for_user(&state, Some(&user)).await?,
        csrf: user.session.csrf_token.clone(),
        action: format!("{back}/edit"),
        back,
        is_question: true,
        title: view.title,
        body: view.body,
        topics: view.topics.join(", "),
        country: view.country.unwrap_or_default(),
        error: None,
    };
    Ok(render(&page, StatusCode::OK))
}

/// `POST /questions/{id}/edit`.
pub async fn page_question_edit_submit(
    State(state): State<AppState>,
    user: PageUser,
    Path(raw_id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let id: QuestionId = parse_id(&raw_id, "id")?;
    let back = agora_community::publish::question_url(id);
    let user = user.require(&back)?;
    form.check_csrf(&user)?;
    let edit = QuestionEdit {
        title: Some(form.get("title").to_string()),
        body: Some(form.get("body").to_string()),
        topics: Some(form.list("topics")),
        country: Some(form.get("country").trim().to_uppercase()),
    };
    let community = state.community.clone();
    let member = user.member.clone();
    match blocking(move || community.edit_question(&member, id, &edit)).await {
        Ok(_) => {
            state.index_trigger.request_sync();
            Ok(redirect(&back))
        }
        Err(error @ ApiError::InvalidField { .. }) => {
            let page = EditPage {
                nav: Nav::for_user(&state, Some(&user)).await?,
                csrf: user.session.csrf_token.clone(),
                action: format!("{back}/edit"),
                back,
                is_question: true,
                title: form.get("title").to_string(),
                body: form.get("body").to_string(),
                topics: form.get("topics").to_string(),
                country: form.get("country").to_string(),
                error: Some(error.to_string()),
            };
            Ok(render(&page, StatusCode::BAD_REQUEST))
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /questions/{id}/delete`.
pub async fn page_question_delete(
    State(state): State<AppState>,
    user: PageUser,
    Path(raw_id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let id: QuestionId = parse_id(&raw_id, "id")?;
    let user = user.require(&agora_community::publish::question_url(id))?;
    form.check_csrf(&user)?;
    let community = state.community.clone();
    blocking(move || community.delete_question(&user.member, id)).await?;
    state.index_trigger.request_sync();
    Ok(redirect("/questions"))
}

/// `GET /answers/{id}/edit`.
pub async fn page_answer_edit(
    State(state): State<AppState>,
    user: PageUser,
    Path(raw_id): Path<String>,
) -> Result<Response, PageError> {
    let id: AnswerId = parse_id(&raw_id, "id")?;
    let user = user.require(&format!("/answers/{id}/edit"))?;
    let community = state.community.clone();
    let answer = blocking(move || community.store().answer(id)).await?;
    let answer = answer
        .filter(|answer| answer.author == user.member.id)
        .ok_or_else(|| ApiError::Forbidden("only its author can edit an answer".into()))?;
    let page = EditPage {
        nav: Nav::for_user(&state, Some(&user)).await?,
        csrf: user.session.csrf_token.clone(),
        action: format!("/answers/{id}/edit"),
        back: answer_link(Some(answer.question), id),
        is_question: false,
        title: String::new(),
        body: answer.body,
        topics: String::new(),
        country: String::new(),
        error: None,
    };
    Ok(render(&page, StatusCode::OK))
}

/// `POST /answers/{id}/edit`.
pub async fn page_answer_edit_submit(
    State(state): State<AppState>,
    user: PageUser,
    Path(raw_id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let id: AnswerId = parse_id(&raw_id, "id")?;
    let user = user.require(&format!("/answers/{id}/edit"))?;
    form.check_csrf(&user)?;
    let community = state.community.clone();
    let body = form.get("body").to_string();
    let answer = blocking(move || community.edit_answer(&user.member, id, &body)).await?;
    state.index_trigger.request_sync();
    Ok(redirect(&answer_link(Some(answer.question), id)))
}

/// `POST /answers/{id}/delete`.
pub async fn page_answer_delete(
    State(state): State<AppState>,
    user: PageUser,
    Path(raw_id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let id: AnswerId = parse_id(&raw_id, "id")?;
    let user = user.require("/questions")?;
    form.check_csrf(&user)?;
    let community = state.community.clone();
    let question = blocking(move || community.delete_answer(&user.member, id)).await?;
    state.index_trigger.request_sync();
    Ok(redirect(&agora_community::publish::question_url(question)))
}

/// `POST /flags`: `target` (`question:ID` or `answer:ID`) and `reason`.
pub async fn page_flag(
    State(state): State<AppState>,
    user: PageUser,
    form: FormData,
) -> Result<Response, PageError> {
    let user = user.require("/questions")?;
    form.check_csrf(&user)?;
    let target: PostRef =
        form.get("target")
            .parse()
            .map_err(|error: agora_community::UserError| {
                ApiError::invalid("target", error.to_string())
            })?;
    let reason = form.get("reason").to_string();
    let community = state.community.clone();
    let question = blocking(move || {
        community.flag_post(&user.member, target, &reason)?;
        Ok(match target {
            PostRef::Question(id) => Some(id),
            PostRef::Answer(id) => community.store().answer(id)?.map(|answer| answer.question),
        })
    })
    .await?;
    let back = question.map_or_else(
        || "/questions".to_string(),
        agora_community::publish::question_url,
    );
    Ok(redirect(&format!("{back}?flagged=1")))
}

fn answer_link(question: Option<QuestionId>, answer: AnswerId) -> String {
    match question {
        Some(question) => format!(
            "{}#answer-{answer}",
            agora_community::publish::question_url(question)
        ),
        None => "/questions".to_string(),
    }
}

fn list_link(answered: &str, topic: &str, before: Option<QuestionId>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if !answered.is_empty() {
        query.append_pair("answered", answered);
    }
    if !topic.is_empty() {
        query.append_pair("topic", topic);
    }
    if let Some(before) = before {
        query.append_pair("before", &before.to_string());
    }
    let query = query.finish();
    if query.is_empty() {
        "/questions".to_string()
    } else {
        format!("/questions?{query}")
    }
}

fn param(params: &[(String, String)], name: &str) -> String {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .unwrap_or_default()
}
