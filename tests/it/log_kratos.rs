//! `courier log --kratos`: a running Kratos' queue read through its admin
//! API, served by a real HTTP server (wiremock) from fixtures that a JSON
//! Schema validator checks against the structure of Kratos' OpenAPI
//! description (tests/fixtures/kratos-api, extracted by `extract.py`).

use std::path::{Path, PathBuf};

use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::{Output, root, run, runtime};

const TOKEN: &str = "ory_pat_Queue-Token-5521";

fn fixtures() -> PathBuf {
    root().join("tests/fixtures/kratos-api")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).expect("fixture")
}

fn json(name: &str) -> serde_json::Value {
    serde_json::from_str(&read(name)).expect("fixture JSON")
}

/// The message fixtures, by id.
fn messages() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(fixtures().join("messages"))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .map(|p| {
            let id = p.file_stem().unwrap().to_string_lossy().into_owned();
            (id, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn page(body: String, next: Option<&str>) -> ResponseTemplate {
    let mut link =
        "</admin/courier/messages?page_size=250&page_token=Zmlyc3Q>; rel=\"first\"".to_owned();
    if let Some(t) = next {
        link.push_str(&format!(
            ",</admin/courier/messages?page_size=250&page_token={t}>; rel=\"next\""
        ));
    }
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json; charset=utf-8")
        .insert_header("link", link.as_str())
        .set_body_string(body)
}

/// A Kratos admin API with the two pages and every message.
fn kratos(rt: &tokio::runtime::Runtime) -> MockServer {
    let server = rt.block_on(MockServer::start());
    rt.block_on(async {
        Mock::given(method("GET"))
            .and(path("/admin/courier/messages"))
            .and(query_param_is_missing("page_token"))
            .respond_with(page(read("list-page-1.json"), Some("cGFnZTI%3D")))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/admin/courier/messages"))
            .and(query_param("page_token", "cGFnZTI="))
            .respond_with(page(read("list-page-2.json"), None))
            .mount(&server)
            .await;
        for (id, body) in messages() {
            Mock::given(method("GET"))
                .and(path(format!("/admin/courier/messages/{id}")))
                .respond_with(
                    ResponseTemplate::new(200)
                        .insert_header("content-type", "application/json")
                        .set_body_string(body),
                )
                .mount(&server)
                .await;
        }
        Mock::given(method("GET"))
            .and(path(
                "/admin/courier/messages/00000000-0000-4000-8000-000000000000",
            ))
            .respond_with(ResponseTemplate::new(404).set_body_string(read("error-404.json")))
            .mount(&server)
            .await;
    });
    server
}

fn log(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["log"];
    all.extend(args);
    let out = run(dir, &all, &[("ORY_API_KEY", TOKEN)], None);
    assert!(
        !out.all().contains(TOKEN),
        "the token was printed: {}",
        out.all()
    );
    assert!(
        !out.all().contains("Queue-Token"),
        "the token was printed: {}",
        out.all()
    );
    out
}

fn requests(rt: &tokio::runtime::Runtime, server: &MockServer) -> Vec<Request> {
    rt.block_on(server.received_requests()).unwrap_or_default()
}

#[test]
fn fixtures_follow_kratos_api_description() {
    let schema = json("api-v26.2.0.schema.json");
    let with = |def: &str| {
        let mut s = schema.clone();
        s["$ref"] = serde_json::json!(format!("#/definitions/{def}"));
        jsonschema::options()
            .should_validate_formats(true)
            .build(&s)
            .expect("schema")
    };
    let message = with("message");
    let error = with("errorGeneric");
    for page in ["list-page-1.json", "list-page-2.json"] {
        for m in json(page).as_array().expect("array") {
            assert!(message.is_valid(m), "{page}: {m}");
            assert!(m.get("dispatches").is_none(), "a list has no dispatches");
        }
    }
    for (id, body) in messages() {
        let m: serde_json::Value = serde_json::from_str(&body).unwrap();
        let errors: Vec<String> = message.iter_errors(&m).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{id}: {errors:?}");
    }
    for e in ["error-404.json", "error-401.json"] {
        assert!(error.is_valid(&json(e)), "{e}");
    }
    // The validator can fail: a message without its status is refused.
    let mut broken = json("list-page-1.json")[0].clone();
    broken.as_object_mut().unwrap().remove("status");
    assert!(!message.is_valid(&broken));
}

#[test]
fn the_queue_is_listed_page_by_page_with_each_failure_explained() {
    let rt = runtime();
    let server = kratos(&rt);
    let dir = tempfile::tempdir().unwrap();
    let out = log(dir.path(), &["--kratos", &server.uri()]);
    assert_eq!(out.code, 0, "{}", out.all());
    let rows = out.stdout.lines().filter(|l| l.starts_with("7c2f")).count();
    assert_eq!(rows, 11, "{}", out.stdout);
    for kind in [
        "smtp-auth",
        "tls-untrusted",
        "tls-name-mismatch",
        "connection-refused",
        "tls-mode",
        "http-auth",
        "http-server-error",
        "jsonnet",
    ] {
        assert!(
            out.stdout.contains(&format!("  {kind} (")),
            "{kind}: {}",
            out.stdout
        );
    }
    assert!(
        out.stdout
            .contains("535 5.7.8 Username and Password not accepted")
    );
    assert!(
        out.stderr
            .contains("11 messages: 3 queued (the oldest waiting"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("1 processing (1 stuck for more than 10m00s), 1 sent, 6 abandoned"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("redacted by Kratos"), "{}", out.stderr);
    let reqs = requests(&rt, &server);
    let pages: Vec<&Request> = reqs
        .iter()
        .filter(|r| r.url.path() == "/admin/courier/messages")
        .collect();
    assert_eq!(pages.len(), 2, "two pages");
    for r in &reqs {
        assert_eq!(
            r.headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some(format!("Bearer {TOKEN}").as_str()),
            "the token goes as a bearer token"
        );
    }
    // Only the failed messages are fetched one by one (8 of them).
    assert_eq!(
        reqs.len() - pages.len(),
        8,
        "{:?}",
        reqs.iter()
            .map(|r| r.url.path().to_owned())
            .collect::<Vec<_>>()
    );
}

#[test]
fn json_filters_limit_and_the_summary() {
    let rt = runtime();
    let server = kratos(&rt);
    let dir = tempfile::tempdir().unwrap();
    let url = server.uri();
    let out = log(
        dir.path(),
        &[
            "--kratos",
            &url,
            "--format",
            "json",
            "--status",
            "abandoned",
            "--limit",
            "2",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let list: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 2);
    let keys: Vec<&str> = list[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "status",
            "type",
            "channel",
            "recipient",
            "template_type",
            "send_count",
            "last_error",
            "explanation",
            "redacted",
            "subject",
            "body",
            "created_at",
            "updated_at"
        ]
    );
    assert_eq!(list[0]["redacted"], true);
    assert!(list[0]["body"].is_null(), "a redacted body is not a body");
    assert!(
        requests(&rt, &server)
            .iter()
            .filter(|r| r.url.path() == "/admin/courier/messages")
            .all(|r| r
                .url
                .query()
                .is_some_and(|q| q.contains("status=abandoned")))
    );
    let summary = log(
        dir.path(),
        &["--kratos", &url, "--summary", "--format", "json"],
    );
    assert_eq!(summary.code, 0, "{}", summary.all());
    let s: serde_json::Value = serde_json::from_str(&summary.stdout).expect("JSON");
    assert_eq!(
        (s["queued"].as_u64(), s["abandoned"].as_u64()),
        (Some(3), Some(6))
    );
    assert_eq!(
        s["stuck"],
        serde_json::json!(["7c2f0009-1b3e-4d5a-9f60-000000000009"])
    );
    assert!(
        s["oldest_queued_age_s"]
            .as_u64()
            .is_some_and(|a| a > 86_400)
    );
    for (fail_on, code) in [("abandoned", 1), ("stuck", 1), ("abandoned,stuck", 1)] {
        let out = log(
            dir.path(),
            &["--kratos", &url, "--summary", "--fail-on", fail_on],
        );
        assert_eq!(out.code, code, "{fail_on}: {}", out.all());
    }
    let sent_only = log(
        dir.path(),
        &[
            "--kratos",
            &url,
            "--status",
            "sent",
            "--limit",
            "0",
            "--fail-on",
            "abandoned",
        ],
    );
    assert_eq!(
        sent_only.code,
        1,
        "the mock ignores the filter, so abandoned ones are counted: {}",
        sent_only.all()
    );
}

#[test]
fn one_message_with_its_attempts_and_the_key_to_change() {
    let rt = runtime();
    let server = kratos(&rt);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kratos.yml"),
        "courier:\n  smtp:\n    connection_uri: smtp://user:secret-pass-77@smtp.acme.test:587/\n  channels:\n    - id: sms\n      type: http\n      request_config:\n        url: https://sms.acme.test/send\n        method: POST\n        body: base64://ZnVuY3Rpb24oY3R4KSB7IHRvOiBjdHgucmVjaXBpZW50IH0K\n",
    )
    .unwrap();
    let url = server.uri();
    let one = log(
        dir.path(),
        &[
            "--kratos",
            &url,
            "7c2f0001-1b3e-4d5a-9f60-000000000001",
            "-c",
            "kratos.yml",
        ],
    );
    assert_eq!(one.code, 0, "{}", one.all());
    assert!(one.stdout.contains("attempt 2 at"), "{}", one.stdout);
    assert!(
        one.stdout.find("attempt 2").unwrap() < one.stdout.find("attempt 1").unwrap(),
        "newest first"
    );
    assert!(
        one.stdout
            .contains("failed to send email via smtp: gomail: could not send email 1: 535"),
        "{}",
        one.stdout
    );
    assert!(
        one.stdout
            .contains("change: courier.smtp.connection_uri (kratos.yml:3:21)"),
        "{}",
        one.stdout
    );
    assert!(one.stdout.contains("redacted by Kratos"), "{}", one.stdout);
    assert!(!one.all().contains("secret-pass-77"));
    let sms = log(
        dir.path(),
        &[
            "--kratos",
            &url,
            "7c2f0006-1b3e-4d5a-9f60-000000000006",
            "-c",
            "kratos.yml",
            "--format",
            "json",
        ],
    );
    assert_eq!(sms.code, 0, "{}", sms.all());
    let v: serde_json::Value = serde_json::from_str(&sms.stdout).unwrap();
    assert_eq!(v["explanation"]["kind"], "http-auth");
    assert_eq!(
        v["explanation"]["key"],
        "courier.channels[0].request_config.auth"
    );
    assert_eq!(v["dispatches"].as_array().map(Vec::len), Some(2));
    let missing = log(
        dir.path(),
        &["--kratos", &url, "00000000-0000-4000-8000-000000000000"],
    );
    assert_eq!(missing.code, 66, "{}", missing.all());
    assert!(
        missing
            .stderr
            .contains("no message 00000000-0000-4000-8000-000000000000 in Kratos' queue"),
        "{}",
        missing.stderr
    );
}

#[test]
fn errors_name_what_is_wrong_with_their_exit_codes() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(async {
        // A hostile server echoes the key it was sent.
        let echo = format!(
            "{{\"error\":{{\"code\":401,\"status\":\"Unauthorized\",\"message\":\"bad key {TOKEN}\"}}}}"
        );
        Mock::given(path("/admin/courier/messages"))
            .and(query_param("status", "queued"))
            .respond_with(ResponseTemplate::new(401).set_body_string(echo))
            .mount(&server)
            .await;
        Mock::given(path("/admin/courier/messages"))
            .and(query_param("status", "sent"))
            .respond_with(ResponseTemplate::new(200).set_body_string("{\"not\": \"a list\"}"))
            .mount(&server)
            .await;
        Mock::given(path("/admin/courier/messages"))
            .and(query_param("status", "processing"))
            .respond_with(ResponseTemplate::new(404).set_body_string("404 page not found\n"))
            .mount(&server)
            .await;
        Mock::given(path("/admin/courier/messages"))
            .and(query_param("status", "abandoned"))
            .respond_with(ResponseTemplate::new(403).set_body_string(read("error-401.json")))
            .mount(&server)
            .await;
        // Kratos' public port sends admin paths to the admin URL.
        Mock::given(path("/admin/courier/messages"))
            .and(query_param("recipient", "redirect@acme.test"))
            .respond_with(ResponseTemplate::new(307).insert_header(
                "location",
                "http://kratos-admin.internal:4434/admin/courier/messages",
            ))
            .mount(&server)
            .await;
    });
    let dir = tempfile::tempdir().unwrap();
    let url = server.uri();
    let refused = log(dir.path(), &["--kratos", &url, "--status", "queued"]);
    assert_eq!(refused.code, 77, "{}", refused.all());
    assert!(
        refused.stderr.contains("refused the request (401)")
            && refused.stderr.contains("ORY_API_KEY"),
        "{}",
        refused.stderr
    );
    let malformed = log(dir.path(), &["--kratos", &url, "--status", "sent"]);
    assert_eq!(malformed.code, 76, "{}", malformed.all());
    assert!(
        malformed
            .stderr
            .contains("not what Kratos' admin API returns"),
        "{}",
        malformed.stderr
    );
    let forbidden = log(dir.path(), &["--kratos", &url, "--status", "abandoned"]);
    assert_eq!(forbidden.code, 77, "{}", forbidden.all());
    assert!(forbidden.stderr.contains("(403)"), "{}", forbidden.stderr);
    let redirected = log(
        dir.path(),
        &["--kratos", &url, "--recipient", "redirect@acme.test"],
    );
    assert_eq!(redirected.code, 69, "{}", redirected.all());
    assert!(
        redirected.stderr.contains("public port redirects"),
        "{}",
        redirected.stderr
    );
    let public = log(dir.path(), &["--kratos", &url, "--status", "processing"]);
    assert_eq!(public.code, 69, "{}", public.all());
    assert!(
        public.stderr.contains("public port 4433"),
        "{}",
        public.stderr
    );
    // Nothing listens on port 9 of loopback.
    let unreachable = log(
        dir.path(),
        &["--kratos", "http://127.0.0.1:9", "--timeout", "2"],
    );
    assert_eq!(unreachable.code, 69, "{}", unreachable.all());
    assert!(
        unreachable
            .stderr
            .contains("cannot reach Kratos' admin API"),
        "{}",
        unreachable.stderr
    );
    let no_url = run(dir.path(), &["log", "--kratos"], &[], None);
    assert_eq!(no_url.code, 2, "{}", no_url.all());
    assert!(
        no_url.stderr.contains("KRATOS_ADMIN_URL"),
        "{}",
        no_url.stderr
    );
    let from_env = run(
        dir.path(),
        &["log", "--kratos", "--status", "queued"],
        &[("KRATOS_ADMIN_URL", &url)],
        None,
    );
    assert_eq!(
        from_env.code,
        77,
        "the URL came from KRATOS_ADMIN_URL: {}",
        from_env.all()
    );
    // The Ory Network needs a key; without a terminal there is no prompt.
    let network = run(
        dir.path(),
        &["log", "--kratos", "https://p.projects.oryapis.com"],
        &[],
        None,
    );
    assert_eq!(network.code, 2, "{}", network.all());
    assert!(network.stderr.contains("ORY_API_KEY"), "{}", network.stderr);
}

/// Kratos v1.0.0 sends each link in a header field of its own; the
/// recipient filter goes to Kratos.
#[test]
fn links_in_separate_header_fields_are_followed_and_recipients_filtered() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let list = json("list-page-2.json");
    let one = |i: usize| serde_json::to_string(&[&list[i]]).unwrap();
    rt.block_on(async {
        Mock::given(path("/admin/courier/messages"))
            .and(query_param_is_missing("page_token"))
            .respond_with(
                ResponseTemplate::new(200)
                    .append_header(
                        "link",
                        "</admin/courier/messages?page_size=250&page_token=Zmlyc3Q>; rel=\"first\"",
                    )
                    .append_header(
                        "link",
                        "</admin/courier/messages?page_size=250&page_token=bmV4dA>; rel=\"next\"",
                    )
                    .set_body_string(one(0)),
            )
            .mount(&server)
            .await;
        Mock::given(path("/admin/courier/messages"))
            .and(query_param("page_token", "bmV4dA"))
            .respond_with(ResponseTemplate::new(200).set_body_string(one(1)))
            .mount(&server)
            .await;
    });
    let dir = tempfile::tempdir().unwrap();
    let out = log(
        dir.path(),
        &[
            "--kratos",
            &server.uri(),
            "--recipient",
            "fay@acme.test",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let got: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        got.as_array().map(Vec::len),
        Some(2),
        "both pages: {}",
        out.stdout
    );
    let reqs: Vec<Request> = requests(&rt, &server)
        .into_iter()
        .filter(|r| r.url.path() == "/admin/courier/messages")
        .collect();
    assert_eq!(reqs.len(), 2);
    assert!(reqs.iter().all(|r| {
        r.url
            .query()
            .is_some_and(|q| q.contains("recipient=fay%40acme.test"))
    }));
}

#[test]
fn watch_prints_what_changes_and_ends_after_its_polls() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let first = serde_json::to_string(&json("list-page-2.json")).unwrap();
    let mut later = json("list-page-2.json");
    later[0]["status"] = serde_json::json!("sent");
    later[0]["send_count"] = serde_json::json!(1);
    let later = serde_json::to_string(&later).unwrap();
    rt.block_on(async {
        Mock::given(path("/admin/courier/messages"))
            .respond_with(page(first, None))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(path("/admin/courier/messages"))
            .respond_with(page(later, None))
            .with_priority(2)
            .mount(&server)
            .await;
    });
    let dir = tempfile::tempdir().unwrap();
    let url = server.uri();
    let started = std::time::Instant::now();
    let out = log(
        dir.path(),
        &[
            "--kratos",
            &url,
            "--watch",
            "--interval",
            "1s",
            "--polls",
            "3",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    // Five messages at first, then the one that changed, once.
    assert_eq!(lines.len(), 6, "{}", out.stdout);
    assert_eq!(lines[5]["status"], "sent");
    assert_eq!(lines[5]["id"], lines[0]["id"]);
    assert_eq!(requests(&rt, &server).len(), 3, "one request per poll");
}
