//! The community pages, driven as a browser without JavaScript would: forms, cookies,
//! redirects.

use agora_search_api::AppState;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use url::form_urlencoded;

use crate::common::{PASSWORD, Reply, answer, ask, grant_moderator, member, respond, state};

/// A browser's cookies for one site.
#[derive(Default, Clone)]
struct Browser {
    cookies: Vec<(String, String)>,
}

impl Browser {
    async fn get(&mut self, state: &AppState, uri: &str) -> Reply {
        let request = Request::builder()
            .uri(uri)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        self.keep(respond(state, request).await)
    }

    async fn post(&mut self, state: &AppState, uri: &str, fields: &[(&str, &str)]) -> Reply {
        let mut body = form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields {
            body.append_pair(name, value);
        }
        let request = Request::builder()
            .method("POST")
            .uri(uri)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.finish()))
            .unwrap();
        self.keep(respond(state, request).await)
    }

    fn keep(&mut self, reply: Reply) -> Reply {
        for value in reply.headers.get_all(header::SET_COOKIE) {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(known, _)| known != name);
            if !value.is_empty() {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
        reply
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Signs up through the form and stays logged in.
    async fn sign_up(state: &AppState, name: &str) -> Browser {
        let mut browser = Browser::default();
        let form = browser.get(state, "/signup").await;
        let csrf = csrf_of(&form.body);
        let email = format!("{name}@example.org");
        let reply = browser
            .post(
                state,
                "/signup",
                &[
                    ("csrf", &csrf),
                    ("name", name),
                    ("email", &email),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        browser
    }

    /// The CSRF token of the forms on `uri`.
    async fn csrf(&mut self, state: &AppState, uri: &str) -> String {
        csrf_of(&self.get(state, uri).await.body)
    }
}

fn csrf_of(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no CSRF field in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

fn location(reply: &Reply) -> String {
    reply
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn signing_up_through_the_form_logs_in_with_a_safe_cookie() {
    let state = state();
    let mut browser = Browser::default();
    let form = browser.get(&state, "/signup").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf_cookie = form
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csrf_cookie.starts_with("agora_csrf="), "{csrf_cookie}");
    let csrf = csrf_of(&form.body);
    let reply = browser
        .post(
            &state,
            "/signup",
            &[
                ("csrf", &csrf),
                ("name", "Ana"),
                ("email", "ana@example.org"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&reply), "/account");
    let session = reply
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(session.starts_with("agora_session="), "{session}");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "not asked for: {session}");

    let account = browser.get(&state, "/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(account.body.contains("ana@example.org") || account.body.contains("Ana"));
    assert!(account.body.contains("Log out"));
}

#[tokio::test]
async fn secure_cookies_are_marked_secure_when_configured() {
    let state = state().with_secure_cookies(true);
    let mut browser = Browser::default();
    let form = browser.get(&state, "/signup").await;
    let csrf = csrf_of(&form.body);
    let reply = browser
        .post(
            &state,
            "/signup",
            &[
                ("csrf", &csrf),
                ("name", "Ana"),
                ("email", "ana@example.org"),
                ("password", PASSWORD),
            ],
        )
        .await;
    let session = reply
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(session.contains("; Secure"), "{session}");
}

#[tokio::test]
async fn form_posts_without_the_csrf_token_are_refused() {
    let state = state();
    let mut ana = Browser::sign_up(&state, "ana").await;
    let fields = [("title", "Permits?"), ("body", "Details"), ("step", "post")];
    let reply = ana.post(&state, "/questions/ask", &fields).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let forged = [
        ("csrf", "0123456789abcdef"),
        ("title", "Permits?"),
        ("body", "Details"),
        ("step", "post"),
    ];
    let reply = ana.post(&state, "/questions/ask", &forged).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let list = ana.get(&state, "/questions").await;
    assert!(!list.body.contains("Permits?"), "nothing was posted");

    let mut stranger = Browser::default();
    let reply = stranger
        .post(
            &state,
            "/login",
            &[("email", "ana@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "login forms need their token too"
    );
}

#[tokio::test]
async fn logging_in_and_out_through_the_forms() {
    let state = state();
    member(&state, "ana").await;
    let mut browser = Browser::default();
    let csrf = browser.csrf(&state, "/login?next=/questions/ask").await;
    let wrong = browser
        .post(
            &state,
            "/login",
            &[
                ("csrf", &csrf),
                ("email", "ana@example.org"),
                ("password", "nope nope nope"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("role=\"alert\""));
    let reply = browser
        .post(
            &state,
            "/login",
            &[
                ("csrf", &csrf),
                ("email", "ana@example.org"),
                ("password", PASSWORD),
                ("next", "/questions/ask"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&reply), "/questions/ask");

    let csrf = browser.csrf(&state, "/questions").await;
    let reply = browser.post(&state, "/logout", &[("csrf", &csrf)]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let account = browser.get(&state, "/account").await;
    assert_eq!(account.status, StatusCode::SEE_OTHER, "logged out");
    assert_eq!(location(&account), "/login?next=%2Faccount");
}

#[tokio::test]
async fn asking_shows_suggestions_before_posting() {
    let state = state();
    let mut ana = Browser::sign_up(&state, "ana").await;
    let csrf = ana.csrf(&state, "/questions/ask").await;
    let draft = [
        ("csrf", csrf.as_str()),
        ("title", "Rural school transport in winter"),
        (
            "body",
            "How do rural municipalities plan school bus routes?",
        ),
        ("topics", "education, transport"),
        ("country", "br"),
    ];
    let review = ana
        .post(
            &state,
            "/questions/ask",
            &[&draft[..], &[("step", "review")]].concat(),
        )
        .await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.body);
    assert!(
        review.body.contains("Related case studies"),
        "{}",
        review.body
    );
    assert!(
        review.body.contains("Transporte escolar rural"),
        "{}",
        review.body
    );
    assert!(review.body.contains("Post the question"));
    let list = ana.get(&state, "/questions").await;
    assert!(
        !list.body.contains("Rural school transport in winter"),
        "not posted yet"
    );

    let posted = ana
        .post(
            &state,
            "/questions/ask",
            &[&draft[..], &[("step", "post")]].concat(),
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let page = ana.get(&state, &location(&posted)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Rural school transport in winter"));
    assert!(page.body.contains("transport"));

    let search = ana.get(&state, "/?q=rural+school+bus&kind=question").await;
    assert!(
        search
            .body
            .contains(&format!("href=\"{}\"", location(&posted))),
        "{}",
        search.body
    );
}

#[tokio::test]
async fn answering_voting_and_accepting_through_the_forms() {
    let state = state();
    let mut ana = Browser::sign_up(&state, "ana").await;
    let mut bruno = Browser::sign_up(&state, "bruno").await;
    let csrf = ana.csrf(&state, "/questions/ask").await;
    let posted = ana
        .post(
            &state,
            "/questions/ask",
            &[
                ("csrf", &csrf),
                ("title", "Permits online?"),
                ("body", "Who did it?"),
                ("step", "post"),
            ],
        )
        .await;
    let question = location(&posted);

    let csrf = bruno.csrf(&state, &question).await;
    let reply = bruno
        .post(
            &state,
            &format!("{question}/answers"),
            &[
                ("csrf", &csrf),
                ("body", "Lisbon <script>alert(1)</script> did **it**."),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let answer_id: u64 = location(&reply)
        .rsplit("answer-")
        .next()
        .unwrap()
        .parse()
        .unwrap();

    let page = ana.get(&state, &question).await;
    assert!(page.body.contains("<strong>it</strong>"), "{}", page.body);
    assert!(!page.body.contains("<script>alert(1)"), "{}", page.body);
    assert!(page.body.contains("Accept this answer"));
    let csrf = csrf_of(&page.body);
    let vote = ana
        .post(
            &state,
            &format!("/answers/{answer_id}/vote"),
            &[("csrf", &csrf), ("value", "1")],
        )
        .await;
    assert_eq!(vote.status, StatusCode::SEE_OTHER);
    let accept = ana
        .post(
            &state,
            &format!("{question}/accept"),
            &[("csrf", &csrf), ("answer_id", &answer_id.to_string())],
        )
        .await;
    assert_eq!(accept.status, StatusCode::SEE_OTHER);
    let page = ana.get(&state, &question).await;
    assert!(page.body.contains("Accepted by the asker"));
    assert!(page.body.contains("<strong>1</strong>"), "{}", page.body);

    let csrf = bruno.csrf(&state, &question).await;
    let own_vote = bruno
        .post(
            &state,
            &format!("/answers/{answer_id}/vote"),
            &[("csrf", &csrf), ("value", "1")],
        )
        .await;
    assert_eq!(own_vote.status, StatusCode::FORBIDDEN);
    let steal = bruno
        .post(
            &state,
            &format!("{question}/accept"),
            &[("csrf", &csrf), ("answer_id", "")],
        )
        .await;
    assert_eq!(steal.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_question_list_filters_answered_and_unanswered() {
    let state = state();
    let ana = member(&state, "ana").await;
    let bruno = member(&state, "bruno").await;
    let answered = ask(&state, &ana, "Answered permits question").await;
    ask(&state, &ana, "Open flood question").await;
    answer(&state, &bruno, answered, "Done in Lisbon").await;
    let mut browser = Browser::default();
    let all = browser.get(&state, "/questions").await;
    assert!(
        all.body.contains("Answered permits question") && all.body.contains("Open flood question")
    );
    let open = browser.get(&state, "/questions?answered=false").await;
    assert!(
        !open.body.contains("Answered permits question")
            && open.body.contains("Open flood question")
    );
    let done = browser.get(&state, "/questions?answered=true").await;
    assert!(
        done.body.contains("Answered permits question")
            && !done.body.contains("Open flood question")
    );

    let search = browser.get(&state, "/?answered=false").await;
    assert!(search.body.contains("Unanswered"), "{}", search.body);
    assert!(search.body.contains("1 result "), "{}", search.body);
}

#[tokio::test]
async fn profiles_connections_and_messages_pages() {
    let state = state();
    let mut ana = Browser::sign_up(&state, "ana").await;
    let mut bruno = Browser::sign_up(&state, "bruno").await;
    let bruno_id = state
        .community
        .store()
        .member_by_email("bruno@example.org")
        .unwrap()
        .unwrap()
        .id;

    let csrf = ana.csrf(&state, "/account").await;
    let saved = ana
        .post(
            &state,
            "/account/profile",
            &[
                ("csrf", &csrf),
                ("name", "Ana"),
                ("organisation", "Prefeitura do Recife"),
                ("country", "br"),
                ("level", "municipal"),
                ("topics", "permits"),
                ("languages", "pt, en"),
                ("bio", "Hi"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let people = bruno.get(&state, "/people?topic=permits").await;
    assert!(
        people.body.contains("Prefeitura do Recife"),
        "{}",
        people.body
    );

    let profile = ana.get(&state, &format!("/people/{bruno_id}")).await;
    assert!(profile.body.contains(">Connect</button>"));
    let csrf = csrf_of(&profile.body);
    let request = ana
        .post(
            &state,
            "/connections",
            &[("csrf", &csrf), ("user_id", &bruno_id.to_string())],
        )
        .await;
    assert_eq!(request.status, StatusCode::SEE_OTHER);
    let connections = bruno.get(&state, "/connections").await;
    assert!(connections.body.contains("wants to connect"));
    let csrf = csrf_of(&connections.body);
    let accept_path = connections
        .body
        .split("action=\"")
        .find(|part| part.contains("/accept\""))
        .unwrap();
    let accept_path = accept_path.split('"').next().unwrap().to_string();
    let accepted = bruno.post(&state, &accept_path, &[("csrf", &csrf)]).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);

    let csrf = ana.csrf(&state, &format!("/messages/{bruno_id}")).await;
    let sent = ana
        .post(
            &state,
            &format!("/messages/{bruno_id}"),
            &[("csrf", &csrf), ("body", "Olá <b>Bruno</b>")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let inbox = bruno.get(&state, "/messages").await;
    assert!(inbox.body.contains("1 unread"), "{}", inbox.body);
    let ana_id = state
        .community
        .store()
        .member_by_email("ana@example.org")
        .unwrap()
        .unwrap()
        .id;
    let thread = bruno.get(&state, &format!("/messages/{ana_id}")).await;
    assert!(
        thread.body.contains("Olá &lt;b&gt;Bruno&lt;/b&gt;")
            || thread.body.contains("Olá &#60;b&#62;"),
        "{}",
        thread.body
    );
    let inbox = bruno.get(&state, "/messages").await;
    assert!(!inbox.body.contains("unread"), "read now");
}

#[tokio::test]
async fn the_moderation_page_is_for_moderators() {
    let state = state();
    let ana = member(&state, "ana").await;
    let question = ask(&state, &ana, "Spammy question").await;
    let mut visitor = Browser::sign_up(&state, "visitor").await;
    let csrf = visitor
        .csrf(&state, &format!("/questions/{question}"))
        .await;
    let flagged = visitor
        .post(
            &state,
            "/flags",
            &[
                ("csrf", &csrf),
                ("target", &format!("question:{question}")),
                ("reason", "spam"),
            ],
        )
        .await;
    assert_eq!(flagged.status, StatusCode::SEE_OTHER);
    assert_eq!(
        visitor.get(&state, "/moderation").await.status,
        StatusCode::FORBIDDEN
    );

    let mut moderator = Browser::sign_up(&state, "mod").await;
    grant_moderator(&state, "mod");
    let page = moderator.get(&state, "/moderation").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("spam") && page.body.contains(&format!("question:{question}")));
    let csrf = csrf_of(&page.body);
    let hidden = moderator
        .post(
            &state,
            "/moderation/hide",
            &[
                ("csrf", &csrf),
                ("target", &format!("question:{question}")),
                ("reason", "spam"),
            ],
        )
        .await;
    assert_eq!(hidden.status, StatusCode::SEE_OTHER);
    assert_eq!(
        visitor
            .get(&state, &format!("/questions/{question}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let page = moderator.get(&state, "/moderation").await;
    assert!(page.body.contains("hid"), "audit log: {}", page.body);
}

#[tokio::test]
async fn pages_that_need_a_login_send_visitors_to_it() {
    let state = state();
    let mut visitor = Browser::default();
    for uri in [
        "/account",
        "/questions/ask",
        "/connections",
        "/messages",
        "/moderation",
    ] {
        let reply = visitor.get(&state, uri).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(location(&reply).starts_with("/login?next="), "{uri}");
    }
    let list = visitor.get(&state, "/questions").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let missing = visitor.get(&state, "/questions/999999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.content_type.starts_with("text/html"));
}
