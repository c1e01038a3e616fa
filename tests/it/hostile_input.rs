//! Inputs that must not hurt the operator (issue #12): every local input
//! is capped (`/dev/zero` as a config, a data file, a batch, standard
//! input), batch rows keep their lines for CRLF files and behind a BOM, a
//! header name with a line break is an error, and the envelope is exactly
//! the address that was validated, as the real SMTP server (aiosmtpd)
//! records it. Every run is bounded by `support::run` (60 s).

use std::path::Path;

use serde_json::Value;

use crate::support::hostile::{Hostile, Step};
use crate::support::smtp::{Mode, Sink};
use crate::support::{Output, run};

const CONFIG_CAP: &str = "is larger than 4 MiB, the most courier reads for a config file";
const ROW_CAP: &str = "the row is larger than 64 KiB, the most courier reads for one row of";

/// A temp dir with `kratos.yml` sending to `port` in cleartext.
fn dir_for(port: u16, extra_smtp: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = format!(
        "courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:{port}/?disable_starttls=true\n    from_address: accounts@example.com\n{extra_smtp}"
    );
    std::fs::write(dir.path().join("kratos.yml"), config).expect("config");
    dir
}

/// `courier -c kratos.yml ARGS` in `dir`.
fn courier(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut all = vec!["-c", "kratos.yml"];
    all.extend(args);
    run(dir, &all, &[], stdin)
}

fn json_lines(out: &Output) -> Vec<Value> {
    out.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// (line, recipient or error) of each result line, and the summary.
fn results(out: &Output) -> (Vec<(u64, String)>, Value) {
    let mut lines = json_lines(out);
    let summary = lines.pop().expect("a summary");
    assert_eq!(summary["type"], "summary", "{}", out.all());
    let rows = lines
        .iter()
        .map(|v| {
            let what = v["recipient"].as_str().map_or_else(
                || format!("bad: {}", v["error"].as_str().unwrap_or("")),
                str::to_owned,
            );
            (v["line"].as_u64().expect("line"), what)
        })
        .collect();
    (rows, summary)
}

fn rcpt_tos(sink: &Sink, n: usize) -> Vec<Vec<String>> {
    sink.messages(n)
        .iter()
        .map(|m| {
            m.envelope["rcpt_tos"]
                .as_array()
                .expect("rcpt_tos")
                .iter()
                .map(|a| a.as_str().expect("address").to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn dev_zero_as_a_config_or_data_file_is_refused_at_its_cap() {
    let dir = dir_for(9, "");
    let out = run(dir.path(), &["-c", "/dev/zero", "check-config"], &[], None);
    assert_eq!(out.code, 65, "{}", out.all());
    assert!(
        out.stderr.contains(&format!("/dev/zero {CONFIG_CAP}")),
        "{}",
        out.stderr
    );
    let args = [
        "render",
        "--template",
        "login_code_valid",
        "--data",
        "/dev/zero",
    ];
    let out = courier(dir.path(), &args, None);
    assert_eq!(out.code, 65, "{}", out.all());
    assert!(
        out.stderr
            .contains("/dev/zero is larger than 1 MiB, the most courier reads for a --data file"),
        "{}",
        out.stderr
    );
    let args = [
        "send",
        "--to",
        "jane@example.com",
        "--template",
        "login_code_valid",
    ];
    let out = courier(
        dir.path(),
        &[&args[..], &["--data", "/dev/zero"]].concat(),
        None,
    );
    assert_eq!(out.code, 65, "{}", out.all());
}

#[test]
fn large_standard_input_is_refused_at_its_cap() {
    let dir = dir_for(9, "");
    let big = format!("courier:\n  x: \"{}\"\n", "a".repeat(5 << 20));
    let out = run(dir.path(), &["-c", "-", "check-config"], &[], Some(&big));
    assert_eq!(out.code, 65, "{}", out.all());
    assert!(
        out.stderr.contains(&format!("<stdin> {CONFIG_CAP}")),
        "{}",
        out.stderr
    );
    let row = format!("to\n{}\n", "x".repeat(200 << 10));
    let args = ["send", "--batch", "-", "--template", "login_code_valid"];
    let out = courier(
        dir.path(),
        &[&args[..], &["--dry-run"]].concat(),
        Some(&row),
    );
    assert_eq!(out.code, 65, "{}", out.all());
    assert!(
        out.stderr.contains(&format!(
            "bad row: line 2: {ROW_CAP} <stdin>: nothing after it is read"
        )),
        "{}",
        out.stderr
    );
    let password = "p".repeat(64 << 10);
    let uri = [
        "uri",
        "--host",
        "mail.example.com",
        "--port",
        "587",
        "--user",
        "u",
    ];
    let out = run(
        dir.path(),
        &[&uri[..], &["--password-stdin"]].concat(),
        &[],
        Some(&password),
    );
    assert_eq!(out.code, 65, "{}", out.all());
    assert!(
        out.stderr.contains(
            "<stdin> is larger than 4 KiB, the most courier reads for a password on standard input"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn dev_zero_as_a_batch_is_one_endless_row() {
    let dir = dir_for(9, "");
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.jsonl")).expect("symlink");
    // CSV by its name, JSON Lines by its `.jsonl` name.
    for input in ["/dev/zero", "zero.jsonl"] {
        let base = ["send", "--batch", input, "--template", "login_code_valid"];
        let dry = [&base[..], &["--dry-run", "--format", "json"]].concat();
        let out = courier(dir.path(), &dry, None);
        assert_eq!(out.code, 65, "{input}: {}", out.all());
        let (rows, summary) = results(&out);
        assert_eq!(
            rows,
            vec![(
                1,
                format!("bad: {ROW_CAP} {input}: nothing after it is read")
            )]
        );
        assert_eq!(summary["stopped"], true);
        // Sending too (a journal in the temp dir): nothing to send, exit 65.
        let send = [&base[..], &["--journal", "j.db", "--format", "json"]].concat();
        let out = courier(dir.path(), &send, None);
        assert_eq!(out.code, 65, "{input}: {}", out.all());
        let (rows, summary) = results(&out);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (summary["bad"].as_u64(), summary["stopped"].as_bool()),
            (Some(1), Some(true))
        );
        std::fs::remove_file(dir.path().join("j.db")).expect("journal");
    }
}

#[test]
fn an_oversized_row_mid_batch_stops_the_input_after_sending_the_rows_before() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = dir_for(sink.port, "");
    let long = format!(
        "{{\"to\":\"c@example.com\",\"pad\":\"{}\"}}",
        "x".repeat(70 << 10)
    );
    let jsonl = format!(
        "{{\"to\":\"a@example.com\"}}\n{{\"to\":\"b@example.com\"}}\n{long}\n{{\"to\":\"d@example.com\"}}\n"
    );
    std::fs::write(dir.path().join("r.jsonl"), jsonl).expect("jsonl");
    let args = [
        "send",
        "--batch",
        "r.jsonl",
        "--template",
        "login_code_valid",
        "--format",
        "json",
    ];
    let out = courier(dir.path(), &args, None);
    assert_eq!(out.code, 65, "{}", out.all());
    let (mut rows, summary) = results(&out);
    rows.sort();
    assert_eq!(
        rows,
        vec![
            (1, "a@example.com".to_owned()),
            (2, "b@example.com".to_owned()),
            (
                3,
                format!("bad: {ROW_CAP} r.jsonl: nothing after it is read")
            ),
        ]
    );
    assert_eq!(
        (
            summary["sent"].as_u64(),
            summary["bad"].as_u64(),
            summary["stopped"].as_bool()
        ),
        (Some(2), Some(1), Some(true))
    );
    let mut got = rcpt_tos(&sink, 2);
    got.sort();
    assert_eq!(got, vec![vec!["a@example.com"], vec!["b@example.com"]]);
    // The human form names the row, the file and the cap.
    std::fs::remove_file(dir.path().join("r.jsonl.courier.db")).expect("journal");
    let out = courier(dir.path(), &args[..5], None);
    assert_eq!(out.code, 65);
    assert!(
        out.stderr
            .contains(&format!("courier: bad row: line 3: {ROW_CAP} r.jsonl")),
        "{}",
        out.stderr
    );
}

#[test]
fn crlf_csv_has_the_lines_and_journal_keys_of_lf() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = dir_for(sink.port, "");
    let lf = "to,code\na@example.com,1\n\nb@example.com,\"2\n3\"\nc@example.com,4\n";
    std::fs::write(dir.path().join("lf.csv"), lf).expect("lf");
    std::fs::write(dir.path().join("crlf.csv"), lf.replace('\n', "\r\n")).expect("crlf");
    let dry = |name: &str| {
        let args = ["send", "--batch", name, "--template", "login_code_valid"];
        let out = courier(
            dir.path(),
            &[&args[..], &["--dry-run", "--format", "json"]].concat(),
            None,
        );
        assert_eq!(out.code, 0, "{}", out.all());
        results(&out).0
    };
    let want: Vec<(u64, String)> = [(2, "a"), (4, "b"), (6, "c")]
        .iter()
        .map(|(l, r)| (*l, format!("{r}@example.com")))
        .collect();
    assert_eq!(dry("lf.csv"), want);
    assert_eq!(dry("crlf.csv"), want);
    // Sent from the LF file, then the CRLF file against the same journal:
    // every row is recognised as sent (same line, same key), none changed.
    let send = |name: &str| {
        let args = ["send", "--batch", name, "--template", "login_code_valid"];
        let out = courier(
            dir.path(),
            &[&args[..], &["--journal", "j.db", "--format", "json"]].concat(),
            None,
        );
        assert_eq!(out.code, 0, "{name}: {}", out.all());
        results(&out).1
    };
    assert_eq!(send("lf.csv")["sent"], 3);
    let again = send("crlf.csv");
    assert_eq!(
        (again["sent"].as_u64(), again["skipped_sent"].as_u64()),
        (Some(0), Some(3))
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(rcpt_tos(&sink, 3).len(), 3, "nothing was sent twice");
}

#[test]
fn a_bom_is_skipped_in_files_and_on_stdin() {
    let dir = dir_for(9, "");
    let csv = "\u{feff}\"to\"\r\njane@example.com\r\n";
    let jsonl = "\u{feff}{\"to\":\"jane@example.com\"}\n";
    std::fs::write(dir.path().join("bom.csv"), csv).expect("csv");
    std::fs::write(dir.path().join("bom.jsonl"), jsonl).expect("jsonl");
    let cases = [
        ("bom.csv", None, 2),
        ("bom.jsonl", None, 1),
        ("-", Some(csv), 2),
        ("-", Some(jsonl), 1),
    ];
    for (input, stdin, line) in cases {
        let args = ["send", "--batch", input, "--template", "login_code_valid"];
        let out = courier(
            dir.path(),
            &[&args[..], &["--dry-run", "--format", "json"]].concat(),
            stdin,
        );
        assert_eq!(out.code, 0, "{input} {stdin:?}: {}", out.all());
        assert_eq!(results(&out).0, vec![(line, "jane@example.com".to_owned())]);
    }
    // A config with a BOM and CRLF line ends keeps its lines too.
    let config = "\u{feff}courier:\r\n  smtp:\r\n    connection_uri: smtp://127.0.0.1:9/\r\n    from_address: nope\r\n";
    std::fs::write(dir.path().join("bom.yml"), config).expect("config");
    let out = run(dir.path(), &["-c", "bom.yml", "check-config"], &[], None);
    assert_eq!(out.code, 78, "{}", out.all());
    assert!(out.stderr.contains("--> bom.yml:4:19"), "{}", out.stderr);
}

#[test]
fn a_header_name_with_a_line_break_is_an_error_and_never_sent() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = dir_for(
        sink.port,
        "    headers:\n      X-Campaign: welcome\n      \"X-Note\\r\\nBcc: evil@x.test\": x\n",
    );
    let out = courier(dir.path(), &["check-config"], None);
    assert_eq!(out.code, 78, "{}", out.all());
    assert!(
        out.stderr.contains(
            "error[smtp-header-name-invalid]: the header name \"X-Note\\r\\nBcc: evil@x.test\" is not an RFC 5322 field name"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--> kratos.yml:7:7"), "{}", out.stderr);
    let out = courier(
        dir.path(),
        &[
            "send",
            "--to",
            "jane@example.com",
            "--subject",
            "Hi",
            "--text",
            "x",
        ],
        None,
    );
    assert_eq!(out.code, 78, "{}", out.all());
    assert!(
        out.stderr.contains("smtp-header-name-invalid"),
        "{}",
        out.stderr
    );
    assert!(sink.messages(0).is_empty(), "nothing reached the server");
}

/// `send --to TO` with a subject and text.
fn send_to(dir: &Path, to: &str) -> Output {
    courier(
        dir,
        &[
            "send",
            "--to",
            to,
            "--subject",
            "Hi",
            "--text",
            "x",
            "--timeout",
            "5",
        ],
        None,
    )
}

#[test]
fn send_to_takes_one_bare_address_and_the_envelope_is_exactly_it() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = dir_for(sink.port, "");
    let refused = [
        (
            "\"Bob\" <evil@x.test>",
            "--to \"\\\"Bob\\\" <evil@x.test>\" has a display name or angle brackets: give the bare address",
        ),
        (
            "a@x.test, b@y.test",
            "--to \"a@x.test, b@y.test\" is a list of addresses: give one address per recipient",
        ),
        (
            "victim@a.test (evil@x.test)",
            "--to \"victim@a.test (evil@x.test)\" has a comment in parentheses: give the bare address",
        ),
    ];
    for (to, message) in refused {
        let out = send_to(dir.path(), to);
        assert_eq!(out.code, 2, "{to}: {}", out.all());
        assert!(out.stderr.contains(message), "{to}: {}", out.stderr);
        // `test --to` (RCPT without DATA) and `render --to` check it alike.
        for args in [
            &["test", "--to", to][..],
            &["render", "--template", "login_code_valid", "--to", to],
        ] {
            let out = courier(dir.path(), args, None);
            assert_eq!(out.code, 2, "{args:?}: {}", out.all());
            assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
        }
    }
    assert!(
        sink.messages(0).is_empty(),
        "nothing was sent for a refused --to"
    );
    // A quoted local part is an address: it goes to RCPT as written.
    let quoted = "\"x<evil@x.test>\"@a.test";
    for (i, to) in ["jane@example.com", quoted, "jörg@example.com"]
        .iter()
        .enumerate()
    {
        let out = send_to(dir.path(), to);
        assert_eq!(out.code, 0, "{to}: {}", out.all());
        assert!(
            out.stdout.starts_with(&format!("sent {to} via smtp")),
            "{}",
            out.stdout
        );
        let got = sink.messages(i + 1);
        let m = got.last().expect("a message");
        assert_eq!(m.envelope["rcpt_tos"], serde_json::json!([to]), "{to}");
        assert_eq!(m.envelope["mail_from"], "accounts@example.com");
    }
    let m = sink.messages(3).pop().expect("the last message");
    assert!(m.envelope["mail_options"].to_string().contains("SMTPUTF8"));
    assert!(
        m.eml.contains("To: =?UTF-8?q?j=C3=B6rg@example.com?="),
        "{}",
        m.eml
    );
}

#[test]
fn batch_rows_with_the_same_tricks_are_bad_rows() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = dir_for(sink.port, "");
    let csv = "to\njane@example.com\n\"\"\"Bob\"\" <evil@x.test>\"\n\"a@x.test, b@y.test\"\nvictim@a.test (evil@x.test)\n\"\"\"x<evil@x.test>\"\"@a.test\"\n";
    std::fs::write(dir.path().join("r.csv"), csv).expect("csv");
    let args = [
        "send",
        "--batch",
        "r.csv",
        "--template",
        "login_code_valid",
        "--format",
        "json",
    ];
    let out = courier(dir.path(), &args, None);
    assert_eq!(out.code, 65, "{}", out.all());
    let (mut rows, summary) = results(&out);
    rows.sort();
    assert_eq!(
        rows,
        vec![
            (2, "jane@example.com".to_owned()),
            (3, "bad: \"\\\"Bob\\\" <evil@x.test>\" has a display name or angle brackets: give the bare address, e.g. jane@example.com".to_owned()),
            (4, "bad: \"a@x.test, b@y.test\" is a list of addresses: give one address per recipient".to_owned()),
            (5, "bad: \"victim@a.test (evil@x.test)\" has a comment in parentheses: give the bare address".to_owned()),
            (6, "\"x<evil@x.test>\"@a.test".to_owned()),
        ]
    );
    assert_eq!(
        (summary["sent"].as_u64(), summary["bad"].as_u64()),
        (Some(2), Some(3))
    );
    let mut got = rcpt_tos(&sink, 2);
    got.sort();
    assert_eq!(
        got,
        vec![vec!["\"x<evil@x.test>\"@a.test"], vec!["jane@example.com"]]
    );
}

#[test]
fn configured_senders_go_into_mail_from_as_validated() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = dir_for(
        sink.port,
        "    headers:\n      Sender: '\"Bounces\" <bounce@example.com>'\n      Bcc: Archive <archive@example.com>\n",
    );
    let out = send_to(dir.path(), "jane@example.com");
    assert_eq!(out.code, 0, "{}", out.all());
    let m = sink.messages(1).pop().expect("a message");
    assert_eq!(m.envelope["mail_from"], "bounce@example.com");
    assert_eq!(
        m.envelope["rcpt_tos"],
        serde_json::json!(["jane@example.com", "archive@example.com"])
    );
    // from_address with a quoted local part goes as written.
    let dir = tempfile::tempdir().expect("temp dir");
    let config = format!(
        "courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:{}/?disable_starttls=true\n    from_address: '\"no reply\"@example.com'\n",
        sink.port
    );
    std::fs::write(dir.path().join("kratos.yml"), config).expect("config");
    let out = send_to(dir.path(), "jane@example.com");
    assert_eq!(out.code, 0, "{}", out.all());
    let m = sink.messages(2).pop().expect("a message");
    assert_eq!(m.envelope["mail_from"], "\"no reply\"@example.com");
}

#[test]
fn a_non_ascii_address_needs_smtputf8() {
    let server = Hostile::start(vec![
        Step::Send(b"220 hostile ESMTP\r\n".to_vec()),
        Step::Until("EHLO".into()),
        Step::Send(b"250-hostile\r\n250 8BITMIME\r\n".to_vec()),
        Step::Until("QUIT".into()),
        Step::Send(b"221 bye\r\n".to_vec()),
        Step::Close,
    ]);
    let dir = dir_for(server.port, "");
    let out = send_to(dir.path(), "jörg@example.com");
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(
        out.stderr.contains(
            "failed at mail: the address jörg@example.com is not ASCII and the server does not offer SMTPUTF8"
        ),
        "{}",
        out.stderr
    );
    let received = server.received_after("QUIT");
    assert!(!received.contains("MAIL FROM"), "{received}");
    assert!(!received.contains("RCPT TO"), "{received}");
}

#[test]
fn template_and_body_files_are_capped() {
    let dir = dir_for(9, "");
    let config = "courier:\n  template_override_path: tpl\n  smtp:\n    connection_uri: smtp://127.0.0.1:9/\n";
    std::fs::write(dir.path().join("kratos.yml"), config).expect("config");
    let folder = dir.path().join("tpl/login_code/valid");
    std::fs::create_dir_all(&folder).expect("template dir");
    let big = "a".repeat((1 << 20) + 1);
    std::fs::write(folder.join("email.subject.gotmpl"), big).expect("template");
    let out = courier(
        dir.path(),
        &["render", "--template", "login_code_valid"],
        None,
    );
    assert_eq!(out.code, 65, "{}", out.all());
    assert!(
        out.stderr.contains(
            "email.subject.gotmpl is larger than 1 MiB, the most courier reads for a template or Jsonnet body file"
        ),
        "{}",
        out.stderr
    );
    let http = "courier:\n  delivery_strategy: http\n  http:\n    request_config:\n      url: https://api.example.com/send\n      method: POST\n      body: file:///dev/zero\n";
    std::fs::write(dir.path().join("kratos.yml"), http).expect("config");
    let out = courier(dir.path(), &["check-config"], None);
    assert_eq!(out.code, 78, "{}", out.all());
    assert!(
        out.stderr.contains(
            "error[body-unreadable]: /dev/zero is larger than 1 MiB, the most courier reads for a template or Jsonnet body file"
        ),
        "{}",
        out.stderr
    );
}
