//! Compiling the calls of an operation into steps.

use toml::Spanned;

use crate::sim::scenario::build::{dist, resolve};
use crate::sim::scenario::raw::{Lines, RawCall, RawOperation};
use crate::sim::scenario::topology::{
    Call, CallMode, Dist, MAX_FAN_OUT, MAX_MS, MAX_RETRIES, Operation, Service, Step, TopologyError,
};
use crate::sim::trace::SpanKind;

fn int_in(
    v: &Option<Spanned<i64>>,
    lo: i64,
    hi: i64,
    default: i64,
    what: &str,
    lines: &Lines,
    errs: &mut Vec<TopologyError>,
) -> i64 {
    match v {
        Some(s) if !(lo..=hi).contains(s.get_ref()) => {
            errs.push(lines.err(
                s,
                format!("{what} must be between {lo} and {hi} (got {})", s.get_ref()),
            ));
            default
        }
        Some(s) => *s.get_ref(),
        None => default,
    }
}

fn ms_in(
    v: &Option<Spanned<f64>>,
    positive: bool,
    what: &str,
    lines: &Lines,
    errs: &mut Vec<TopologyError>,
) -> Option<f64> {
    let s = v.as_ref()?;
    let x = *s.get_ref();
    let ok = x.is_finite() && x <= MAX_MS && if positive { x > 0.0 } else { x >= 0.0 };
    if !ok {
        let lo = if positive { "(0" } else { "[0" };
        errs.push(lines.err(
            s,
            format!("{what} must be a finite number in {lo}, {MAX_MS}] ms (got {x})"),
        ));
        return None;
    }
    Some(x)
}

pub(super) fn compile_calls(
    ro: &RawOperation,
    oi: usize,
    services: &[Service],
    ops: &[Operation],
    lines: &Lines,
    errs: &mut Vec<TopologyError>,
) -> (Vec<Step>, Vec<usize>) {
    let mut steps: Vec<Step> = Vec::new();
    let mut call_lines = Vec::new();
    let mut labels: Vec<(String, usize)> = Vec::new(); // label -> step index
    let mut fan_out: i64 = 0;
    for rc in &ro.call {
        let Some(call) = compile_call(rc, oi, services, ops, lines, errs) else {
            continue;
        };
        fan_out += i64::from(call.repeat);
        call_lines.push(lines.of(&rc.to));
        match &rc.parallel {
            Some(label) => {
                let l = label.get_ref();
                match labels.iter().find(|(n, _)| n == l) {
                    Some((_, si)) if *si + 1 == steps.len() => steps[*si].calls.push(call),
                    Some(_) => errs.push(lines.err(
                        label,
                        format!("parallel group `{l}` is split: its calls must be consecutive"),
                    )),
                    None => {
                        labels.push((l.clone(), steps.len()));
                        steps.push(Step {
                            calls: vec![call],
                            parallel: true,
                        });
                    }
                }
            }
            None => steps.push(Step {
                calls: vec![call],
                parallel: false,
            }),
        }
    }
    if fan_out > i64::from(MAX_FAN_OUT) {
        errs.push(lines.err(
            &ro.name,
            format!(
                "operation `{}` makes {fan_out} calls (limit {MAX_FAN_OUT}, counting repeats)",
                ro.name.get_ref()
            ),
        ));
    }
    (steps, call_lines)
}

fn compile_call(
    rc: &RawCall,
    oi: usize,
    services: &[Service],
    ops: &[Operation],
    lines: &Lines,
    errs: &mut Vec<TopologyError>,
) -> Option<Call> {
    let target = match resolve(services, ops, rc.to.get_ref()) {
        Ok(t) => t,
        Err(m) => {
            errs.push(lines.err(&rc.to, m));
            return None;
        }
    };
    let caller = &ops[oi];
    let callee = &ops[target];
    let is_async = rc.is_async.as_ref().is_some_and(|a| *a.get_ref());
    let to = rc.to.get_ref();
    let mode = if caller.service == callee.service {
        if is_async {
            errs.push(lines.err(
                &rc.to,
                "async calls must go to a consumer in another service",
            ));
            return None;
        }
        if matches!(callee.kind, SpanKind::Server | SpanKind::Consumer) {
            errs.push(lines.err(
                &rc.to,
                format!("`{to}` is a {} operation in the same service; calls within a service go to internal or client operations", callee.kind),
            ));
            return None;
        }
        CallMode::Local
    } else if is_async {
        if callee.kind != SpanKind::Consumer {
            errs.push(lines.err(
                &rc.to,
                format!("async call target `{to}` must be a consumer operation"),
            ));
            return None;
        }
        CallMode::Async
    } else {
        match callee.kind {
            SpanKind::Server => CallMode::Remote,
            SpanKind::Consumer => {
                errs.push(lines.err(&rc.to, format!("`{to}` is a consumer: set async = true")));
                return None;
            }
            k => {
                errs.push(lines.err(
                    &rc.to,
                    format!(
                        "cross-service call target `{to}` must be a server operation (it is {k})"
                    ),
                ));
                return None;
            }
        }
    };
    let probability = match &rc.probability {
        Some(p) => {
            let v = *p.get_ref();
            if !(0.0..=1.0).contains(&v) {
                errs.push(lines.err(p, format!("probability must be in [0, 1] (got {v})")));
            }
            v
        }
        None => 1.0,
    };
    let repeat = int_in(
        &rc.repeat,
        1,
        i64::from(MAX_FAN_OUT),
        1,
        "repeat",
        lines,
        errs,
    ) as u32;
    let retries = int_in(
        &rc.retries,
        0,
        i64::from(MAX_RETRIES),
        0,
        "retries",
        lines,
        errs,
    ) as u32;
    let backoff = ms_in(&rc.backoff_ms, false, "backoff_ms", lines, errs).unwrap_or(0.0);
    let timeout = ms_in(&rc.timeout_ms, true, "timeout_ms", lines, errs);
    let deadline_ok =
        mode == CallMode::Remote || (mode == CallMode::Local && callee.kind == SpanKind::Client);
    if (timeout.is_some() || retries > 0) && !deadline_ok {
        errs.push(lines.err(
            &rc.to,
            "timeout_ms and retries apply to cross-service calls and client operations only",
        ));
    }
    let queue_delay = match &rc.queue_delay {
        Some(q) if mode != CallMode::Async => {
            errs.push(lines.err(q, "queue_delay only applies to async calls"));
            Dist::fixed_ms(0.0)
        }
        Some(q) => dist(q, lines, "queue_delay").unwrap_or_else(|e| {
            errs.push(e);
            Dist::fixed_ms(0.0)
        }),
        None => Dist::lognormal(5.0, 50.0),
    };
    let network = match &rc.network {
        Some(n) => dist(n, lines, "network").unwrap_or_else(|e| {
            errs.push(e);
            Dist::fixed_ms(0.0)
        }),
        None if mode == CallMode::Local => Dist::fixed_ms(0.0),
        None => Dist::lognormal(0.4, 1.5),
    };
    Some(Call {
        target,
        mode,
        probability,
        repeat,
        retries,
        backoff_ns: crate::sim::random::math::ms_to_ns(backoff),
        timeout_ns: timeout.map(crate::sim::random::math::ms_to_ns),
        ignore_errors: rc.ignore_errors.unwrap_or(false),
        queue_delay,
        network,
    })
}
