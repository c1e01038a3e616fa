//! `courier check-config` against the fixtures in tests/fixtures/configs.
//!
//! Each invalid fixture marks, with a trailing `# expect: CODE` comment, the
//! line each finding must point at (`# expect-env: CODE VAR` for findings
//! located at an environment variable); `# env: NAME=value` sets a variable
//! for the run, `# args: ...` adds arguments, and `# secret: VALUE` names a
//! string that must never be printed. Every finding must be expected, and
//! the human and JSON outputs are golden files under tests/snapshots.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::{Output, golden, root, run};

struct Fixture {
    dir: PathBuf,
    file: String,
    expect: BTreeSet<(String, String)>,
    env: Vec<(String, String)>,
    args: Vec<String>,
    secrets: Vec<String>,
}

fn fixtures(kind: &str) -> Vec<Fixture> {
    let dir = root().join("tests/fixtures/configs").join(kind);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml") || n.ends_with(".json"))
        .filter(|n| !n.contains(".part."))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(dir.join(&file)).expect("fixture text");
            let mut f = Fixture {
                dir: dir.clone(),
                file: file.clone(),
                expect: BTreeSet::new(),
                env: Vec::new(),
                args: Vec::new(),
                secrets: Vec::new(),
            };
            for (i, line) in text.lines().enumerate() {
                for marker in line.split("# ").skip(1) {
                    let marker = marker.trim();
                    if let Some(code) = marker.strip_prefix("expect: ") {
                        f.expect
                            .insert((code.trim().to_owned(), format!("{file}:{}", i + 1)));
                    } else if let Some(rest) = marker.strip_prefix("expect-env: ") {
                        let (code, var) = rest.split_once(' ').expect("expect-env: CODE VAR");
                        f.expect
                            .insert((code.to_owned(), format!("env:{}", var.trim())));
                    } else if let Some(kv) = marker.strip_prefix("env: ") {
                        let (k, v) = kv.split_once('=').expect("env: NAME=value");
                        f.env.push((k.to_owned(), v.to_owned()));
                    } else if let Some(a) = marker.strip_prefix("args: ") {
                        f.args.extend(a.split_whitespace().map(str::to_owned));
                    } else if let Some(s) = marker.strip_prefix("secret: ") {
                        f.secrets.push(s.trim().to_owned());
                    }
                }
            }
            f
        })
        .collect()
}

impl Fixture {
    fn run(&self, extra: &[&str]) -> Output {
        let mut args = vec!["check-config", "-c", self.file.as_str()];
        args.extend(self.args.iter().map(String::as_str));
        args.extend(extra);
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        run(&self.dir, &args, &env, None)
    }

    fn snapshot(&self, kind: &str, form: &str) -> PathBuf {
        let stem = Path::new(&self.file)
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        root()
            .join("tests/snapshots/check-config")
            .join(kind)
            .join(format!("{stem}.{form}"))
    }
}

fn transcript(out: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.code, out.stdout, out.stderr
    )
}

fn found(json: &serde_json::Value) -> BTreeSet<(String, String)> {
    json["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            let file = d["file"].as_str().unwrap_or("-").to_owned();
            let place = match d["line"].as_u64() {
                Some(l) => format!("{file}:{l}"),
                None => file,
            };
            (d["code"].as_str().expect("code").to_owned(), place)
        })
        .collect()
}

fn check_shape(json: &serde_json::Value) {
    let keys: Vec<&String> = json.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["kratos_version", "valid", "diagnostics"]);
    assert!(
        json["kratos_version"]
            .as_str()
            .is_some_and(|v| v.starts_with('v') || v == "master")
    );
    for d in json["diagnostics"].as_array().expect("array") {
        let keys: Vec<&String> = d.as_object().expect("object").keys().collect();
        assert_eq!(
            keys,
            [
                "severity", "code", "path", "file", "line", "column", "message", "help"
            ]
        );
        assert!(matches!(d["severity"].as_str(), Some("error" | "warning")));
        let code = d["code"].as_str().expect("code");
        assert!(
            code.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{code} is kebab-case"
        );
    }
}

#[test]
fn invalid_fixtures_report_each_rule_at_its_line() {
    let all = fixtures("invalid");
    assert!(all.len() >= 40, "one fixture per rule");
    let mut mismatches = Vec::new();
    let mut runs = Vec::new();
    for f in &all {
        assert!(!f.expect.is_empty(), "{} marks no `# expect:`", f.file);
        let out = f.run(&["--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: stdout is not one JSON document ({e}): {}",
                f.file, out.stdout
            )
        });
        check_shape(&json);
        let got = found(&json);
        if got != f.expect {
            mismatches.push(format!(
                "{}: expected {:?}\n   found {:?}",
                f.file, f.expect, got
            ));
        }
        runs.push((out, json));
    }
    assert!(
        mismatches.is_empty(),
        "findings differ from the `# expect:` marks:\n{}",
        mismatches.join("\n")
    );
    for (f, (out, json)) in all.iter().zip(runs) {
        let has_error = json["diagnostics"]
            .as_array()
            .expect("array")
            .iter()
            .any(|d| d["severity"] == "error");
        let strict = f.args.iter().any(|a| a == "--strict");
        assert_eq!(
            out.code,
            if has_error || strict { 78 } else { 0 },
            "{}: exit code",
            f.file
        );
        assert_eq!(
            json["valid"],
            serde_json::Value::Bool(out.code == 0),
            "{}",
            f.file
        );
        golden(&f.snapshot("invalid", "json"), &transcript(&out));
        golden(&f.snapshot("invalid", "human"), &transcript(&f.run(&[])));
    }
}

#[test]
fn valid_fixtures_have_no_findings() {
    let all = fixtures("valid");
    assert!(all.len() >= 4);
    for f in all {
        let out = f.run(&["--format", "json", "--strict"]);
        assert_eq!(out.code, 0, "{}: {}", f.file, out.all());
        let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
        check_shape(&json);
        assert_eq!(json["diagnostics"], serde_json::json!([]), "{}", f.file);
        golden(&f.snapshot("valid", "human"), &transcript(&f.run(&[])));
    }
}

#[test]
fn secrets_never_appear_in_any_output_form() {
    let mut checked = 0;
    for kind in ["valid", "invalid"] {
        for f in fixtures(kind) {
            if f.secrets.is_empty() {
                continue;
            }
            for extra in [
                &[][..],
                &["--format", "json"],
                &["-q"],
                &["-v", "--strict"],
                &["--color", "always"],
            ] {
                let out = f.run(extra);
                for s in &f.secrets {
                    assert!(
                        !out.all().contains(s.as_str()),
                        "{} {extra:?} printed a secret: {}",
                        f.file,
                        out.all()
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 20,
        "enough fixtures carry secrets ({checked} runs)"
    );
}

/// The examples are valid; they are also unfinished by design (they use
/// documentation domains for the reader's own), and say so.
#[test]
fn shipped_examples_are_valid() {
    for example in ["kratos.yml", "sendgrid.yml", "mailgun.yml", "postmark.yml"] {
        let path = format!("tests/examples/{example}");
        let out = run(
            &root(),
            &["check-config", "-c", &path, "--format", "json"],
            &[],
            None,
        );
        assert_eq!(out.code, 0, "{example}: {}", out.all());
        let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
        for d in json["diagnostics"].as_array().expect("array") {
            assert_eq!(d["code"], "documentation-domain", "{example}: {d}");
        }
        assert!(
            !out.all().contains("sms-api-secret-0000") && !out.all().contains("replace-with-your")
        );
    }
}

#[test]
fn later_files_win_key_by_key_and_stdin_works() {
    let dir = root().join("tests/fixtures/configs/merge");
    let out = run(
        &dir,
        &[
            "check-config",
            "-c",
            "base.yml",
            "-c",
            "override.yml",
            "--format",
            "json",
        ],
        &[],
        None,
    );
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    // base.yml has no port (an error) that override.yml fixes; the
    // override's own typo is reported at its line in override.yml.
    let f = found(&json);
    assert_eq!(
        f,
        BTreeSet::from([("smtp-bool-false".to_owned(), "override.yml:4".to_owned())]),
        "{}",
        out.stdout
    );
    let base = std::fs::read_to_string(dir.join("base.yml")).expect("base");
    let out = run(
        &dir,
        &[
            "check-config",
            "-c",
            "-",
            "-c",
            "override.yml",
            "--format",
            "json",
        ],
        &[],
        Some(&base),
    );
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(found(&json), f);
    // Alone, base.yml is missing its port.
    let out = run(&dir, &["check-config", "-c", "-"], &[], Some(&base));
    assert_eq!(out.code, 78);
    assert!(out.stderr.contains("<stdin>:5:21"), "{}", out.stderr);
}

#[test]
fn unreadable_files_exit_66() {
    let out = run(
        &root(),
        &["check-config", "-c", "no/such/file.yml"],
        &[],
        None,
    );
    assert_eq!(out.code, 66, "{}", out.all());
    assert!(out.stderr.contains("no/such/file.yml"), "{}", out.stderr);
    let out = run(
        &root(),
        &["check-config", "-c", "no/such/file.yml", "--format", "json"],
        &[],
        None,
    );
    assert_eq!(out.code, 66);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("one JSON document");
    assert_eq!(v["type"], "error");
}

#[test]
fn strict_fails_on_warnings_and_color_follows_the_flag() {
    let dir = root().join("tests/fixtures/configs/invalid");
    let out = run(
        &dir,
        &["check-config", "-c", "smtp-skip-ssl-verify.yml"],
        &[],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let out = run(
        &dir,
        &["check-config", "-c", "smtp-skip-ssl-verify.yml", "--strict"],
        &[],
        None,
    );
    assert_eq!(out.code, 78);
    let out = run(
        &dir,
        &[
            "check-config",
            "-c",
            "smtp-skip-ssl-verify.yml",
            "--color",
            "always",
        ],
        &[],
        None,
    );
    assert!(out.stderr.contains("\u{1b}["), "colour when forced");
    let out = run(
        &dir,
        &[
            "check-config",
            "-c",
            "smtp-skip-ssl-verify.yml",
            "--color",
            "always",
        ],
        &[("NO_COLOR", "1")],
        None,
    );
    assert!(
        out.stderr.contains("\u{1b}["),
        "--color always beats NO_COLOR"
    );
    let out = run(
        &dir,
        &["check-config", "-c", "smtp-skip-ssl-verify.yml"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
        None,
    );
    assert!(
        !out.stderr.contains("\u{1b}["),
        "NO_COLOR wins over CLICOLOR_FORCE"
    );
}
