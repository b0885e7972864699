//! The command line: `check` exit codes and output, `backup`.

use std::process::Command;

fn spandojo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spandojo"))
}

/// A one-lesson content directory, so a test depends only on what it checks.
fn minimal_content(root: &std::path::Path) -> std::path::PathBuf {
    let dir = root.join("content");
    std::fs::create_dir_all(dir.join("lessons")).unwrap();
    std::fs::write(
        dir.join("lessons/01-a.md"),
        "+++\ntitle = \"A\"\nsummary = \"S\"\ntakeaways = [\"K\"]\n+++\n## A\nBody.\n",
    )
    .unwrap();
    dir
}

#[test]
fn check_passes_on_embedded_content_and_prints_json_counts() {
    let out = spandojo().args(["check", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let counts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(counts["lessons"].as_u64().unwrap() >= 12);
    for level in ["beginner", "intermediate", "senior", "architect"] {
        assert!(counts["questions"][level].is_u64(), "{level} counted");
    }
    assert!(counts["scenarios"].is_u64());
}

#[test]
fn check_fails_with_file_and_line_on_bad_content() {
    let dir = tempfile::tempdir().unwrap();
    let lessons = dir.path().join("lessons");
    std::fs::create_dir_all(&lessons).unwrap();
    std::fs::write(
        lessons.join("01-a.md"),
        "+++\ntitle = \"A\"\nsummary = \"S\"\ntakeaways = [\"K\"]\n+++\n## A\nSee [b](/lessons/missing).\n",
    )
    .unwrap();
    std::fs::write(lessons.join("02-b.md"), "+++\ntitle = 3\n+++\nbody\n").unwrap();
    let out = spandojo()
        .args(["check", "--content"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("lessons/01-a.md:7: link to unknown lesson \"missing\""),
        "{stderr}"
    );
    assert!(stderr.contains("lessons/02-b.md:2: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn serve_refuses_invalid_content_and_unusable_data_dirs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("lessons")).unwrap();
    std::fs::write(dir.path().join("lessons/01-a.md"), "no front matter\n").unwrap();
    let out = spandojo()
        .args(["serve", "--addr", "127.0.0.1:0", "--content"])
        .arg(dir.path())
        .arg("--data")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("lessons/01-a.md:1: "), "{stderr}");

    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = spandojo()
        .args(["serve", "--addr", "127.0.0.1:0", "--content"])
        .arg(minimal_content(dir.path()))
        .arg("--data")
        .arg(file.join("sub"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("spandojo: cannot use the data directory"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
}

#[test]
fn serve_reports_a_port_in_use_in_one_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = spandojo()
        .args(["serve", "--addr", &addr, "--content"])
        .arg(minimal_content(dir.path()))
        .arg("--data")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn backup_writes_a_valid_database() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = spandojo::store::Store::open(&data.join("spandojo.db")).unwrap();
    let version = store.schema_version().unwrap();
    let dest = dir.path().join("copy.db");
    let out = spandojo()
        .arg("backup")
        .arg(&dest)
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copy = rusqlite::Connection::open(&dest).unwrap();
    let integrity: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let copied: i64 = copy
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(copied, version);

    let again = spandojo()
        .arg("backup")
        .arg(&dest)
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1), "refuses to overwrite");
    let missing = spandojo()
        .arg("backup")
        .arg(dir.path().join("x.db"))
        .arg("--data")
        .arg(dir.path().join("none"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn flags_are_readable_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = spandojo()
        .args(["check"])
        .env("SPANDOJO_CONTENT", dir.path().join("nope"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
}

#[test]
fn help_and_version() {
    let out = spandojo().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("spandojo "));
    let out = spandojo().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "check", "backup"] {
        assert!(help.contains(cmd), "{help}");
    }
}
