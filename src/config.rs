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
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// The address people use to reach the app, e.g. `https://dojo.example.org`;
    /// used in printed links.
    pub public_url: Option<String>,
    /// Refuse requests whose `Host` is not [`Config::public_url`]'s host
    /// (a readable 400; set when `--public-url` was given, not for the
    /// bound address used by default).
    pub check_host: bool,
    /// Sizes of the budget for heavy work ([`crate::budget`]).
    pub budget: crate::budget::Limits,
    /// The OTLP receiver's listeners, limits and write queue ([`crate::otlp`]).
    pub otlp: crate::otlp::receiver::Settings,
    /// Each member's storage quota for notes ([`crate::notes::quota`]).
    pub notes_quota: crate::notes::quota::Quota,
}

impl Config {
    /// A configuration with the given data directory and embedded content.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            data_dir: data_dir.into(),
            content_dir: None,
            private: false,
            secure_cookies: false,
            public_url: None,
            check_host: false,
            budget: crate::budget::Limits::for_machine(),
            otlp: crate::otlp::receiver::Settings::default(),
            notes_quota: crate::notes::quota::Quota::default(),
        }
    }

    /// Whether cookies must carry the `Secure` flag.
    pub fn cookies_secure(&self) -> bool {
        self.secure_cookies
            || self
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://"))
    }

    /// The path of the SQLite database file.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("spandojo.db")
    }
}
