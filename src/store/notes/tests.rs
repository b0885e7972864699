use crate::notes::render::{MARK_END, MARK_START};
use crate::store::notes::*;
use crate::store::{Store, users};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).unwrap();
    (dir, store)
}

fn user(c: &Connection, name: &str) -> i64 {
    users::create(c, name, name, "x", false, 0)
        .unwrap()
        .unwrap()
}

fn note(title: &str, body: &str, tags: &[&str]) -> NoteFile {
    NoteFile {
        uid: crate::notes::new_uid(),
        title: title.into(),
        body: body.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        lesson: None,
        question: None,
        shared: false,
        created_at: 100,
        updated_at: 100,
    }
}

fn draft(title: &str, body: &str) -> Draft {
    Draft {
        title: title.into(),
        body: body.into(),
        tags: vec![],
    }
}

#[test]
fn saves_keep_revisions_and_restore_loses_nothing() {
    let (_d, store) = store();
    store
        .call_blocking(|c| {
            let ada = user(c, "ada");
            let id = insert(c, ada, &note("v1", "one", &[]))?.unwrap();
            let place = Placement::default();
            assert!(update(c, ada, id, &draft("v2", "two"), &place, 200)?);
            assert!(update(c, ada, id, &draft("v3", "three"), &place, 300)?);
            assert!(update(c, ada, id, &draft("v3", "three"), &place, 400)?);
            let revs = revisions(c, ada, id)?.unwrap();
            assert_eq!(revs.len(), 2, "an unchanged save keeps no copy");
            assert_eq!((revs[0].title.as_str(), revs[0].saved_at), ("v2", 200));
            assert_eq!(revs[1].title, "v1");
            assert!(restore_revision(c, ada, id, revs[1].id, 500)?);
            let now = get_owned(c, ada, id)?.unwrap();
            assert_eq!((now.title.as_str(), now.body.as_str()), ("v1", "one"));
            assert_eq!(now.updated_at, 500);
            let revs = revisions(c, ada, id)?.unwrap();
            assert_eq!(revs.len(), 3);
            assert_eq!(revs[0].title, "v3", "the replaced text was kept");
            Ok(())
        })
        .unwrap();
}

#[test]
fn everything_is_scoped_by_owner() {
    let (_d, store) = store();
    store
        .call_blocking(|c| {
            let ada = user(c, "ada");
            let bob = user(c, "bob");
            let id = insert(c, ada, &note("mine", "secret words", &["x"]))?.unwrap();
            update(
                c,
                ada,
                id,
                &draft("mine", "more secret"),
                &Placement::default(),
                2,
            )?;
            assert!(get_owned(c, bob, id)?.is_none());
            assert!(get_shared(c, id)?.is_none());
            let place = Placement::default();
            assert!(!update(c, bob, id, &draft("pwned", ""), &place, 3)?);
            assert!(revisions(c, bob, id)?.is_none());
            let rev = revisions(c, ada, id)?.unwrap()[0].id;
            assert!(revision(c, bob, id, rev)?.is_none());
            assert!(!restore_revision(c, bob, id, rev, 4)?);
            assert!(!set_shared(c, bob, id, true)?);
            assert!(!move_to_trash(c, bob, id, 5)?);
            assert!(list(c, bob, None)?.is_empty());
            assert!(search(c, bob, "\"secret\"", 10)?.unwrap().is_empty());
            assert!(set_shared(c, ada, id, true)?);
            let (shared, author) = get_shared(c, id)?.unwrap();
            assert_eq!((shared.title.as_str(), author.as_str()), ("mine", "ada"));
            assert_eq!(shared_with_group(c, 10)?.len(), 1);
            Ok(())
        })
        .unwrap();
}

#[test]
fn trash_restores_and_expires() {
    let (_d, store) = store();
    store
        .call_blocking(|c| {
            let ada = user(c, "ada");
            let a = insert(c, ada, &note("a", "alpha", &[]))?.unwrap();
            let b = insert(c, ada, &note("b", "beta", &[]))?.unwrap();
            assert!(!purge(c, ada, a)?, "only trashed notes are purged");
            assert!(move_to_trash(c, ada, a, 1_000)?);
            assert!(move_to_trash(c, ada, b, 1_000 + 86_400)?);
            assert_eq!(list(c, ada, None)?.len(), 0);
            assert!(search(c, ada, "\"alpha\"", 10)?.unwrap().is_empty());
            assert_eq!(trash(c, ada)?.len(), 2);
            assert!(restore(c, ada, b)?);
            assert!(move_to_trash(c, ada, b, 1_000 + 86_400)?);
            let day31 = 1_000 + TRASH_DAYS * 86_400;
            assert_eq!(purge_expired(c, day31)?, 1);
            assert!(get_owned(c, ada, a)?.is_none());
            assert!(restore(c, ada, b)?);
            assert_eq!(list(c, ada, None)?[0].title, "b");
            Ok(())
        })
        .unwrap();
}

#[test]
fn search_ranks_and_marks() {
    let (_d, store) = store();
    store
        .call_blocking(|c| {
            let ada = user(c, "ada");
            insert(
                c,
                ada,
                &note("Unrelated", "a note that mentions sampling once", &[]),
            )?;
            let best = insert(
                c,
                ada,
                &note(
                    "Tail sampling",
                    "sampling sampling decisions",
                    &["sampling"],
                ),
            )?
            .unwrap();
            insert(c, ada, &note("Propagation", "traceparent headers", &[]))?;
            let hits = search(c, ada, "\"sampling\"", 10)?.unwrap();
            assert_eq!(hits.len(), 2);
            assert_eq!(hits[0].id, best, "title and tag matches rank first");
            assert!(hits[0].rank < hits[1].rank);
            assert!(
                hits[0]
                    .title
                    .contains(&format!("{MARK_START}sampling{MARK_END}"))
            );
            assert!(
                hits[1]
                    .snippet
                    .contains(&format!("{MARK_START}sampling{MARK_END}"))
            );
            let prefix = search(c, ada, "\"tracep\" *", 10)?.unwrap();
            assert_eq!(prefix.len(), 1);
            let phrase = search(c, ada, "\"sampling decisions\"", 10)?.unwrap();
            assert_eq!(phrase.len(), 1);
            let bad = search(c, ada, "\"x\" OR", 10)?;
            assert!(bad.unwrap_err().contains("could not be understood"));
            Ok(())
        })
        .unwrap();
}

#[test]
fn tags_filter_and_count_and_cascade_with_the_owner() {
    let (_d, store) = store();
    store
        .call_blocking(|c| {
            let ada = user(c, "ada");
            insert(c, ada, &note("a", "x", &["otel", "sampling"]))?;
            insert(c, ada, &note("b", "y", &["sampling-lab"]))?;
            assert_eq!(list(c, ada, Some("sampling"))?.len(), 1, "whole tags only");
            assert_eq!(
                tag_counts(c, ada)?,
                [
                    ("otel".into(), 1),
                    ("sampling".into(), 1),
                    ("sampling-lab".into(), 1)
                ]
            );
            let dup = note("a", "x", &[]);
            assert!(insert(c, ada, &dup)?.is_some());
            assert!(insert(c, ada, &dup)?.is_none(), "same uid twice");
            users::delete(c, ada)?.unwrap();
            let left: i64 = c.query_row("SELECT count(*) FROM notes", [], |r| r.get(0))?;
            let indexed: i64 = c.query_row(
                "SELECT count(*) FROM notes_fts WHERE notes_fts MATCH 'x OR y'",
                [],
                |r| r.get(0),
            )?;
            assert_eq!((left, indexed), (0, 0));
            Ok(())
        })
        .unwrap();
}
