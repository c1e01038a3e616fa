//! `courier uri` and `courier init`: round trips of passwords over the
//! whole range Kratos accepts, provider presets against the providers'
//! published settings (and a real send to the local test server), and
//! `init --merge` keeping the rest of a kratos.yml.

use std::path::Path;

use crate::support::smtp::{Mode, Sink, certs};
use crate::support::{golden, root, run};

/// Go's percent-decoding of one user-info component.
fn go_unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("valid escape"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

/// User and password as Go's `url.Parse` reads them.
fn userinfo(uri: &str) -> (String, String) {
    let rest = uri.split_once("://").unwrap().1;
    let at = rest.rfind('@').unwrap();
    let (user, pass) = rest[..at].split_once(':').unwrap();
    (go_unescape(user), go_unescape(pass))
}

/// Deterministic pseudo-random passwords over the interesting characters.
fn passwords(n: usize) -> Vec<String> {
    let alphabet: Vec<char> = "aZ09@/?#%+: !\"$&'()*,;=<>[]\\^`{|}~-._éß€😀\u{7f}"
        .chars()
        .collect();
    let mut seed: u64 = 0x5eed_cafe;
    (0..n)
        .map(|_| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let len = 1 + (seed >> 33) as usize % 24;
            (0..len)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    alphabet[(seed >> 33) as usize % alphabet.len()]
                })
                .collect()
        })
        .collect()
}

#[test]
fn passwords_round_trip_pass_check_config_and_never_show_in_decode() {
    let dir = tempfile::tempdir().unwrap();
    for (i, pw) in passwords(120).iter().enumerate() {
        let out = run(
            dir.path(),
            &[
                "uri",
                "--mode",
                "starttls",
                "--host",
                "mail.acme.test",
                "--user",
                "us:er@x",
                "--password-stdin",
            ],
            &[],
            Some(&format!("{pw}\n")),
        );
        assert_eq!(out.code, 0, "{pw:?}: {}", out.all());
        let uri = out.stdout.trim_end();
        assert_eq!(userinfo(uri), ("us:er@x".to_owned(), pw.clone()), "{uri}");
        if i % 10 == 0 {
            std::fs::write(
                dir.path().join("k.yml"),
                format!(
                    "courier:\n  smtp:\n    connection_uri: {}\n    from_address: no-reply@acme.test\n",
                    serde_json::to_string(uri).unwrap()
                ),
            )
            .unwrap();
            let check = run(
                dir.path(),
                &["check-config", "-c", "k.yml", "--strict"],
                &[],
                None,
            );
            assert_eq!(check.code, 0, "{uri}: {}", check.all());
            let decoded = run(dir.path(), &["uri", "--decode", uri], &[], None);
            assert_eq!(decoded.code, 0, "{}", decoded.all());
            let encoded_pw = uri
                .split_once("://")
                .unwrap()
                .1
                .rsplit_once('@')
                .unwrap()
                .0
                .split_once(':')
                .unwrap()
                .1;
            if pw.chars().count() > 2 {
                assert!(
                    !decoded.all().contains(pw.as_str()) && !decoded.all().contains(encoded_pw),
                    "{}",
                    decoded.all()
                );
            }
        }
    }
}

#[test]
fn decode_reports_the_traps_and_masks_the_password() {
    let out = run(
        &root(),
        &[
            "uri",
            "--decode",
            "smtps://AKIA:Se/cret#1@email-smtp.eu-west-1.amazonaws.com:587/",
            "--format",
            "json",
        ],
        &[],
        None,
    );
    assert_eq!(out.code, 78, "{}", out.all());
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["code"], "smtp-userinfo-reserved");
    assert!(!out.all().contains("Se/cret#1"));
    let out = run(
        &root(),
        &[
            "uri",
            "--decode",
            "smtps://u:Long-Secret-99@mail.example.com:587/",
        ],
        &[],
        None,
    );
    assert!(
        out.stderr.contains("smtp-port-scheme-mismatch"),
        "{}",
        out.all()
    );
    assert!(
        out.stdout.contains("*** (14 characters)") && !out.all().contains("Long-Secret-99"),
        "{}",
        out.all()
    );
    let out = run(
        &root(),
        &[
            "uri",
            "--mode",
            "tls",
            "--host",
            "mail.example.com",
            "--user",
            "u",
        ],
        &[],
        None,
    );
    assert_eq!(
        out.code,
        2,
        "no password source without a terminal: {}",
        out.all()
    );
    assert!(out.stderr.contains("--password-stdin"));
}

#[test]
fn provider_presets_match_published_settings_and_send() {
    for (provider, extra, host, user) in [
        ("sendgrid", vec![], "smtp.sendgrid.net", "apikey"),
        (
            "mailgun",
            vec!["--user", "postmaster@mg.example.com"],
            "smtp.mailgun.org",
            "postmaster@mg.example.com",
        ),
        (
            "mailgun-eu",
            vec!["--user", "postmaster@mg.example.com"],
            "smtp.eu.mailgun.org",
            "postmaster@mg.example.com",
        ),
        (
            "ses",
            vec!["--region", "us-east-1", "--user", "AKIAEXAMPLE"],
            "email-smtp.us-east-1.amazonaws.com",
            "AKIAEXAMPLE",
        ),
        ("postmark", vec![], "smtp.postmarkapp.com", "Tok-3c1f"),
    ] {
        let mut args = vec![
            "uri",
            "--provider",
            provider,
            "--password-stdin",
            "--format",
            "json",
        ];
        args.extend(extra.iter().copied());
        let out = run(&root(), &args, &[], Some("Tok-3c1f\n"));
        assert_eq!(out.code, 0, "{provider}: {}", out.all());
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(v["host"], host, "{provider}");
        assert_eq!(v["port"], 587, "{provider}: STARTTLS submission port");
        assert_eq!(v["mode"], "starttls", "{provider}");
        assert_eq!(v["user"], user, "{provider}");
        assert_eq!(
            userinfo(v["connection_uri"].as_str().unwrap()).1,
            "Tok-3c1f"
        );

        // Pointed at the local server, the preset's credentials go through.
        let sink = Sink::start_with(Mode::Smtps, Some((user, "Tok-3c1f")));
        let port = sink.port.to_string();
        let mut args = vec![
            "uri",
            "--provider",
            provider,
            "--password-stdin",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--mode",
            "tls",
        ];
        args.extend(extra.iter().copied());
        let out = run(&root(), &args, &[], Some("Tok-3c1f\n"));
        assert_eq!(out.code, 0, "{provider}: {}", out.all());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("k.yml"),
            format!(
                "courier:\n  smtp:\n    connection_uri: {}\n",
                serde_json::to_string(out.stdout.trim()).unwrap()
            ),
        )
        .unwrap();
        let ca = certs().ca.display().to_string();
        let sent = run(
            dir.path(),
            &[
                "send",
                "-c",
                "k.yml",
                "--to",
                "jane@example.com",
                "--subject",
                "Hi",
                "--text",
                "Hi",
            ],
            &[("SSL_CERT_FILE", ca.as_str())],
            None,
        );
        assert_eq!(sent.code, 0, "{provider}: {}", sent.all());
        assert_eq!(sink.messages(1)[0].envelope["auth"], user, "{provider}");
    }
}

fn init_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> crate::support::Output {
    let mut all = vec!["init"];
    all.extend(args);
    run(dir, &all, &[], stdin)
}

#[test]
fn init_prints_valid_sections_and_merges_keeping_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    // Every strategy and provider gives a section check-config accepts.
    for args in [
        vec![
            "--strategy",
            "smtp",
            "--provider",
            "postmark",
            "--password-stdin",
        ],
        vec![
            "--strategy",
            "smtp",
            "--mode",
            "tls-server-name",
            "--host",
            "10.0.0.5",
            "--server-name",
            "mail.example.com",
        ],
        vec![
            "--strategy",
            "http",
            "--provider",
            "sendgrid",
            "--sms",
            "twilio-like",
        ],
        vec![
            "--strategy",
            "http",
            "--provider",
            "mailgun",
            "--from-address",
            "no-reply@mg.example.com",
        ],
        vec![
            "--strategy",
            "http",
            "--provider",
            "postmark",
            "--password-stdin",
        ],
    ] {
        let out = init_in(dir.path(), &args, Some("Tok-77\n"));
        assert_eq!(out.code, 0, "{args:?}: {}", out.all());
        std::fs::write(dir.path().join("k.yml"), &out.stdout).unwrap();
        let check = run(dir.path(), &["check-config", "-c", "k.yml"], &[], None);
        assert_eq!(check.code, 0, "{args:?}: {}\n{}", out.stdout, check.all());
    }
    // Merge into a real-looking kratos.yml without a courier section.
    std::fs::copy(
        root().join("tests/fixtures/init/kratos-without-courier.yml"),
        dir.path().join("kratos.yml"),
    )
    .unwrap();
    let out = init_in(
        dir.path(),
        &[
            "--strategy",
            "smtp",
            "--provider",
            "sendgrid",
            "--password-stdin",
            "--merge",
            "kratos.yml",
        ],
        Some("SG.key-1\n"),
    );
    assert_eq!(out.code, 0, "{}", out.all());
    golden(
        &root().join("tests/snapshots/init/merged-new.yml"),
        &std::fs::read_to_string(dir.path().join("kratos.yml")).unwrap(),
    );
    // An existing section is kept unless --force, then replaced in place.
    std::fs::copy(
        root().join("tests/fixtures/init/kratos.yml"),
        dir.path().join("kratos.yml"),
    )
    .unwrap();
    let out = init_in(
        dir.path(),
        &[
            "--strategy",
            "http",
            "--provider",
            "sendgrid",
            "--merge",
            "kratos.yml",
        ],
        None,
    );
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("--force"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("kratos.yml")).unwrap(),
        std::fs::read_to_string(root().join("tests/fixtures/init/kratos.yml")).unwrap()
    );
    let out = init_in(
        dir.path(),
        &[
            "--strategy",
            "http",
            "--provider",
            "sendgrid",
            "--sms",
            "twilio-like",
            "--merge",
            "kratos.yml",
            "--force",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let merged = std::fs::read_to_string(dir.path().join("kratos.yml")).unwrap();
    golden(
        &root().join("tests/snapshots/init/merged-replaced.yml"),
        &merged,
    );
    assert!(
        !merged.contains("legacy-relay")
            && merged.contains("# noisy on purpose")
            && merged.contains("# Recovery by code.")
    );
    assert!(
        dir.path().join("courier-sendgrid.jsonnet").exists()
            && dir.path().join("courier-sms.jsonnet").exists()
    );
    let check = run(dir.path(), &["check-config", "-c", "kratos.yml"], &[], None);
    assert_eq!(check.code, 0, "{}", check.all());
}

#[test]
fn uri_refuses_what_cannot_work() {
    let cases: [(&[&str], Option<&str>); 5] = [
        (&["--host", "mail.acme.test", "--port", "0"], None),
        (
            &[
                "--host",
                "mail.acme.test",
                "--user",
                "u",
                "--password-stdin",
            ],
            Some("\n"),
        ),
        (
            &[
                "--host",
                "mail.acme.test",
                "--user",
                "u",
                "--password-stdin",
            ],
            Some(""),
        ),
        (&["--provider", "mailgun", "--password-stdin"], Some("pw\n")),
        (
            &[
                "--provider",
                "ses",
                "--region",
                "eu-west-1",
                "--password-stdin",
            ],
            Some("pw\n"),
        ),
    ];
    let mut shown = String::new();
    for (args, stdin) in cases {
        let mut all = vec!["uri"];
        all.extend(args);
        let out = run(&root(), &all, &[], stdin);
        assert_eq!(out.code, 2, "{args:?}: {}", out.all());
        assert!(out.stdout.is_empty(), "{args:?}: no URI: {}", out.stdout);
        shown.push_str(&format!("$ courier {}\n{}", all.join(" "), out.stderr));
    }
    golden(&root().join("tests/snapshots/uri/refusals.txt"), &shown);
}

#[test]
fn decode_reads_the_uri_from_stdin_or_the_config() {
    let uri = "smtps://courier:Se%2Fcret-42@mail.acme.test:465/?server_name=mx.acme.test";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("k.yml"),
        format!("courier:\n  smtp:\n    connection_uri: {uri}\n"),
    )
    .unwrap();
    let given = run(dir.path(), &["uri", "--decode", uri], &[], None);
    assert_eq!(given.code, 0, "{}", given.all());
    assert!(given.stdout.contains("mx.acme.test"), "{}", given.stdout);
    let stdin = run(
        dir.path(),
        &["uri", "--decode", "-"],
        &[],
        Some(&format!("{uri}\n")),
    );
    let config = run(dir.path(), &["uri", "--decode", "-c", "k.yml"], &[], None);
    for out in [&stdin, &config] {
        assert_eq!(out.code, 0, "{}", out.all());
        assert_eq!(out.stdout, given.stdout);
        assert!(!out.all().contains("Se%2Fcret") && !out.all().contains("Se/cret"));
    }
    // The environment overrides the file, as for Kratos.
    let env = run(
        dir.path(),
        &["uri", "--decode", "-c", "k.yml"],
        &[("COURIER_SMTP_CONNECTION_URI", "smtp://relay.acme.test:25/")],
        None,
    );
    assert!(env.stdout.contains("relay.acme.test"), "{}", env.all());
    // ... and alone, as Kratos reads it without a file.
    let env = run(
        dir.path(),
        &["uri", "--decode"],
        &[("COURIER_SMTP_CONNECTION_URI", "smtp://relay.acme.test:25/")],
        None,
    );
    assert!(env.stdout.contains("relay.acme.test"), "{}", env.all());

    // The port is a number, as in `courier uri --format json`.
    let json = run(
        dir.path(),
        &["uri", "--decode", uri, "--format", "json"],
        &[],
        None,
    );
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["port"], 465, "{}", json.stdout);
    // One character is one character.
    let one = run(
        dir.path(),
        &["uri", "--decode", "smtp://u:p@mail.acme.test:587/"],
        &[],
        None,
    );
    assert!(one.stdout.contains("*** (1 character)\n"), "{}", one.stdout);
    std::fs::write(dir.path().join("none.yml"), "courier:\n  smtp: {}\n").unwrap();
    let big = "x".repeat(5000);
    let cases: [(&[&str], Option<&str>, i32, &str); 5] = [
        (&["--decode"], None, 2, "--decode needs a URI"),
        (&["--decode", "-"], Some("\n"), 2, "no URI to decode"),
        (&["--decode", "-"], Some(&big), 65, "larger than 4 KiB"),
        (&["--decode", uri, "-c", "k.yml"], None, 2, "not both"),
        (
            &["--decode", "-c", "none.yml"],
            None,
            78,
            "connection_uri is not set",
        ),
    ];
    for (args, stdin, code, says) in cases {
        let mut all = vec!["uri"];
        all.extend(args);
        let out = run(dir.path(), &all, &[], stdin);
        assert_eq!(out.code, code, "{args:?}: {}", out.all());
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
}
