//! Store tests of received traces and tokens.

use crate::store::Store;
use crate::store::traces::read::{self, Search};
use crate::store::traces::write::ingest;
use crate::store::traces::{Limits, NewBatch, NewSpan, tokens};

fn store() -> (tempfile::TempDir, Store, i64, i64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).unwrap();
    let (a, b) = store
        .call_blocking(|c| {
            let a = crate::store::users::create(c, "alice", "Alice", "x", false, 1)?.unwrap();
            let b = crate::store::users::create(c, "bob", "Bob", "x", false, 1)?.unwrap();
            Ok((a, b))
        })
        .unwrap();
    (dir, store, a, b)
}

fn span(trace: u8, id: u8, parent: Option<u8>, start: u64) -> NewSpan {
    NewSpan {
        trace_id: [trace; 16],
        span_id: [id; 8],
        parent_span_id: parent.map(|p| [p; 8]),
        service: format!("svc{}", id % 2),
        name: format!("op{id}"),
        start_ns: start,
        end_ns: start + 1_000,
        error: id == 3,
        resource: 0,
        scope: 0,
        body: vec![id],
        tags: vec![("http.route".into(), format!("/r{}", id % 2))],
    }
}

fn batch(spans: Vec<NewSpan>) -> NewBatch {
    NewBatch {
        resources: vec![b"r".to_vec()],
        scopes: vec![b"s".to_vec()],
        spans,
    }
}

#[test]
fn batches_in_any_order_make_one_trace_per_member() {
    let (_d, store, alice, bob) = store();
    let limits = Limits::default();
    store
        .call_blocking(|c| {
            let first = ingest(
                c,
                alice,
                &batch(vec![span(1, 3, Some(2), 30)]),
                &limits,
                100,
            )?;
            assert_eq!(first.stored, 1);
            ingest(
                c,
                alice,
                &batch(vec![span(1, 2, Some(1), 20), span(1, 1, None, 10)]),
                &limits,
                101,
            )?;
            let again = ingest(c, alice, &batch(vec![span(1, 1, None, 10)]), &limits, 102)?;
            assert_eq!((again.stored, again.duplicates), (0, 1));
            Ok(())
        })
        .unwrap();
    let list = store
        .call_blocking(|c| read::list(c, alice, &Search::default()))
        .unwrap();
    assert_eq!(list.len(), 1);
    let t = &list[0];
    assert_eq!(
        (t.spans, t.errors, t.services, t.start_ns, t.duration_ns),
        (3, 1, 2, 10, 1_020)
    );
    assert_eq!(t.root_name.as_deref(), Some("op1"));
    assert!(
        store
            .call_blocking(|c| read::list(c, bob, &Search::default()))
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .call_blocking(|c| read::load_rows(c, bob, &[1; 16]))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .call_blocking(|c| read::load_rows(c, alice, &[1; 16]))
            .unwrap()
            .len(),
        3
    );
    let errors = Search {
        errors_only: true,
        service: Some("svc1".into()),
        ..Search::default()
    };
    assert_eq!(
        store
            .call_blocking(|c| read::list(c, alice, &errors))
            .unwrap()
            .len(),
        1
    );
    let none = Search {
        min_duration_ns: Some(2_000),
        ..Search::default()
    };
    assert!(
        store
            .call_blocking(|c| read::list(c, alice, &none))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn caps_evict_oldest_and_refuse_spans_past_the_trace_cap() {
    let (_d, store, alice, _) = store();
    let limits = Limits {
        max_spans_per_member: 4,
        max_spans_per_trace: 3,
        retention_secs: 1_000,
    };
    store
        .call_blocking(|c| {
            let s = ingest(
                c,
                alice,
                &batch((1..=5).map(|i| span(1, i, None, 1)).collect()),
                &limits,
                10,
            )?;
            assert_eq!((s.stored, s.over_trace_cap), (3, 2));
            ingest(
                c,
                alice,
                &batch(vec![span(2, 1, None, 1), span(2, 2, None, 1)]),
                &limits,
                11,
            )?;
            Ok(())
        })
        .unwrap();
    let list = store
        .call_blocking(|c| read::list(c, alice, &Search::default()))
        .unwrap();
    assert_eq!(list.len(), 1, "the older trace was evicted");
    assert_eq!(list[0].trace_id, [2; 16]);
    store
        .call_blocking(|c| ingest(c, alice, &batch(vec![span(3, 1, None, 1)]), &limits, 5_000))
        .unwrap();
    let list = store
        .call_blocking(|c| read::list(c, alice, &Search::default()))
        .unwrap();
    assert_eq!(
        list.len(),
        1,
        "retention removed the trace not received for 1,000 s"
    );
    assert!(
        store
            .call_blocking(|c| read::delete(c, alice, &[3; 16]))
            .unwrap()
    );
    assert!(
        !store
            .call_blocking(|c| read::delete(c, alice, &[3; 16]))
            .unwrap()
    );
}

#[test]
fn tokens_are_hashed_listed_and_revocable() {
    let (_d, store, alice, bob) = store();
    let (id, token) = store
        .call_blocking(|c| Ok(tokens::create(c, alice, "  laptop\n ", 5)?.unwrap()))
        .unwrap();
    assert_eq!(token.len(), 64);
    let stored: Vec<u8> = store
        .call_blocking(|c| {
            Ok(c.query_row("SELECT token_hash FROM ingest_tokens", [], |r| r.get(0))?)
        })
        .unwrap();
    assert_ne!(stored, token.as_bytes());
    assert_eq!(
        store
            .call_blocking(|c| tokens::authenticate(c, &token, 6))
            .unwrap(),
        Some(alice)
    );
    assert_eq!(
        store
            .call_blocking(|c| tokens::authenticate(c, "nope", 6))
            .unwrap(),
        None
    );
    let list = store.call_blocking(|c| tokens::list(c, alice)).unwrap();
    assert_eq!(
        (list[0].name.as_str(), list[0].last_used_at),
        ("laptop", Some(6))
    );
    assert!(
        !store
            .call_blocking(|c| tokens::revoke(c, bob, id, 7))
            .unwrap()
    );
    assert!(
        store
            .call_blocking(|c| tokens::revoke(c, alice, id, 7))
            .unwrap()
    );
    assert_eq!(
        store
            .call_blocking(|c| tokens::authenticate(c, &token, 8))
            .unwrap(),
        None
    );
}

#[test]
fn recent_reads_the_newest_traces_of_one_member_within_the_bounds() {
    let (_d, store, alice, bob) = store();
    let limits = Limits::default();
    store
        .call_blocking(move |c| {
            // Alice: traces 1 (1 span, oldest), 2 (2 spans), 3 (1 span, newest).
            ingest(c, alice, &batch(vec![span(1, 1, None, 10)]), &limits, 100)?;
            let two = vec![span(2, 1, None, 20), span(2, 2, Some(1), 21)];
            ingest(c, alice, &batch(two), &limits, 100)?;
            ingest(c, alice, &batch(vec![span(3, 1, None, 30)]), &limits, 100)?;
            // Bob: one trace, newer than all of Alice's.
            ingest(c, bob, &batch(vec![span(9, 1, None, 90)]), &limits, 100)?;
            Ok(())
        })
        .unwrap();
    let ids =
        |r: &read::Recent| -> Vec<u8> { r.traces.iter().map(|(t, _)| t.trace_id[0]).collect() };
    let all = store
        .call_blocking(move |c| read::recent(c, alice, 10, 100))
        .unwrap();
    assert_eq!(ids(&all), vec![3, 2, 1]);
    assert_eq!((all.total_traces, all.total_spans), (3, 4));
    assert_eq!(all.traces[1].1.len(), 2, "each trace with its spans");
    let two = store
        .call_blocking(move |c| read::recent(c, alice, 2, 100))
        .unwrap();
    assert_eq!(ids(&two), vec![3, 2], "at most 2 traces");
    let spans = store
        .call_blocking(move |c| read::recent(c, alice, 10, 2))
        .unwrap();
    assert_eq!(ids(&spans), vec![3], "trace 2 would go over 2 spans");
    let bobs = store
        .call_blocking(move |c| read::recent(c, bob, 10, 100))
        .unwrap();
    assert_eq!(ids(&bobs), vec![9], "only Bob's own trace");
    assert_eq!((bobs.total_traces, bobs.total_spans), (1, 1));
}

#[test]
fn a_group_commit_stores_each_batch_as_if_alone() {
    let (_d, store, alice, bob) = store();
    let limits = Limits::default();
    let (a1, a2, b1) = (
        batch(vec![span(1, 1, None, 10), span(1, 2, Some(1), 20)]),
        batch(vec![span(1, 2, Some(1), 20), span(2, 1, None, 5)]),
        batch(vec![span(1, 1, None, 10)]),
    );
    let stored = store
        .call_blocking(move |c| {
            crate::store::traces::write::ingest_all(
                c,
                &[(alice, &a1), (bob, &b1), (alice, &a2)],
                &limits,
                100,
            )
        })
        .unwrap();
    let counts: Vec<(u64, u64)> = stored.iter().map(|s| (s.stored, s.duplicates)).collect();
    assert_eq!(counts, vec![(2, 0), (1, 0), (1, 1)]);
    let list = |user| {
        store
            .call_blocking(move |c| read::list(c, user, &Search::default()))
            .unwrap()
    };
    assert_eq!(list(alice).iter().map(|t| t.spans).sum::<u64>(), 3);
    assert_eq!(list(bob).iter().map(|t| t.spans).sum::<u64>(), 1);
    let tagged = |value: &str| Search {
        tags: vec![("http.route".into(), value.into())],
        ..Search::default()
    };
    let (r1, r0) = (tagged("/r1"), tagged("/r0"));
    let found = store
        .call_blocking(move |c| Ok((read::list(c, alice, &r1)?, read::list(c, alice, &r0)?)))
        .unwrap();
    assert_eq!(
        (found.0.len(), found.1.len()),
        (2, 1),
        "tags are searchable per member"
    );
}

#[test]
fn maintenance_applies_retention_and_removes_what_no_span_refers_to() {
    let (_d, store, alice, _bob) = store();
    let limits = Limits {
        retention_secs: 100,
        ..Limits::default()
    };
    let mut old = batch(vec![span(1, 1, None, 10)]);
    old.resources = vec![b"old resource".to_vec()];
    old.spans[0].tags = vec![("only.old".into(), "x".into())];
    let new = batch(vec![span(2, 1, None, 10)]);
    let count = |c: &rusqlite::Connection, table: &str| -> anyhow::Result<i64> {
        Ok(c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
    };
    let (removed, rows) = store
        .call_blocking(move |c| {
            ingest(c, alice, &old, &limits, 1_000)?;
            ingest(c, alice, &new, &limits, 1_050)?;
            let before = (
                count(c, "otlp_resources")?,
                count(c, "received_tag_values")?,
            );
            // Each trace's tag, plus the one service and span name both have.
            assert_eq!(before, (2, 4));
            let quiet = crate::store::traces::write::maintain(c, &limits, 1_101)?;
            let after = (
                count(c, "received_traces")?,
                count(c, "otlp_resources")?,
                count(c, "otlp_scopes")?,
                count(c, "received_tag_values")?,
            );
            Ok((quiet, after))
        })
        .unwrap();
    assert_eq!(
        (removed.traces, removed.orphans),
        (1, 2),
        "the old trace, its resource and its only tag value"
    );
    assert_eq!(rows, (1, 1, 1, 3));
}

#[test]
fn tags_stored_before_interning_stay_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
    c.pragma_update(None, "foreign_keys", "ON").unwrap();
    crate::store::migrations::apply_to(&mut c, 11).unwrap();
    c.execute_batch(
        "INSERT INTO users (id, username, display_name, password_hash, is_admin, created_at)
           VALUES (1, 'alice', 'Alice', 'x', 0, 1);
         INSERT INTO otlp_resources (id, user_id, digest, body) VALUES (1, 1, x'01', x'00');
         INSERT INTO otlp_scopes (id, user_id, digest, body) VALUES (1, 1, x'01', x'00');
         INSERT INTO received_traces (id, user_id, trace_id, span_count, start_ns, end_ns,
             root_service, root_name, first_received_at, last_received_at)
           VALUES (1, 1, zeroblob(16), 1, 10, 20, 'svc', 'op', 1, 1);
         INSERT INTO received_spans (id, trace_row, user_id, span_id, service, name, start_ns,
             duration_ns, error, resource_id, scope_id, body)
           VALUES (1, 1, 1, x'0101010101010101', 'svc', 'op', 10, 10, 0, 1, 1, x'00');
         INSERT INTO received_span_tags (span_row, user_id, key, value)
           VALUES (1, 1, 'http.route', '/a'), (1, 1, 'peer', 'db');",
    )
    .unwrap();
    crate::store::migrations::apply(&mut c).unwrap();
    crate::store::traces::tag_lists::register(&c).unwrap();
    let search = Search {
        tags: vec![
            ("http.route".into(), "/a".into()),
            ("peer".into(), "db".into()),
        ],
        ..Search::default()
    };
    assert_eq!(read::list(&c, 1, &search).unwrap().len(), 1);
    let lists: (String, Option<String>) = c
        .query_row(
            "SELECT s.tags, t.tags FROM received_spans s JOIN received_traces t ON t.id = s.trace_row",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        lists,
        (",1,2,3,4,".to_string(), Some(",1,2,3,4,".to_string())),
        "migration 0013 lists each span's tags, service and name, and each trace's lists"
    );
    let service = Search {
        service: Some("svc".into()),
        operation: Some("op".into()),
        ..search.clone()
    };
    assert_eq!(read::list(&c, 1, &service).unwrap().len(), 1);
    assert!(read::delete(&c, 1, &[0; 16]).unwrap());
    assert_eq!(read::list(&c, 1, &search).unwrap().len(), 0);
}

/// Spans of trace `trace` with the given tags each.
fn tagged_spans(trace: u8, tags: &[&[(&str, &str)]]) -> NewBatch {
    batch(
        tags.iter()
            .enumerate()
            .map(|(i, t)| NewSpan {
                tags: t
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..span(trace, i as u8 + 1, (i > 0).then_some(1), 10 + i as u64)
            })
            .collect(),
    )
}

fn by_tags(tags: &[(&str, &str)]) -> Search {
    Search {
        tags: tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Search::default()
    }
}

#[test]
fn tags_match_on_one_span_across_batches() {
    let (_d, store, alice, _bob) = store();
    let limits = Limits::default();
    let found = store
        .call_blocking(move |c| {
            ingest(
                c,
                alice,
                &tagged_spans(1, &[&[("a", "1")], &[("b", "2")]]),
                &limits,
                100,
            )?;
            // A later batch of the same trace: its span carries both.
            let mut late = tagged_spans(1, &[&[], &[], &[("a", "1"), ("c", "3")]]);
            late.spans.drain(..2);
            ingest(c, alice, &late, &limits, 101)?;
            ingest(
                c,
                alice,
                &tagged_spans(2, &[&[("a", "1"), ("b", "2")]]),
                &limits,
                102,
            )?;
            let lists: Vec<Option<String>> = c
                .prepare("SELECT tags FROM received_traces ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            assert!(
                lists
                    .iter()
                    .all(|l| l.as_ref().is_some_and(|l| l.contains('|') || l.len() > 2)),
                "each trace row holds its spans' lists: {lists:?}"
            );
            let n = |tags: &[(&str, &str)]| -> anyhow::Result<Vec<u8>> {
                Ok(read::list(c, alice, &by_tags(tags))?
                    .iter()
                    .map(|t| t.trace_id[0])
                    .collect())
            };
            Ok((
                n(&[("a", "1")])?,
                n(&[("a", "1"), ("b", "2")])?,
                n(&[("a", "1"), ("c", "3")])?,
                n(&[("b", "2"), ("c", "3")])?,
            ))
        })
        .unwrap();
    assert_eq!(found.0, vec![2, 1], "either trace has a=1");
    assert_eq!(
        found.1,
        vec![2],
        "trace 1 has a=1 and b=2 only on different spans"
    );
    assert_eq!(found.2, vec![1], "the tags of a later batch are found");
    assert_eq!(found.3, Vec::<u8>::new());
}

#[test]
fn a_trace_with_too_many_tag_lists_is_searched_by_its_spans() {
    let (_d, store, alice, _bob) = store();
    let limits = Limits::default();
    let many = crate::store::traces::MAX_TRACE_TAG_LISTS / 64 + 1;
    let values: Vec<Vec<(String, String)>> = (0..many)
        .map(|i| (0..16).map(|j| (format!("k{j}"), format!("{i}"))).collect())
        .collect();
    let (found, lists, maintained, values_left) = store
        .call_blocking(move |c| {
            let mut wide = tagged_spans(1, &vec![&[][..]; many]);
            for (s, tags) in wide.spans.iter_mut().zip(values) {
                s.tags = tags;
            }
            ingest(c, alice, &wide, &limits, 100)?;
            let lists: (Option<String>, i64) = c.query_row(
                "SELECT t.tags, (SELECT count(*) FROM received_spans s
                   WHERE s.trace_row = t.id AND s.tags != '')
                 FROM received_traces t",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let found = read::list(c, alice, &by_tags(&[("k3", "7"), ("k5", "7")]))?.len();
            let apart = read::list(c, alice, &by_tags(&[("k3", "7"), ("k5", "8")]))?.len();
            assert_eq!(apart, 0, "on two spans");
            let maintained = crate::store::traces::write::maintain(c, &limits, 101)?;
            let values_left: i64 =
                c.query_row("SELECT count(*) FROM received_tag_values", [], |r| r.get(0))?;
            Ok((found, lists, maintained, values_left))
        })
        .unwrap();
    assert_eq!(
        lists,
        (None, many as i64),
        "the trace lists none, its spans all theirs"
    );
    assert_eq!(found, 1, "found through its spans' lists");
    assert_eq!(
        maintained.orphans, 0,
        "its spans still name every tag value"
    );
    assert_eq!(
        values_left,
        (many * 16 + 2 + many) as i64,
        "the tags, two services and each span's name"
    );
}

#[test]
fn a_trace_whose_parent_lives_elsewhere_is_named_after_its_earliest_span() {
    let (_d, store, alice, _bob) = store();
    let limits = Limits::default();
    // A server span whose caller propagated `traceparent` but sent nothing.
    let list = store
        .call_blocking(move |c| {
            ingest(
                c,
                alice,
                &batch(vec![span(4, 3, Some(9), 30), span(4, 2, Some(3), 40)]),
                &limits,
                100,
            )?;
            read::list(c, alice, &Search::default())
        })
        .unwrap();
    let t = &list[0];
    assert_eq!(t.root_service, None);
    assert_eq!(t.label(), "svc1: op3 (parent not received)");
    let shared = store
        .call_blocking(move |c| {
            crate::store::traces::share::set_shared(c, alice, &[4; 16], true, 200)?;
            crate::store::traces::share::shared_with_group(c, 10)
        })
        .unwrap();
    assert_eq!(
        shared[0].root.as_deref(),
        Some("svc1: op3 (parent not received)"),
        "the group page names it alike"
    );
    assert!(t.incomplete(100 + read::QUIET_SECS - 1));
    assert!(
        !t.incomplete(100 + read::QUIET_SECS),
        "quiet: no longer incomplete"
    );
}
