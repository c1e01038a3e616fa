//! Hostile HTTP servers and remote documents (issue #12): a body trickled
//! or endless, a remote template or Jsonnet body without end, a redirect
//! to another origin. None of them holds courier past its deadline, grows
//! it without bound, or gets a credential or the message it should not.
//! Every run is bounded ([`BOUND`] is a hang guard, not a performance
//! figure) and its output is checked for secrets.

use std::path::Path;
use std::time::{Duration, Instant};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::hostile::{Hostile, Step};
use crate::support::{Output, run, runtime};

const API_KEY: &str = "Hostile-Api-Key-6120";
const BASIC_PW: &str = "Hostile-Basic-Pw-3388";
/// Query tokens of URLs courier prints (masked, never shown).
const TOKEN: &str = "Url-Token-5150";
const RECIPIENT: &str = "jane@example.com";
const BOUND: Duration = Duration::from_secs(25);
const BODY: &str = "function(ctx) { to: ctx.recipient, text: ctx.body }\n";

#[derive(Clone, Copy)]
enum Auth {
    ApiKey,
    Basic,
    None,
}

fn http_yaml(url: &str, auth: Auth, body: &str) -> String {
    let auth = match auth {
        Auth::ApiKey => format!(
            "      auth:\n        type: api_key\n        config:\n          name: X-Api-Key\n          value: {API_KEY}\n          in: header\n"
        ),
        Auth::Basic => format!(
            "      auth:\n        type: basic_auth\n        config:\n          user: courier\n          password: {BASIC_PW}\n"
        ),
        Auth::None => String::new(),
    };
    format!(
        "courier:\n  message_retries: 2\n  delivery_strategy: http\n  http:\n    request_config:\n      url: {url}\n      method: POST\n      body: {body}\n{auth}"
    )
}

fn setup(yaml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("kratos.yml"), yaml).expect("config");
    std::fs::write(dir.path().join("body.jsonnet"), BODY).expect("body");
    dir
}

/// `courier CMD -c kratos.yml ARGS…`, within the hang guard, with no
/// secret in its output; and how long it took.
fn courier(dir: &Path, args: &[&str]) -> (Output, Duration) {
    let mut all = vec![args[0], "-c", "kratos.yml"];
    all.extend(&args[1..]);
    let start = Instant::now();
    let out = run(dir, &all, &[], None);
    let took = start.elapsed();
    assert!(
        took < BOUND,
        "courier {args:?} took {took:?}: {}",
        out.all()
    );
    for secret in [API_KEY, BASIC_PW, TOKEN] {
        assert!(
            !out.all().contains(secret),
            "a secret was printed: {}",
            out.all()
        );
    }
    (out, took)
}

fn send(dir: &Path, extra: &[&str]) -> (Output, Duration) {
    let args = ["send", "--to", RECIPIENT, "--subject", "s", "--text", "t"];
    courier(dir, &[&args[..], extra].concat())
}

fn head(text: &str) -> Step {
    Step::Send(text.as_bytes().to_vec())
}

/// Answers every request with `status_and_headers`, then trickles 100
/// bytes of body, one a second.
fn trickling(status_and_headers: &str) -> Hostile {
    Hostile::start(vec![
        Step::HttpRequest,
        head(status_and_headers),
        Step::Trickle(b"x".repeat(100), Duration::from_secs(1)),
    ])
}

/// Answers every request with `status_and_headers`, then a body without end.
fn flooding(status_and_headers: &str) -> Hostile {
    Hostile::start(vec![
        Step::HttpRequest,
        head(status_and_headers),
        Step::Flood(vec![b'x'; 64 * 1024], 1 << 36),
    ])
}

#[test]
fn a_trickled_answer_cannot_hold_send_past_its_deadline() {
    // A 2xx is success once its status arrives (Kratos never reads the
    // body): sent, without waiting out the body.
    let server = trickling("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
    let url = format!("http://127.0.0.1:{}/send", server.port);
    let dir = setup(&http_yaml(&url, Auth::ApiKey, "file://./body.jsonnet"));
    let (out, took) = send(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout
            .starts_with(&format!("sent {RECIPIENT} via http {url}: 200 ")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "[the rest of the body was not awaited: a 200 is success once its status arrives]"
        ),
        "{}",
        out.stdout
    );
    assert!(
        took < Duration::from_secs(9),
        "not held to the 10 s deadline: {took:?}"
    );
    // Other statuses: the body is read until the deadline, the status decides.
    let server = trickling("HTTP/1.1 400 Bad Request\r\nContent-Length: 100\r\n\r\n");
    let url = format!("http://127.0.0.1:{}/send", server.port);
    let dir = setup(&http_yaml(&url, Auth::ApiKey, "file://./body.jsonnet"));
    let (out, _) = send(dir.path(), &["--timeout", "3"]);
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(
        out.stderr.contains("failed: the server answered HTTP 400")
            && out
                .stderr
                .contains("[the body did not end within the 3s timeout]"),
        "{}",
        out.stderr
    );
    // A status line trickled past the deadline is a timeout.
    let server = Hostile::start(vec![
        Step::HttpRequest,
        Step::Trickle(
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
            Duration::from_millis(500),
        ),
    ]);
    let url = format!("http://127.0.0.1:{}/send", server.port);
    let dir = setup(&http_yaml(&url, Auth::ApiKey, "file://./body.jsonnet"));
    let (out, took) = send(dir.path(), &["--timeout", "2"]);
    assert_eq!(out.code, 75, "{}", out.all());
    assert!(out.stderr.contains("timed out after 2s"), "{}", out.stderr);
    assert!(took < Duration::from_secs(9), "{took:?}");
}

#[test]
fn a_batch_against_a_trickled_body_sends_each_message_once() {
    let server = trickling("HTTP/1.1 202 Accepted\r\nContent-Length: 100\r\n\r\n");
    let url = format!("http://127.0.0.1:{}/send", server.port);
    let dir = setup(&http_yaml(&url, Auth::ApiKey, "file://./body.jsonnet"));
    std::fs::write(
        dir.path().join("r.csv"),
        "recipient\na@example.com\nb@example.com\nc@example.com\n",
    )
    .expect("rows");
    let (out, _) = courier(
        dir.path(),
        &[
            "send",
            "--batch",
            "r.csv",
            "--template",
            "recovery_code_valid",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let results: Vec<&serde_json::Value> = lines.iter().filter(|v| v["type"] == "result").collect();
    assert_eq!(results.len(), 3, "{}", out.stdout);
    for r in results {
        assert_eq!(
            (&r["status"], &r["attempts"]),
            (&"sent".into(), &1.into()),
            "{r}"
        );
    }
    assert_eq!(
        server.received().matches("POST /send ").count(),
        3,
        "each message went out once"
    );
}

#[test]
fn an_endless_answer_is_cut_and_its_status_decides() {
    for (status, code) in [
        ("200 OK", 0),
        ("503 Service Unavailable", 75),
        ("400 Bad Request", 69),
    ] {
        let server = flooding(&format!("HTTP/1.1 {status}\r\n\r\n"));
        let url = format!("http://127.0.0.1:{}/send", server.port);
        let dir = setup(&http_yaml(&url, Auth::Basic, "file://./body.jsonnet"));
        let (out, _) = send(dir.path(), &["--format", "json"]);
        assert_eq!(out.code, code, "{status}: {}", out.all());
        let v: serde_json::Value = serde_json::from_str(out.stdout.trim()).expect("one JSON line");
        let reply = v["reply"].as_str().expect("a reply");
        assert!(
            reply.starts_with(&format!("{} xxx", &status[..3])) && reply.len() <= 1100,
            "the first KiB: {reply}"
        );
    }
}

#[test]
fn endless_remote_templates_and_bodies_stop_at_1_mib() {
    let template = flooding("HTTP/1.1 200 OK\r\n\r\n");
    let url = format!(
        "http://127.0.0.1:{}/subject.gotmpl?token={TOKEN}",
        template.port
    );
    let yaml = format!(
        "courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:1/?disable_starttls=true\n  templates:\n    recovery_code:\n      valid:\n        email:\n          subject: {url}\n          body:\n            html: base64://SGk=\n            plaintext: base64://SGk=\n"
    );
    let dir = setup(&yaml);
    let (out, _) = courier(dir.path(), &["render", "--template", "recovery_code_valid"]);
    assert_eq!(out.code, 65, "{}", out.all());
    let shown = format!(
        "fetching http://127.0.0.1:{}/subject.gotmpl?token=*** failed: the document is larger than 1 MiB",
        template.port
    );
    assert!(out.stderr.contains(&shown), "{}", out.stderr);

    let body = flooding("HTTP/1.1 200 OK\r\n\r\n");
    let body_url = format!("http://127.0.0.1:{}/body.jsonnet", body.port);
    let yaml = http_yaml("http://127.0.0.1:1/send", Auth::ApiKey, &body_url);
    let dir = setup(&yaml);
    let shown = format!(
        "fetching {body_url} failed: the document is larger than 1 MiB, courier's limit for a template or Jsonnet body"
    );
    for args in [
        &["render", "--template", "recovery_code_valid"][..],
        &["send"][..],
    ] {
        let (out, _) = if args[0] == "send" {
            send(dir.path(), &[])
        } else {
            courier(dir.path(), args)
        };
        assert_eq!(out.code, 65, "{args:?}: {}", out.all());
        assert!(out.stderr.contains(&shown), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn credentials_never_follow_a_redirect_to_another_origin() {
    for (auth, kratos) in [
        (
            Auth::ApiKey,
            "Kratos would forward the X-Api-Key header there, with the message",
        ),
        (
            Auth::Basic,
            "Kratos would drop the Authorization header there (another domain), but would still send the message there",
        ),
    ] {
        let elsewhere = Hostile::start(vec![
            Step::HttpRequest,
            head("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        ]);
        let to = format!("http://localhost:{}/collect?token={TOKEN}", elsewhere.port);
        let shown = format!("http://localhost:{}/collect?token=***", elsewhere.port);
        let origin = Hostile::start(vec![
            Step::HttpRequest,
            head(&format!(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n"
            )),
        ]);
        let url = format!("http://127.0.0.1:{}/send", origin.port);
        let dir = setup(&http_yaml(&url, auth, "file://./body.jsonnet"));
        let (out, _) = send(dir.path(), &[]);
        assert_eq!(out.code, 69, "{}", out.all());
        let error = format!(
            "failed: the server redirected (307) to {shown}; courier does not forward credentials to another origin ({kratos})"
        );
        assert!(out.stderr.contains(&error), "{}", out.stderr);
        assert!(
            out.stderr.contains("hint: point the URL at the address"),
            "{}",
            out.stderr
        );
        assert!(
            origin.received_after(RECIPIENT).contains(RECIPIENT),
            "the configured server got it"
        );

        let (out, _) = courier(dir.path(), &["test", "--format", "json"]);
        assert_eq!(out.code, 69, "{}", out.all());
        let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
        assert_eq!(
            v["redirects"],
            serde_json::json!([{"status": 307, "from": url, "to": shown, "same_origin": false}])
        );
        let warning = v["warnings"][0].as_str().expect("a warning");
        assert!(
            warning.contains(&format!(
                "redirects (307) to {shown}, another origin: {kratos}"
            )),
            "{warning}"
        );
        let message = v["error"]["message"].as_str().expect("an error");
        assert!(
            message.starts_with(&format!("redirect: the server redirected (307) to {shown}")),
            "{message}"
        );
        let (out, _) = courier(dir.path(), &["test"]);
        assert_eq!(out.code, 69, "{}", out.all());
        assert!(
            out.stdout.contains(&format!("=== 307 {url} -> {shown}"))
                && out
                    .stderr
                    .contains("courier: warning: the server redirects (307)"),
            "{}",
            out.all()
        );
        // A batch stops at the first refusal, every message still queued.
        std::fs::write(
            dir.path().join("r.csv"),
            "recipient\na@example.com\nb@example.com\n",
        )
        .expect("rows");
        let (out, _) = courier(
            dir.path(),
            &[
                "send",
                "--batch",
                "r.csv",
                "--template",
                "recovery_code_valid",
            ],
        );
        assert_eq!(out.code, 69, "{}", out.all());
        assert!(
            out.stderr
                .contains("courier does not forward credentials to another origin"),
            "{}",
            out.stderr
        );
        let seen = elsewhere.received();
        assert!(seen.is_empty(), "another origin was reached: {seen}");
    }
}

#[test]
fn redirects_within_the_origin_or_without_credentials_are_followed_as_go_does() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(async {
        Mock::given(path("/old"))
            .respond_with(ResponseTemplate::new(308).insert_header("Location", "/new"))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/new"))
            .respond_with(ResponseTemplate::new(202).set_body_string("queued"))
            .mount(&server)
            .await;
        Mock::given(path("/loop"))
            .respond_with(ResponseTemplate::new(302).insert_header("Location", "/loop"))
            .mount(&server)
            .await;
    });
    let posts = |rt: &tokio::runtime::Runtime| {
        rt.block_on(server.received_requests())
            .expect("recorded")
            .into_iter()
            .filter(|r| r.method.as_str() == "POST" && r.url.path() == "/new")
            .collect::<Vec<_>>()
    };
    // Within the origin, credentials and the message follow (308 keeps both).
    let dir = setup(&http_yaml(
        &format!("{}/old", server.uri()),
        Auth::ApiKey,
        "file://./body.jsonnet",
    ));
    let (out, _) = send(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains(": 202 queued"), "{}", out.stdout);
    let got = posts(&rt);
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0]
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok()),
        Some(API_KEY)
    );
    assert!(String::from_utf8_lossy(&got[0].body).contains(RECIPIENT));
    let (out, _) = courier(dir.path(), &["test", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(v["redirects"][0]["same_origin"], true, "{v}");
    assert_eq!(v["warnings"], serde_json::json!([]));
    // Go's limit: 10 requests, then `stopped after 10 redirects`.
    let dir = setup(&http_yaml(
        &format!("{}/loop", server.uri()),
        Auth::ApiKey,
        "file://./body.jsonnet",
    ));
    let (out, _) = send(dir.path(), &[]);
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(
        out.stderr.contains("stopped after 10 redirects"),
        "{}",
        out.stderr
    );
    let loops = rt.block_on(server.received_requests()).expect("recorded");
    assert_eq!(loops.iter().filter(|r| r.url.path() == "/loop").count(), 10);
    // Without credentials, another origin is followed.
    let origin = Hostile::start(vec![
        Step::HttpRequest,
        head(&format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: {}/new\r\nContent-Length: 0\r\n\r\n",
            server.uri()
        )),
    ]);
    let url = format!("http://localhost:{}/send", origin.port);
    let dir = setup(&http_yaml(&url, Auth::None, "file://./body.jsonnet"));
    let (out, _) = send(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    let got = posts(&rt);
    assert_eq!(got.len(), 2, "followed to the other origin");
    assert!(String::from_utf8_lossy(&got[1].body).contains(RECIPIENT));
}

#[test]
fn a_tls_handshake_that_trickles_cannot_hold_test_past_its_deadline() {
    // A handshake record header that promises 16 KiB, then a byte a second.
    let server = Hostile::start(vec![
        Step::Send(b"\x16\x03\x03\x40\x00".to_vec()),
        Step::Trickle(vec![0; 60], Duration::from_secs(1)),
    ]);
    let url = format!("https://127.0.0.1:{}/send", server.port);
    let dir = setup(&http_yaml(&url, Auth::ApiKey, "file://./body.jsonnet"));
    let (out, took) = courier(dir.path(), &["test", "--timeout", "2"]);
    assert_eq!(out.code, 75, "{}", out.all());
    assert!(out.all().contains("tls"), "{}", out.all());
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

#[test]
fn the_request_url_reaches_the_server_whole_and_is_shown_masked() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(202))
            .mount(&server),
    );
    let authority = server.uri().replace("http://", "");
    let url = format!("http://courier:{BASIC_PW}@{authority}/send?access_token={TOKEN}&v=2");
    let dir = setup(&http_yaml(&url, Auth::ApiKey, "file://./body.jsonnet"));
    let (out, _) = send(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    let requests = rt.block_on(server.received_requests()).expect("recorded");
    assert_eq!(requests.len(), 1);
    let got = &requests[0];
    assert_eq!(
        got.url.query(),
        Some(format!("access_token={TOKEN}&v=2").as_str())
    );
    assert_eq!(
        got.headers.get("x-api-key").and_then(|v| v.to_str().ok()),
        Some(API_KEY)
    );
    let basic = format!(
        "Basic {}",
        crate::support::b64(&format!("courier:{BASIC_PW}"))
    );
    assert_eq!(
        got.headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some(basic.as_str())
    );
    let (out, _) = courier(
        dir.path(),
        &[
            "render",
            "--template",
            "recovery_code_valid",
            "--part",
            "request",
        ],
    );
    assert!(
        out.stdout.contains("?access_token=***&v=***"),
        "{}",
        out.stdout
    );
}

/// A closed port: `test` and `send` name it alike, as the system does.
#[test]
fn test_and_send_name_a_refused_connection_alike() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/send");
    let dir = setup(&http_yaml(&url, Auth::None, "file://./body.jsonnet"));
    let (test, _) = courier(dir.path(), &["test"]);
    let (sent, _) = send(dir.path(), &[]);
    for out in [&test, &sent] {
        assert_eq!(out.code, 69, "{}", out.all());
        assert!(out.all().contains("Connection refused"), "{}", out.all());
    }
}
