//! The community's rules: validation, authentication and every permission boundary.

use std::sync::Arc;

use chrono::Duration;

use super::*;
use crate::clock::ManualClock;
use crate::error::{CommunityError, UserError};
use crate::member::Member;
use crate::moderation::PostRef;
use crate::publish::question_doc_id;
use crate::question::Vote;
use crate::store::SledStore;

struct Fixture {
    community: Community,
    clock: Arc<ManualClock>,
    documents: Arc<agora_indexer::Store>,
}

fn fixture() -> Fixture {
    let clock = Arc::new(ManualClock::new());
    let documents = Arc::new(agora_indexer::Store::open_temporary().unwrap());
    let community = Community::new(
        Arc::new(SledStore::open_temporary().unwrap()),
        CommunitySettings::for_tests(),
    )
    .with_clock(clock.clone())
    .with_documents(Arc::clone(&documents));
    Fixture {
        community,
        clock,
        documents,
    }
}

const PASSWORD: &str = "flood gauges at dawn";

fn sign_up(community: &Community, email: &str) -> Member {
    community
        .sign_up(&SignUp {
            email: email.into(),
            password: PASSWORD.into(),
            name: email.split('@').next().unwrap().into(),
        })
        .unwrap()
}

fn ask(community: &Community, author: &Member) -> crate::question::Question {
    community
        .ask(
            author,
            &QuestionDraft {
                title: "Has any municipality digitised building permits?".into(),
                body: "What went wrong?".into(),
                topics: vec!["Permits".into()],
                country: Some("PT".into()),
            },
        )
        .unwrap()
}

fn user_error(error: CommunityError) -> UserError {
    match error {
        CommunityError::User(error) => error,
        CommunityError::Internal(error) => panic!("expected a user error, got {error}"),
    }
}

fn is_forbidden(result: crate::Result<impl std::fmt::Debug>) -> bool {
    matches!(user_error(result.unwrap_err()), UserError::Forbidden { .. })
}

#[test]
fn sign_up_refuses_bad_input_with_the_field_named() {
    let Fixture { community, .. } = fixture();
    sign_up(&community, "ana@example.org");
    let attempt = |email: &str, password: &str| {
        user_error(
            community
                .sign_up(&SignUp {
                    email: email.into(),
                    password: password.into(),
                    name: "Ana".into(),
                })
                .unwrap_err(),
        )
    };
    assert!(matches!(
        attempt("ANA@example.org", PASSWORD),
        UserError::EmailTaken
    ));
    assert!(matches!(
        attempt("not-an-email", PASSWORD),
        UserError::Invalid { field: "email", .. }
    ));
    assert!(matches!(
        attempt("bruno@example.org", "password123"),
        UserError::Invalid {
            field: "password",
            ..
        }
    ));
}

#[test]
fn login_opens_a_session_that_authenticates() {
    let Fixture { community, .. } = fixture();
    let ana = sign_up(&community, "ana@example.org");
    let logged_in = community
        .log_in(" Ana@Example.org ", PASSWORD, "127.0.0.1")
        .unwrap();
    let viewer = community.authenticate(&logged_in.token).unwrap();
    assert_eq!(viewer.member.id, ana.id);

    community.log_out(&logged_in.token).unwrap();
    assert!(matches!(
        user_error(community.authenticate(&logged_in.token).unwrap_err()),
        UserError::SessionExpired
    ));
}

#[test]
fn wrong_passwords_and_unknown_accounts_look_the_same() {
    let Fixture { community, .. } = fixture();
    sign_up(&community, "ana@example.org");
    for email in ["ana@example.org", "nobody@example.org"] {
        let error = community
            .log_in(email, "wrong password!", "127.0.0.1")
            .unwrap_err();
        assert!(matches!(user_error(error), UserError::WrongCredentials));
    }
}

#[test]
fn an_expired_session_is_refused() {
    let Fixture {
        community, clock, ..
    } = fixture();
    sign_up(&community, "ana@example.org");
    let logged_in = community
        .log_in("ana@example.org", PASSWORD, "127.0.0.1")
        .unwrap();
    clock.advance(community.settings().session_ttl + Duration::seconds(1));
    assert!(matches!(
        user_error(community.authenticate(&logged_in.token).unwrap_err()),
        UserError::SessionExpired
    ));
}

#[test]
fn failed_logins_are_limited_per_account_even_with_the_right_password() {
    let Fixture {
        community, clock, ..
    } = fixture();
    sign_up(&community, "ana@example.org");
    let limit = community.settings().max_login_failures_per_account;
    for attempt in 0..limit {
        let address = format!("10.0.0.{attempt}");
        assert!(
            community
                .log_in("ana@example.org", "wrong password!", &address)
                .is_err()
        );
    }
    let error = community
        .log_in("ana@example.org", PASSWORD, "10.0.1.1")
        .unwrap_err();
    assert!(matches!(user_error(error), UserError::RateLimited { .. }));

    clock.advance(community.settings().login_window);
    assert!(
        community
            .log_in("ana@example.org", PASSWORD, "10.0.1.1")
            .is_ok()
    );
}

#[test]
fn failed_logins_are_limited_per_address_across_accounts() {
    let Fixture { community, .. } = fixture();
    sign_up(&community, "ana@example.org");
    let limit = community.settings().max_login_failures_per_address;
    for attempt in 0..limit {
        let email = format!("guess{attempt}@example.org");
        assert!(
            community
                .log_in(&email, "wrong password!", "192.0.2.7")
                .is_err()
        );
    }
    let error = community
        .log_in("ana@example.org", PASSWORD, "192.0.2.7")
        .unwrap_err();
    assert!(matches!(user_error(error), UserError::RateLimited { .. }));
    assert!(
        community
            .log_in("ana@example.org", PASSWORD, "192.0.2.8")
            .is_ok()
    );
}

#[test]
fn a_password_change_keeps_this_session_and_ends_the_others() {
    let Fixture { community, .. } = fixture();
    sign_up(&community, "ana@example.org");
    let here = community
        .log_in("ana@example.org", PASSWORD, "127.0.0.1")
        .unwrap();
    let elsewhere = community
        .log_in("ana@example.org", PASSWORD, "127.0.0.1")
        .unwrap();
    let viewer = community.authenticate(&here.token).unwrap();

    let error = community
        .change_password(&viewer, "not the password", "a brand new passphrase")
        .unwrap_err();
    assert!(matches!(
        user_error(error),
        UserError::Invalid {
            field: "current_password",
            ..
        }
    ));
    community
        .change_password(&viewer, PASSWORD, "a brand new passphrase")
        .unwrap();
    assert!(community.authenticate(&here.token).is_ok());
    assert!(community.authenticate(&elsewhere.token).is_err());
    assert!(
        community
            .log_in("ana@example.org", "a brand new passphrase", "127.0.0.1")
            .is_ok()
    );
}

#[test]
fn only_authors_edit_and_delete_their_posts() {
    let Fixture { community, .. } = fixture();
    let ana = sign_up(&community, "ana@example.org");
    let bruno = sign_up(&community, "bruno@example.org");
    let question = ask(&community, &ana);
    let answer = community
        .answer_question(&bruno, question.id, "Lisbon did.")
        .unwrap();

    assert!(is_forbidden(community.edit_answer(
        &ana,
        answer.id,
        "Edited by Ana"
    )));
    assert!(is_forbidden(community.delete_answer(&ana, answer.id)));
    let edit = QuestionEdit {
        title: Some("Changed".into()),
        ..QuestionEdit::default()
    };
    assert!(is_forbidden(community.edit_question(
        &bruno,
        question.id,
        &edit
    )));
    assert!(is_forbidden(community.delete_question(&bruno, question.id)));

    let edited = community
        .edit_answer(&bruno, answer.id, "Lisbon did, in 2019.")
        .unwrap();
    assert!(edited.edited_at.is_some());
    let error = community.delete_question(&ana, question.id).unwrap_err();
    assert!(
        matches!(user_error(error), UserError::Conflict { .. }),
        "answered by others"
    );
}

#[test]
fn only_the_asker_accepts_and_only_an_answer_to_the_question() {
    let Fixture { community, .. } = fixture();
    let ana = sign_up(&community, "ana@example.org");
    let bruno = sign_up(&community, "bruno@example.org");
    let question = ask(&community, &ana);
    let other_question = ask(&community, &bruno);
    let answer = community
        .answer_question(&bruno, question.id, "Lisbon did.")
        .unwrap();
    let stray = community
        .answer_question(&ana, other_question.id, "Elsewhere")
        .unwrap();

    assert!(is_forbidden(community.accept_answer(
        &bruno,
        question.id,
        Some(answer.id)
    )));
    let error = community
        .accept_answer(&ana, question.id, Some(stray.id))
        .unwrap_err();
    assert!(matches!(
        user_error(error),
        UserError::Invalid {
            field: "answer_id",
            ..
        }
    ));
    community
        .accept_answer(&ana, question.id, Some(answer.id))
        .unwrap();
    let view = community.question(None, question.id).unwrap();
    assert_eq!(view.accepted_answer, Some(answer.id));
    assert!(view.answers[0].accepted);
}

#[test]
fn votes_are_one_per_member_and_never_on_ones_own_answer() {
    let Fixture { community, .. } = fixture();
    let ana = sign_up(&community, "ana@example.org");
    let bruno = sign_up(&community, "bruno@example.org");
    let question = ask(&community, &ana);
    let answer = community
        .answer_question(&bruno, question.id, "Lisbon did.")
        .unwrap();

    assert!(is_forbidden(community.vote(&bruno, answer.id, Vote::Up)));
    assert_eq!(community.vote(&ana, answer.id, Vote::Up).unwrap(), 1);
    assert_eq!(community.vote(&ana, answer.id, Vote::Up).unwrap(), 1);
    let view = community.question(Some(&ana), question.id).unwrap();
    assert_eq!(view.answers[0].score, 1);
    assert_eq!(view.answers[0].my_vote, Some(Vote::Up));
}

#[test]
fn questions_are_published_with_their_answers_and_removed_when_hidden() {
    let Fixture {
        community,
        documents,
        ..
    } = fixture();
    let ana = sign_up(&community, "ana@example.org");
    let bruno = sign_up(&community, "bruno@example.org");
    let question = ask(&community, &ana);
    let doc_id = question_doc_id(question.id);
    let document = documents.document(&doc_id).unwrap().unwrap();
    assert_eq!(document.kind, agora_indexer::ContentKind::Question);
    assert_eq!(document.topics, ["permits"]);
    assert_eq!(document.question.unwrap().num_answers, 0);

    community
        .answer_question(&bruno, question.id, "Lisbon did it.")
        .unwrap();
    let document = documents.document(&doc_id).unwrap().unwrap();
    assert!(document.body.contains("Lisbon did it."));
    assert_eq!(document.question.unwrap().num_answers, 1);

    let moderator = community
        .set_moderator_by_email("bruno@example.org", true, "trusted")
        .unwrap();
    community
        .set_post_hidden(
            &moderator,
            PostRef::Question(question.id),
            true,
            "off topic",
        )
        .unwrap();
    assert!(documents.document(&doc_id).unwrap().is_none());
    let error = community.question(None, question.id).unwrap_err();
    assert!(matches!(user_error(error), UserError::NotFound { .. }));
    assert!(community.question(Some(&ana), question.id).unwrap().hidden);

    community
        .set_post_hidden(&moderator, PostRef::Question(question.id), false, "appeal")
        .unwrap();
    assert!(documents.document(&doc_id).unwrap().is_some());
}

#[test]
fn republishing_restores_missing_documents() {
    let Fixture {
        community,
        documents,
        ..
    } = fixture();
    let ana = sign_up(&community, "ana@example.org");
    let question = ask(&community, &ana);
    documents
        .delete_document(&question_doc_id(question.id))
        .unwrap();
    assert_eq!(community.publish_all_questions().unwrap(), 1);
    assert!(
        documents
            .document(&question_doc_id(question.id))
            .unwrap()
            .is_some()
    );
}

#[test]
fn moderation_is_for_moderators_and_every_action_is_audited() {
    let Fixture { community, .. } = fixture();
    let ana = sign_up(&community, "ana@example.org");
    let bruno = sign_up(&community, "bruno@example.org");
    let question = ask(&community, &ana);
    let answer = community
        .answer_question(&bruno, question.id, "Buy my product")
        .unwrap();
    let target = PostRef::Answer(answer.id);
    community.flag_post(&ana, target, "advertising").unwrap();

    assert!(is_forbidden(
        community.set_post_hidden(&ana, target, true, "no")
    ));
    assert!(is_forbidden(community.moderation_queue(&ana)));
    assert!(is_forbidden(community.audit_log(&ana)));

    let moderator = community
        .set_moderator_by_email("ana@example.org", true, "elected")
        .unwrap();
    assert_eq!(community.moderation_queue(&moderator).unwrap().len(), 1);
    community
        .set_post_hidden(&moderator, target, true, "advertising")
        .unwrap();
    assert!(community.moderation_queue(&moderator).unwrap().is_empty());
    let error = community
        .set_post_hidden(&moderator, target, true, "again")
        .unwrap_err();
    assert!(matches!(user_error(error), UserError::Conflict { .. }));

    let log = community.audit_log(&moderator).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].action, crate::moderation::ModerationAction::Hide);
    assert_eq!(log[0].target, target.to_string());
    assert_eq!(log[0].reason, "advertising");
    assert_eq!(
        log[1].action,
        crate::moderation::ModerationAction::GrantModerator
    );

    let view = community.question(None, question.id).unwrap();
    assert!(
        view.answers.is_empty(),
        "hidden answers are not shown to others"
    );
    assert_eq!(view.num_answers, 0);
}

#[test]
fn messages_go_only_between_connected_members() {
    let Fixture { community, .. } = fixture();
    let ana = sign_up(&community, "ana@example.org");
    let bruno = sign_up(&community, "bruno@example.org");
    let carla = sign_up(&community, "carla@example.org");

    assert!(is_forbidden(
        community.send_message(&ana, bruno.id, "hello")
    ));
    let request = community.request_connection(&ana, bruno.id).unwrap();
    assert!(
        is_forbidden(community.send_message(&ana, bruno.id, "hello")),
        "pending"
    );
    assert!(is_forbidden(
        community.respond_to_connection(&ana, request.id, true)
    ));
    let error = community
        .respond_to_connection(&carla, request.id, true)
        .unwrap_err();
    assert!(matches!(user_error(error), UserError::NotFound { .. }));
    community
        .respond_to_connection(&bruno, request.id, true)
        .unwrap();

    community.send_message(&ana, bruno.id, "hello").unwrap();
    assert_eq!(community.unread(&bruno).unwrap().total, 1);
    assert!(community.thread(&carla, ana.id).unwrap().is_empty());
    assert!(community.thread(&carla, bruno.id).unwrap().is_empty());
    let thread = community.thread(&bruno, ana.id).unwrap();
    assert_eq!(thread.len(), 1);
    assert!(thread[0].read_at.is_some());
    assert_eq!(community.unread(&bruno).unwrap().total, 0);

    community.remove_connection(&bruno, request.id).unwrap();
    assert!(is_forbidden(community.send_message(
        &ana,
        bruno.id,
        "still there?"
    )));
}

#[test]
fn a_declined_member_cannot_ask_again_but_the_decliner_can() {
    let Fixture { community, .. } = fixture();
    let ana = sign_up(&community, "ana@example.org");
    let bruno = sign_up(&community, "bruno@example.org");
    let request = community.request_connection(&ana, bruno.id).unwrap();
    community
        .respond_to_connection(&bruno, request.id, false)
        .unwrap();
    let error = community.request_connection(&ana, bruno.id).unwrap_err();
    assert!(matches!(user_error(error), UserError::Conflict { .. }));
    assert!(community.connections(&ana).unwrap().is_empty());
    let reversed = community.request_connection(&bruno, ana.id).unwrap();
    assert_eq!(reversed.requester, bruno.id);
    assert_eq!(
        reversed.status,
        crate::connection::ConnectionStatus::Pending
    );
}
