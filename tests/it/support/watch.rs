//! What the `courier watch` tests share: a config with a known HTML
//! template, messages queued as Kratos queues them, and the binary run
//! against a Kratos database with its DSN in the environment.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::json;

use super::batch::{assert_no_secret, dir_with, smtp_config};
use super::kratos_db::{KratosDb, Queued};
use super::{Output, Running, run};

/// The HTML template every test config uses: Kratos renders it at
/// dispatch, from the stored data.
pub const HTML: &str = "<p>code {{ .RecoveryCode }} for {{ .To }}</p>";

/// A config sending over `uri`, with the HTML template above and `extra`
/// lines in `courier:`; the folder holds it as `kratos.yml`.
pub fn setup(uri: &str, extra: &str) -> tempfile::TempDir {
    setup_for("v26.2.0", uri, extra)
}

/// [`setup`] for `release` (v1.0.0 has no `courier.worker`).
pub fn setup_for(release: &str, uri: &str, extra: &str) -> tempfile::TempDir {
    let dir = dir_with("");
    let templates = dir.path().join("templates");
    let valid = templates.join("recovery_code/valid");
    std::fs::create_dir_all(&valid).expect("template folder");
    std::fs::write(valid.join("email.body.gotmpl"), HTML).expect("html template");
    let worker = if release == "v1.0.0" {
        ""
    } else {
        "  worker:\n    pull_wait: 10ms\n"
    };
    let extra = format!(
        "  template_override_path: {}\n{worker}{extra}",
        templates.display()
    );
    std::fs::write(dir.path().join("kratos.yml"), smtp_config(uri, &extra)).expect("config");
    dir
}

/// A recovery code email as release `release` queues it (its stored
/// template_data has Go's names before v1.1.0).
pub fn recovery(release: &str, to: &str, code: &str) -> Queued {
    let data = if release == "v1.0.0" {
        json!({"To": to, "RecoveryCode": code, "Identity": {"id": "i-1"}})
    } else {
        json!({"to": to, "recovery_code": code, "identity": {"id": "i-1"},
               "request_url": "https://auth.example.com/recovery", "transient_payload": {},
               "expires_in_minutes": 15, "unknown_key": 1})
    };
    Queued {
        kind: 1,
        recipient: to.to_owned(),
        subject: "Recover access to your account".to_owned(),
        body: format!("Your code is {code}."),
        template_type: "recovery_code_valid".to_owned(),
        template_data: data,
        request_headers: json!({}),
    }
}

/// `courier -c kratos.yml watch ARGS` with the DSN in the environment.
pub fn watch(dir: &Path, db: &KratosDb, args: &[&str]) -> Output {
    let mut all = vec!["-c", "kratos.yml", "watch", "--kratos-version", db.release];
    all.extend(args);
    let dsn = db.dsn();
    let out = run(dir, &all, &[("DSN", dsn.as_str())], None);
    assert_no_secret(&out.all(), "the output");
    assert!(
        !out.all().contains("unused-secret-pw"),
        "the DSN's password leaked: {}",
        out.all()
    );
    out
}

/// `courier watch ARGS` in the background.
pub fn spawn_watch(dir: &Path, db: &KratosDb, args: &[&str]) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_courier"))
        .current_dir(dir)
        .args(["-c", "kratos.yml", "watch", "--kratos-version", db.release])
        .args(args)
        .env_clear()
        .env("DSN", db.dsn())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("courier watch starts");
    Running(child)
}
