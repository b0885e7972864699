//! The sampling lab over the member's own traces: `/sim/lab?source=mine`.
//! The same form (without the generator's fields), the same strategies and
//! the same results table, over the member's most recent received traces
//! with their real ids, timings, errors and attributes. Only the logged-in
//! member's traces are read; anyone else is sent to the login page.

use axum::response::Response;

use crate::budget::Kind;
use crate::sim::sampling::outcome::Example;
use crate::sim::sampling::report::thousands;
use crate::sim::sampling::{
    Accounting, LabReport, StoredBuilder, run_stored, suggest_slo_from_durations,
};
use crate::store::traces::read::{self, StoredSpan, TraceSummary};
use crate::store::traces::write;
use crate::web::guards::budget::Client;
use crate::web::guards::session::MaybeMember;
use crate::web::layout::Ctx;
use crate::web::sim::lab::page_response;
use crate::web::sim::lab_chart::LabView;
use crate::web::sim::lab_form::{
    LabForm, default_strategies, number, pipeline_of, sentence, strategies_of,
};
use crate::web::{AppError, AppState, Invalid};

/// Most of the member's traces one run reads (the most recent ones).
pub const MAX_MINE_TRACES: usize = 2_000;
/// Most spans one run reads, over all its traces.
pub const MAX_MINE_SPANS: u64 = 200_000;

/// What the page says about the member's traces as the population.
#[derive(Debug, Clone, Default)]
pub struct MineSource {
    /// "Your traces: 12 traces, 40 spans received between … and …".
    pub summary: String,
    /// The older traces that were left out, or empty.
    pub left_out: String,
    /// The member has no trace: the page says how to send some instead of
    /// showing a table.
    pub empty: bool,
}

/// What a run over the member's traces gives back: the report, the trace
/// id of each trace by index, and how many stored traces could not be read
/// back.
type Outcome = (LabReport, Vec<[u8; 16]>, usize);

/// `x` with about three significant digits: 330, 33.0, 3.30, 0.33.
fn three_digits(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// The form's accounting and strategies. An empty SLO is checked as 1 ms:
/// [`page`] fills it with the traces' p95 before a run.
fn validate(
    form: &mut LabForm,
) -> Result<(Accounting, Vec<crate::sim::sampling::Strategy>), Invalid> {
    let slo_ms = if form.slo_ms.is_empty() {
        1.0
    } else {
        number::<f64>(&form.slo_ms, "SLO")?
    };
    let (bytes_per_span, pipeline) = pipeline_of(form)?;
    let acc = Accounting {
        slo_ms,
        bytes_per_span,
        pipeline,
    };
    acc.validate().map_err(sentence)?;
    Ok((acc, strategies_of(form)?))
}

fn describe(ctx: &Ctx, recent: &read::Recent) -> MineSource {
    let summaries: Vec<&TraceSummary> = recent.traces.iter().map(|(t, _)| t).collect();
    if summaries.is_empty() {
        return MineSource {
            summary: "You have not sent any traces yet.".to_string(),
            left_out: String::new(),
            empty: true,
        };
    }
    let zone = ctx.time_zone();
    let spans: u64 = summaries.iter().map(|t| t.spans).sum();
    let first = summaries.iter().map(|t| t.first_received_at).min();
    let last = summaries.iter().map(|t| t.last_received_at).max();
    let at = |secs: Option<i64>| crate::clock::date_time(secs.unwrap_or(0), &zone);
    let n = summaries.len() as u64;
    let left = recent.total_traces.saturating_sub(n);
    let left_out = if left == 0 {
        String::new()
    } else {
        format!(
            "{} older {} ({} spans) {} left out: the lab reads your most recent traces, \
             at most {} of them and {} spans in all.",
            thousands(left),
            if left == 1 { "trace" } else { "traces" },
            thousands(recent.total_spans.saturating_sub(spans)),
            if left == 1 { "was" } else { "were" },
            thousands(MAX_MINE_TRACES as u64),
            thousands(MAX_MINE_SPANS)
        )
    };
    MineSource {
        summary: format!(
            "Your traces: {} {}, {} spans received between {} and {}.",
            thousands(n),
            if n == 1 { "trace" } else { "traces" },
            thousands(spans),
            at(first),
            at(last)
        ),
        left_out,
        empty: false,
    }
}

/// Reads the traces back and runs the lab over them (heavy: in the budget).
fn run_over(
    rows: Vec<Vec<StoredSpan>>,
    acc: Accounting,
    strategies: &[crate::sim::sampling::Strategy],
) -> Result<Outcome, String> {
    let mut builder = StoredBuilder::new();
    let mut unreadable = 0;
    for trace in &rows {
        if crate::budget::cancelled() {
            return Err("the run was stopped before it finished".into());
        }
        match crate::otlp::assemble::to_imported(trace) {
            Ok(imported) => builder.add(&imported.trace),
            Err(_) => unreadable += 1,
        }
    }
    drop(rows);
    let pop = builder.finish("mine", "your traces");
    let report = run_stored(&pop, &acc, strategies)?;
    Ok((report, pop.ids, unreadable))
}

/// `GET /sim/lab?source=mine`: `form` as read (`go` says whether it was
/// valid); `path` is where the login page sends an anonymous visitor back.
pub async fn page(
    ctx: Ctx,
    client: Client,
    member: MaybeMember,
    state: &AppState,
    mut form: LabForm,
    go: Result<bool, Invalid>,
    path: String,
) -> Result<Response, AppError> {
    let Some(member) = member.0 else {
        return Err(AppError::LoginRequired(path));
    };
    let content = &state.content;
    if let Err(Invalid(msg)) = go {
        let mine = MineSource {
            summary: "Your own traces.".to_string(),
            ..MineSource::default()
        };
        return page_response(ctx, content, form, (Some(msg), None), Some(mine));
    }
    let user = member.id;
    let limits = state.config.otlp.limits;
    let recent = state
        .store
        .call(move |c| {
            write::expire(c, user, &limits, crate::clock::now())?;
            read::recent(c, user, MAX_MINE_TRACES, MAX_MINE_SPANS)
        })
        .await?;
    let mut mine = describe(&ctx, &recent);
    if mine.empty {
        // Nothing to run, but what was typed is still checked.
        let error = validate(&mut form).err().map(|Invalid(msg)| msg);
        return page_response(ctx, content, form, (error, None), Some(mine));
    }
    if form.slo_ms.is_empty() {
        let slo = suggest_slo_from_durations(recent.traces.iter().map(|(t, _)| t.duration_ns));
        form.slo_ms = slo.to_string();
    }
    if form.default_strategies
        && let Ok(slo) = form.slo_ms.parse::<f64>()
    {
        form.strategies = default_strategies(slo);
    }
    let (acc, strategies) = match validate(&mut form) {
        Ok(x) => x,
        Err(Invalid(msg)) => {
            return page_response(ctx, content, form, (Some(msg), None), Some(mine));
        }
    };
    let rows: Vec<Vec<StoredSpan>> = recent.traces.into_iter().map(|(_, r)| r).collect();
    let specs = strategies.clone();
    let outcome = state
        .budget
        .run(Kind::Lab, &client.0, None, move || {
            run_over(rows, acc, &specs)
        })
        .await?;
    let (report, ids, unreadable) = match outcome {
        Ok(x) => x,
        Err(msg) => {
            return page_response(
                ctx,
                content,
                form,
                (Some(sentence(msg).0), None),
                Some(mine),
            );
        }
    };
    if unreadable > 0 {
        mine.left_out = format!(
            "{} {unreadable} stored {} could not be read back and {} left out.",
            mine.left_out,
            if unreadable == 1 { "trace" } else { "traces" },
            if unreadable == 1 { "was" } else { "were" }
        )
        .trim_start()
        .to_string();
    }
    let summary = format!(
        "{} of your traces ({} spans, arriving at about {} per second) as they were received: \
         {} with an error, {} slower than the {} ms SLO.",
        thousands(report.traces),
        thousands(report.spans),
        three_digits(report.rate_per_sec),
        thousands(report.error_traces),
        thousands(report.slow_traces),
        report.slo_ms
    );
    let href = |e: &Example| {
        let id = ids.get(e.index as usize).copied().unwrap_or([0; 16]);
        format!("/traces/{}", crate::accounts::hex(&id))
    };
    let view = LabView::with(&report, &strategies, summary, form.query(), &href);
    page_response(ctx, content, form, (None, Some(view)), Some(mine))
}
