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
    assert!(counts["questions_total"].as_u64().unwrap() >= 220);
    for level in ["beginner", "intermediate", "senior", "architect"] {
        assert!(
            counts["questions"][level].as_u64().unwrap() >= 50,
            "{level}"
        );
        let kinds = counts["kinds_by_level"][level].as_object().unwrap();
        assert!(kinds.contains_key("sim"), "{level} has simulator questions");
    }
    for kind in ["choice", "open", "sim"] {
        assert!(counts["question_kinds"][kind].is_u64(), "{kind} counted");
    }
    let generators = counts["generator_questions"].as_object().unwrap();
    assert!(generators.len() >= 12, "{generators:?}");
    assert_eq!(counts["generators"].as_u64(), Some(generators.len() as u64));
    assert!(generators.contains_key("root_cause"));
    let scenarios = counts["scenario_names"].as_array().unwrap();
    assert!(scenarios.len() >= 12);
    assert_eq!(counts["scenarios"].as_u64(), Some(scenarios.len() as u64));
    assert!(scenarios.iter().any(|s| s == "checkout"));
    assert_eq!(counts["minimums"]["questions"].as_u64(), Some(220));
}

#[test]
fn check_fails_below_the_minimums_and_names_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let content = minimal_content(dir.path());
    let out = spandojo()
        .args(["check", "--content"])
        .arg(&content)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("0 questions; at least 220"), "{stderr}");
    assert!(stderr.contains("0 beginner questions"), "{stderr}");
    assert!(stderr.contains("at least 12 are required"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn check_fails_on_a_deprecated_attribute_presented_as_current() {
    let dir = tempfile::tempdir().unwrap();
    let content = minimal_content(dir.path());
    std::fs::write(
        content.join("lessons/02-b.md"),
        "+++\ntitle = \"B\"\nsummary = \"S\"\ntakeaways = [\"K\"]\n+++\n## B\nGroup by `http.status_code`.\n\nOr by `db.system.name` (formerly `db.system`).\n",
    )
    .unwrap();
    let out = spandojo()
        .args(["check", "--content"])
        .arg(&content)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("lessons/02-b.md:7: `http.status_code` is deprecated"),
        "{stderr}"
    );
    assert!(!stderr.contains("`db.system` is"), "{stderr}");
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
    let out = crate::common::serve_command("127.0.0.1:0")
        .args(["--content"])
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
    let out = crate::common::serve_command("127.0.0.1:0")
        .args(["--content"])
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
    let out = crate::common::serve_command(&addr)
        .args(["--content"])
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
