//! `courier send --batch --dry-run`: rows streamed from CSV or JSON Lines,
//! every message rendered, every recipient validated, bad rows reported
//! with their line, nothing sent.

use crate::support::{Output, root, run};

fn config(dir: &std::path::Path) {
    std::fs::write(
        dir.join("kratos.yml"),
        "courier:\n  smtp:\n    connection_uri: smtps://127.0.0.1:9/\n  channels:\n    - id: sms\n      type: http\n      request_config:\n        url: https://sms.example.com/send\n        method: POST\n        headers:\n          Content-Type: application/x-www-form-urlencoded\n        body: base64://ZnVuY3Rpb24oY3R4KSB7IFRvOiBjdHgucmVjaXBpZW50LCBCb2R5OiBjdHguYm9keSB9Cg==\n",
    )
    .unwrap();
}

/// `courier send -c kratos.yml --batch ARGS` in `dir`.
fn send_batch(dir: &std::path::Path, args: &[&str]) -> Output {
    run(
        dir,
        &[&["send", "-c", "kratos.yml", "--batch"][..], args].concat(),
        &[],
        None,
    )
}

fn lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

#[test]
fn csv_dry_run_reports_bad_rows_by_line() {
    let dir = tempfile::tempdir().unwrap();
    config(dir.path());
    let csv = root().join("tests/fixtures/batch/recipients.csv");
    let out = send_batch(
        dir.path(),
        &[csv.to_str().unwrap(), "--dry-run", "--format", "json"],
    );
    assert_eq!(out.code, 65, "{}", out.all());
    let l = lines(&out.stdout);
    let status: Vec<(u64, &str)> = l
        .iter()
        .filter(|v| v["type"] == "result")
        .map(|v| (v["line"].as_u64().unwrap(), v["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        status,
        vec![(2, "ok"), (3, "bad-row"), (4, "bad-row"), (5, "ok")]
    );
    let summary = l.last().unwrap();
    assert_eq!(
        (
            summary["rows"].as_u64(),
            summary["ok"].as_u64(),
            summary["bad"].as_u64()
        ),
        (Some(4), Some(2), Some(2))
    );
    // --template fills rows without one; --on-bad-row stop ends at the first bad row.
    let out = send_batch(
        dir.path(),
        &[
            csv.to_str().unwrap(),
            "--dry-run",
            "--template",
            "login_code_valid",
            "--on-bad-row",
            "stop",
        ],
    );
    assert_eq!(out.code, 65);
    assert!(
        out.stderr
            .contains("line 3: \"not-an-email\" is not an email address"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("line 4"), "stopped: {}", out.stderr);
    assert!(
        out.stdout.contains(
            "2 rows, 1 would be sent, 1 bad (stopped at the first bad row); nothing was sent"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn json_lines_from_stdin_with_sms_and_data() {
    let dir = tempfile::tempdir().unwrap();
    config(dir.path());
    let input =
        std::fs::read_to_string(root().join("tests/fixtures/batch/recipients.jsonl")).unwrap();
    let out = run(
        dir.path(),
        &[
            "send",
            "-c",
            "kratos.yml",
            "--batch",
            "-",
            "--dry-run",
            "--format",
            "json",
        ],
        &[],
        Some(&input),
    );
    // Standard input has no name: its first byte tells JSON Lines from CSV.
    assert_eq!(out.code, 65, "{}", out.all());
    assert_eq!(
        lines(&out.stdout).last().unwrap()["ok"],
        3,
        "{}",
        out.stdout
    );
    let path = dir.path().join("r.jsonl");
    std::fs::write(&path, &input).unwrap();
    let out = send_batch(dir.path(), &["r.jsonl", "--dry-run", "--format", "json"]);
    let l = lines(&out.stdout);
    let status: Vec<(u64, &str)> = l
        .iter()
        .filter(|v| v["type"] == "result")
        .map(|v| (v["line"].as_u64().unwrap(), v["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        status,
        vec![
            (1, "ok"),
            (2, "ok"),
            (4, "ok"),
            (5, "bad-row"),
            (6, "bad-row")
        ],
        "{}",
        out.stdout
    );
    assert_eq!(l[1]["channel"], "sms");
    assert_eq!(out.code, 65);
}

#[test]
fn the_readme_example_batch_renders() {
    let out = run(
        &root(),
        &[
            "-c",
            "tests/examples/kratos.yml",
            "send",
            "--batch",
            "tests/examples/recipients.csv",
            "--dry-run",
        ],
        &[],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(
        out.stdout,
        "dry run ok: 4 rows, 4 would be sent, 0 bad; nothing was sent\n"
    );
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    assert!(
        readme.contains(out.stdout.trim_end()),
        "the README shows this output"
    );
}

/// A dry run builds the email as the batch would, so a header the mailer
/// cannot use is a bad row here too, not only when sending. (A one-member
/// group passes check-config, as Go reads it as that member, but courier
/// takes no envelope address out of a group.)
#[test]
fn dry_run_builds_the_email() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kratos.yml"),
        "courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:9/\n    headers:\n      Cc: \"team: a@example.com;\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("r.csv"), "to\njane@example.com\n").unwrap();
    let out = send_batch(
        dir.path(),
        &["r.csv", "--template", "login_code_valid", "--dry-run"],
    );
    assert_eq!(out.code, 65, "{}", out.all());
    assert!(
        out.stderr
            .contains("line 2: invalid address in the Cc header"),
        "{}",
        out.stderr
    );
}

/// A batch says which types went out in courier's own wording (its
/// built-in templates), once, after the summary.
#[test]
fn a_batch_names_the_types_rendered_from_courier_built_ins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kratos.yml"),
        "courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:9/\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("r.csv"),
        "to,template\njane@example.com,login_code_valid\njoe@example.com,recovery_code_valid\n",
    )
    .unwrap();
    let out = send_batch(dir.path(), &["r.csv", "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(
        out.stderr
            .matches("rendered from courier's built-in templates")
            .count(),
        1,
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("`login_code_valid`, `recovery_code_valid` are rendered"),
        "{}",
        out.stderr
    );
}

/// A batch that can never send (no --template, no row naming a type) is a
/// usage error before any journal exists; one row naming a type is enough.
#[test]
fn a_batch_without_any_template_is_refused_before_its_journal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kratos.yml"),
        "courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:9/\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("r.csv"),
        "to\njane@example.com\njoe@example.com\n",
    )
    .unwrap();
    let out = run(
        dir.path(),
        &["send", "-c", "kratos.yml", "--batch", "r.csv"],
        &[],
        None,
    );
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("no row names one"), "{}", out.stderr);
    assert!(
        !dir.path().join("r.csv.courier.db").exists(),
        "a journal was created"
    );
    std::fs::write(
        dir.path().join("mixed.csv"),
        "to,template\njane@example.com,\njoe@example.com,login_code_valid\n",
    )
    .unwrap();
    let mixed = run(
        dir.path(),
        &[
            "send",
            "-c",
            "kratos.yml",
            "--batch",
            "mixed.csv",
            "--dry-run",
        ],
        &[],
        None,
    );
    assert_eq!(
        mixed.code,
        65,
        "row 2 is bad, row 3 renders: {}",
        mixed.all()
    );
}
