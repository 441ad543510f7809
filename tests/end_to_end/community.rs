//! The community under `agora serve`: a new question is searchable within seconds, and a
//! server killed in the middle of a burst of posts restarts with every acknowledged post.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Workspace, free_port};

const PASSWORD: &str = "flood gauges at dawn";

/// Posting tasks running at once during the burst.
const NUM_WRITERS: usize = 4;

/// Acknowledged posts after which the server is killed.
const KILL_AFTER_POSTS: usize = 40;

/// Posts each writer attempts at most, so that the burst ends even if the kill fails.
const MAX_POSTS_PER_WRITER: usize = 200;

/// A post the server acknowledged: a question, and its answer once acknowledged too.
#[derive(Debug, Clone)]
struct Acknowledged {
    question: u64,
    title: String,
    answer: Option<u64>,
}

struct Server {
    child: Child,
    base: String,
    client: reqwest::Client,
}

impl Server {
    fn start(workspace: &Workspace) -> Server {
        let addr = format!("127.0.0.1:{}", free_port());
        let child = Command::new(env!("CARGO_BIN_EXE_agora"))
            .args(["serve", "--no-crawl", "--addr", &addr])
            .env("AGORA_CONFIG", workspace.config())
            .env("AGORA_DATA", workspace.data())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Server {
            child,
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
        }
    }

    /// Waits until the server answers, failing if it exits or takes too long.
    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = self
                .client
                .get(format!("{}/healthz", self.base))
                .send()
                .await
                && response.status().is_success()
            {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("agora serve exited with {status} before answering");
            }
            assert!(Instant::now() < deadline, "serve did not answer within 60s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> reqwest::Result<(u16, Value)> {
        let mut request = self.client.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await?))
    }

    async fn get(&self, path: &str) -> Value {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Signs a member up (unless `existing`) and logs them in; returns the token.
    async fn member(&self, name: &str, existing: bool) -> String {
        let email = format!("{name}@example.org");
        if !existing {
            let signup = json!({"email": email, "password": PASSWORD, "name": name});
            let (status, body) = self.post("/api/auth/signup", None, signup).await.unwrap();
            assert_eq!(status, 201, "{body}");
        }
        let login = json!({"email": email, "password": PASSWORD});
        let (status, body) = self.post("/api/auth/login", None, login).await.unwrap();
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_question_is_searchable_within_seconds() {
    let workspace = Workspace::new("", None);
    let mut server = Server::start(&workspace);
    server.wait_ready().await;
    let token = server.member("ana", false).await;
    let question = json!({
        "title": "Digitised building permits: what went wrong?",
        "body": "Our municipality wants permits online.",
        "topics": ["permits"],
    });
    let (status, body) = server
        .post("/api/questions", Some(&token), question)
        .await
        .unwrap();
    assert_eq!(status, 201, "{body}");
    let url = body["url"].as_str().unwrap().to_string();

    // A correctness check with a generous deadline, not a benchmark: the indexing thread
    // commits as soon as the post's trigger reaches it.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = server.get("/api/search?q=permits&kind=question").await;
        if found["hits"][0]["url"] == url.as_str() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not searchable after 20s: {found}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_acknowledged_post_survives_a_kill_in_the_middle_of_a_burst() {
    let workspace = Workspace::new("", None);
    let mut server = Server::start(&workspace);
    server.wait_ready().await;
    let token = server.member("ana", false).await;
    let server = Arc::new(server);

    // Each writer posts questions and answers them, recording each only once the server
    // acknowledged it.
    let acknowledged: Arc<Mutex<Vec<Acknowledged>>> = Arc::default();
    let mut writers = Vec::new();
    for writer in 0..NUM_WRITERS {
        let (server, token, acknowledged) = (server.clone(), token.clone(), acknowledged.clone());
        writers.push(tokio::spawn(async move {
            for post in 0..MAX_POSTS_PER_WRITER {
                let title = format!("Burst question {writer}-{post} about flood warnings");
                let question = json!({"title": title, "body": "Who has done it?"});
                let Ok((201, body)) = server.post("/api/questions", Some(&token), question).await
                else {
                    return;
                };
                let id = body["id"].as_u64().unwrap();
                acknowledged.lock().unwrap().push(Acknowledged {
                    question: id,
                    title: title.clone(),
                    answer: None,
                });
                let path = format!("/api/questions/{id}/answers");
                let answer = json!({"body": format!("Answer to {title}")});
                let Ok((201, body)) = server.post(&path, Some(&token), answer).await else {
                    return;
                };
                let answer_id = body["id"].as_u64().unwrap();
                let mut posts = acknowledged.lock().unwrap();
                let entry = posts.iter_mut().find(|post| post.question == id).unwrap();
                entry.answer = Some(answer_id);
            }
        }));
    }

    let deadline = Instant::now() + Duration::from_secs(120);
    while acknowledged.lock().unwrap().len() < KILL_AFTER_POSTS {
        assert!(
            Instant::now() < deadline,
            "the burst is too slow to reach {KILL_AFTER_POSTS} posts"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let pid = server.child.id().to_string();
    let killed = Command::new("kill").args(["-KILL", &pid]).status().unwrap();
    assert!(killed.success());
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    drop(server);

    let mut restarted = Server::start(&workspace);
    restarted.wait_ready().await;
    let token = restarted.member("ana", true).await;
    assert!(!token.is_empty(), "the account survived");
    for Acknowledged {
        question: id,
        title,
        answer,
    } in &acknowledged
    {
        let question = restarted.get(&format!("/api/questions/{id}")).await;
        assert_eq!(
            question["title"],
            title.as_str(),
            "question {id} lost: {question}"
        );
        if let Some(answer) = answer {
            let answers = question["answers"].as_array().unwrap();
            assert!(
                answers.iter().any(|posted| posted["id"] == *answer),
                "answer {answer} to question {id} lost: {question}"
            );
            assert!(question["num_answers"].as_u64().unwrap() >= 1);
        }
    }

    // The restart republishes every question, so search catches up with the store.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = restarted.get("/api/search?kind=question&per_page=1").await;
        if found["total"].as_u64().unwrap_or(0) >= acknowledged.len() as u64 {
            break;
        }
        assert!(Instant::now() < deadline, "search lost questions: {found}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn moderators_are_granted_from_the_command_line_while_the_server_is_stopped() {
    let workspace = Workspace::new("", None);
    let mut server = Server::start(&workspace);
    server.wait_ready().await;
    server.member("ana", false).await;

    let busy = tokio::task::block_in_place(|| {
        workspace.agora(&["users", "grant-moderator", "ana@example.org"])
    });
    assert_eq!(busy.code, Some(1));
    assert!(
        busy.stderr.contains("in use by another agora process"),
        "{}",
        busy.stderr
    );
    drop(server);

    let unknown = tokio::task::block_in_place(|| {
        workspace.agora(&["users", "grant-moderator", "nobody@example.org"])
    });
    assert_eq!(unknown.code, Some(1));
    assert!(unknown.stderr.contains("no member"), "{}", unknown.stderr);
    let granted = tokio::task::block_in_place(|| {
        workspace.agora(&[
            "users",
            "grant-moderator",
            "Ana@Example.org",
            "--reason",
            "elected",
        ])
    })
    .assert_success();
    assert!(
        granted.stdout.contains("is now a moderator"),
        "{}",
        granted.stdout
    );

    let mut server = Server::start(&workspace);
    server.wait_ready().await;
    let token = server.member("ana", true).await;
    let me: Value = server
        .client
        .get(format!("{}/api/me", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["moderator"], true, "{me}");
    let log: Value = server
        .client
        .get(format!("{}/api/moderation/audit", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["entries"][0]["action"], "grant_moderator", "{log}");
    assert_eq!(log["entries"][0]["actor"]["kind"], "command_line");
    assert_eq!(log["entries"][0]["reason"], "elected");
}
