//! `courier send --batch` for real: a real SMTP server (aiosmtpd, over real
//! STARTTLS with AUTH, or with faults: 451, 550, 421, dropped connections,
//! connections closed between messages); HTTP batches are `batch_http`'s.
//! Every recipient is delivered exactly once, retries and abandonments are
//! recorded in the journal, a killed or interrupted batch resumes, and no
//! secret reaches the output or the journal.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::batch::{
    assert_journal_clean, courier, delivered, dir_with, log_json, plain_uri, refused_batch,
    refused_rerun, results, smtp_config, spawn, summary, users, wait_exit, wait_for, write_csv,
};
use crate::support::run;
use crate::support::smtp::{Mode, PASSWORD_ENCODED, Sink, USER};

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
            "drop-e@example.com",   // line 36: connection cut after its body once: uncertain
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
    // The whole body went out and no reply came: maybe stored, not retried.
    assert_eq!(status(36), ("uncertain".into(), 1));
    assert_eq!(r[&34]["reply"], "550 5.1.1 no such user");
    let s = summary(&out);
    assert_eq!(
        (
            s["sent"].as_u64(),
            s["abandoned"].as_u64(),
            s["retries"].as_u64()
        ),
        (Some(32), Some(2), Some(4)),
        "connections closed between messages are re-dialled without a retry: {s}"
    );
    assert_eq!(s["uncertain"], 1, "{s}");
    let got = delivered(&sink, 32);
    assert_eq!(got.len(), 32);
    assert!(got.values().all(|&n| n == 1), "{got:?}");
    assert!(!got.contains_key("reject-c@example.com"));
    // MAIL, RCPT and DATA go in one write only to a server that offers
    // PIPELINING.
    let pipelined = sink
        .messages(32)
        .iter()
        .filter(|m| m.envelope["pipelined"] == true)
        .count();
    if pipelining {
        assert!(pipelined > 16, "{pipelined} of 32 pipelined");
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
            s["uncertain"].as_u64(),
            s["sent"].as_u64()
        ),
        (Some(32), Some(2), Some(1), Some(0))
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
    assert_eq!(delivered(&sink, 32).values().sum::<usize>(), 32);
    // The uncertain one goes again only when asked.
    let mut resend = args.to_vec();
    resend.push("--resend-uncertain");
    let out = courier(dir.path(), &resend);
    assert_eq!(results(&out)[&36]["status"], "sent", "{}", out.all());
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
    let s = summary(&out);
    // Claims are made in --rate slots: at most the two messages on their
    // way out were claimed at the kill (often none).
    let uncertain = s["uncertain"].as_u64().expect("uncertain");
    assert!(uncertain <= 2, "{s}");
    let code = if uncertain > 0 { 1 } else { 0 };
    assert_eq!(out.code, code, "uncertain rows leave exit 1: {}", out.all());
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
    // So is reading it: the run holds SQLite's lock until its end.
    let log = run(dir.path(), &["log"], &[], None);
    assert_eq!(log.code, 75, "{}", log.all());
    assert!(
        log.stderr.contains("a running batch is writing it"),
        "{}",
        log.all()
    );
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

/// A database that is not a courier journal is refused, untouched; a
/// damaged journal exits 66 with SQLite's reason and what to do.
#[test]
fn foreign_and_damaged_journals_are_refused() {
    let dir = dir_with(&smtp_config("smtp://127.0.0.1:9/", ""));
    write_csv(dir.path(), "r.csv", &users(300));
    let foreign = dir.path().join("other.db");
    {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let batch = |journal: &str| {
        courier(
            dir.path(),
            &[
                "send",
                "--batch",
                "r.csv",
                "--journal",
                journal,
                "--template",
                "recovery_code_valid",
                "--timeout",
                "1",
                "--backoff",
                "10ms",
            ],
        )
    };
    let out = batch("other.db");
    assert_eq!(out.code, 66, "{}", out.all());
    assert!(
        out.stderr.contains("not a courier journal"),
        "{}",
        out.stderr
    );
    let tables: Vec<String> = {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        let mut s = c.prepare("SELECT name FROM sqlite_master").unwrap();
        s.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(tables, ["t"], "the foreign database was changed");
    let log = run(dir.path(), &["log", "--journal", "other.db"], &[], None);
    assert_eq!(log.code, 66, "{}", log.all());
    assert!(
        log.stderr.contains("not a courier journal"),
        "{}",
        log.stderr
    );
    // A journal of this batch (the server refuses: the batch stops, its
    // rows queued), then damaged.
    let first = batch("r.db");
    assert_eq!(first.code, 69, "{}", first.all());
    let path = dir.path().join("r.db");
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 3 * 4096, "{}", bytes.len());
    for b in &mut bytes[2 * 4096..3 * 4096] {
        *b = 0xde;
    }
    std::fs::write(&path, bytes).unwrap();
    let damaged = batch("r.db");
    assert_eq!(damaged.code, 66, "{}", damaged.all());
    assert!(damaged.stderr.contains("malformed"), "{}", damaged.stderr);
    assert!(
        damaged.stderr.contains("the journal is damaged"),
        "{}",
        damaged.stderr
    );
}

/// A batch that stops early counts every row it leaves: the queued ones
/// and those it never read.
#[test]
fn an_early_stop_counts_every_row_left() {
    let (dir, out) = refused_batch(500, &["--format", "json"]);
    assert_eq!(out.code, 69, "{}", out.all());
    // The summary line, then the error that stopped the batch.
    let s: serde_json::Value =
        serde_json::from_str(out.stdout.lines().next().unwrap_or_default()).expect("summary");
    let left = s["queued"].as_u64().unwrap() + s["unread"].as_u64().unwrap();
    assert_eq!(left, 500, "{s}");
    assert!(
        s["unread"].as_u64().unwrap() > 0,
        "the batch stopped before the end: {s}"
    );
    let human = refused_rerun(dir.path(), &[]);
    assert!(
        human.stderr.contains("500 left queued (") || human.stdout.contains("500 left queued ("),
        "{}",
        human.all()
    );
}

/// A batch that ended leaves its journal as one file, and `courier log`
/// reads it as an unchanging file: it leaves no -wal, -shm or -journal file
/// behind.
#[test]
fn log_leaves_nothing_behind() {
    let (dir, out) = refused_batch(20, &[]);
    assert_eq!(out.code, 69, "{}", out.all());
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = listing();
    assert_eq!(
        before.iter().filter(|n| n.contains(".courier.db")).count(),
        1,
        "{before:?}"
    );
    let log = run(dir.path(), &["log"], &[], None);
    assert_eq!(log.code, 0, "{}", log.all());
    // A header and the rows that were attempted.
    assert!(log.stdout.lines().count() > 1, "{}", log.stdout);
    assert_eq!(listing(), before, "courier log left files behind");
    // A read-only journal in a read-only folder reads the same.
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod");
    };
    let journal = dir.path().join("r.csv.courier.db");
    mode(&journal, 0o444);
    mode(dir.path(), 0o555);
    let read_only = run(dir.path(), &["log"], &[], None);
    mode(dir.path(), 0o755);
    mode(&journal, 0o644);
    assert_eq!(read_only.code, 0, "{}", read_only.all());
    assert_eq!(read_only.stdout, log.stdout);
    assert_eq!(listing(), before, "courier log left files behind");
}
