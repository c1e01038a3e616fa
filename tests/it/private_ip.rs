//! Kratos' private-IP rule where courier dials: `clients.http.*` on the
//! HTTP client (a wiremock server on 127.0.0.1) and, in master,
//! `clients.smtp.disallow_private_ip_ranges` on the SMTP dialer (the
//! aiosmtpd sink), for `send`, batches and `test`. A refused destination
//! is never dialled.

use std::path::Path;

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::smtp::{Mode, Sink};
use crate::support::{Output, run, runtime};

fn courier(dir: &Path, yaml: &str, args: &[&str]) -> Output {
    std::fs::write(dir.join("kratos.yml"), yaml).expect("write config");
    let mut all = vec![args[0], "-c", "kratos.yml"];
    all.extend(&args[1..]);
    run(dir, &all, &[], None)
}

fn http_config(url: &str, clients: &str) -> String {
    format!(
        "courier:\n  smtp:\n    connection_uri: smtps://mail.example.com:465/\n  delivery_strategy: http\n  http:\n    request_config:\n      url: {url}\n      \
         method: POST\n      body: base64://ZnVuY3Rpb24oY3R4KSB7IHRvOiBpZiAncmVjaXBpZW50JyBpbiBjdHggdGhlbiBjdHgucmVjaXBpZW50IGVsc2UgY3R4LlJlY2lwaWVudCB9\n\
         clients:\n  http:\n{clients}"
    )
}

const SEND: [&str; 7] = [
    "send",
    "--to",
    "jane@example.com",
    "--subject",
    "Hi",
    "--text",
    "Hello",
];

/// One HTTP send with `clients` and the requests the server received.
fn http_send(clients: &str, release: &str) -> (Output, usize, String) {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server),
    );
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/v3/mail/send", server.uri());
    let mut args = SEND.to_vec();
    args.extend(["--kratos-version", release]);
    let out = courier(dir.path(), &http_config(&url, clients), &args);
    let got = rt.block_on(server.received_requests()).expect("recorded");
    (out, got.len(), url)
}

#[test]
fn http_to_loopback_is_refused_with_the_flag_and_nothing_reaches_the_server() {
    let (out, received, _) = http_send("    disallow_private_ip_ranges: true\n", "v26.2.0");
    assert_eq!(out.code, 69, "{}", out.all());
    assert_eq!(received, 0, "the server was reached: {}", out.all());
    let all = out.all();
    assert!(
        all.contains(
            "refused to connect to 127.0.0.1, as Kratos v26.2.0 does: \"prohibited IP address: \
             127.0.0.1 is not a permitted destination (denied by: 127.0.0.0/8)\""
        ),
        "{all}"
    );
    assert!(
        all.contains("clients.http.disallow_private_ip_ranges is true"),
        "{all}"
    );
    assert!(all.contains("private_ip_exception_urls"), "{all}");
    // v1.0.0 says it its own way.
    let (out, received, _) = http_send("    disallow_private_ip_ranges: true\n", "v1.0.0");
    assert_eq!((out.code, received), (69, 0), "{}", out.all());
    assert!(
        out.all()
            .contains("\"127.0.0.1 is not a public IP address\""),
        "{}",
        out.all()
    );
}

#[test]
fn an_exception_glob_lets_the_url_through_and_so_does_the_flag_off() {
    let clients = "    disallow_private_ip_ranges: true\n    private_ip_exception_urls:\n      \
                   - http://127.0.0.1:*/v3/**\n";
    let (out, received, _) = http_send(clients, "v26.2.0");
    assert_eq!((out.code, received), (0, 1), "{}", out.all());
    // A glob that matches another path does not.
    let other = "    disallow_private_ip_ranges: true\n    private_ip_exception_urls:\n      \
                 - http://127.0.0.1:*/v4/**\n";
    let (out, received, _) = http_send(other, "v26.2.0");
    assert_eq!((out.code, received), (69, 0), "{}", out.all());
    let (out, received, _) = http_send("    disallow_private_ip_ranges: false\n", "v26.2.0");
    assert_eq!((out.code, received), (0, 1), "{}", out.all());
}

#[test]
fn courier_test_shows_the_refusal_as_the_failing_stage() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/v3/mail/send", server.uri());
    let out = courier(
        dir.path(),
        &http_config(&url, "    disallow_private_ip_ranges: true\n"),
        &["test", "--channel", "email", "--format", "json"],
    );
    assert_eq!(out.code, 69, "{}", out.all());
    let got = rt.block_on(server.received_requests()).expect("recorded");
    assert!(got.is_empty(), "the server was reached");
    let v: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|_| panic!("{}", out.all()));
    let text = v.to_string();
    assert!(text.contains("\"connect\""), "{text}");
    assert!(text.contains("denied by: 127.0.0.0/8"), "{text}");
    assert!(
        text.contains("set clients.http.disallow_private_ip_ranges to false"),
        "{text}"
    );
}

fn smtp_config(port: u16) -> String {
    format!(
        "courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:{port}/?disable_starttls=true\n    \
         from_address: accounts@example.com\nclients:\n  smtp:\n    disallow_private_ip_ranges: true\n"
    )
}

#[test]
fn smtp_in_master_refuses_a_private_server_before_dialling() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = tempfile::tempdir().unwrap();
    let mut args = SEND.to_vec();
    args.extend(["--kratos-version", "master"]);
    let out = courier(dir.path(), &smtp_config(sink.port), &args);
    assert_eq!(out.code, 69, "{}", out.all());
    assert_eq!(sink.connections(), 0, "the server saw a connection");
    let all = out.all();
    assert!(
        all.contains("as Kratos master does: \"prohibited IP address: 127.0.0.1 is not a permitted destination (denied by: 127.0.0.0/8)\" (its log shows \"dial tcp: no route to host\")"),
        "{all}"
    );
    assert!(
        all.contains("clients.smtp.disallow_private_ip_ranges"),
        "{all}"
    );
}

#[test]
fn smtp_in_v26_ignores_the_master_only_flag_and_sends() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = tempfile::tempdir().unwrap();
    let mut args = SEND.to_vec();
    args.extend(["--kratos-version", "v26.2.0"]);
    let out = courier(dir.path(), &smtp_config(sink.port), &args);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(sink.messages(1).len(), 1);
    assert!(sink.connections() >= 1);
    let check = courier(
        dir.path(),
        &smtp_config(sink.port),
        &["check-config", "--kratos-version", "v26.2.0"],
    );
    assert!(
        check.all().contains("disallow_private_ip_ranges"),
        "{}",
        check.all()
    );
}

#[test]
fn a_host_name_is_judged_by_the_addresses_it_resolves_to() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let dir = tempfile::tempdir().unwrap();
    let port = server.address().port();
    let url = format!("http://localhost:{port}/v3/mail/send");
    let mut args = SEND.to_vec();
    args.extend(["--kratos-version", "master"]);
    let out = courier(
        dir.path(),
        &http_config(&url, "    disallow_private_ip_ranges: true\n"),
        &args,
    );
    assert_eq!(out.code, 69, "{}", out.all());
    let got = rt.block_on(server.received_requests()).expect("recorded");
    assert!(got.is_empty(), "the server was reached");
    assert!(
        out.all()
            .contains("(its log shows \"dial tcp: lookup localhost: no such host\")"),
        "{}",
        out.all()
    );
}

#[test]
fn a_batch_stops_at_the_refusal_without_reaching_the_server() {
    use crate::support::batch::{courier as batch, dir_with, users, write_csv};
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server),
    );
    let url = format!("{}/send", server.uri());
    let dir = dir_with(&http_config(&url, "    disallow_private_ip_ranges: true\n"));
    write_csv(dir.path(), "r.csv", &users(20));
    let out = batch(
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
        out.all().contains("denied by: 127.0.0.0/8"),
        "{}",
        out.all()
    );
    let got = rt.block_on(server.received_requests()).expect("recorded");
    assert!(got.is_empty(), "the server was reached");
}
