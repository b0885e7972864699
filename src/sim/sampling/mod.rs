//! The sampling lab: one streamed population pushed through head and tail
//! samplers side by side. Pure: no web, no database, no clock.
//!
//! - [`population`]: the lean, streamed population (trace `i` reopens with
//!   `generate(scenario, trace_seed(seed, i))`).
//! - [`spec`]: the strategy grammar shared by the CLI and the lab page.
//! - [`head`], [`consistent`]: head samplers and OTel threshold maths.
//! - [`tail`]: the Collector's tail sampling processor on a simulated clock.
//! - [`run()`]: evaluates strategies side by side into a [`LabReport`];
//!   [`run_stored`] does the same over existing traces ([`Stored`]).

pub mod attrs;
pub mod collector;
pub mod composite;
pub mod consistent;
pub mod explain;
pub mod head;
pub mod histogram;
pub mod outcome;
pub mod pipeline;
pub mod population;
pub mod presets;
pub mod report;
mod run;
pub mod spec;
pub mod tail;

pub use pipeline::{MAX_COLLECTORS, Pipeline, Routing};
pub use population::stored::{Stored, StoredBuilder};
pub use population::{LeanSpan, LeanTrace, Population, trace_seed};
pub use presets::{PRESETS, Preset, preset};
pub use report::{LabReport, StrategyReport};
pub use run::{
    Accounting, LabConfig, MAX_RATE, MAX_STRATEGIES, MAX_TRACES, run, run_stored, run_threads,
    suggest_slo_from_durations, suggest_slo_ms,
};
pub use spec::{SpecError, Strategy, StrategyKind, parse_head, parse_strategy, parse_tail};
#[cfg(test)]
mod tests;
