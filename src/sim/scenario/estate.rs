//! Procedurally generated large estates (`[generate]`): layered services
//! with bounded fan-out, deterministic from the topology seed.

use std::sync::Arc;

use crate::sim::random::GeneratorVersion;
use crate::sim::random::rng::{SimRng, fnv1a};
use crate::sim::scenario::topology::{
    Call, CallMode, Dist, EstateParams, Operation, Protocol, Service, Step,
};
use crate::sim::trace::{AttrValue, SpanKind};

const DOMAINS: &[&str] = &[
    "account",
    "billing",
    "catalog",
    "checkout",
    "search",
    "pricing",
    "inventory",
    "shipping",
    "review",
    "media",
    "profile",
    "session",
    "notify",
    "ledger",
    "fraud",
    "tax",
    "promo",
    "loyalty",
    "geo",
    "ranking",
    "feed",
    "audit",
    "report",
    "identity",
    "payout",
    "quote",
    "warehouse",
    "returns",
    "content",
    "ads",
];
const ROLES: &[&str] = &[
    "api", "svc", "store", "engine", "index", "core", "sync", "edge",
];
const NOUNS: &[&str] = &[
    "items", "quote", "status", "summary", "details", "lookup", "batch", "limits", "history",
    "rules", "prices", "stock", "events", "tokens", "scores",
];
const DBS: &[&str] = &["postgresql", "mysql", "mongodb"];

fn s(v: &str) -> Arc<str> {
    Arc::from(v)
}

fn pick<'a>(rng: &mut SimRng, list: &[&'a str]) -> &'a str {
    list[rng.below(list.len() as u64) as usize]
}

fn lognormal(rng: &mut SimRng, lo: f64, hi: f64, spread_lo: f64, spread_hi: f64) -> Dist {
    let median = lo + (hi - lo) * rng.f64();
    let p99 = median * (spread_lo + (spread_hi - spread_lo) * rng.f64());
    Dist::lognormal(median, p99)
}

fn op(
    service: usize,
    name: String,
    kind: SpanKind,
    self_time: Dist,
    protocol: Protocol,
) -> Operation {
    Operation {
        service,
        name: Arc::from(name.as_str()),
        kind,
        self_time,
        error_rate: 0.0,
        error_type: None,
        error_status: None,
        error_message: None,
        protocol,
        attributes: Vec::new(),
        steps: Vec::new(),
    }
}

fn call(target: usize, mode: CallMode, probability: f64, repeat: u32) -> Call {
    Call {
        target,
        mode,
        probability,
        repeat,
        retries: 0,
        backoff_ns: 0,
        timeout_ns: None,
        ignore_errors: false,
        queue_delay: Dist::lognormal(20.0, 300.0),
        network: if mode == CallMode::Local {
            Dist::fixed_ms(0.0)
        } else {
            Dist::lognormal(0.4, 1.5)
        },
    }
}

/// Layer sizes: one edge service, the rest weighted towards deeper layers.
fn layer_sizes(services: usize, layers: usize) -> Vec<usize> {
    let rest = services - 1;
    let weights: usize = (1..layers).sum();
    let mut sizes = vec![1];
    let mut used = 0;
    for l in 1..layers {
        let n = (rest * l / weights).max(1);
        sizes.push(n);
        used += n;
    }
    // Fix rounding on the deepest layer.
    if let Some(last) = sizes.last_mut() {
        if used < rest {
            *last += rest - used;
        } else {
            *last = (*last + rest).saturating_sub(used).max(1);
        }
    }
    sizes
}

struct Built {
    /// Per service: server (or consumer) operation indices.
    entry_ops: Vec<Vec<usize>>,
    /// Per service: (db op, cache op).
    local: Vec<(Option<usize>, Option<usize>)>,
    worker: Vec<bool>,
}

/// Builds services and operations; operation 0 is the entry.
pub(crate) fn build(p: &EstateParams) -> (Vec<Service>, Vec<Operation>) {
    // A topology is content: it is drawn with one fixed stream (version
    // 2's ChaCha8), whatever version draws the traces over it.
    let mut rng = SimRng::with_version(
        p.topology_seed,
        fnv1a(b"spandojo-estate"),
        GeneratorVersion::V2,
    );
    let sizes = layer_sizes(p.services, p.layers);
    let mut services = Vec::with_capacity(p.services);
    let mut ops: Vec<Operation> = Vec::new();
    let mut layer_of = Vec::with_capacity(p.services);
    let mut b = Built {
        entry_ops: Vec::new(),
        local: Vec::new(),
        worker: Vec::new(),
    };
    for (layer, &n) in sizes.iter().enumerate() {
        for _ in 0..n {
            let si = services.len();
            let domain = pick(&mut rng, DOMAINS);
            let name = if si == 0 {
                "edge-gateway".to_string()
            } else {
                format!("{domain}-{}-{si}", pick(&mut rng, ROLES))
            };
            let worker = layer >= 2 && rng.chance(0.08);
            let version = format!("1.{}.{}", rng.below(30), rng.below(10));
            let mut svc = Service {
                name: Arc::from(name.as_str()),
                resource: vec![
                    (s("service.namespace"), AttrValue::Str(s(domain))),
                    (
                        s("service.version"),
                        AttrValue::Str(Arc::from(version.as_str())),
                    ),
                    (s("deployment.environment.name"), AttrValue::Str(s("prod"))),
                ],
                drop_traceparent: false,
                clock_offset_ns: 0,
                operations: Vec::new(),
            };
            let mut entries = Vec::new();
            if worker {
                let topic = format!("{domain}-events-{si}");
                entries.push(ops.len());
                ops.push(op(
                    si,
                    format!("process {topic}"),
                    SpanKind::Consumer,
                    lognormal(&mut rng, 1.0, 10.0, 3.0, 10.0),
                    Protocol::Messaging {
                        system: s("kafka"),
                        destination: Arc::from(topic.as_str()),
                    },
                ));
            } else {
                let count = if si == 0 {
                    3
                } else {
                    1 + rng.below(3) as usize
                };
                let first = rng.below(NOUNS.len() as u64) as usize;
                let grpc = si != 0 && rng.chance(0.4);
                for j in 0..count {
                    let noun = NOUNS[(first + j) % NOUNS.len()];
                    let (name, protocol) = if grpc {
                        let cap = |w: &str| format!("{}{}", w[..1].to_ascii_uppercase(), &w[1..]);
                        let svc_name = format!("{domain}.v1.{}Service", cap(domain));
                        let method = format!("Get{}", cap(noun));
                        (
                            format!("{svc_name}/{method}"),
                            Protocol::Rpc {
                                system: s("grpc"),
                                service: Arc::from(svc_name.as_str()),
                                method: Arc::from(method.as_str()),
                                full_method: Arc::from(format!("{svc_name}/{method}").as_str()),
                            },
                        )
                    } else {
                        let method = if rng.chance(0.7) { "GET" } else { "POST" };
                        let route = format!("/v1/{domain}/{noun}");
                        (
                            format!("{method} {route}"),
                            Protocol::Http {
                                method: s(method),
                                route: Arc::from(route.as_str()),
                                address: None,
                            },
                        )
                    };
                    entries.push(ops.len());
                    let mut o = op(
                        si,
                        name,
                        SpanKind::Server,
                        lognormal(&mut rng, 0.3, 4.0, 2.0, 8.0),
                        protocol,
                    );
                    o.error_rate = 0.0005;
                    ops.push(o);
                }
            }
            let db = (si != 0 && rng.chance(0.7)).then(|| {
                let system = pick(&mut rng, DBS);
                let table = format!("{domain}_{}", pick(&mut rng, NOUNS));
                let query = format!("SELECT * FROM {table} WHERE id = $1");
                ops.push(op(
                    si,
                    format!("SELECT {table}"),
                    SpanKind::Client,
                    lognormal(&mut rng, 0.3, 5.0, 3.0, 20.0),
                    Protocol::Db {
                        system: s(system),
                        query: Arc::from(query.as_str()),
                        namespace: Some(s(domain)),
                        address: Some(Arc::from(format!("{domain}-db").as_str())),
                        operation: s("SELECT"),
                    },
                ));
                ops.len() - 1
            });
            let cache = (si != 0 && rng.chance(0.5)).then(|| {
                ops.push(op(
                    si,
                    "GET".to_string(),
                    SpanKind::Client,
                    lognormal(&mut rng, 0.1, 0.5, 2.0, 6.0),
                    Protocol::Db {
                        system: s("redis"),
                        query: Arc::from(format!("GET {domain}:*").as_str()),
                        namespace: None,
                        address: Some(s("redis-cache")),
                        operation: s("GET"),
                    },
                ));
                ops.len() - 1
            });
            svc.operations = (ops.len()
                - entries.len()
                - usize::from(db.is_some())
                - usize::from(cache.is_some())..ops.len())
                .collect();
            b.entry_ops.push(entries);
            b.local.push((db, cache));
            b.worker.push(worker);
            layer_of.push(layer);
            services.push(svc);
        }
    }
    wire(&mut rng, p, &sizes, &b, &mut ops);
    (services, ops)
}

/// Adds the calls: each entry operation calls services in the next one or two layers.
fn wire(rng: &mut SimRng, p: &EstateParams, sizes: &[usize], b: &Built, ops: &mut [Operation]) {
    let mut starts = Vec::with_capacity(sizes.len());
    let mut acc = 0;
    for &n in sizes {
        starts.push(acc);
        acc += n;
    }
    for (layer, &n) in sizes.iter().enumerate() {
        for si in starts[layer]..starts[layer] + n {
            for &o in &b.entry_ops[si] {
                let mut steps = Vec::new();
                let (db, cache) = b.local[si];
                if let Some(c) = cache {
                    steps.push(Step {
                        calls: vec![call(c, CallMode::Local, 0.8, 1)],
                        parallel: false,
                    });
                }
                if let Some(d) = db {
                    let repeat = 1 + rng.below(3) as u32;
                    steps.push(Step {
                        calls: vec![call(d, CallMode::Local, 0.9, repeat)],
                        parallel: false,
                    });
                }
                if layer + 1 < sizes.len() {
                    let k = 1 + rng.below(p.max_fan_out as u64) as usize;
                    let split = if rng.chance(0.5) {
                        rng.below(k as u64 + 1) as usize
                    } else {
                        k
                    };
                    let mut group = Vec::new();
                    for j in 0..k {
                        let tl = if layer + 2 < sizes.len() && rng.chance(0.15) {
                            layer + 2
                        } else {
                            layer + 1
                        };
                        let ts = starts[tl] + rng.below(sizes[tl] as u64) as usize;
                        let choices = &b.entry_ops[ts];
                        let target = choices[rng.below(choices.len() as u64) as usize];
                        let mode = if b.worker[ts] {
                            CallMode::Async
                        } else {
                            CallMode::Remote
                        };
                        let mut c = call(target, mode, 0.45 + 0.55 * rng.f64(), 1);
                        c.ignore_errors = rng.chance(0.4);
                        if mode == CallMode::Remote && rng.chance(0.1) {
                            c.retries = 1;
                            c.backoff_ns = 25_000_000;
                            c.timeout_ns = Some(1_500_000_000);
                        }
                        if j < split {
                            steps.push(Step {
                                calls: vec![c],
                                parallel: false,
                            });
                        } else {
                            group.push(c);
                        }
                    }
                    if !group.is_empty() {
                        steps.push(Step {
                            calls: group,
                            parallel: true,
                        });
                    }
                }
                ops[o].steps = steps;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_add_up() {
        for (n, l) in [(520, 8), (10, 3), (2, 2), (600, 20)] {
            let s = layer_sizes(n, l);
            assert_eq!(s.len(), l);
            assert_eq!(s.iter().sum::<usize>(), n, "{n} {l}: {s:?}");
            assert!(s.iter().all(|&x| x >= 1));
        }
    }

    #[test]
    fn deterministic() {
        let p = EstateParams {
            services: 120,
            layers: 6,
            max_fan_out: 4,
            topology_seed: 9,
        };
        let (a, ao) = build(&p);
        let (b, bo) = build(&p);
        assert_eq!(a.len(), 120);
        assert_eq!(
            a.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
            b.iter().map(|s| s.name.clone()).collect::<Vec<_>>()
        );
        assert_eq!(ao.len(), bo.len());
    }
}
