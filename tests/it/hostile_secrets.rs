//! Secrets masked where output is built: short passwords leave JSON and
//! host names intact, misspelled and continued keys are masked in source
//! lines, URLs lose their userinfo and tokens, credential headers stay out
//! of `.eml` files, encoded credentials echoed by a server are scrubbed,
//! and a server's escape sequences are shown, not obeyed.

use std::path::Path;

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::hostile::{Hostile, Step};
use crate::support::{Output, b64, run, runtime};

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

fn courier(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut all = vec!["-c", "kratos.yml"];
    all.extend(args);
    run(dir, &all, env, None)
}

fn assert_hidden(out: &Output, secrets: &[&str]) {
    for s in secrets {
        assert!(!out.all().contains(s), "{s:?} leaked:\n{}", out.all());
    }
}

#[test]
fn a_short_password_leaves_json_and_host_names_intact() {
    let dir = dir_with(&[(
        "kratos.yml",
        "courier:\n  smtp:\n    connection_uri: smtps://mail:e@mail.example.com:465/\n    from_address: a@example.com\n",
    )]);
    let out = courier(dir.path(), &["check-config", "--format", "json"], &[]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    assert_eq!(doc["valid"], true, "{}", out.all());
    let out = courier(
        dir.path(),
        &["render", "--template", "recovery_code_valid"],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("recovery"), "{}", out.stdout);
    assert!(!out.all().contains("***"), "nothing to mask: {}", out.all());
}

#[test]
fn source_lines_mask_misspelled_and_continued_credentials() {
    let config = "courier:\n  delivery_strategy: http\n  http:\n    request_config:\n      url: https://api.example.com/send\n      method: POST\n      body: base64://ZnVuY3Rpb24oY3R4KSB7fQ==\n      auth:\n        type: basic_auth\n        config:\n          user: courier\n          pasword: Misspelt-Secret-41\n          password: First-Half-77\n            Second-Half-99\n";
    let dir = dir_with(&[("kratos.yml", config)]);
    let out = courier(dir.path(), &["check-config"], &[]);
    assert_eq!(out.code, 78, "{}", out.all());
    assert!(out.stderr.contains("pasword"), "{}", out.stderr);
    assert_hidden(
        &out,
        &["Misspelt-Secret-41", "First-Half-77", "Second-Half-99"],
    );
    let out = courier(dir.path(), &["check-config", "--format", "json"], &[]);
    serde_json::from_str::<serde_json::Value>(&out.stdout).expect("valid JSON");
    assert_hidden(
        &out,
        &["Misspelt-Secret-41", "First-Half-77", "Second-Half-99"],
    );
}

#[test]
fn urls_headers_and_eml_files_do_not_carry_credentials() {
    let config = "courier:\n  delivery_strategy: http\n  smtp:\n    connection_uri: smtp://127.0.0.1:9/\n    from_address: a@example.com\n    headers:\n      X-Auth-Token: Header-Secret-99\n  http:\n    request_config:\n      url: https://api.example.com/send?access_token=Query-Token-55&v=2\n      method: POST\n      headers:\n        X-Mailer-Passphrase: Pass-Phrase-31\n      body: base64://ZnVuY3Rpb24oY3R4KSB7fQ==\n";
    let dir = dir_with(&[("kratos.yml", config)]);
    let env = [(
        "COURIER_HTTP_REQUEST_CONFIG_URL",
        "https://user:Env-Password-12@api.example.com/send?access_token=Query-Token-55",
    )];
    let secrets = ["Query-Token-55", "Pass-Phrase-31", "Env-Password-12"];
    let out = courier(
        dir.path(),
        &[
            "render",
            "--template",
            "recovery_code_valid",
            "--part",
            "request",
        ],
        &env,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains("api.example.com/send"),
        "{}",
        out.stdout
    );
    assert_hidden(&out, &secrets);
    let eml = tempfile::tempdir().expect("out dir");
    let eml_dir = eml.path().display().to_string();
    let out = courier(
        dir.path(),
        &[
            "render",
            "--template",
            "recovery_code_valid",
            "--out",
            &eml_dir,
        ],
        &env,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let written = std::fs::read_to_string(eml.path().join("recovery_code_valid.eml")).expect("eml");
    assert!(written.contains("X-Auth-Token: ***"), "{written}");
    let out = courier(
        dir.path(),
        &[
            "render",
            "--template",
            "recovery_code_valid",
            "--out",
            &eml_dir,
            "--with-secrets",
        ],
        &env,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let written = std::fs::read_to_string(eml.path().join("recovery_code_valid.eml")).expect("eml");
    assert!(
        written.contains("X-Auth-Token: Header-Secret-99"),
        "{written}"
    );
}

#[test]
fn an_auth_plain_echo_in_a_smtp_reply_is_scrubbed() {
    let (user, password) = ("bob", "Plain-Password-63");
    let echo = b64(&format!("\0{user}\0{password}"));
    let server = Hostile::start(vec![
        Step::Send(b"220 hostile ESMTP\r\n".to_vec()),
        Step::Until("EHLO".into()),
        Step::Send(b"250-hostile\r\n250 AUTH PLAIN\r\n".to_vec()),
        Step::Until("AUTH".into()),
        Step::Send(format!("535 5.7.8 rejected {echo}\r\n").into_bytes()),
        Step::Until("QUIT".into()),
        Step::Send(b"221 bye\r\n".to_vec()),
    ]);
    let config = format!(
        "courier:\n  smtp:\n    connection_uri: smtp://{user}:{password}@127.0.0.1:{}/?disable_starttls=true\n    from_address: a@example.com\n",
        server.port
    );
    let dir = dir_with(&[("kratos.yml", &config)]);
    for format in ["human", "json"] {
        let out = courier(dir.path(), &["test", "--format", format], &[]);
        assert_eq!(out.code, 69, "{}", out.all());
        assert!(out.all().contains("535"), "{}", out.all());
        assert_hidden(&out, &[&echo, password]);
    }
}

#[test]
fn a_basic_credential_echoed_in_an_http_error_is_scrubbed_everywhere() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let password = "Basic-Password-84";
    let echo = b64(&format!("courier:{password}"));
    rt.block_on(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(400).set_body_string(format!("bad: Basic {echo}")))
            .mount(&server),
    );
    let config = format!(
        "courier:\n  delivery_strategy: http\n  http:\n    request_config:\n      url: {}/send\n      method: POST\n      body: base64://ZnVuY3Rpb24oY3R4KSB7fQ==\n      auth:\n        type: basic_auth\n        config:\n          user: courier\n          password: {password}\n",
        server.uri()
    );
    let dir = dir_with(&[("kratos.yml", &config), ("r.csv", "to\na@example.com\n")]);
    let out = courier(
        dir.path(),
        &[
            "send",
            "--to",
            "a@example.com",
            "--template",
            "recovery_code_valid",
        ],
        &[],
    );
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(out.all().contains("400"), "{}", out.all());
    assert_hidden(&out, &[&echo, password]);
    let out = courier(
        dir.path(),
        &[
            "send",
            "--batch",
            "r.csv",
            "--journal",
            "r.db",
            "--template",
            "recovery_code_valid",
        ],
        &[],
    );
    assert_hidden(&out, &[&echo, password]);
    let journal = std::fs::read(dir.path().join("r.db")).expect("journal");
    assert!(
        !String::from_utf8_lossy(&journal).contains(&echo),
        "the journal holds the echo"
    );
    let out = run(dir.path(), &["log", "--journal", "r.db"], &[], None);
    assert!(out.stdout.contains("400"), "{}", out.all());
    assert_hidden(&out, &[&echo, password]);
}

#[test]
fn escape_sequences_from_a_server_are_shown_not_obeyed() {
    let server = Hostile::start(vec![
        Step::Send(b"220 \x1b]0;pwned\x07\x1b[2J\rhostile\r\n".to_vec()),
        Step::Until("EHLO".into()),
        Step::Send(b"554 \x1b[31mno\x1b[0m\r\n".to_vec()),
        Step::Until("QUIT".into()),
        Step::Send(b"221 bye\r\n".to_vec()),
    ]);
    let config = format!(
        "courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:{}/?disable_starttls=true\n    from_address: a@example.com\n",
        server.port
    );
    let dir = dir_with(&[("kratos.yml", &config)]);
    let out = courier(dir.path(), &["test", "--color", "never"], &[]);
    assert_ne!(out.code, 0, "{}", out.all());
    assert!(!out.all().contains('\x1b'), "raw escape: {:?}", out.all());
    assert!(!out.all().contains('\x07'), "raw bell: {:?}", out.all());
    assert!(out.all().contains("\\u{1b}"), "{}", out.all());
    let out = courier(dir.path(), &["test", "--format", "json"], &[]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert!(doc.to_string().contains("\\u001b"), "{doc}");
}
