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

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write");
}

/// The requests a wiremock server received, as JSON bodies.
fn received(rt: &tokio::runtime::Runtime, server: &wiremock::MockServer) -> Vec<serde_json::Value> {
    rt.block_on(server.received_requests())
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("a JSON body"))
        .collect()
}

/// v1.0.0 sends SMS through `courier.sms` with a ctx of `from`, `to` and
/// `body`, counts only 200 and 201 as sent, and hands email bodies a
/// ctx of Go field names; later releases ignore `courier.sms`.
#[test]
fn v1_0_0_sends_sms_through_courier_sms_and_judges_as_it_did() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let rt = crate::support::runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("POST"))
            .and(path("/ok"))
            .respond_with(ResponseTemplate::new(201))
            .mount(&server),
    );
    rt.block_on(
        Mock::given(method("POST"))
            .and(path("/accepted"))
            .respond_with(ResponseTemplate::new(202))
            .mount(&server),
    );
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "sms.jsonnet",
        "function(ctx) { from: ctx.from, to: ctx.to, text: ctx.body }\n",
    );
    let config = |url_path: &str| {
        format!(
            "courier:\n  smtp:\n    connection_uri: smtp://mail.example.test:587/\n  sms:\n    enabled: true\n    from: Acme\n    request_config:\n      url: {}/{url_path}\n      method: POST\n      body: file://./sms.jsonnet\n",
            server.uri()
        )
    };
    write(dir.path(), "ok.yml", &config("ok"));
    write(dir.path(), "accepted.yml", &config("accepted"));
    let send = |file: &str, release: &str| {
        run(
            dir.path(),
            &[
                "send",
                "-c",
                file,
                "--channel",
                "sms",
                "--to",
                "+15555550123",
                "--text",
                "Code 1",
                "--kratos-version",
                release,
                "--format",
                "json",
            ],
            &[],
            None,
        )
    };
    let ok = send("ok.yml", "v1.0.0");
    assert_eq!(ok.code, 0, "{}", ok.all());
    assert_eq!(
        received(&rt, &server),
        [serde_json::json!({"from": "Acme", "to": "+15555550123", "text": "Code 1"})]
    );
    let accepted = send("accepted.yml", "v1.0.0");
    assert_ne!(accepted.code, 0, "{}", accepted.all());
    assert!(
        accepted.all().contains("counts only 200 and 201 as sent"),
        "{}",
        accepted.all()
    );
    // v1.3.1 reads SMS from channels only: courier.sms is a warning, and
    // there is no SMS channel.
    let later = send("ok.yml", "v1.3.1");
    assert_ne!(later.code, 0, "{}", later.all());
    assert!(
        later
            .all()
            .contains("no courier.channels entry with id sms"),
        "{}",
        later.all()
    );
    let check = run(
        dir.path(),
        &["check-config", "-c", "ok.yml", "--kratos-version", "v1.3.1"],
        &[],
        None,
    );
    assert!(
        check.stderr.contains("sms-section-ignored"),
        "{}",
        check.stderr
    );
    assert_eq!(received(&rt, &server).len(), 2, "only v1.0.0 sent");
}

#[test]
fn the_ctx_and_the_jsonnet_caps_follow_the_release() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kratos.yml",
        "courier:\n  delivery_strategy: http\n  http:\n    request_config:\n      url: https://mail-api.example.test/send\n",
    );
    let ctx = |release: &str| -> serde_json::Value {
        let out = run(
            dir.path(),
            &[
                "render",
                "-c",
                "kratos.yml",
                "--template",
                "recovery_code_valid",
                "--format",
                "json",
                "--kratos-version",
                release,
            ],
            &[],
            None,
        );
        assert_eq!(out.code, 0, "{release}: {}", out.all());
        serde_json::from_str(&out.stdout).expect("JSON")
    };
    let old = ctx("v1.0.0");
    assert_eq!(old["ctx"]["TemplateData"]["RecoveryCode"], "742913");
    let payload: serde_json::Value =
        serde_json::from_str(old["request"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        payload["recovery_code"], "742913",
        "v1.0.0's default body reads Go names"
    );
    let v1_3 = ctx("v1.3.1");
    assert!(v1_3["ctx"].get("html_body").is_none() && v1_3["ctx"].get("request_headers").is_none());
    assert!(
        v1_3["ctx"]["template_data"]
            .get("expires_in_minutes")
            .is_none()
    );
    let v26 = ctx("v26.2.0");
    assert!(v26["ctx"].get("html_body").is_some() && v26["ctx"].get("request_headers").is_some());
    // 100 KiB of output: refused by v26.2.0 (64 KiB), passed by master
    // (256 KiB).
    write(
        dir.path(),
        "big.jsonnet",
        "function(ctx) { pad: std.join('', std.makeArray(100 * 1024, function(i) 'x')) }\n",
    );
    write(
        dir.path(),
        "big.yml",
        "courier:\n  delivery_strategy: http\n  http:\n    request_config:\n      url: https://mail-api.example.test/send\n      body: file://./big.jsonnet\n",
    );
    let big = |release: &str| {
        run(
            dir.path(),
            &[
                "render",
                "-c",
                "big.yml",
                "--template",
                "recovery_code_valid",
                "--part",
                "payload",
                "--kratos-version",
                release,
            ],
            &[],
            None,
        )
    };
    let refused = big("v26.2.0");
    assert_eq!(refused.code, 65, "{}", refused.all());
    assert!(refused.stderr.contains("over 64 KiB"), "{}", refused.stderr);
    let passed = big("master");
    assert_eq!(passed.code, 0, "{}", passed.all());
    assert!(passed.stdout.len() > 100 * 1024);

    // 70 KiB of data in the ctx: refused as input from v1.1.0, not by
    // v1.0.0 (which has no cap).
    write(
        dir.path(),
        "id.jsonnet",
        "function(ctx) { n: std.length(ctx) }\n",
    );
    write(
        dir.path(),
        "id.yml",
        "courier:\n  delivery_strategy: http\n  http:\n    request_config:\n      url: https://mail-api.example.test/send\n      body: file://./id.jsonnet\n",
    );
    write(
        dir.path(),
        "big.json",
        &format!("{{\"extra\": \"{}\"}}", "y".repeat(70 * 1024)),
    );
    let input = |release: &str| {
        let args = [
            "render",
            "-c",
            "id.yml",
            "--template",
            "recovery_code_valid",
        ];
        let mut args = args.to_vec();
        args.extend([
            "--part",
            "payload",
            "--data",
            "big.json",
            "--kratos-version",
            release,
        ]);
        run(dir.path(), &args, &[], None)
    };
    let refused = input("v26.2.0");
    assert_eq!(refused.code, 65, "{}", refused.all());
    assert!(
        refused
            .stderr
            .contains("Kratos v26.2.0 refuses Jsonnet input over 64 KiB"),
        "{}",
        refused.stderr
    );
    let passed = input("v1.0.0");
    assert_eq!(passed.code, 0, "{}", passed.all());
}

#[test]
fn v1_1_0_loses_email_when_channels_are_set() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kratos.yml",
        "courier:\n  smtp:\n    connection_uri: smtp://mail.example.test:587/\n  channels:\n    - id: sms\n      type: http\n      request_config:\n        url: https://sms.example.test/send\n        method: POST\n        body: base64://ZnVuY3Rpb24oY3R4KSB7IHRvOiBjdHgucmVjaXBpZW50IH0K\n",
    );
    let check = |release: &str| {
        run(
            dir.path(),
            &[
                "check-config",
                "-c",
                "kratos.yml",
                "--kratos-version",
                release,
            ],
            &[],
            None,
        )
    };
    let v1_1 = check("v1.1.0");
    assert_eq!(v1_1.code, 78, "{}", v1_1.all());
    assert!(
        v1_1.stderr.contains("email-channel-dropped"),
        "{}",
        v1_1.stderr
    );
    assert_eq!(check("v1.2.0").code, 0);
    let render = run(
        dir.path(),
        &[
            "render",
            "-c",
            "kratos.yml",
            "--template",
            "recovery_code_valid",
            "--kratos-version",
            "v1.1.0",
        ],
        &[],
        None,
    );
    assert_ne!(render.code, 0, "{}", render.all());
    assert!(
        render.stderr.contains("unknown channel"),
        "{}",
        render.stderr
    );
}
