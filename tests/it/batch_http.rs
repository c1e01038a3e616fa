//! HTTP batches against a real HTTP server (wiremock): 429 retried, 400
//! abandoned, bad rows reported with their line, refused credentials stop
//! the batch; no secret reaches the output or the journal.

use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use serde_json::Value;

use crate::support::batch::{
    API_KEY, BASIC_PW, assert_journal_clean, courier, dir_with, results, summary, users, write_csv,
};
use crate::support::runtime;

fn http_config(url: &str) -> String {
    format!(
        "courier:\n  message_retries: 3\n  delivery_strategy: http\n  http:\n    request_config:\n      url: {url}\n      method: POST\n      headers:\n        X-Api-Key: {API_KEY}\n      body: base64://ZnVuY3Rpb24oY3R4KSB7IHRvOiBjdHgucmVjaXBpZW50LCBzdWJqZWN0OiBjdHguc3ViamVjdCB9Cg==\n      auth:\n        type: basic_auth\n        config:\n          user: courier\n          password: {BASIC_PW}\n"
    )
}

#[test]
fn http_batches_retry_429_abandon_400_and_report_bad_rows() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(async {
        Mock::given(method("POST"))
            .and(body_string_contains("slow@example.com"))
            .respond_with(ResponseTemplate::new(429))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(body_string_contains("refused@example.com"))
            .respond_with(ResponseTemplate::new(400).set_body_string("{\"error\":\"bad address\"}"))
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/send"))
            .respond_with(ResponseTemplate::new(202).set_body_string("queued"))
            .with_priority(5)
            .mount(&server)
            .await;
    });
    let dir = dir_with(&http_config(&format!("{}/send", server.uri())));
    let mut rows = String::new();
    for i in 1..=20 {
        rows.push_str(&format!("{{\"to\":\"user{i}@example.com\"}}\n"));
    }
    rows.push_str("{\"to\":\"slow@example.com\"}\n"); // line 21
    rows.push_str("{\"to\":\"refused@example.com\"}\n"); // line 22
    rows.push_str("{\"to\":\"not an address\"}\n"); // line 23
    rows.push_str("{\"to\": oops\n"); // line 24
    std::fs::write(dir.path().join("r.jsonl"), rows).expect("rows");
    let out = courier(
        dir.path(),
        &[
            "send",
            "--batch",
            "r.jsonl",
            "--journal",
            "r.csv.courier.db",
            "--template",
            "recovery_code_valid",
            "--backoff",
            "10ms",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 65, "bad rows: {}", out.all());
    let r = results(&out);
    assert_eq!(r[&21]["status"], "sent");
    assert_eq!(r[&21]["attempts"], 2);
    assert_eq!(r[&21]["reply"], "202 queued");
    assert_eq!(r[&22]["status"], "abandoned");
    assert_eq!(r[&22]["attempts"], 1);
    assert_eq!(r[&22]["reply"], "400 {\"error\":\"bad address\"}");
    assert_eq!(r[&23]["status"], "bad-row");
    assert_eq!(r[&24]["status"], "bad-row");
    let s = summary(&out);
    assert_eq!(
        (
            s["sent"].as_u64(),
            s["abandoned"].as_u64(),
            s["bad"].as_u64()
        ),
        (Some(21), Some(1), Some(2))
    );
    let reqs = rt.block_on(server.received_requests()).expect("recorded");
    assert_eq!(reqs.len(), 23, "20 + slow twice + refused once");
    let first = &reqs[0];
    assert_eq!(
        first.headers.get("x-api-key").and_then(|v| v.to_str().ok()),
        Some(API_KEY)
    );
    assert!(first.headers.get("authorization").is_some());
    let body: Value = serde_json::from_slice(&first.body).expect("JSON body");
    assert!(body["subject"].as_str().is_some_and(|s| !s.is_empty()));
    assert_journal_clean(dir.path());
}

#[test]
fn refused_credentials_stop_an_http_batch() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(401))
            .mount(&server),
    );
    let dir = dir_with(&http_config(&format!("{}/send", server.uri())));
    write_csv(dir.path(), "r.csv", &users(200));
    let out = courier(
        dir.path(),
        &[
            "send",
            "--batch",
            "r.csv",
            "--template",
            "recovery_code_valid",
            "-j",
            "2",
        ],
    );
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(out.stderr.contains("HTTP 401"), "{}", out.stderr);
    let reqs = rt.block_on(server.received_requests()).expect("recorded");
    assert!(
        reqs.len() < 20,
        "the batch stopped early: {} requests",
        reqs.len()
    );
    assert_journal_clean(dir.path());
}

/// `Retry-After` in seconds (429) and as an HTTP date (503) holds the
/// retry back at least that long, whatever `--backoff` says.
#[test]
fn retry_after_in_seconds_and_as_a_date_holds_the_retry_back() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let in_4s = {
        let at = std::time::SystemTime::now() + std::time::Duration::from_secs(4);
        let secs = at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        // An HTTP date is RFC 1123 in GMT.
        courier::delivery::mime::format_rfc1123z(i64::try_from(secs).unwrap())
            .replace(" +0000", " GMT")
    };
    rt.block_on(async {
        Mock::given(method("POST"))
            .and(body_string_contains("seconds@example.com"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "2"))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(body_string_contains("date@example.com"))
            .respond_with(ResponseTemplate::new(503).insert_header("retry-after", in_4s.as_str()))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .with_priority(5)
            .mount(&server)
            .await;
    });
    let dir = dir_with(&http_config(&format!("{}/send", server.uri())));
    std::fs::write(
        dir.path().join("r.jsonl"),
        "{\"to\":\"seconds@example.com\"}\n{\"to\":\"date@example.com\"}\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let out = courier(
        dir.path(),
        &[
            "send",
            "--batch",
            "r.jsonl",
            "--template",
            "recovery_code_valid",
            "--backoff",
            "10ms",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let r = results(&out);
    assert_eq!(
        (r[&1]["attempts"].as_u64(), r[&2]["attempts"].as_u64()),
        (Some(2), Some(2))
    );
    // A lower bound, not a speed: the date was 4 s ahead when it was
    // made (3 s at least when sent); the 2 s wait alone would not do.
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(3),
        "the retries did not wait: {:?}",
        started.elapsed()
    );
}

/// A row that cannot be rendered (an unknown template type) is reported
/// and not journaled, like a bad address.
#[test]
fn rows_that_cannot_render_are_not_journaled() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server),
    );
    let dir = dir_with(&http_config(&format!("{}/send", server.uri())));
    std::fs::write(
        dir.path().join("r.jsonl"),
        "{\"to\":\"good@example.com\"}\n{\"to\":\"odd@example.com\",\"template\":\"bogus_type\"}\n{\"to\":\"not an address\"}\n",
    )
    .unwrap();
    let out = courier(
        dir.path(),
        &[
            "send",
            "--batch",
            "r.jsonl",
            "--template",
            "recovery_code_valid",
        ],
    );
    assert_eq!(out.code, 65, "{}", out.all());
    assert!(out.stderr.contains("line 2"), "{}", out.stderr);
    let log = crate::support::run(dir.path(), &["log", "--format", "json"], &[], None);
    assert_eq!(log.code, 0, "{}", log.all());
    let journaled: Value = serde_json::from_str(&log.stdout).unwrap();
    let ids: Vec<u64> = journaled
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [1], "only the row that went out: {}", log.stdout);
}

/// A server that closes keep-alive connections after 200 ms idle (as
/// providers' load balancers do): the next message, 500 ms later, goes out
/// on a fresh connection at its first attempt, not on the dead one.
#[test]
fn idle_connections_the_server_closed_are_not_reused() {
    use crate::support::hostile::{Hostile, Step};
    let server = Hostile::start(vec![
        Step::HttpRequest,
        Step::Send(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok".to_vec()),
        Step::Sleep(std::time::Duration::from_millis(200)),
        Step::Close,
    ]);
    let url = format!("http://127.0.0.1:{}/send", server.port);
    let dir = dir_with(&http_config(&url));
    write_csv(dir.path(), "r.csv", &users(3));
    let out = courier(
        dir.path(),
        &[
            "send",
            "--batch",
            "r.csv",
            "--template",
            "recovery_code_valid",
            "-j",
            "1",
            "--rate",
            "2/s",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let s = summary(&out);
    assert_eq!(
        (s["sent"].as_u64(), s["retries"].as_u64()),
        (Some(3), Some(0)),
        "{s}"
    );
    assert!(
        results(&out).values().all(|r| r["attempts"] == 1),
        "{}",
        out.stdout
    );
    assert_eq!(server.received().matches("POST /send").count(), 3);
}
