//! The processor's final decision over its top-level policies, as in
//! `tailsamplingprocessor/processor.go`: policies are evaluated in order,
//! stopping early at a `Dropped` decision (and, with
//! `sample_on_first_match`, at the first `Sampled`); then a drop wins, then
//! an inverted "not sampled", then a "sampled", then an inverted "sampled"
//! when no policy said "not sampled"; anything else is not sampled.

use crate::sim::sampling::tail::policy::{Compiled, Decision, TraceCtx};

/// The processor's decision, and the adjusted count of a sampled trace:
/// 1 / P(sampled), from the policies' inclusion probabilities.
pub fn decide_all(policies: &mut [Compiled], first_match: bool, t: &TraceCtx) -> (bool, f64) {
    let (mut sampled, mut not, mut dropped, mut inv_s, mut inv_n) =
        (false, false, false, false, false);
    for p in policies.iter_mut() {
        match p.decide(t) {
            Decision::Dropped => {
                dropped = true;
                break;
            }
            Decision::Sampled => {
                sampled = true;
                if first_match {
                    break;
                }
            }
            Decision::NotSampled => not = true,
            Decision::InvertSampled => inv_s = true,
            Decision::InvertNotSampled => inv_n = true,
        }
    }
    let keep = !dropped && !inv_n && (sampled || (inv_s && !not));
    if !keep {
        return (false, 1.0);
    }
    let (mut inc, mut drop) = (0.0f64, 0.0f64);
    for p in policies.iter() {
        let q = p.inclusion(t);
        if p.is_drop() {
            drop = drop.max(q);
        } else {
            inc = inc.max(q);
        }
    }
    let prob = inc - drop;
    (true, if prob > 1e-12 { 1.0 / prob } else { 1.0 })
}
