//! `courier test` and `courier send` against a real SMTP server (aiosmtpd)
//! over real TLS, in the six security modes, and the failures that must
//! fail.

use std::path::Path;

use crate::support::smtp::{Mode, PASSWORD, PASSWORD_ENCODED, Sink, USER, certs};
use crate::support::{Output, golden, root, run};

/// A config with this connection URI, in a fresh directory.
fn config(uri: &str, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("kratos.yml"),
        format!(
            "courier:\n  smtp:\n    connection_uri: {uri}\n    from_address: accounts@example.com\n    from_name: Example Accounts\n    local_name: courier.test\n{extra}"
        ),
    )
    .expect("write config");
    dir
}

fn with_ca() -> Vec<(&'static str, String)> {
    vec![("SSL_CERT_FILE", certs().ca.display().to_string())]
}

fn courier(dir: &Path, args: &[&str], env: &[(&'static str, String)]) -> Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut all = vec![args[0], "-c", "kratos.yml"];
    all.extend(&args[1..]);
    let out = run(dir, &all, &env, None);
    for secret in [PASSWORD, PASSWORD_ENCODED] {
        assert!(
            !out.all().contains(secret),
            "a password was printed: {}",
            out.all()
        );
    }
    out
}

fn uri(scheme: &str, sink: &Sink, query: &str) -> String {
    format!(
        "{scheme}://{USER}:{PASSWORD_ENCODED}@127.0.0.1:{}/{query}",
        sink.port
    )
}

/// Output with ports, times and dates made stable, for golden files.
fn normalize(text: &str, port: u16) -> String {
    let text = text.replace(&port.to_string(), "<PORT>");
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // "12.3 ms" -> "<T> ms"; "\"ms\": 12.345" -> "\"ms\": <T>"
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_ascii_digit()
                    || chars[j] == '.'
                    || chars[j] == 'e'
                    || chars[j] == '-')
            {
                j += 1;
            }
            let rest: String = chars[j..chars.len().min(j + 3)].iter().collect();
            let before: String = chars[i.saturating_sub(6)..i].iter().collect();
            let token: String = chars[i..j].iter().collect();
            if rest == " ms" || before.ends_with("\"ms\": ") {
                if rest == " ms" {
                    while out.ends_with(' ') {
                        out.pop();
                    }
                    out.push(' ');
                }
                out.push_str("<T>");
                i = j;
                continue;
            }
            // ISO dates (certificate expiry).
            if token.len() >= 10 && token.as_bytes()[4] == b'-' && chars.get(j) == Some(&'T') {
                let mut k = j;
                while k < chars.len() && chars[k] != 'Z' {
                    k += 1;
                }
                out.push_str("<DATE>");
                i = k + 1;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn snapshot(name: &str, out: &Output, port: u16) {
    let text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.code, out.stdout, out.stderr
    );
    golden(
        &root().join("tests/snapshots/test").join(name),
        &normalize(&text, port),
    );
}

#[test]
fn six_modes_probe_and_deliver() {
    let starttls = Sink::start(Mode::StartTls, true);
    let plain = Sink::start(Mode::Plain, true);
    let smtps = Sink::start(Mode::Smtps, true);
    let cases = [
        (
            "starttls",
            &starttls,
            uri("smtp", &starttls, ""),
            with_ca(),
            None,
        ),
        (
            "starttls-insecure",
            &starttls,
            uri("smtp", &starttls, "?skip_ssl_verify=true"),
            vec![],
            None,
        ),
        (
            "cleartext",
            &plain,
            uri("smtp", &plain, "?disable_starttls=true"),
            vec![],
            None,
        ),
        (
            "implicit-tls",
            &smtps,
            uri("smtps", &smtps, ""),
            with_ca(),
            Some("127.0.0.1"),
        ),
        (
            "implicit-tls-insecure",
            &smtps,
            uri("smtps", &smtps, "?skip_ssl_verify=true"),
            vec![],
            None,
        ),
        (
            "tls-server-name",
            &smtps,
            uri("smtps", &smtps, "?server_name=mail.test"),
            with_ca(),
            Some("mail.test"),
        ),
    ];
    let mut sent = std::collections::HashMap::<u16, usize>::new();
    for (name, sink, uri, env, sni) in cases {
        let dir = config(&uri, "");
        let out = courier(dir.path(), &["test", "--format", "json"], &env);
        assert_eq!(out.code, 0, "{name}: {}", out.all());
        let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON report");
        assert_eq!(report["ok"], true, "{name}");
        assert_eq!(report["reached"], "auth", "{name}");
        let auth = report["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["stage"] == "auth")
            .unwrap();
        assert_eq!(auth["outcome"], "ok", "{name}: {auth}");
        assert_eq!(report["tls"].is_null(), name == "cleartext", "{name}");
        if name == "starttls" || name == "implicit-tls" {
            assert_eq!(report["tls"]["verified"], true, "{name}");
        }
        if name.ends_with("insecure") {
            assert_eq!(
                report["tls"]["verified"], false,
                "{name}: verification is reported as skipped"
            );
        }
        let out = courier(
            dir.path(),
            &[
                "send",
                "--to",
                "jane@example.com",
                "--subject",
                " Grüße from courier ",
                "--text",
                "Line one\n.dot line",
                "--html",
                "<p>Hello &amp; welcome</p>",
            ],
            &env,
        );
        assert_eq!(out.code, 0, "{name}: {}", out.all());
        assert!(
            out.stdout
                .starts_with("sent jane@example.com via smtp 127.0.0.1:"),
            "{name}: {}",
            out.stdout
        );
        let n = sent.entry(sink.port).or_default();
        *n += 1;
        let msgs = sink.messages(*n);
        let m = &msgs[*n - 1];
        let env = &m.envelope;
        assert_eq!(env["auth"], USER, "{name}: {env}");
        assert_eq!(env["mail_from"], "accounts@example.com");
        assert_eq!(env["rcpt_tos"], serde_json::json!(["jane@example.com"]));
        assert_eq!(env["helo"], "courier.test");
        assert_eq!(env["tls"], name != "cleartext", "{name}");
        if let Some(sni) = sni {
            // No SNI is sent for an IP address; server_name sets it.
            assert_eq!(
                env["sni"],
                if sni == "127.0.0.1" {
                    serde_json::Value::Null
                } else {
                    sni.into()
                },
                "{name}"
            );
        }
        let eml = &m.eml;
        assert!(
            eml.contains("From: \"Example Accounts\" <accounts@example.com>\r\n"),
            "{eml}"
        );
        assert!(eml.contains("To: jane@example.com\r\n"));
        assert!(
            eml.contains("Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe_from_courier?=\r\n"),
            "{eml}"
        );
        assert!(eml.contains("MIME-Version: 1.0\r\n") && eml.contains("\r\nDate: "));
        assert!(!eml.contains("Message-ID"), "Kratos adds no Message-ID");
        let text_at = eml
            .find("Content-Type: text/plain; charset=UTF-8")
            .expect("text part");
        let html_at = eml
            .find("Content-Type: text/html; charset=UTF-8")
            .expect("html part");
        assert!(text_at < html_at, "text first, then HTML");
        assert!(
            eml.contains("Line one\r\n.dot line"),
            "dot-stuffing undone by the server: {eml}"
        );
        assert!(eml.contains("<p>Hello &amp; welcome</p>"));
    }
}

#[test]
fn probe_output_is_golden() {
    let starttls = Sink::start(Mode::StartTls, true);
    let dir = config(&uri("smtp", &starttls, ""), "");
    let out = courier(dir.path(), &["test"], &with_ca());
    assert_eq!(out.code, 0, "{}", out.all());
    snapshot("starttls-ok.human", &out, starttls.port);
    let out = courier(dir.path(), &["test", "--format", "json"], &with_ca());
    snapshot("starttls-ok.json", &out, starttls.port);
    let out = courier(
        dir.path(),
        &["test", "--to", "jane@example.com"],
        &with_ca(),
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains(" ~> RCPT TO:<jane@example.com>"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("DATA"), "never DATA");
    assert!(
        out.stdout.contains(" ~> AUTH PLAIN ***"),
        "AUTH is masked: {}",
        out.stdout
    );
    let out = courier(dir.path(), &["test", "--quit-after", "banner"], &with_ca());
    assert_eq!(out.code, 0);
    assert!(!out.stdout.contains("EHLO"), "{}", out.stdout);
    assert!(out.stdout.contains("reached banner"));
}

#[test]
fn failures_fail_with_their_stage_hint_and_exit_code() {
    let starttls = Sink::start(Mode::StartTls, true);
    let plain = Sink::start(Mode::Plain, true);
    let smtps = Sink::start(Mode::Smtps, true);
    let wrong = format!("smtp://{USER}:wrong-Pass-1@127.0.0.1:{}/", starttls.port);
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    #[allow(clippy::type_complexity)]
    let cases: Vec<(
        &str,
        String,
        Vec<(&'static str, String)>,
        &[&str],
        i32,
        &str,
        &str,
        u16,
    )> = vec![
        (
            "untrusted",
            uri("smtp", &starttls, ""),
            vec![],
            &[],
            69,
            "tls",
            "SSL_CERT_FILE",
            starttls.port,
        ),
        (
            "name-mismatch",
            uri("smtps", &smtps, "?server_name=wrong.test"),
            with_ca(),
            &[],
            69,
            "tls",
            "server_name",
            smtps.port,
        ),
        (
            "no-starttls",
            uri("smtp", &plain, ""),
            vec![],
            &[],
            69,
            "tls",
            "smtps://",
            plain.port,
        ),
        (
            "wrong-password",
            wrong,
            with_ca(),
            &[],
            69,
            "auth",
            "percent-encoded",
            starttls.port,
        ),
        (
            "smtps-on-starttls-port",
            uri("smtps", &starttls, ""),
            with_ca(),
            &[],
            69,
            "tls",
            "use smtp://",
            starttls.port,
        ),
        (
            "smtp-on-smtps-port",
            uri("smtp", &smtps, ""),
            with_ca(),
            &["--timeout", "1"],
            75,
            "banner",
            "smtps://",
            smtps.port,
        ),
        (
            "refused",
            format!("smtp://127.0.0.1:{closed}/"),
            vec![],
            &[],
            69,
            "connect",
            "nothing accepts",
            closed,
        ),
        (
            "plain-auth-cleartext",
            format!(
                "smtp://{USER}:{PASSWORD_ENCODED}@localhost.localdomain.invalid:{}/?disable_starttls=true",
                plain.port
            ),
            vec![],
            &[],
            69,
            "connect",
            "host name",
            plain.port,
        ),
    ];
    for (name, uri, env, extra, code, stage, hint, port) in cases {
        let dir = config(&uri, "");
        let mut args = vec!["test", "--format", "json"];
        args.extend(extra);
        let out = courier(dir.path(), &args, &env);
        assert_eq!(out.code, code, "{name}: {}", out.all());
        let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
        assert_eq!(report["ok"], false);
        assert_eq!(report["error"]["stage"], stage, "{name}: {}", out.stdout);
        assert!(
            report["error"]["hint"]
                .as_str()
                .unwrap_or_default()
                .contains(hint),
            "{name}: {}",
            out.stdout
        );
        if name != "plain-auth-cleartext" {
            snapshot(&format!("{name}.json"), &out, port);
            let mut args = vec!["test"];
            args.extend(extra);
            snapshot(
                &format!("{name}.human"),
                &courier(dir.path(), &args, &env),
                port,
            );
        }
    }
}

#[test]
fn disable_starttls_still_upgrades_when_offered() {
    let starttls = Sink::start(Mode::StartTls, true);
    let dir = config(
        &uri(
            "smtp",
            &starttls,
            "?disable_starttls=true&skip_ssl_verify=true",
        ),
        "",
    );
    // Kratos verifies with default settings on this upgrade: without the CA it fails,
    // whatever skip_ssl_verify says.
    let out = courier(dir.path(), &["test"], &[]);
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(
        out.stdout
            .contains("Kratos upgrades despite disable_starttls=true"),
        "{}",
        out.stdout
    );
    // The hint does not ask for the skip_ssl_verify the URI has.
    assert!(
        out.all().contains("ignoring skip_ssl_verify")
            && !out.all().contains("add ?skip_ssl_verify=true"),
        "{}",
        out.all()
    );
    let out = courier(dir.path(), &["test"], &with_ca());
    assert_eq!(out.code, 0, "{}", out.all());
}

#[test]
fn cleartext_plain_auth_is_refused_for_remote_hosts_only() {
    let plain = Sink::start(Mode::Plain, true);
    // "localhost" counts as local for Go's PLAIN auth.
    let dir = config(
        &format!(
            "smtp://{USER}:{PASSWORD_ENCODED}@localhost:{}/?disable_starttls=true",
            plain.port
        ),
        "",
    );
    let out = courier(dir.path(), &["test"], &[]);
    assert_eq!(out.code, 0, "{}", out.all());
}

#[test]
fn unusable_configs_exit_78() {
    let dir = config("smtp://mail.example.com/", "");
    let out = courier(dir.path(), &["test"], &[]);
    assert_eq!(out.code, 78, "{}", out.all());
    assert!(out.stderr.contains("no port"), "{}", out.stderr);
    let dir = config("smtp://u:p/ss@mail.example.com:587/", "");
    let out = courier(
        dir.path(),
        &["send", "--to", "a@b.c", "--subject", "s", "--text", "t"],
        &[],
    );
    assert_eq!(out.code, 78, "{}", out.all());
    assert!(
        out.stderr.contains("smtp-userinfo-reserved"),
        "{}",
        out.stderr
    );
}

#[test]
fn headers_cc_bcc_and_sender_are_applied_as_kratos_does() {
    let smtps = Sink::start(Mode::Smtps, true);
    let dir = config(
        &uri("smtps", &smtps, ""),
        "    headers:\n      Bcc: archive@example.com\n      Sender: bounces@example.com\n      Subject: Overridden\n",
    );
    let out = courier(
        dir.path(),
        &[
            "send",
            "--to",
            "jane@example.com",
            "--subject",
            "Original",
            "--text",
            "Hi",
            "--format",
            "json",
        ],
        &with_ca(),
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let line: serde_json::Value = serde_json::from_str(out.stdout.trim()).expect("one JSON line");
    assert_eq!(line["status"], "sent");
    let m = &smtps.messages(1)[0];
    assert_eq!(m.envelope["mail_from"], "bounces@example.com");
    assert_eq!(
        m.envelope["rcpt_tos"],
        serde_json::json!(["jane@example.com", "archive@example.com"])
    );
    assert!(!m.eml.contains("Bcc:"), "Bcc is delivered, not written");
    assert!(
        m.eml.contains("Subject: Overridden\r\n") && !m.eml.contains("Original"),
        "{}",
        m.eml
    );
    // From v26.2.0 an ad-hoc (stub) email's HTML part is its text.
    for part in ["text/plain", "text/html"] {
        assert!(
            m.eml.contains(&format!(
                "Content-Transfer-Encoding: quoted-printable\r\nContent-Type: {part}; charset=UTF-8\r\n\r\nHi\r\n"
            )),
            "{part}: {}",
            m.eml
        );
    }
    let out = courier(
        dir.path(),
        &[
            "send",
            "--to",
            "jane@example.com",
            "--subject",
            "Original",
            "--text",
            "Hi",
            "--kratos-version",
            "v25.4.0",
        ],
        &with_ca(),
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let m = &smtps.messages(2)[1];
    assert!(!m.eml.contains("text/html"), "{}", m.eml);
    assert!(m.eml.contains("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHi"), "{}", m.eml);
}

#[test]
fn send_failures_name_the_stage_and_reply_and_client_certs_load() {
    let starttls = Sink::start(Mode::StartTls, true);
    let wrong = format!("smtp://{USER}:wrong-Pass-1@127.0.0.1:{}/", starttls.port);
    let dir = config(&wrong, "");
    let out = courier(
        dir.path(),
        &[
            "send",
            "--to",
            "jane@example.com",
            "--subject",
            "s",
            "--text",
            "t",
        ],
        &with_ca(),
    );
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(
        out.stderr.contains("failed at auth") && out.stderr.contains("535"),
        "{}",
        out.stderr
    );
    assert!(!out.all().contains("wrong-Pass-1"), "{}", out.all());
    let out = courier(
        dir.path(),
        &[
            "send",
            "--to",
            "jane@example.com",
            "--subject",
            "s",
            "--text",
            "t",
            "--format",
            "json",
        ],
        &with_ca(),
    );
    let line: serde_json::Value = serde_json::from_str(out.stdout.trim()).expect("one JSON line");
    assert_eq!(
        (line["status"].as_str(), line["stage"].as_str()),
        (Some("failed"), Some("auth"))
    );
    assert!(
        line["reply"]
            .as_str()
            .unwrap_or_default()
            .starts_with("535"),
        "{line}"
    );

    // A client certificate is loaded and offered when both paths are set.
    let c = certs();
    let extra = format!(
        "    client_cert_path: {}\n    client_key_path: {}\n",
        c.cert.display(),
        c.key.display()
    );
    let dir = config(&uri("smtp", &starttls, ""), &extra);
    let out = courier(
        dir.path(),
        &[
            "send",
            "--to",
            "jane@example.com",
            "--subject",
            "s",
            "--text",
            "t",
        ],
        &with_ca(),
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(starttls.messages(1).len(), 1);
}

/// An example's server never answers: the hint says so.
#[test]
fn a_documentation_domain_server_is_named_as_such() {
    let dir = config("smtp://u:pw@mail.example.org:587/", "");
    let out = courier(dir.path(), &["test", "--timeout", "2"], &[]);
    assert!(matches!(out.code, 69 | 75), "{}", out.all());
    assert!(
        out.stderr
            .contains("`mail.example.org` is a documentation domain"),
        "{}",
        out.all()
    );
}

#[test]
fn an_empty_local_name_greets_as_localhost_and_whole_float_retries_are_integers() {
    use crate::support::hostile::{Hostile, Step};
    let server = Hostile::start(vec![
        Step::Send(b"220 hostile ESMTP\r\n".to_vec()),
        Step::Until("EHLO".into()),
        Step::Send(b"250 hostile\r\n".to_vec()),
        Step::Until("QUIT".into()),
        Step::Send(b"221 bye\r\n".to_vec()),
    ]);
    let dir = config(
        &format!("smtp://127.0.0.1:{}/?disable_starttls=true", server.port),
        "",
    );
    // Kratos' dialer says nothing itself for an empty name; Go's client
    // then greets as `localhost`. `message_retries: 5.0` passes Kratos'
    // validator (an integer by JSON Schema's rule).
    let yaml = std::fs::read_to_string(dir.path().join("kratos.yml"))
        .unwrap()
        .replace("local_name: courier.test", "local_name: \"\"")
        + "  message_retries: 5.0\n";
    std::fs::write(dir.path().join("kratos.yml"), yaml).unwrap();
    let out = courier(dir.path(), &["check-config"], &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    let out = courier(dir.path(), &["test", "--quit-after", "ehlo"], &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    let sent = server.received_after("QUIT");
    assert!(sent.contains("EHLO localhost\r\n"), "{sent:?}");
}

/// A negative `message_retries`: Kratos abandons every message at its
/// first pickup, without an attempt. check-config says so as an error,
/// `send` abandons without dialling, a batch refuses to start; 0 is one
/// attempt.
#[test]
fn negative_message_retries_abandon_without_dialling() {
    use crate::support::hostile::{Hostile, Step};
    let server = Hostile::start(vec![
        Step::Send(b"220 hostile ESMTP\r\n".to_vec()),
        Step::Until("QUIT".into()),
        Step::Send(b"221 bye\r\n".to_vec()),
    ]);
    let dir = config(
        &format!("smtp://127.0.0.1:{}/?disable_starttls=true", server.port),
        "  message_retries: -1\n",
    );
    let out = courier(dir.path(), &["check-config"], &[]);
    assert_eq!(out.code, 78, "{}", out.all());
    assert!(
        out.stderr.contains("error[message-retries-negative]")
            && out
                .stderr
                .contains("abandons every message without an attempt"),
        "{}",
        out.all()
    );
    let send = [
        "send",
        "--to",
        "jane@example.com",
        "--subject",
        "s",
        "--text",
        "t",
    ];
    let out = courier(dir.path(), &send, &[]);
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(
        out.stderr.contains("courier.message_retries is -1")
            && out.stderr.contains("0 is one attempt"),
        "{}",
        out.all()
    );
    let out = courier(
        dir.path(),
        &[&send[..], &["--format", "json"]].concat(),
        &[],
    );
    let line: serde_json::Value = serde_json::from_str(out.stdout.trim()).expect("one JSON line");
    assert_eq!(line["status"], "failed");
    std::fs::write(dir.path().join("r.csv"), "email\njane@example.com\n").unwrap();
    let out = courier(
        dir.path(),
        &[
            "send",
            "--batch",
            "r.csv",
            "--template",
            "verification_code_valid",
        ],
        &[],
    );
    assert_eq!(out.code, 78, "{}", out.all());
    assert!(
        out.stderr.contains("message-retries-negative"),
        "{}",
        out.all()
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(server.received(), "", "nothing may be dialled");
}

/// A configured `From` or `Sender` that Kratos' mailer cannot read as one
/// address (delivery-by-release §5) fails every send: courier refuses it
/// before anything is sent and says why; the ASCII forms Kratos reads go
/// out with their address as the envelope sender.
#[test]
fn from_and_sender_headers_kratos_cannot_read_fail_before_sending() {
    let sink = Sink::start(Mode::Smtps, true);
    let send = [
        "send",
        "--to",
        "jane@example.com",
        "--subject",
        "s",
        "--text",
        "t",
    ];
    for (field, value, why) in [
        (
            "From",
            "Jörg <team@example.com>",
            "=?UTF-8?q?J=C3=B6rg_<team@example.com>?=",
        ),
        (
            "Sender",
            "\"a@example.com, b@example.com\"",
            "list of addresses",
        ),
        ("Sender", "\"undisclosed:;\"", "empty group"),
        ("From", "foo", "no address"),
    ] {
        let dir = config(
            &uri("smtps", &sink, ""),
            &format!("    headers:\n      {field}: {value}\n"),
        );
        let out = courier(dir.path(), &send, &with_ca());
        assert_ne!(out.code, 0, "{value}: {}", out.all());
        assert!(
            out.stderr.contains("smtp-header-address-invalid") && out.stderr.contains(why),
            "{value}: {}",
            out.all()
        );
        let out = courier(dir.path(), &["test"], &with_ca());
        assert_ne!(out.code, 0, "{value}: {}", out.all());
    }
    assert!(sink.messages(0).is_empty(), "nothing may be sent");
    for (n, (value, mail_from)) in [
        (
            "'\"Quoted, Name\" <quoted@example.com>'",
            "quoted@example.com",
        ),
        ("Example Team <team@example.com>", "team@example.com"),
    ]
    .iter()
    .enumerate()
    {
        let dir = config(
            &uri("smtps", &sink, ""),
            &format!("    headers:\n      From: {value}\n"),
        );
        let out = courier(dir.path(), &send, &with_ca());
        assert_eq!(out.code, 0, "{value}: {}", out.all());
        let m = &sink.messages(n + 1)[n];
        assert_eq!(m.envelope["mail_from"], *mail_from);
    }
}

/// A client certificate that does not load: Kratos logs it and connects
/// without one (delivery-by-release §5). courier does the same and warns
/// on stderr with the paths and the reason; check-config warns. One path
/// alone is ignored without a word at send time, and check-config says so.
#[test]
fn an_unloadable_client_certificate_is_left_out_with_a_warning() {
    let c = certs();
    let ca = c.ca.display().to_string();
    let sink = Sink::start_opts(
        Mode::StartTls,
        Some((USER, PASSWORD)),
        &["--client-ca", &ca],
    );
    let send = [
        "send",
        "--to",
        "jane@example.com",
        "--subject",
        "s",
        "--text",
        "t",
    ];
    let tmp = tempfile::tempdir().unwrap();
    let garbage = tmp.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let missing = tmp.path().join("missing.key");
    let (cert, key) = (c.cert.display().to_string(), c.key.display().to_string());
    let cases: [(String, String, bool, &str); 4] = [
        (cert.clone(), key.clone(), true, ""),
        (
            garbage.display().to_string(),
            missing.display().to_string(),
            false,
            "missing.key",
        ),
        // The certificate file again as the key: it holds no key.
        (cert.clone(), cert.clone(), false, "server.pem"),
        (
            garbage.display().to_string(),
            key.clone(),
            false,
            "no PEM certificate",
        ),
    ];
    for (n, (cert_path, key_path, presented, why)) in cases.iter().enumerate() {
        let extra = format!("    client_cert_path: {cert_path}\n    client_key_path: {key_path}\n");
        let dir = config(&uri("smtp", &sink, ""), &extra);
        let out = courier(dir.path(), &send, &with_ca());
        assert_eq!(out.code, 0, "{cert_path} {key_path}: {}", out.all());
        let m = &sink.messages(n + 1)[n];
        assert_eq!(
            m.envelope["client_cert"], *presented,
            "{cert_path} {key_path}"
        );
        let check = courier(dir.path(), &["check-config"], &[]);
        assert_eq!(check.code, 0, "{}", check.all());
        if *presented {
            assert!(!out.stderr.contains("warning"), "{}", out.all());
            assert!(!check.all().contains("smtp-client-cert"), "{}", check.all());
        } else {
            assert!(
                out.stderr.contains("cannot load the client certificate")
                    && out.stderr.contains(cert_path.as_str())
                    && out.stderr.contains(key_path.as_str())
                    && out.stderr.contains(why)
                    && out.stderr.contains("without one"),
                "{}",
                out.all()
            );
            assert!(
                check
                    .stderr
                    .contains("warning[smtp-client-cert-unreadable]"),
                "{}",
                check.all()
            );
        }
    }
    // One path alone: ignored without a word when sending.
    let dir = config(
        &uri("smtp", &sink, ""),
        &format!("    client_cert_path: {cert}\n"),
    );
    let out = courier(dir.path(), &send, &with_ca());
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(!out.stderr.contains("warning"), "{}", out.all());
    assert_eq!(sink.messages(5)[4].envelope["client_cert"], false);
    let check = courier(dir.path(), &["check-config"], &[]);
    assert!(
        check
            .stderr
            .contains("warning[smtp-client-cert-incomplete]")
            && check.stderr.contains("ignores it"),
        "{}",
        check.all()
    );
}
