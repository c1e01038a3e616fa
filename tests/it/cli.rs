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
fn later_commands_say_not_implemented_with_exit_2() {
    {
        let cmd = "log";
        let out = run(&root(), &[cmd], &[], None);
        assert_eq!(out.code, 2, "{cmd}: {}", out.all());
        assert!(
            out.stderr.contains("not implemented yet"),
            "{cmd}: {}",
            out.stderr
        );
        let out = run(&root(), &["--format", "json", cmd], &[], None);
        assert_eq!(out.code, 2);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("one JSON document");
        assert_eq!(v["type"], "error");
        assert_eq!(v["exit_code"], 2);
    }
}
