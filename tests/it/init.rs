//! `courier init --merge` on files it must not damage: JSON, a courier
//! section spelt another way, a merge that would fail its own check. A
//! refusal leaves the file byte for byte as it was, and nothing beside it.

use std::path::Path;

use crate::support::{golden, root, run};

/// Every file of `dir`, sorted, with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn merge(dir: &Path, file: &str, extra: &[&str]) -> crate::support::Output {
    let mut args = vec![
        "init",
        "--strategy",
        "http",
        "--provider",
        "sendgrid",
        "--merge",
        file,
    ];
    args.extend(extra);
    run(dir, &args, &[], None)
}

#[test]
fn init_merge_refuses_json_and_existing_sections_leaving_the_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("kratos.json", "{\n  \"dsn\": \"memory\"\n}\n", 2, "is JSON"),
        (
            "k1.yml",
            "dsn: memory\n\"courier\":\n  smtp: {}\n",
            2,
            "already has a courier section",
        ),
        (
            "k2.yml",
            "dsn: memory\n'courier':\n  smtp: {}\n",
            2,
            "already has a courier section",
        ),
        ("k3.yml", "dsn: [memory\n", 78, "cannot edit this file"),
    ];
    for (file, text, _, _) in &cases {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    let before = snapshot(dir.path());
    let mut shown = String::new();
    for (file, _, code, says) in cases {
        let out = merge(dir.path(), file, &[]);
        assert_eq!(out.code, code, "{file}: {}", out.all());
        assert!(out.stderr.contains(says), "{file}: {}", out.stderr);
        assert!(!out.stderr.contains("merged"), "{file}: {}", out.stderr);
        assert_eq!(snapshot(dir.path()), before, "{file}");
        shown.push_str(&format!(
            "$ courier init … --merge {file}   # exit {code}\n{}",
            out.stderr
        ));
    }
    golden(
        &root().join("tests/snapshots/init/merge-refusals.txt"),
        &shown,
    );
}

#[test]
fn init_merge_into_a_missing_file_says_how_to_start_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = merge(dir.path(), "new.yml", &[]);
    assert_eq!(out.code, 66, "{}", out.all());
    assert!(
        out.stderr.contains("courier init … > kratos.yml"),
        "{}",
        out.stderr
    );
    assert_eq!(snapshot(dir.path()), Vec::new(), "nothing written");
}

#[test]
fn init_merge_replaces_a_quoted_section_with_force() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("k.yml"),
        "dsn: memory\n\"courier\":\n  smtp:\n    connection_uri: smtp://a:b@old:25/\n# next\nserve: {}\n",
    )
    .unwrap();
    let out = merge(dir.path(), "k.yml", &["--force"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let merged = std::fs::read_to_string(dir.path().join("k.yml")).unwrap();
    assert!(!merged.contains("old:25") && merged.matches("courier").count() >= 1);
    assert!(
        merged.starts_with("dsn: memory\ncourier:\n") && merged.ends_with("# next\nserve: {}\n")
    );
    let check = run(dir.path(), &["check-config", "-c", "k.yml"], &[], None);
    assert_eq!(check.code, 0, "{}", check.all());
}

#[test]
fn init_merge_never_writes_a_file_that_fails_its_check() {
    // A column-0 comment inside the old section ends it early for a text
    // edit: the rest would land under the new section as a duplicate key.
    let dir = tempfile::tempdir().unwrap();
    let text = "courier:\n  smtp:\n# the relay\n    connection_uri: smtp://a:b@old:25/\n";
    std::fs::write(dir.path().join("k.yml"), text).unwrap();
    let before = snapshot(dir.path());
    let out = run(
        dir.path(),
        &[
            "init",
            "--strategy",
            "smtp",
            "--host",
            "mail.acme.test",
            "--merge",
            "k.yml",
            "--force",
        ],
        &[],
        None,
    );
    assert_eq!(out.code, 78, "{}", out.all());
    assert!(out.stderr.contains("left as it was"), "{}", out.stderr);
    assert_eq!(snapshot(dir.path()), before);
}

#[cfg(unix)]
#[test]
fn init_merge_keeps_the_file_mode() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.yml");
    std::fs::write(&path, "dsn: memory\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = merge(dir.path(), "k.yml", &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let names: Vec<_> = snapshot(dir.path()).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["courier-sendgrid.jsonnet", "k.yml"]);
}

/// `courier init`'s defaults are placeholders: check-config says so, and
/// `--strict` fails on them until they are filled in.
#[test]
fn init_output_is_unfinished_until_filled_in() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[
            "init",
            "--strategy",
            "http",
            "--provider",
            "mailgun",
            "--sms",
            "twilio-like",
        ],
        &[],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    std::fs::write(dir.path().join("k.yml"), &out.stdout).unwrap();
    let check = run(
        dir.path(),
        &["check-config", "-c", "k.yml", "--format", "json"],
        &[],
        None,
    );
    assert_eq!(check.code, 0, "{}", check.all());
    let json: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    let codes: Vec<(&str, &str)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["path"].as_str().unwrap()))
        .collect();
    for want in [
        ("documentation-domain", "courier.http.request_config.url"),
        (
            "placeholder",
            "courier.http.request_config.auth.config.password",
        ),
        ("placeholder", "courier.channels[0].request_config.url"),
        (
            "placeholder",
            "courier.channels[0].request_config.auth.config.password",
        ),
    ] {
        assert!(codes.contains(&want), "{want:?} in {codes:?}");
    }
    let strict = run(
        dir.path(),
        &["check-config", "-c", "k.yml", "--strict"],
        &[],
        None,
    );
    assert_eq!(strict.code, 78, "{}", strict.all());
    // Filled in, the SMTP section is clean even under --strict.
    let out = run(
        dir.path(),
        &[
            "init",
            "--strategy",
            "smtp",
            "--host",
            "mail.acme.test",
            "--from-address",
            "no-reply@acme.test",
        ],
        &[],
        None,
    );
    std::fs::write(dir.path().join("k.yml"), &out.stdout).unwrap();
    let strict = run(
        dir.path(),
        &["check-config", "-c", "k.yml", "--strict"],
        &[],
        None,
    );
    assert_eq!(strict.code, 0, "{}", strict.all());
}

/// `--format json` prints the section as a JSON config that check-config
/// reads as it is; with --merge, the result as JSON.
#[test]
fn init_format_json_prints_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[
            "init",
            "--strategy",
            "smtp",
            "--host",
            "mail.acme.test",
            "--from-address",
            "no-reply@acme.test",
            "--format",
            "json",
        ],
        &[],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(
        v["courier"]["smtp"]["connection_uri"],
        "smtp://mail.acme.test:587/"
    );
    std::fs::write(dir.path().join("k.json"), &out.stdout).unwrap();
    let check = run(
        dir.path(),
        &["check-config", "-c", "k.json", "--strict"],
        &[],
        None,
    );
    assert_eq!(check.code, 0, "{}", check.all());
    std::fs::write(dir.path().join("k.yml"), "dsn: memory\n").unwrap();
    let out = merge(dir.path(), "k.yml", &["--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(
        v,
        serde_json::json!({"file": "k.yml", "errors_elsewhere": 0})
    );
}

/// `--sms` writes a channel: a release without channels refuses it up
/// front, and v1.1.0's section (email beside a channel) is flagged.
#[test]
fn sms_channels_follow_the_release() {
    let dir = tempfile::tempdir().unwrap();
    let init = |release: &str| {
        run(
            dir.path(),
            &[
                "init",
                "--strategy",
                "http",
                "--provider",
                "mailgun",
                "--sms",
                "twilio-like",
                "--kratos-version",
                release,
            ],
            &[],
            None,
        )
    };
    let old = init("v1.0.0");
    assert_eq!(old.code, 2, "{}", old.all());
    assert!(old.stderr.contains("has no channels"), "{}", old.stderr);
    assert!(old.stdout.is_empty(), "{}", old.stdout);
    let v1_1 = init("v1.1.0");
    assert_eq!(v1_1.code, 0, "{}", v1_1.all());
    std::fs::write(dir.path().join("k.yml"), &v1_1.stdout).unwrap();
    let check = run(
        dir.path(),
        &["check-config", "-c", "k.yml", "--kratos-version", "v1.1.0"],
        &[],
        None,
    );
    assert_eq!(check.code, 78, "{}", check.all());
    assert!(
        check.stderr.contains("email-channel-dropped"),
        "{}",
        check.stderr
    );
}
