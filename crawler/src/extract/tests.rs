use proptest::prelude::*;

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

fn extract(html: &str) -> ExtractedPage {
    extract_page(html, &Selectors::default()).unwrap()
}

fn reasons(page: &ExtractedPage) -> Vec<String> {
    page.dropped
        .iter()
        .map(|block| format!("{}: {}", block.path, block.reason))
        .collect()
}

#[test]
fn article_text_keeps_paragraphs_and_drops_boilerplate() {
    let page = extract(ARTICLE_PAGE);
    assert_eq!(
        page.body,
        "Transporte escolar rural\n\nA prefeitura reorganizou as rotas dos ônibus escolares.\n\n\
         As crianças caminham menos até o ponto."
    );
    assert!(
        matches!(&page.method, ExtractionMethod::Scored { path, .. } if path.starts_with("body > main")),
        "{:?}",
        page.method
    );
    let reasons = reasons(&page);
    for expected in [
        "body > header: <header> is never article text",
        "body > div.cookie-banner: class or id hint `cookie`",
        "div.share-buttons: class or id hint `share`",
        "ul.related-links: class or id hint `related`",
        "article > script: <script> is never article text",
        "body > aside: <aside> is never article text",
        "body > footer: <footer> is never article text",
    ] {
        assert!(
            reasons.iter().any(|reason| reason.ends_with(expected)),
            "{expected} missing from {reasons:#?}"
        );
    }
}

/// Each case: a page, text its body must contain, and text it must not.
#[test]
fn boilerplate_never_reaches_the_body() {
    let story = "<p>The council opened three new shelters for families, each with a kitchen, \
                 a playroom and a caseworker on site, and waiting times fell by half.</p>\
                 <p>Caseworkers now meet every family within a day of arrival, and most move \
                 to permanent housing within six months.</p>";
    let cases: Vec<(String, &str)> = vec![
        // Anonymous divs only: the scored block wins over link-heavy neighbours.
        (
            format!(
                "<body><div><a href='/'>Home</a> <a href='/a'>About</a> <a href='/b'>Services</a>\
                 </div><div>{story}</div><div><a href='/x'>Other news one</a><br>\
                 <a href='/y'>Other news two</a></div></body>"
            ),
            "Other news",
        ),
        (
            format!(
                "<body><div id='cc' class='consent-dialog'>We use cookies to improve this site, \
                 please accept them.</div><div class='entry-content'>{story}</div></body>"
            ),
            "cookies",
        ),
        (
            format!(
                "<body><div class='post'>{story}<div class='social-share'><a href='#'>Facebook</a>\
                 <a href='#'>X</a></div></div></body>"
            ),
            "Facebook",
        ),
        (
            format!(
                "<body><article>{story}<section class='related'><h2>Related stories</h2><ul>\
                 <li><a href='/1'>Shelter openings in the north of the region</a></li>\
                 <li><a href='/2'>Housing first, five years on</a></li></ul></section>\
                 </article></body>"
            ),
            "Related stories",
        ),
        (
            format!(
                "<body><div role='main'>{story}</div><div role='contentinfo'>© City Council, all \
                 rights reserved, 2024.</div></body>"
            ),
            "rights reserved",
        ),
        (
            format!(
                "<body><div class='layout'><div class='content'>{story}</div><div \
                 class='sidebar'>Popular this week: a long list of unrelated things to read \
                 instead.</div></div></body>"
            ),
            "Popular this week",
        ),
        (
            format!(
                "<body><div>{story}<ul><li><a href='/p1'>Previous: road works</a></li>\
                 <li><a href='/p2'>Next: library hours</a></li></ul></div></body>"
            ),
            "library hours",
        ),
        (
            format!(
                "<body><form id='aspnetForm'><div id='wrapper'>{story}</div><div \
                 class='footer-links'><a href='/p'>Privacy</a> <a href='/a'>Accessibility</a>\
                 </div></form></body>"
            ),
            "Accessibility",
        ),
    ];
    for (html, boilerplate) in cases {
        let page = extract(&html);
        assert!(
            page.body.contains("three new shelters"),
            "{html}\n{}",
            page.body
        );
        assert!(
            page.body.contains("permanent housing"),
            "{html}\n{}",
            page.body
        );
        assert!(
            !page.body.contains(boilerplate),
            "`{boilerplate}` in the body of {html}\n{}\n{:#?}",
            page.body,
            reasons(&page)
        );
    }
}

#[test]
fn japanese_paragraphs_score_without_spaces() {
    let html = "<body><div class='menu'><a href='/'>ホーム</a><a href='/k'>くらし</a></div>\
                <div><p>市は川の水位が上がると、地域のすべての携帯電話に避難の情報を自動で送る\
                仕組みを導入しました。</p><p>高齢者や外国人住民にも、やさしい日本語と多言語で\
                確実に届くようになりました。</p></div><div class='footer'>著作権</div></body>";
    let page = extract(html);
    assert!(
        matches!(page.method, ExtractionMethod::Scored { .. }),
        "{:?}",
        page.method
    );
    assert!(page.body.starts_with("市は川の水位"), "{}", page.body);
    assert!(!page.body.contains("ホーム") && !page.body.contains("著作権"));
}

#[test]
fn dropped_blocks_name_their_reasons() {
    let cases = [
        (
            "<body><article><p>A long enough paragraph about rural school transport routes.</p>\
             <div><a href='/a'>One link</a> <a href='/b'>Two links</a> and a word</div></article>\
             </body>",
            "link density",
        ),
        (
            "<body><article><p>A long enough paragraph about rural school transport routes.</p>\
             <div>12 March 2024</div></article></body>",
            "too short (11 characters, no sentence)",
        ),
        (
            "<body><article><p>A long enough paragraph about rural school transport routes.</p>\
             <p hidden>Secret</p></article></body>",
            "hidden",
        ),
        (
            "<body><div role='navigation'>Home</div><article><p>A long enough paragraph about \
             rural school transport routes.</p></article></body>",
            "role `navigation` is page chrome",
        ),
        (
            "<body><article><div class='entry-meta'>Posted by the press office, 3 May.</div><p>A \
             long enough paragraph about rural school transport routes.</p></article></body>",
            "div.entry-meta: class or id hint `meta`",
        ),
    ];
    for (html, expected) in cases {
        let reasons = reasons(&extract(html));
        assert!(
            reasons.iter().any(|reason| reason.contains(expected)),
            "{expected} missing from {reasons:#?}"
        );
    }
}

#[test]
fn the_best_block_wins_over_runners_up() {
    let html = "<body><div class='teaser'><p>A short teaser about the budget, with a comma.</p>\
                </div><div class='article-body'><p>The participatory budget, first tried in \
                2019, now covers a tenth of investment spending, and every district votes.</p>\
                <p>Residents propose projects online or at district offices, and staff check \
                costs, feasibility and legal limits before the vote.</p></div></body>";
    let page = extract(html);
    let ExtractionMethod::Scored { path, score } = &page.method else {
        panic!("{:?}", page.method);
    };
    assert_eq!(path, "body > div.article-body");
    assert!(!page.body.contains("teaser"));
    let runner_up = &page.runners_up[0];
    assert!(runner_up.score < *score, "{:?}", page.runners_up);
}

#[test]
fn body_is_used_when_no_block_holds_a_paragraph() {
    let html = "<html><body><nav>Menu</nav><div id='sidebar'>Links</div>\
                <div><p>First paragraph.</p><p>Second <em>one</em>.</p></div></body></html>";
    let page = extract(html);
    assert_eq!(page.body, "First paragraph.\n\nSecond one.");
    assert_eq!(page.method, ExtractionMethod::Body);
}

#[test]
fn text_written_straight_into_the_body_is_kept_without_the_head() {
    let html = "<html><head><title>Old page</title></head><body>An old page writes its text \
                straight into the body, without any paragraph.<br>Second line of it, long too.\
                <div class='footer'>Footer</div></body></html>";
    let page = extract(html);
    assert_eq!(
        page.body,
        "An old page writes its text straight into the body, without any paragraph.\n\n\
         Second line of it, long too."
    );
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
                <div id='story'><p>Story text.</p><div class='share'>Kept: the editor chose \
                this block</div><script>x()</script></div></body></html>";
    let page = extract_page(html, &selectors).unwrap();
    assert_eq!(page.title, "Real title");
    assert_eq!(page.title_source, TitleSource::Selector);
    assert_eq!(
        page.body,
        "Story text.\n\nKept: the editor chose this block"
    );
    assert_eq!(
        page.published.unwrap().date_naive().to_string(),
        "2021-09-30"
    );
    assert_eq!(page.published_from, Some(DateSource::Selector));
    assert_eq!(page.method, ExtractionMethod::Selector("#story".into()));
}

#[test]
fn hidden_elements_are_dropped() {
    let html = "<body><article><p>Visible text of the article, long enough.</p><p hidden>Hidden.</p>\
                <p style='display: none'>Also hidden.</p><p aria-hidden='true'>Icon</p></article></body>";
    assert_eq!(
        extract(html).body,
        "Visible text of the article, long enough."
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
fn feed_fragments_keep_their_text() {
    assert_eq!(
        html_to_text("<div class='share'>Short</div><p>Text</p><script>x()</script>").unwrap(),
        "Short\n\nText"
    );
}

#[test]
fn titles_come_from_og_title_then_h1_then_title() {
    let cases = [
        (
            "<head><meta property='og:title' content='Flood warnings | City of X'>\
             <meta property='og:site_name' content='City of X'><title>Other</title></head>\
             <body><h1>Heading</h1></body>",
            "Flood warnings",
            TitleSource::OpenGraph,
            Some("City of X"),
        ),
        (
            "<head><title>Flood warnings | City of X</title></head><body><div class='logo'>\
             <h1>City of X</h1></div><article><h1>Flood warnings in the valley</h1><p>The \
             river rose two metres overnight, and sirens sounded.</p></article></body>",
            "Flood warnings in the valley",
            TitleSource::Heading,
            None,
        ),
        (
            "<head><title>Flood warnings – City of X</title>\
             <meta name='application-name' content='City of X'></head><body></body>",
            "Flood warnings",
            TitleSource::TitleElement,
            Some("City of X"),
        ),
        (
            "<head><title>City of X :: Flood warnings</title>\
             <meta property='og:site_name' content='City of X'></head><body></body>",
            "Flood warnings",
            TitleSource::TitleElement,
            Some("City of X"),
        ),
        (
            "<head><title>Covid-19 - a review - part 2</title></head><body></body>",
            "Covid-19 - a review - part 2",
            TitleSource::TitleElement,
            None,
        ),
        ("<body></body>", "", TitleSource::None, None),
    ];
    for (html, title, source, site) in cases {
        let page = extract(html);
        assert_eq!(page.title, title, "{html}");
        assert_eq!(page.title_source, source, "{html}");
        assert_eq!(page.stripped_site_name.as_deref(), site, "{html}");
    }
}

#[test]
fn site_names_are_recognised_from_the_host() {
    let url = Url::parse("https://www.recife.pe.gov.br/noticias/1").unwrap();
    let html = "<head><title>Alerta de enchentes - Prefeitura do Recife</title></head>";
    let page = extract_page_at(html, Some(&url), &Selectors::default()).unwrap();
    assert_eq!(page.title, "Alerta de enchentes");
    assert_eq!(
        page.stripped_site_name.as_deref(),
        Some("Prefeitura do Recife")
    );
}

#[test]
fn site_name_stripping() {
    let names = |list: &[&str]| list.iter().map(|name| name.to_string()).collect::<Vec<_>>();
    let cases = [
        (
            "Flood alerts | City of Recife",
            names(&["City of Recife"]),
            "Flood alerts",
        ),
        (
            "GOV.UK - Waiting lists explained",
            names(&["gov.uk"]),
            "Waiting lists explained",
        ),
        ("Waiting lists | NHS", names(&[]), "Waiting lists"),
        ("Plain title", names(&["Site"]), "Plain title"),
        (
            "City of Recife",
            names(&["City of Recife"]),
            "City of Recife",
        ),
        ("Budget — Ville Exemple", names(&["exemple"]), "Budget"),
    ];
    for (title, site_names, expected) in cases {
        assert_eq!(
            metadata::strip_site_name(title, &site_names).0,
            expected,
            "{title}"
        );
    }
}

#[test]
fn metadata_is_read_from_the_head() {
    let page = extract(ARTICLE_PAGE);
    assert_eq!(page.title, "Transporte escolar rural");
    assert_eq!(page.summary, "Como a prefeitura reorganizou as rotas.");
    assert_eq!(page.declared_lang.as_deref(), Some("pt-BR"));
    assert_eq!(page.declared_lang_from, Some("<html lang>"));
    assert_eq!(
        page.canonical.as_deref(),
        Some("https://example.br/transporte-escolar")
    );
    assert_eq!(
        page.published.unwrap().to_rfc3339(),
        "2023-04-05T13:00:00+00:00"
    );
    assert_eq!(page.published_from, Some(DateSource::JsonLd));
}

/// Each case: a page, the date found (`YYYY-MM-DD`), and where it came from.
#[test]
fn publication_dates_come_from_the_best_declaration() {
    let cases = [
        (
            "<meta property='article:published_time' content='2023-01-02T08:00:00Z'>\
             <script type='application/ld+json'>{\"datePublished\": \"2020-01-01\"}</script>",
            "2023-01-02",
            DateSource::ArticlePublishedTime,
        ),
        (
            "<script type='application/ld+json'>[{\"@type\": \"Organization\"}, \
             {\"@graph\": [{\"@type\": \"Article\", \"datePublished\": \"2022-05-06\"}]}]</script>",
            "2022-05-06",
            DateSource::JsonLd,
        ),
        (
            // Malformed: a trailing comma and a raw line break inside a string.
            "<script type='application/ld+json'>{\"headline\": \"Two\nlines\", \
             \"datePublished\": \"2021-07-08T10:00:00+0200\",}</script>",
            "2021-07-08",
            DateSource::JsonLd,
        ),
        (
            "<script type='application/ld+json'><!-- {\"datePublished\": \"2021-03-04\"} --></script>",
            "2021-03-04",
            DateSource::JsonLd,
        ),
        (
            "<script type='application/ld+json'>{\"datePublished\": \"2019-11-12\" oops</script>",
            "2019-11-12",
            DateSource::JsonLd,
        ),
        (
            "<body><aside><time datetime='2001-01-01'>old</time></aside><article><time \
             datetime='2020-02-02'>2 Feb</time><p>Text of the article, long enough to count.</p>\
             </article></body>",
            "2020-02-02",
            DateSource::TimeElement,
        ),
        (
            "<meta name='DC.date.issued' content='2018-09-10'><meta name='date' content='2017-01-01'>",
            "2018-09-10",
            DateSource::Meta("DC.date.issued".into()),
        ),
        (
            "<meta name='citation_publication_date' content='2016/04/05'>",
            "2016-04-05",
            DateSource::Meta("citation_publication_date".into()),
        ),
        (
            "<meta name='date' content='2015-06-07'>",
            "2015-06-07",
            DateSource::Meta("date".into()),
        ),
    ];
    for (html, date, source) in cases {
        let page = extract(html);
        assert_eq!(
            page.published.map(|date| date.date_naive().to_string()),
            Some(date.to_string()),
            "{html}"
        );
        assert_eq!(page.published_from, Some(source), "{html}");
    }
}

#[test]
fn declared_languages_are_found_in_order() {
    let cases = [
        (
            "<html lang='de-AT'><head><meta property='og:locale' content='en_GB'></head></html>",
            "de-AT",
            "<html lang>",
        ),
        (
            "<html><head><meta http-equiv='Content-Language' content='fr'></head></html>",
            "fr",
            "a Content-Language meta tag",
        ),
        (
            "<html><head><meta property='og:locale' content='pt_BR'></head></html>",
            "pt_BR",
            "og:locale",
        ),
    ];
    for (html, lang, from) in cases {
        let page = extract(html);
        assert_eq!(page.declared_lang.as_deref(), Some(lang), "{html}");
        assert_eq!(page.declared_lang_from, Some(from), "{html}");
    }
}

#[test]
fn dates_in_common_formats_parse() {
    for raw in [
        "2023-04-05T10:00:00Z",
        "2023-04-05T10:00:00+02:00",
        "2023-04-05T10:00:00+0200",
        "Wed, 05 Apr 2023 10:00:00 GMT",
        "2023-04-05",
        "2023/04/05",
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
    assert_eq!(extract(&html).body, "deep");
    let text = "A paragraph deep inside the page, long enough to be scored.";
    let html = format!(
        "<body>{}<p>{text}</p>{}</body>",
        "<div>".repeat(2_000),
        "</div>".repeat(2_000)
    );
    assert_eq!(extract(&html).body, text);
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
        "<script type='application/ld+json'>{{{{</script>",
        "<script type='application/ld+json'>\"datePublished\":</script>",
        "<html lang><title> | </title>",
    ] {
        let page = extract(html);
        assert!(page.title.len() < 100, "{html:?}");
    }
}

fn html_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<div class='content'>".to_string()),
        Just("<div class='nav share'>".to_string()),
        Just("</div>".to_string()),
        Just("<p>".to_string()),
        Just("</p>".to_string()),
        Just("<a href='/x'>".to_string()),
        Just("</a>".to_string()),
        Just("<article>".to_string()),
        Just("<h1>".to_string()),
        Just("<script type='application/ld+json'>{\"datePublished\":".to_string()),
        Just("<time datetime='2020-01-01'>".to_string()),
        Just("<meta property='og:title' content='A | B'>".to_string()),
        Just("<title>".to_string()),
        "[a-zA-Zçã,. 日本]{0,30}",
        "\\PC{0,10}",
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn extraction_never_panics_and_keeps_text_clean(html in html_soup()) {
        let page = extract_page(&html, &Selectors::default()).unwrap();
        prop_assert!(!page.body.contains("\n\n\n"));
        prop_assert_eq!(page.body.trim(), page.body.as_str());
        prop_assert!(!page.title.contains('\n'));
        html_to_text(&html).unwrap();
    }

    #[test]
    fn the_head_never_reaches_the_body(soup in html_soup()) {
        let html = format!("<html><head><title>Headtext</title></head><body>{soup}</body></html>");
        let page = extract_page(&html, &Selectors::default()).unwrap();
        prop_assert!(!page.body.contains("Headtext"), "{}", page.body);
    }

    #[test]
    fn arbitrary_text_never_panics(html in "\\PC{0,200}") {
        extract_page(&html, &Selectors::default()).unwrap();
        html_to_text(&html).unwrap();
    }
}
