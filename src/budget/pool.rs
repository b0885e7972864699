//! The threads that run heavy work, at a lower CPU priority than the async
//! workers and the database threads that answer cheap pages.
//!
//! On Linux each thread puts itself in the `SCHED_IDLE` scheduling class at
//! start (sched(7): such threads run only when no normal thread wants the
//! CPU, and a normal thread that wakes takes the core from them at once).
//! Where that class is refused, the thread raises its nice value to [`NICE`]
//! instead (setpriority(2) on the thread id applies to that thread only).
//! A request for a lesson is then served promptly while a lab run holds a
//! core, and the heavy work still uses every idle cycle; its deadline bounds
//! how long it can be held back. A thread cannot undo either change without
//! privileges, which is why heavy work gets threads of its own rather than
//! tokio's shared blocking pool.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The nice value of heavy-work threads where `SCHED_IDLE` is refused (0 is
/// normal, 19 the lowest).
pub const NICE: i32 = 10;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// How much heavy work runs between two offers of its core to waiting
/// threads ([`offer_core`]).
pub const YIELD_EVERY: Duration = Duration::from_micros(200);

/// Calls of [`offer_core`] between two readings of the clock. Callers do at
/// most a few microseconds of work between calls (one span, one trace, 16
/// KiB of compression), so the core is offered within about half a
/// millisecond of [`YIELD_EVERY`].
const CALLS_PER_CLOCK: u32 = 8;

thread_local! {
    static LAST_OFFER: Cell<(u32, Option<Instant>)> = const { Cell::new((0, None)) };
    static OFFERED: Cell<u64> = const { Cell::new(0) };
}

/// How many times this thread has offered its core (tests).
#[cfg(test)]
pub(super) fn offered() -> u64 {
    OFFERED.with(Cell::get)
}

/// Gives the core away (sched_yield(2)) when this thread has run heavy work
/// for [`YIELD_EVERY`] since it last did, so that a normal thread queued
/// behind it runs now.
///
/// Wakeup preemption alone does not bound that wait. Linux counts a core
/// that runs only `SCHED_IDLE` threads as idle, so the load balancer moves
/// runnable async workers onto it; measured under the load benchmark, such
/// a worker then waited for the scheduler tick (4 ms at 250 Hz) while the
/// other core sat idle. Heavy work calls this through [`super::cancelled`]
/// and [`super::yield_point`], once per span, trace or 16 KiB; the clock is
/// read once every [`CALLS_PER_CLOCK`] calls.
pub(super) fn offer_core() {
    LAST_OFFER.with(|last| {
        let (calls, since) = last.get();
        if calls + 1 < CALLS_PER_CLOCK {
            last.set((calls + 1, since));
            return;
        }
        let now = Instant::now();
        match since {
            Some(t) if now.duration_since(t) < YIELD_EVERY => last.set((0, since)),
            Some(_) => {
                std::thread::yield_now();
                OFFERED.with(|n| n.set(n.get() + 1));
                last.set((0, Some(Instant::now())));
            }
            None => last.set((0, Some(now))),
        }
    });
}

/// A fixed set of low-priority threads fed from one queue. Threads end when
/// the pool is dropped.
pub(super) struct Pool {
    jobs: mpsc::Sender<Job>,
    threads: usize,
    idle: bool,
}

impl Pool {
    /// `threads` threads (at least one), named `spandojo-heavy-N`, in the
    /// idle class when `idle` is set (else at normal priority). A thread
    /// the operating system refuses to start is left out; with none at all,
    /// each job gets a thread of its own (see [`Pool::spawn`]).
    pub(super) fn new(threads: usize, idle: bool) -> Pool {
        let (jobs, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let mut started = 0;
        for n in 0..threads.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("spandojo-heavy-{n}"))
                .spawn(move || {
                    if idle {
                        lower_priority();
                    }
                    loop {
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            started += usize::from(spawned.is_ok());
        }
        Pool {
            jobs,
            threads: started,
            idle,
        }
    }

    /// Runs `work` on a pool thread; the receiver gets its result, or the
    /// panic's message. When no thread could be started, or none could be
    /// now, the receiver reports a closed channel.
    pub(super) fn spawn<T, F>(&self, work: F) -> tokio::sync::oneshot::Receiver<Result<T, String>>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let out = catch_unwind(AssertUnwindSafe(work)).map_err(|panic| {
                panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "the heavy task panicked".to_string())
            });
            let _ = tx.send(out);
        });
        if self.threads > 0 {
            let _ = self.jobs.send(job);
        } else {
            let idle = self.idle;
            let _ = std::thread::Builder::new().spawn(move || {
                if idle {
                    lower_priority();
                }
                job()
            });
        }
        rx
    }
}

/// Moves the calling thread to `SCHED_IDLE`, or failing that raises its nice
/// value to [`NICE`]; a no-op where threads have no priority of their own.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid, sched_setscheduler and setpriority act on the
        // calling thread; the only memory passed is a live local
        // `sched_param`. A failure leaves the priority as it was.
        unsafe {
            let tid = libc::gettid();
            let param = libc::sched_param { sched_priority: 0 };
            if libc::sched_setscheduler(tid, libc::SCHED_IDLE, &param) != 0 {
                libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, NICE);
            }
        }
    }
}

/// The calling thread's scheduling class and nice value (tests).
#[cfg(all(test, target_os = "linux"))]
pub(super) fn current_priority() -> (i32, i32) {
    // SAFETY: as in `lower_priority`; both calls only read.
    unsafe {
        let tid = libc::gettid();
        (
            libc::sched_getscheduler(tid),
            libc::getpriority(libc::PRIO_PROCESS, tid as libc::id_t),
        )
    }
}
