//! Runtime configuration shared by the CLI and the web app.

use std::path::PathBuf;

/// Everything the app needs to know about where it runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory holding `spandojo.db`; created on first start.
    pub data_dir: PathBuf,
    /// Read content from this directory instead of the copy embedded in the binary.
    pub content_dir: Option<PathBuf>,
    /// Require a login for every page except login, setup and static files.
    pub private: bool,
}

impl Config {
    /// A configuration with the given data directory and embedded content.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            data_dir: data_dir.into(),
            content_dir: None,
            private: false,
        }
    }

    /// The path of the SQLite database file.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("spandojo.db")
    }
}
