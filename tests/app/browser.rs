//! The browser suite (`e2e/`): the release binary driven by Python
//! Playwright in real headless Chromium, with axe-core injected by the tests.
//!
//! The suite needs Chromium (`/usr/bin/chromium`, or `SPANDOJO_CHROMIUM`),
//! the virtual environment `.venv-e2e` with `e2e/requirements.txt`, and
//! `npm ci` run in `e2e/`. When one of them is missing the test passes and
//! prints `SKIPPED: browser suite: <reason>`, unless `SPANDOJO_E2E=required`,
//! in which case it fails with that reason.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The target directory this test binary was built into
/// (`<target>/debug/deps/app-…` → `<target>`).
fn target_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return Some(if dir.is_absolute() {
            dir
        } else {
            root().join(dir)
        });
    }
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.parent()?.parent()?.to_path_buf())
}

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SPANDOJO_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Why the suite cannot run here, or the Python and Chromium to run it with.
fn readiness() -> Result<(PathBuf, PathBuf), String> {
    let chromium = chromium()
        .filter(|p| p.exists())
        .ok_or("Chromium is not installed (apt-get install chromium)")?;
    let python = root().join(".venv-e2e/bin/python");
    if !python.exists() {
        return Err(
            "no .venv-e2e (python3 -m venv .venv-e2e && .venv-e2e/bin/pip install -r e2e/requirements.txt)"
                .into(),
        );
    }
    let has_playwright = Command::new(&python)
        .args(["-c", "import playwright.sync_api"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !has_playwright {
        return Err(
            "playwright is not installed in .venv-e2e (pip install -r e2e/requirements.txt)".into(),
        );
    }
    if !root().join("e2e/node_modules/axe-core/axe.min.js").exists() {
        return Err("axe-core is not installed (run npm ci in e2e/)".into());
    }
    Ok((python, chromium))
}

/// Builds the release binary and returns its path.
fn release_binary(target: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--bin", "spandojo"])
        .env("CARGO_TARGET_DIR", target)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run cargo build --release: {e}"))?;
    if !status.success() {
        return Err("cargo build --release failed".into());
    }
    Ok(target.join("release/spandojo"))
}

#[test]
fn browser_suite() {
    let required = std::env::var("SPANDOJO_E2E").is_ok_and(|v| v == "required");
    let (python, chromium) = match readiness() {
        Ok(ready) => ready,
        Err(reason) if required => panic!("browser suite required but cannot run: {reason}"),
        Err(reason) => {
            // Written straight to stderr so that it shows although the test passes.
            let _ = writeln!(std::io::stderr(), "SKIPPED: browser suite: {reason}");
            return;
        }
    };
    let target = target_dir().expect("the test binary lives in a target directory");
    let binary = release_binary(&target).unwrap_or_else(|e| panic!("{e}"));
    // The suite's own output goes straight to the terminal.
    let status = Command::new(python)
        .arg(root().join("e2e/run.py"))
        .env("SPANDOJO_BIN", &binary)
        .env("SPANDOJO_CHROMIUM", &chromium)
        .current_dir(root().join("e2e"))
        .status()
        .expect("the browser suite starts");
    assert!(
        status.success(),
        "the browser suite failed (see its output above)"
    );
}
