//! Property tests over what reads hostile input: the config loader and its
//! lint, the connection-URI parser (and URL masking), the SMTP reply
//! reader, the batch recipients parser, and the Go template renderer (in
//! the sandbox's worker processes). Each property: no panic, no hang, the
//! documented bounds hold, no secret is shown. `cargo test` runs a few
//! cases each; `FUZZ_CASES=N cargo test --release --test it fuzz` runs N
//! (see the README's "Limits and safety").

use std::io::Read;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use courier::delivery::smtp::{self, Assembler, MAX_LINE, MAX_LINES, MAX_REPLY};

/// Cases per property: `FUZZ_CASES`, or a short run.
fn runner() -> TestRunner {
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    TestRunner::new(Config {
        cases,
        // Failures are printed, never written into the repository.
        failure_persistence: None,
        ..Config::default()
    })
}

/// Text made of the pieces a format is built from, plus noise.
fn pieces(parts: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(parts).prop_map(str::to_owned),
            1 => "[ -~]{0,8}",
            1 => any::<char>().prop_map(String::from),
        ],
        0..max,
    )
    .prop_map(|v| v.concat())
}

const YAML: &[&str] = &[
    "courier:\n",
    "  smtp:\n",
    "    connection_uri: ",
    "smtps://u:p%40w@h:465/",
    "smtp://h:25/?disable_starttls=true",
    "    from_address: ",
    "a@example.com",
    // The unfinished-config lint: a documentation domain after a wide
    // character, a placeholder.
    "é.example.org",
    "REPLACE_TOKEN",
    "    headers:\n",
    "      X-Api-Key: ",
    "  delivery_strategy: http\n",
    "  http:\n",
    "    request_config:\n",
    "      url: ",
    "https://api.test/send",
    "      body: ",
    "base64://e30=",
    "file:///dev/null",
    "      auth:\n",
    "        type: api_key\n",
    "        config:\n",
    "          value: ",
    "          password: ",
    "  channels:\n",
    "    - id: sms\n",
    "  message_retries: ",
    "5",
    "-1",
    "5.0",
    "  templates:\n",
    "    recovery_code:\n",
    "      valid:\n",
    "        email:\n",
    "          body:\n",
    "            plaintext: ",
    "base64://e3sgLlRvIH19",
    "  template_override_path: ",
    "/nonexistent",
    "\n",
    "  ",
    ": ",
    "- ",
    "\"",
    "'",
    "{",
    "}",
    "[",
    "]",
    "&a ",
    "*a",
    "!!str ",
    "|\n",
    ">\n",
    "#",
    "---\n",
    "\r\n",
    "\u{feff}",
    "~",
    "null",
    "0x1F",
    ".inf",
];

#[test]
fn the_config_loader_and_lint_never_panic() {
    courier::render::sandbox::isolate_with(env!("CARGO_BIN_EXE_courier").into());
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("kratos.yml");
    let strategy = prop_oneof![
        3 => pieces(YAML, 60),
        1 => prop::collection::vec(any::<u8>(), 0..400)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ];
    runner()
        .run(&strategy, |text| {
            std::fs::write(&path, &text).expect("write");
            if let Ok(loaded) = courier::config::load(
                std::slice::from_ref(&path),
                &[],
                courier::release::Release::DEFAULT,
            ) {
                let diags = loaded.check(&courier::config::lint::Options::default());
                for d in &diags {
                    let json = d.to_json(&loaded.sources, &loaded.redactor);
                    prop_assert!(json.line.is_none_or(|l| l >= 1));
                }
            }
            Ok(())
        })
        .expect("the config loader holds");
}

const URI: &[&str] = &[
    "smtp://",
    "smtps://",
    "http://",
    "user",
    ":",
    "@",
    "p%40ss",
    "%",
    "%zz",
    "/",
    "?",
    "#",
    "[::1]",
    "h.test",
    "465",
    "25",
    "0",
    "99999",
    "disable_starttls=true",
    "skip_ssl_verify=true",
    "server_name=x",
    "&",
    "=",
    "local_name=x",
    "legacy_ssl=true",
    "p@ss",
    "ü",
    " ",
];

#[test]
fn uris_parse_or_fail_and_never_show_their_password() {
    runner()
        .run(&pieces(URI, 24), |raw| {
            let _ = courier::config::lint::uri::findings(&raw);
            let masked = courier::secret::mask_url(&raw);
            let redacted = courier::connection_uri::SmtpUri::redacted(&raw);
            if let Ok(uri) = courier::connection_uri::SmtpUri::parse(&raw) {
                let pw = uri.password.expose();
                if pw.len() >= 3 {
                    let written = format!(":{pw}@");
                    prop_assert!(!masked.contains(&written), "{raw:?} → {masked:?}");
                    prop_assert!(!redacted.contains(&written), "{raw:?} → {redacted:?}");
                }
            }
            Ok(())
        })
        .expect("the URI parser holds");
}

const REPLY: &[&str] = &[
    "220 ",
    "250-",
    "250 ",
    "354 ",
    "421 ",
    "535 ",
    "\r\n",
    "\n",
    "\r",
    "AUTH PLAIN",
    "PIPELINING",
    "x",
    "2",
    "-",
    " ",
    "\0",
    "\u{1b}[2J",
    "ÿ",
];

#[test]
fn the_smtp_reply_reader_stays_within_its_bounds() {
    let strategy = (
        pieces(REPLY, 200),
        prop::collection::vec(1usize..700, 1..20),
        0usize..3,
    );
    runner()
        .run(&strategy, |(text, splits, flood)| {
            // Some cases append a flood: one endless line, or endless lines.
            let mut bytes = text.into_bytes();
            match flood {
                1 => bytes.extend(std::iter::repeat_n(b'x', 3 * MAX_LINE)),
                2 => (0..2 * MAX_LINES).for_each(|_| bytes.extend_from_slice(b"250-more\r\n")),
                _ => {}
            }
            let mut buf = Vec::new();
            let mut assembler = Assembler::default();
            let mut fed = 0;
            let mut sizes = splits.iter().cycle();
            'feed: while fed < bytes.len() {
                let n = (*sizes.next().unwrap_or(&64)).min(bytes.len() - fed);
                buf.extend_from_slice(&bytes[fed..fed + n]);
                fed += n;
                loop {
                    match smtp::take_line(&mut buf) {
                        Ok(Some(line)) => match assembler.push(&line) {
                            Ok(Some(reply)) => {
                                prop_assert!(reply.lines.len() <= MAX_LINES);
                                prop_assert!(reply.text().len() <= MAX_REPLY + 8);
                            }
                            Ok(None) => {}
                            Err(_) => break 'feed,
                        },
                        Ok(None) => break,
                        Err(_) => break 'feed,
                    }
                }
                prop_assert!(buf.len() < MAX_LINE + 700, "held {} bytes", buf.len());
            }
            Ok(())
        })
        .expect("the reply reader holds");
}

const CSV: &[&str] = &[
    "to",
    "recipient",
    "email",
    "template",
    "data",
    "channel",
    ",",
    "\n",
    "\r\n",
    "\"",
    "a@example.com",
    "{\"code\":\"1\"}",
    "recovery_code_valid",
    "sms",
    "\u{feff}",
    "x@",
    "@y",
    ";",
    " ",
    "\0",
];

const JSONL: &[&str] = &[
    "{",
    "}",
    "\"to\"",
    ":",
    "\"a@example.com\"",
    ",",
    "\"data\"",
    "{\"code\":1}",
    "\n",
    "\r\n",
    "null",
    "[",
    "]",
    "\"template\"",
    "\"recovery_code_valid\"",
    "\u{feff}",
    "\\u0000",
    "1e999",
];

#[test]
fn the_recipients_parser_reads_every_row_or_names_its_line() {
    use courier::batch::recipients::{self, Format};
    let strategy = prop_oneof![
        (pieces(CSV, 80), Just(Format::Csv)),
        (pieces(JSONL, 80), Just(Format::JsonLines)),
    ];
    runner()
        .run(&strategy, |(text, format)| {
            let input: Box<dyn Read> = Box::new(std::io::Cursor::new(text.clone().into_bytes()));
            // Lines as an editor counts them: LF, CRLF and a lone CR end one.
            let lines = (text.matches('\n').count()
                + text.replace("\r\n", "\n").matches('\r').count()) as u64
                + 1;
            for row in recipients::rows(input, format, "fuzz.csv").take(10_000) {
                match row {
                    Ok(r) => prop_assert!(r.line >= 1 && r.line <= lines + 1, "{r:?}"),
                    Err(e) => prop_assert!(e.line >= 1 && e.line <= lines + 1, "{e:?}"),
                }
            }
            Ok(())
        })
        .expect("the recipients parser holds");
}

const TEMPLATE: &[&str] = &[
    "{{",
    "}}",
    "{{-",
    "-}}",
    " ",
    ".To",
    ".RecoveryCode",
    ".Identity",
    ".Identity.traits",
    "$",
    "$x := ",
    "= ",
    "if ",
    "else",
    "end",
    "range ",
    "with ",
    "define \"t\"",
    "template \"t\" .",
    "block \"b\" .",
    "/* c */",
    "(",
    ")",
    "|",
    "\"s\"",
    "1",
    "-1",
    "9223372036854775807",
    "true",
    "nil",
    "index ",
    "len ",
    "printf \"%v\" ",
    "upper ",
    "repeat 3 ",
    "indent 2 ",
    "until 5",
    "seq 3",
    "list 1 2",
    "dict \"a\" 1",
    "default \"d\" ",
    "toJson ",
    "b64enc ",
    "sha256sum ",
    "div 1 0",
    "mod 1 0",
    "trunc 2 ",
    "substr 0 2 ",
    "regexFind \"a+\" ",
    "replace \"a\" \"b\" ",
    "join \",\" ",
    "split \",\" ",
    "html ",
    "js ",
    "urlquery ",
    "<a href=\"",
    "\">",
    "\n",
];

#[test]
fn go_templates_render_or_fail_cleanly_in_the_sandbox() {
    use courier::message::Channel;
    use courier::render::sandbox::Sandbox;
    use courier::render::template::{Origin, Part, TemplateFiles, model};
    courier::render::sandbox::isolate_with(env!("CARGO_BIN_EXE_courier").into());
    let cx = courier::message::sample::Context::default();
    let msg = courier::message::sample::sample_message(
        "recovery_code_valid",
        Channel::Email,
        &cx,
        None,
        None,
    )
    .expect("sample");
    let (model_name, fields) = model::model(
        "recovery_code_valid",
        Channel::Email,
        courier::release::Release::DEFAULT,
    );
    let go: Vec<&str> = fields.iter().map(|(g, _)| *g).collect();
    let data = model::data_json(&fields, &msg.template_data, &msg.request_headers);
    let sandbox = std::cell::RefCell::new(Sandbox::new());
    let strategy = (pieces(TEMPLATE, 40), any::<bool>());
    runner()
        .run(&strategy, |(text, html)| {
            let part = if html { Part::Html } else { Part::Text };
            let files = TemplateFiles {
                origin: Origin::Builtin,
                files: vec![(part.file().to_owned(), text)],
            };
            let mut sandbox = sandbox.borrow_mut();
            let result = sandbox
                .template(&files, part, &model_name, &go)
                .and_then(|id| sandbox.execute(vec![data.clone()], &[(id, 0)]).remove(0));
            match result {
                Ok(out) => prop_assert!(out.len() <= 1 << 20),
                Err(e) => prop_assert!(
                    !e.message.contains("the evaluation sandbox failed"),
                    "the worker crashed: {}",
                    e.message
                ),
            }
            Ok(())
        })
        .expect("the template renderer holds");
}
