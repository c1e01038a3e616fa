//! The command line itself: help text, usage errors, commands not yet built.

use crate::support::{golden, root, run};

#[test]
fn help_is_golden() {
    let out = run(&root(), &["--help"], &[], None);
    assert_eq!(out.code, 0);
    golden(&root().join("tests/snapshots/help.txt"), &out.stdout);
    let out = run(&root(), &["check-config", "--help"], &[], None);
    assert_eq!(out.code, 0);
    golden(
        &root().join("tests/snapshots/check-config-help.txt"),
        &out.stdout,
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = run(&root(), &["check-config", "--bogus"], &[], None);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("--bogus"), "{}", out.stderr);
    let out = run(&root(), &["check-config"], &[], None);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("no config given"), "{}", out.stderr);
}

#[test]
fn log_without_a_journal_says_where_to_find_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run(dir.path(), &["log"], &[], None);
    assert_eq!(out.code, 66, "{}", out.all());
    assert!(out.stderr.contains("no journal"), "{}", out.stderr);
    assert!(out.stderr.contains("--journal"), "{}", out.stderr);
    let out = run(dir.path(), &["--format", "json", "log"], &[], None);
    assert_eq!(out.code, 66);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("one JSON document");
    assert_eq!(v["type"], "error");
    assert_eq!(v["exit_code"], 66);
    let out = run(dir.path(), &["log", "--journal", "missing.db"], &[], None);
    assert_eq!(out.code, 66, "{}", out.all());
    assert!(out.stderr.contains("missing.db"), "{}", out.stderr);
}
