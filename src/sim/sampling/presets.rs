//! Named lab setups that lessons and questions link to
//! (`/sim/lab?preset=…`). The names are `content::LAB_PRESETS`.

use crate::sim::sampling::pipeline::{Pipeline, Routing};

/// One preset: a population and up to four strategies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    /// URL name.
    pub name: &'static str,
    /// Heading.
    pub title: &'static str,
    /// What to look at, one or two sentences.
    pub summary: &'static str,
    /// Scenario name.
    pub scenario: &'static str,
    /// Traces in the population.
    pub traces: u64,
    /// Arrival rate (traces per second); `None`: the scenario's.
    pub rate_per_sec: Option<f64>,
    /// Population seed.
    pub seed: u64,
    /// SLO in milliseconds.
    pub slo_ms: f64,
    /// Storage per span, bytes.
    pub bytes_per_span: u64,
    /// Strategy specs.
    pub strategies: &'static [&'static str],
    /// The Collector tier of the tail strategies.
    pub pipeline: Pipeline,
}

/// Every preset.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "head-vs-tail",
        title: "Head versus tail sampling",
        summary: "The same 20,000 requests through everything, a 10% head sampler, \
                  its consistent-probability twin, and a tail sampler that keeps errors, \
                  slow traces and 10% of the rest. Compare cost, error coverage and percentiles.",
        scenario: "study-sheet",
        traces: 20_000,
        rate_per_sec: None,
        seed: 1,
        slo_ms: 50.0,
        bytes_per_span: 500,
        pipeline: Pipeline::SINGLE,
        strategies: &[
            "always_on",
            "parent_based=ratio:0.1",
            "consistent=0.1",
            "status_code=error,latency>=50ms,probabilistic=10%",
        ],
    },
    Preset {
        name: "errors-only",
        title: "Keeping the errors",
        summary: "Head sampling keeps errors only as often as anything else; a status_code \
                  policy keeps all of them, unless the decision comes before the error span \
                  has arrived.",
        scenario: "study-sheet",
        traces: 20_000,
        rate_per_sec: None,
        seed: 2,
        slo_ms: 50.0,
        bytes_per_span: 500,
        pipeline: Pipeline::SINGLE,
        strategies: &[
            "ratio=0.05",
            "status_code=error",
            "status_code=error,probabilistic=5%",
            "status_code=error,decision_wait=15ms",
        ],
    },
    Preset {
        name: "latency-slo",
        title: "A latency SLO and the percentiles you see",
        summary: "Orders are usually quick but have a long tail. A latency policy keeps \
                  every slow trace, and the percentiles of what it kept are far from the \
                  truth until each trace is weighted by its adjusted count.",
        scenario: "async-orders",
        traces: 20_000,
        rate_per_sec: None,
        seed: 3,
        slo_ms: 1_000.0,
        bytes_per_span: 500,
        pipeline: Pipeline::SINGLE,
        strategies: &[
            "ratio=0.1",
            "latency>=1000ms",
            "latency>=1000ms,probabilistic=10%",
            "latency>=1000ms,probabilistic=10%,decision_wait=500ms",
        ],
    },
    Preset {
        name: "broken-propagation",
        title: "Broken propagation and broken traces",
        summary: "legacy-billing drops the traceparent header, so every request becomes two \
                  trace ids that are sampled independently; a service deciding alone breaks \
                  traces everywhere.",
        scenario: "broken-propagation",
        traces: 10_000,
        rate_per_sec: None,
        seed: 4,
        slo_ms: 200.0,
        bytes_per_span: 500,
        pipeline: Pipeline::SINGLE,
        strategies: &[
            "parent_based=ratio:0.25",
            "consistent=0.25",
            "alone=0.25",
            "probabilistic=25%",
        ],
    },
    Preset {
        name: "rate-limited",
        title: "Rate limits and the collector's memory",
        summary: "A retry storm sends about 900 spans a second. A rate limit caps what is \
                  kept but records no probability; a composite policy reserves part of the \
                  budget for errors; a buffer that is too small loses traces before deciding.",
        scenario: "retry-storm",
        traces: 10_000,
        rate_per_sec: None,
        seed: 5,
        slo_ms: 3_000.0,
        bytes_per_span: 500,
        pipeline: Pipeline::SINGLE,
        strategies: &[
            "ratio=0.3",
            "rate_limit=300sps",
            "composite(max=300sps,latency>=3s@50%,always_sample@50%)",
            "always_sample,num_traces=100,decision_wait=10s",
        ],
    },
    Preset {
        name: "cost-budget",
        title: "Sampling to a storage budget",
        summary: "Keeping everything costs bytes for every span. Compare what a 5% head \
                  sampler, a tail sampler and a composite budget cost and what they still \
                  tell you about slow checkouts.",
        scenario: "checkout",
        traces: 50_000,
        rate_per_sec: None,
        seed: 6,
        slo_ms: 4_500.0,
        bytes_per_span: 600,
        pipeline: Pipeline::SINGLE,
        strategies: &[
            "always_on",
            "ratio=0.05",
            "latency>=4500ms,probabilistic=2%",
            "composite(max=40sps,latency>=4500ms@60%,always_sample@40%)",
        ],
    },
    Preset {
        name: "load-balancing",
        title: "Tail sampling behind a load balancer",
        summary: "Three Collector replicas behind a round-robin load balancer: each sees a                   few spans of every trace and decides alone. Error and latency policies                   keep fragments and disagree; probabilistic, which hashes the trace id,                   agrees everywhere. Switch the routing to traceID and every trace is whole again.",
        scenario: "study-sheet",
        traces: 20_000,
        rate_per_sec: None,
        seed: 8,
        slo_ms: 50.0,
        bytes_per_span: 500,
        pipeline: Pipeline {
            collectors: 3,
            routing: Routing::RoundRobin,
        },
        strategies: &[
            "parent_based=ratio:0.1",
            "status_code=error",
            "latency>=50ms",
            "probabilistic=10%",
        ],
    },
];

/// The preset called `name`.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::sampling::parse_strategy;

    #[test]
    fn presets_are_the_content_presets_and_parse() {
        let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
        assert_eq!(names, crate::content::LAB_PRESETS);
        for p in PRESETS {
            assert!(p.strategies.len() <= 4, "{}", p.name);
            for s in p.strategies {
                assert!(parse_strategy(s).is_ok(), "{}: {s}", p.name);
            }
            let known = crate::sim::testutil::FILES
                .iter()
                .any(|(n, _)| *n == p.scenario);
            assert!(known, "{}: {}", p.name, p.scenario);
        }
        assert!(preset("cost-budget").is_some());
        assert!(preset("nope").is_none());
    }
}
