use std::path::Path;

use super::*;
use crate::config::Config;

fn source() -> SourceConfig {
    let text = "[[source]]\nid = \"bundled\"\nkind = \"local\"\npath = \"collection\"\ncountry = \"INT\"\ntopics = [\"demo\"]\n";
    Config::parse(text, Path::new("sources.toml"))
        .unwrap()
        .sources
        .remove(0)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn markdown_with_yaml_front_matter_becomes_parts() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "pt/rotas.md",
        "---\ntitle: \"Rotas escolares\"\ndate: 2021-03-22\ncountry: BR\nlanguage: pt\n\
         topics: [school-transport]\nkind: case-study\nsummary: \"Resumo\"\n---\n\n\
         # Contexto\n\nA prefeitura **reorganizou** as rotas.\n\n- primeiro\n- segundo\n\n<div>raw html</div>\n",
    );
    let parts = read_file(dir.path(), &path, &source(), 1_000_000)
        .remove(0)
        .unwrap();
    assert_eq!(parts.title, "Rotas escolares");
    assert_eq!(
        parts.body,
        "Contexto\n\nA prefeitura reorganizou as rotas.\n\nprimeiro\n\nsegundo"
    );
    assert_eq!(parts.url.as_str(), "local://bundled/pt/rotas.md");
    assert_eq!(
        parts.published.unwrap().date_naive().to_string(),
        "2021-03-22"
    );
    assert_eq!(parts.country.as_deref(), Some("BR"));
    assert_eq!(parts.topics, Some(vec!["school-transport".to_string()]));
}

#[test]
fn toml_front_matter_is_read_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "a.md",
        "+++\ntitle = \"Hochwasser\"\ndate = 2020-01-02\n+++\nText.\n",
    );
    let parts = read_file(dir.path(), &path, &source(), 1_000_000)
        .remove(0)
        .unwrap();
    assert_eq!(parts.title, "Hochwasser");
    assert_eq!(
        parts.published.unwrap().date_naive().to_string(),
        "2020-01-02"
    );
}

#[test]
fn json_lines_give_one_result_per_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "import.jsonl",
        "{\"title\": \"One\", \"body\": \"First text\", \"url\": \"https://example.org/1\"}\n\n\
         not json\n{\"title\": \"Three\", \"content\": \"Third\", \"date\": \"2022-01-01\"}\n",
    );
    let results = read_file(dir.path(), &path, &source(), 1_000_000);
    assert_eq!(results.len(), 3);
    assert_eq!(
        results[0].as_ref().unwrap().url.as_str(),
        "https://example.org/1"
    );
    let error = results[1].as_ref().unwrap_err();
    assert!(error.location.ends_with("import.jsonl:3"), "{error}");
    assert_eq!(results[2].as_ref().unwrap().body, "Third");
    assert_eq!(
        results[2].as_ref().unwrap().url.as_str(),
        "local://bundled/import.jsonl#4"
    );
}

#[test]
fn bad_front_matter_is_an_error_for_that_file_only() {
    let dir = tempfile::tempdir().unwrap();
    let unclosed = write(dir.path(), "a.md", "---\ntitle: x\nbody never closes\n");
    let bad_date = write(dir.path(), "b.md", "---\ndate: someday\n---\ntext\n");
    let bad_yaml = write(dir.path(), "c.md", "---\ntitle: [unclosed\n---\ntext\n");
    for path in [unclosed, bad_date, bad_yaml] {
        let result = read_file(dir.path(), &path, &source(), 1_000_000).remove(0);
        assert!(result.is_err(), "{path:?}");
    }
}

#[test]
fn listing_skips_hidden_unsupported_and_readme_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README.md", "x");
    write(dir.path(), "b/Readme.markdown", "x");
    write(dir.path(), "b/two.md", "x");
    write(dir.path(), "a/one.html", "x");
    write(dir.path(), ".git/config.md", "x");
    write(dir.path(), "notes.txt", "x");
    let files = list_files(dir.path()).unwrap();
    let names: Vec<_> = files
        .iter()
        .map(|path| {
            path.strip_prefix(dir.path())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, ["a/one.html", "b/two.md"]);
}

#[test]
fn oversized_files_are_skipped_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "big.md", &"x".repeat(2_000));
    let error = read_file(dir.path(), &path, &source(), 1_000)
        .remove(0)
        .unwrap_err();
    assert!(error.message.contains("larger than"), "{error}");
}

#[test]
fn the_bundled_collection_reads_without_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../collection");
    let files = list_files(&root).unwrap();
    assert!(files.len() >= 40, "{}", files.len());
    for path in files {
        for result in read_file(&root, &path, &source(), 1_000_000) {
            let parts = result.unwrap();
            let declared = parts.declared_lang.clone().unwrap();
            let (document, _) = parts.into_document(&source()).unwrap();
            assert_eq!(document.lang, declared, "{path:?}");
            assert!(document.body.len() > 200, "{path:?}");
            assert!(document.published.is_some(), "{path:?}");
        }
    }
}
