//! HTTP delivery and Jsonnet payloads: `courier send` against a real HTTP
//! server (wiremock), and `courier render` against go-jsonnet 0.21 (the
//! engine Kratos uses) byte for byte.

use std::path::Path;
use std::time::Duration;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::smtp::python;
use crate::support::{Output, golden, root, run, runtime};

const API_KEY: &str = "Http-Api-Key-9931";
const BASIC_PW: &str = "Http-Basic-Pw-4417";

fn config(dir: &Path, yaml: &str) {
    std::fs::write(dir.join("kratos.yml"), yaml).expect("write config");
}

fn courier(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec![args[0], "-c", "kratos.yml"];
    all.extend(&args[1..]);
    let out = run(dir, &all, &[], None);
    for s in [API_KEY, BASIC_PW] {
        assert!(
            !out.all().contains(s),
            "a secret was printed: {}",
            out.all()
        );
    }
    out
}

fn email_config(url: &str, extra_headers: &str) -> String {
    format!(
        "courier:\n  delivery_strategy: http\n  http:\n    request_config:\n      url: {url}\n      method: POST\n      headers:\n        Content-Type: application/json\n{extra_headers}      body: file://./body.jsonnet\n      auth:\n        type: api_key\n        config:\n          name: X-Api-Key\n          value: {API_KEY}\n          in: header\n"
    )
}

const BODY: &str = "function(ctx) { to: ctx.recipient, subject: ctx.subject, text: ctx.body, html: if 'html_body' in ctx then ctx.html_body else null, type: ctx.template_type, n: 0.1 }\n";

#[test]
fn email_over_http_sends_the_exact_request() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("POST"))
            .and(path("/v3/mail/send"))
            .respond_with(ResponseTemplate::new(202))
            .expect(1)
            .mount(&server),
    );
    let dir = tempfile::tempdir().unwrap();
    config(
        dir.path(),
        &email_config(
            &format!("{}/v3/mail/send", server.uri()),
            "        x-trace: abc\n",
        ),
    );
    std::fs::write(dir.path().join("body.jsonnet"), BODY).unwrap();
    let out = courier(
        dir.path(),
        &[
            "send",
            "--to",
            "jane@example.com",
            "--subject",
            " Hi ",
            "--text",
            "Hello",
            "--html",
            "<b>Hello</b>",
        ],
    );
    assert_eq!(out.code, 0, "202 is success: {}", out.all());
    assert!(
        out.stdout.starts_with("sent jane@example.com via http "),
        "{}",
        out.stdout
    );
    let reqs = rt.block_on(server.received_requests()).expect("recorded");
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.headers.get("x-api-key").unwrap(), API_KEY);
    assert_eq!(r.headers.get("x-trace").unwrap(), "abc");
    assert_eq!(r.headers.get("content-type").unwrap(), "application/json");
    assert_eq!(
        String::from_utf8(r.body.clone()).unwrap(),
        "{\n   \"html\": \"<b>Hello</b>\",\n   \"n\": 0.10000000000000001,\n   \"subject\": \"Hi\",\n   \"text\": \"Hello\",\n   \"to\": \"jane@example.com\",\n   \"type\": \"stub\"\n}\n"
    );
    rt.block_on(server.verify());
}

#[test]
fn failures_show_status_and_body_and_time_out() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(path("/500"))
            .respond_with(ResponseTemplate::new(500).set_body_string("upstream exploded: quota"))
            .mount(&server),
    );
    rt.block_on(
        Mock::given(path("/400"))
            .respond_with(ResponseTemplate::new(400).set_body_string("bad from address"))
            .mount(&server),
    );
    rt.block_on(
        Mock::given(path("/429"))
            .respond_with(ResponseTemplate::new(429))
            .mount(&server),
    );
    rt.block_on(
        Mock::given(path("/stall"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(20)))
            .mount(&server),
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("body.jsonnet"), BODY).unwrap();
    for (p, code, needle) in [
        ("/500", 75, "upstream exploded: quota"),
        ("/400", 69, "bad from address"),
        ("/429", 75, "429"),
        ("/stall", 75, "timed out"),
    ] {
        config(
            dir.path(),
            &email_config(&format!("{}{p}", server.uri()), ""),
        );
        let out = courier(
            dir.path(),
            &[
                "send",
                "--to",
                "a@example.com",
                "--subject",
                "s",
                "--text",
                "t",
                "--timeout",
                "1",
            ],
        );
        assert_eq!(out.code, code, "{p}: {}", out.all());
        assert!(out.stderr.contains(needle), "{p}: {}", out.stderr);
    }
}

#[test]
fn sms_channel_form_body_with_basic_auth_and_cookie_auth() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201))
            .mount(&server),
    );
    rt.block_on(
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server),
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sms.jsonnet"),
        "function(ctx) { To: ctx.recipient, From: '+15555550100', Body: ctx.body }\n",
    )
    .unwrap();
    let yaml = format!(
        "courier:\n  smtp:\n    connection_uri: smtp://localhost:25/\n  channels:\n    - id: sms\n      type: http\n      request_config:\n        url: {}/Messages.json\n        method: POST\n        headers:\n          Content-Type: application/x-www-form-urlencoded\n        body: file://./sms.jsonnet\n        auth:\n          type: basic_auth\n          config:\n            user: AC1\n            password: {BASIC_PW}\n",
        server.uri()
    );
    config(dir.path(), &yaml);
    let out = courier(
        dir.path(),
        &[
            "send",
            "--channel",
            "sms",
            "--to",
            "+15555550123",
            "--text",
            "Code: 1 2+3",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let reqs = rt.block_on(server.received_requests()).unwrap();
    let r = &reqs[0];
    let expected_auth = format!("Basic {}", crate::support::b64(&format!("AC1:{BASIC_PW}")));
    assert_eq!(
        r.headers.get("authorization").unwrap().to_str().unwrap(),
        expected_auth
    );
    assert_eq!(
        String::from_utf8(r.body.clone()).unwrap(),
        "Body=Code%3A+1+2%2B3&From=%2B15555550100&To=%2B15555550123"
    );
    // Cookie auth.
    config(dir.path(), &yaml.replace("type: basic_auth\n          config:\n            user: AC1\n            password:", "type: api_key\n          config:\n            name: session\n            in: cookie\n            value:"));
    let out = courier(
        dir.path(),
        &[
            "send",
            "--channel",
            "sms",
            "--to",
            "+15555550123",
            "--text",
            "x",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let reqs = rt.block_on(server.received_requests()).unwrap();
    assert_eq!(
        reqs[1].headers.get("cookie").unwrap().to_str().unwrap(),
        format!("session={BASIC_PW}")
    );
    // A channel without method sends GET, with a body, as Kratos does.
    config(dir.path(), &yaml.replace("        method: POST\n", ""));
    let out = courier(
        dir.path(),
        &[
            "send",
            "--channel",
            "sms",
            "--to",
            "+15555550123",
            "--text",
            "x",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let reqs = rt.block_on(server.received_requests()).unwrap();
    assert_eq!(reqs[2].method.as_str(), "GET");
}

/// A form body as Go's `map[string]string` reads it: a `null` value is
/// sent as `key=`, keys sorted, spaces as `+`; a number fails the message
/// with Go's error and nothing is sent.
#[test]
fn form_body_nulls_are_empty_values_and_numbers_fail() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201))
            .mount(&server),
    );
    let dir = tempfile::tempdir().unwrap();
    let body = |code: &str| std::fs::write(dir.path().join("sms.jsonnet"), code).unwrap();
    body("function(ctx) { To: ctx.recipient, Media: null, Body: ctx.body, a_b: 'x y' }\n");
    let yaml = format!(
        "courier:\n  smtp:\n    connection_uri: smtp://localhost:25/\n  channels:\n    - id: sms\n      type: http\n      request_config:\n        url: {}/Messages.json\n        method: POST\n        headers:\n          Content-Type: application/x-www-form-urlencoded\n        body: file://./sms.jsonnet\n",
        server.uri()
    );
    config(dir.path(), &yaml);
    let send = || {
        courier(
            dir.path(),
            &[
                "send",
                "--channel",
                "sms",
                "--to",
                "+15555550123",
                "--text",
                "Code: 1 2+3",
            ],
        )
    };
    let out = send();
    assert_eq!(out.code, 0, "{}", out.all());
    let reqs = rt.block_on(server.received_requests()).unwrap();
    assert_eq!(
        String::from_utf8(reqs[0].body.clone()).unwrap(),
        "Body=Code%3A+1+2%2B3&Media=&To=%2B15555550123&a_b=x+y"
    );
    let check = run(dir.path(), &["check-config", "-c", "kratos.yml"], &[], None);
    assert!(
        !check.all().contains("form-body-not-strings"),
        "{}",
        check.all()
    );

    body("function(ctx) { To: ctx.recipient, Media: null, Count: 1 }\n");
    let out = send();
    assert_ne!(out.code, 0, "{}", out.all());
    assert!(
        out.stderr
            .contains("json: cannot unmarshal number into Go value of type string"),
        "{}",
        out.all()
    );
    assert_eq!(rt.block_on(server.received_requests()).unwrap().len(), 1);
    let check = run(dir.path(), &["check-config", "-c", "kratos.yml"], &[], None);
    assert!(
        check.all().contains("form-body-not-strings") && check.all().contains("`Count` (number)"),
        "{}",
        check.all()
    );
}

/// go-jsonnet 0.21's output for `body` with TLA `ctx`.
fn gojsonnet(body: &Path, ctx: &serde_json::Value) -> String {
    let out = std::process::Command::new(python())
        .args([
            "-c",
            "import _gojsonnet, sys; sys.stdout.write(_gojsonnet.evaluate_file(sys.argv[1], tla_codes={'ctx': sys.argv[2]}))",
        ])
        .arg(body)
        .arg(ctx.to_string())
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "gojsonnet failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn payloads_match_go_jsonnet_byte_for_byte() {
    let bodies = [
        root().join("tests/examples/sendgrid.jsonnet"),
        root().join("tests/examples/postmark.jsonnet"),
        root().join("tests/fixtures/jsonnet/stress.jsonnet"),
        root().join("tests/fixtures/jsonnet/identity.jsonnet"),
        root().join("src/message/templates/default_body.jsonnet"),
        root().join("tests/fixtures/configs/valid/bodies/sendgrid.jsonnet"),
    ];
    let types = [
        "recovery_code_valid",
        "verification_valid",
        "login_code_valid",
        "registration_code_valid",
        "verifiable_address_changed",
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for body in &bodies {
        std::fs::copy(body, dir.path().join("body.jsonnet")).unwrap();
        config(
            dir.path(),
            &email_config("https://api.example.com/send", ""),
        );
        for ty in types {
            let out = courier(
                dir.path(),
                &[
                    "render",
                    "--kratos-version",
                    "master",
                    "--template",
                    ty,
                    "--format",
                    "json",
                    "--to",
                    // One bare address whose quoted local part still has
                    // non-ASCII and angle brackets for the body to escape.
                    "\"Zoë <zoe>\"@example.com",
                ],
            );
            assert_eq!(out.code, 0, "{}: {}", body.display(), out.all());
            let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
            let ours = v["request"]["body"].as_str().unwrap();
            let theirs = gojsonnet(&dir.path().join("body.jsonnet"), &v["ctx"]);
            assert_eq!(ours, theirs, "{} {ty}", body.display());
            compared += 1;
        }
    }
    // The SMS recipe as JSON, for the SMS ctx.
    std::fs::copy(
        root().join("tests/examples/sms.jsonnet"),
        dir.path().join("body.jsonnet"),
    )
    .unwrap();
    config(
        dir.path(),
        "courier:\n  smtp:\n    connection_uri: smtp://localhost:25/\n  channels:\n    - id: sms\n      type: http\n      request_config:\n        url: https://sms.example.com\n        method: POST\n        body: file://./body.jsonnet\n",
    );
    for ty in [
        "recovery_code_valid",
        "login_code_valid",
        "verifiable_address_changed",
    ] {
        let out = courier(
            dir.path(),
            &[
                "render",
                "--kratos-version",
                "master",
                "--channel",
                "sms",
                "--template",
                ty,
                "--format",
                "json",
            ],
        );
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(
            v["request"]["body"].as_str().unwrap(),
            gojsonnet(&dir.path().join("body.jsonnet"), &v["ctx"]),
            "sms {ty}"
        );
        compared += 1;
    }
    assert!(compared >= 28);
}

#[test]
fn render_output_is_golden_and_payload_is_exact() {
    let root = root();
    for (name, args) in [
        (
            "sendgrid-recovery-code",
            vec![
                "render",
                "-c",
                "tests/examples/sendgrid.yml",
                "--template",
                "recovery_code_valid",
            ],
        ),
        (
            "mailgun-request",
            vec![
                "render",
                "-c",
                "tests/examples/mailgun.yml",
                "--template",
                "verification_code_valid",
                "--part",
                "request",
            ],
        ),
        (
            "twilio-sms-payload",
            vec![
                "render",
                "-c",
                "tests/examples/kratos.yml",
                "--channel",
                "sms",
                "--template",
                "login_code_valid",
                "--part",
                "payload",
            ],
        ),
        (
            "postmark-json",
            vec![
                "render",
                "-c",
                "tests/examples/postmark.yml",
                "--template",
                "login_code_valid",
                "--format",
                "json",
            ],
        ),
    ] {
        let out = run(&root, &args, &[], None);
        assert_eq!(out.code, 0, "{name}: {}", out.all());
        for secret in ["replace-with-your", "sms-api-secret-0000"] {
            assert!(!out.all().contains(secret), "{name}: {}", out.all());
        }
        golden(
            &root
                .join("tests/snapshots/render")
                .join(format!("{name}.txt")),
            &out.stdout,
        );
    }
}

#[test]
fn hostile_templates_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    config(
        dir.path(),
        &email_config("https://api.example.com/send", ""),
    );
    for (body, needle) in [
        ("local f(x) = f(x + 1); function(ctx) { a: f(0) }", "stack"),
        (
            "function(ctx) { a: std.foldl(function(a, b) a + b, std.range(0, 2000000000), 0) }",
            "within 1s",
        ),
        ("function(ctx) { a: importstr '/etc/passwd' }", "import"),
        (
            "function(ctx) { a: std.extVar('secret') }",
            "external variable",
        ),
        ("function(ctx) { a: ", "does not compile"),
    ] {
        std::fs::write(dir.path().join("body.jsonnet"), body).unwrap();
        let out = courier(dir.path(), &["render", "--template", "login_code_valid"]);
        assert_eq!(out.code, 65, "{body}: {}", out.all());
        assert!(
            out.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "{body}: {}",
            out.stderr
        );
        assert!(!out.all().contains("root:"), "no file content leaks");
    }
}

#[test]
fn render_takes_data_and_to_over_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    config(
        dir.path(),
        &email_config("https://api.example.com/send", ""),
    );
    std::fs::write(dir.path().join("body.jsonnet"), "function(ctx) { to: ctx.template_data.to, code: ctx.template_data.recovery_code, t: ctx.template_data.transient_payload }\n").unwrap();
    std::fs::write(
        dir.path().join("data.yml"),
        "recovery_code: '000111'\ntransient_payload:\n  lang: de\n",
    )
    .unwrap();
    let out = courier(
        dir.path(),
        &[
            "render",
            "--template",
            "recovery_code_valid",
            "--data",
            "data.yml",
            "--to",
            "max@example.de",
            "--part",
            "payload",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(
        out.stdout,
        "{\n   \"code\": \"000111\",\n   \"t\": {\n      \"lang\": \"de\"\n   },\n   \"to\": \"max@example.de\"\n}\n"
    );
    let out = courier(
        dir.path(),
        &[
            "render",
            "--template",
            "recovery_code_valid",
            "--channel",
            "sms",
        ],
    );
    assert_eq!(out.code, 78, "no sms channel: {}", out.all());
    let out = courier(dir.path(), &["render", "--template", "nope"]);
    assert_eq!(out.code, 2, "{}", out.all());
    std::fs::write(dir.path().join("bad.yml"), "a: [\n").unwrap();
    let out = courier(
        dir.path(),
        &[
            "render",
            "--template",
            "recovery_code_valid",
            "--data",
            "bad.yml",
        ],
    );
    assert_eq!(out.code, 65, "{}", out.all());
    assert!(out.stderr.contains("bad.yml:"), "{}", out.stderr);
}

#[test]
fn http_probe_connects_and_shows_the_request_without_sending() {
    use crate::support::hostile::{Hostile, Step};
    use crate::support::smtp::certs;
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("body.jsonnet"), BODY).unwrap();
    config(
        dir.path(),
        &email_config(&format!("{}/send", server.uri()), ""),
    );
    let out = courier(dir.path(), &["test", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["request"]["method"], "POST");
    assert_eq!(
        v["request"]["headers"],
        serde_json::json!([["Content-Type", "application/json"], ["X-Api-Key", "***"]])
    );
    assert!(
        v["request"]["body"]
            .as_str()
            .unwrap()
            .contains("\"type\": \"recovery_code_valid\"")
    );
    // The probe asks with one HEAD: no credential, no message.
    let reqs = rt.block_on(server.received_requests()).unwrap();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].method.as_str(), "HEAD");
    assert_eq!(reqs[0].url.path(), "/send");
    assert!(reqs[0].headers.get("x-api-key").is_none() && reqs[0].body.is_empty());
    assert_eq!(v["stages"][2]["stage"], "probe", "{v}");
    assert_eq!(v["stages"][2]["detail"], "HEAD /send: 404 Not Found", "{v}");
    assert_eq!(v["redirects"], serde_json::json!([]));
    // TLS, then HTTP over it.
    let tls = Hostile::start(vec![
        Step::StartTls,
        Step::HttpRequest,
        Step::Send(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec()),
    ]);
    config(
        dir.path(),
        &email_config(&format!("https://127.0.0.1:{}/send", tls.port), ""),
    );
    let ca = certs().ca.display().to_string();
    let out = run(
        dir.path(),
        &["test", "-c", "kratos.yml", "--format", "json"],
        &[("SSL_CERT_FILE", ca.as_str())],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["tls"]["verified"], true, "{v}");
    assert_eq!(v["tls"]["certificate"]["issuer"], "CN=courier test CA");
    assert!(
        tls.received_after("HEAD")
            .starts_with("HEAD /send HTTP/1.1\r\n")
    );
    let out = courier(dir.path(), &["test"]);
    assert_eq!(out.code, 69, "untrusted: {}", out.all());
    assert!(out.stderr.contains("tls:"), "{}", out.stderr);
}

#[test]
fn test_shows_the_request_render_and_send_build() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(202))
            .mount(&server),
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("body.jsonnet"), BODY).unwrap();
    std::fs::write(
        dir.path().join("sms.jsonnet"),
        "function(ctx) { To: ctx.recipient, Body: ctx.body }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("data.yml"), "login_code: \"111222\"\n").unwrap();
    let sms = format!(
        "  channels:\n    - id: sms\n      type: http\n      request_config:\n        url: {}/sms\n        method: POST\n        headers:\n          Content-Type: application/x-www-form-urlencoded\n        body: file://./sms.jsonnet\n        auth:\n          type: basic_auth\n          config:\n            user: AC1\n            password: {BASIC_PW}\n",
        server.uri()
    );
    config(
        dir.path(),
        &(email_config(&format!("{}/send", server.uri()), "") + &sms),
    );
    for (channel, to) in [("email", "jane@acme.test"), ("sms", "+15555550199")] {
        let same = [
            "--channel",
            channel,
            "--template",
            "login_code_valid",
            "--to",
            to,
            "--data",
            "data.yml",
        ];
        let test = courier(
            dir.path(),
            &[&["test", "--format", "json"][..], &same].concat(),
        );
        assert_eq!(test.code, 0, "{}", test.all());
        let test: serde_json::Value = serde_json::from_str(&test.stdout).unwrap();
        let render = courier(
            dir.path(),
            &[&["render", "--format", "json"][..], &same].concat(),
        );
        assert_eq!(render.code, 0, "{}", render.all());
        let render: serde_json::Value = serde_json::from_str(&render.stdout).unwrap();
        assert_eq!(test["request"], render["request"], "{channel}");
        let body = test["request"]["body"].as_str().unwrap();
        assert!(body.contains("111222"), "the data reached the body: {body}");
        assert!(
            body.contains(&to.replace('+', "%2B")) || body.contains(to),
            "{body}"
        );
        // The human forms print the same request text.
        let human = courier(dir.path(), &[&["test"][..], &same].concat());
        let part = courier(
            dir.path(),
            &[&["render", "--part", "request"][..], &same].concat(),
        );
        assert!(
            human.stdout.contains(&part.stdout),
            "{channel}: test shows\n{}\nrender shows\n{}",
            human.stdout,
            part.stdout
        );
        // And `send` sends exactly that body.
        let sent = courier(dir.path(), &[&["send"][..], &same].concat());
        assert_eq!(sent.code, 0, "{}", sent.all());
        let reqs = rt.block_on(server.received_requests()).unwrap();
        let last = reqs.last().expect("one request");
        assert_eq!(String::from_utf8_lossy(&last.body), body, "{channel}");
    }
}

#[test]
fn floats_from_data_cross_the_sandbox_exactly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("body.jsonnet"),
        "function(ctx) ctx.template_data.v\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("d.yml"),
        "v: [99.95095649549323, 0.1, 1e-7, 123456789.12345679, 2.2250738585072014e-308]\n",
    )
    .unwrap();
    config(
        dir.path(),
        &email_config("https://api.example.com/send", ""),
    );
    let out = courier(
        dir.path(),
        &[
            "render",
            "--template",
            "recovery_code_valid",
            "--data",
            "d.yml",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let ours = v["request"]["body"].as_str().unwrap();
    assert!(ours.contains("99.95095649549323"), "{ours}");
    assert_eq!(ours, gojsonnet(&dir.path().join("body.jsonnet"), &v["ctx"]));
}
