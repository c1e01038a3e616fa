//! `courier watch`, messages per second, draining Kratos' queue in a
//! private PostgreSQL (the tests' cluster support; Debian's server
//! binaries are needed, as for `cargo test`) into the in-repo SMTP sink
//! (`batch/smtp_sink.rs`) on 127.0.0.1.
//!
//! For 1, 4 and 8 workers (`courier watch --once -j W`, one process), N
//! queued messages (v26.2.0's schema, queued as Kratos queues them); and in
//! the same run Kratos' design, replayed with its own statements: 10
//! messages per pull (an unlocked SELECT, then an UPDATE per row), the send
//! count raised, a new SMTP connection per message with one command per
//! round trip, the status and a dispatch row written, 1 s between pulls,
//! one worker, over `WATCH_BENCH_KRATOS_N` (100) messages, and again
//! without the 1 s wait over N (what a message itself costs). Every run must
//! leave the sink's counter N higher and every row `sent`. The median of
//! the rounds is reported, and each courier rate as a ratio to Kratos'.
//!
//! `cargo bench --bench watch`; `WATCH_BENCH_N` (5000) and
//! `WATCH_BENCH_ROUNDS` (3) override the sizes.
#![expect(clippy::print_stdout, reason = "a bench reports on stdout")]

#[path = "../tests/it/support/kratos_db.rs"]
#[expect(dead_code, reason = "shared with the tests, which use all of it")]
mod kratos_db;
#[path = "../tests/it/support/my_cluster.rs"]
mod my_cluster;
#[path = "../tests/it/support/pg_cluster.rs"]
mod pg_cluster;
#[path = "../tests/it/support/server.rs"]
mod server;
#[path = "batch/smtp_sink.rs"]
mod smtp_sink;

/// The cluster, as `kratos_db` finds it (`super::postgres::cluster()`).
mod postgres {
    use std::sync::OnceLock;

    pub fn cluster() -> &'static super::pg_cluster::Cluster {
        static CLUSTER: OnceLock<super::pg_cluster::Cluster> = OnceLock::new();
        CLUSTER.get_or_init(|| super::pg_cluster::start(None))
    }
}

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use kratos_db::{KratosDb, Queued};
use smtp_sink::SmtpSink;

const BIN: &str = env!("CARGO_BIN_EXE_courier");
const RELEASE: &str = "v26.2.0";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map_or(default, |v| v.trim().parse().expect("a number"))
}

fn queued(i: usize) -> Queued {
    let to = format!("user{i}@example.com");
    Queued {
        kind: 1,
        recipient: to.clone(),
        subject: "Use this code to recover access".to_owned(),
        body: format!("Hi, please recover access to your account with this code:\n\n{i:06}\n"),
        template_type: "recovery_code_valid".to_owned(),
        template_data: serde_json::json!({
            "to": to, "recovery_code": format!("{i:06}"), "identity": {"id": "x"},
            "request_url": "https://auth.example.com/recovery", "transient_payload": {},
            "expires_in_minutes": 15
        }),
        request_headers: serde_json::json!({}),
    }
}

/// A fresh queue of `n` messages.
fn queue(n: usize) -> KratosDb {
    let mut db = KratosDb::postgres(RELEASE);
    let all: Vec<Queued> = (0..n).map(queued).collect();
    db.enqueue(&all);
    db
}

fn all_sent(db: &KratosDb, n: usize) {
    let rows = db.messages();
    assert_eq!(rows.len(), n);
    assert!(rows.iter().all(|r| r.status == 2), "a message was not sent");
}

/// `courier watch --once -j workers`; its wall time.
fn courier(dir: &std::path::Path, db: &KratosDb, workers: usize) -> Duration {
    let start = Instant::now();
    let out = Command::new(BIN)
        .current_dir(dir)
        .args([
            "-c",
            "kratos.yml",
            "-q",
            "watch",
            "--once",
            "--kratos-version",
            RELEASE,
        ])
        .args(["-j", &workers.to_string()])
        .env_clear()
        .env("DSN", db.dsn())
        .output()
        .expect("courier runs");
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "courier watch failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

/// One SMTP reply (multi-line ones read whole), checked.
fn expect(reader: &mut BufReader<TcpStream>, code: &str) {
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("a reply");
        assert!(line.starts_with(code), "wanted {code}, got {line:?}");
        if line.as_bytes().get(3) != Some(&b'-') {
            return;
        }
    }
}

/// Kratos' mailer: a connection per message, one command per round trip.
fn kratos_send(port: u16, to: &str, body: &str) {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let mut w = stream.try_clone().expect("clone");
    let mut r = BufReader::new(stream);
    expect(&mut r, "220");
    let steps: [(String, &str); 4] = [
        ("EHLO localhost\r\n".into(), "250"),
        ("MAIL FROM:<no-reply@example.com>\r\n".into(), "250"),
        (format!("RCPT TO:<{to}>\r\n"), "250"),
        ("DATA\r\n".into(), "354"),
    ];
    for (cmd, code) in steps {
        w.write_all(cmd.as_bytes()).expect("write");
        expect(&mut r, code);
    }
    let msg = format!("To: {to}\r\nSubject: Use this code\r\n\r\n{body}\r\n.\r\n");
    w.write_all(msg.as_bytes()).expect("write");
    expect(&mut r, "250");
    w.write_all(b"QUIT\r\n").expect("write");
    expect(&mut r, "221");
}

/// Kratos' design, with its own statements and `pull_wait` between
/// pulls; its wall time.
fn kratos(db: &KratosDb, port: u16, pull_wait: Duration) -> Duration {
    let mut c = postgres::cluster().client(&db_name(db));
    let nid = db.nid.clone();
    let start = Instant::now();
    loop {
        let mut tx = c.transaction().expect("tx");
        let rows = tx
            .query(
                "SELECT id::text, recipient, body FROM courier_messages \
                 WHERE nid = $1::text::uuid AND status = 1 ORDER BY created_at ASC LIMIT 10",
                &[&nid],
            )
            .expect("select");
        for r in &rows {
            let id: String = r.get(0);
            tx.execute(
                "UPDATE courier_messages SET status = 3 WHERE id = $1::text::uuid AND nid = $2::text::uuid",
                &[&id, &nid],
            )
            .expect("update");
        }
        tx.commit().expect("commit");
        if rows.is_empty() {
            return start.elapsed();
        }
        for r in &rows {
            let (id, to, body): (String, String, String) = (r.get(0), r.get(1), r.get(2));
            c.execute(
                "UPDATE courier_messages SET send_count = send_count + 1 WHERE id = $1::text::uuid",
                &[&id],
            )
            .expect("count");
            kratos_send(port, &to, &body);
            c.execute(
                "UPDATE courier_messages SET status = 2 WHERE id = $1::text::uuid",
                &[&id],
            )
            .expect("sent");
            c.execute(
                "INSERT INTO courier_message_dispatches (id, message_id, status, error, nid) \
                 VALUES (gen_random_uuid(), $1::text::uuid, 'success', 'null', $2::text::uuid)",
                &[&id, &nid],
            )
            .expect("dispatch");
        }
        std::thread::sleep(pull_wait);
    }
}

/// The database name in a DSN (`…/NAME?…`).
fn db_name(db: &KratosDb) -> String {
    let dsn = db.dsn();
    let path = dsn.rsplit('/').next().unwrap_or_default();
    path.split('?').next().unwrap_or_default().to_owned()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let n = env_usize("WATCH_BENCH_N", 5000);
    let rounds = env_usize("WATCH_BENCH_ROUNDS", 3).max(1);
    let kn = env_usize("WATCH_BENCH_KRATOS_N", 100);
    println!(
        "watch bench: `cargo bench --bench watch` (WATCH_BENCH_N={n}, WATCH_BENCH_ROUNDS={rounds}, \
         WATCH_BENCH_KRATOS_N={kn}); PostgreSQL, in-repo SMTP sink on 127.0.0.1"
    );
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("kratos.yml"),
        format!(
            "courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:{}/?disable_starttls=true\n    \
             from_address: no-reply@example.com\n",
            sink.port
        ),
    )
    .expect("config");
    let db = queue(kn);
    let before = sink.messages().0;
    let kratos_time = kratos(&db, sink.port, Duration::from_secs(1));
    assert_eq!(sink.messages().0 - before, kn as u64);
    all_sent(&db, kn);
    let kratos_rate = kn as f64 / kratos_time.as_secs_f64();
    println!(
        "Kratos' design (1 worker, 10 per pull, 1 s wait): {kratos_rate:>9.1} msg/s ({kn} in {:.1} s)",
        kratos_time.as_secs_f64()
    );
    // The same without the wait: the cost of a message itself.
    let db = queue(n);
    let before = sink.messages().0;
    let nowait = kratos(&db, sink.port, Duration::ZERO);
    assert_eq!(sink.messages().0 - before, n as u64);
    all_sent(&db, n);
    let nowait_rate = n as f64 / nowait.as_secs_f64();
    println!(
        "Kratos' design without the wait (pull_wait: 0s): {nowait_rate:>9.1} msg/s ({n} messages)"
    );
    println!("| workers | courier watch msg/s | / Kratos' design | / Kratos' design, no wait |");
    println!("| --- | --- | --- | --- |");
    for workers in [1, 4, 8] {
        let mut times = Vec::new();
        for _ in 0..rounds {
            let db = queue(n);
            let before = sink.messages().0;
            times.push(courier(dir.path(), &db, workers));
            assert_eq!(sink.messages().0 - before, n as u64, "the sink's count");
            all_sent(&db, n);
        }
        let rate = n as f64 / median(times).as_secs_f64();
        println!(
            "| {workers} | {rate:.0} | {:.0}x | {:.1}x |",
            rate / kratos_rate,
            rate / nowait_rate
        );
    }
}
