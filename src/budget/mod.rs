//! A budget for heavy work: parsing and analysing uploads, the sampling lab,
//! notes search, trace downloads, notes exports, Markdown rendering and
//! password hashing.
//!
//! Every heavy task goes through [`Budget::run`], which
//! - refuses at once when the client already holds its fair share of slots
//!   ([`Refused::Busy`], shown as 429 with `Retry-After`), or has started
//!   more heavy tasks than its rate allows ([`Refused::TooOften`], 429);
//! - waits a bounded time for one of the machine-wide slots (sized from
//!   [`std::thread::available_parallelism`]) and refuses when none frees up
//!   or too many are already waiting ([`Refused::Full`], 503);
//! - runs the work on threads of its own at a lower CPU priority
//!   (`SCHED_IDLE`, see `pool.rs`), never on the async workers, so cheap
//!   pages keep their latency while heavy work fills the idle cycles;
//! - cancels it at its deadline, when the request is dropped (the client
//!   left) and at shutdown ([`Budget::shutdown`]) ([`Refused::Deadline`], 503).
//!
//! Cancellation is cooperative: loops in heavy code call [`cancelled`] (a
//! thread-local check, a few nanoseconds) and stop early; SQLite queries run
//! with a progress handler that calls it (see
//! [`crate::store::Store::call_interruptible`]). The result of cancelled work
//! is discarded, so a loop may stop wherever it likes.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

mod pool;
pub use pool::{NICE, YIELD_EVERY};

/// The kinds of heavy work, each with its usual deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Parsing, analysing and rendering an uploaded trace file.
    Upload,
    /// One run of the sampling lab.
    Lab,
    /// A full-text search over notes.
    Search,
    /// Building a trace download (OTLP or Jaeger JSON).
    Download,
    /// Zipping a member's notes.
    Export,
    /// Rendering a member's Markdown to sanitised HTML.
    Markdown,
    /// Hashing or checking a password with Argon2.
    Password,
    /// Generating or analysing and rendering a large trace page (more than
    /// [`crate::web::guards::budget::LARGE_TRACE_SPANS`] spans).
    Page,
}

impl Kind {
    /// How long this kind of work may run before it is cancelled.
    pub fn deadline(self) -> Duration {
        match self {
            Kind::Search | Kind::Markdown => Duration::from_secs(3),
            Kind::Password => Duration::from_secs(5),
            Kind::Download | Kind::Export => Duration::from_secs(10),
            Kind::Upload | Kind::Lab | Kind::Page => Duration::from_secs(15),
        }
    }

    /// A word for messages: "search", "lab run", …
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Upload => "upload",
            Kind::Lab => "lab run",
            Kind::Search => "search",
            Kind::Download => "download",
            Kind::Export => "export",
            Kind::Markdown => "note rendering",
            Kind::Password => "sign-in",
            Kind::Page => "trace page",
        }
    }
}

/// Sizes of a [`Budget`].
#[derive(Debug, Clone)]
pub struct Limits {
    /// Heavy tasks running at once, machine-wide.
    pub slots: usize,
    /// Heavy tasks one client (member or IP address) may have running or
    /// waiting at once.
    pub per_client: usize,
    /// Tasks that may wait for a slot; more are refused at once.
    pub queue: usize,
    /// Longest wait for a slot.
    pub queue_wait: Duration,
    /// When set, replaces every kind's deadline (tests use a tiny one).
    pub deadline: Option<Duration>,
    /// Run heavy work in the `SCHED_IDLE` class (see `pool.rs`). On in
    /// [`Limits::for_machine`]. An idle-class thread gets almost no CPU while
    /// normal threads keep every core busy, so a harness that saturates the
    /// machine with its own threads turns it off.
    pub idle_priority: bool,
    /// Heavy tasks one client may start per [`Limits::rate_window`]; 0 for
    /// no limit. The share above bounds what a client runs at once; this
    /// bounds a client that sends one small heavy request after another,
    /// whose parsing and page rendering on the async workers would
    /// otherwise compete with cheap pages.
    pub starts_per_window: u32,
    /// The window of [`Limits::starts_per_window`] (one second on a
    /// server).
    pub rate_window: Duration,
}

impl Limits {
    /// Limits for this machine: one slot per available core but one (at
    /// least one), which leaves a core for the async workers that answer
    /// cheap pages; half the slots (at least one) per client, five seconds'
    /// wait, and 256 waiting per slot. The wait, not the count, is what
    /// bounds latency: a waiting request holds no more than its few
    /// kilobytes, and each client waits for one task at most, so the count
    /// only has to stop a flood from many addresses, while a group of 200
    /// members searching at once all get their turn.
    pub fn for_machine() -> Limits {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let slots = cores.saturating_sub(1).max(1);
        Limits {
            slots,
            per_client: (slots / 2).max(1),
            queue: slots * 256,
            queue_wait: Duration::from_secs(5),
            deadline: None,
            idle_priority: true,
            starts_per_window: 10,
            rate_window: Duration::from_secs(1),
        }
    }
}

/// Why heavy work was not done; each maps to a readable 429 or 503 page
/// with `Retry-After` ([`Refused::retry_after`] seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The client already holds its share of slots (429).
    Busy(Kind),
    /// Every slot is taken and the wait was too long or too many wait (503).
    Full(Kind),
    /// The work ran past its deadline, or the server is stopping, and was
    /// stopped (503).
    Deadline(Kind),
    /// The client started more heavy tasks than
    /// [`Limits::starts_per_window`] allows in the current window (429).
    TooOften(Kind),
}

impl Refused {
    /// Seconds the client should wait before trying again.
    pub fn retry_after(self) -> i64 {
        match self {
            Refused::Busy(_) | Refused::TooOften(_) => 2,
            Refused::Full(_) => 5,
            Refused::Deadline(_) => 30,
        }
    }

    /// A sentence for the member.
    pub fn message(self) -> String {
        match self {
            Refused::Busy(k) => format!(
                "You already have heavy work running. Wait for it to finish, then start this {} again.",
                k.noun()
            ),
            Refused::Full(k) => format!(
                "The server is busy with other heavy work. Try this {} again in a few seconds.",
                k.noun()
            ),
            Refused::Deadline(k) => format!(
                "This {} took longer than this server allows and was stopped. Try something smaller.",
                k.noun()
            ),
            Refused::TooOften(k) => format!(
                "You started heavy work many times in the last second. Wait a moment, then start this {} again.",
                k.noun()
            ),
        }
    }
}

/// Clients whose rate windows are kept before ended ones are forgotten.
const MAX_RATE_ENTRIES: usize = 4096;

/// How long a cancelled task is given to stop before the answer goes out.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// What [`Budget::run`] returns instead of the work's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// Not started, or cancelled; see [`Refused`].
    Refused(Refused),
    /// The work panicked (a bug): the message of the failed task.
    Failed(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Refused(r) => f.write_str(&r.message()),
            RunError::Failed(msg) => write!(f, "heavy work failed: {msg}"),
        }
    }
}

/// Counts kept for tests and the load benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Tasks running now (including cancelled ones still stopping).
    pub running: usize,
    /// Tasks that finished and whose result was used.
    pub finished: u64,
    /// Tasks cancelled (deadline, client gone or shutdown).
    pub cancelled: u64,
    /// Cancelled tasks that noticed [`cancelled`] and stopped early.
    pub stopped_early: u64,
    /// Requests refused with [`Refused::Busy`] or [`Refused::Full`].
    pub refused: u64,
}

/// The budget; cheap to clone, shared by the whole app.
#[derive(Clone)]
pub struct Budget {
    inner: Arc<Inner>,
}

struct Inner {
    limits: Limits,
    pool: pool::Pool,
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    clients: Mutex<HashMap<String, usize>>,
    /// Per client: when its current rate window began, and how many tasks
    /// it started in it.
    starts: Mutex<HashMap<String, (Instant, u32)>>,
    stopping: Arc<AtomicBool>,
    running: AtomicUsize,
    finished: AtomicU64,
    cancelled: AtomicU64,
    stopped_early: AtomicU64,
    refused: AtomicU64,
}

/// One task's cancellation flag plus the budget-wide shutdown flag.
#[derive(Clone)]
struct Token {
    own: Arc<AtomicBool>,
    all: Arc<AtomicBool>,
    noticed: Arc<AtomicBool>,
}

impl Token {
    fn is_cancelled(&self) -> bool {
        let yes = self.own.load(Ordering::Relaxed) || self.all.load(Ordering::Relaxed);
        if yes {
            self.noticed.store(true, Ordering::Relaxed);
        }
        yes
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Token>> = const { RefCell::new(None) };
}

/// Whether the heavy work running on this thread should stop now. Always
/// false outside [`Budget::run`] (the CLI, unit tests).
///
/// Inside a budget it is also the work's yield point: about every
/// [`YIELD_EVERY`] of work the thread offers its core to any thread that
/// waits for it (see [`pool::offer_core`]).
pub fn cancelled() -> bool {
    CURRENT.with(|t| {
        t.borrow().as_ref().is_some_and(|token| {
            pool::offer_core();
            token.is_cancelled()
        })
    })
}

/// A yield point for heavy work that has no use for cancellation (trace
/// generation, which stays deterministic; building a trace page's model,
/// timeline and flame graph): inside a budget, offers the core
/// to waiting threads as [`cancelled`] does; elsewhere does nothing.
pub fn yield_point() {
    CURRENT.with(|t| {
        if t.borrow().is_some() {
            pool::offer_core();
        }
    })
}

/// Sets the token for the closure's thread and clears it afterwards.
struct Installed;

impl Installed {
    fn new(token: Token) -> Installed {
        CURRENT.with(|t| *t.borrow_mut() = Some(token));
        Installed
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        CURRENT.with(|t| *t.borrow_mut() = None);
    }
}

/// Gives a client's share back when its task ends.
struct Share {
    inner: Arc<Inner>,
    client: String,
}

impl Drop for Share {
    fn drop(&mut self) {
        if let Ok(mut clients) = self.inner.clients.lock()
            && let Some(n) = clients.get_mut(&self.client)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                clients.remove(&self.client);
            }
        }
    }
}

/// Cancels the task when the awaiting request is dropped or times out.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Budget {
    /// A budget with these limits.
    pub fn new(limits: Limits) -> Budget {
        let slots = limits.slots.max(1);
        Budget {
            inner: Arc::new(Inner {
                slots: Arc::new(Semaphore::new(slots)),
                pool: pool::Pool::new(slots, limits.idle_priority),
                limits,
                waiting: AtomicUsize::new(0),
                clients: Mutex::new(HashMap::new()),
                starts: Mutex::new(HashMap::new()),
                stopping: Arc::new(AtomicBool::new(false)),
                running: AtomicUsize::new(0),
                finished: AtomicU64::new(0),
                cancelled: AtomicU64::new(0),
                stopped_early: AtomicU64::new(0),
                refused: AtomicU64::new(0),
            }),
        }
    }

    /// Runs `work` on the budget's low-priority threads within the budget of `client` (e.g.
    /// `member:12` or `ip:192.0.2.1`), cancelling it after `deadline`
    /// (`None`: [`Kind::deadline`]). After a cancellation it waits up to two
    /// seconds for the work to stop before answering.
    ///
    /// Errors: [`RunError::Refused`] when the work was not started or was
    /// cancelled (its result is dropped); [`RunError::Failed`] when it panicked.
    pub async fn run<T, F>(
        &self,
        kind: Kind,
        client: &str,
        deadline: Option<Duration>,
        work: F,
    ) -> Result<T, RunError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let inner = &self.inner;
        if inner.stopping.load(Ordering::Relaxed) {
            return Err(RunError::Refused(Refused::Deadline(kind)));
        }
        let share = self.take_share(kind, client)?;
        self.count_start(kind, client)?;
        let permit = self.wait_for_slot(kind).await?;
        let token = Token {
            own: Arc::new(AtomicBool::new(false)),
            all: inner.stopping.clone(),
            noticed: Arc::new(AtomicBool::new(false)),
        };
        let _cancel_on_drop = CancelOnDrop(token.own.clone());
        let task_token = token.clone();
        let owner = inner.clone();
        owner.running.fetch_add(1, Ordering::Relaxed);
        let mut handle = inner.pool.spawn(move || {
            let installed = Installed::new(task_token.clone());
            let out = work();
            drop(installed);
            if task_token.noticed.load(Ordering::Relaxed) {
                owner.stopped_early.fetch_add(1, Ordering::Relaxed);
            }
            drop(permit);
            drop(share);
            owner.running.fetch_sub(1, Ordering::Relaxed);
            out
        });
        let limit = inner
            .limits
            .deadline
            .or(deadline)
            .unwrap_or(kind.deadline());
        let done = tokio::time::timeout(limit, &mut handle).await;
        let stopping = || token.own.load(Ordering::Relaxed) || token.all.load(Ordering::Relaxed);
        let ended = match done {
            Ok(Ok(Ok(out))) if !stopping() => {
                inner.finished.fetch_add(1, Ordering::Relaxed);
                return Ok(out);
            }
            Ok(Ok(Err(panic))) => return Err(RunError::Failed(panic)),
            Ok(Err(_closed)) => {
                return Err(RunError::Failed("no thread could run the work".into()));
            }
            Ok(Ok(Ok(_))) => true,
            Err(_) => false,
        };
        token.own.store(true, Ordering::Relaxed);
        inner.cancelled.fetch_add(1, Ordering::Relaxed);
        if !ended {
            let _ = tokio::time::timeout(STOP_GRACE, &mut handle).await;
        }
        Err(RunError::Refused(Refused::Deadline(kind)))
    }

    /// Counts one start against the client's rate, refusing past it; only
    /// requests that got their share are counted, so refusals do not use up
    /// the rate. The
    /// map forgets windows that have ended once it holds more than
    /// [`MAX_RATE_ENTRIES`] clients, so its size stays bounded.
    fn count_start(&self, kind: Kind, client: &str) -> Result<(), RunError> {
        let inner = &self.inner;
        let (limit, window) = (inner.limits.starts_per_window, inner.limits.rate_window);
        if limit == 0 {
            return Ok(());
        }
        let Ok(mut starts) = inner.starts.lock() else {
            return Err(RunError::Failed("the budget lock is poisoned".into()));
        };
        let now = Instant::now();
        if starts.len() >= MAX_RATE_ENTRIES {
            starts.retain(|_, (began, _)| now.duration_since(*began) < window);
        }
        let entry = starts.entry(client.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            inner.refused.fetch_add(1, Ordering::Relaxed);
            return Err(RunError::Refused(Refused::TooOften(kind)));
        }
        entry.1 += 1;
        Ok(())
    }

    fn take_share(&self, kind: Kind, client: &str) -> Result<Share, RunError> {
        let inner = &self.inner;
        let Ok(mut clients) = inner.clients.lock() else {
            return Err(RunError::Failed("the budget lock is poisoned".into()));
        };
        let held = clients.entry(client.to_string()).or_insert(0);
        if *held >= inner.limits.per_client.max(1) {
            inner.refused.fetch_add(1, Ordering::Relaxed);
            return Err(RunError::Refused(Refused::Busy(kind)));
        }
        *held += 1;
        Ok(Share {
            inner: inner.clone(),
            client: client.to_string(),
        })
    }

    /// A slot, waiting at most [`Limits::queue_wait`] behind at most
    /// [`Limits::queue`] others.
    async fn wait_for_slot(&self, kind: Kind) -> Result<OwnedSemaphorePermit, RunError> {
        let inner = &self.inner;
        if let Ok(permit) = inner.slots.clone().try_acquire_owned() {
            return Ok(permit);
        }
        if inner.waiting.fetch_add(1, Ordering::Relaxed) >= inner.limits.queue {
            inner.waiting.fetch_sub(1, Ordering::Relaxed);
            inner.refused.fetch_add(1, Ordering::Relaxed);
            return Err(RunError::Refused(Refused::Full(kind)));
        }
        let waited =
            tokio::time::timeout(inner.limits.queue_wait, inner.slots.clone().acquire_owned())
                .await;
        inner.waiting.fetch_sub(1, Ordering::Relaxed);
        match waited {
            Ok(Ok(permit)) => Ok(permit),
            _ => {
                inner.refused.fetch_add(1, Ordering::Relaxed);
                Err(RunError::Refused(Refused::Full(kind)))
            }
        }
    }

    /// Cancels all heavy work and refuses new work: called when the server
    /// is asked to stop.
    pub fn shutdown(&self) {
        self.inner.stopping.store(true, Ordering::Relaxed);
    }

    /// Current counts.
    pub fn stats(&self) -> Stats {
        let i = &self.inner;
        Stats {
            running: i.running.load(Ordering::Relaxed),
            finished: i.finished.load(Ordering::Relaxed),
            cancelled: i.cancelled.load(Ordering::Relaxed),
            stopped_early: i.stopped_early.load(Ordering::Relaxed),
            refused: i.refused.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests;
