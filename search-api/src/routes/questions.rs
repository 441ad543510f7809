//! `/api/questions...` and `/api/answers...`: asking, listing, suggesting, answering, voting
//! and accepting.

use agora_community::question::{QuestionFilter, Vote};
use agora_community::{
    AnswerId, MemberId, QuestionDraft, QuestionEdit, QuestionId, QuestionSummary, QuestionView,
    validate,
};
use agora_indexer::{ContentKind, FacetDimension, Hit, SearchRequest, search};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::{ApiUser, JsonBody, MaybeApiUser};
use crate::error::ApiError;
use crate::routes::{blocking, parse_bool, parse_id, parse_limit, query_pairs};
use crate::state::AppState;

/// Questions listed per page unless `limit` says otherwise.
const DEFAULT_QUESTIONS_PAGE: usize = 20;

/// Suggestions of each kind shown while a question is written.
const NUM_SUGGESTIONS: usize = 5;

/// Longest text searched for suggestions.
const MAX_SUGGESTION_QUERY_CHARS: usize = 300;

/// A new record's id and page.
#[derive(Debug, Serialize)]
pub struct CreatedPost<T> {
    /// Its id.
    pub id: T,
    /// The page where it is shown.
    pub url: String,
}

/// A page of questions.
#[derive(Debug, Serialize)]
pub struct QuestionList {
    /// The questions, newest first.
    pub questions: Vec<QuestionSummary>,
    /// Pass as `before` for the next page, when there may be one.
    pub next_before: Option<QuestionId>,
}

/// What the index suggests for a question being written.
#[derive(Debug, Serialize)]
pub struct Suggestions {
    /// Existing questions that look the same.
    pub questions: Vec<Hit>,
    /// Case studies that may answer it already.
    pub case_studies: Vec<Hit>,
}

/// An answer's text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// In Markdown.
    pub body: String,
}

/// A vote.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoteRequest {
    /// 1, -1, or 0 to withdraw.
    pub value: Vote,
}

/// The result of a vote.
#[derive(Debug, Serialize)]
pub struct VoteResponse {
    /// The answer's score now.
    pub score: i64,
    /// The member's vote now.
    pub my_vote: Vote,
}

/// Which answer solved the question; `null` withdraws the acceptance.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// The accepted answer.
    pub answer_id: Option<AnswerId>,
}

/// Asks a question.
pub async fn questions_create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(draft): JsonBody<QuestionDraft>,
) -> Result<(StatusCode, Json<CreatedPost<QuestionId>>), ApiError> {
    let community = state.community.clone();
    let question = blocking(move || community.ask(&user.member, &draft)).await?;
    state.index_trigger.request_sync();
    Ok((
        StatusCode::CREATED,
        Json(CreatedPost {
            id: question.id,
            url: agora_community::publish::question_url(question.id),
        }),
    ))
}

/// Returns a question with its answers, votes and accepted answer.
pub async fn questions_get(
    State(state): State<AppState>,
    MaybeApiUser(user): MaybeApiUser,
    Path(raw_id): Path<String>,
) -> Result<Json<QuestionView>, ApiError> {
    let id: QuestionId = parse_id(&raw_id, "id")?;
    let community = state.community.clone();
    let viewer = user.map(|user| user.member);
    Ok(Json(
        blocking(move || community.question(viewer.as_ref(), id)).await?,
    ))
}

/// Edits one's own question.
pub async fn questions_update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw_id): Path<String>,
    JsonBody(edit): JsonBody<QuestionEdit>,
) -> Result<Json<QuestionView>, ApiError> {
    let id: QuestionId = parse_id(&raw_id, "id")?;
    let community = state.community.clone();
    let view = blocking(move || {
        community.edit_question(&user.member, id, &edit)?;
        community.question(Some(&user.member), id)
    })
    .await?;
    state.index_trigger.request_sync();
    Ok(Json(view))
}

/// Deletes one's own question.
pub async fn questions_delete(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: QuestionId = parse_id(&raw_id, "id")?;
    let community = state.community.clone();
    blocking(move || community.delete_question(&user.member, id)).await?;
    state.index_trigger.request_sync();
    Ok(StatusCode::NO_CONTENT)
}

/// Lists questions: `answered`, `topic`, `country`, `author`, `before`, `limit`.
pub async fn questions_list(
    State(state): State<AppState>,
    MaybeApiUser(user): MaybeApiUser,
    RawQuery(raw_query): RawQuery,
) -> Result<Json<QuestionList>, ApiError> {
    let filter = parse_question_filter(raw_query.as_deref().unwrap_or_default(), true)?;
    let limit = filter.limit;
    let community = state.community.clone();
    let viewer = user.map(|user| user.member);
    let questions = blocking(move || community.list_questions(viewer.as_ref(), &filter)).await?;
    let next_before = (questions.len() == limit)
        .then(|| questions.last().map(|question| question.id))
        .flatten();
    Ok(Json(QuestionList {
        questions,
        next_before,
    }))
}

/// Suggests similar questions and related case studies for `title` (and `body`).
pub async fn questions_similar(
    State(state): State<AppState>,
    RawQuery(raw_query): RawQuery,
) -> Result<Json<Suggestions>, ApiError> {
    let mut text = String::new();
    for (name, value) in query_pairs(raw_query.as_deref().unwrap_or_default()) {
        match name.as_str() {
            "title" | "body" => {
                text.push(' ');
                text.push_str(&value);
            }
            other => {
                return Err(ApiError::invalid(
                    other,
                    format!("unknown parameter `{other}` (expected title, body)"),
                ));
            }
        }
    }
    if text.trim().is_empty() {
        return Err(ApiError::invalid("title", "title is required"));
    }
    Ok(Json(suggest(&state, &text).await?))
}

/// Searches the index for questions and case studies close to `text`.
pub async fn suggest(state: &AppState, text: &str) -> Result<Suggestions, ApiError> {
    let query: String = text
        .trim()
        .chars()
        .take(MAX_SUGGESTION_QUERY_CHARS)
        .collect();
    // Punctuation is query syntax to the parser; a question's title is plain words.
    let query: String = query
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let index = state.index.clone();
    let search_kind = move |kind: ContentKind| -> Result<Vec<Hit>, ApiError> {
        let mut request = SearchRequest::new(query.clone());
        request.per_page = NUM_SUGGESTIONS;
        request.filters.add(FacetDimension::Kind, kind.as_str());
        Ok(search(&index, &request)?.hits)
    };
    let suggestions = tokio::task::spawn_blocking(move || -> Result<Suggestions, ApiError> {
        Ok(Suggestions {
            questions: search_kind(ContentKind::Question)?,
            case_studies: search_kind(ContentKind::CaseStudy)?,
        })
    })
    .await??;
    Ok(suggestions)
}

/// Answers a question.
pub async fn answers_create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw_id): Path<String>,
    JsonBody(request): JsonBody<AnswerBody>,
) -> Result<(StatusCode, Json<CreatedPost<AnswerId>>), ApiError> {
    let id: QuestionId = parse_id(&raw_id, "id")?;
    let community = state.community.clone();
    let answer =
        blocking(move || community.answer_question(&user.member, id, &request.body)).await?;
    state.index_trigger.request_sync();
    Ok((
        StatusCode::CREATED,
        Json(CreatedPost {
            id: answer.id,
            url: format!(
                "{}#answer-{}",
                agora_community::publish::question_url(id),
                answer.id
            ),
        }),
    ))
}

/// Edits one's own answer.
pub async fn answers_update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw_id): Path<String>,
    JsonBody(request): JsonBody<AnswerBody>,
) -> Result<Json<AnswerEdited>, ApiError> {
    let id: AnswerId = parse_id(&raw_id, "id")?;
    let community = state.community.clone();
    let answer = blocking(move || community.edit_answer(&user.member, id, &request.body)).await?;
    state.index_trigger.request_sync();
    Ok(Json(AnswerEdited {
        id: answer.id,
        question_id: answer.question,
        body: answer.body,
    }))
}

/// An answer after an edit.
#[derive(Debug, Serialize)]
pub struct AnswerEdited {
    /// Its id.
    pub id: AnswerId,
    /// The question it answers.
    pub question_id: QuestionId,
    /// Its new body.
    pub body: String,
}

/// Deletes one's own answer.
pub async fn answers_delete(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: AnswerId = parse_id(&raw_id, "id")?;
    let community = state.community.clone();
    blocking(move || community.delete_answer(&user.member, id)).await?;
    state.index_trigger.request_sync();
    Ok(StatusCode::NO_CONTENT)
}

/// Votes on someone else's answer; a second vote replaces the first.
pub async fn answers_vote(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw_id): Path<String>,
    JsonBody(request): JsonBody<VoteRequest>,
) -> Result<Json<VoteResponse>, ApiError> {
    let id: AnswerId = parse_id(&raw_id, "id")?;
    let community = state.community.clone();
    let vote = request.value;
    let score = blocking(move || community.vote(&user.member, id, vote)).await?;
    state.index_trigger.request_sync();
    Ok(Json(VoteResponse {
        score,
        my_vote: vote,
    }))
}

/// Accepts an answer to one's own question.
pub async fn questions_accept(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw_id): Path<String>,
    JsonBody(request): JsonBody<AcceptRequest>,
) -> Result<Json<QuestionView>, ApiError> {
    let id: QuestionId = parse_id(&raw_id, "id")?;
    let community = state.community.clone();
    let view = blocking(move || {
        community.accept_answer(&user.member, id, request.answer_id)?;
        community.question(Some(&user.member), id)
    })
    .await?;
    state.index_trigger.request_sync();
    Ok(Json(view))
}

/// Reads the list's filters; unknown parameters are refused by the API, ignored by the page.
pub fn parse_question_filter(raw_query: &str, strict: bool) -> Result<QuestionFilter, ApiError> {
    let mut filter = QuestionFilter {
        limit: DEFAULT_QUESTIONS_PAGE,
        ..QuestionFilter::default()
    };
    for (name, value) in query_pairs(raw_query) {
        let value = value.trim();
        match name.as_str() {
            _ if value.is_empty() => {}
            "answered" => filter.answered = Some(parse_bool("answered", value)?),
            "topic" => filter.topic = Some(validate::slugify(value)),
            "country" => {
                filter.country = validate::country("country", value)
                    .map_err(|error| ApiError::invalid("country", error.to_string()))?;
            }
            "author" => filter.author = Some(parse_id::<MemberId>(value, "author")?),
            "before" => filter.before = Some(parse_id(value, "before")?),
            "limit" => filter.limit = parse_limit(value)?,
            other if strict => {
                return Err(ApiError::invalid(
                    other,
                    format!(
                        "unknown parameter `{other}` (expected answered, topic, country, author, \
                         before, limit)"
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(filter)
}
