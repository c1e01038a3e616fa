//! Email and SMS templates: the built-ins of every type, Kratos' override
//! precedence, i18n partials, HTML escaping, `<no value>`, unknown
//! functions, and `send --template` over SMTP and HTTP.

use std::path::Path;

use crate::support::smtp::{Mode, Sink};
use crate::support::{Output, b64, golden, root, run};

fn render(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["render", "-c", "kratos.yml"];
    all.extend(args);
    run(dir, &all, &[], None)
}

use courier::message::{EMAIL_TYPES, SMS_TYPES};

fn smtp_config(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kratos.yml"),
        format!("serve:\n  public:\n    base_url: https://auth.example.com/\ncourier:\n  smtp:\n    connection_uri: smtps://mail.example.com:465/\n  channels:\n    - id: sms\n      type: http\n      request_config:\n        url: https://sms.example.com/send\n        method: POST\n        body: base64://ZnVuY3Rpb24oY3R4KSB7IHRvOiBjdHgucmVjaXBpZW50LCBib2R5OiBjdHguYm9keSB9Cg==\n{extra}"),
    )
    .unwrap();
    dir
}

/// courier's built-ins read only the fields each release's models have:
/// every type of every release renders, with no `<no value>`, and the
/// passages about fields a release lacks are left out.
#[test]
fn builtin_templates_render_for_every_type_of_every_release() {
    let releases = [
        "v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0", "v1.3.1", "v25.4.0", "v26.2.0", "master",
    ];
    for release in releases {
        let dir = tempfile::tempdir().unwrap();
        let smtp = "courier:\n  smtp:\n    connection_uri: smtps://mail.example.com:465/\n";
        let channels = "  channels:\n    - id: sms\n      type: http\n      request_config:\n        url: https://sms.example.com/send\n        method: POST\n        body: base64://ZnVuY3Rpb24oY3R4KSB7IHRvOiBjdHgucmVjaXBpZW50LCBib2R5OiBjdHguYm9keSB9Cg==\n";
        std::fs::write(dir.path().join("kratos.yml"), smtp).unwrap();
        std::fs::write(dir.path().join("sms.yml"), format!("{smtp}{channels}")).unwrap();
        let mut args = vec!["--all-templates", "--kratos-version", release];
        let email = render(dir.path(), &args);
        assert_eq!(email.code, 0, "{release}: {}", email.all());
        assert!(
            !email.stdout.contains("<no value>"),
            "{release}: {}",
            email.stdout
        );
        let expires = email.stdout.contains("minutes");
        assert_eq!(
            expires,
            release.starts_with("v2") || release == "master",
            "{release}"
        );
        assert!(
            email
                .stderr
                .contains(&format!("not the texts Kratos {release} sends")),
            "{release}: {}",
            email.stderr
        );
        args.extend(["--channel", "sms"]);
        if release != "v1.0.0" {
            args.extend(["-c", "sms.yml"]);
        }
        let sms = render(dir.path(), &args);
        if release == "v1.0.0" {
            assert_eq!(sms.code, 2, "{}", sms.all());
            assert!(
                sms.stderr.contains("sends no template type by sms"),
                "{}",
                sms.stderr
            );
        } else {
            assert_eq!(sms.code, 0, "{release}: {}", sms.all());
            assert!(
                !sms.stdout.contains("<no value>"),
                "{release}: {}",
                sms.stdout
            );
        }
    }
}

#[test]
fn builtin_templates_of_every_type_are_golden() {
    let dir = smtp_config("");
    let mut email = String::new();
    for (ty, _) in EMAIL_TYPES {
        for part in ["subject", "text", "html"] {
            let args = [
                "--template",
                ty,
                "--part",
                part,
                "--kratos-version",
                "master",
            ];
            let out = render(dir.path(), &args);
            assert_eq!(out.code, 0, "{ty} {part}: {}", out.all());
            assert!(
                !out.stdout.contains("<no value>"),
                "{ty} {part}: {}",
                out.stdout
            );
            email.push_str(&format!("==== {ty} {part}\n{}\n", out.stdout));
        }
    }
    golden(
        &root().join("tests/snapshots/templates/builtin-email.txt"),
        &email,
    );
    let mut sms = String::new();
    for (ty, _) in SMS_TYPES {
        let out = render(
            dir.path(),
            &[
                "--template",
                ty,
                "--channel",
                "sms",
                "--part",
                "sms",
                "--kratos-version",
                "master",
            ],
        );
        assert_eq!(out.code, 0, "{ty}: {}", out.all());
        sms.push_str(&format!("==== {ty}\n{}\n", out.stdout));
    }
    golden(
        &root().join("tests/snapshots/templates/builtin-sms.txt"),
        &sms,
    );
}

#[test]
fn override_precedence_partials_and_broken_overrides() {
    let base = root().join("tests/fixtures/configs/valid");
    let scratch = tempfile::tempdir().expect("temp dir");
    let data = scratch.path().join("data-de.yml");
    std::fs::write(&data, "transient_payload:\n  lang: de\n").unwrap();
    let run_in = |args: &[&str]| {
        run(
            &base,
            &[&["render", "-c", "override-dir.yml"][..], args].concat(),
            &[],
            None,
        )
    };
    // Config URI wins for the subject (trimmed), the directory for plaintext, the built-in for HTML.
    let out = run_in(&["--template", "recovery_code_valid", "--part", "subject"]);
    assert_eq!(out.stdout, "Dein Code: 742913", "{}", out.all());
    let out = run_in(&["--template", "recovery_code_valid", "--part", "text"]);
    assert_eq!(
        out.stdout,
        "Hello,\n\nyour code is 742913.\n\n",
        "{}",
        out.all()
    );
    let out = run_in(&[
        "--template",
        "recovery_code_valid",
        "--part",
        "text",
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(
        out.stdout,
        "Hallo,\n\nIhr Code lautet 742913.\n\n",
        "i18n partial: {}",
        out.all()
    );
    let out = run_in(&["--template", "recovery_code_valid", "--part", "html"]);
    assert!(
        out.stdout.contains("<strong>742913</strong>"),
        "built-in HTML: {}",
        out.stdout
    );
    // A broken override is an error, not a fallback.
    let dir = smtp_config(
        "  templates:\n    login_code:\n      valid:\n        email:\n          subject: file://./missing.gotmpl\n",
    );
    let out = render(
        dir.path(),
        &["--template", "login_code_valid", "--part", "subject"],
    );
    assert_eq!(out.code, 65, "{}", out.all());
    assert!(out.stderr.contains("missing.gotmpl"), "{}", out.stderr);
}

#[test]
fn html_escaping_no_value_and_unknown_functions() {
    let dir = smtp_config("  template_override_path: ./t\n");
    let t = dir.path().join("t/recovery/valid");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(t.join("email.body.gotmpl"), "<p title=\"{{ .Identity.traits.name }}\">{{ .Identity.traits.name }}</p><a href=\"{{ .RecoveryURL }}\">x</a>[{{ .Identity.nope }}]\n").unwrap();
    std::fs::write(
        t.join("email.body.plaintext.gotmpl"),
        "{{ .Identity.traits.name }} [{{ .Identity.nope }}]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("data.yml"), "recovery_url: https://auth.example.com/r?a=1&b=<2>\nidentity:\n  traits:\n    name: \"<script>alert('x')</script>\"\n").unwrap();
    let out = render(
        dir.path(),
        &[
            "--template",
            "recovery_valid",
            "--part",
            "html",
            "--data",
            "data.yml",
        ],
    );
    assert_eq!(
        out.stdout,
        "<p title=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p><a href=\"https://auth.example.com/r?a=1&amp;b=%3c2%3e\">x</a>[]\n",
        "{}",
        out.all()
    );
    let out = render(
        dir.path(),
        &[
            "--template",
            "recovery_valid",
            "--part",
            "text",
            "--data",
            "data.yml",
        ],
    );
    assert_eq!(
        out.stdout,
        "<script>alert('x')</script> [<no value>]\n",
        "{}",
        out.all()
    );
    std::fs::write(t.join("email.subject.gotmpl"), "Hi\n{{ .To | shuffle }}\n").unwrap();
    let out = render(
        dir.path(),
        &["--template", "recovery_valid", "--part", "subject"],
    );
    assert_eq!(out.code, 65, "{}", out.all());
    assert!(
        out.stderr.contains("function \"shuffle\" not defined") && out.stderr.contains(":2:"),
        "{}",
        out.stderr
    );
}

/// Go's comment and trim rules in an override file: the expected bytes and
/// error are Go 1.19's (`tests/fixtures/gotemplate/comments.go` prints them
/// for the same text).
#[test]
fn comments_in_an_override_as_go() {
    let dir = smtp_config("  template_override_path: ./t\n");
    let t = dir.path().join("t/recovery/valid");
    std::fs::create_dir_all(&t).unwrap();
    let file = t.join("email.body.plaintext.gotmpl");
    std::fs::write(
        &file,
        "Hello  {{- /* greeting */}}  there\n{{- /* one\ntwo */}}\nBye\u{a0} {{- /* x */ -}} \u{a0}end\n",
    )
    .unwrap();
    let text = ["--template", "recovery_valid", "--part", "text"];
    let out = render(dir.path(), &text);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(
        out.stdout,
        "Hello  there\nBye\u{a0}\u{a0}end\n",
        "{}",
        out.all()
    );
    // gotmpl alone accepts `{{/* c */  -}}`; Go names the line and the open `if`.
    std::fs::write(
        &file,
        "one\n{{/* two\nthree */}}\n{{ if .RecoveryURL }}\n{{/* c */  -}}\n{{ end }}\n",
    )
    .unwrap();
    let out = render(dir.path(), &text);
    assert_eq!(out.code, 65, "{}", out.all());
    assert!(
        out.stderr.contains(
            "template: email.body.plaintext.gotmpl:5: comment ends before closing delimiter in action started at email.body.plaintext.gotmpl:4"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn send_with_template_over_smtp_and_http() {
    use crate::support::smtp::{PASSWORD_ENCODED, USER, certs};
    let sink = Sink::start(Mode::Smtps, true);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kratos.yml"),
        format!("courier:\n  smtp:\n    connection_uri: smtps://{USER}:{PASSWORD_ENCODED}@127.0.0.1:{}/\n    from_address: accounts@example.com\n", sink.port),
    )
    .unwrap();
    let ca = certs().ca.display().to_string();
    let out = run(
        dir.path(),
        &[
            "send",
            "-c",
            "kratos.yml",
            "--to",
            "jane@example.com",
            "--template",
            "login_code_valid",
        ],
        &[("SSL_CERT_FILE", ca.as_str())],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let m = &sink.messages(1)[0];
    assert!(
        m.eml.contains("Subject: Your sign-in code\r\n"),
        "{}",
        m.eml
    );
    assert!(
        m.eml.contains("text/plain") && m.eml.contains("text/html"),
        "both parts"
    );
    assert!(m.eml.contains("<strong>742913</strong>"), "{}", m.eml);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(wiremock::MockServer::start());
    rt.block_on(
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .respond_with(wiremock::ResponseTemplate::new(200))
            .mount(&server),
    );
    std::fs::write(
        dir.path().join("kratos.yml"),
        format!("courier:\n  delivery_strategy: http\n  http:\n    request_config:\n      url: {}/send\n      body: base64://ZnVuY3Rpb24oY3R4KSB7IHM6IGN0eC5zdWJqZWN0LCBiOiBjdHguYm9keSwgaDogY3R4Lmh0bWxfYm9keSB9Cg==\n", server.uri()),
    )
    .unwrap();
    let out = run(
        dir.path(),
        &[
            "send",
            "-c",
            "kratos.yml",
            "--to",
            "jane@example.com",
            "--template",
            "login_code_valid",
        ],
        &[],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let reqs = rt.block_on(server.received_requests()).unwrap();
    let body: serde_json::Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert_eq!(body["s"], "Your sign-in code");
    assert!(
        body["b"].as_str().unwrap().contains("742913")
            && body["h"]
                .as_str()
                .unwrap()
                .contains("<strong>742913</strong>"),
        "{body}"
    );
}

#[test]
fn out_dir_gets_eml_and_html_per_type() {
    let dir = smtp_config("");
    let out = render(
        dir.path(),
        &["--all-templates", "--out", "out", "--part", "subject"],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    for ty in courier::message::Channel::Email.types(courier::release::Release::DEFAULT) {
        let eml = std::fs::read_to_string(dir.path().join(format!("out/{ty}.eml"))).unwrap();
        assert!(eml.starts_with("MIME-Version: 1.0\r\nDate: "), "{ty}");
        assert!(eml.contains("multipart/alternative"), "{ty}");
        let html = std::fs::read_to_string(dir.path().join(format!("out/{ty}.html"))).unwrap();
        assert!(html.starts_with("<p>"), "{ty}: {html}");
    }
    let out = render(
        dir.path(),
        &[
            "--all-templates",
            "--channel",
            "sms",
            "--out",
            "out",
            "--part",
            "sms",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(dir.path().join("out/login_code_valid.txt").exists());
}

/// A valid SMTP config has no HTTP request to show: asking for one is a
/// usage error (2), never "the config has an error" (78).
#[test]
fn render_payload_of_smtp_email_is_a_usage_error() {
    let dir = smtp_config("");
    let check = run(dir.path(), &["check-config", "-c", "kratos.yml"], &[], None);
    assert_eq!(check.code, 0, "{}", check.all());
    for part in ["payload", "request"] {
        let out = render(
            dir.path(),
            &["--template", "recovery_code_valid", "--part", part],
        );
        assert_eq!(out.code, 2, "{part}: {}", out.all());
        assert!(
            out.stderr
                .contains(&format!("--part {part} is the HTTP request"))
                && out.stderr.contains("--channel sms"),
            "{part}: {}",
            out.stderr
        );
    }
    // The SMS channel of the same config goes over HTTP: its payload renders.
    let out = render(
        dir.path(),
        &[
            "--template",
            "recovery_code_valid",
            "--channel",
            "sms",
            "--part",
            "payload",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
}

/// `--data` keys no template data has are named, with the JSON name of a
/// Go field; a known key is not; `--to` is the sample identity's address.
#[test]
fn data_keys_are_checked_and_sample_data_follows_to() {
    let dir = smtp_config("");
    std::fs::write(
        dir.path().join("data.yml"),
        "RecoveryCode: '123456'\nexpires_in_minuts: 5\nzzz: 1\nrecovery_code: '654321'\n",
    )
    .unwrap();
    let out = render(
        dir.path(),
        &[
            "--template",
            "recovery_code_valid",
            "--data",
            "data.yml",
            "--to",
            "jane@acme.test",
            "--part",
            "ctx",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    golden(
        &root().join("tests/snapshots/render/data-unknown-keys.txt"),
        &out.stderr,
    );
    assert!(
        !out.stderr.contains("key `recovery_code`"),
        "{}",
        out.stderr
    );
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let td = &json["ctx"]["template_data"];
    assert_eq!(td["to"], "jane@acme.test");
    assert_eq!(td["identity"]["traits"]["email"], "jane@acme.test");
    assert_eq!(
        td["identity"]["recovery_addresses"][0]["value"],
        "jane@acme.test"
    );
    assert!(
        !out.stdout.contains("jane.doe@example.com"),
        "{}",
        out.stdout
    );
    // Over all types, a key any of them has is known.
    std::fs::write(
        dir.path().join("data.yml"),
        "recovery_code: '1'\nlogin_code: '2'\n",
    )
    .unwrap();
    let out = render(
        dir.path(),
        &["--all-templates", "--data", "data.yml", "--format", "json"],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    // send warns alike (before it delivers).
    let sink = Sink::start(Mode::Plain, false);
    let port = sink.port.to_string();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kratos.yml"),
        format!("courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:{port}/?disable_starttls=true\n    from_address: no-reply@acme.test\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("data.yml"), "RecoveryCode: '123456'\n").unwrap();
    let out = run(
        dir.path(),
        &[
            "send",
            "-c",
            "kratos.yml",
            "--to",
            "jane@acme.test",
            "--template",
            "recovery_code_valid",
            "--data",
            "data.yml",
        ],
        &[],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stderr.contains("did you mean `recovery_code`?"),
        "{}",
        out.stderr
    );
}

/// One did-you-mean for a mistyped template type in every command, and
/// the channel that sends a type the other one does not.
#[test]
fn unknown_template_types_get_a_did_you_mean() {
    let dir = smtp_config("");
    let mut shown = String::new();
    for args in [
        &[
            "render",
            "-c",
            "kratos.yml",
            "--template",
            "recovery_code_vaild",
        ][..],
        &[
            "render",
            "-c",
            "kratos.yml",
            "--template",
            "recovery_valid",
            "--channel",
            "sms",
        ],
        &["render", "-c", "kratos.yml", "--template", "banana"],
        &[
            "send",
            "-c",
            "kratos.yml",
            "--to",
            "jane@acme.test",
            "--template",
            "login_code_vaild",
        ],
        &[
            "test",
            "-c",
            "kratos.yml",
            "--channel",
            "sms",
            "--template",
            "login_cod_valid",
        ],
    ] {
        let out = run(dir.path(), args, &[], None);
        assert_eq!(out.code, 2, "{args:?}: {}", out.all());
        shown.push_str(&format!("$ courier {}\n{}", args.join(" "), out.stderr));
    }
    golden(
        &root().join("tests/snapshots/templates/unknown-types.txt"),
        &shown,
    );
}

/// An HTML template that fails: Kratos logs it and sends the text part
/// alone over SMTP, and leaves `html_body` out of the HTTP ctx; one that
/// renders empty still gives an empty text/html part
/// (templates-by-release §4c, delivery-by-release §5). courier warns.
#[test]
fn a_failing_html_template_falls_back_to_text_and_an_empty_one_is_kept() {
    use crate::support::smtp::{PASSWORD_ENCODED, USER, certs};
    let sink = Sink::start(Mode::Smtps, true);
    let dir = tempfile::tempdir().unwrap();
    let ca = certs().ca.display().to_string();
    let templates = "  templates:\n    login_code:\n      valid:\n        email:\n          body:\n            html: file://./body.html.gotmpl\n";
    let smtp = format!(
        "courier:\n  smtp:\n    connection_uri: smtps://{USER}:{PASSWORD_ENCODED}@127.0.0.1:{}/\n    from_address: accounts@example.com\n{templates}",
        sink.port
    );
    std::fs::write(dir.path().join("kratos.yml"), &smtp).unwrap();
    let html = |text: &str| std::fs::write(dir.path().join("body.html.gotmpl"), text).unwrap();
    let send = |n: usize| {
        let out = run(
            dir.path(),
            &[
                "send",
                "-c",
                "kratos.yml",
                "--to",
                "jane@example.com",
                "--template",
                "login_code_valid",
            ],
            &[("SSL_CERT_FILE", ca.as_str())],
            None,
        );
        assert_eq!(out.code, 0, "{}", out.all());
        (out, sink.messages(n + 1).swap_remove(n))
    };

    html("<p>{{ .Nope }}</p>\n");
    let out = render(
        dir.path(),
        &["--template", "login_code_valid", "--part", "html"],
    );
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", out.all());
    assert!(
        out.stderr
            .contains("HTML template of login_code_valid fails")
            && out.stderr.contains("sends the text part alone")
            && out.stderr.contains("Nope"),
        "{}",
        out.all()
    );
    let (out, m) = send(0);
    assert!(
        out.stderr.contains("sends the text part alone"),
        "{}",
        out.all()
    );
    assert!(
        m.eml
            .contains("Content-Type: text/plain; charset=UTF-8\r\n")
            && !m.eml.contains("multipart")
            && !m.eml.contains("text/html"),
        "{}",
        m.eml
    );
    assert!(m.eml.contains("742913"), "{}", m.eml);

    html("{{ if false }}x{{ end }}");
    let (out, m) = send(1);
    assert!(!out.stderr.contains("warning"), "{}", out.all());
    let boundary = m
        .eml
        .split("boundary=")
        .nth(1)
        .and_then(|b| b.split("\r\n").next())
        .expect("a multipart message")
        .to_owned();
    assert!(
        m.eml.contains(&format!(
            "--{boundary}\r\nContent-Transfer-Encoding: quoted-printable\r\n\
             Content-Type: text/html; charset=UTF-8\r\n\r\n\r\n--{boundary}--\r\n"
        )),
        "an empty text/html part: {}",
        m.eml
    );

    // Over HTTP, the failure leaves html_body out of the ctx.
    html("<p>{{ .Nope }}</p>\n");
    std::fs::write(
        dir.path().join("kratos.yml"),
        format!("courier:\n  delivery_strategy: http\n  http:\n    request_config:\n      url: https://mail.example.com/send\n      body: base64://ZnVuY3Rpb24oY3R4KSB7IGM6IGN0eCB9Cg==\n{templates}"),
    )
    .unwrap();
    let out = render(
        dir.path(),
        &["--template", "login_code_valid", "--part", "ctx"],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let ctx: serde_json::Value = serde_json::from_str(&out.stdout).expect("the ctx");
    assert!(
        ctx.get("html_body").is_none()
            && ctx["body"].as_str().is_some_and(|b| b.contains("742913")),
        "{ctx}"
    );
    assert!(
        out.stderr.contains("leaves html_body out of the ctx"),
        "{}",
        out.all()
    );
}

/// Over HTTP the templates and the Jsonnet body run in one round trip to
/// the sandbox, which puts the texts into the ctx itself. With the identity
/// body, what goes out must be the very ctx courier builds from the texts:
/// a padded subject (trimmed), an empty or failing HTML part (left out),
/// SMS, every release's ctx.
#[test]
fn the_body_sees_the_ctx_built_from_the_texts() {
    let dir = tempfile::tempdir().unwrap();
    let identity = b64("function(ctx) ctx\n");
    let templates = "  templates:\n    login_code:\n      valid:\n        email:\n          subject: file://./subject.gotmpl\n          body:\n            html: file://./body.html.gotmpl\n";
    std::fs::write(
        dir.path().join("kratos.yml"),
        format!(
            "courier:\n  delivery_strategy: http\n  http:\n    request_config:\n      url: https://mail.example.com/send\n      body: base64://{identity}\n  channels:\n    - id: sms\n      type: http\n      request_config:\n        url: https://sms.example.com/send\n        body: base64://{identity}\n{templates}"
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("subject.gotmpl"), "  Your code \u{2003}\n").unwrap();
    let cases = [
        ("<p>{{ .LoginCode }}</p>\n", true),
        ("", false),
        ("<p>{{ .Nope }}</p>\n", false),
    ];
    for (html, has_html) in cases {
        std::fs::write(dir.path().join("body.html.gotmpl"), html).unwrap();
        for release in ["v1.2.0", "v1.3.1", "v25.4.0", "v26.2.0", "master"] {
            for (ty, channel) in [("login_code_valid", "email"), ("login_code_valid", "sms")] {
                let out = render(
                    dir.path(),
                    &[
                        "--template",
                        ty,
                        "--channel",
                        channel,
                        "--format",
                        "json",
                        "--kratos-version",
                        release,
                    ],
                );
                let what = format!("{release} {channel} html {html:?}");
                assert_eq!(out.code, 0, "{what}: {}", out.all());
                let r: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
                let r = if r.is_array() { r[0].clone() } else { r };
                let sent: serde_json::Value =
                    serde_json::from_str(r["request"]["body"].as_str().expect("a body"))
                        .expect("the body is JSON");
                assert_eq!(sent, r["ctx"], "{what}");
                if channel == "email" {
                    assert_eq!(sent["subject"], "Your code", "{what}");
                    let html_in_ctx = has_html && release != "v1.2.0" && release != "v1.3.1";
                    assert_eq!(sent.get("html_body").is_some(), html_in_ctx, "{what}");
                }
            }
        }
    }
}
