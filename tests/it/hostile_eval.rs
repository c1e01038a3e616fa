//! Hostile Jsonnet bodies and Go templates: every evaluation ends within
//! its time and memory limit with a clear error, and no worker process is
//! left running afterwards.

use std::path::Path;
use std::time::{Duration, Instant};

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Output, run, runtime};

const API_KEY: &str = "Eval-Api-Key-7713";

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(path, text).expect("write");
    }
    dir
}

fn http_config(url: &str) -> String {
    format!(
        "courier:\n  delivery_strategy: http\n  http:\n    request_config:\n      url: {url}\n      method: POST\n      headers:\n        X-Api-Key: {API_KEY}\n      body: file://./body.jsonnet\n"
    )
}

const SMTP_CONFIG: &str = "courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:9/?disable_starttls=true\n    from_address: a@example.com\n  template_override_path: ./tpl\n";

/// Runs courier in `dir`, bounded (the support kills it after 60 s), and
/// returns the output with the time it took.
fn timed(dir: &Path, args: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let out = run(dir, args, &[], None);
    let took = start.elapsed();
    assert!(!out.all().contains(API_KEY), "the API key leaked");
    (out, took)
}

/// Worker processes whose parent is gone (leaked): the marker is in
/// their environment, and their parent is neither a courier nor a test
/// binary that runs a sandbox itself (the property tests do).
fn orphaned_workers() -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        if !env
            .split(|b| *b == 0)
            .any(|kv| kv == b"COURIER_SANDBOX_WORKER=1")
        {
            continue;
        }
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let ppid = stat
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().nth(1))
            .unwrap_or("1")
            .to_owned();
        let parent = std::fs::read_link(format!("/proc/{ppid}/exe")).unwrap_or_default();
        let name = parent
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !(name.starts_with("courier") || name.starts_with("it-")) {
            out.push(pid);
        }
    }
    out
}

fn assert_nothing_left_running() {
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(orphaned_workers(), Vec::<u32>::new(), "leaked workers");
}

#[test]
fn a_runaway_or_hungry_jsonnet_body_is_stopped_and_reported() {
    for (code, expect) in [
        (
            "function(ctx) std.foldl(function(a, b) a + b, std.range(0, 2000000000), 0)",
            "did not finish within 1s (Kratos' limit)",
        ),
        (
            "local f(s, n) = if n == 0 then s else f(s + s, n - 1) tailstrict;\nfunction(ctx) { a: std.length(f('x', 40)) }",
            "went over the memory limit (128 MiB of heap)",
        ),
        (
            "function(ctx) { s: std.repeat('x', 300000) }",
            "Kratos refuses Jsonnet output over 256 KiB",
        ),
        (
            // An error message of 16 MiB of control characters: cut.
            "local d(s, n) = if n == 0 then s else d(s + s, n - 1);\nfunction(ctx) error d(std.char(1), 24)",
            "\\u{1}\\u{1} […]",
        ),
    ] {
        let dir = dir_with(&[
            ("kratos.yml", &http_config("http://127.0.0.1:9/send")),
            ("body.jsonnet", code),
        ]);
        let (out, took) = timed(
            dir.path(),
            &[
                "-c",
                "kratos.yml",
                "render",
                "--template",
                "recovery_code_valid",
                "--part",
                "payload",
            ],
        );
        assert_eq!(out.code, 65, "{}", out.all());
        assert!(out.stderr.contains(expect), "{}", out.stderr);
        assert!(took < Duration::from_secs(20), "took {took:?}");
        let (out, _) = timed(dir.path(), &["-c", "kratos.yml", "check-config"]);
        assert_ne!(out.code, 0, "{}", out.all());
    }
    assert_nothing_left_running();
}

#[test]
fn a_batch_whose_rows_make_the_body_spin_skips_them_and_sends_the_rest() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(202))
            .mount(&server),
    );
    let body = "function(ctx) if std.endsWith(ctx.recipient, '@spin.test') then std.foldl(function(a, b) a + b, std.range(0, 2000000000), 0) else { to: ctx.recipient }";
    let mut rows = String::from("to\n");
    for i in 1..=12 {
        let domain = if i % 4 == 0 {
            "spin.test"
        } else {
            "example.com"
        };
        rows.push_str(&format!("user{i}@{domain}\n"));
    }
    let dir = dir_with(&[
        (
            "kratos.yml",
            &http_config(&format!("{}/send", server.uri())),
        ),
        ("body.jsonnet", body),
        ("r.csv", &rows),
    ]);
    let (out, took) = timed(
        dir.path(),
        &[
            "-c",
            "kratos.yml",
            "send",
            "--batch",
            "r.csv",
            "--journal",
            "r.db",
            "--template",
            "recovery_code_valid",
            "--format",
            "json",
            "-j",
            "2",
        ],
    );
    assert_eq!(out.code, 65, "bad rows: {}", out.all());
    let spun: Vec<u64> = out
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| {
            r["status"] == "bad-row"
                && r["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("did not finish within 1s"))
        })
        .filter_map(|r| r["line"].as_u64())
        .collect();
    assert_eq!(spun.len(), 3, "{}", out.all());
    assert!(spun.iter().all(|l| (l - 1) % 4 == 0), "{spun:?}");
    let requests = rt.block_on(server.received_requests()).expect("recorded");
    assert_eq!(requests.len(), 9, "every good row was sent once");
    assert!(took < Duration::from_secs(40), "took {took:?}");
    assert_nothing_left_running();
}

#[test]
fn hostile_go_templates_end_with_a_clear_error() {
    let deep = format!(
        "{}x{}",
        "{{if true}}".repeat(50_000),
        "{{end}}".repeat(50_000)
    );
    for (template, expect) in [
        (
            "{{ repeat 10000 (repeat 10000 \"x\") }}",
            "the result would be 100000000 bytes",
        ),
        (
            "{{ indent 1000000000 \"x\" }}",
            "courier refuses strings over 1 MiB in templates",
        ),
        (
            "{{ range until 5000 }}{{ range until 1000 }}{{ $h := repeat 1000 \"x\" | sha256sum }}{{ end }}{{ end }}",
            "email.body.plaintext.gotmpl: did not finish within 1s",
        ),
        (
            "{{ $l := list }}{{ range until 10000 }}{{ $l = append $l (repeat 100 (repeat 10000 \"x\")) }}{{ end }}",
            "went over the memory limit",
        ),
        (deep.as_str(), "nesting depth exceeded"),
        (
            "{{ div (sub (sub 0 9223372036854775807) 1) -1 }}{{ seq }}",
            "wrong number of args",
        ),
    ] {
        let dir = dir_with(&[
            ("kratos.yml", SMTP_CONFIG),
            ("tpl/recovery_code/valid/email.subject.gotmpl", "Hi"),
            (
                "tpl/recovery_code/valid/email.body.plaintext.gotmpl",
                template,
            ),
        ]);
        let (out, took) = timed(
            dir.path(),
            &[
                "-c",
                "kratos.yml",
                "render",
                "--template",
                "recovery_code_valid",
                "--part",
                "text",
            ],
        );
        assert_eq!(out.code, 65, "{template:.60}: {}", out.all());
        assert!(
            out.stderr.contains(expect),
            "{template:.60}: {}",
            out.stderr
        );
        assert!(
            took < Duration::from_secs(20),
            "{template:.60}: took {took:?}"
        );
    }
    assert_nothing_left_running();
}
