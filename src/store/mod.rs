//! The only module that touches SQLite.
//!
//! A [`Store`] owns a small pool of connections to one database file. Every
//! call runs on tokio's blocking pool so the async workers never wait on disk.

pub mod cards;
pub mod fault;
pub mod flags;
pub mod invites;
mod migrations;
pub mod notes;
pub mod peer;
pub mod practice;
pub mod progress;
pub mod sessions;
pub mod throttle;
pub mod traces;
pub mod users;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use rusqlite::Connection;
use tokio::sync::Semaphore;

/// Connections kept open at most; SQLite in WAL mode has one writer anyway.
const POOL_SIZE: usize = 4;
/// `PRAGMA wal_autocheckpoint`, in pages.
const WAL_AUTOCHECKPOINT_PAGES: i64 = 8_000;
/// Prepared statements cached per connection (rusqlite's default is 16).
const STATEMENT_CACHE: usize = 64;
/// `PRAGMA cache_size` of each connection, negative: KiB (16 MiB).
const CACHE_KIB: i64 = -16 * 1024;

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Pool>,
}

struct Pool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
    /// A fault tests asked for ([`Store::inject_fault`]).
    injected: Mutex<Option<fault::Injected>>,
    /// The last health check: when it ran and its answer ([`Store::health`]).
    health: Mutex<Option<(Instant, Result<(), String>)>>,
    /// Held while a health check runs, so that probes arriving together
    /// share one check.
    checking: tokio::sync::Mutex<()>,
}

/// How long one health check's answer is reused: however many probes come,
/// the database takes at most one health write per this interval.
pub const HEALTH_TTL: Duration = Duration::from_secs(1);

impl Store {
    /// Opens (creating if needed) the database at `path` and applies migrations.
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        }
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fault::check_writable(dir)?;
        let mut conn = open_connection(path)?;
        if conn.is_readonly(rusqlite::MAIN_DB)? {
            anyhow::bail!(
                "cannot write to the database {}; make the file writable by this user.",
                path.display()
            );
        }
        migrations::apply(&mut conn)
            .with_context(|| format!("cannot migrate the database {}", path.display()))?;
        Ok(Store {
            inner: Arc::new(Pool {
                path: path.to_path_buf(),
                idle: Mutex::new(vec![conn]),
                permits: Semaphore::new(POOL_SIZE),
                injected: Mutex::new(None),
                health: Mutex::new(None),
                checking: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn call<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> anyhow::Result<T> + Send + 'static,
    {
        let pool = self.inner.clone();
        let _permit = pool
            .permits
            .acquire()
            .await
            .map_err(|_| anyhow!("the database pool is closed"))?;
        let worker = pool.clone();
        tokio::task::spawn_blocking(move || worker.with_connection(f))
            .await
            .context("a database task failed")?
    }

    /// Runs `f` with a pooled connection on the current thread (CLI use).
    pub fn call_blocking<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        self.inner.with_connection(f)
    }

    /// Runs `f` with a pooled connection on the current thread, inside heavy
    /// work started by [`crate::budget::Budget::run`]: SQLite calls a
    /// progress handler every 1,000 virtual-machine steps, and a query whose
    /// budget is cancelled (deadline, client gone, shutdown) is interrupted
    /// and fails with `SQLITE_INTERRUPT`.
    pub fn call_interruptible<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        self.inner.with_connection(|conn| {
            conn.progress_handler(1_000, Some(crate::budget::cancelled))?;
            let result = f(conn);
            conn.progress_handler(1_000, None::<fn() -> bool>)?;
            result
        })
    }

    /// Checks that the database answers a query and can be written: the one
    /// row of the `health` table is rewritten (a committed write, so a full
    /// disk or a read-only directory shows). The answer is reused for
    /// [`HEALTH_TTL`], and concurrent callers wait for one check, so an
    /// unauthenticated probe cannot make the database write more than once
    /// per interval. Errors: a sentence for the probe's answer, classified
    /// by [`fault::fault_of`].
    pub async fn health(&self) -> Result<(), String> {
        if let Some(answer) = self.cached_health() {
            return answer;
        }
        let _one_at_a_time = self.inner.checking.lock().await;
        if let Some(answer) = self.cached_health() {
            return answer;
        }
        let answer = self
            .call(|conn| {
                let one: i64 = conn.query_row("SELECT 1", [], |row| row.get(0))?;
                anyhow::ensure!(one == 1, "the database answered {one} to SELECT 1");
                conn.execute(
                    "INSERT INTO health (id, checked_at) VALUES (1, ?1)
                     ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
                    [crate::clock::now()],
                )?;
                Ok(())
            })
            .await
            .map_err(|err| match fault::fault_of(&err) {
                Some(fault) => fault.message().to_string(),
                None => format!("The database did not answer: {err:#}"),
            });
        if let Ok(mut cached) = self.inner.health.lock() {
            *cached = Some((Instant::now(), answer.clone()));
        }
        answer
    }

    fn cached_health(&self) -> Option<Result<(), String>> {
        let cached = self.inner.health.lock().ok()?;
        let (at, answer) = cached.as_ref()?;
        (at.elapsed() < HEALTH_TTL).then(|| answer.clone())
    }

    /// Writes a consistent copy of the database to `dest`: `VACUUM INTO` a
    /// temporary file beside it (one read transaction, so writers never make
    /// it start over), flushed to disk, then renamed to `dest`. `dest` is
    /// either absent or a whole copy; on failure the temporary file is
    /// removed (a process killed mid-copy leaves only `*.partial`).
    pub fn backup_to(&self, dest: &Path) -> anyhow::Result<()> {
        let name = dest
            .file_name()
            .ok_or_else(|| anyhow!("{} is not a file name", dest.display()))?;
        let mut partial_name = name.to_os_string();
        partial_name.push(".partial");
        let partial = dest.with_file_name(partial_name);
        let _ = std::fs::remove_file(&partial);
        let result = self.call_blocking(|conn| {
            let target = partial
                .to_str()
                .ok_or_else(|| anyhow!("{} is not valid UTF-8", partial.display()))?;
            conn.execute("VACUUM INTO ?1", [target])?;
            std::fs::File::open(&partial)?.sync_all()?;
            std::fs::rename(&partial, dest)?;
            if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
                // The rename itself reaches the disk with the directory.
                let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
            }
            Ok(())
        });
        if result.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        result.with_context(|| format!("cannot write the backup to {}", dest.display()))
    }

    /// Makes every connection taken from the pool from now on fail writes
    /// as on a read-only directory or a full disk, through SQLite's own
    /// `query_only` and `max_page_count` pragmas ([`fault::Injected`]);
    /// `None` stops injecting, and connections that carry the fault recover
    /// as they do after a real one (dropped at their first fault). For
    /// tests: file permissions do not stop root.
    pub fn inject_fault(&self, fault: Option<fault::Injected>) {
        if let Ok(mut injected) = self.inner.injected.lock() {
            *injected = fault;
        }
        // The next health check sees the change at once.
        if let Ok(mut cached) = self.inner.health.lock() {
            *cached = None;
        }
    }

    /// Copies the write-ahead log into the database file and truncates it,
    /// so that pages holding deleted text (zeroed in the file by
    /// `secure_delete`) do not live on in the log. Best effort: when a
    /// reader holds the log, it is truncated at a later checkpoint.
    pub fn truncate_wal(conn: &Connection) {
        let done: rusqlite::Result<(i64, i64, i64)> =
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            });
        if let Err(err) = done {
            tracing::warn!(error = %err, "cannot truncate the write-ahead log");
        }
    }

    /// The schema version (number of migrations applied).
    pub fn schema_version(&self) -> anyhow::Result<i64> {
        self.call_blocking(|conn| Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?))
    }
}

impl Pool {
    fn with_connection<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut conn = match idle {
            Some(conn) => conn,
            None => open_connection(&self.path)?,
        };
        let injected = self.injected.lock().ok().and_then(|i| *i);
        if let Some(fault) = injected {
            inject(&conn, fault)?;
        }
        let result = f(&mut conn);
        // A connection that met a storage fault, or that SQLite opened
        // read-only, is closed: the next call opens a fresh one, which
        // works again once the directory is writable or the disk has room.
        let faulted = result.as_ref().err().and_then(fault::fault_of).is_some()
            || conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true);
        if let Ok(mut idle) = self.idle.lock() {
            if faulted {
                // The others most likely share the fault: open afresh.
                idle.clear();
            } else {
                idle.push(conn);
            }
        }
        result
    }
}

fn inject(conn: &Connection, fault: fault::Injected) -> anyhow::Result<()> {
    match fault {
        fault::Injected::ReadOnly => conn.pragma_update(None, "query_only", 1)?,
        fault::Injected::Full => {
            let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            conn.pragma_update(None, "max_page_count", pages)?;
        }
    }
    Ok(())
}

/// Opens one connection with the pragmas the design requires: WAL, foreign
/// keys, a busy timeout, `synchronous=FULL` so an acknowledged write
/// survives a crash, and `secure_delete=ON` so deleted text is overwritten
/// with zeros instead of lingering in free space.
fn open_connection(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path)
        .with_context(|| format!("cannot open the database {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .with_context(|| format!("cannot write to the database {}", path.display()))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    // Pages cached per connection (negative: KiB): 16 MiB, so that index
    // inserts into a large trace store stay in memory instead of spilling
    // (SQLite's default is 2 MiB). At most POOL_SIZE connections: 64 MiB.
    conn.pragma_update(None, "cache_size", CACHE_KIB)?;
    // Checkpoint every 8,000 WAL pages (32 MiB) rather than SQLite's 1,000:
    // a page rewritten by several commits in between is copied into the
    // database once, which cuts the checkpoint work of index-heavy ingest.
    conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
    // rusqlite keeps 16 prepared statements per connection by default; one
    // OTLP group commit alone uses about 15, and pages share the
    // connections, so a larger cache spares re-preparing them per batch.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    traces::tag_lists::register(&conn)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_fresh_health_answer_is_reused_without_a_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        assert_eq!(store.health().await, Ok(()));
        let checked_at = |store: &Store| {
            store.call_blocking(|c| {
                Ok(c.query_row("SELECT checked_at FROM health", [], |r| r.get::<_, i64>(0))?)
            })
        };
        store
            .call_blocking(|c| Ok(c.execute("UPDATE health SET checked_at = -1", [])?))
            .unwrap();
        // An answer that stays fresh (its time in the future), and a fault
        // set behind the cache's back: probes get the cached answer, and
        // nothing is written.
        if let Ok(mut cached) = store.inner.health.lock() {
            *cached = Some((Instant::now() + Duration::from_secs(3600), Ok(())));
        }
        if let Ok(mut injected) = store.inner.injected.lock() {
            *injected = Some(fault::Injected::ReadOnly);
        }
        let probes: Vec<_> = (0..50)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.health().await })
            })
            .collect();
        for probe in probes {
            assert_eq!(probe.await.unwrap(), Ok(()));
        }
        store.inject_fault(None);
        assert_eq!(checked_at(&store).unwrap(), -1, "no health write");
        // An expired answer is checked again, and written.
        if let Ok(mut cached) = store.inner.health.lock() {
            *cached = Some((Instant::now() - HEALTH_TTL, Ok(())));
        }
        assert_eq!(store.health().await, Ok(()));
        assert!(checked_at(&store).unwrap() > 0);
        // A fault shows at the next check after inject_fault.
        store.inject_fault(Some(fault::Injected::ReadOnly));
        let answer = store.health().await;
        assert!(answer.is_err_and(|m| m.contains("read-only")));
        store.inject_fault(None);
    }

    #[test]
    fn opens_with_required_pragmas_and_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let (mode, sync, fk): (String, i64, i64) = store
            .call_blocking(|c| {
                Ok((
                    c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?,
                    c.query_row("PRAGMA synchronous", [], |r| r.get(0))?,
                    c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?,
                ))
            })
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2, "synchronous=FULL is 2");
        assert_eq!(fk, 1);
        let secure: i64 = store
            .call_blocking(|c| Ok(c.query_row("PRAGMA secure_delete", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(secure, 1, "secure_delete is on");
        assert!(store.schema_version().unwrap() >= 1);
    }
}
