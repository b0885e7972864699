//! Simulator-backed questions: each attempt draws a fresh seeded scenario,
//! shows it, and grades the answer exactly. The same `(question, seed)`
//! always gives the same puzzle, so an attempt can be reopened later.

mod collector;
mod exhibit;
mod patterns;
mod sampling;
mod traces;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::sim::{Catalog, GeneratorVersion};

pub use exhibit::{Exhibit, SpanRow};

/// Generator names a `kind = "sim"` question may use, with the scenario it
/// uses when the question names none (`None`: it needs no trace).
pub const GENERATORS: &[(&str, Option<&str>)] = &[
    ("root_cause", Some("checkout")),
    ("critical_path", Some("study-sheet")),
    ("traceparent", Some("study-sheet")),
    ("retries", Some("retry-storm")),
    ("head_math", None),
    ("tail_policy", None),
    ("n_plus_one", Some("n-plus-one")),
    ("clock_skew", Some("clock-skew")),
    ("broken_propagation", Some("broken-propagation")),
    ("async_critical_path", Some("async-orders")),
    ("collector_policy", Some("checkout")),
    ("ottl_condition", Some("study-sheet")),
];

/// Variants some generators accept.
pub const VARIANTS: &[(&str, &str)] = &[
    ("head_math", "chained"),
    ("root_cause", "slow"),
    ("root_cause", "error"),
    ("clock_skew", "spans"),
    ("clock_skew", "service"),
];

/// What a question asks a generator for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PuzzleSpec {
    pub generator: String,
    pub scenario: Option<String>,
    pub variant: Option<String>,
}

/// One generated puzzle, ready to show and grade.
#[derive(Debug, Clone)]
pub struct Puzzle {
    /// What to work out (plain text).
    pub prompt: String,
    /// The material to work from.
    pub exhibit: Exhibit,
    /// Answer options (plain text).
    pub options: Vec<String>,
    /// Indices of the right options.
    pub correct: Vec<usize>,
    /// Whether more than one option may be right.
    pub multi: bool,
    /// Why the right answer is right (plain text).
    pub explanation: String,
    /// The trace behind the puzzle, to open in the viewer after answering:
    /// scenario, seed, and the generator version that drew it.
    pub trace: Option<(String, u64, GeneratorVersion)>,
}

impl Puzzle {
    /// The viewer address of the puzzle's trace (`?generator=N` when it was
    /// drawn by an earlier generator version).
    pub fn trace_href(&self) -> Option<String> {
        let (scenario, seed, version) = self.trace.as_ref()?;
        Some(if *version == GeneratorVersion::CURRENT {
            format!("/sim/{scenario}/{seed}")
        } else {
            format!("/sim/{scenario}/{seed}?generator={version}")
        })
    }
}

/// Why a puzzle could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PuzzleError(pub String);

impl std::fmt::Display for PuzzleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a spec against the known generators, variants and scenarios.
pub fn validate(spec: &PuzzleSpec, catalog: &Catalog) -> Result<(), String> {
    let Some((_, default)) = GENERATORS.iter().find(|(g, _)| *g == spec.generator) else {
        let names: Vec<&str> = GENERATORS.iter().map(|(g, _)| *g).collect();
        return Err(format!(
            "unknown generator \"{}\"; known: {}",
            spec.generator,
            names.join(", ")
        ));
    };
    if let Some(v) = &spec.variant
        && !VARIANTS.contains(&(spec.generator.as_str(), v.as_str()))
    {
        return Err(format!(
            "generator {} has no variant \"{v}\"",
            spec.generator
        ));
    }
    match (&spec.scenario, default) {
        (Some(_), None) => Err(format!(
            "generator {} uses no scenario; remove `scenario`",
            spec.generator
        )),
        (Some(s), Some(_)) if catalog.get(s).is_none() => Err(format!("unknown scenario \"{s}\"")),
        _ => {
            // The scenario must give this generator something to ask about.
            for seed in 0..3 {
                generate(spec, catalog, seed).map_err(|e| {
                    format!(
                        "generator {} cannot make a puzzle from this scenario: {e}",
                        spec.generator
                    )
                })?;
            }
            Ok(())
        }
    }
}

/// Makes the puzzle for `spec` and `seed` with the current generator.
pub fn generate(spec: &PuzzleSpec, catalog: &Catalog, seed: u64) -> Result<Puzzle, PuzzleError> {
    generate_versioned(spec, catalog, seed, GeneratorVersion::CURRENT)
}

/// Makes the puzzle for `spec` and `seed`, its trace drawn by generator
/// `version` (a stored attempt reopens with the version it was made with).
pub fn generate_versioned(
    spec: &PuzzleSpec,
    catalog: &Catalog,
    seed: u64,
    version: GeneratorVersion,
) -> Result<Puzzle, PuzzleError> {
    let default = GENERATORS
        .iter()
        .find(|(g, _)| *g == spec.generator)
        .ok_or_else(|| PuzzleError(format!("unknown generator {}", spec.generator)))?
        .1;
    let scenario = match spec.scenario.as_deref().or(default) {
        Some(name) => Some(
            catalog
                .get(name)
                .ok_or_else(|| PuzzleError(format!("unknown scenario {name}")))?
                .clone(),
        ),
        None => None,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x005e_ed0f_9a22_1e55);
    let variant = spec.variant.as_deref();
    match (spec.generator.as_str(), scenario) {
        ("root_cause", Some(sc)) => traces::root_cause(&sc, (seed, version), variant, &mut rng),
        ("critical_path", Some(sc)) => traces::critical_path_puzzle(&sc, (seed, version), &mut rng),
        ("traceparent", Some(sc)) => traces::traceparent(&sc, (seed, version), &mut rng),
        ("retries", Some(sc)) => traces::retries(&sc, (seed, version), &mut rng),
        ("head_math", None) => Ok(sampling::head_math(variant, &mut rng)),
        ("tail_policy", None) => Ok(sampling::tail_policy(&mut rng)),
        ("n_plus_one", Some(sc)) => patterns::n_plus_one(&sc, (seed, version), &mut rng),
        ("clock_skew", Some(sc)) => patterns::clock_skew(&sc, (seed, version), variant, &mut rng),
        ("broken_propagation", Some(sc)) => {
            patterns::broken_propagation(&sc, (seed, version), &mut rng)
        }
        ("async_critical_path", Some(sc)) => {
            patterns::async_critical_path(&sc, (seed, version), &mut rng)
        }
        ("collector_policy", Some(sc)) => {
            collector::collector_policy(&sc, (seed, version), &mut rng)
        }
        ("ottl_condition", Some(sc)) => collector::ottl_condition(&sc, (seed, version), &mut rng),
        (g, _) => Err(PuzzleError(format!(
            "generator {g} cannot run with this scenario setting"
        ))),
    }
}

/// Shuffles `(text, is_right)` options and splits them into texts and right indices.
fn shuffle_options(
    mut options: Vec<(String, bool)>,
    rng: &mut ChaCha8Rng,
) -> (Vec<String>, Vec<usize>) {
    options.shuffle(rng);
    let correct = options
        .iter()
        .enumerate()
        .filter(|(_, (_, ok))| *ok)
        .map(|(i, _)| i)
        .collect();
    (options.into_iter().map(|(t, _)| t).collect(), correct)
}

/// Milliseconds with sensible precision.
fn ms(ns: u64) -> String {
    let v = ns as f64 / 1e6;
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else if v >= 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.2} ms")
    }
}

#[cfg(test)]
mod tests;
