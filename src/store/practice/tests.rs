use rusqlite::Connection;

use crate::practice::fsrs::Rating;
use crate::practice::schedule;
use crate::store::practice::*;
use crate::store::{Store, cards, users};

const DAY: i64 = 86_400;

/// A store with one member and a two-question practice session: (dir, store, user, session).
fn fixture() -> (tempfile::TempDir, Store, i64, i64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).unwrap();
    let (user, id) = store
        .call_blocking(|c| {
            let user = users::create(c, "ada", "Ada", "x", false, 0)?.unwrap();
            let ids = ["q-choice".to_string(), "q-open".to_string()];
            let id = create_session(c, user, Mode::Practice, None, None, &ids, 0)?;
            Ok((user, id))
        })
        .unwrap();
    (dir, store, user, id)
}

fn attempt<'a>(user: i64, session: i64, pos: i64, qid: &'a str) -> NewAttempt<'a> {
    NewAttempt {
        user_id: user,
        session_id: session,
        position: pos,
        question_id: qid,
        level: "foundation",
        answer: "[1]",
        correct: Some(true),
        rating: Some(Rating::Good),
        seed: None,
        generator: 1,
        now: DAY,
    }
}

fn finished_at(c: &Connection, user: i64, id: i64) -> Option<i64> {
    session(c, id, user, false).unwrap().unwrap().finished_at
}

#[test]
fn a_graded_answer_records_reschedules_and_finishes_in_one_go() {
    let (_dir, store, user, id) = fixture();
    store
        .call_blocking(|c| {
            let a = attempt(user, id, 1, "q-choice");
            assert!(answer(c, &a, true)?);
            let stored = attempts(c, id)?;
            assert_eq!(stored.len(), 1);
            assert_eq!(stored[0].rating, Some(Rating::Good.number()));
            assert_eq!(
                cards::get(c, user, "q-choice")?,
                Some(schedule::review(None, DAY, Rating::Good))
            );
            assert_eq!(finished_at(c, user, id), Some(DAY));

            let again = NewAttempt {
                correct: Some(false),
                rating: Some(Rating::Again),
                now: 2 * DAY,
                ..a
            };
            assert!(!answer(c, &again, true)?, "a double submit");
            assert_eq!(attempts(c, id)?[0].correct, Some(true), "first answer kept");
            assert_eq!(cards::get(c, user, "q-choice")?.map(|k| k.reps), Some(1));
            assert_eq!(finished_at(c, user, id), Some(DAY));
            Ok(())
        })
        .unwrap();
}

#[test]
fn an_open_answer_waits_for_its_rating() {
    let (_dir, store, user, id) = fixture();
    store
        .call_blocking(|c| {
            let open = NewAttempt {
                answer: "spans share a trace id",
                correct: None,
                rating: None,
                ..attempt(user, id, 0, "q-open")
            };
            assert!(answer(c, &open, false)?);
            assert_eq!(
                cards::get(c, user, "q-open")?,
                None,
                "no card before the rating"
            );
            assert_eq!(finished_at(c, user, id), None);

            let rating = NewRating {
                user_id: user,
                session_id: id,
                position: 0,
                question_id: "q-open",
                rating: Rating::Hard,
                now: 2 * DAY,
            };
            assert!(rate(c, &rating, true)?);
            assert_eq!(attempts(c, id)?[0].rating, Some(Rating::Hard.number()));
            let card = schedule::review(None, 2 * DAY, Rating::Hard);
            assert_eq!(cards::get(c, user, "q-open")?, Some(card));
            assert_eq!(finished_at(c, user, id), Some(2 * DAY));

            let twice = NewRating {
                rating: Rating::Easy,
                now: 3 * DAY,
                ..rating
            };
            assert!(!rate(c, &twice, false)?, "rated once");
            assert_eq!(cards::get(c, user, "q-open")?, Some(card), "card unchanged");
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_failed_step_leaves_nothing_behind() {
    let (_dir, store, user, id) = fixture();
    store
        .call_blocking(|c| {
            c.execute_batch("DROP TABLE cards")?;
            let a = attempt(user, id, 0, "q-choice");
            assert!(answer(c, &a, true).is_err());
            assert!(attempts(c, id)?.is_empty(), "the attempt was rolled back");
            assert_eq!(finished_at(c, user, id), None);
            Ok(())
        })
        .unwrap();
}
