//! Server-rendered pages: search, one document, and the sources' status.
//!
//! The pages work without JavaScript: filters and pages are plain links that carry the whole
//! search in their query string. Askama escapes every value; the only markup inserted as-is
//! is the snippet, which the indexer builds from escaped text and `<mark>` tags.

use agora_indexer::language::native_name;
use agora_indexer::{
    ContentKind, Document, FacetDimension, Hit, SearchResponse, SortOrder, SourceStatus, Thesaurus,
    search,
};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use url::form_urlencoded;

use crate::error::ApiError;
use crate::params::{UnknownParams, interface_language, parse_search_params};
use crate::routes::documents::load_document;
use crate::routes::sources::load_sources;
use crate::state::AppState;

/// Values shown per facet before the list is cut.
const FACET_VALUES_SHOWN: usize = 12;

/// Labels listed under "also searching".
const MAX_ALSO_SEARCHING: usize = 8;

/// Page links shown around the current page.
const PAGE_LINKS_AROUND: usize = 3;

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    query: String,
    response: Option<SearchResponse>,
    hits: Vec<HitView>,
    facet_groups: Vec<FacetGroup>,
    pages: Vec<PageLink>,
    sort_links: Vec<PageLink>,
    scope_links: Vec<PageLink>,
    answered_links: Vec<PageLink>,
    query_languages: String,
    also_searching: Vec<String>,
    corrections: Vec<String>,
    error: Option<String>,
}

struct HitView {
    title: String,
    href: String,
    original_url: Option<String>,
    source: String,
    country: String,
    language: String,
    date: String,
    kind: String,
    snippet_html: String,
    /// Other sites that published the same article.
    also_at: Vec<OtherCopy>,
}

struct OtherCopy {
    host: String,
    href: String,
}

struct FacetGroup {
    title: &'static str,
    values: Vec<FacetValue>,
}

struct FacetValue {
    label: String,
    count: u64,
    href: String,
    selected: bool,
}

struct PageLink {
    label: String,
    href: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "document.html")]
struct DocumentPage {
    document: Document,
    language: String,
    date: String,
    paragraphs: Vec<String>,
    original_url: Option<String>,
}

#[derive(Template)]
#[template(path = "sources.html")]
struct SourcesPage {
    sources: Vec<SourceView>,
}

struct SourceView {
    id: String,
    name: String,
    kind: String,
    location: String,
    enabled: bool,
    num_documents: u64,
    last_crawl: String,
    next_crawl: String,
    outcome: String,
    errors_by_kind: String,
    backoff: Option<String>,
    error: Option<String>,
}

/// `GET /`: the search page.
pub async fn page_search(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
) -> Response {
    let raw_query = raw_query.unwrap_or_default();
    let params: Vec<(String, String)> = form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect();
    let query = params
        .iter()
        .find(|(name, _)| name == "q")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();

    let mut request = match parse_search_params(&raw_query, UnknownParams::Ignore) {
        Ok(request) => request,
        Err(error) => return render_search_error(query, error, StatusCode::BAD_REQUEST),
    };
    let interface_lang = interface_language(&headers);
    request.interface_lang.clone_from(&interface_lang);
    let index = state.index.clone();
    let response = match tokio::task::spawn_blocking(move || search(&index, &request)).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => {
            return render_search_error(query, ApiError::from(error), StatusCode::BAD_REQUEST);
        }
        Err(error) => return ApiError::from(error).into_response(),
    };

    let ui_lang = interface_lang.as_deref().unwrap_or("en");
    let page = SearchPage {
        hits: response.hits.iter().map(hit_view).collect(),
        facet_groups: facet_groups(&response, &params, state.index.thesaurus(), ui_lang),
        pages: page_links(&response, &params),
        sort_links: sort_links(&params),
        scope_links: scope_links(&response, &params),
        answered_links: answered_links(&params),
        query_languages: response.query_languages.join(", "),
        also_searching: also_searching(&response),
        corrections: response
            .corrections
            .iter()
            .map(|(typed, read_as)| format!("{typed} → {read_as}"))
            .collect(),
        query,
        response: Some(response),
        error: None,
    };
    render(&page, StatusCode::OK)
}

/// `GET /documents/{id}`: one document, readable.
pub async fn page_document(State(state): State<AppState>, Path(raw_id): Path<String>) -> Response {
    let document = match load_document(&state, &raw_id).await {
        Ok(document) => document,
        Err(ApiError::NotFound(message) | ApiError::InvalidParameter { message, .. }) => {
            return render_search_error(
                String::new(),
                ApiError::NotFound(message),
                StatusCode::NOT_FOUND,
            );
        }
        Err(error) => return error.into_response(),
    };
    let page = DocumentPage {
        language: language_label(&document.lang),
        date: document
            .published
            .map(|date| date.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        paragraphs: document.body.split("\n\n").map(str::to_string).collect(),
        original_url: http_url(&document.url),
        document,
    };
    render(&page, StatusCode::OK)
}

/// `GET /sources`: what each source last did.
pub async fn page_sources(State(state): State<AppState>) -> Response {
    let statuses = match load_sources(&state).await {
        Ok(statuses) => statuses,
        Err(error) => return error.into_response(),
    };
    let page = SourcesPage {
        sources: statuses.into_iter().map(source_view).collect(),
    };
    render(&page, StatusCode::OK)
}

/// `GET /assets/style.css`.
pub async fn asset_style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../assets/style.css"),
    )
}

fn render_search_error(query: String, error: ApiError, status: StatusCode) -> Response {
    let page = SearchPage {
        query,
        response: None,
        hits: Vec::new(),
        facet_groups: Vec::new(),
        pages: Vec::new(),
        sort_links: Vec::new(),
        scope_links: Vec::new(),
        answered_links: Vec::new(),
        query_languages: String::new(),
        also_searching: Vec::new(),
        corrections: Vec::new(),
        error: Some(error.to_string()),
    };
    render(&page, status)
}

fn render(template: &impl Template, status: StatusCode) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => ApiError::Internal(format!("rendering a page: {error}")).into_response(),
    }
}

fn hit_view(hit: &Hit) -> HitView {
    HitView {
        title: hit.title.clone(),
        // A question's discussion is its page; its stored document is only a digest of it.
        href: if hit.kind == ContentKind::Question.as_str() {
            hit.url.clone()
        } else {
            format!("/documents/{}", hit.id)
        },
        original_url: http_url(&hit.url),
        source: hit.source.clone(),
        country: hit.country.clone(),
        language: language_label(&hit.lang),
        date: hit
            .published
            .map(|date| date.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        kind: hit.kind.clone(),
        snippet_html: hit.snippet.clone(),
        also_at: hit
            .also_at
            .iter()
            .filter_map(|url| {
                let href = http_url(url)?;
                let host = url::Url::parse(&href).ok()?.host_str()?.to_string();
                Some(OtherCopy { host, href })
            })
            .collect(),
    }
}

fn source_view(status: SourceStatus) -> SourceView {
    let last = status.last_crawl.as_ref();
    let date = |date: Option<chrono::DateTime<chrono::Utc>>| {
        date.map(|date| date.format("%Y-%m-%d %H:%M UTC").to_string())
    };
    SourceView {
        last_crawl: date(last.and_then(|report| report.finished_at))
            .unwrap_or_else(|| "never".to_string()),
        next_crawl: date(status.next_crawl_at).unwrap_or_else(|| "soon".to_string()),
        outcome: last
            .map(|report| {
                let mut outcome = format!(
                    "{} new, {} updated, {} unchanged ({} not modified), {} failed, \
                     {} excluded by robots.txt",
                    report.num_new,
                    report.num_updated,
                    report.num_unchanged,
                    report.num_not_modified,
                    report.num_failed,
                    report.num_robots_excluded
                );
                if report.budget_exhausted {
                    outcome.push_str("; stopped when its time budget ran out");
                }
                outcome
            })
            .unwrap_or_default(),
        errors_by_kind: last
            .map(|report| {
                report
                    .errors_by_kind
                    .iter()
                    .map(|(kind, count)| format!("{kind} ×{count}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        backoff: status.backoff_until.map(|until| {
            format!(
                "failed {} times in a row; backed off until {}",
                status.consecutive_failures,
                until.format("%Y-%m-%d %H:%M UTC")
            )
        }),
        error: last.and_then(|report| {
            report
                .error
                .clone()
                .or_else(|| report.last_entry_error.clone())
        }),
        id: status.id,
        name: status.name,
        kind: status.kind,
        location: status.location,
        enabled: status.enabled,
        num_documents: status.num_documents,
    }
}

fn language_label(code: &str) -> String {
    match native_name(code) {
        Some(name) => format!("{name} ({code})"),
        None => code.to_string(),
    }
}

/// Only web URLs become links: local files and anything stranger are not followable.
fn http_url(url: &str) -> Option<String> {
    (url.starts_with("https://") || url.starts_with("http://")).then(|| url.to_string())
}

/// Labels searched besides the query's words: the preferred label of each concept the query
/// names, in the languages the results are in first, then in the others.
fn also_searching(response: &SearchResponse) -> Vec<String> {
    let mut languages: Vec<&String> = response.facets.lang.keys().collect();
    for concept in &response.concepts {
        languages.extend(concept.labels.keys());
    }
    let mut labels: Vec<String> = Vec::new();
    for concept in &response.concepts {
        for lang in &languages {
            if let Some(label) = concept.labels.get(*lang)
                && !labels.contains(label)
                && label != &concept.matched
                && labels.len() < MAX_ALSO_SEARCHING
            {
                labels.push(label.clone());
            }
        }
    }
    labels
}

/// Links to the same search over every language, or only the query's.
fn scope_links(response: &SearchResponse, params: &[(String, String)]) -> Vec<PageLink> {
    if response.query_languages.is_empty() {
        return Vec::new();
    }
    let current = params
        .iter()
        .rev()
        .find(|(name, _)| name == "scope")
        .map_or("all", |(_, value)| value.as_str());
    let without_page: Vec<(String, String)> = params
        .iter()
        .filter(|(name, _)| name != "page")
        .cloned()
        .collect();
    let own = response
        .query_languages
        .iter()
        .map(|code| language_label(code))
        .collect::<Vec<_>>()
        .join(", ");
    [
        ("all", "All languages".to_string()),
        ("own", format!("Only {own}")),
    ]
    .into_iter()
    .map(|(value, label)| PageLink {
        label,
        href: with_param(&without_page, "scope", value),
        current: current == value,
    })
    .collect()
}

fn facet_groups(
    response: &SearchResponse,
    params: &[(String, String)],
    thesaurus: &Thesaurus,
    ui_lang: &str,
) -> Vec<FacetGroup> {
    FacetDimension::ALL
        .iter()
        .map(|&dimension| {
            let name = dimension.name();
            let mut counts: Vec<(&String, &u64)> = response.facets.get(dimension).iter().collect();
            counts.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
            let values = counts
                .into_iter()
                .take(FACET_VALUES_SHOWN)
                .map(|(value, count)| {
                    let selected = params
                        .iter()
                        .any(|(param, current)| param == name && current == value);
                    FacetValue {
                        label: match dimension {
                            FacetDimension::Lang => language_label(value),
                            FacetDimension::Topic => thesaurus.theme(value).map_or_else(
                                || value.clone(),
                                |theme| theme.label(ui_lang).to_string(),
                            ),
                            _ => value.clone(),
                        },
                        count: *count,
                        href: toggled_link(params, name, value, selected),
                        selected,
                    }
                })
                .collect();
            FacetGroup {
                title: facet_title(dimension),
                values,
            }
        })
        .filter(|group| !group.values.is_empty())
        .collect()
}

fn facet_title(dimension: FacetDimension) -> &'static str {
    match dimension {
        FacetDimension::Lang => "Language",
        FacetDimension::Country => "Country",
        FacetDimension::Topic => "Topic",
        FacetDimension::Kind => "Kind",
        FacetDimension::Source => "Source",
    }
}

/// Links to the same search with `name=value` added or removed, back on the first page.
fn toggled_link(params: &[(String, String)], name: &str, value: &str, selected: bool) -> String {
    let mut next: Vec<(String, String)> = params
        .iter()
        .filter(|(param, _)| param != "page")
        .cloned()
        .collect();
    if selected {
        next.retain(|(param, current)| !(param == name && current == value));
    } else {
        next.push((name.to_string(), value.to_string()));
    }
    link(&next)
}

fn with_param(params: &[(String, String)], name: &str, value: &str) -> String {
    let mut next: Vec<(String, String)> = params
        .iter()
        .filter(|(param, _)| param != name)
        .cloned()
        .collect();
    next.push((name.to_string(), value.to_string()));
    link(&next)
}

fn link(params: &[(String, String)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        serializer.append_pair(name, value);
    }
    format!("/?{}", serializer.finish())
}

fn page_links(response: &SearchResponse, params: &[(String, String)]) -> Vec<PageLink> {
    let per_page = response.per_page.max(1) as u64;
    let max_pages = (agora_indexer::search::MAX_RESULT_WINDOW as u64 / per_page).max(1);
    let num_pages = response.total.div_ceil(per_page).min(max_pages) as usize;
    if num_pages <= 1 {
        return Vec::new();
    }
    let first = response.page.saturating_sub(PAGE_LINKS_AROUND).max(1);
    let last = (response.page + PAGE_LINKS_AROUND).min(num_pages);
    (first..=last)
        .map(|page| PageLink {
            label: page.to_string(),
            href: with_param(params, "page", &page.to_string()),
            current: page == response.page,
        })
        .collect()
}

fn sort_links(params: &[(String, String)]) -> Vec<PageLink> {
    let current = match params
        .iter()
        .rev()
        .find(|(name, _)| name == "sort")
        .map(|(_, value)| value.as_str())
    {
        Some("date") => SortOrder::Date,
        _ => SortOrder::Relevance,
    };
    let without_page: Vec<(String, String)> = params
        .iter()
        .filter(|(name, _)| name != "page")
        .cloned()
        .collect();
    [
        (SortOrder::Relevance, "relevance", "Best match"),
        (SortOrder::Date, "date", "Newest"),
    ]
    .into_iter()
    .map(|(order, value, label)| PageLink {
        label: label.to_string(),
        href: with_param(&without_page, "sort", value),
        current: order == current,
    })
    .collect()
}

/// Links that keep community questions with or without answers (or drop the filter).
fn answered_links(params: &[(String, String)]) -> Vec<PageLink> {
    let current = params
        .iter()
        .rev()
        .find(|(name, _)| name == "answered")
        .map_or("", |(_, value)| value.as_str());
    let without_page: Vec<(String, String)> = params
        .iter()
        .filter(|(name, _)| name != "page")
        .cloned()
        .collect();
    [("", "Any"), ("true", "Answered"), ("false", "Unanswered")]
        .into_iter()
        .map(|(value, label)| PageLink {
            label: label.to_string(),
            href: with_param(&without_page, "answered", value),
            current: value == current,
        })
        .collect()
}
