//! Batch sending, messages per second, against in-repo sinks on 127.0.0.1
//! (`batch/smtp_sink.rs`, `batch/http_sink.rs`), at concurrency 1, 4 and 16.
//!
//! SMTP, N messages (~2.2 KB multipart verification email): Kratos' way (a
//! new connection per message, one command per round trip), the whole
//! `courier send --batch` process, and a raw pipelined client (one
//! connection per thread, `MAIL`/`RCPT`/`DATA` in one write: the ceiling).
//! HTTP, N requests: a plain keep-alive `reqwest` POST loop (~300-byte JSON)
//! against the whole `courier send --batch` process (a Jsonnet body rendered
//! per message). The clients run interleaved per level, the median of the
//! rounds is reported; courier's summary and the sinks' counters must both
//! say N. Last, the peak RSS of a dry run over a 1,000,000-row CSV against
//! `courier --version` (`ru_maxrss` through GNU time, else Python).
//! Then SMTP again behind a proxy that adds 20 ms of round-trip time
//! (`batch/delay_proxy.rs`), `BATCH_BENCH_RTT_N` (200) messages, one round,
//! at concurrency 1 and 16: where the network, not CPU, sets the pace.
//!
//! `cargo bench --bench batch`; `BATCH_BENCH_N` (10000), `BATCH_BENCH_ROUNDS`
//! (3) and `BATCH_BENCH_DRYRUN_N` (1000000) override the sizes.
//! `BATCH_BENCH_BASELINE=PATH` also runs another courier binary (an earlier
//! build) interleaved with this one, for a before/after ratio in one run;
//! `BATCH_BENCH_ONLY=smtp|http|dry|rtt` runs one part, `BATCH_BENCH_LEVELS=4,16`
//! some levels; `BATCH_BENCH_VERBOSE=1` prints every courier run.
#![expect(clippy::print_stdout, reason = "a bench reports on stdout")]

#[path = "batch/delay_proxy.rs"]
mod delay_proxy;
#[path = "batch/http_sink.rs"]
mod http_sink;
#[path = "batch/smtp_sink.rs"]
mod smtp_sink;

use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use delay_proxy::DelayProxy;
use http_sink::HttpSink;
use smtp_sink::SmtpSink;

/// The concurrency levels (`BATCH_BENCH_LEVELS=1,4,16` by default).
fn levels() -> Vec<usize> {
    std::env::var("BATCH_BENCH_LEVELS")
        .ok()
        .map(|v| {
            v.split(',')
                .map(|l| l.trim().parse().expect("BATCH_BENCH_LEVELS: numbers"))
                .collect()
        })
        .unwrap_or_else(|| vec![1, 4, 16])
}
const BIN: &str = env!("CARGO_BIN_EXE_courier");
const TEMPLATE: &str = "verification_code_valid";
const FROM: &str = "bench@example.com";
/// A courier run that takes longer than this is killed and reported.
const COURIER_LIMIT: Duration = Duration::from_secs(300);

/// A SendGrid-style request body, ~300 bytes.
const JSON_BODY: &str = r#"{"from":{"email":"no-reply@example.com","name":"Example Accounts"},"personalizations":[{"to":[{"email":"user1@example.com"}]}],"subject":"Confirm your email address","content":[{"type":"text/plain","value":"Hello, please confirm that this address is yours with this code: 742913"}],"categories":["verification_code_valid"]}"#;

fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not {v:?}")),
        Err(_) => default,
    }
}

fn main() {
    let n = env_usize("BATCH_BENCH_N", 10_000);
    let rounds = env_usize("BATCH_BENCH_ROUNDS", 3).max(1);
    let dry_n = env_usize("BATCH_BENCH_DRYRUN_N", 1_000_000);
    println!(
        "batch bench: `cargo bench --bench batch` (BATCH_BENCH_N={n}, BATCH_BENCH_ROUNDS={rounds}, \
         BATCH_BENCH_DRYRUN_N={dry_n})"
    );
    let dir = tempfile::tempdir().expect("temporary directory");
    let csv = dir.path().join("batch.csv");
    write_csv(&csv, n);

    let only = std::env::var("BATCH_BENCH_ONLY").unwrap_or_default();
    let part = |name: &str| only.is_empty() || only == name;
    if part("smtp") {
        smtp(dir.path(), &csv, n, rounds);
    }
    if part("http") {
        http(dir.path(), &csv, n, rounds);
    }
    if part("dry") {
        dry_run(dir.path(), dry_n);
    }
    if part("rtt") {
        rtt(dir.path(), env_usize("BATCH_BENCH_RTT_N", 200));
    }
}

/// A CSV with a `recipient` header and `n` rows.
fn write_csv(path: &Path, n: usize) {
    let mut w = BufWriter::new(std::fs::File::create(path).expect("create the CSV"));
    writeln!(w, "recipient").expect("write the CSV");
    for i in 0..n {
        writeln!(w, "user{i}@example.com").expect("write the CSV");
    }
    w.flush().expect("write the CSV");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// Runs `per_thread` on `c` scoped threads and times the whole.
fn timed_threads(c: usize, per_thread: impl Fn() + Sync) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..c {
            s.spawn(&per_thread);
        }
    });
    start.elapsed()
}

// --- SMTP -----------------------------------------------------------------

fn smtp(dir: &Path, csv: &Path, n: usize, rounds: usize) {
    let sink = SmtpSink::start();
    let cfg = dir.join("smtp.yml");
    std::fs::write(
        &cfg,
        format!(
            "courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:{}/?disable_starttls=true\n    \
             from_address: {FROM}\n",
            sink.port
        ),
    )
    .expect("write the SMTP config");
    let message = email_message();
    let mut courier_bytes = 0;
    println!();
    println!(
        "SMTP, {n} messages ({}-byte multipart email for the raw clients), median of {rounds} rounds, msg/s",
        message.len() - 3
    );
    println!(
        "{:>5} {:>11} {:>11} {:>14} {:>15} {:>12}",
        "conc", "Kratos-way", "courier", "raw pipelined", "courier/Kratos", "courier/raw"
    );
    for c in levels() {
        let (mut kratos, mut courier, mut raw) = (Vec::new(), Ok(Vec::new()), Vec::new());
        let mut before = Vec::new();
        for round in 0..rounds {
            kratos.push(counted(
                n,
                || sink.messages(),
                || kratos_way(sink.port, &message, n, c),
            ));
            if let Some(bin) = baseline() {
                let journal = dir.join(format!("smtp-base-j{c}-r{round}.db"));
                before.push(run_courier(&bin, &cfg, csv, c, &journal, n, &|| {
                    sink.messages()
                }));
            }
            if let Ok(runs) = &mut courier {
                let journal = dir.join(format!("smtp-j{c}-r{round}.db"));
                match run_courier(Path::new(BIN), &cfg, csv, c, &journal, n, &|| {
                    sink.messages()
                }) {
                    Ok(run) => {
                        courier_bytes = run.bytes;
                        runs.push(run);
                    }
                    Err(e) => courier = Err(e),
                }
            }
            raw.push(counted(
                n,
                || sink.messages(),
                || pipelined(sink.port, &message, n, c),
            ));
        }
        let (k, r) = (rate(n, median(kratos)), rate(n, median(raw)));
        match courier {
            Ok(runs) => {
                let co = rate(n, median(runs.iter().map(|r| r.wall).collect()));
                println!(
                    "{c:>5} {k:>11.0} {co:>11.0} {r:>14.0} {:>14.2}x {:>11.2}x",
                    co / k,
                    co / r
                );
                print_baseline(n, &runs, before);
            }
            Err(e) => {
                println!(
                    "{c:>5} {k:>11.0} {:>11} {r:>14.0} {:>15} {:>12}",
                    "-", "-", "-"
                );
                println!("      {e}");
            }
        }
    }
    if courier_bytes > 0 {
        println!(
            "      (courier's messages, as the sink received them: {courier_bytes} bytes on average)"
        );
    }
}

/// The earlier courier binary to compare with (`BATCH_BENCH_BASELINE`).
fn baseline() -> Option<PathBuf> {
    std::env::var_os("BATCH_BENCH_BASELINE").map(PathBuf::from)
}

/// The baseline's rate and CPU time per message at this level, and this
/// build's against them.
fn print_baseline(n: usize, now: &[Run], runs: Vec<Result<Run, String>>) {
    if runs.is_empty() {
        return;
    }
    let base = match runs.into_iter().collect::<Result<Vec<_>, _>>() {
        Ok(runs) => runs,
        Err(e) => {
            println!("      baseline: {e}");
            return;
        }
    };
    let wall = |r: &[Run]| rate(n, median(r.iter().map(|r| r.wall).collect()));
    let cpu = |r: &[Run]| {
        let each: Option<Vec<Duration>> = r.iter().map(|r| r.cpu).collect();
        each.map(|v| median(v).as_secs_f64() * 1e6 / n as f64)
    };
    print!(
        "      baseline {:.0}/s; this build / baseline {:.2}x",
        wall(&base),
        wall(now) / wall(&base)
    );
    match (cpu(now), cpu(&base)) {
        (Some(a), Some(b)) => println!(
            "; CPU {a:.1} µs/msg (baseline {b:.1}: {:.2}x as efficient)",
            b / a
        ),
        _ => println!(),
    }
}

/// Times `run` and checks that the sink counted `n` more.
fn counted(n: usize, count: impl Fn() -> (u64, u64), run: impl FnOnce() -> Duration) -> Duration {
    let before = count().0;
    let d = run();
    let got = count().0 - before;
    assert_eq!(
        got, n as u64,
        "the sink counted {got} messages, {n} were sent"
    );
    d
}

/// A realistic verification email as Kratos' mailer writes it
/// (multipart/alternative, quoted-printable), ~2.2 KB, followed by the
/// final `.\r\n`.
fn email_message() -> Vec<u8> {
    let url = "https://auth.example.com/self-service/verification?code=742913&flow=5f8d1c2e-6b3a-4f7e-9d21-0c4b7a9e3f10";
    let qp_url = url.replace('=', "=3D");
    let html_url = qp_url.replace('&', "&amp;");
    let b = "b1d4a7c0e9f2835614c7a9e0d3f6b2c58e1a4d7f0c3b6e9a2d5f8c1b4e7a0d3f";
    let mut m = String::new();
    m.push_str("Mime-Version: 1.0\r\n");
    m.push_str("Date: Mon, 05 Jan 2026 10:00:00 +0000\r\n");
    m.push_str("Message-Id: <1767607200000000000.742913.5f8d1c2e@auth.example.com>\r\n");
    m.push_str("From: Example Accounts <no-reply@example.com>\r\n");
    m.push_str("To: user1@example.com\r\n");
    m.push_str("Subject: Confirm your email address\r\n");
    m.push_str(&format!(
        "Content-Type: multipart/alternative;\r\n boundary={b}\r\n\r\n"
    ));
    m.push_str(&format!(
        "--{b}\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
    ));
    m.push_str("Hello,\r\n\r\nplease confirm that this address is yours with this code:\r\n\r\n742913\r\n\r\n");
    m.push_str("or by opening this link:\r\n\r\n");
    m.push_str(&soft_wrap(&qp_url));
    m.push_str("\r\n\r\nThe code works for 60 minutes. If you did not create an account with\r\n");
    m.push_str("Example, you can ignore this message: nothing happens without the code.\r\n\r\n");
    m.push_str("-- \r\nExample Accounts, 1 Example Street, Example City\r\n");
    m.push_str(&format!(
        "--{b}\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"
    ));
    let html = format!(
        "<!DOCTYPE html><html><head><meta charset=3D\"utf-8\"><title>Confirm your email address</title></head>\
         <body style=3D\"font-family:Helvetica,Arial,sans-serif;color:#1f2933;background:#f5f7fa\">\
         <table role=3D\"presentation\" width=3D\"100%\" cellpadding=3D\"0\" cellspacing=3D\"0\"><tr><td align=3D\"center\">\
         <table role=3D\"presentation\" width=3D\"560\" style=3D\"background:#ffffff;border-radius:8px;padding:32px\">\
         <tr><td><p>Hello,</p><p>please confirm that this address is yours with this code:</p>\
         <p style=3D\"font-size:28px;letter-spacing:6px\"><strong>742913</strong></p>\
         <p>or by opening this link: <a href=3D\"{html_url}\">{html_url}</a></p>\
         <p>The code works for 60 minutes. If you did not create an account with Example, you can ignore this message.</p>\
         <p style=3D\"font-size:12px;color:#7b8794\">Example Accounts, 1 Example Street, Example City</p>\
         </td></tr></table></td></tr></table></body></html>"
    );
    m.push_str(&soft_wrap(&html));
    m.push_str(&format!("\r\n--{b}--\r\n"));
    let mut bytes = m.into_bytes();
    bytes.extend_from_slice(b".\r\n");
    bytes
}

/// Quoted-printable soft line breaks every 75 characters (never inside an
/// `=XX` escape, never leaving a `.` at a line start).
fn soft_wrap(s: &str) -> String {
    let mut out = String::new();
    let mut col = 0;
    let mut chars = s.chars().peekable();
    while let Some(ch) = chars.next() {
        let piece = if ch == '=' {
            let hex: String = [chars.next(), chars.next()].into_iter().flatten().collect();
            format!("={hex}")
        } else {
            ch.to_string()
        };
        if col + piece.len() > 75 || (col == 0 && piece == ".") {
            if col > 0 {
                out.push_str("=\r\n");
                col = 0;
            }
            if piece == "." {
                out.push_str("=2E");
                col += 3;
                continue;
            }
        }
        col += piece.len();
        out.push_str(&piece);
    }
    out
}

/// A plaintext SMTP connection with a buffered reader.
struct Smtp {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    line: String,
}

impl Smtp {
    fn open(port: u16) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the SMTP sink");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        let writer = stream.try_clone().expect("clone the stream");
        let mut s = Self {
            reader: BufReader::with_capacity(16 * 1024, stream),
            writer,
            line: String::with_capacity(256),
        };
        s.expect("220");
        s
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer
            .write_all(bytes)
            .expect("write to the SMTP sink");
    }

    /// Reads one (possibly multi-line) reply and checks its code.
    fn expect(&mut self, code: &str) {
        loop {
            self.line.clear();
            let read = self.reader.read_line(&mut self.line).expect("read a reply");
            assert!(read > 0, "the SMTP sink closed the connection");
            assert!(
                self.line.starts_with(code),
                "wanted {code}, got {:?}",
                self.line
            );
            if self.line.as_bytes().get(3) != Some(&b'-') {
                return;
            }
        }
    }
}

/// Kratos' way: a new connection per message, one command per round trip,
/// `c` threads taking messages from a shared counter.
fn kratos_way(port: u16, message: &[u8], n: usize, c: usize) -> Duration {
    let next = AtomicUsize::new(0);
    timed_threads(c, || {
        let mut cmd = String::with_capacity(128);
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                return;
            }
            let mut s = Smtp::open(port);
            s.send(b"EHLO localhost\r\n");
            s.expect("250");
            s.send(format!("MAIL FROM:<{FROM}> BODY=8BITMIME\r\n").as_bytes());
            s.expect("250");
            cmd.clear();
            cmd.push_str(&format!("RCPT TO:<user{i}@example.com>\r\n"));
            s.send(cmd.as_bytes());
            s.expect("250");
            s.send(b"DATA\r\n");
            s.expect("354");
            s.send(message);
            s.expect("250");
            s.send(b"QUIT\r\n");
            s.expect("221");
        }
    })
}

/// The ceiling: one connection per thread, EHLO once, then per message
/// `MAIL`/`RCPT`/`DATA` in one write and the body in another.
fn pipelined(port: u16, message: &[u8], n: usize, c: usize) -> Duration {
    let next = AtomicUsize::new(0);
    timed_threads(c, || {
        let mut s = Smtp::open(port);
        s.send(b"EHLO localhost\r\n");
        s.expect("250");
        let mut cmd = String::with_capacity(128);
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            cmd.clear();
            cmd.push_str(&format!(
                "MAIL FROM:<{FROM}> BODY=8BITMIME\r\nRCPT TO:<user{i}@example.com>\r\nDATA\r\n"
            ));
            s.send(cmd.as_bytes());
            s.expect("250");
            s.expect("250");
            s.expect("354");
            s.send(message);
            s.expect("250");
        }
        s.send(b"QUIT\r\n");
        s.expect("221");
    })
}

/// SMTP behind 20 ms of added round-trip time: Kratos' way (~7 round trips
/// per message), courier (2, plus its journal commit) and the raw pipelined
/// client (2), one round each at concurrency 1 and 16.
fn rtt(dir: &Path, n: usize) {
    let rtt = Duration::from_millis(20);
    let sink = SmtpSink::start();
    let proxy = DelayProxy::start(sink.port, rtt);
    let cfg = dir.join("smtp-rtt.yml");
    std::fs::write(
        &cfg,
        format!(
            "courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:{}/?disable_starttls=true\n    \
             from_address: {FROM}\n",
            proxy.port
        ),
    )
    .expect("write the SMTP config");
    let csv = dir.join("rtt.csv");
    write_csv(&csv, n);
    let message = email_message();
    println!();
    println!(
        "SMTP behind {} ms of added round-trip time, {n} messages, one round, msg/s",
        rtt.as_millis()
    );
    println!(
        "{:>5} {:>11} {:>11} {:>14} {:>15} {:>12}",
        "conc", "Kratos-way", "courier", "raw pipelined", "courier/Kratos", "courier/raw"
    );
    for c in [1, 16] {
        let k = rate(
            n,
            counted(
                n,
                || sink.messages(),
                || kratos_way(proxy.port, &message, n, c),
            ),
        );
        let journal = dir.join(format!("rtt-j{c}.db"));
        let co = run_courier(Path::new(BIN), &cfg, &csv, c, &journal, n, &|| {
            sink.messages()
        });
        let r = rate(
            n,
            counted(
                n,
                || sink.messages(),
                || pipelined(proxy.port, &message, n, c),
            ),
        );
        match co {
            Ok(run) => {
                let co = rate(n, run.wall);
                println!(
                    "{c:>5} {k:>11.1} {co:>11.1} {r:>14.1} {:>14.2}x {:>11.2}x",
                    co / k,
                    co / r
                );
            }
            Err(e) => println!("{c:>5} {k:>11.1} {:>11} {r:>14.1}      {e}", "-"),
        }
    }
}

// --- courier --------------------------------------------------------------

/// The whole `courier send --batch` process: its wall time and the
/// average bytes per message the sink received, once its JSON summary says
/// `n` sent and the sink counted `n` more.
fn run_courier(
    bin: &Path,
    cfg: &Path,
    csv: &Path,
    c: usize,
    journal: &Path,
    n: usize,
    count: &dyn Fn() -> (u64, u64),
) -> Result<Run, String> {
    let before = count();
    // GNU time, when there, also gives the process' CPU time: steadier
    // than wall time on a shared machine.
    let report = journal.with_extension("time");
    let mut cmd = if Path::new(GNU_TIME).is_file() {
        let mut c = Command::new(GNU_TIME);
        c.arg("-o").arg(&report).args(["-f", "%U %S"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(["-q", "--format", "json", "-c"])
        .arg(cfg)
        .args(["send", "--batch"])
        .arg(csv)
        .args(["--template", TEMPLATE, "--concurrency", &c.to_string()])
        .arg("--journal")
        .arg(journal);
    let start = Instant::now();
    let out = output_within(cmd, COURIER_LIMIT)
        .map_err(|e| format!("courier batch sending failed: {e}"))?;
    let elapsed = start.elapsed();
    if !out.status.success() {
        let code = out
            .status
            .code()
            .map_or_else(|| "by a signal".to_owned(), |c| c.to_string());
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!(
            "courier batch sending failed: exit {code}: {first}"
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let summary: serde_json::Value = serde_json::from_str(last)
        .map_err(|e| format!("courier's last stdout line is not JSON ({e}): {last:?}"))?;
    if summary["type"] != "summary" {
        return Err(format!("courier's last stdout line is no summary: {last}"));
    }
    if summary["sent"].as_u64() != Some(n as u64) {
        return Err(format!("courier's summary does not say {n} sent: {last}"));
    }
    let after = count();
    let got = after.0 - before.0;
    if got != n as u64 {
        return Err(format!(
            "the sink counted {got} messages, courier's summary says {n} sent"
        ));
    }
    let cpu = std::fs::read_to_string(&report).ok().and_then(|t| {
        let mut f = t.lines().last()?.split_whitespace().map(str::parse::<f64>);
        Some(Duration::from_secs_f64(f.next()?.ok()? + f.next()?.ok()?))
    });
    if std::env::var_os("BATCH_BENCH_VERBOSE").is_some() {
        println!(
            "      run {}: -j {c}: {:.0}/s, CPU {}",
            bin.display(),
            n as f64 / elapsed.as_secs_f64(),
            cpu.map_or("?".into(), |d| format!(
                "{:.0} µs/msg",
                d.as_secs_f64() * 1e6 / n as f64
            ))
        );
    }
    Ok(Run {
        wall: elapsed,
        bytes: (after.1 - before.1) / got.max(1),
        cpu,
    })
}

/// One courier run: wall time, average bytes per message at the sink, and
/// CPU time (user + system) when GNU time measured it.
struct Run {
    wall: Duration,
    bytes: u64,
    cpu: Option<Duration>,
}

const GNU_TIME: &str = "/usr/bin/time";

/// Runs `cmd` to its end, collecting its output; kills it after `limit`.
fn output_within(mut cmd: Command, limit: Duration) -> Result<Output, String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run courier: {e}"))?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("cannot wait: {e}"))? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no exit within {} s (killed)", limit.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    Ok(Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

// --- HTTP -----------------------------------------------------------------

fn http(dir: &Path, csv: &Path, n: usize, rounds: usize) {
    let sink = HttpSink::start();
    let jsonnet: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests/examples/sendgrid.jsonnet",
    ]
    .iter()
    .collect();
    assert!(jsonnet.is_file(), "{} is missing", jsonnet.display());
    let url = format!("http://127.0.0.1:{}/send", sink.port);
    let cfg = dir.join("http.yml");
    std::fs::write(
        &cfg,
        format!(
            "courier:\n  delivery_strategy: http\n  http:\n    request_config:\n      url: {url}\n      \
             method: POST\n      body: file://{}\n",
            jsonnet.display()
        ),
    )
    .expect("write the HTTP config");
    let client = reqwest::blocking::Client::builder()
        .build()
        .expect("HTTP client");
    let mut courier_bytes = 0;
    println!();
    println!(
        "HTTP, {n} requests (plain loop: {}-byte JSON; courier: the SendGrid Jsonnet body), median of {rounds} rounds, req/s",
        JSON_BODY.len()
    );
    println!(
        "{:>5} {:>11} {:>11} {:>14}",
        "conc", "POST loop", "courier", "courier/loop"
    );
    for c in levels() {
        let (mut plain, mut courier) = (Vec::new(), Ok(Vec::new()));
        let mut before = Vec::new();
        for round in 0..rounds {
            plain.push(counted(
                n,
                || sink.requests(),
                || post_loop(&client, &url, n, c),
            ));
            if let Some(bin) = baseline() {
                let journal = dir.join(format!("http-base-j{c}-r{round}.db"));
                before.push(run_courier(&bin, &cfg, csv, c, &journal, n, &|| {
                    sink.requests()
                }));
            }
            if let Ok(runs) = &mut courier {
                let journal = dir.join(format!("http-j{c}-r{round}.db"));
                match run_courier(Path::new(BIN), &cfg, csv, c, &journal, n, &|| {
                    sink.requests()
                }) {
                    Ok(run) => {
                        courier_bytes = run.bytes;
                        runs.push(run);
                    }
                    Err(e) => courier = Err(e),
                }
            }
        }
        let p = rate(n, median(plain));
        match courier {
            Ok(runs) => {
                let co = rate(n, median(runs.iter().map(|r| r.wall).collect()));
                println!("{c:>5} {p:>11.0} {co:>11.0} {:>13.2}x", co / p);
                print_baseline(n, &runs, before);
            }
            Err(e) => {
                println!("{c:>5} {p:>11.0} {:>11} {:>14}", "-", "-");
                println!("      {e}");
            }
        }
    }
    if courier_bytes > 0 {
        println!(
            "      (courier's request bodies, as the sink received them: {courier_bytes} bytes on average)"
        );
    }
}

/// A keep-alive POST loop: one client shared by `c` threads.
fn post_loop(client: &reqwest::blocking::Client, url: &str, n: usize, c: usize) -> Duration {
    let next = AtomicUsize::new(0);
    timed_threads(c, || {
        while next.fetch_add(1, Ordering::Relaxed) < n {
            let resp = client
                .post(url)
                .header("content-type", "application/json")
                .body(JSON_BODY)
                .send()
                .expect("POST to the HTTP sink");
            assert_eq!(resp.status().as_u16(), 200);
            let body = resp.bytes().expect("read the response");
            assert_eq!(&body[..], b"ok");
        }
    })
}

// --- dry run --------------------------------------------------------------

/// Peak RSS of a dry run over `rows` rows, against `courier --version`.
fn dry_run(dir: &Path, rows: usize) {
    let csv = dir.join("big.csv");
    write_csv(&csv, rows);
    // Any SMTP URI does: a dry run connects to nothing.
    let cfg = dir.join("dry.yml");
    std::fs::write(
        &cfg,
        format!(
            "courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:2525/?disable_starttls=true\n    \
             from_address: {FROM}\n"
        ),
    )
    .expect("write the dry-run config");
    println!();
    let version = match rusage(&[BIN, "--version"], dir) {
        Ok((r, _)) => r,
        Err(e) => {
            println!("dry run, {rows} rows: not measured: {e}");
            return;
        }
    };
    let (cfg, csv) = (cfg.display().to_string(), csv.display().to_string());
    let args = [
        BIN,
        "-q",
        "-c",
        &cfg,
        "send",
        "--batch",
        &csv,
        "--template",
        TEMPLATE,
        "--dry-run",
    ];
    match rusage(&args, dir) {
        Ok((dry, how)) => println!(
            "dry run, {rows} rows, whole process: peak RSS {:.1} MiB, {:.1} s ({:.0} rows/s); \
             `courier --version` {:.1} MiB; ratio {:.1}x ({how})",
            dry.max_rss_kib as f64 / 1024.0,
            dry.wall.as_secs_f64(),
            rate(rows, dry.wall),
            version.max_rss_kib as f64 / 1024.0,
            dry.max_rss_kib as f64 / version.max_rss_kib as f64
        ),
        Err(e) => println!("dry run, {rows} rows: failed: {e}"),
    }
}

struct Usage {
    max_rss_kib: u64,
    wall: Duration,
}

/// Runs `cmd` and reports its exit code, peak RSS (`ru_maxrss`, KiB on
/// Linux) and wall time, without `unsafe` here: through GNU time when it is
/// there, else through Python. Linux carries the forking process' RSS into
/// the child's `ru_maxrss` across `exec`, so the measuring process must be
/// small: GNU time adds ~1 MiB, Python ~13 MiB (the row says which).
fn rusage(cmd: &[&str], dir: &Path) -> Result<(Usage, &'static str), String> {
    const PY: &str = "import resource,subprocess,sys,time\n\
        t=time.perf_counter()\n\
        r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL)\n\
        t=time.perf_counter()-t\n\
        print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, t)";
    let report = dir.join("rusage.txt");
    let (out, how) = if Path::new(GNU_TIME).is_file() {
        let start = Instant::now();
        let out = Command::new(GNU_TIME)
            .arg("-o")
            .arg(&report)
            .args(["-f", "%x %M"])
            .args(cmd)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {GNU_TIME}: {e}"))?;
        let secs = start.elapsed().as_secs_f64();
        let text = std::fs::read_to_string(&report)
            .map_err(|e| format!("{GNU_TIME} wrote no report: {e}"))?;
        let last = text.lines().last().unwrap_or("");
        (
            std::process::Output {
                stdout: format!("{last} {secs}").into_bytes(),
                ..out
            },
            "GNU time",
        )
    } else {
        let out = Command::new("python3")
            .args(["-c", PY])
            .args(cmd)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run python3: {e}"))?;
        (out, "python3 getrusage, its own ~13 MiB included")
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = stdout
        .lines()
        .last()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let [rc, rss, secs] = fields[..] else {
        return Err(format!(
            "{how} said {stdout:?}, {:?}",
            String::from_utf8_lossy(&out.stderr)
        ));
    };
    if rc != "0" {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!("exit {rc}: {first}"));
    }
    let usage = Usage {
        max_rss_kib: rss.parse().map_err(|e| format!("ru_maxrss {rss:?}: {e}"))?,
        wall: Duration::from_secs_f64(secs.parse().map_err(|e| format!("time {secs:?}: {e}"))?),
    };
    Ok((usage, how))
}
