//! "My traces" search benchmark (no criterion): one member's store filled
//! with about 1,000,000 received spans of the `checkout` scenario through
//! the receiver's own path (`sim send`'s batcher, 512 spans per request,
//! `otlp::validate::prepare`, `store::traces::write::ingest`), then each
//! search of the form timed as the page runs it (`read::list`, 100 rows).
//! Reports the fill rate and each search's median of 5 runs, in ms.
//!
//!     cargo bench --bench search [-- SPANS]

use std::hint::black_box;
use std::time::{Duration, Instant};

use spandojo::content::Content;
use spandojo::otlp::validate::prepare;
use spandojo::send::Batcher;
use spandojo::sim::generate;
use spandojo::store::Store;
use spandojo::store::traces::Limits;
use spandojo::store::traces::read::{self, Search};
use spandojo::store::traces::write;

const RUNS: usize = 5;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn fail(message: String) -> ! {
    eprintln!("search bench: {message}");
    std::process::exit(1);
}

fn main() {
    let target: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let content = Content::load(None).unwrap_or_else(|e| fail(format!("content: {e}")));
    let Some(sc) = content.scenarios.get("checkout") else {
        fail("no checkout scenario".into());
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail(format!("temp dir: {e}")));
    let store =
        Store::open(&dir.path().join("bench.db")).unwrap_or_else(|e| fail(format!("store: {e:#}")));
    let user = store
        .call_blocking(|c| {
            spandojo::store::users::create(c, "bench", "bench", "x", false, 1)?
                .ok_or_else(|| anyhow::anyhow!("taken"))
        })
        .unwrap_or_else(|e| fail(format!("user: {e:#}")));
    let limits = Limits {
        max_spans_per_member: 10_000_000,
        ..Limits::default()
    };

    let started = Instant::now();
    let mut batcher = Batcher::new(512);
    let (mut spans, mut seed) = (0usize, 0u64);
    let in_ingest = std::cell::Cell::new(Duration::ZERO);
    let store_batch = |request| {
        let prepared = prepare(request);
        let t = Instant::now();
        let stored = store
            .call_blocking(|c| write::ingest(c, user, &prepared.batch, &limits, 1_000))
            .unwrap_or_else(|e| fail(format!("ingest: {e:#}")))
            .stored as usize;
        in_ingest.set(in_ingest.get() + t.elapsed());
        stored
    };
    while spans < target {
        let trace = generate(sc, seed);
        seed += 1;
        for batch in batcher.push(&trace) {
            spans += store_batch(batch.request);
        }
    }
    if let Some(batch) = batcher.finish() {
        spans += store_batch(batch.request);
    }
    let fill = started.elapsed();
    println!(
        "filled: {spans} spans in {seed} traces, {:.1} s ({:.0} spans/s through prepare + ingest)",
        fill.as_secs_f64(),
        spans as f64 / fill.as_secs_f64()
    );
    println!(
        "ingest transactions alone: {:.1} s ({:.0} spans/s)",
        in_ingest.get().as_secs_f64(),
        spans as f64 / in_ingest.get().as_secs_f64()
    );

    let searches: Vec<(&str, Search)> = vec![
        ("newest 100", Search::default()),
        (
            "service=cart",
            Search {
                service: Some("cart".into()),
                ..Search::default()
            },
        ),
        (
            "service=payment op=POST /payments",
            Search {
                service: Some("payment".into()),
                operation: Some("POST /payments".into()),
                ..Search::default()
            },
        ),
        (
            "tag http.request.method=POST",
            Search {
                tags: vec![("http.request.method".into(), "POST".into())],
                ..Search::default()
            },
        ),
        (
            "tag, no match (http.request.method=PATCH)",
            Search {
                tags: vec![("http.request.method".into(), "PATCH".into())],
                ..Search::default()
            },
        ),
        (
            "two tags, never on one span",
            Search {
                tags: vec![
                    ("http.route".into(), "/payments".into()),
                    ("db.system.name".into(), "redis".into()),
                ],
                ..Search::default()
            },
        ),
        (
            "service and tag, never on one span",
            Search {
                service: Some("payment".into()),
                tags: vec![("db.system.name".into(), "redis".into())],
                ..Search::default()
            },
        ),
        (
            "operation alone (POST /payments)",
            Search {
                operation: Some("POST /payments".into()),
                ..Search::default()
            },
        ),
        (
            "errors only",
            Search {
                errors_only: true,
                ..Search::default()
            },
        ),
        (
            "min duration 5 s",
            Search {
                min_duration_ns: Some(5_000_000_000),
                ..Search::default()
            },
        ),
        (
            "no match (service=nowhere)",
            Search {
                service: Some("nowhere".into()),
                ..Search::default()
            },
        ),
        (
            "limit 1000",
            Search {
                limit: 1_000,
                ..Search::default()
            },
        ),
    ];
    for (name, search) in searches {
        let mut times = Vec::with_capacity(RUNS);
        let mut found = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            let rows = store
                .call_blocking(|c| read::list(c, user, &search))
                .unwrap_or_else(|e| fail(format!("{name}: {e:#}")));
            times.push(t.elapsed());
            found = black_box(rows).len();
        }
        println!(
            "search {name:<34} {:>8.1} ms  ({found} traces)",
            median(times).as_secs_f64() * 1e3
        );
    }
}
