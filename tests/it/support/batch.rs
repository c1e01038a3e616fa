//! What the batch tests share: configs and inputs in temp dirs, the
//! binary run with the test CA and checked for secrets, and readers of its
//! JSON lines, the sinks' deliveries and the journal.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::smtp::{PASSWORD, PASSWORD_ENCODED, Sink, certs};
use super::{Output, Running, run};

pub const API_KEY: &str = "Batch-Api-Key-5521";
pub const BASIC_PW: &str = "Batch-Basic-Pw-8830";
pub const SECRETS: [&str; 4] = [PASSWORD, PASSWORD_ENCODED, API_KEY, BASIC_PW];

pub fn dir_with(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("kratos.yml"), config).expect("config");
    dir
}

pub fn smtp_config(uri: &str, extra: &str) -> String {
    format!(
        "courier:\n{extra}  smtp:\n    connection_uri: {uri}\n    from_address: accounts@example.com\n"
    )
}

pub fn plain_uri(sink: &Sink) -> String {
    format!("smtp://127.0.0.1:{}/?disable_starttls=true", sink.port)
}

pub fn write_csv(dir: &Path, name: &str, recipients: &[String]) {
    let mut text = String::from("recipient\n");
    for r in recipients {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(dir.join(name), text).expect("csv");
}

pub fn users(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("user{i}@example.com")).collect()
}

pub fn assert_no_secret(text: &str, what: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "a secret reached {what}");
    }
}

/// `courier -c kratos.yml ARGS`, checked for secrets.
pub fn courier(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["-c", "kratos.yml"];
    all.extend(args);
    let ca = certs().ca.display().to_string();
    let out = run(dir, &all, &[("SSL_CERT_FILE", ca.as_str())], None);
    assert_no_secret(&out.all(), "the output");
    out
}

/// The journal's bytes (database and write-ahead log) hold no secret.
pub fn assert_journal_clean(dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("dir") {
        let p = entry.expect("entry").path();
        if p.to_string_lossy().contains(".courier.db") {
            let bytes = std::fs::read(&p).expect("journal file");
            assert_no_secret(&String::from_utf8_lossy(&bytes), "the journal");
        }
    }
}

pub fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

pub fn summary(out: &Output) -> Value {
    let lines = json_lines(&out.stdout);
    let last = lines.last().cloned().expect("a summary line");
    assert_eq!(last["type"], "summary", "{}", out.all());
    last
}

/// Result lines by input line.
pub fn results(out: &Output) -> BTreeMap<u64, Value> {
    json_lines(&out.stdout)
        .into_iter()
        .filter(|v| v["type"] == "result")
        .map(|v| (v["line"].as_u64().expect("line"), v))
        .collect()
}

/// How many times each recipient was delivered, once the sink holds `n`.
pub fn delivered(sink: &Sink, n: usize) -> BTreeMap<String, usize> {
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

pub fn log_json(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["log", "--journal", "r.csv.courier.db", "--format", "json"];
    args.extend(extra);
    let out = run(dir, &args, &[], None);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_no_secret(&out.all(), "courier log");
    serde_json::from_str(&out.stdout).expect("log JSON")
}

/// courier in the background, killed if the test ends before it does.
pub fn spawn(dir: &Path, args: &[&str]) -> Running {
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
        .map(Running)
        .expect("courier starts")
}

/// Waits until the sink holds at least `n` messages (at most 30 s).
pub fn wait_for(sink: &Sink, n: usize) {
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
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("the sink never reached {n} messages");
}

pub fn wait_exit(child: &mut Child) -> i32 {
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

/// A batch of `rows` users against a port nothing listens on (the server
/// cannot be used: the batch stops, its rows left), with `extra` flags.
pub fn refused_batch(rows: usize, extra: &[&str]) -> (tempfile::TempDir, Output) {
    let dir = dir_with(&smtp_config("smtp://127.0.0.1:9/", ""));
    write_csv(dir.path(), "r.csv", &users(rows));
    let out = refused_rerun(dir.path(), extra);
    (dir, out)
}

/// The batch of [`refused_batch`] again, in `dir`.
pub fn refused_rerun(dir: &std::path::Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "send",
        "--batch",
        "r.csv",
        "--template",
        "recovery_code_valid",
        "--timeout",
        "1",
        "--backoff",
        "10ms",
    ];
    args.extend(extra);
    courier(dir, &args)
}
