//! `courier watch` over HTTP: the Jsonnet ctx each release builds from a
//! stored message (email and SMS), received by a real HTTP server
//! (wiremock), and a stop that lets the request in flight finish.

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::batch::wait_exit;
use crate::support::kratos_db::{KratosDb, Queued, RELEASES};
use crate::support::watch::{recovery, setup, setup_for, spawn_watch, watch};

/// The ctx release `release` hands the Jsonnet body for [`recovery`]'s
/// message to jane@example.com: the model's fields only, the HTML rendered
/// now (from v25.4.0), the stored request headers (from v26.2.0).
fn expected_ctx(release: &str) -> Value {
    let (subject, body) = ("Recover access to your account", "Your code is 424242.");
    if release == "v1.0.0" {
        return json!({
            "Recipient": "jane@example.com", "Subject": subject, "Body": body,
            "TemplateType": "recovery_code_valid",
            "TemplateData": {"To": "jane@example.com", "RecoveryCode": "424242",
                             "Identity": {"id": "i-1"}}
        });
    }
    let modern = matches!(release, "v25.4.0" | "v26.2.0" | "master");
    let mut data = json!({
        "to": "jane@example.com", "recovery_code": "424242", "identity": {"id": "i-1"},
        "request_url": "https://auth.example.com/recovery", "transient_payload": {}
    });
    let mut ctx = json!({
        "recipient": "jane@example.com", "subject": subject, "body": body,
        "template_type": "recovery_code_valid", "message_type": "email"
    });
    if modern {
        data["expires_in_minutes"] = json!(15);
        ctx["html_body"] = json!("<p>code 424242 for jane@example.com</p>");
    }
    if matches!(release, "v26.2.0" | "master") {
        ctx["request_headers"] = json!({"User-Agent": ["kratos-test"]});
    }
    ctx["template_data"] = data;
    ctx
}

#[test]
fn http_bodies_see_the_ctx_each_release_builds_from_the_stored_message() {
    let rt = crate::support::runtime();
    let server = rt.block_on(wiremock::MockServer::start());
    rt.block_on(
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .respond_with(wiremock::ResponseTemplate::new(200))
            .mount(&server),
    );
    for release in RELEASES {
        let dir = setup_for(release, "smtp://127.0.0.1:9/", "");
        let body = dir.path().join("body.jsonnet");
        std::fs::write(&body, "function(ctx) ctx").expect("body");
        let config = format!(
            "{}  delivery_strategy: http\n  http:\n    request_config:\n      url: {}/send\n      body: file://{}\n",
            std::fs::read_to_string(dir.path().join("kratos.yml")).expect("config"),
            server.uri(),
            body.display()
        );
        std::fs::write(dir.path().join("kratos.yml"), config).expect("config");
        let mut db = KratosDb::sqlite(release);
        let mut m = recovery(release, "jane@example.com", "424242");
        m.request_headers = json!({"User-Agent": ["kratos-test"]});
        db.enqueue(&[m]);
        let before = rt
            .block_on(server.received_requests())
            .expect("requests")
            .len();
        let out = watch(dir.path(), &db, &["--once"]);
        assert_eq!(out.code, 0, "{release}: {}", out.all());
        let received = rt.block_on(server.received_requests()).expect("requests");
        assert_eq!(received.len(), before + 1, "{release}");
        let ctx: Value = serde_json::from_slice(&received[before].body).expect("JSON body");
        assert_eq!(
            ctx,
            expected_ctx(release),
            "{release}: unknown keys dropped, the HTML rendered now, the stored headers as they are"
        );
        assert_eq!(db.messages()[0].status, 2, "{release}");
    }
}

#[test]
fn an_sms_goes_through_its_channel_with_go_zero_values_for_missing_data() {
    let rt = crate::support::runtime();
    let server = rt.block_on(wiremock::MockServer::start());
    rt.block_on(
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .respond_with(wiremock::ResponseTemplate::new(202))
            .mount(&server),
    );
    let dir = setup("smtp://127.0.0.1:9/", "");
    let body = dir.path().join("sms.jsonnet");
    std::fs::write(&body, "function(ctx) ctx").expect("body");
    let config = format!(
        "{}  channels:\n    - id: sms\n      type: http\n      request_config:\n        url: {}/sms\n        method: POST\n        body: file://{}\n",
        std::fs::read_to_string(dir.path().join("kratos.yml")).expect("config"),
        server.uri(),
        body.display()
    );
    std::fs::write(dir.path().join("kratos.yml"), config).expect("config");
    let mut db = KratosDb::postgres("v26.2.0");
    db.enqueue(&[Queued {
        kind: 2,
        recipient: "+15550001234".into(),
        subject: String::new(),
        body: "Your login code is 123456".into(),
        template_type: "login_code_valid".into(),
        template_data: json!({"to": "+15550001234", "login_code": "123456", "extra": true}),
        request_headers: json!({}),
    }]);
    let out = watch(dir.path(), &db, &["--once"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let received = rt.block_on(server.received_requests()).expect("requests");
    assert_eq!(received.len(), 1);
    let ctx: Value = serde_json::from_slice(&received[0].body).expect("JSON");
    assert_eq!(
        ctx,
        json!({
            "recipient": "+15550001234", "subject": "", "body": "Your login code is 123456",
            "template_type": "login_code_valid",
            "template_data": {
                "to": "+15550001234", "login_code": "123456", "identity": null,
                "request_url": "", "transient_payload": null, "expires_in_minutes": 0
            },
            "message_type": "sms", "request_headers": {}
        })
    );
    assert_eq!(db.messages()[0].status, 2);
}

#[test]
fn sigterm_lets_the_message_in_flight_finish_and_records_it() {
    let rt = crate::support::runtime();
    let server = rt.block_on(wiremock::MockServer::start());
    rt.block_on(
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .respond_with(
                wiremock::ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)),
            )
            .mount(&server),
    );
    let dir = setup("smtp://127.0.0.1:9/", "");
    let config = format!(
        "{}  delivery_strategy: http\n  http:\n    request_config:\n      url: {}/send\n      body: base64://ZnVuY3Rpb24oY3R4KSB7IHRvOiBjdHgucmVjaXBpZW50IH0=\n",
        std::fs::read_to_string(dir.path().join("kratos.yml")).expect("config"),
        server.uri()
    );
    std::fs::write(dir.path().join("kratos.yml"), config).expect("config");
    let mut db = KratosDb::sqlite("v26.2.0");
    db.enqueue(&[
        recovery("v26.2.0", "a@example.com", "1"),
        recovery("v26.2.0", "b@example.com", "2"),
    ]);
    let mut child = spawn_watch(dir.path(), &db, &["-j", "1"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while rt
        .block_on(server.received_requests())
        .is_none_or(|r| r.is_empty())
    {
        assert!(std::time::Instant::now() < deadline, "no request came");
        std::thread::sleep(Duration::from_millis(10));
    }
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    assert_eq!(wait_exit(&mut child), 0);
    let rows = db.messages();
    // The first was in flight: it finished and was recorded; the second
    // was never claimed.
    assert_eq!(
        rows.iter()
            .map(|r| (r.status, r.send_count))
            .collect::<Vec<_>>(),
        [(2, 1), (1, 0)],
        "{rows:?}"
    );
}
