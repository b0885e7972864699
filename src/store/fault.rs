//! Storage faults: a data directory or database that cannot be written
//! (read-only file system or permissions, a full disk, an I/O error), told
//! apart from our own bugs so that members get a 503 that says what
//! happened, and so that the pool drops a connection that met one.

use std::path::Path;

use rusqlite::ErrorCode;

/// Why the database cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `SQLITE_READONLY`, `SQLITE_CANTOPEN`, `SQLITE_PERM`, or a read-only
    /// file system or permission error on the data directory.
    ReadOnly,
    /// `SQLITE_FULL`, or no space left on the device.
    Full,
    /// `SQLITE_IOERR` (any extended code), or another I/O error.
    Io,
}

impl Fault {
    /// A sentence for members and for `/healthz`.
    pub fn message(self) -> &'static str {
        match self {
            Fault::ReadOnly => {
                "The server cannot write to its database: the data directory is read-only."
            }
            Fault::Full => "The server cannot write to its database: the disk is full.",
            Fault::Io => "The server cannot write to its database: the disk reported an error.",
        }
    }
}

/// The storage fault behind `err`, if any: the first SQLite or I/O error in
/// its chain whose code says the disk, not the query, failed.
pub fn fault_of(err: &anyhow::Error) -> Option<Fault> {
    err.chain().find_map(|cause| {
        if let Some(rusqlite::Error::SqliteFailure(e, _)) = cause.downcast_ref::<rusqlite::Error>()
        {
            return match e.code {
                ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied => {
                    Some(Fault::ReadOnly)
                }
                ErrorCode::DiskFull => Some(Fault::Full),
                ErrorCode::SystemIoFailure => Some(Fault::Io),
                _ => None,
            };
        }
        cause.downcast_ref::<std::io::Error>().map(io_fault)
    })
}

fn io_fault(err: &std::io::Error) -> Fault {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => Fault::ReadOnly,
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge => Fault::Full,
        _ => Fault::Io,
    }
}

/// Checks that files can be created, written and removed in `dir`.
///
/// Errors: one sentence naming the directory and the reason, e.g. "cannot
/// write to the data directory /srv/dojo (Permission denied); make it
/// writable by this user, or choose another with --data."
pub fn check_writable(dir: &Path) -> anyhow::Result<()> {
    let probe = dir.join(format!(".spandojo-write-check-{}", std::process::id()));
    let written = std::fs::write(&probe, b"ok").and_then(|()| {
        std::fs::File::open(&probe)?.sync_all()?;
        std::fs::remove_file(&probe)
    });
    written.map_err(|err| {
        let _ = std::fs::remove_file(&probe);
        anyhow::anyhow!(
            "cannot write to the data directory {} ({}); make it writable by this user, or choose another with --data.",
            dir.display(),
            io_reason(&err)
        )
    })
}

/// The OS's words for an I/O error, without Rust's "(os error N)".
fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// A fault made on purpose, through SQLite's own pragmas, for tests of the
/// paths above (file permissions do not stop root): see
/// [`crate::store::Store::inject_fault`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// `PRAGMA query_only = 1`: every write fails with `SQLITE_READONLY`.
    ReadOnly,
    /// `PRAGMA max_page_count` at the current size: every write that needs
    /// a new page fails with `SQLITE_FULL`.
    Full,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_codes_map_to_faults() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "query_only", 1).unwrap();
        let err = conn.execute_batch("CREATE TABLE t (x)").unwrap_err();
        let err = anyhow::Error::new(err).context("saving");
        assert_eq!(fault_of(&err), Some(Fault::ReadOnly));
        let bug = anyhow::Error::new(
            conn.execute_batch("SELECT * FROM no_such_table")
                .unwrap_err(),
        );
        assert_eq!(fault_of(&bug), None);
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert_eq!(fault_of(&anyhow::Error::new(full)), Some(Fault::Full));
    }

    #[test]
    fn an_unwritable_directory_is_one_sentence() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_writable(dir.path()).is_ok());
        let missing = dir.path().join("missing");
        let msg = check_writable(&missing).unwrap_err().to_string();
        assert!(
            msg.starts_with("cannot write to the data directory"),
            "{msg}"
        );
        assert!(!msg.contains("os error"), "{msg}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no probe left"
        );
    }
}
