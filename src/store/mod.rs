//! The only module that touches SQLite.
//!
//! A [`Store`] owns a small pool of connections to one database file. Every
//! call runs on tokio's blocking pool so the async workers never wait on disk.

pub mod cards;
pub mod flags;
pub mod invites;
mod migrations;
pub mod notes;
pub mod peer;
pub mod practice;
pub mod progress;
pub mod sessions;
pub mod throttle;
pub mod users;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, anyhow};
use rusqlite::Connection;
use tokio::sync::Semaphore;

/// Connections kept open at most; SQLite in WAL mode has one writer anyway.
const POOL_SIZE: usize = 4;

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Pool>,
}

struct Pool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies migrations.
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        }
        let mut conn = open_connection(path)?;
        migrations::apply(&mut conn)
            .with_context(|| format!("cannot migrate the database {}", path.display()))?;
        Ok(Store {
            inner: Arc::new(Pool {
                path: path.to_path_buf(),
                idle: Mutex::new(vec![conn]),
                permits: Semaphore::new(POOL_SIZE),
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

    /// Checks that the database answers a query.
    pub async fn health(&self) -> anyhow::Result<()> {
        self.call(|conn| {
            let one: i64 = conn.query_row("SELECT 1", [], |row| row.get(0))?;
            anyhow::ensure!(one == 1, "the database answered {one} to SELECT 1");
            Ok(())
        })
        .await
    }

    /// Writes a consistent copy of the database to `dest` with SQLite's online
    /// backup API; safe while the server is running.
    pub fn backup_to(&self, dest: &Path) -> anyhow::Result<()> {
        self.call_blocking(|conn| {
            conn.backup(rusqlite::MAIN_DB, dest, None)
                .with_context(|| format!("cannot write the backup to {}", dest.display()))
        })
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
        let result = f(&mut conn);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
        result
    }
}

/// Opens one connection with the pragmas the design requires: WAL, foreign
/// keys, a busy timeout, and `synchronous=FULL` so an acknowledged write
/// survives a crash.
fn open_connection(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path)
        .with_context(|| format!("cannot open the database {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .with_context(|| format!("cannot write to the database {}", path.display()))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(store.schema_version().unwrap() >= 1);
    }
}
