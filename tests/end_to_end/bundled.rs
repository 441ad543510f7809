//! The bundled collection: searchable offline, and relevant in Portuguese, Japanese and
//! English.

use crate::common::{Workspace, repo_root};

const BUNDLED_ONLY: &str = r#"
[[source]]
id = "bundled"
kind = "local"
path = "{{collection}}"
country = "INT"
"#;

fn top_hits(workspace: &Workspace, query: &str, num_hits: usize) -> Vec<String> {
    let run = workspace
        .agora(&["search", query, "--json", "--limit", &num_hits.to_string()])
        .assert_success();
    let json = run.json();
    json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| {
            hit["url"]
                .as_str()
                .unwrap()
                .trim_start_matches("local://bundled/")
                .to_string()
        })
        .collect()
}

#[test]
fn bundled_case_studies_rank_first_in_portuguese_japanese_and_english() {
    let workspace = Workspace::new(BUNDLED_ONLY, None);
    let run = workspace.agora(&["crawl"]).assert_success();
    assert!(run.stdout.contains("failed    0"), "{}", run.stdout);

    let cases = [
        ("transporte escolar rural", "pt/school-transport-br.md"),
        (
            "orçamento participativo",
            "pt/participatory-budgeting-br.md",
        ),
        (
            "catadores de materiais recicláveis",
            "pt/waste-management-br.md",
        ),
        ("洪水 避難", "ja/flood-early-warning-jp.md"),
        ("マイナンバーカード", "ja/digital-identity-jp.md"),
        ("地域包括ケア", "ja/elderly-care-jp.md"),
        ("hospital waiting lists", "en/health-waiting-times-gb.md"),
        ("housing first homelessness", "en/housing-first-fi.md"),
        (
            "electronic procurement transparency",
            "en/e-procurement-ua.md",
        ),
    ];
    for (query, expected) in cases {
        let hits = top_hits(&workspace, query, 3);
        assert_eq!(
            hits.first().map(String::as_str),
            Some(expected),
            "{query}: {hits:?}"
        );
    }
}

#[test]
fn the_collection_has_enough_languages_topics_and_documents() {
    let workspace = Workspace::new(BUNDLED_ONLY, None);
    workspace.agora(&["crawl"]).assert_success();
    let json = workspace
        .agora(&["search", "", "--json"])
        .assert_success()
        .json();
    assert!(json["total"].as_u64().unwrap() >= 40, "{}", json["total"]);
    let languages = json["facets"]["lang"].as_object().unwrap();
    for lang in ["pt", "es", "fr", "de", "en", "ja", "zh"] {
        assert!(
            languages.contains_key(lang),
            "no {lang} documents: {languages:?}"
        );
    }
    assert!(json["facets"]["topic"].as_object().unwrap().len() >= 10);
}

#[test]
fn a_portuguese_query_finds_the_case_studies_written_in_other_languages() {
    let workspace = Workspace::new(BUNDLED_ONLY, None);
    workspace.agora(&["crawl"]).assert_success();
    // No case study on Housing First is written in Portuguese.
    let hits = top_hits(
        &workspace,
        "moradia primeiro para pessoas em situação de rua",
        10,
    );
    let housing_first: Vec<&String> = hits
        .iter()
        .filter(|path| path.contains("housing-first"))
        .collect();
    assert!(housing_first.len() >= 4, "{hits:?}");
    assert!(
        housing_first.iter().any(|path| path.starts_with("de/"))
            && housing_first.iter().any(|path| path.starts_with("fr/")),
        "{hits:?}"
    );
}

#[test]
fn the_evaluation_set_meets_the_relevance_targets() {
    let workspace = Workspace::new(BUNDLED_ONLY, None);
    let root = repo_root();
    let queries = root.join("eval/queries.toml");
    let collection = root.join("collection");
    let json = workspace
        .agora(&[
            "eval",
            "--json",
            "--queries",
            &queries.to_string_lossy(),
            "--collection",
            &collection.to_string_lossy(),
        ])
        .assert_success()
        .json();
    let by_kind = &json["by_kind"];
    let score = |kind: &str, measure: &str| by_kind[kind][measure].as_f64().unwrap();
    // Judged in every language, and in the query's language alone.
    let monolingual = score("monolingual", "ndcg");
    let own_language = score("monolingual", "own_language_ndcg");
    let cross_lingual = score("cross-lingual", "other_language_recall");
    assert!(monolingual >= 0.85, "monolingual nDCG@10 {monolingual}");
    assert!(
        own_language >= 0.85,
        "monolingual own-language nDCG@10 {own_language}"
    );
    assert!(
        cross_lingual >= 0.6,
        "cross-lingual recall@10 {cross_lingual}"
    );
}
