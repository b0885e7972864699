//! Generating a population on several threads while one thread consumes
//! it in order. Generation is independent per trace (trace `i` depends only
//! on the population seed, `i` and its arrival time), so worker `w` of `W`
//! generates chunks `w`, `w + W`, … and the consumer takes chunk 0 from
//! worker 0, chunk 1 from worker 1, and so on: the traces arrive in
//! population order, exactly as [`Population::next_into`] gives them.
//! Every worker draws all arrival times (one logarithm per trace, cheap
//! next to generating its spans) so that no clock is shared.

use std::ops::ControlFlow;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::sim::generate::GeneratorVersion;
use crate::sim::sampling::population::{LeanTrace, Population};
use crate::sim::scenario::topology::Scenario;

/// Traces per chunk handed from a worker to the consumer.
const CHUNK: u64 = 256;
/// Chunks a worker may have ready ahead of the consumer.
const AHEAD: usize = 4;
/// Most generating threads.
pub const MAX_THREADS: usize = 16;

/// The parameters of a population.
#[derive(Debug, Clone, Copy)]
pub struct PopulationSpec<'a> {
    /// Scenario.
    pub sc: &'a Scenario,
    /// Population seed.
    pub seed: u64,
    /// Arrival rate, traces per second.
    pub rate_per_sec: f64,
    /// Number of traces.
    pub traces: u64,
    /// Generator version.
    pub version: GeneratorVersion,
}

impl<'a> PopulationSpec<'a> {
    fn population(&self) -> Population<'a> {
        Population::new(self.sc, self.seed, self.rate_per_sec, self.traces)
            .with_version(self.version)
    }
}

#[derive(Default)]
struct Chunk {
    traces: Vec<LeanTrace>,
    len: usize,
}

fn worker(
    spec: PopulationSpec<'_>,
    w: u64,
    workers: u64,
    tx: SyncSender<Chunk>,
    back: Receiver<Chunk>,
) {
    let mut pop = spec.population();
    pop.skip(w * CHUNK);
    while pop.remaining() > 0 {
        let mut chunk = back.try_recv().unwrap_or_default();
        chunk.len = 0;
        while (chunk.len as u64) < CHUNK {
            if chunk.traces.len() == chunk.len {
                chunk.traces.push(LeanTrace::default());
            }
            if !pop.next_into(&mut chunk.traces[chunk.len]) {
                break;
            }
            chunk.len += 1;
        }
        if tx.send(chunk).is_err() {
            return;
        }
        pop.skip((workers - 1) * CHUNK);
    }
}

/// Calls `f` with every trace of the population, in order, generating on
/// `threads` threads (1: on the calling thread alone). Stops as soon as `f`
/// returns [`ControlFlow::Break`] (the workers then stop too) and returns
/// that break.
pub fn for_each_trace(
    spec: PopulationSpec<'_>,
    threads: usize,
    mut f: impl FnMut(&LeanTrace) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let threads = threads.clamp(1, MAX_THREADS);
    if threads == 1 {
        let mut pop = spec.population();
        let mut t = LeanTrace::default();
        while pop.next_into(&mut t) {
            f(&t)?;
        }
        return ControlFlow::Continue(());
    }
    let workers = threads as u64;
    std::thread::scope(|scope| {
        let mut inbox = Vec::new();
        let mut returns = Vec::new();
        for w in 0..workers {
            let (tx, rx) = sync_channel::<Chunk>(AHEAD);
            let (back_tx, back_rx) = sync_channel::<Chunk>(AHEAD + 2);
            scope.spawn(move || worker(spec, w, workers, tx, back_rx));
            inbox.push(rx);
            returns.push(back_tx);
        }
        let chunks = spec.traces.div_ceil(CHUNK);
        let mut flow = ControlFlow::Continue(());
        'chunks: for i in 0..chunks {
            let w = (i % workers) as usize;
            let Ok(chunk) = inbox[w].recv() else {
                break;
            };
            for t in &chunk.traces[..chunk.len] {
                flow = f(t);
                if flow.is_break() {
                    break 'chunks;
                }
            }
            // A full return queue only means the worker allocates anew.
            let _ = returns[w].try_send(chunk);
        }
        // Dropping the inboxes makes every worker's next send fail: they stop.
        drop(inbox);
        flow
    })
}
