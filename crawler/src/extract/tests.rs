use super::*;
use crate::config::CssSelector;

const ARTICLE_PAGE: &str = r##"<!doctype html>
<html lang="pt-BR">
<head>
  <title>Transporte escolar rural | Prefeitura de Exemplo</title>
  <meta property="og:site_name" content="Prefeitura de Exemplo">
  <meta name="description" content="Como a prefeitura reorganizou as rotas.">
  <link rel="canonical" href="https://example.br/transporte-escolar">
  <script type="application/ld+json">
    {"@context": "https://schema.org", "@graph": [{"@type": "WebSite"},
     {"@type": "NewsArticle", "datePublished": "2023-04-05T10:00:00-03:00"}]}
  </script>
  <style>body { color: red }</style>
</head>
<body>
  <header><nav><a href="/">Início</a> <a href="/noticias">Notícias</a></nav></header>
  <div class="cookie-banner">Usamos cookies. <button>Aceitar</button></div>
  <main>
    <article>
      <h1>Transporte escolar rural</h1>
      <p>A prefeitura <strong>reorganizou</strong> as rotas dos ônibus escolares.</p>
      <p>As crianças caminham menos até o ponto.</p>
      <div class="share-buttons"><a href="#">Compartilhar</a></div>
      <ul class="related-links"><li><a href="/x">Leia também</a></li></ul>
      <script>track();</script>
    </article>
  </main>
  <aside>Mais lidas</aside>
  <footer>© Prefeitura</footer>
</body>
</html>"##;

#[test]
fn article_text_keeps_paragraphs_and_drops_boilerplate() {
    let page = extract_page(ARTICLE_PAGE, &Selectors::default()).unwrap();
    assert_eq!(
        page.body,
        "Transporte escolar rural\n\nA prefeitura reorganizou as rotas dos ônibus escolares.\n\n\
         As crianças caminham menos até o ponto."
    );
    assert_eq!(page.method, ExtractionMethod::Element("article".into()));
    assert!(
        page.dropped
            .iter()
            .any(|block| block.starts_with("div.share-buttons")),
        "{:?}",
        page.dropped
    );
    assert!(page.dropped.iter().any(|block| block.starts_with("script")));
}

#[test]
fn metadata_is_read_from_the_head() {
    let page = extract_page(ARTICLE_PAGE, &Selectors::default()).unwrap();
    assert_eq!(page.title, "Transporte escolar rural");
    assert_eq!(page.summary, "Como a prefeitura reorganizou as rotas.");
    assert_eq!(page.declared_lang.as_deref(), Some("pt-BR"));
    assert_eq!(
        page.canonical.as_deref(),
        Some("https://example.br/transporte-escolar")
    );
    assert_eq!(
        page.published.unwrap().to_rfc3339(),
        "2023-04-05T13:00:00+00:00"
    );
}

#[test]
fn body_is_used_when_there_is_no_article() {
    let html = "<html><body><nav>Menu</nav><div id='sidebar'>Links</div>\
                <div><p>First paragraph.</p><p>Second <em>one</em>.</p></div></body></html>";
    let page = extract_page(html, &Selectors::default()).unwrap();
    assert_eq!(page.body, "First paragraph.\n\nSecond one.");
    assert_eq!(page.method, ExtractionMethod::Body);
}

#[test]
fn source_selectors_win() {
    let selectors = Selectors {
        title: Some(CssSelector::parse(".headline").unwrap()),
        content: Some(CssSelector::parse("#story").unwrap()),
        published: Some(CssSelector::parse(".when").unwrap()),
    };
    let html = "<html><head><title>Site</title></head><body><article>Teaser</article>\
                <p class='headline'>Real title</p><span class='when'>2021-09-30</span>\
                <div id='story'><p>Story text.</p></div></body></html>";
    let page = extract_page(html, &selectors).unwrap();
    assert_eq!(page.title, "Real title");
    assert_eq!(page.body, "Story text.");
    assert_eq!(
        page.published.unwrap().date_naive().to_string(),
        "2021-09-30"
    );
    assert_eq!(page.method, ExtractionMethod::Selector("#story".into()));
}

#[test]
fn hidden_elements_are_dropped() {
    let html = "<body><article><p>Visible.</p><p hidden>Hidden.</p>\
                <p style='display: none'>Also hidden.</p><p aria-hidden='true'>Icon</p></article></body>";
    assert_eq!(
        extract_page(html, &Selectors::default()).unwrap().body,
        "Visible."
    );
}

#[test]
fn inline_elements_do_not_split_words() {
    assert_eq!(
        html_to_text("<p>Pre<b>fix</b> and <i>word</i>s</p>").unwrap(),
        "Prefix and words"
    );
}

#[test]
fn site_name_is_stripped_from_titles() {
    assert_eq!(
        strip_site_name("Flood alerts | City of Recife", Some("City of Recife")),
        "Flood alerts"
    );
    assert_eq!(
        strip_site_name("GOV.UK - Waiting lists explained", None),
        "Waiting lists explained"
    );
    assert_eq!(strip_site_name("Plain title", None), "Plain title");
}

#[test]
fn dates_in_common_formats_parse() {
    for raw in [
        "2023-04-05T10:00:00Z",
        "2023-04-05T10:00:00+02:00",
        "Wed, 05 Apr 2023 10:00:00 GMT",
        "2023-04-05",
        "2023-04-05 10:00:00",
        "2023-04-05T10:00:00.123",
    ] {
        assert_eq!(
            parse_date(raw).map(|date| date.date_naive().to_string()),
            Some("2023-04-05".into()),
            "{raw}"
        );
    }
    for raw in ["", "yesterday", "0000-00-00", "1900-01-01", "2999-01-01"] {
        assert_eq!(parse_date(raw), None, "{raw}");
    }
}

#[test]
fn time_elements_give_a_date_when_nothing_else_does() {
    let html =
        "<body><article><time datetime='2020-02-02'>2 Feb</time><p>Text</p></article></body>";
    assert_eq!(
        extract_page(html, &Selectors::default())
            .unwrap()
            .published
            .unwrap()
            .date_naive()
            .to_string(),
        "2020-02-02"
    );
}

#[test]
fn absurdly_deep_markup_is_refused_before_parsing() {
    let html = format!(
        "<body>{}deep{}</body>",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    assert_eq!(
        extract_page(&html, &Selectors::default()),
        Err(ExtractError::TooDeep)
    );
    assert_eq!(html_to_text(&html), Err(ExtractError::TooDeep));
}

#[test]
fn deep_but_plausible_markup_is_parsed_iteratively() {
    let html = format!(
        "<body>{}deep{}</body>",
        "<div>".repeat(2_000),
        "</div>".repeat(2_000)
    );
    assert_eq!(
        extract_page(&html, &Selectors::default()).unwrap().body,
        "deep"
    );
}

#[test]
fn unclosed_paragraphs_do_not_count_as_nesting() {
    let html = format!("<body>{}</body>", "<p>para<br>".repeat(10_000));
    assert!(extract_page(&html, &Selectors::default()).is_ok());
}

#[test]
fn garbage_input_gives_empty_results_not_panics() {
    for html in [
        "",
        "<<<>>>",
        "\u{0}\u{1}",
        "<html><body><p>unclosed",
        "<script>",
        "<meta content>",
    ] {
        let page = extract_page(html, &Selectors::default()).unwrap();
        assert!(page.title.len() < 100, "{html:?}");
    }
}
