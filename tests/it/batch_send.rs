//! `courier send --batch` for real: a real SMTP server (aiosmtpd, over real
//! STARTTLS with AUTH, or with faults: 451, 550, 421, dropped connections,
//! connections closed between messages) and a real HTTP server (wiremock).
//! Every recipient is delivered exactly once, retries and abandonments are
//! recorded in the journal, a killed or interrupted batch resumes, and no
//! secret reaches the output or the journal.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::smtp::{Mode, PASSWORD, PASSWORD_ENCODED, Sink, USER, certs};
use crate::support::{Output, run, runtime};

const API_KEY: &str = "Batch-Api-Key-5521";
const BASIC_PW: &str = "Batch-Basic-Pw-8830";
const SECRETS: [&str; 4] = [PASSWORD, PASSWORD_ENCODED, API_KEY, BASIC_PW];

fn dir_with(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("kratos.yml"), config).expect("config");
    dir
}

fn smtp_config(uri: &str, extra: &str) -> String {
    format!(
        "courier:\n{extra}  smtp:\n    connection_uri: {uri}\n    from_address: accounts@example.com\n"
    )
}

fn plain_uri(sink: &Sink) -> String {
    format!("smtp://127.0.0.1:{}/?disable_starttls=true", sink.port)
}

fn write_csv(dir: &Path, name: &str, recipients: &[String]) {
    let mut text = String::from("recipient\n");
    for r in recipients {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(dir.join(name), text).expect("csv");
}

fn users(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("user{i}@example.com")).collect()
}

fn assert_no_secret(text: &str, what: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "a secret reached {what}");
    }
}

/// `courier -c kratos.yml ARGS`, checked for secrets.
fn courier(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["-c", "kratos.yml"];
    all.extend(args);
    let ca = certs().ca.display().to_string();
    let out = run(dir, &all, &[("SSL_CERT_FILE", ca.as_str())], None);
    assert_no_secret(&out.all(), "the output");
    out
}

/// The journal's bytes (database and write-ahead log) hold no secret.
fn assert_journal_clean(dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("dir") {
        let p = entry.expect("entry").path();
        if p.to_string_lossy().contains(".courier.db") {
            let bytes = std::fs::read(&p).expect("journal file");
            assert_no_secret(&String::from_utf8_lossy(&bytes), "the journal");
        }
    }
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn summary(out: &Output) -> Value {
    let lines = json_lines(&out.stdout);
    let last = lines.last().cloned().expect("a summary line");
    assert_eq!(last["type"], "summary", "{}", out.all());
    last
}

/// Result lines by input line.
fn results(out: &Output) -> BTreeMap<u64, Value> {
    json_lines(&out.stdout)
        .into_iter()
        .filter(|v| v["type"] == "result")
        .map(|v| (v["line"].as_u64().expect("line"), v))
        .collect()
}

/// How many times each recipient was delivered, once the sink holds `n`.
fn delivered(sink: &Sink, n: usize) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for m in sink.messages(n) {
        for r in m.envelope["rcpt_tos"].as_array().expect("rcpt_tos") {
            *counts
                .entry(r.as_str().expect("address").to_owned())
                .or_insert(0) += 1;
        }
    }
    counts
}

fn log_json(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["log", "--journal", "r.csv.courier.db", "--format", "json"];
    args.extend(extra);
    let out = run(dir, &args, &[], None);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_no_secret(&out.all(), "courier log");
    serde_json::from_str(&out.stdout).expect("log JSON")
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    let mut all = vec!["-c", "kratos.yml"];
    all.extend(args);
    Command::new(env!("CARGO_BIN_EXE_courier"))
        .current_dir(dir)
        .args(&all)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("courier starts")
}

/// Waits until the sink holds at least `n` messages (at most 30 s).
fn wait_for(sink: &Sink, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let count = std::fs::read_dir(sink.out.path())
            .expect("out")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
            })
            .count();
        if count >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the sink never reached {n} messages");
}

fn wait_exit(child: &mut Child) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            use std::os::unix::process::ExitStatusExt;
            return status.code().unwrap_or(128 + status.signal().unwrap_or(0));
        }
        assert!(Instant::now() < deadline, "courier did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_thousand_rows_over_starttls_and_auth_arrive_exactly_once() {
    let sink = Sink::start(Mode::StartTls, true);
    let uri = format!("smtp://{USER}:{PASSWORD_ENCODED}@localhost:{}/", sink.port);
    let dir = dir_with(&smtp_config(&uri, ""));
    let rcpts = users(1000);
    write_csv(dir.path(), "r.csv", &rcpts);
    let out = courier(
        dir.path(),
        &[
            "send",
            "--batch",
            "r.csv",
            "--template",
            "verification_code_valid",
            "-j",
            "4",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let s = summary(&out);
    assert_eq!(
        (s["sent"].as_u64(), s["abandoned"].as_u64()),
        (Some(1000), Some(0))
    );
    let r = results(&out);
    assert_eq!(r.len(), 1000);
    assert!(
        r.values()
            .all(|v| v["status"] == "sent" && v["attempts"] == 1)
    );
    let got = delivered(&sink, 1000);
    assert_eq!(got.len(), 1000);
    assert!(
        got.values().all(|&n| n == 1),
        "a recipient got two messages"
    );
    assert!(rcpts.iter().all(|r| got.contains_key(r)));
    let sample = sink.messages(1000);
    assert!(
        sample
            .iter()
            .all(|m| m.envelope["tls"] == true && m.envelope["auth"] == USER)
    );
    assert!(
        sample[0].eml.contains("Subject: "),
        "the message is a rendered email"
    );
    let log = log_json(dir.path(), &["--status", "sent"]);
    assert_eq!(log.as_array().map(Vec::len), Some(1000));
    assert_journal_clean(dir.path());

    // The same command again: nothing is sent twice.
    let again = courier(
        dir.path(),
        &[
            "send",
            "--batch",
            "r.csv",
            "--template",
            "verification_code_valid",
            "--format",
            "json",
        ],
    );
    assert_eq!(again.code, 0, "{}", again.all());
    let s = summary(&again);
    assert_eq!(
        (s["sent"].as_u64(), s["skipped_sent"].as_u64()),
        (Some(0), Some(1000))
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(delivered(&sink, 1000).values().sum::<usize>(), 1000);
}

#[test]
fn transient_failures_are_retried_and_permanent_ones_abandoned() {
    faults(false);
}

#[test]
fn the_same_over_a_pipelining_server() {
    faults(true);
}

fn faults(pipelining: bool) {
    let mut opts = vec!["--faults", "--close-every", "5"];
    if pipelining {
        opts.push("--pipelining");
    }
    let sink = Sink::start_opts(Mode::Plain, None, &opts);
    let dir = dir_with(&smtp_config(&plain_uri(&sink), "  message_retries: 2\n"));
    let mut rcpts = users(30);
    rcpts.extend(
        [
            "temp1-a@example.com",  // line 32: 451 once, then sent
            "temp9-b@example.com",  // line 33: 451 every time: abandoned after 3
            "reject-c@example.com", // line 34: 550: abandoned at once
            "busy-d@example.com",   // line 35: 421 and closed once, then sent
            "drop-e@example.com",   // line 36: connection cut after DATA once
        ]
        .map(str::to_owned),
    );
    write_csv(dir.path(), "r.csv", &rcpts);
    let args = [
        "send",
        "--batch",
        "r.csv",
        "--template",
        "login_code_valid",
        "-j",
        "3",
        "--backoff",
        "20ms",
        "--format",
        "json",
    ];
    let out = courier(dir.path(), &args);
    assert_eq!(out.code, 1, "some were abandoned: {}", out.all());
    let r = results(&out);
    let status = |line: u64| {
        (
            r[&line]["status"].as_str().unwrap_or_default().to_owned(),
            r[&line]["attempts"].as_u64().unwrap_or_default(),
        )
    };
    assert_eq!(status(32), ("sent".into(), 2));
    assert_eq!(status(33), ("abandoned".into(), 3));
    assert_eq!(status(34), ("abandoned".into(), 1));
    assert_eq!(status(35), ("sent".into(), 2));
    assert_eq!(status(36), ("sent".into(), 2));
    assert_eq!(r[&34]["reply"], "550 5.1.1 no such user");
    let s = summary(&out);
    assert_eq!(
        (
            s["sent"].as_u64(),
            s["abandoned"].as_u64(),
            s["retries"].as_u64()
        ),
        (Some(33), Some(2), Some(5)),
        "connections closed between messages are re-dialled without a retry: {s}"
    );
    let got = delivered(&sink, 33);
    assert_eq!(got.len(), 33);
    assert!(got.values().all(|&n| n == 1), "{got:?}");
    assert!(!got.contains_key("reject-c@example.com"));
    // MAIL, RCPT and DATA go in one write only to a server that offers
    // PIPELINING.
    let pipelined = sink
        .messages(33)
        .iter()
        .filter(|m| m.envelope["pipelined"] == true)
        .count();
    if pipelining {
        assert!(pipelined > 16, "{pipelined} of 33 pipelined");
    } else {
        assert_eq!(pipelined, 0);
    }

    // The journal has every attempt, newest first.
    let m = log_json(dir.path(), &["33"]);
    assert_eq!(m["status"], "abandoned");
    assert_eq!(m["send_count"], 3);
    let d = m["dispatches"].as_array().expect("dispatches");
    assert_eq!(d.len(), 3);
    assert!(
        d.iter()
            .all(|a| a["status"] == "failed" && a["reply"] == "451 4.3.0 try again later")
    );
    assert_eq!(d[0]["attempt"], 3);
    let abandoned = log_json(dir.path(), &["--status", "abandoned"]);
    let ids: Vec<u64> = abandoned
        .as_array()
        .expect("list")
        .iter()
        .map(|m| m["id"].as_u64().expect("id"))
        .collect();
    assert_eq!(ids, vec![33, 34]);

    // The human views: a table with counts on stderr, and one message.
    let table = run(dir.path(), &["log", "--status", "abandoned"], &[], None);
    assert_eq!(table.code, 0, "{}", table.all());
    let rows: Vec<&str> = table.stdout.lines().collect();
    assert!(
        rows[0].starts_with("ID") && rows[0].contains("LAST ERROR"),
        "{}",
        table.stdout
    );
    assert_eq!(rows.len(), 3, "{}", table.stdout);
    assert!(rows[2].starts_with("34") && rows[2].contains("550 5.1.1 no such user"));
    assert!(
        table
            .stderr
            .contains("2 messages: 0 queued, 0 processing, 0 sent, 2 abandoned")
    );
    let one = run(dir.path(), &["log", "32"], &[], None);
    assert!(
        one.stdout.contains("attempt 2 at ") && one.stdout.contains("success"),
        "{}",
        one.stdout
    );
    assert!(
        one.stdout.contains("451 4.3.0 try again later"),
        "{}",
        one.stdout
    );
    let missing = run(dir.path(), &["log", "999"], &[], None);
    assert_eq!(missing.code, 66);

    // Rerun: sent rows stay sent; abandoned ones only with --retry-abandoned.
    let out = courier(dir.path(), &args);
    assert_eq!(out.code, 1);
    let s = summary(&out);
    assert_eq!(
        (
            s["skipped_sent"].as_u64(),
            s["skipped_abandoned"].as_u64(),
            s["sent"].as_u64()
        ),
        (Some(33), Some(2), Some(0))
    );
    let mut retry = args.to_vec();
    retry.push("--retry-abandoned");
    let out = courier(dir.path(), &retry);
    let r = results(&out);
    let attempted: Vec<u64> = r
        .iter()
        .filter(|(_, v)| v["status"] != "skipped")
        .map(|(k, _)| *k)
        .collect();
    assert_eq!(attempted, vec![33, 34], "{}", out.all());
    assert_eq!(r[&33]["attempts"], 6, "attempts count on in the journal");
    assert_eq!(delivered(&sink, 33).values().sum::<usize>(), 33);
}

#[test]
fn a_killed_batch_resumes_at_most_once_and_resends_uncertain_on_request() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = dir_with(&smtp_config(&plain_uri(&sink), ""));
    let rcpts = users(300);
    write_csv(dir.path(), "r.csv", &rcpts);
    let args = [
        "send",
        "--batch",
        "r.csv",
        "--template",
        "verification_code_valid",
        "-j",
        "2",
        "--rate",
        "100/s",
        "--format",
        "json",
    ];
    let mut child = spawn(dir.path(), &args);
    wait_for(&sink, 40);
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    std::thread::sleep(Duration::from_millis(200));
    let before = delivered(&sink, 0);
    assert!(before.len() < 300, "the batch was killed midway");
    assert!(before.values().all(|&n| n == 1));

    let out = courier(dir.path(), &args);
    assert_eq!(out.code, 1, "uncertain rows are left: {}", out.all());
    let s = summary(&out);
    let uncertain = s["uncertain"].as_u64().expect("uncertain");
    assert!(uncertain > 0, "{s}");
    let after = delivered(&sink, 300 - uncertain as usize);
    assert!(after.values().all(|&n| n == 1), "at most once by default");
    // Uncertain rows were not sent again (some of them may have arrived
    // before the kill).
    assert!(after.len() as u64 >= 300 - uncertain);
    let uncertain_rows: Vec<u64> = results(&out)
        .into_iter()
        .filter(|(_, v)| v["reason"] == "uncertain")
        .map(|(k, _)| k)
        .collect();
    assert_eq!(uncertain_rows.len() as u64, uncertain);

    let mut resend = args.to_vec();
    resend.push("--resend-uncertain");
    let out = courier(dir.path(), &resend);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(summary(&out)["sent"].as_u64(), Some(uncertain));
    let last = delivered(&sink, 300);
    assert_eq!(last.len(), 300, "everyone got the message");
    let twice = last.values().filter(|&&n| n > 1).count() as u64;
    assert!(twice <= uncertain, "only uncertain rows may be duplicated");
    let log = log_json(dir.path(), &[]);
    assert!(
        log.as_array()
            .expect("list")
            .iter()
            .all(|m| m["status"] == "sent")
    );
}

#[test]
fn ctrl_c_finishes_in_flight_messages_exits_130_and_resumes() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = dir_with(&smtp_config(&plain_uri(&sink), ""));
    write_csv(dir.path(), "r.csv", &users(300));
    let args = [
        "send",
        "--batch",
        "r.csv",
        "--template",
        "verification_code_valid",
        "--rate",
        "100/s",
    ];
    let mut child = spawn(dir.path(), &args);
    wait_for(&sink, 30);
    // A second run on the same journal meanwhile is refused.
    let second = courier(dir.path(), &args);
    assert_eq!(second.code, 75, "{}", second.all());
    assert!(
        second.stderr.contains("in use by another courier run"),
        "{}",
        second.stderr
    );
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
    assert_eq!(wait_exit(&mut child), 130);
    let processing = log_json(dir.path(), &["--status", "processing"]);
    assert_eq!(processing, serde_json::json!([]), "nothing left in flight");
    let sent = log_json(dir.path(), &["--status", "sent"]);
    let sent_n = sent.as_array().expect("list").len();
    assert!(sent_n < 300);
    assert_eq!(
        delivered(&sink, sent_n).len(),
        sent_n,
        "the journal matches the server"
    );

    let out = courier(dir.path(), &args);
    assert_eq!(out.code, 0, "{}", out.all());
    let got = delivered(&sink, 300);
    assert_eq!(got.len(), 300);
    assert!(
        got.values().all(|&n| n == 1),
        "exactly once across the two runs"
    );
}

#[test]
fn a_changed_input_is_refused_and_an_unreachable_server_stops_the_batch() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = dir_with(&smtp_config(&plain_uri(&sink), ""));
    write_csv(dir.path(), "r.csv", &users(3));
    let args = [
        "send",
        "--batch",
        "r.csv",
        "--template",
        "verification_code_valid",
    ];
    assert_eq!(courier(dir.path(), &args).code, 0);
    // A row inserted at the top moves every row.
    let mut moved = vec!["new@example.com".to_owned()];
    moved.extend(users(3));
    write_csv(dir.path(), "r.csv", &moved);
    let out = courier(dir.path(), &args);
    assert_eq!(out.code, 65, "{}", out.all());
    assert!(out.stderr.contains("line 2 changed"), "{}", out.stderr);
    assert!(out.stderr.contains("new --journal"), "{}", out.stderr);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(delivered(&sink, 3).len(), 3, "nothing more was sent");

    // A server nobody listens on: retried with backoff, then the batch stops
    // and the message stays queued for the next run.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let dir = dir_with(&smtp_config(
        &format!("smtp://127.0.0.1:{closed}/?disable_starttls=true"),
        "  message_retries: 1\n",
    ));
    write_csv(dir.path(), "r.csv", &users(50));
    let out = courier(
        dir.path(),
        &[
            "send",
            "--batch",
            "r.csv",
            "--template",
            "verification_code_valid",
            "--backoff",
            "10ms",
            "-j",
            "1",
        ],
    );
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(out.stderr.contains("after 2 attempts"), "{}", out.stderr);
    assert!(out.stdout.contains("left queued"), "{}", out.stdout);
    let log = log_json(dir.path(), &[]);
    let list = log.as_array().expect("list");
    // Only what was handed to the one worker before the first failure
    // (two queued, one in hand) was tried; the rest waited for the retry.
    let attempted = list.iter().filter(|m| m["send_count"] != 0).count();
    assert!(
        (1..=3).contains(&attempted),
        "the batch stopped instead of failing every row: {attempted} tried: {log}"
    );
    assert!(list.len() < 50, "rows are claimed a chunk at a time: {log}");
    assert!(list.iter().all(|m| m["status"] == "queued"), "{log}");
    // Every attempt is recorded; the one that gave up had two.
    assert!(list.iter().all(|m| m["send_count"].as_u64() <= Some(2)));
    assert!(list.iter().any(|m| m["send_count"] == 2), "{log}");
    let m = log_json(dir.path(), &["2"]);
    assert!(!m["dispatches"].as_array().expect("dispatches").is_empty());
}

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

#[test]
fn refused_smtp_credentials_stop_the_batch_with_every_row_still_queued() {
    let sink = Sink::start(Mode::StartTls, true);
    let wrong = format!("{PASSWORD_ENCODED}x");
    let uri = format!("smtp://{USER}:{wrong}@localhost:{}/", sink.port);
    let dir = dir_with(&smtp_config(&uri, ""));
    write_csv(dir.path(), "r.csv", &users(100));
    let out = courier(
        dir.path(),
        &[
            "send",
            "--batch",
            "r.csv",
            "--template",
            "verification_code_valid",
            "-j",
            "2",
        ],
    );
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(
        out.stderr.contains("the server cannot be used: auth"),
        "{}",
        out.stderr
    );
    assert!(!out.all().contains(&wrong));
    let log = log_json(dir.path(), &[]);
    let list = log.as_array().expect("list");
    assert!(list.len() < 100, "the batch stopped at once");
    assert!(list.iter().all(|m| m["status"] == "queued"), "{log}");
    assert_journal_clean(dir.path());
    std::thread::sleep(Duration::from_millis(200));
    assert!(delivered(&sink, 0).is_empty());
}

#[test]
fn a_connection_the_server_ended_while_idle_is_dialled_again_without_a_retry() {
    // aiosmtpd says "421 ... Timeout" and hangs up after 0.3 s idle; at 2
    // messages a second every message after the first finds its kept
    // connection gone.
    for pipelining in [false, true] {
        let mut opts = vec!["--idle-timeout", "0.3"];
        if pipelining {
            opts.push("--pipelining");
        }
        let sink = Sink::start_opts(Mode::Plain, None, &opts);
        let dir = dir_with(&smtp_config(&plain_uri(&sink), "  message_retries: 0\n"));
        write_csv(dir.path(), "r.csv", &users(4));
        let out = courier(
            dir.path(),
            &[
                "send",
                "--batch",
                "r.csv",
                "--template",
                "verification_code_valid",
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
            (Some(4), Some(0)),
            "{s}"
        );
        assert!(results(&out).values().all(|v| v["attempts"] == 1));
        assert_eq!(delivered(&sink, 4).len(), 4);
    }
}

#[test]
fn ctrl_c_does_not_wait_for_rate_slots_or_send_after_it() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = dir_with(&smtp_config(&plain_uri(&sink), ""));
    write_csv(dir.path(), "r.csv", &users(5));
    // One message now, the next slot 10 s later.
    let mut child = spawn(
        dir.path(),
        &[
            "send",
            "--batch",
            "r.csv",
            "--template",
            "verification_code_valid",
            "-j",
            "2",
            "--rate",
            "6/m",
        ],
    );
    wait_for(&sink, 1);
    std::thread::sleep(Duration::from_millis(300));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
    assert_eq!(wait_exit(&mut child), 130);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        delivered(&sink, 1).len(),
        1,
        "nothing went out after Ctrl-C"
    );
    let log = log_json(dir.path(), &[]);
    let states: Vec<&str> = log
        .as_array()
        .expect("list")
        .iter()
        .map(|m| m["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(states.iter().filter(|s| **s == "sent").count(), 1, "{log}");
    assert!(
        states.iter().all(|s| *s == "sent" || *s == "queued"),
        "{log}"
    );
}

/// A batch whose reader goes away: in human mode the summary is all there
/// is to write, so the batch ends normally; with `--format json` the
/// result lines cannot be written, so the batch winds down as on Ctrl-C,
/// and a rerun sends the rest exactly once.
#[test]
fn a_closed_output_winds_a_json_batch_down() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = dir_with(&smtp_config(&plain_uri(&sink), ""));
    write_csv(dir.path(), "r.csv", &users(400));
    let run_closed = |extra: &[&str]| {
        let mut args = vec![
            "-c",
            "kratos.yml",
            "send",
            "--batch",
            "r.csv",
            "--template",
            "login_code_valid",
            "--rate",
            "400/s",
        ];
        args.extend(extra);
        let mut child = Command::new(env!("CARGO_BIN_EXE_courier"))
            .current_dir(dir.path())
            .args(&args)
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("courier starts");
        drop(child.stdout.take());
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr)
            .expect("stderr");
        let code = wait_exit(&mut child);
        assert!(!stderr.contains("panicked"), "{stderr}");
        (code, stderr)
    };
    let (code, stderr) = run_closed(&["--format", "json"]);
    assert_eq!(code, 130, "{stderr}");
    assert!(stderr.contains("output was closed"), "{stderr}");
    let sent_first = log_json(dir.path(), &["--status", "sent"])
        .as_array()
        .expect("list")
        .len();
    assert!(sent_first < 400, "it stopped early: {sent_first}");
    assert_eq!(
        log_json(dir.path(), &["--status", "processing"]),
        serde_json::json!([])
    );
    let (code, stderr) = run_closed(&[]);
    assert_eq!(code, 0, "the rest was sent: {stderr}");
    let got = delivered(&sink, 400);
    assert_eq!(got.len(), 400);
    assert!(got.values().all(|n| *n == 1), "exactly once: {got:?}");
}
