//! Clock skew: `clock_offset_ms` moves a service's timestamps and nothing else.

use crate::sim::analysis::outside_parent;
use crate::sim::generate::generate;
use crate::sim::testutil::scenario;

#[test]
fn an_offset_shifts_only_that_services_timestamps() {
    let skewed = scenario("clock-skew");
    let mut plain = skewed.clone();
    for s in &mut plain.services {
        s.clock_offset_ns = 0;
    }
    let inventory = skewed
        .services
        .iter()
        .position(|s| &*s.name == "inventory")
        .expect("inventory");
    assert_eq!(skewed.services[inventory].clock_offset_ns, -180_000_000);
    for seed in 0..20 {
        let a = generate(&skewed, seed);
        let b = generate(&plain, seed);
        assert_eq!(a.spans.len(), b.spans.len());
        assert_eq!(a.trace_ids(), b.trace_ids());
        let by_id: std::collections::HashMap<[u8; 8], usize> = b
            .spans
            .iter()
            .enumerate()
            .map(|(i, s)| (s.span_id, i))
            .collect();
        let mut shifted = 0;
        for s in &a.spans {
            let t = &b.spans[by_id[&s.span_id]];
            let delta = if &*a.services[s.service].name == "inventory" {
                shifted += 1;
                -180_000_000
            } else {
                0
            };
            assert_eq!(s.start_ns as i128 - t.start_ns as i128, delta, "{}", s.name);
            assert_eq!(s.end_ns as i128 - t.end_ns as i128, delta, "{}", s.name);
            assert_eq!((&s.attributes, &s.status), (&t.attributes, &t.status));
            for (e, f) in s.events.iter().zip(&t.events) {
                assert_eq!(e.time_ns as i128 - f.time_ns as i128, delta);
            }
        }
        assert!(shifted >= 3, "inventory has spans in every trace");
    }
}

#[test]
fn the_skewed_service_sticks_out_on_the_way_in_and_out() {
    let sc = scenario("clock-skew");
    for seed in 0..10 {
        let t = generate(&sc, seed);
        let outside = outside_parent(&t);
        for (i, o) in outside.iter().enumerate() {
            let s = &t.spans[i];
            let svc = &*t.services[s.service].name;
            match (svc, &*s.name) {
                ("inventory", "POST /reservations") => {
                    assert!(o.is_some_and(|o| o.early_ns > 0), "{seed}: {o:?}")
                }
                ("warehouse", _) => assert!(o.is_some_and(|o| o.late_ns > 0), "{seed}: {o:?}"),
                _ => assert_eq!(*o, None, "{seed}: {svc} {}", s.name),
            }
        }
    }
}

#[test]
fn offsets_clamp_at_zero() {
    let mut sc = scenario("clock-skew");
    for s in &mut sc.services {
        s.clock_offset_ns = -600_000_000_000;
    }
    let opts = crate::sim::generate::GenerateOptions {
        start_unix_nano: Some(1_000),
        ..Default::default()
    };
    let t = crate::sim::generate::generate_with(&sc, 1, &opts);
    assert!(t.spans.iter().all(|s| s.start_ns == 0 && s.end_ns == 0));
}
