//! `--kratos-version`: the configs in tests/fixtures/configs/releases, each
//! judged as every release courier knows, must be accepted exactly by the
//! releases whose schema accepts them (the `# valid:` line of each file,
//! written from Kratos' schema at each tag), and a rejection must say
//! which releases have the key.

use std::path::Path;

use crate::support::{root, run};

const RELEASES: [&str; 8] = [
    "v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0", "v1.3.1", "v25.4.0", "v26.2.0", "master",
];

/// The releases a `# valid:` line names.
fn span(line: &str) -> Vec<&'static str> {
    let spec = line
        .strip_prefix("# valid: ")
        .unwrap_or_else(|| panic!("the first line is `# valid: SPAN`, not {line:?}"));
    let pos = |tag: &str| {
        RELEASES
            .iter()
            .position(|r| *r == tag)
            .unwrap_or_else(|| panic!("unknown release {tag}"))
    };
    let (mut from, mut to) = (0, RELEASES.len());
    let mut words = spec.split_whitespace();
    while let Some(w) = words.next() {
        match w {
            "all" => {}
            "since" => from = pos(words.next().expect("since TAG")),
            "until" => to = pos(words.next().expect("until TAG")),
            other => panic!("unknown word {other} in {line:?}"),
        }
    }
    RELEASES[from..to].to_vec()
}

fn judge(dir: &Path, file: &str, release: &str) -> serde_json::Value {
    let out = run(
        dir,
        &[
            "check-config",
            "-c",
            file,
            "--format",
            "json",
            "--kratos-version",
            release,
        ],
        &[],
        None,
    );
    assert!(
        out.code == 0 || out.code == 78,
        "{file} as {release}: {}",
        out.all()
    );
    serde_json::from_str(&out.stdout).expect("check-config JSON")
}

#[test]
fn every_fixture_is_accepted_exactly_by_the_releases_whose_schema_accepts_it() {
    let dir = root().join("tests/fixtures/configs/releases");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    for name in &names {
        let text = std::fs::read_to_string(dir.join(name)).expect("fixture");
        let valid_in = span(text.lines().next().unwrap_or_default());
        for release in RELEASES {
            let report = judge(&dir, name, release);
            assert_eq!(report["kratos_version"], release, "{name}");
            let expected = valid_in.contains(&release);
            // The schema's verdict; runtime traps (a lint error) are not
            // the schema's and may come on top.
            let schema_errors = report["diagnostics"]
                .as_array()
                .expect("list")
                .iter()
                .filter(|d| d["severity"] == "error")
                .filter(|d| {
                    matches!(
                        d["code"].as_str(),
                        Some("key-not-in-release" | "missing-key" | "unknown-key" | "legacy-sms")
                    )
                })
                .count();
            assert_eq!(
                schema_errors == 0,
                expected,
                "{name} as {release}: {:#}",
                report["diagnostics"]
            );
            if !expected {
                let explained = report["diagnostics"]
                    .as_array()
                    .expect("list")
                    .iter()
                    .any(|d| {
                        let m = d["message"].as_str().unwrap_or_default();
                        (d["code"] == "key-not-in-release"
                            && m.contains(&format!("Kratos {release} has no"))
                            && (m.contains("added in")
                                || m.contains("removed in")
                                || m.contains("no release yet")))
                            || d["code"] == "missing-key"
                    });
                assert!(
                    explained,
                    "{name} as {release}: {:#}",
                    report["diagnostics"]
                );
            }
        }
    }
}

#[test]
fn the_release_comes_from_the_flag_or_the_environment_and_bad_names_are_usage_errors() {
    let dir = root().join("tests/fixtures/configs/releases");
    let file = "sms-section.yml";
    let default = run(&dir, &["check-config", "-c", file], &[], None);
    assert_eq!(default.code, 78, "{}", default.all());
    assert!(
        default.stdout.contains("invalid for Kratos v26.2.0"),
        "{}",
        default.stdout
    );
    assert!(
        default.stderr.contains("removed in v25.4.0"),
        "{}",
        default.stderr
    );
    let env = run(
        &dir,
        &["check-config", "-c", file],
        &[("COURIER_KRATOS_VERSION", "1.3.1")],
        None,
    );
    assert_eq!(env.code, 0, "{}", env.all());
    assert!(
        env.stdout.contains("valid for Kratos v1.3.1"),
        "{}",
        env.stdout
    );
    // Not a Kratos override: no "matches no courier key" warning.
    assert!(
        !env.stderr.contains("COURIER_KRATOS_VERSION"),
        "{}",
        env.stderr
    );
    let bad = run(
        &dir,
        &["check-config", "-c", file, "--kratos-version", "v1.4"],
        &[],
        None,
    );
    assert_eq!(bad.code, 2, "{}", bad.all());
    assert!(bad.stderr.contains("v1.0.0, v1.1.0"), "{}", bad.stderr);
    let newer = run(
        &dir,
        &[
            "check-config",
            "-c",
            "verifiable-address-changed.yml",
            "--kratos-version",
            "v1.3.1",
        ],
        &[],
        None,
    );
    assert!(
        newer.stderr.contains("in no release yet")
            && newer.stderr.contains("--kratos-version master"),
        "{}",
        newer.stderr
    );
}
