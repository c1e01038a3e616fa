//! The facts of Kratos' schema for `courier` and the keys courier reads
//! beside it, node by node.

use super::{Format, Obj, Pattern, Schema, Str};
use crate::config::tree::{Node, Value};
use crate::release::{self, Release, Span};

fn obj(props: Vec<(&'static str, Schema)>) -> Obj {
    Obj {
        props,
        ..Obj::default()
    }
}

fn closed(props: Vec<(&'static str, Schema)>) -> Schema {
    Schema::Object(Obj {
        closed: true,
        ..obj(props)
    })
}

fn open(props: Vec<(&'static str, Schema)>) -> Schema {
    Schema::Object(obj(props))
}

fn string() -> Schema {
    Schema::Str(Str::default())
}

fn string_with(f: impl FnOnce(&mut Str)) -> Schema {
    let mut s = Str::default();
    f(&mut s);
    Schema::Str(s)
}

fn uri() -> Schema {
    string_with(|s| s.format = Some(Format::Uri))
}

fn int() -> Schema {
    Schema::Int {
        min: None,
        max: None,
    }
}

fn email_template() -> Schema {
    closed(vec![
        ("body", closed(vec![("plaintext", uri()), ("html", uri())])),
        ("subject", uri()),
    ])
}

fn sms_template() -> Schema {
    closed(vec![("body", closed(vec![("plaintext", uri())]))])
}

fn valid_block(with_sms: bool) -> Schema {
    let mut props = vec![("email", email_template())];
    if with_sms {
        props.push(("sms", sms_template()));
    }
    Schema::Object(Obj {
        props,
        required: vec!["email"],
        closed: true,
        warn_unknown: false,
    })
}

/// The `invalid` and `valid` blocks of the types every release has; `sms`
/// in `valid` from v1.1.0.
fn courier_templates(r: Release) -> Schema {
    closed(vec![
        ("invalid", valid_block(false)),
        ("valid", valid_block(r.has(release::CHANNELS))),
    ])
}

fn request_config() -> Schema {
    closed(vec![
        (
            "url",
            string_with(|s| s.pattern = Some(Pattern::HttpScheme)),
        ),
        ("method", string()),
        ("headers", Schema::StringMap),
        (
            "body",
            string_with(|s| {
                s.pattern = Some(Pattern::BodyScheme);
                s.format = Some(Format::Uri);
            }),
        ),
        ("auth", Schema::Auth),
    ])
}

fn lifespan() -> Schema {
    open(vec![(
        "config",
        open(vec![(
            "lifespan",
            string_with(|s| s.pattern = Some(Pattern::GoDuration)),
        )]),
    )])
}

/// Keeps the entries whose span holds in `r`.
fn within<T>(r: Release, entries: Vec<(Span, T)>) -> Vec<T> {
    entries
        .into_iter()
        .filter(|(span, _)| r.has(*span))
        .map(|(_, t)| t)
        .collect()
}

fn templates(r: Release) -> Schema {
    closed(within(
        r,
        vec![
            (Span::ALWAYS, ("recovery", courier_templates(r))),
            (Span::ALWAYS, ("recovery_code", courier_templates(r))),
            (Span::ALWAYS, ("verification", courier_templates(r))),
            (Span::ALWAYS, ("verification_code", courier_templates(r))),
            (
                release::CHANNELS,
                (
                    "registration_code",
                    closed(vec![(
                        "valid",
                        valid_block(r.has(release::REGISTRATION_CODE_SMS)),
                    )]),
                ),
            ),
            (
                release::CHANNELS,
                ("login_code", closed(vec![("valid", valid_block(true))])),
            ),
            (
                release::UNRELEASED,
                (
                    "verifiable_address_changed",
                    closed(vec![("email", email_template()), ("sms", sms_template())]),
                ),
            ),
        ],
    ))
}

/// `courier.sms` (up to v1.3.1): the SMS sender before channels.
fn legacy_sms() -> Schema {
    let Schema::Object(mut config) = request_config() else {
        unreachable!("a request config is an object")
    };
    config.required = vec!["url", "method"];
    closed(vec![
        ("enabled", Schema::Bool),
        ("from", string()),
        ("request_config", Schema::Object(config)),
    ])
}

fn smtp(r: Release) -> Schema {
    Schema::Object(Obj {
        closed: true,
        required: if r.has(release::SMTP_REQUIRES_URI) {
            vec!["connection_uri"]
        } else {
            Vec::new()
        },
        ..obj(vec![
            (
                "connection_uri",
                string_with(|s| s.pattern = Some(Pattern::SmtpScheme)),
            ),
            ("client_cert_path", string()),
            ("client_key_path", string()),
            (
                "from_address",
                string_with(|s| s.format = Some(Format::Email)),
            ),
            ("from_name", string()),
            ("headers", Schema::StringMap),
            ("local_name", string()),
        ])
    })
}

/// The `courier` object as release `r` has it.
#[must_use]
pub fn courier(r: Release) -> Schema {
    let props = within(
        r,
        vec![
            (Span::ALWAYS, ("templates", templates(r))),
            (Span::ALWAYS, ("template_override_path", string())),
            (Span::ALWAYS, ("message_retries", int())),
            (release::CHANNELS, ("worker", worker())),
            (
                Span::ALWAYS,
                (
                    "delivery_strategy",
                    string_with(|s| s.one_of = Some(&["smtp", "http"])),
                ),
            ),
            (
                Span::ALWAYS,
                ("http", closed(vec![("request_config", request_config())])),
            ),
            (Span::ALWAYS, ("smtp", smtp(r))),
            (release::SMS_SECTION, ("sms", legacy_sms())),
            (release::CHANNELS, ("channels", channels())),
        ],
    );
    Schema::Object(Obj {
        props,
        required: if r.has(release::COURIER_REQUIRES_SMTP) {
            vec!["smtp"]
        } else {
            Vec::new()
        },
        closed: true,
        warn_unknown: false,
    })
}

fn worker() -> Schema {
    Schema::Object(Obj {
        warn_unknown: true,
        ..obj(vec![
            ("pull_count", int()),
            (
                "pull_wait",
                string_with(|s| s.pattern = Some(Pattern::GoDuration)),
            ),
        ])
    })
}

fn channels() -> Schema {
    Schema::Array(Box::new(Schema::Object(Obj {
        props: vec![
            (
                "id",
                string_with(|s| {
                    s.one_of = Some(&["sms"]);
                    s.max_len = Some(32);
                }),
            ),
            ("type", string_with(|s| s.one_of = Some(&["http"]))),
            ("request_config", request_config()),
        ],
        required: vec!["id", "request_config"],
        closed: true,
        warn_unknown: false,
    })))
}

/// The whole document: `courier` plus the keys courier reads beside it.
/// Everything else of a kratos.yml is left alone.
#[must_use]
pub fn root(r: Release) -> Schema {
    let flow = || {
        open(vec![
            ("enabled", Schema::Bool),
            ("notify_unknown_recipients", Schema::Bool),
        ])
    };
    open(vec![
        ("courier", courier(r)),
        ("watch-courier", Schema::Bool),
        (
            "expose-metrics-port",
            Schema::Int {
                min: Some(0),
                max: Some(65535),
            },
        ),
        (
            "clients",
            open(vec![
                (
                    "http",
                    open(vec![
                        ("disallow_private_ip_ranges", Schema::Bool),
                        (
                            "private_ip_exception_urls",
                            Schema::Array(Box::new(string_with(|s| {
                                s.format = Some(Format::UriReference);
                            }))),
                        ),
                    ]),
                ),
                (
                    "smtp",
                    open(within(
                        r,
                        vec![(
                            release::UNRELEASED,
                            ("disallow_private_ip_ranges", Schema::Bool),
                        )],
                    )),
                ),
                (
                    "web_hook",
                    open(within(
                        r,
                        vec![(
                            release::HEADER_ALLOWLIST,
                            ("header_allowlist", Schema::Array(Box::new(string()))),
                        )],
                    )),
                ),
            ]),
        ),
        (
            "selfservice",
            open(vec![
                (
                    "flows",
                    open(vec![("recovery", flow()), ("verification", flow())]),
                ),
                (
                    "methods",
                    open(vec![("code", lifespan()), ("link", lifespan())]),
                ),
            ]),
        ),
        (
            "serve",
            open(vec![("public", open(vec![("base_url", uri())]))]),
        ),
    ])
}

/// Every key path release `r`'s schema knows, with its schema, for
/// environment overrides (`#` stands for an array index).
#[must_use]
pub fn paths(r: Release) -> Vec<(Vec<&'static str>, Schema)> {
    fn walk(prefix: &[&'static str], schema: &Schema, out: &mut Vec<(Vec<&'static str>, Schema)>) {
        if !prefix.is_empty() {
            out.push((prefix.to_vec(), schema.clone()));
        }
        match schema {
            Schema::Object(o) => {
                for (k, s) in &o.props {
                    let mut p = prefix.to_vec();
                    p.push(k);
                    walk(&p, s, out);
                }
            }
            Schema::Array(item) => {
                let mut p = prefix.to_vec();
                p.push("#");
                walk(&p, item, out);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&[], &root(r), &mut out);
    out
}

/// The releases whose schema has the key at `path` (`#` for an array
/// index), as one span, when some release has it.
#[must_use]
pub fn history(path: &[&str]) -> Option<Span> {
    let has: Vec<Release> = Release::ALL
        .into_iter()
        .filter(|r| paths(*r).iter().any(|(p, _)| p.as_slice() == path))
        .collect();
    let since = *has.first()?;
    let last = *has.last()?;
    let until = Release::ALL.into_iter().find(|r| *r > last);
    Some(Span { since, until })
}

/// Kratos' root rule: `courier` is required when exactly one of the
/// recovery and verification flows is enabled (the `oneOf` quirk: both
/// enabled does not require it).
#[must_use]
pub fn courier_required(root: &Node) -> Option<(bool, bool)> {
    let enabled = |flow: &str| {
        root.lookup(&["selfservice", "flows", flow, "enabled"])
            .is_some_and(|n| n.value == Value::Bool(true))
    };
    let (rec, ver) = (enabled("recovery"), enabled("verification"));
    (rec || ver).then_some((rec, ver))
}
