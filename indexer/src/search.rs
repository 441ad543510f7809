//! Running a search: ranked hits, filters, facet counts and highlighted snippets.
//!
//! Facets are disjunctive: the counts of a dimension the user filters on are computed without
//! that dimension's own filter, so that ticking `lang=pt` still shows how many results the
//! other languages would add. This costs one extra facet-only search per filtered dimension.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, FacetCollector, FacetCounts, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::{Snippet, SnippetGenerator};
use tantivy::{DocAddress, Order, Searcher, SegmentReader, TantivyDocument, Term};

use crate::analyzer::{NEUTRAL_TOKENIZER, analyzed_language};
use crate::concepts::{ConceptMatch, QueryConcept};
use crate::error::{IndexerError, Result};
use crate::index::SearchIndex;
use crate::language::normalize_code;
use crate::quality::answered_clause;
use crate::query::{QueryHints, QueryPlan, plan_query};
use crate::ranking::DocumentFactors;
use crate::schema::IndexSchema;
use crate::text::{escape_html, excerpt};

/// The largest page a client may ask for.
pub const MAX_PER_PAGE: usize = 100;

/// How deep a client may page; deeper pages cost memory for no reader's benefit.
pub const MAX_RESULT_WINDOW: usize = 10_000;

/// Values listed per facet dimension.
const MAX_FACET_VALUES: usize = 100;

/// Characters in a snippet.
const SNIPPET_CHARS: usize = 240;

/// How hits are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Best match first.
    #[default]
    Relevance,
    /// Most recently published first.
    Date,
}

/// A dimension results can be filtered and counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FacetDimension {
    /// Document language.
    Lang,
    /// Country concerned.
    Country,
    /// Topic slug.
    Topic,
    /// Content kind.
    Kind,
    /// Source id.
    Source,
}

impl FacetDimension {
    /// Every dimension, in display order.
    pub const ALL: [FacetDimension; 5] = [
        FacetDimension::Lang,
        FacetDimension::Country,
        FacetDimension::Topic,
        FacetDimension::Kind,
        FacetDimension::Source,
    ];

    /// Returns the dimension's name, as used in API parameters and facet paths.
    pub fn name(self) -> &'static str {
        match self {
            FacetDimension::Lang => "lang",
            FacetDimension::Country => "country",
            FacetDimension::Topic => "topic",
            FacetDimension::Kind => "kind",
            FacetDimension::Source => "source",
        }
    }

    fn field(self, schema: &IndexSchema) -> Field {
        match self {
            FacetDimension::Lang => schema.lang,
            FacetDimension::Country => schema.country,
            FacetDimension::Topic => schema.topic,
            FacetDimension::Kind => schema.kind,
            FacetDimension::Source => schema.source,
        }
    }

    fn facet_root(self) -> String {
        format!("/{}", self.name())
    }
}

/// Values to keep per dimension; values of one dimension are alternatives (OR), dimensions
/// combine (AND).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    values: HashMap<FacetDimension, Vec<String>>,
}

impl Filters {
    /// Adds an accepted value for `dimension`.
    pub fn add(&mut self, dimension: FacetDimension, value: impl Into<String>) {
        self.values.entry(dimension).or_default().push(value.into());
    }

    /// Returns the accepted values of `dimension`, empty when it is not filtered.
    pub fn get(&self, dimension: FacetDimension) -> &[String] {
        self.values
            .get(&dimension)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Tells whether no dimension is filtered.
    pub fn is_empty(&self) -> bool {
        self.values.values().all(Vec::is_empty)
    }
}

/// Which languages' documents a search returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LanguageScope {
    /// Every language: other languages' documents are found through the thesaurus and rank
    /// below equally strong hits in the query's language.
    #[default]
    All,
    /// Only documents in the query's languages.
    Own,
}

/// A search as a client asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    /// What the user typed; empty lists everything.
    pub query: String,
    /// The language the user says the query is in (ISO 639-1), if any.
    pub query_lang: Option<String>,
    /// The language of the user's interface, a weaker hint about the query's.
    pub interface_lang: Option<String>,
    /// Whether other languages' documents are returned.
    pub scope: LanguageScope,
    /// Values to filter on.
    pub filters: Filters,
    /// Earliest publication date, inclusive.
    pub published_from: Option<DateTime<Utc>>,
    /// Latest publication date, inclusive.
    pub published_to: Option<DateTime<Utc>>,
    /// Only community questions with (`true`) or without (`false`) answers.
    pub answered: Option<bool>,
    /// Result order; an empty query is always ordered by date.
    pub sort: SortOrder,
    /// 1-based page number.
    pub page: usize,
    /// Hits per page, at most [`MAX_PER_PAGE`].
    pub per_page: usize,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            query_lang: None,
            interface_lang: None,
            scope: LanguageScope::All,
            filters: Filters::default(),
            published_from: None,
            published_to: None,
            answered: None,
            sort: SortOrder::Relevance,
            page: 1,
            per_page: 10,
        }
    }
}

impl SearchRequest {
    /// Creates a request for `query` with default paging.
    pub fn new(query: impl Into<String>) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            ..SearchRequest::default()
        }
    }

    fn validate(&self) -> Result<()> {
        if self.page == 0 {
            return Err(IndexerError::InvalidRequest("page starts at 1".to_string()));
        }
        if !(1..=MAX_PER_PAGE).contains(&self.per_page) {
            return Err(IndexerError::InvalidRequest(format!(
                "per_page must be between 1 and {MAX_PER_PAGE}"
            )));
        }
        if self.page.saturating_mul(self.per_page) > MAX_RESULT_WINDOW {
            return Err(IndexerError::InvalidRequest(format!(
                "results past the first {MAX_RESULT_WINDOW} cannot be paged to; narrow the search"
            )));
        }
        Ok(())
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Document id.
    pub id: String,
    /// The document's canonical URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// HTML-escaped extract with matched words wrapped in `<mark>`.
    pub snippet: String,
    /// Language code.
    pub lang: String,
    /// Country code.
    pub country: String,
    /// Topic slugs.
    pub topics: Vec<String>,
    /// Content kind.
    pub kind: String,
    /// Source id.
    pub source: String,
    /// Publication date, if known.
    pub published: Option<DateTime<Utc>>,
    /// Relevance score; absent when sorting by date.
    pub score: Option<f32>,
    /// Ids of the thesaurus concepts the document mentions.
    #[serde(default)]
    pub concepts: Vec<String>,
    /// Other URLs where the same article was found; the index shows it once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_at: Vec<String>,
}

/// A thesaurus concept the query was understood to name, and what it expanded to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedConcept {
    /// Concept id.
    pub id: String,
    /// Its theme, if any.
    pub theme: Option<String>,
    /// The label the query matched, as the thesaurus writes it.
    pub matched: String,
    /// How it was found: `named`, `corrected` (after a typo correction), `partial` (most
    /// words of a label) or `inferred` (from the first results; the query named none).
    #[serde(rename = "match")]
    pub how: ConceptMatch,
    /// The preferred label in each language: what the query was expanded to.
    pub labels: BTreeMap<String, String>,
}

/// Counts per value for every facet dimension.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facets {
    /// Counts per language.
    pub lang: BTreeMap<String, u64>,
    /// Counts per country.
    pub country: BTreeMap<String, u64>,
    /// Counts per topic.
    pub topic: BTreeMap<String, u64>,
    /// Counts per content kind.
    pub kind: BTreeMap<String, u64>,
    /// Counts per source.
    pub source: BTreeMap<String, u64>,
}

impl Facets {
    /// Returns the counts of `dimension`.
    pub fn get(&self, dimension: FacetDimension) -> &BTreeMap<String, u64> {
        match dimension {
            FacetDimension::Lang => &self.lang,
            FacetDimension::Country => &self.country,
            FacetDimension::Topic => &self.topic,
            FacetDimension::Kind => &self.kind,
            FacetDimension::Source => &self.source,
        }
    }

    fn get_mut(&mut self, dimension: FacetDimension) -> &mut BTreeMap<String, u64> {
        match dimension {
            FacetDimension::Lang => &mut self.lang,
            FacetDimension::Country => &mut self.country,
            FacetDimension::Topic => &mut self.topic,
            FacetDimension::Kind => &mut self.kind,
            FacetDimension::Source => &mut self.source,
        }
    }
}

/// The answer to a [`SearchRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    /// The query as received.
    pub query: String,
    /// Languages the query was analysed in, besides the neutral analysis.
    pub query_languages: Vec<String>,
    /// Thesaurus concepts the query names; their labels in every language were searched.
    #[serde(default)]
    pub concepts: Vec<MatchedConcept>,
    /// Misspelt words and the indexed words they were read as, `[typed, read as]`.
    #[serde(default)]
    pub corrections: Vec<(String, String)>,
    /// Number of matching documents.
    pub total: u64,
    /// Time spent searching, in milliseconds.
    pub took_ms: u64,
    /// The page returned.
    pub page: usize,
    /// Hits per page.
    pub per_page: usize,
    /// The hits of this page.
    pub hits: Vec<Hit>,
    /// Counts per facet value over all matching documents.
    pub facets: Facets,
}

/// Runs `request` against the index's latest searchable commit.
pub fn search(index: &SearchIndex, request: &SearchRequest) -> Result<SearchResponse> {
    let started = Instant::now();
    request.validate()?;
    let schema = index.schema();
    let searcher = index.searcher();

    let hints = QueryHints {
        query_lang: request.query_lang.as_deref(),
        interface_lang: request.interface_lang.as_deref(),
    };
    let mut plan = plan_query(index, &searcher, &request.query, hints);
    let mut request = request.clone();
    add_query_filters(&mut request, &plan);
    if request.scope == LanguageScope::Own {
        for lang in &plan.languages {
            request.filters.add(FacetDimension::Lang, *lang);
        }
    }
    if plan.concepts.is_empty() && !plan.parsed.has_no_positive_clause() {
        let (feedback, best_score) = feedback_concepts(index, &searcher, &plan, &request)?;
        plan.add_feedback(index, &searcher, &feedback, best_score);
    }
    let sort = if plan.parsed.has_no_positive_clause() {
        SortOrder::Date
    } else {
        request.sort
    };

    let query = filtered_query(index, plan.scoring.box_clone(), &request, None);
    let offset = (request.page - 1) * request.per_page;
    let top = TopDocs::with_limit(request.per_page).and_offset(offset);
    let facet_collector = facet_collector(&FacetDimension::ALL);
    let (ranked, total, facet_counts): (Vec<(Option<f32>, DocAddress)>, usize, FacetCounts) =
        match sort {
            SortOrder::Relevance => {
                let factors = DocumentFactors::new(Arc::clone(index.ranking()), &plan.languages);
                let by_score =
                    top.tweak_score(move |segment: &SegmentReader| factors.for_segment(segment));
                let (ranked, total, facets) =
                    searcher.search(&query, &(by_score, Count, facet_collector))?;
                let ranked = ranked
                    .into_iter()
                    .map(|(score, address)| (Some(score), address));
                (ranked.collect(), total, facets)
            }
            SortOrder::Date => {
                let by_date =
                    top.order_by_fast_field::<tantivy::DateTime>("sort_date", Order::Desc);
                let (ranked, total, facets) =
                    searcher.search(&query, &(by_date, Count, facet_collector))?;
                let ranked = ranked.into_iter().map(|(_, address)| (None, address));
                (ranked.collect(), total, facets)
            }
        };

    let facets = disjunctive_facets(&searcher, index, &*plan.scoring, &request, &facet_counts)?;
    let mut snippets = Snippets::new(index, &searcher, &plan);
    let mut hits = Vec::with_capacity(ranked.len());
    for (score, address) in ranked {
        let stored: TantivyDocument = searcher.doc(address)?;
        hits.push(to_hit(schema, &stored, score, &mut snippets));
    }

    Ok(SearchResponse {
        query: request.query.clone(),
        query_languages: plan.languages.iter().map(|code| code.to_string()).collect(),
        concepts: matched_concepts(index, &plan.concepts),
        corrections: plan.corrections.clone(),
        total: total as u64,
        took_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        page: request.page,
        per_page: request.per_page,
        hits,
        facets,
    })
}

/// Results whose concepts the feedback reads.
const FEEDBACK_DOCS: usize = 3;

/// Share of the first results' scores a concept's documents must hold to be fed back.
const MIN_FEEDBACK_SHARE: f32 = 0.4;

/// Returns the concepts that the titles of the first results name, when the documents that
/// name them hold enough of the results' scores: what a query naming no concept is about.
/// Titles rather than bodies, because a body mentions many things it is not about. The best
/// result's score comes with them.
fn feedback_concepts(
    index: &SearchIndex,
    searcher: &Searcher,
    plan: &QueryPlan,
    request: &SearchRequest,
) -> Result<(Vec<usize>, f32)> {
    let query = filtered_query(index, plan.scoring.box_clone(), request, None);
    let top = searcher.search(&query, &TopDocs::with_limit(FEEDBACK_DOCS).order_by_score())?;
    let total: f32 = top.iter().map(|(score, _)| score).sum();
    let best_score = top.first().map_or(0.0, |(score, _)| *score);
    if total <= 0.0 {
        return Ok((Vec::new(), best_score));
    }
    let schema = index.schema();
    let mut shares: BTreeMap<usize, f32> = BTreeMap::new();
    for (score, address) in top {
        let stored: TantivyDocument = searcher.doc(address)?;
        let text = |field| {
            stored
                .get_first(field)
                .and_then(|value| value.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let title_concepts = index
            .concepts()
            .count_in(&text(schema.neutral.title), &text(schema.lang));
        for concept in title_concepts.into_keys() {
            *shares.entry(concept).or_default() += score / total;
        }
    }
    let concepts = shares
        .into_iter()
        .filter(|(_, share)| *share >= MIN_FEEDBACK_SHARE)
        .map(|(concept, _)| concept)
        .collect();
    Ok((concepts, best_score))
}

/// Adds the query's `name:value` filters to the request's, in the stored spelling.
fn add_query_filters(request: &mut SearchRequest, plan: &QueryPlan) {
    for (dimension, value) in &plan.parsed.filters {
        let value = match dimension {
            FacetDimension::Lang => normalize_code(value).unwrap_or_else(|| value.clone()),
            FacetDimension::Country => value.to_uppercase(),
            FacetDimension::Topic | FacetDimension::Kind | FacetDimension::Source => {
                value.to_lowercase()
            }
        };
        request.filters.add(*dimension, value);
    }
}

fn matched_concepts(index: &SearchIndex, concepts: &[QueryConcept]) -> Vec<MatchedConcept> {
    let thesaurus = index.thesaurus();
    concepts
        .iter()
        .map(|found| {
            let concept = &thesaurus.concepts()[found.concept];
            MatchedConcept {
                id: concept.id.clone(),
                theme: concept.theme.clone(),
                matched: found.label.clone(),
                how: found.how,
                labels: concept
                    .labels
                    .iter()
                    .filter_map(|(lang, labels)| Some((lang.clone(), labels.first()?.clone())))
                    .collect(),
            }
        })
        .collect()
}

fn facet_collector(dimensions: &[FacetDimension]) -> FacetCollector {
    let mut collector = FacetCollector::for_field("facets");
    for dimension in dimensions {
        collector.add_facet(dimension.facet_root().as_str());
    }
    collector
}

/// Combines `scoring` with every filter of `request`, except those of `without`.
///
/// A topic filter takes a theme (the facet's values) or, more narrowly, a concept id.
fn filtered_query(
    index: &SearchIndex,
    scoring: Box<dyn Query>,
    request: &SearchRequest,
    without: Option<FacetDimension>,
) -> BooleanQuery {
    let schema = index.schema();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, scoring)];
    for dimension in FacetDimension::ALL {
        let values = request.filters.get(dimension);
        if values.is_empty() || Some(dimension) == without {
            continue;
        }
        let alternatives: Vec<(Occur, Box<dyn Query>)> = values
            .iter()
            .map(|value| {
                let is_concept = dimension == FacetDimension::Topic
                    && index.thesaurus().theme(value).is_none()
                    && index.thesaurus().concept(value).is_some();
                let field = if is_concept {
                    schema.concept
                } else {
                    dimension.field(schema)
                };
                let term = Term::from_field_text(field, value);
                let query: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                (Occur::Should, query)
            })
            .collect();
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
    }

    if request.published_from.is_some() || request.published_to.is_some() {
        let bound = |date: Option<DateTime<Utc>>| match date {
            Some(date) => Bound::Included(Term::from_field_date(
                schema.published,
                tantivy::DateTime::from_timestamp_secs(date.timestamp()),
            )),
            None => Bound::Unbounded,
        };
        let range = RangeQuery::new(bound(request.published_from), bound(request.published_to));
        clauses.push((Occur::Must, Box::new(range)));
    }
    clauses.extend(answered_clause(schema, request.answered));
    BooleanQuery::new(clauses)
}

fn disjunctive_facets(
    searcher: &Searcher,
    index: &SearchIndex,
    scoring: &dyn Query,
    request: &SearchRequest,
    main_counts: &FacetCounts,
) -> Result<Facets> {
    let mut facets = Facets::default();
    for dimension in FacetDimension::ALL {
        let counts = if request.filters.get(dimension).is_empty() {
            read_counts(main_counts, dimension)
        } else {
            let query = filtered_query(index, scoring.box_clone(), request, Some(dimension));
            let counts = searcher.search(&query, &facet_collector(&[dimension]))?;
            read_counts(&counts, dimension)
        };
        *facets.get_mut(dimension) = counts;
    }
    Ok(facets)
}

fn read_counts(counts: &FacetCounts, dimension: FacetDimension) -> BTreeMap<String, u64> {
    counts
        .top_k(dimension.facet_root().as_str(), MAX_FACET_VALUES)
        .into_iter()
        .filter_map(|(facet, count)| {
            let value = facet.to_path().last()?.to_string();
            Some((value, count))
        })
        .collect()
}

/// Snippet generators, built lazily per document language and reused across the page's hits.
struct Snippets<'a> {
    index: &'a SearchIndex,
    searcher: &'a Searcher,
    plan: &'a QueryPlan,
    generators: HashMap<String, Option<SnippetGenerator>>,
}

impl<'a> Snippets<'a> {
    fn new(index: &'a SearchIndex, searcher: &'a Searcher, plan: &'a QueryPlan) -> Snippets<'a> {
        Snippets {
            index,
            searcher,
            plan,
            generators: HashMap::new(),
        }
    }

    /// Highlights the best passage of `body`, or falls back to the start of the summary.
    fn html(&mut self, lang: &str, summary: &str, body: &str) -> String {
        if !self.plan.parsed.has_no_positive_clause() {
            for text in [body, summary] {
                let highlighted = self.highlight(lang, text);
                if !highlighted.is_empty() {
                    return highlighted;
                }
            }
        }
        let lead = if summary.trim().is_empty() {
            body
        } else {
            summary
        };
        collapse_whitespace(&escape_html(&excerpt(lead, SNIPPET_CHARS)))
    }

    fn highlight(&mut self, lang: &str, text: &str) -> String {
        let Snippets {
            index,
            searcher,
            plan,
            ..
        } = *self;
        let generator = self
            .generators
            .entry(lang.to_string())
            .or_insert_with(|| highlighter(index, searcher, plan, lang));
        match generator {
            Some(generator) => snippet_html(&generator.snippet(text)),
            None => String::new(),
        }
    }
}

/// Builds the generator that highlights, in a document written in `lang`, the query's words
/// as that language's analyzer reads them, the words typos were read as, and the labels in
/// `lang` of the concepts the query names: a Japanese case study found through a Portuguese
/// query shows its own words for the concept in `<mark>`.
fn highlighter(
    index: &SearchIndex,
    searcher: &Searcher,
    plan: &QueryPlan,
    lang: &str,
) -> Option<SnippetGenerator> {
    let schema = index.schema();
    let (field, tokenizer) = match (schema.language_fields(lang), analyzed_language(lang)) {
        (Some(fields), Some(language)) => (fields.body, language.tokenizer_name()),
        _ => (schema.neutral.body, NEUTRAL_TOKENIZER.to_string()),
    };
    let mut analyzer = index.tantivy_index().tokenizers().get(&tokenizer)?;

    let mut texts: Vec<String> = vec![plan.parsed.positive_text()];
    texts.extend(plan.corrections.iter().map(|(_, read_as)| read_as.clone()));
    let thesaurus = index.thesaurus();
    for found in &plan.concepts {
        let concept = &thesaurus.concepts()[found.concept];
        for label_lang in [lang, "en"] {
            if let Some(labels) = concept.labels.get(label_lang) {
                texts.extend(labels.iter().cloned());
            }
        }
    }

    let mut terms: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for text in &texts {
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            let term = Term::from_field_text(field, &stream.token().text);
            terms.push((
                Occur::Should,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            ));
        }
    }
    if terms.is_empty() {
        return None;
    }
    let mut generator =
        SnippetGenerator::create(searcher, &BooleanQuery::new(terms), field).ok()?;
    generator.set_max_num_chars(SNIPPET_CHARS);
    Some(generator)
}

fn snippet_html(snippet: &Snippet) -> String {
    if snippet.highlighted().is_empty() {
        return String::new();
    }
    let fragment = snippet.fragment();
    let mut html = String::with_capacity(fragment.len() + 32);
    let mut position = 0;
    for range in snippet.highlighted() {
        // Overlapping bigram matches can yield ranges that start inside the previous one.
        let start = range.start.max(position);
        if start >= range.end {
            continue;
        }
        html.push_str(&escape_html(&fragment[position..start]));
        html.push_str("<mark>");
        html.push_str(&escape_html(&fragment[start..range.end]));
        html.push_str("</mark>");
        position = range.end;
    }
    html.push_str(&escape_html(&fragment[position..]));
    collapse_whitespace(&html)
}

/// Snippets span paragraph breaks; in a result list they read as one line.
fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn to_hit(
    schema: &IndexSchema,
    stored: &TantivyDocument,
    score: Option<f32>,
    snippets: &mut Snippets<'_>,
) -> Hit {
    let text = |field: Field| {
        stored
            .get_first(field)
            .and_then(|value| value.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let lang = text(schema.lang);
    let summary = text(schema.neutral.summary);
    let body = text(schema.neutral.body);
    let published = stored
        .get_first(schema.published)
        .and_then(|value| value.as_datetime())
        .and_then(|date| DateTime::from_timestamp(date.into_timestamp_secs(), 0));

    Hit {
        id: text(schema.id),
        url: text(schema.url),
        title: text(schema.neutral.title),
        snippet: snippets.html(&lang, &summary, &body),
        country: text(schema.country),
        topics: stored
            .get_all(schema.topic)
            .filter_map(|value| value.as_str().map(str::to_string))
            .collect(),
        kind: text(schema.kind),
        source: text(schema.source),
        published,
        score,
        concepts: stored
            .get_all(schema.concept)
            .filter_map(|value| value.as_str().map(str::to_string))
            .collect(),
        lang,
        also_at: stored
            .get_all(schema.also_at)
            .filter_map(|value| value.as_str().map(str::to_string))
            .collect(),
    }
}
