//! The sampling lab's form: the query as typed ([`LabForm`], echoed back
//! on errors and turned into the run's shareable link), its reading
//! ([`read_query`]) and the checks shared by generated runs and runs over
//! a member's own traces ([`pipeline_of`], [`strategies_of`]).

use crate::sim::sampling::{PRESETS, Pipeline, Preset, Routing, Strategy, parse_strategy, preset};
use crate::web::Invalid;

/// Strategy fields on the form.
pub const FORM_STRATEGIES: usize = 4;

/// The form as typed, echoed back (also on errors).
#[derive(Debug, Clone, Default)]
pub struct LabForm {
    pub preset: String,
    pub scenario: String,
    pub traces: String,
    pub rate: String,
    pub seed: String,
    pub slo_ms: String,
    pub bytes_per_span: String,
    pub strategies: Vec<String>,
    /// Pasted Collector YAML (a whole file, a processor or its body).
    pub collector: String,
    /// The feature gate `processor.tailsamplingprocessor.disableinvertdecisions`.
    pub disable_invert: bool,
    /// Collector replicas behind the load balancer (`1` to `16`).
    pub collectors: String,
    /// Routing to them: `traceID`, `round_robin` or `service`.
    pub routing: String,
    /// `source=mine`: the run is over the member's own traces, and the
    /// generator's fields (scenario, traces, rate, seed) are not used.
    pub mine: bool,
    /// No strategy was given (`s`): the form shows its defaults.
    pub default_strategies: bool,
}

/// The strategies shown when none is given and no preset is chosen: those
/// of the first preset, with the tail strategy's latency threshold at the
/// run's SLO (`slo_ms`, typed or suggested).
pub fn default_strategies(slo_ms: f64) -> Vec<String> {
    let first = &PRESETS[0];
    let threshold = format!("latency>={}ms", first.slo_ms);
    first
        .strategies
        .iter()
        .map(|s| s.replace(&threshold, &format!("latency>={slo_ms}ms")))
        .collect()
}

impl LabForm {
    fn from_preset(p: &Preset) -> LabForm {
        LabForm {
            preset: p.name.to_string(),
            scenario: p.scenario.to_string(),
            traces: p.traces.to_string(),
            rate: p.rate_per_sec.map(|r| r.to_string()).unwrap_or_default(),
            seed: p.seed.to_string(),
            slo_ms: p.slo_ms.to_string(),
            bytes_per_span: p.bytes_per_span.to_string(),
            strategies: p.strategies.iter().map(|s| s.to_string()).collect(),
            collector: String::new(),
            disable_invert: false,
            collectors: p.pipeline.collectors.to_string(),
            routing: p.pipeline.routing.name().to_string(),
            mine: false,
            default_strategies: true,
        }
    }

    /// The query string that reproduces this run.
    pub fn query(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if self.mine {
            q.append_pair("source", "mine");
        } else {
            for (k, v) in [
                ("scenario", &self.scenario),
                ("traces", &self.traces),
                ("rate", &self.rate),
                ("seed", &self.seed),
            ] {
                q.append_pair(k, v);
            }
        }
        for (k, v) in [
            ("slo_ms", &self.slo_ms),
            ("bytes_per_span", &self.bytes_per_span),
        ] {
            q.append_pair(k, v);
        }
        for s in self.strategies.iter().filter(|s| !s.trim().is_empty()) {
            q.append_pair("s", s);
        }
        if !self.collector.trim().is_empty() {
            q.append_pair("collector", &self.collector);
        }
        if self.disable_invert {
            q.append_pair("gate", "disableinvertdecisions");
        }
        if !matches!(self.collectors.as_str(), "" | "1") {
            q.append_pair("collectors", &self.collectors);
            q.append_pair("routing", &self.routing);
        }
        q.finish()
    }
}

/// Reads the query: the form to show, and whether to run it (or why not).
pub fn read_query(query: Option<&str>) -> (LabForm, Result<bool, Invalid>) {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |key: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_string())
    };
    let mut form = LabForm::from_preset(&PRESETS[0]);
    form.preset.clear();
    if pairs.is_empty() {
        return (form, Ok(false));
    }
    let mine = match get("source").as_deref() {
        None | Some("") | Some("generated") => false,
        Some("mine") => true,
        Some(other) => {
            let msg = format!(
                "There is no source “{other}”: use source=mine to run the lab over your own \
                 traces, or leave it out for a generated population."
            );
            return (form, Err(Invalid(msg)));
        }
    };
    form.mine = mine;
    if mine {
        // Over the member's traces the SLO defaults to their own p95.
        form.slo_ms.clear();
    }
    if let Some(name) = get("preset").filter(|n| !n.is_empty()) {
        match preset(&name) {
            Some(p) => {
                form = LabForm::from_preset(p);
                form.mine = mine;
            }
            None => {
                let known: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
                let msg = format!(
                    "There is no preset “{name}”. Presets: {}.",
                    known.join(", ")
                );
                return (form, Err(Invalid(msg)));
            }
        }
    }
    for (key, field) in [
        ("scenario", &mut form.scenario),
        ("traces", &mut form.traces),
        ("rate", &mut form.rate),
        ("seed", &mut form.seed),
        ("slo_ms", &mut form.slo_ms),
        ("bytes_per_span", &mut form.bytes_per_span),
        ("collectors", &mut form.collectors),
        ("routing", &mut form.routing),
    ] {
        if let Some(v) = get(key) {
            *field = v;
        }
    }
    // Another scenario than the first preset's, with no SLO typed: its
    // own SLO is suggested, not the preset's.
    if !mine
        && form.preset.is_empty()
        && get("slo_ms").is_none()
        && form.scenario != PRESETS[0].scenario
    {
        form.slo_ms.clear();
    }
    if let Some((_, c)) = pairs.iter().rev().find(|(k, _)| k == "collector") {
        form.collector = c.clone();
    }
    form.disable_invert = pairs
        .iter()
        .any(|(k, v)| k == "gate" && v == "disableinvertdecisions");
    let given: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "s")
        .map(|(_, v)| v.trim().to_string())
        .collect();
    if !given.is_empty() {
        form.default_strategies = false;
        let filled: Vec<String> = given.into_iter().filter(|s| !s.is_empty()).collect();
        form.strategies = filled;
        if form.strategies.len() > FORM_STRATEGIES {
            return (
                form,
                Err(Invalid(format!(
                    "At most {FORM_STRATEGIES} strategies at once."
                ))),
            );
        }
    }
    // Checked last, so that the page that says so keeps what was typed.
    if let Some((_, other)) = pairs
        .iter()
        .find(|(k, v)| k == "gate" && !v.is_empty() && v != "disableinvertdecisions")
    {
        let msg = format!(
            "There is no feature gate “{other}” here; the lab knows disableinvertdecisions \
             (processor.tailsamplingprocessor.disableinvertdecisions)."
        );
        return (form, Err(Invalid(msg)));
    }
    (form, Ok(true))
}

pub fn number<T: std::str::FromStr>(value: &str, what: &str) -> Result<T, Invalid> {
    value
        .replace(['_', ','], "")
        .parse()
        .map_err(|_| Invalid(format!("The {what} “{value}” is not a number.")))
}

/// Reads the size per span, the number of Collectors and the routing
/// (filling in their defaults, so the link is complete).
pub fn pipeline_of(form: &mut LabForm) -> Result<(u64, Pipeline), Invalid> {
    if form.bytes_per_span.is_empty() {
        form.bytes_per_span = "500".to_string();
    }
    let bytes_per_span: u64 = number(&form.bytes_per_span, "size per span")?;
    if form.collectors.is_empty() {
        form.collectors = "1".to_string();
    }
    let collectors: u32 = number(&form.collectors, "number of collectors")?;
    let routing = if form.routing.is_empty() {
        Routing::default()
    } else {
        Routing::parse(&form.routing).map_err(|e| Invalid(format!("Routing: {e}.")))?
    };
    form.routing = routing.name().to_string();
    Ok((
        bytes_per_span,
        Pipeline {
            collectors,
            routing,
        },
    ))
}

/// A lab error (`the rate must…`) as a sentence for the page.
pub fn sentence(e: String) -> Invalid {
    let mut c = e.chars();
    Invalid(
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>() + ".")
            .unwrap_or(e),
    )
}

/// The strategies of the form: its strategy fields, then every
/// `tail_sampling` processor of the pasted Collector configuration, with
/// the feature gate applied; at least one, at most
/// [`crate::sim::sampling::MAX_STRATEGIES`].
pub fn strategies_of(form: &LabForm) -> Result<Vec<Strategy>, Invalid> {
    let mut strategies = Vec::new();
    for (i, s) in form.strategies.iter().enumerate() {
        if !s.trim().is_empty() {
            strategies
                .push(parse_strategy(s).map_err(|e| Invalid(format!("Strategy {}: {e}.", i + 1)))?);
        }
    }
    let from_fields = strategies.len();
    if !form.collector.trim().is_empty() {
        let from_yaml =
            crate::sim::sampling::collector::parse(&form.collector, form.disable_invert)
                .map_err(|e| Invalid(format!("Collector configuration, {e}.")))?;
        strategies.extend(from_yaml);
    }
    if form.disable_invert {
        for s in &mut strategies {
            if let crate::sim::sampling::StrategyKind::Tail(t) = &mut s.kind {
                t.disable_invert_decisions = true;
            }
        }
    }
    if strategies.is_empty() {
        return Err(Invalid("Give at least one strategy.".to_string()));
    }
    if strategies.len() > crate::sim::sampling::MAX_STRATEGIES {
        let advice = if from_fields > 0 {
            "Clear strategy fields you do not need, or paste fewer processors."
        } else {
            "Paste fewer processors."
        };
        return Err(Invalid(format!(
            "At most {} strategies at once: the strategy fields hold {from_fields} and the configuration's tail_sampling processors {}. {advice}",
            crate::sim::sampling::MAX_STRATEGIES,
            strategies.len() - from_fields
        )));
    }
    Ok(strategies)
}

#[cfg(test)]
mod tests {
    use super::{PRESETS, default_strategies};

    #[test]
    fn the_default_strategies_are_the_first_presets_at_the_given_slo() {
        let first = &PRESETS[0];
        let at_its_slo: Vec<String> = first.strategies.iter().map(|s| s.to_string()).collect();
        assert_eq!(default_strategies(first.slo_ms), at_its_slo);
        let moved = default_strategies(3000.0);
        assert!(
            moved.iter().any(|s| s.contains("latency>=3000ms")),
            "{moved:?}"
        );
        assert_eq!(moved.len(), first.strategies.len());
    }
}
