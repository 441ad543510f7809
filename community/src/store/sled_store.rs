//! The sled backend of [`CommunityStore`].
//!
//! One sled database (under `<data>/community`, apart from the document store) holds a tree
//! per record type plus index trees whose keys are concatenated big-endian ids, so that a
//! prefix scan lists, say, a question's answers in order. Writers are serialised by a lock:
//! each write reads what it needs, then applies all its changes in one sled transaction, and
//! flushes before returning, so that an acknowledged write survives a crash.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::transaction::TransactionError;
use sled::{Transactional, Tree};

use super::{CommunityStore, MemberFilter};
use crate::connection::{Connection, ConnectionStatus, NewConnection};
use crate::error::{CommunityError, InternalError, Result, UserError};
use crate::id::{AnswerId, AuditId, ConnectionId, FlagId, MemberId, MessageId, QuestionId};
use crate::member::{Member, NewMember};
use crate::message::{Message, NewMessage};
use crate::moderation::{AuditEntry, Flag, NewAuditEntry, NewFlag, PostRef};
use crate::question::{Answer, NewAnswer, NewQuestion, Question, QuestionFilter, Vote};
use crate::session::{Session, TokenHash};

// sled's default cache is 1 GiB; community records are small and few next to documents.
const CACHE_CAPACITY_BYTES: u64 = 16 * 1024 * 1024;

/// The trees of the database.
struct Trees {
    members: Tree,
    member_emails: Tree,
    sessions: Tree,
    member_sessions: Tree,
    questions: Tree,
    answers: Tree,
    question_answers: Tree,
    votes: Tree,
    flags: Tree,
    open_flags: Tree,
    audit: Tree,
    connections: Tree,
    connection_pairs: Tree,
    member_connections: Tree,
    messages: Tree,
    threads: Tree,
    unread: Tree,
}

/// Community records in a sled database.
pub struct SledStore {
    db: sled::Db,
    path: PathBuf,
    trees: Trees,
    // Every write reads, then writes in a transaction; serialising writers makes what was
    // read still true when the transaction applies.
    write_lock: Mutex<()>,
}

impl SledStore {
    /// Opens the store in `path`, creating it if needed.
    pub fn open(path: &Path) -> Result<SledStore> {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(CACHE_CAPACITY_BYTES)
            .open()
            .map_err(|error| storage_error(path, error))?;
        SledStore::from_db(db, path.to_path_buf())
    }

    /// Opens a store in a temporary directory that vanishes when dropped.
    #[cfg(any(test, feature = "testing"))]
    pub fn open_temporary() -> Result<SledStore> {
        let db = sled::Config::new()
            .temporary(true)
            .open()
            .map_err(|error| storage_error(Path::new("<temporary>"), error))?;
        SledStore::from_db(db, PathBuf::from("<temporary>"))
    }

    fn from_db(db: sled::Db, path: PathBuf) -> Result<SledStore> {
        let open = |name: &str| db.open_tree(name).map_err(|e| storage_error(&path, e));
        let trees = Trees {
            members: open("members")?,
            member_emails: open("member_emails")?,
            sessions: open("sessions")?,
            member_sessions: open("member_sessions")?,
            questions: open("questions")?,
            answers: open("answers")?,
            question_answers: open("question_answers")?,
            votes: open("votes")?,
            flags: open("flags")?,
            open_flags: open("open_flags")?,
            audit: open("audit")?,
            connections: open("connections")?,
            connection_pairs: open("connection_pairs")?,
            member_connections: open("member_connections")?,
            messages: open("messages")?,
            threads: open("threads")?,
            unread: open("unread")?,
        };
        Ok(SledStore {
            db,
            path,
            trees,
            write_lock: Mutex::new(()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        // The lock guards no data, only ordering: a panicked writer leaves nothing to repair.
        self.write_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn next_id(&self) -> Result<u64> {
        // sled counts from 0; ids start at 1 so that 0 is never a valid id from outside.
        Ok(self.db.generate_id().map_err(|e| self.error(e))? + 1)
    }

    fn error(&self, error: sled::Error) -> CommunityError {
        storage_error(&self.path, error)
    }

    fn tx_error(&self, error: TransactionError<()>) -> CommunityError {
        match error {
            TransactionError::Storage(error) => self.error(error),
            TransactionError::Abort(()) => CommunityError::Internal(InternalError::Storage {
                path: self.path.clone(),
                source: "transaction aborted".into(),
            }),
        }
    }

    /// Makes everything written so far durable: the end of every write.
    fn sync(&self) -> Result<()> {
        self.db.flush().map_err(|e| self.error(e))?;
        Ok(())
    }

    fn get<T: DeserializeOwned>(
        &self,
        tree: &Tree,
        what: &'static str,
        key: &[u8],
    ) -> Result<Option<T>> {
        match tree.get(key).map_err(|e| self.error(e))? {
            Some(bytes) => Ok(Some(decode(what, key, &bytes)?)),
            None => Ok(None),
        }
    }

    fn require<T: DeserializeOwned>(&self, tree: &Tree, what: &'static str, id: u64) -> Result<T> {
        self.get(tree, what, &key1(id))?
            .ok_or_else(|| UserError::not_found(what, id).into())
    }

    /// Returns the trailing id of every key under `prefix`, in key order.
    fn ids_under(&self, tree: &Tree, prefix: &[u8]) -> Result<Vec<u64>> {
        tree.scan_prefix(prefix)
            .map(|entry| {
                let (key, _) = entry.map_err(|e| self.error(e))?;
                Ok(trailing_id(&key))
            })
            .collect()
    }

    fn open_flags_on(&self, posts: &[PostRef]) -> Result<Vec<Flag>> {
        let mut flags = Vec::new();
        for entry in self.trees.open_flags.iter() {
            let (key, target) = entry.map_err(|e| self.error(e))?;
            let target = String::from_utf8_lossy(&target);
            if posts.iter().any(|post| post.to_string() == target) {
                flags.push(self.require(&self.trees.flags, "flag", trailing_id(&key))?);
            }
        }
        Ok(flags)
    }
}

impl CommunityStore for SledStore {
    fn insert_member(&self, new: &NewMember) -> Result<Member> {
        let t = &self.trees;
        let _guard = self.lock();
        if t.member_emails
            .contains_key(&new.email)
            .map_err(|e| self.error(e))?
        {
            return Err(UserError::EmailTaken.into());
        }
        let member = Member {
            id: MemberId(self.next_id()?),
            email: new.email.clone(),
            name: new.name.clone(),
            password_hash: new.password_hash.clone(),
            moderator: false,
            profile: Default::default(),
            created_at: new.created_at,
        };
        let encoded = encode(&member);
        (&t.members, &t.member_emails)
            .transaction(|(members, emails)| {
                members.insert(&key1(member.id.0), encoded.as_slice())?;
                emails.insert(member.email.as_bytes(), &key1(member.id.0))?;
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()?;
        Ok(member)
    }

    fn member(&self, id: MemberId) -> Result<Option<Member>> {
        self.get(&self.trees.members, "member", &key1(id.0))
    }

    fn member_by_email(&self, email: &str) -> Result<Option<Member>> {
        let id = self
            .trees
            .member_emails
            .get(email)
            .map_err(|e| self.error(e))?;
        match id {
            Some(id) => self.member(MemberId(trailing_id(&id))),
            None => Ok(None),
        }
    }

    fn update_profile(&self, member: &Member) -> Result<()> {
        let _guard = self.lock();
        let mut stored: Member = self.require(&self.trees.members, "member", member.id.0)?;
        stored.name = member.name.clone();
        stored.profile = member.profile.clone();
        self.trees
            .members
            .insert(key1(member.id.0), encode(&stored))
            .map_err(|e| self.error(e))?;
        self.sync()
    }

    fn members(&self, filter: &MemberFilter) -> Result<Vec<Member>> {
        // TODO: the directory scans every member; fine for thousands, but the PostgreSQL
        // backend should answer it from indexes on topic, country and organisation.
        let start = key1(filter.after.map_or(0, |after| after.0).saturating_add(1));
        let mut found = Vec::new();
        for entry in self.trees.members.range(start..) {
            let (key, bytes) = entry.map_err(|e| self.error(e))?;
            let member: Member = decode("member", &key, &bytes)?;
            if filter.accepts(&member) {
                found.push(member);
                if found.len() >= filter.limit {
                    break;
                }
            }
        }
        Ok(found)
    }

    fn set_moderator(
        &self,
        member: MemberId,
        moderator: bool,
        audit: &NewAuditEntry,
    ) -> Result<()> {
        let t = &self.trees;
        let _guard = self.lock();
        let mut stored: Member = self.require(&t.members, "member", member.0)?;
        stored.moderator = moderator;
        let encoded = encode(&stored);
        let entry = audit_entry(AuditId(self.next_id()?), audit);
        (&t.members, &t.audit)
            .transaction(|(members, log)| {
                members.insert(&key1(member.0), encoded.as_slice())?;
                log.insert(&key1(entry.id.0), encode(&entry))?;
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()
    }

    fn insert_session(&self, session: &Session) -> Result<()> {
        let t = &self.trees;
        let _guard = self.lock();
        let encoded = encode(session);
        let index_key = member_session_key(session.member, &session.token_hash);
        (&t.sessions, &t.member_sessions)
            .transaction(|(sessions, by_member)| {
                sessions.insert(session.token_hash.as_bytes(), encoded.as_slice())?;
                by_member.insert(index_key.as_slice(), &[])?;
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()
    }

    fn session(&self, token: &TokenHash) -> Result<Option<Session>> {
        self.get(&self.trees.sessions, "session", token.as_bytes())
    }

    fn delete_session(&self, token: &TokenHash) -> Result<()> {
        let t = &self.trees;
        let _guard = self.lock();
        let Some(session) = self.session(token)? else {
            return Ok(());
        };
        let index_key = member_session_key(session.member, token);
        (&t.sessions, &t.member_sessions)
            .transaction(|(sessions, by_member)| {
                sessions.remove(token.as_bytes())?;
                by_member.remove(index_key.as_slice())?;
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()
    }

    fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        let t = &self.trees;
        let _guard = self.lock();
        let mut sessions = sled::Batch::default();
        let mut index = sled::Batch::default();
        let mut num_deleted = 0;
        for entry in t.sessions.iter() {
            let (key, bytes) = entry.map_err(|e| self.error(e))?;
            let session: Session = decode("session", &key, &bytes)?;
            if session.is_expired(now) {
                sessions.remove(key);
                index.remove(member_session_key(session.member, &session.token_hash));
                num_deleted += 1;
            }
        }
        (&t.sessions, &t.member_sessions)
            .transaction(|(sessions_tx, index_tx)| {
                sessions_tx.apply_batch(&sessions)?;
                index_tx.apply_batch(&index)?;
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()?;
        Ok(num_deleted)
    }

    fn change_password(
        &self,
        member: MemberId,
        password_hash: &str,
        keep: Option<&TokenHash>,
    ) -> Result<()> {
        let t = &self.trees;
        let _guard = self.lock();
        let mut stored: Member = self.require(&t.members, "member", member.0)?;
        stored.password_hash = password_hash.to_string();
        let encoded = encode(&stored);
        let mut ended = Vec::new();
        for entry in t.member_sessions.scan_prefix(key1(member.0)) {
            let (key, _) = entry.map_err(|e| self.error(e))?;
            let hash =
                TokenHash::from_slice(&key[8..]).ok_or_else(|| corrupt("session index", &key))?;
            if Some(&hash) != keep {
                ended.push(hash);
            }
        }
        (&t.members, &t.sessions, &t.member_sessions)
            .transaction(|(members, sessions, by_member)| {
                members.insert(&key1(member.0), encoded.as_slice())?;
                for hash in &ended {
                    sessions.remove(hash.as_bytes())?;
                    by_member.remove(member_session_key(member, hash).as_slice())?;
                }
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()
    }

    fn insert_question(&self, new: &NewQuestion) -> Result<Question> {
        let _guard = self.lock();
        let question = Question {
            id: QuestionId(self.next_id()?),
            author: new.author,
            title: new.title.clone(),
            body: new.body.clone(),
            topics: new.topics.clone(),
            country: new.country.clone(),
            created_at: new.created_at,
            edited_at: None,
            accepted_answer: None,
            num_answers: 0,
            hidden: false,
        };
        self.trees
            .questions
            .insert(key1(question.id.0), encode(&question))
            .map_err(|e| self.error(e))?;
        self.sync()?;
        Ok(question)
    }

    fn question(&self, id: QuestionId) -> Result<Option<Question>> {
        self.get(&self.trees.questions, "question", &key1(id.0))
    }

    fn update_question(&self, question: &Question) -> Result<()> {
        let _guard = self.lock();
        let mut stored: Question =
            self.require(&self.trees.questions, "question", question.id.0)?;
        stored.title = question.title.clone();
        stored.body = question.body.clone();
        stored.topics = question.topics.clone();
        stored.country = question.country.clone();
        stored.edited_at = question.edited_at;
        stored.accepted_answer = question.accepted_answer;
        self.trees
            .questions
            .insert(key1(question.id.0), encode(&stored))
            .map_err(|e| self.error(e))?;
        self.sync()
    }

    fn delete_question(&self, id: QuestionId) -> Result<()> {
        let t = &self.trees;
        let _guard = self.lock();
        let answer_ids = self.ids_under(&t.question_answers, &key1(id.0))?;
        let mut vote_keys = Vec::new();
        for answer in &answer_ids {
            for voter in self.ids_under(&t.votes, &key1(*answer))? {
                vote_keys.push(key2(*answer, voter));
            }
        }
        let mut posts = vec![PostRef::Question(id)];
        posts.extend(
            answer_ids
                .iter()
                .map(|answer| PostRef::Answer(AnswerId(*answer))),
        );
        let flags = self.open_flags_on(&posts)?;
        (
            &t.questions,
            &t.answers,
            &t.question_answers,
            &t.votes,
            &t.open_flags,
        )
            .transaction(|(questions, answers, index, votes, open_flags)| {
                questions.remove(&key1(id.0))?;
                for answer in &answer_ids {
                    answers.remove(&key1(*answer))?;
                    index.remove(&key2(id.0, *answer))?;
                }
                for key in &vote_keys {
                    votes.remove(key)?;
                }
                for flag in &flags {
                    open_flags.remove(&key1(flag.id.0))?;
                }
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()
    }

    fn questions(&self, filter: &QuestionFilter) -> Result<Vec<Question>> {
        let end = key1(filter.before.map_or(u64::MAX, |before| before.0));
        let mut found = Vec::new();
        for entry in self.trees.questions.range(..end).rev() {
            let (key, bytes) = entry.map_err(|e| self.error(e))?;
            let question: Question = decode("question", &key, &bytes)?;
            if filter.accepts(&question) {
                found.push(question);
                if found.len() >= filter.limit {
                    break;
                }
            }
        }
        Ok(found)
    }

    fn insert_answer(&self, new: &NewAnswer) -> Result<Answer> {
        let t = &self.trees;
        let _guard = self.lock();
        let mut question: Question = self.require(&t.questions, "question", new.question.0)?;
        let answer = Answer {
            id: AnswerId(self.next_id()?),
            question: new.question,
            author: new.author,
            body: new.body.clone(),
            score: 0,
            created_at: new.created_at,
            edited_at: None,
            hidden: false,
        };
        question.num_answers += 1;
        let (encoded_answer, encoded_question) = (encode(&answer), encode(&question));
        (&t.answers, &t.question_answers, &t.questions)
            .transaction(|(answers, index, questions)| {
                answers.insert(&key1(answer.id.0), encoded_answer.as_slice())?;
                index.insert(&key2(question.id.0, answer.id.0), &[])?;
                questions.insert(&key1(question.id.0), encoded_question.as_slice())?;
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()?;
        Ok(answer)
    }

    fn answer(&self, id: AnswerId) -> Result<Option<Answer>> {
        self.get(&self.trees.answers, "answer", &key1(id.0))
    }

    fn answers_to(&self, question: QuestionId) -> Result<Vec<Answer>> {
        self.ids_under(&self.trees.question_answers, &key1(question.0))?
            .into_iter()
            .map(|id| self.require(&self.trees.answers, "answer", id))
            .collect()
    }

    fn update_answer(&self, answer: &Answer) -> Result<()> {
        let _guard = self.lock();
        let mut stored: Answer = self.require(&self.trees.answers, "answer", answer.id.0)?;
        stored.body = answer.body.clone();
        stored.edited_at = answer.edited_at;
        self.trees
            .answers
            .insert(key1(answer.id.0), encode(&stored))
            .map_err(|e| self.error(e))?;
        self.sync()
    }

    fn delete_answer(&self, id: AnswerId) -> Result<()> {
        let t = &self.trees;
        let _guard = self.lock();
        let answer: Answer = self.require(&t.answers, "answer", id.0)?;
        let mut question: Question = self.require(&t.questions, "question", answer.question.0)?;
        if !answer.hidden {
            question.num_answers = question.num_answers.saturating_sub(1);
        }
        if question.accepted_answer == Some(id) {
            question.accepted_answer = None;
        }
        let voters = self.ids_under(&t.votes, &key1(id.0))?;
        let flags = self.open_flags_on(&[PostRef::Answer(id)])?;
        let encoded_question = encode(&question);
        (
            &t.answers,
            &t.question_answers,
            &t.questions,
            &t.votes,
            &t.open_flags,
        )
            .transaction(|(answers, index, questions, votes, open_flags)| {
                answers.remove(&key1(id.0))?;
                index.remove(&key2(question.id.0, id.0))?;
                questions.insert(&key1(question.id.0), encoded_question.as_slice())?;
                for voter in &voters {
                    votes.remove(&key2(id.0, *voter))?;
                }
                for flag in &flags {
                    open_flags.remove(&key1(flag.id.0))?;
                }
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()
    }

    fn set_vote(&self, answer: AnswerId, voter: MemberId, vote: Vote) -> Result<i64> {
        let t = &self.trees;
        let _guard = self.lock();
        let mut stored: Answer = self.require(&t.answers, "answer", answer.0)?;
        let vote_key = key2(answer.0, voter.0);
        let previous = match t.votes.get(vote_key).map_err(|e| self.error(e))? {
            Some(bytes) => decode_vote(&bytes)?,
            None => Vote::None,
        };
        stored.score += vote.value() - previous.value();
        let encoded = encode(&stored);
        (&t.answers, &t.votes)
            .transaction(|(answers, votes)| {
                answers.insert(&key1(answer.0), encoded.as_slice())?;
                match vote {
                    Vote::None => votes.remove(&vote_key)?,
                    other => votes.insert(&vote_key, &[other.value() as u8])?,
                };
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()?;
        Ok(stored.score)
    }

    fn votes_by(&self, voter: MemberId, answers: &[AnswerId]) -> Result<Vec<(AnswerId, Vote)>> {
        let mut votes = Vec::new();
        for answer in answers {
            if let Some(bytes) = self
                .trees
                .votes
                .get(key2(answer.0, voter.0))
                .map_err(|e| self.error(e))?
            {
                votes.push((*answer, decode_vote(&bytes)?));
            }
        }
        Ok(votes)
    }

    fn set_hidden(&self, post: PostRef, hidden: bool, audit: &NewAuditEntry) -> Result<()> {
        let t = &self.trees;
        let _guard = self.lock();
        let flags = if hidden {
            self.open_flags_on(&[post])?
        } else {
            Vec::new()
        };
        let resolved: Vec<(u64, Vec<u8>)> = flags
            .into_iter()
            .map(|mut flag| {
                flag.resolved_at = Some(audit.at);
                (flag.id.0, encode(&flag))
            })
            .collect();
        let entry = audit_entry(AuditId(self.next_id()?), audit);
        let encoded_entry = encode(&entry);

        // The records to rewrite: the post itself, and for an answer its question's count.
        let (question_rewrite, answer_rewrite) = match post {
            PostRef::Question(id) => {
                let mut question: Question = self.require(&t.questions, "question", id.0)?;
                question.hidden = hidden;
                (Some((id.0, encode(&question))), None)
            }
            PostRef::Answer(id) => {
                let mut answer: Answer = self.require(&t.answers, "answer", id.0)?;
                let mut question: Question =
                    self.require(&t.questions, "question", answer.question.0)?;
                if answer.hidden != hidden {
                    question.num_answers = if hidden {
                        question.num_answers.saturating_sub(1)
                    } else {
                        question.num_answers + 1
                    };
                }
                answer.hidden = hidden;
                (
                    Some((question.id.0, encode(&question))),
                    Some((id.0, encode(&answer))),
                )
            }
        };
        (&t.questions, &t.answers, &t.flags, &t.open_flags, &t.audit)
            .transaction(|(questions, answers, flags_tx, open_flags, log)| {
                if let Some((id, bytes)) = &question_rewrite {
                    questions.insert(&key1(*id), bytes.as_slice())?;
                }
                if let Some((id, bytes)) = &answer_rewrite {
                    answers.insert(&key1(*id), bytes.as_slice())?;
                }
                for (id, bytes) in &resolved {
                    flags_tx.insert(&key1(*id), bytes.as_slice())?;
                    open_flags.remove(&key1(*id))?;
                }
                log.insert(&key1(entry.id.0), encoded_entry.as_slice())?;
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()
    }

    fn insert_flag(&self, new: &NewFlag) -> Result<Flag> {
        let t = &self.trees;
        let _guard = self.lock();
        let flag = Flag {
            id: FlagId(self.next_id()?),
            reporter: new.reporter,
            target: new.target,
            reason: new.reason.clone(),
            created_at: new.created_at,
            resolved_at: None,
        };
        let encoded = encode(&flag);
        let target = flag.target.to_string();
        (&t.flags, &t.open_flags)
            .transaction(|(flags, open_flags)| {
                flags.insert(&key1(flag.id.0), encoded.as_slice())?;
                open_flags.insert(&key1(flag.id.0), target.as_bytes())?;
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()?;
        Ok(flag)
    }

    fn open_flags(&self, limit: usize) -> Result<Vec<Flag>> {
        self.trees
            .open_flags
            .iter()
            .take(limit)
            .map(|entry| {
                let (key, _) = entry.map_err(|e| self.error(e))?;
                self.require(&self.trees.flags, "flag", trailing_id(&key))
            })
            .collect()
    }

    fn dismiss_flags(&self, post: PostRef, audit: &NewAuditEntry) -> Result<u64> {
        let t = &self.trees;
        let _guard = self.lock();
        let flags = self.open_flags_on(&[post])?;
        let resolved: Vec<(u64, Vec<u8>)> = flags
            .into_iter()
            .map(|mut flag| {
                flag.resolved_at = Some(audit.at);
                (flag.id.0, encode(&flag))
            })
            .collect();
        let entry = audit_entry(AuditId(self.next_id()?), audit);
        let encoded_entry = encode(&entry);
        (&t.flags, &t.open_flags, &t.audit)
            .transaction(|(flags_tx, open_flags, log)| {
                for (id, bytes) in &resolved {
                    flags_tx.insert(&key1(*id), bytes.as_slice())?;
                    open_flags.remove(&key1(*id))?;
                }
                log.insert(&key1(entry.id.0), encoded_entry.as_slice())?;
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()?;
        Ok(resolved.len() as u64)
    }

    fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        self.trees
            .audit
            .iter()
            .rev()
            .take(limit)
            .map(|entry| {
                let (key, bytes) = entry.map_err(|e| self.error(e))?;
                decode("audit entry", &key, &bytes)
            })
            .collect()
    }

    fn insert_connection(&self, new: &NewConnection) -> Result<Connection> {
        let t = &self.trees;
        let _guard = self.lock();
        let pair = pair_key(new.requester, new.recipient);
        if t.connection_pairs
            .contains_key(pair)
            .map_err(|e| self.error(e))?
        {
            return Err(UserError::Conflict {
                message: "a connection or request between these members exists already".into(),
            }
            .into());
        }
        let connection = Connection {
            id: ConnectionId(self.next_id()?),
            requester: new.requester,
            recipient: new.recipient,
            status: ConnectionStatus::Pending,
            created_at: new.created_at,
            responded_at: None,
        };
        let encoded = encode(&connection);
        let id = connection.id.0;
        (&t.connections, &t.connection_pairs, &t.member_connections)
            .transaction(|(connections, pairs, by_member)| {
                connections.insert(&key1(id), encoded.as_slice())?;
                pairs.insert(&pair, &key1(id))?;
                by_member.insert(&key2(new.requester.0, id), &[])?;
                by_member.insert(&key2(new.recipient.0, id), &[])?;
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()?;
        Ok(connection)
    }

    fn connection(&self, id: ConnectionId) -> Result<Option<Connection>> {
        self.get(&self.trees.connections, "connection", &key1(id.0))
    }

    fn connection_between(&self, a: MemberId, b: MemberId) -> Result<Option<Connection>> {
        match self
            .trees
            .connection_pairs
            .get(pair_key(a, b))
            .map_err(|e| self.error(e))?
        {
            Some(id) => self.connection(ConnectionId(trailing_id(&id))),
            None => Ok(None),
        }
    }

    fn update_connection(&self, connection: &Connection) -> Result<()> {
        let _guard = self.lock();
        let stored: Connection =
            self.require(&self.trees.connections, "connection", connection.id.0)?;
        debug_assert_eq!(
            pair_key(stored.requester, stored.recipient),
            pair_key(connection.requester, connection.recipient),
            "an update never moves a connection to another pair"
        );
        self.trees
            .connections
            .insert(key1(connection.id.0), encode(connection))
            .map_err(|e| self.error(e))?;
        self.sync()
    }

    fn delete_connection(&self, id: ConnectionId) -> Result<()> {
        let t = &self.trees;
        let _guard = self.lock();
        let Some(connection) = self.connection(id)? else {
            return Ok(());
        };
        let pair = pair_key(connection.requester, connection.recipient);
        (&t.connections, &t.connection_pairs, &t.member_connections)
            .transaction(|(connections, pairs, by_member)| {
                connections.remove(&key1(id.0))?;
                pairs.remove(&pair)?;
                by_member.remove(&key2(connection.requester.0, id.0))?;
                by_member.remove(&key2(connection.recipient.0, id.0))?;
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()
    }

    fn connections_of(&self, member: MemberId) -> Result<Vec<Connection>> {
        let mut ids = self.ids_under(&self.trees.member_connections, &key1(member.0))?;
        ids.reverse();
        ids.into_iter()
            .map(|id| self.require(&self.trees.connections, "connection", id))
            .collect()
    }

    fn insert_message(&self, new: &NewMessage) -> Result<Message> {
        let t = &self.trees;
        let _guard = self.lock();
        let message = Message {
            id: MessageId(self.next_id()?),
            from: new.from,
            to: new.to,
            body: new.body.clone(),
            sent_at: new.sent_at,
            read_at: None,
        };
        let encoded = encode(&message);
        let thread_key = [pair_key(new.from, new.to).as_slice(), &key1(message.id.0)].concat();
        let unread_key = key3(new.to.0, new.from.0, message.id.0);
        (&t.messages, &t.threads, &t.unread)
            .transaction(|(messages, threads, unread)| {
                messages.insert(&key1(message.id.0), encoded.as_slice())?;
                threads.insert(thread_key.as_slice(), &[])?;
                unread.insert(&unread_key, &[])?;
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()?;
        Ok(message)
    }

    fn thread(&self, a: MemberId, b: MemberId, limit: usize) -> Result<Vec<Message>> {
        let mut messages = Vec::new();
        for entry in self
            .trees
            .threads
            .scan_prefix(pair_key(a, b))
            .rev()
            .take(limit)
        {
            let (key, _) = entry.map_err(|e| self.error(e))?;
            messages.push(self.require(&self.trees.messages, "message", trailing_id(&key))?);
        }
        messages.reverse();
        Ok(messages)
    }

    fn mark_read(&self, reader: MemberId, sender: MemberId, at: DateTime<Utc>) -> Result<u64> {
        let t = &self.trees;
        let _guard = self.lock();
        let ids = self.ids_under(&t.unread, &key2(reader.0, sender.0))?;
        if ids.is_empty() {
            return Ok(0);
        }
        let mut rewrites = Vec::with_capacity(ids.len());
        for id in &ids {
            let mut message: Message = self.require(&t.messages, "message", *id)?;
            message.read_at = Some(at);
            rewrites.push((*id, encode(&message)));
        }
        (&t.messages, &t.unread)
            .transaction(|(messages, unread)| {
                for (id, bytes) in &rewrites {
                    messages.insert(&key1(*id), bytes.as_slice())?;
                    unread.remove(&key3(reader.0, sender.0, *id))?;
                }
                Ok(())
            })
            .map_err(|e| self.tx_error(e))?;
        self.sync()?;
        Ok(ids.len() as u64)
    }

    fn unread_counts(&self, member: MemberId) -> Result<Vec<(MemberId, u64)>> {
        let mut counts: Vec<(MemberId, u64)> = Vec::new();
        for entry in self.trees.unread.scan_prefix(key1(member.0)) {
            let (key, _) = entry.map_err(|e| self.error(e))?;
            let sender = MemberId(id_at(&key, 8));
            match counts.last_mut() {
                Some((last, count)) if *last == sender => *count += 1,
                _ => counts.push((sender, 1)),
            }
        }
        Ok(counts)
    }

    fn flush(&self) -> Result<()> {
        self.sync()
    }
}

fn audit_entry(id: AuditId, new: &NewAuditEntry) -> AuditEntry {
    AuditEntry {
        id,
        actor: new.actor,
        action: new.action,
        target: new.target.clone(),
        reason: new.reason.clone(),
        at: new.at,
    }
}

fn key1(a: u64) -> [u8; 8] {
    a.to_be_bytes()
}

fn key2(a: u64, b: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&a.to_be_bytes());
    key[8..].copy_from_slice(&b.to_be_bytes());
    key
}

fn key3(a: u64, b: u64, c: u64) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..16].copy_from_slice(&key2(a, b));
    key[16..].copy_from_slice(&c.to_be_bytes());
    key
}

/// The key of a pair of members, the same whichever comes first.
fn pair_key(a: MemberId, b: MemberId) -> [u8; 16] {
    key2(a.0.min(b.0), a.0.max(b.0))
}

fn member_session_key(member: MemberId, token: &TokenHash) -> Vec<u8> {
    [key1(member.0).as_slice(), token.as_bytes()].concat()
}

fn id_at(key: &[u8], offset: usize) -> u64 {
    key.get(offset..offset + 8)
        .and_then(|bytes| bytes.try_into().ok())
        .map(u64::from_be_bytes)
        .unwrap_or(0)
}

fn trailing_id(key: &[u8]) -> u64 {
    id_at(key, key.len().saturating_sub(8))
}

fn decode_vote(bytes: &[u8]) -> Result<Vote> {
    match bytes.first().map(|byte| *byte as i8) {
        Some(1) => Ok(Vote::Up),
        Some(-1) => Ok(Vote::Down),
        _ => Err(corrupt("vote", bytes)),
    }
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("community records always serialise to JSON")
}

fn decode<T: DeserializeOwned>(what: &'static str, key: &[u8], bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|error| {
        CommunityError::Internal(InternalError::Corrupt {
            what,
            key: describe_key(key),
            reason: error.to_string(),
        })
    })
}

fn corrupt(what: &'static str, key: &[u8]) -> CommunityError {
    CommunityError::Internal(InternalError::Corrupt {
        what,
        key: describe_key(key),
        reason: "malformed key or value".to_string(),
    })
}

fn describe_key(key: &[u8]) -> String {
    if key.len() == 8 {
        return trailing_id(key).to_string();
    }
    String::from_utf8_lossy(key).into_owned()
}

fn storage_error(path: &Path, error: sled::Error) -> CommunityError {
    // sled reports a held file lock only through the text of an `Other` I/O error.
    let is_locked = matches!(
        &error,
        sled::Error::Io(io) if io.to_string().contains("could not acquire lock")
    );
    let internal = if is_locked {
        InternalError::Locked {
            path: path.to_path_buf(),
        }
    } else {
        InternalError::Storage {
            path: path.to_path_buf(),
            source: Box::new(error),
        }
    };
    CommunityError::Internal(internal)
}

#[cfg(test)]
mod tests;
