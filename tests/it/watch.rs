//! `courier watch` against Kratos' own queue: the tables of five releases
//! in a real PostgreSQL (a private cluster the test support starts) and in
//! SQLite, messages queued as Kratos queues them, delivered to a real SMTP
//! server (aiosmtpd) and a real HTTP server (wiremock), and the rows left
//! as Kratos leaves them: status, send_count, dispatch rows.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::batch::{plain_uri, wait_exit};
use crate::support::kratos_db::{Dialect, KratosDb, Queued, RELEASES};
use crate::support::run;
use crate::support::smtp::{Mode, Sink};
use crate::support::watch::{recovery, setup, setup_for, spawn_watch, watch};

/// Three messages queued on every schema are delivered once each, with
/// the stored subject and text, the HTML rendered now, and the rows left
/// as Kratos leaves them.
fn delivers_on_every_release(dialect: Dialect) {
    for release in RELEASES {
        let sink = Sink::start(Mode::Plain, false);
        let dir = setup_for(release, &plain_uri(&sink), "");
        let mut db = match dialect {
            Dialect::Sqlite => KratosDb::sqlite(release),
            Dialect::Postgres => KratosDb::postgres(release),
            Dialect::Mysql => KratosDb::mysql(release),
        };
        let queued: Vec<Queued> = (1..=3)
            .map(|i| {
                recovery(
                    release,
                    &format!("user{i}@example.com"),
                    &format!("10000{i}"),
                )
            })
            .collect();
        let ids = db.enqueue(&queued);
        let out = watch(dir.path(), &db, &["--once", "-j", "1", "--format", "json"]);
        assert_eq!(out.code, 0, "{release}: {}", out.all());
        let summary: Value = serde_json::from_str(out.stdout.lines().last().expect("summary"))
            .expect("summary JSON");
        assert_eq!(summary["sent"], 3, "{release}: {summary}");
        assert_eq!(summary["nid"], db.nid, "{release}");
        let got = sink.messages(3);
        assert_eq!(got.len(), 3, "{release}");
        for (i, m) in got.iter().enumerate() {
            let to = format!("user{}@example.com", i + 1);
            assert_eq!(
                m.envelope["rcpt_tos"],
                json!([to]),
                "{release}: in queue order"
            );
            assert!(
                m.eml
                    .contains("Subject: Recover access to your account\r\n"),
                "{release}: {}",
                m.eml
            );
            let code = format!("10000{}", i + 1);
            assert!(
                m.eml.contains(&format!("Your code is {code}.")),
                "{release}: the stored text goes out as it is"
            );
            assert!(
                m.eml.contains(&format!("<p>code {code} for {to}</p>")),
                "{release}: the HTML is rendered at dispatch: {}",
                m.eml
            );
        }
        let rows = db.messages();
        assert!(
            rows.iter()
                .all(|r| r.status == 2 && r.send_count == 1 && r.touched),
            "{release}: {rows:?}"
        );
        let dispatches = db.dispatches();
        assert_eq!(dispatches.len(), 3, "{release}");
        let mut by_message: BTreeMap<&str, usize> = BTreeMap::new();
        for d in &dispatches {
            assert_eq!(d.status, "success", "{release}");
            assert_eq!(
                d.error.as_deref(),
                Some("null"),
                "{release}: JSON null, as Kratos"
            );
            assert_eq!(d.nid, db.nid);
            assert_eq!(d.id.len(), 36);
            *by_message.entry(d.message_id.as_str()).or_default() += 1;
        }
        assert!(ids.iter().all(|id| by_message.get(id.as_str()) == Some(&1)));
    }
}

#[test]
fn sqlite_queues_of_five_releases_are_delivered_as_kratos_dispatches() {
    delivers_on_every_release(Dialect::Sqlite);
}

#[test]
fn postgres_queues_of_five_releases_are_delivered_as_kratos_dispatches() {
    delivers_on_every_release(Dialect::Postgres);
}

#[test]
fn mariadb_queues_of_five_releases_are_delivered_as_kratos_dispatches() {
    delivers_on_every_release(Dialect::Mysql);
}

#[test]
fn failures_go_back_to_the_queue_until_the_allowance_is_spent() {
    failures_on(KratosDb::postgres("v26.2.0"));
    failures_on(KratosDb::mysql("v26.2.0"));
}

fn failures_on(mut db: KratosDb) {
    let sink = Sink::start_opts(Mode::Plain, None, &["--faults"]);
    let dir = setup(&plain_uri(&sink), "  message_retries: 2\n");
    let ids = db.enqueue(&[
        recovery("v26.2.0", "temp2-a@example.com", "111111"),
        recovery("v26.2.0", "reject-b@example.com", "222222"),
        recovery("v26.2.0", "temp9-c@example.com", "333333"),
    ]);
    let out = watch(dir.path(), &db, &["--once"]);
    assert_eq!(
        out.code,
        0,
        "abandoned messages are a normal outcome: {}",
        out.all()
    );
    let rows: BTreeMap<String, (i64, i64)> = db
        .messages()
        .into_iter()
        .map(|r| (r.id, (r.status, r.send_count)))
        .collect();
    // Sent at the third attempt; a 550 abandons at once; three 451s spend
    // the allowance and the fourth pickup abandons it unsent.
    assert_eq!(rows[&ids[0]], (2, 3), "{}", out.all());
    assert_eq!(rows[&ids[1]], (4, 1), "{}", out.all());
    assert_eq!(rows[&ids[2]], (4, 3), "{}", out.all());
    let dispatches = db.dispatches();
    let of = |id: &str| -> Vec<(String, Option<String>)> {
        dispatches
            .iter()
            .filter(|d| d.message_id == id)
            .map(|d| (d.status.clone(), d.error.clone()))
            .collect()
    };
    let a = of(&ids[0]);
    assert_eq!(a.len(), 3);
    assert_eq!(a.iter().filter(|(s, _)| s == "failed").count(), 2);
    let b = of(&ids[1]);
    assert_eq!(b.len(), 1);
    let error: Value = serde_json::from_str(b[0].1.as_deref().expect("an error")).expect("JSON");
    assert_eq!(error["code"], 500);
    assert_eq!(error["status"], "Internal Server Error");
    assert_eq!(error["reason"], "failed to send email via smtp");
    assert!(
        error["message"].as_str().is_some_and(|m| m.contains("550")),
        "{error}"
    );
    assert_eq!(
        error
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec![
            "code".into(),
            "status".into(),
            "reason".into(),
            "message".into()
        ])
    );
    assert_eq!(
        of(&ids[2]).len(),
        3,
        "no dispatch for the unsent abandonment"
    );
    assert_eq!(sink.messages(1).len(), 1);
}

#[test]
fn a_database_that_cannot_be_used_is_a_clear_error() {
    let dir = setup("smtp://127.0.0.1:9/", "");
    let db = KratosDb::postgres("v26.2.0");
    // Nothing listens: 69, and the password is not shown.
    let port = crate::support::postgres::cluster().port;
    let bad = db.dsn().replace(&format!(":{port}/"), ":1/");
    assert_ne!(bad, db.dsn());
    let out = run(
        dir.path(),
        &["-c", "kratos.yml", "watch", "--once"],
        &[("DSN", bad.as_str())],
        None,
    );
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(out.stderr.contains("cannot connect"), "{}", out.stderr);
    assert!(!out.all().contains("unused-secret-pw"), "{}", out.all());
    // No courier tables: 65.
    let empty = KratosDb::sqlite("v26.2.0");
    empty.exec("DROP TABLE courier_message_dispatches");
    let out = watch(dir.path(), &empty, &["--once"]);
    assert_eq!(out.code, 65, "{}", out.all());
    assert!(
        out.stderr.contains("courier_message_dispatches"),
        "{}",
        out.stderr
    );
    // An SQLite file that is not there: 66.
    let out = run(
        dir.path(),
        &["-c", "kratos.yml", "watch"],
        &[("DSN", "sqlite:///nonexistent/kratos.db?_fk=true")],
        None,
    );
    assert_eq!(out.code, 66, "{}", out.all());
    assert!(out.stderr.contains("no such SQLite file"), "{}", out.stderr);
    // No DSN at all: 78.
    let out = run(dir.path(), &["-c", "kratos.yml", "watch"], &[], None);
    assert_eq!(out.code, 78, "{}", out.all());
    assert!(out.stderr.contains("DSN"), "{}", out.stderr);
    // A DSN of a database courier cannot share: 78.
    let out = run(
        dir.path(),
        &["-c", "kratos.yml", "watch"],
        &[("DSN", "memory")],
        None,
    );
    assert_eq!(out.code, 78, "{}", out.all());
    // TLS to MariaDB is not there yet: 78, said so.
    let out = run(
        dir.path(),
        &["-c", "kratos.yml", "watch"],
        &[(
            "DSN",
            "mysql://u:unused-secret-pw@tcp(127.0.0.1:1)/k?tls=true",
        )],
        None,
    );
    assert_eq!(out.code, 78, "{}", out.all());
    assert!(out.stderr.contains("tls=true"), "{}", out.stderr);
    assert!(!out.all().contains("unused-secret-pw"));
    // A nid that is no UUID: 2.
    let out = watch(dir.path(), &empty, &["--nid", "nope"]);
    assert_eq!(out.code, 2, "{}", out.all());
}

/// One HTTP GET to the metrics port: the whole response.
fn get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("metrics port");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").expect("request");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn a_running_watch_serves_metrics_and_stops_cleanly_on_sigterm() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = setup(&plain_uri(&sink), "");
    let mut db = KratosDb::sqlite("v26.2.0");
    db.enqueue(&[recovery("v26.2.0", "a@example.com", "1")]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = spawn_watch(
        dir.path(),
        &db,
        &["--expose-metrics-port", &port.to_string()],
    );
    crate::support::batch::wait_for(&sink, 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let metrics = loop {
        let text = std::net::TcpStream::connect(("127.0.0.1", port))
            .map(|_| get(port, "/metrics/prometheus"))
            .unwrap_or_default();
        let done = text.contains("courier_messages_total{status=\"sent\"} 1\n")
            && text.contains("courier_queue_messages{status=\"queued\"} 0\n");
        if done || std::time::Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(metrics.starts_with("HTTP/1.1 200 OK\r\n"), "{metrics}");
    assert!(
        metrics.contains("courier_messages_total{status=\"sent\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("courier_send_duration_seconds_count 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("courier_queue_messages{status=\"queued\"} 0\n"),
        "{metrics}"
    );
    assert!(get(port, "/other").starts_with("HTTP/1.1 404"));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    assert_eq!(wait_exit(&mut child), 0);
    let rows = db.messages();
    assert_eq!(rows[0].status, 2, "{rows:?}");
}

#[test]
fn tls_to_postgres_is_checked_as_the_dsn_asks() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = setup(&plain_uri(&sink), "");
    let mut db = KratosDb::postgres("v26.2.0");
    db.enqueue(&[recovery("v26.2.0", "a@example.com", "1")]);
    let dsn = |mode: &str| {
        db.dsn()
            .replace("sslmode=disable", &format!("sslmode={mode}"))
    };
    let args = ["-c", "kratos.yml", "watch", "--once"];
    let ca = crate::support::smtp::certs().ca.display().to_string();
    // verify-full without the tests' CA: the handshake refuses the server.
    let untrusted = dsn("verify-full");
    let out = run(dir.path(), &args, &[("DSN", untrusted.as_str())], None);
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(out.stderr.contains("UnknownIssuer"), "{}", out.stderr);
    assert!(
        out.stderr.contains("SSL_CERT_FILE"),
        "the hint: {}",
        out.stderr
    );
    assert!(!out.all().contains("unused-secret-pw"));
    assert_eq!(db.messages()[0].status, 1, "nothing was claimed");
    // require: encrypted, the certificate not checked (as Kratos' driver).
    let required = dsn("require");
    let out = run(dir.path(), &args, &[("DSN", required.as_str())], None);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(db.messages()[0].status, 2);
    // verify-full with the CA trusted: verified and used.
    db.enqueue(&[recovery("v26.2.0", "b@example.com", "2")]);
    let out = run(
        dir.path(),
        &args,
        &[("DSN", untrusted.as_str()), ("SSL_CERT_FILE", ca.as_str())],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(db.messages().iter().all(|m| m.status == 2));
    assert_eq!(sink.messages(2).len(), 2);
}

#[test]
fn a_stored_message_over_the_cap_is_not_read_and_fails() {
    for sqlite in [true, false] {
        let sink = Sink::start(Mode::Plain, false);
        let dir = setup(&plain_uri(&sink), "  message_retries: 0\n");
        let mut db = if sqlite {
            KratosDb::sqlite("v26.2.0")
        } else {
            KratosDb::postgres("v26.2.0")
        };
        let mut huge = recovery("v26.2.0", "huge@example.com", "1");
        huge.template_data["transient_payload"] = json!({"blob": "x".repeat(2 << 20)});
        let ids = db.enqueue(&[huge, recovery("v26.2.0", "fine@example.com", "2")]);
        let out = watch(dir.path(), &db, &["--once"]);
        assert_eq!(out.code, 0, "{}", out.all());
        assert!(
            out.stderr.contains("over courier's cap of 1048576 bytes"),
            "{}",
            out.stderr
        );
        let rows = db.messages();
        assert_eq!((rows[0].status, rows[1].status), (4, 2), "{rows:?}");
        let failed: Vec<_> = db
            .dispatches()
            .into_iter()
            .filter(|d| d.message_id == ids[0])
            .collect();
        assert_eq!(failed.len(), 1);
        assert!(
            failed[0]
                .error
                .as_deref()
                .is_some_and(|e| e.contains("cap"))
        );
        assert_eq!(sink.messages(1).len(), 1);
    }
}

#[test]
fn a_body_sent_without_a_final_reply_stays_processing() {
    let sink = Sink::start_opts(Mode::Plain, None, &["--faults"]);
    let dir = setup(&plain_uri(&sink), "");
    let mut db = KratosDb::sqlite("v26.2.0");
    let ids = db.enqueue(&[recovery("v26.2.0", "drop-a@example.com", "1")]);
    let out = watch(dir.path(), &db, &["--once"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stderr.contains("left processing"), "{}", out.stderr);
    let rows = db.messages();
    assert_eq!((rows[0].status, rows[0].send_count), (3, 1), "{rows:?}");
    let d = db.dispatches();
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].message_id.as_str(), d[0].status.as_str()),
        (ids[0].as_str(), "failed")
    );
    // A reclaim puts it back; it is sent (the server stored nothing).
    std::thread::sleep(Duration::from_millis(50));
    let out = watch(dir.path(), &db, &["--once", "--reclaim-after", "10ms"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(db.messages()[0].status, 2);
    assert_eq!(sink.messages(1).len(), 1);
}

#[test]
fn rows_kratos_claimed_are_warned_about_and_health_lines_come() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = setup(&plain_uri(&sink), "");
    let mut db = KratosDb::sqlite("v26.2.0");
    let ids = db.enqueue(&[
        recovery("v26.2.0", "a@example.com", "1"),
        recovery("v26.2.0", "b@example.com", "2"),
    ]);
    // As Kratos' worker claims: status 3, updated_at untouched.
    db.exec(&format!(
        "UPDATE courier_messages SET status = 3 WHERE id = '{}'",
        ids[0]
    ));
    let out = watch(dir.path(), &db, &["--once", "--health-every", "1ms"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stderr
            .contains("Kratos' own courier worker may be running"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.lines().any(|l| l.starts_with("courier watch: ")
            && l.contains(" retried, 0 abandoned, ")
            && l.contains(" in flight; queue: ")),
        "{}",
        out.stderr
    );
    let rows = db.messages();
    assert_eq!(
        (rows[0].status, rows[1].status),
        (3, 2),
        "Kratos' claim is left alone"
    );
}

#[test]
fn with_once_a_server_that_cannot_be_used_ends_the_watch() {
    // Credentials the server does not take: it cannot be used as
    // configured.
    let sink = Sink::start(Mode::Plain, true);
    let dir = setup(
        &format!(
            "smtp://alice:wrong@127.0.0.1:{}/?disable_starttls=true",
            sink.port
        ),
        "",
    );
    let mut db = KratosDb::sqlite("v26.2.0");
    db.enqueue(&[recovery("v26.2.0", "a@example.com", "1")]);
    let out = watch(dir.path(), &db, &["--once", "-j", "1"]);
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(
        out.stderr.contains("failed (left queued)"),
        "{}",
        out.stderr
    );
    let rows = db.messages();
    assert_eq!((rows[0].status, rows[0].send_count), (1, 1), "{rows:?}");
    let d = db.dispatches();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].status, "failed");
    assert!(sink.messages(0).is_empty());
}

#[test]
fn a_failing_html_template_sends_the_text_alone_with_one_warning() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = setup(&plain_uri(&sink), "");
    std::fs::write(
        dir.path()
            .join("templates/recovery_code/valid/email.body.gotmpl"),
        // Fine for the sample data check-config renders, failing for code 1.
        r#"<p>{{ if eq .RecoveryCode "1" }}{{ index .Identity "x" "y" }}{{ end }}</p>"#,
    )
    .expect("template");
    let mut db = KratosDb::sqlite("v26.2.0");
    db.enqueue(&[
        recovery("v26.2.0", "a@example.com", "1"),
        recovery("v26.2.0", "b@example.com", "1"),
    ]);
    let out = watch(dir.path(), &db, &["--once"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let warnings = out
        .stderr
        .matches("the HTML template of recovery_code_valid fails")
        .count();
    assert_eq!(warnings, 1, "once: {}", out.stderr);
    let got = sink.messages(2);
    assert_eq!(got.len(), 2);
    assert!(
        got.iter().all(|m| !m.eml.contains("text/html")),
        "text alone"
    );
    assert!(db.messages().iter().all(|r| r.status == 2));
}

#[test]
fn an_html_part_from_courier_s_built_in_template_is_noted_once() {
    let sink = Sink::start(Mode::Plain, false);
    let dir =
        crate::support::batch::dir_with(&crate::support::batch::smtp_config(&plain_uri(&sink), ""));
    let mut db = KratosDb::sqlite("v26.2.0");
    db.enqueue(&[
        recovery("v26.2.0", "a@example.com", "1"),
        recovery("v26.2.0", "b@example.com", "2"),
    ]);
    let out = watch(dir.path(), &db, &["--once"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let notes = out
        .stderr
        .matches("`recovery_code_valid` is rendered from courier's built-in templates")
        .count();
    assert_eq!(notes, 1, "{}", out.stderr);
    assert_eq!(sink.messages(2).len(), 2);
}
