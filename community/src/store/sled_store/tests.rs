//! The storage contracts, checked against the sled backend.

use chrono::{Duration, Utc};

use super::*;
use crate::error::{CommunityError, UserError};
use crate::moderation::{Actor, ModerationAction};
use crate::question::Vote;
use crate::session::Token;

fn store() -> SledStore {
    SledStore::open_temporary().unwrap()
}

fn member(store: &SledStore, email: &str) -> Member {
    store
        .insert_member(&NewMember {
            email: email.into(),
            name: email.split('@').next().unwrap().into(),
            password_hash: "hash".into(),
            created_at: Utc::now(),
        })
        .unwrap()
}

fn question(store: &SledStore, author: MemberId) -> Question {
    store
        .insert_question(&NewQuestion {
            author,
            title: "Building permits online?".into(),
            body: "What went wrong?".into(),
            topics: vec!["permits".into()],
            country: Some("PT".into()),
            created_at: Utc::now(),
        })
        .unwrap()
}

fn answer(store: &SledStore, question: QuestionId, author: MemberId) -> Answer {
    store
        .insert_answer(&NewAnswer {
            question,
            author,
            body: "Training took longest.".into(),
            created_at: Utc::now(),
        })
        .unwrap()
}

fn audit(action: ModerationAction, target: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor: Actor::CommandLine,
        action,
        target: target.into(),
        reason: "test".into(),
        at: Utc::now(),
    }
}

fn session(member: MemberId, expires_in: Duration) -> (Token, Session) {
    let token = Token::generate().unwrap();
    let session = Session {
        token_hash: token.hash(),
        member,
        csrf_token: "csrf".into(),
        created_at: Utc::now(),
        expires_at: Utc::now() + expires_in,
    };
    (token, session)
}

#[test]
fn emails_are_unique() {
    let store = store();
    let ana = member(&store, "ana@example.org");
    assert!(ana.id.get() > 0);
    let error = store
        .insert_member(&NewMember {
            email: "ana@example.org".into(),
            name: "Other".into(),
            password_hash: "x".into(),
            created_at: Utc::now(),
        })
        .unwrap_err();
    assert!(matches!(error, CommunityError::User(UserError::EmailTaken)));
    assert_eq!(store.member_by_email("ana@example.org").unwrap(), Some(ana));
}

#[test]
fn a_profile_update_keeps_the_password_and_role() {
    let store = store();
    let mut ana = member(&store, "ana@example.org");
    ana.profile.organisation = "Prefeitura de Recife".into();
    ana.password_hash = "tampered".into();
    ana.moderator = true;
    store.update_profile(&ana).unwrap();
    let stored = store.member(ana.id).unwrap().unwrap();
    assert_eq!(stored.profile.organisation, "Prefeitura de Recife");
    assert_eq!(stored.password_hash, "hash");
    assert!(!stored.moderator);
}

#[test]
fn the_directory_filters_and_pages() {
    let store = store();
    let mut ids = Vec::new();
    for (email, country) in [("a@x.org", "BR"), ("b@x.org", "JP"), ("c@x.org", "BR")] {
        let mut member = member(&store, email);
        member.profile.country = Some(country.into());
        store.update_profile(&member).unwrap();
        ids.push(member.id);
    }
    let brazil = MemberFilter {
        country: Some("BR".into()),
        limit: 10,
        ..MemberFilter::default()
    };
    let found: Vec<_> = store
        .members(&brazil)
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(found, [ids[0], ids[2]]);
    let next_page = MemberFilter {
        after: Some(ids[0]),
        limit: 1,
        ..brazil
    };
    let found: Vec<_> = store
        .members(&next_page)
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(found, [ids[2]]);
}

#[test]
fn a_password_change_ends_every_other_session() {
    let store = store();
    let ana = member(&store, "ana@example.org");
    let (_, kept) = session(ana.id, Duration::days(1));
    let (_, ended) = session(ana.id, Duration::days(1));
    store.insert_session(&kept).unwrap();
    store.insert_session(&ended).unwrap();
    store
        .change_password(ana.id, "new hash", Some(&kept.token_hash))
        .unwrap();
    assert_eq!(store.session(&kept.token_hash).unwrap(), Some(kept));
    assert_eq!(store.session(&ended.token_hash).unwrap(), None);
    assert_eq!(
        store.member(ana.id).unwrap().unwrap().password_hash,
        "new hash"
    );
}

#[test]
fn expired_sessions_are_swept() {
    let store = store();
    let ana = member(&store, "ana@example.org");
    let (_, old) = session(ana.id, Duration::seconds(-1));
    let (_, fresh) = session(ana.id, Duration::days(1));
    store.insert_session(&old).unwrap();
    store.insert_session(&fresh).unwrap();
    assert_eq!(store.delete_expired_sessions(Utc::now()).unwrap(), 1);
    assert!(store.session(&old.token_hash).unwrap().is_none());
    assert!(store.session(&fresh.token_hash).unwrap().is_some());
}

#[test]
fn a_second_vote_replaces_the_first_and_the_score_counts_one() {
    let store = store();
    let ana = member(&store, "ana@example.org");
    let bruno = member(&store, "bruno@example.org");
    let question = question(&store, ana.id);
    let answer = answer(&store, question.id, ana.id);
    assert_eq!(store.set_vote(answer.id, bruno.id, Vote::Up).unwrap(), 1);
    assert_eq!(store.set_vote(answer.id, bruno.id, Vote::Up).unwrap(), 1);
    assert_eq!(store.set_vote(answer.id, bruno.id, Vote::Down).unwrap(), -1);
    assert_eq!(
        store.votes_by(bruno.id, &[answer.id]).unwrap(),
        [(answer.id, Vote::Down)]
    );
    assert_eq!(store.set_vote(answer.id, bruno.id, Vote::None).unwrap(), 0);
    assert!(store.votes_by(bruno.id, &[answer.id]).unwrap().is_empty());
    assert_eq!(store.answer(answer.id).unwrap().unwrap().score, 0);
}

#[test]
fn answers_are_counted_and_deleting_one_clears_acceptance_and_votes() {
    let store = store();
    let ana = member(&store, "ana@example.org");
    let bruno = member(&store, "bruno@example.org");
    let mut question = question(&store, ana.id);
    let first = answer(&store, question.id, bruno.id);
    let second = answer(&store, question.id, bruno.id);
    store.set_vote(first.id, ana.id, Vote::Up).unwrap();
    question.accepted_answer = Some(first.id);
    store.update_question(&question).unwrap();
    assert_eq!(store.question(question.id).unwrap().unwrap().num_answers, 2);

    store.delete_answer(first.id).unwrap();
    let stored = store.question(question.id).unwrap().unwrap();
    assert_eq!(stored.num_answers, 1);
    assert_eq!(stored.accepted_answer, None);
    assert!(store.votes_by(ana.id, &[first.id]).unwrap().is_empty());
    let remaining: Vec<_> = store
        .answers_to(question.id)
        .unwrap()
        .iter()
        .map(|answer| answer.id)
        .collect();
    assert_eq!(remaining, [second.id]);
}

#[test]
fn deleting_a_question_deletes_its_answers() {
    let store = store();
    let ana = member(&store, "ana@example.org");
    let question = question(&store, ana.id);
    let answer = answer(&store, question.id, ana.id);
    store.delete_question(question.id).unwrap();
    assert!(store.question(question.id).unwrap().is_none());
    assert!(store.answer(answer.id).unwrap().is_none());
    assert!(store.answers_to(question.id).unwrap().is_empty());
}

#[test]
fn questions_list_newest_first_with_filters() {
    let store = store();
    let ana = member(&store, "ana@example.org");
    let old = question(&store, ana.id);
    let new = question(&store, ana.id);
    answer(&store, old.id, ana.id);
    let all = QuestionFilter {
        limit: 10,
        ..QuestionFilter::default()
    };
    let ids: Vec<_> = store
        .questions(&all)
        .unwrap()
        .iter()
        .map(|q| q.id)
        .collect();
    assert_eq!(ids, [new.id, old.id]);
    let unanswered = QuestionFilter {
        answered: Some(false),
        ..all.clone()
    };
    let ids: Vec<_> = store
        .questions(&unanswered)
        .unwrap()
        .iter()
        .map(|q| q.id)
        .collect();
    assert_eq!(ids, [new.id]);
    let older = QuestionFilter {
        before: Some(new.id),
        ..all
    };
    let ids: Vec<_> = store
        .questions(&older)
        .unwrap()
        .iter()
        .map(|q| q.id)
        .collect();
    assert_eq!(ids, [old.id]);
}

#[test]
fn hiding_an_answer_uncounts_it_resolves_its_flags_and_is_audited() {
    let store = store();
    let ana = member(&store, "ana@example.org");
    let question = question(&store, ana.id);
    let answer = answer(&store, question.id, ana.id);
    let post = PostRef::Answer(answer.id);
    store
        .insert_flag(&NewFlag {
            reporter: ana.id,
            target: post,
            reason: "spam".into(),
            created_at: Utc::now(),
        })
        .unwrap();
    assert_eq!(store.open_flags(10).unwrap().len(), 1);

    store
        .set_hidden(post, true, &audit(ModerationAction::Hide, "answer:1"))
        .unwrap();
    assert!(store.answer(answer.id).unwrap().unwrap().hidden);
    assert_eq!(store.question(question.id).unwrap().unwrap().num_answers, 0);
    assert!(store.open_flags(10).unwrap().is_empty());

    store
        .set_hidden(post, false, &audit(ModerationAction::Unhide, "answer:1"))
        .unwrap();
    assert_eq!(store.question(question.id).unwrap().unwrap().num_answers, 1);
    let log = store.audit_log(10).unwrap();
    let actions: Vec<_> = log.iter().map(|entry| entry.action).collect();
    assert_eq!(actions, [ModerationAction::Unhide, ModerationAction::Hide]);
}

#[test]
fn one_connection_per_pair_whoever_asks() {
    let store = store();
    let ana = member(&store, "ana@example.org");
    let bruno = member(&store, "bruno@example.org");
    let request = |from: MemberId, to: MemberId| {
        store.insert_connection(&NewConnection {
            requester: from,
            recipient: to,
            created_at: Utc::now(),
        })
    };
    let connection = request(ana.id, bruno.id).unwrap();
    assert!(request(bruno.id, ana.id).is_err());
    assert_eq!(
        store.connection_between(bruno.id, ana.id).unwrap(),
        Some(connection.clone())
    );
    assert_eq!(
        store.connections_of(bruno.id).unwrap(),
        std::slice::from_ref(&connection)
    );
    store.delete_connection(connection.id).unwrap();
    assert!(store.connections_of(ana.id).unwrap().is_empty());
    assert!(request(bruno.id, ana.id).is_ok());
}

#[test]
fn threads_belong_to_their_pair_and_track_unread_messages() {
    let store = store();
    let ana = member(&store, "ana@example.org");
    let bruno = member(&store, "bruno@example.org");
    let carla = member(&store, "carla@example.org");
    let send = |from: MemberId, to: MemberId, body: &str| {
        store
            .insert_message(&NewMessage {
                from,
                to,
                body: body.into(),
                sent_at: Utc::now(),
            })
            .unwrap()
    };
    send(ana.id, bruno.id, "one");
    send(bruno.id, ana.id, "two");
    send(ana.id, bruno.id, "three");
    send(carla.id, bruno.id, "other pair");

    let thread: Vec<_> = store
        .thread(bruno.id, ana.id, 10)
        .unwrap()
        .into_iter()
        .map(|message| message.body)
        .collect();
    assert_eq!(thread, ["one", "two", "three"]);
    assert!(store.thread(ana.id, carla.id, 10).unwrap().is_empty());
    assert_eq!(
        store.unread_counts(bruno.id).unwrap(),
        [(ana.id, 2), (carla.id, 1)]
    );
    assert_eq!(store.mark_read(bruno.id, ana.id, Utc::now()).unwrap(), 2);
    assert_eq!(store.unread_counts(bruno.id).unwrap(), [(carla.id, 1)]);
    assert!(
        store.thread(bruno.id, ana.id, 1).unwrap()[0]
            .read_at
            .is_some()
    );
}

#[test]
fn records_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let (ana, question) = {
        let store = SledStore::open(dir.path()).unwrap();
        let ana = member(&store, "ana@example.org");
        let question = question(&store, ana.id);
        (ana, question)
    };
    let store = SledStore::open(dir.path()).unwrap();
    assert_eq!(store.member(ana.id).unwrap(), Some(ana));
    assert_eq!(store.question(question.id).unwrap(), Some(question));
}

#[test]
fn a_second_process_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let _first = SledStore::open(dir.path()).unwrap();
    let error = SledStore::open(dir.path()).err().expect("the lock is held");
    assert!(error.to_string().contains("in use"), "{error}");
}
