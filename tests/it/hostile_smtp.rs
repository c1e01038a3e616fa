//! Hostile SMTP servers cannot hurt the operator: a reply that never ends,
//! a line that never ends, a server that trickles past the deadline, bytes
//! injected after the answer to STARTTLS, and an implicit-TLS probe that
//! stops after TLS. Every run ends well within a bound, exits with its
//! documented status, and never prints the password.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::hostile::{Hostile, Step};
use crate::support::smtp::{PASSWORD, PASSWORD_ENCODED, USER, certs};
use crate::support::{Output, b64, run};

/// No run here may take longer than this (a hang guard, not a benchmark).
const BOUND: Duration = Duration::from_secs(20);

fn config(uri: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("kratos.yml"),
        format!(
            "courier:\n  message_retries: 1\n  smtp:\n    connection_uri: {uri}\n    from_address: accounts@example.com\n    local_name: courier.test\n"
        ),
    )
    .expect("write config");
    dir
}

/// A cleartext URI with a password (the server offers no STARTTLS).
fn cleartext(server: &Hostile) -> String {
    format!(
        "smtp://{USER}:{PASSWORD_ENCODED}@127.0.0.1:{}/?disable_starttls=true",
        server.port
    )
}

/// `courier -c kratos.yml ARGS` with the test CA, timed and checked for
/// the password.
fn courier(dir: &Path, args: &[&str]) -> (Output, Duration) {
    let mut all = vec!["-c", "kratos.yml"];
    all.extend(args);
    let ca = certs().ca.display().to_string();
    let start = Instant::now();
    let out = run(dir, &all, &[("SSL_CERT_FILE", ca.as_str())], None);
    let took = start.elapsed();
    for secret in [PASSWORD, PASSWORD_ENCODED] {
        assert!(
            !out.all().contains(secret),
            "the password was printed: {}",
            out.all()
        );
    }
    assert!(took < BOUND, "courier {args:?} took {took:?}");
    (out, took)
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.all()))
}

/// `courier test --format json`: the report, checked for its exit status,
/// failed stage and message.
fn probe_fails(dir: &Path, extra: &[&str], code: i32, stage: &str, message: &str) -> Value {
    let mut args = vec!["test", "--format", "json"];
    args.extend(extra);
    let (out, _) = courier(dir, &args);
    assert_eq!(out.code, code, "{}", out.all());
    let report = json(&out);
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["error"]["stage"], stage, "{report}");
    let text = report["error"]["message"].as_str().unwrap_or_default();
    assert!(text.contains(message), "{report}");
    report
}

fn send(dir: &Path) -> Output {
    courier(
        dir,
        &[
            "send",
            "--to",
            "jane@example.com",
            "--subject",
            "s",
            "--text",
            "t",
        ],
    )
    .0
}

/// `courier send --batch` of `n` rows (two workers, short backoff).
fn batch(dir: &Path, n: usize) -> Output {
    let rows: String = (1..=n).map(|i| format!("user{i}@example.com\n")).collect();
    std::fs::write(dir.join("r.csv"), format!("recipient\n{rows}")).expect("csv");
    let _ = std::fs::remove_file(dir.join("r.csv.courier.db"));
    courier(
        dir,
        &[
            "send",
            "--batch",
            "r.csv",
            "--template",
            "verification_code_valid",
            "-j",
            "2",
            "--backoff",
            "10ms",
        ],
    )
    .0
}

fn transcript_bytes(report: &Value) -> usize {
    report["transcript"]
        .as_array()
        .expect("transcript")
        .iter()
        .map(|l| l["text"].as_str().unwrap_or_default().len())
        .sum()
}

#[test]
fn an_endless_multi_line_reply_is_cut_at_100_lines() {
    let server = Hostile::start(vec![
        Step::Send(b"220 hostile ESMTP\r\n".to_vec()),
        Step::Until("EHLO".into()),
        Step::Flood(b"250-x\r\n".to_vec(), 200_000_000),
    ]);
    let dir = config(&cleartext(&server));
    let report = probe_fails(dir.path(), &[], 69, "ehlo", "exceeded 100 lines");
    let lines = report["transcript"].as_array().expect("transcript").len();
    assert!(lines < 150, "{lines} transcript lines");
    assert!(transcript_bytes(&report) < 4096);

    let (out, _) = courier(dir.path(), &["test"]);
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(
        out.stderr
            .contains("ehlo: the server's reply exceeded 100 lines"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("hint: "), "{}", out.stderr);

    let out = send(dir.path());
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(out.stderr.contains("exceeded 100 lines"), "{}", out.stderr);

    // A batch stops at once: every message would meet the same server.
    let out = batch(dir.path(), 5);
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(out.all().contains("exceeded 100 lines"), "{}", out.all());
    assert!(out.stdout.contains("left queued"), "{}", out.stdout);
}

#[test]
fn an_endless_reply_mid_transaction_fails_the_send_and_stops_a_batch() {
    let server = Hostile::start(vec![
        Step::Send(b"220 hostile ESMTP\r\n".to_vec()),
        Step::Until("EHLO".into()),
        Step::Send(b"250-hostile\r\n250 AUTH PLAIN\r\n".to_vec()),
        Step::Until("AUTH".into()),
        Step::Send(b"235 ok\r\n".to_vec()),
        Step::Until("MAIL".into()),
        Step::Flood(b"250-x\r\n".to_vec(), 200_000_000),
    ]);
    let dir = config(&cleartext(&server));
    let report = probe_fails(
        dir.path(),
        &["--to", "jane@example.com"],
        69,
        "mail",
        "exceeded 100 lines",
    );
    assert_eq!(report["reached"], "auth", "{report}");
    let out = send(dir.path());
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(out.stderr.contains("exceeded 100 lines"), "{}", out.stderr);
    // The server's fault, not the messages': retried, then the batch
    // stops with every row still queued (none abandoned).
    let out = batch(dir.path(), 5);
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(
        out.stderr
            .contains("the server cannot be used after 2 attempts")
            && out
                .stderr
                .contains("mail: the server's reply exceeded 100 lines"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("left queued"), "{}", out.stdout);
    assert!(!out.all().contains("abandoned: line"), "{}", out.all());
}

#[test]
fn an_endless_reply_line_is_cut_at_2_kib() {
    let mut chunk = b"220 ".to_vec();
    chunk.extend(std::iter::repeat_n(b'x', 4096));
    let server = Hostile::start(vec![Step::Flood(chunk, 200_000_000)]);
    let dir = config(&cleartext(&server));
    let report = probe_fails(
        dir.path(),
        &[],
        69,
        "banner",
        "the server sent a reply line longer than 2048 bytes",
    );
    assert!(transcript_bytes(&report) < 4096, "{report}");
    let out = send(dir.path());
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(
        out.stderr.contains("longer than 2048 bytes"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_trickling_server_cannot_stretch_a_step_past_its_deadline() {
    // A byte every 900 ms, then silence: each read returns before the
    // socket's timeout would, and the last one waits past the deadline.
    let server = Hostile::start(vec![
        Step::Send(b"220 hostile ESMTP\r\n".to_vec()),
        Step::Until("EHLO".into()),
        Step::Trickle(b"250-slow".to_vec(), Duration::from_millis(900)),
        Step::Sleep(Duration::from_secs(30)),
    ]);
    let dir = config(&cleartext(&server));
    let start = Instant::now();
    let report = probe_fails(
        dir.path(),
        &["--timeout", "2"],
        75,
        "ehlo",
        "timed out after 2s",
    );
    let took = start.elapsed();
    // The 2 s deadline, plus room for a busy machine; before, the last read
    // waited out a socket timeout armed for the whole session, then QUIT
    // its own 2 s.
    assert!(took < Duration::from_secs(4), "took {took:?}");
    // Out of step with the server: no QUIT after the timeout.
    let stages = report["stages"].as_array().expect("stages");
    assert!(stages.iter().all(|s| s["stage"] != "quit"), "{report}");
}

/// A server that offers STARTTLS and answers it with `starttls_reply`,
/// then plays along over TLS.
fn starttls_server(starttls_reply: &[u8]) -> Hostile {
    Hostile::start(vec![
        Step::Send(b"220 hostile ESMTP\r\n".to_vec()),
        Step::Until("EHLO".into()),
        Step::Send(b"250-hostile\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n".to_vec()),
        Step::Until("STARTTLS".into()),
        Step::Send(starttls_reply.to_vec()),
        Step::StartTls,
        Step::Until("EHLO".into()),
        Step::Send(b"250-hostile\r\n250 AUTH PLAIN\r\n".to_vec()),
        Step::Until("AUTH".into()),
        Step::Send(b"235 ok\r\n".to_vec()),
        Step::Until("QUIT".into()),
        Step::Send(b"221 bye\r\n".to_vec()),
    ])
}

#[test]
fn data_injected_after_the_starttls_reply_is_refused() {
    let uri = |s: &Hostile| format!("smtp://{USER}:{PASSWORD_ENCODED}@127.0.0.1:{}/", s.port);
    // The same server without injection gets through TLS to AUTH, with
    // EHLO said again under TLS.
    let clean = starttls_server(b"220 go ahead\r\n");
    let dir = config(&uri(&clean));
    let (out, _) = courier(dir.path(), &["test"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let seen = clean.received_after("QUIT");
    assert_eq!(seen.matches("EHLO courier.test").count(), 2, "{seen}");
    assert!(seen.contains("AUTH PLAIN"), "{seen}");

    let token = b64(&format!("\0{USER}\0{PASSWORD}"));
    for args in [
        &["test", "--format", "json"][..],
        &[
            "send",
            "--to",
            "jane@example.com",
            "--subject",
            "s",
            "--text",
            "t",
        ],
    ] {
        let server = starttls_server(b"220 go ahead\r\n250-fake\r\n250 AUTH NONE\r\n");
        let dir = config(&uri(&server));
        let (out, _) = courier(dir.path(), args);
        assert_eq!(out.code, 69, "{}", out.all());
        assert!(
            out.all().contains(
                "the server sent data after its STARTTLS reply, before the TLS handshake: possible injection; refusing"
            ),
            "{}",
            out.all()
        );
        if args[0] == "test" {
            let report = json(&out);
            assert_eq!(report["error"]["stage"], "tls", "{report}");
            assert!(report["tls"].is_null(), "{report}");
        }
        let seen = server.received_after("STARTTLS");
        assert!(seen.contains("STARTTLS"), "{seen}");
        for never in [
            "AUTH",
            "MAIL",
            "QUIT",
            token.as_str(),
            PASSWORD,
            PASSWORD_ENCODED,
        ] {
            assert!(!seen.contains(never), "sent {never:?}: {seen}");
        }
    }
}

#[test]
fn quit_after_tls_on_smtps_reads_the_greeting_before_quit() {
    let server = Hostile::start(vec![
        Step::StartTls,
        // Late, so a QUIT sent without waiting would come first.
        Step::Sleep(Duration::from_millis(300)),
        Step::Send(b"220 hostile ESMTP\r\n".to_vec()),
        Step::Until("QUIT".into()),
        Step::Send(b"221 bye\r\n".to_vec()),
    ]);
    let dir = config(&format!(
        "smtps://{USER}:{PASSWORD_ENCODED}@127.0.0.1:{}/",
        server.port
    ));
    let (out, _) = courier(
        dir.path(),
        &["test", "--quit-after", "tls", "--format", "json"],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let report = json(&out);
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["requested"], "tls", "{report}");
    assert_eq!(report["reached"], "tls", "{report}");
    let stages: Vec<(String, String, String)> = report["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| {
            let field = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
            (field("stage"), field("outcome"), field("detail"))
        })
        .collect();
    let names: Vec<&str> = stages.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names, ["connect", "tls", "banner", "quit"], "{report}");
    assert!(stages.iter().all(|s| s.1 == "ok"), "{report}");
    assert_eq!(stages[2].2, "220 hostile ESMTP");
    assert_eq!(stages[3].2, "221 bye");
    let seen = server.received_after("QUIT");
    assert_eq!(seen, "QUIT\r\n", "nothing but QUIT, after the greeting");
}

/// A server that takes the whole body and hangs up before its final reply
/// may have stored the message: a batch records it as uncertain, never
/// retries nor abandons it, and sends it again only with
/// `--resend-uncertain`.
#[test]
fn a_cut_after_the_body_is_uncertain_never_retried() {
    let server = Hostile::start(vec![
        Step::Send(b"220 hostile ESMTP\r\n".to_vec()),
        Step::Until("EHLO".into()),
        Step::Send(b"250-hostile\r\n250 AUTH PLAIN\r\n".to_vec()),
        Step::Until("AUTH".into()),
        Step::Send(b"235 ok\r\n".to_vec()),
        Step::Until("MAIL".into()),
        Step::Send(b"250 ok\r\n".to_vec()),
        Step::Until("RCPT".into()),
        Step::Send(b"250 ok\r\n".to_vec()),
        Step::Until("DATA".into()),
        Step::Send(b"354 go on\r\n".to_vec()),
        Step::Until(".\r\n".into()),
        Step::Close,
    ]);
    let dir = config(&cleartext(&server));
    std::fs::write(dir.path().join("r.csv"), "to\njane@example.com\n").unwrap();
    let batch = |extra: &[&str]| {
        let mut args = vec![
            "send",
            "--batch",
            "r.csv",
            "--template",
            "recovery_code_valid",
            "--backoff",
            "10ms",
            "--format",
            "json",
        ];
        args.extend(extra);
        courier(dir.path(), &args).0
    };
    let first = batch(&[]);
    assert_eq!(first.code, 1, "{}", first.all());
    let lines: Vec<Value> = first
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines[0]["status"], "uncertain", "{}", first.stdout);
    assert_eq!(lines[0]["attempts"], 1, "not retried: {}", first.stdout);
    let summary = lines.last().unwrap();
    assert_eq!(
        (summary["uncertain"].as_u64(), summary["abandoned"].as_u64()),
        (Some(1), Some(0))
    );
    let bodies = || server.received().matches("\r\n.\r\n").count();
    assert_eq!(bodies(), 1, "one body went out");
    let again = batch(&[]);
    assert_eq!(again.code, 1, "{}", again.all());
    assert!(
        again.stdout.contains("\"reason\":\"uncertain\""),
        "{}",
        again.stdout
    );
    assert_eq!(bodies(), 1, "a plain rerun does not send it again");
    let resend = batch(&["--resend-uncertain"]);
    assert!(
        resend.stdout.contains("\"status\":\"uncertain\""),
        "{}",
        resend.stdout
    );
    assert_eq!(bodies(), 2, "--resend-uncertain sends it again");
}
