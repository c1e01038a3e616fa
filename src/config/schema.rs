//! The facts of Kratos' config schema for the `courier` subtree and the keys
//! courier reads beside it (types, enums, patterns, formats, required keys,
//! closed objects, the `oneOf` auth shapes, the root `allOf` rule), written
//! as Rust data, and the walk that reports every violation with a stable
//! code and a readable message.

use crate::config::tree::{KeyPath, Node, Value};
use crate::diag::{Diagnostic, did_you_mean};

/// A schema node.
#[derive(Debug, Clone)]
pub enum Schema {
    Object(Obj),
    Str(Str),
    Int {
        min: Option<i64>,
        max: Option<i64>,
    },
    Bool,
    Array(Box<Schema>),
    /// `{type: object, additionalProperties: {type: string}}`.
    StringMap,
    /// `oneOf: [api_key, basic_auth]`.
    Auth,
}

/// An object schema.
#[derive(Debug, Clone, Default)]
pub struct Obj {
    pub props: Vec<(&'static str, Schema)>,
    pub required: Vec<&'static str>,
    /// `additionalProperties: false`.
    pub closed: bool,
    /// Open, but unknown keys are worth a warning (Kratos ignores them).
    pub warn_unknown: bool,
}

/// A string schema.
#[derive(Debug, Clone, Default)]
pub struct Str {
    pub pattern: Option<Pattern>,
    pub format: Option<Format>,
    pub one_of: Option<&'static [&'static str]>,
    pub max_len: Option<usize>,
}

/// The schema's regular expressions, each checked by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// `^smtps?://.*`
    SmtpScheme,
    /// `^https?://`
    HttpScheme,
    /// `^(http|https|file|base64)://`
    BodyScheme,
    /// `^([0-9]+(ns|us|ms|s|m|h))+$`
    GoDuration,
}

/// The schema's `format` keywords that Kratos enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Uri,
    UriReference,
    Email,
}

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

fn courier_templates() -> Schema {
    closed(vec![
        ("invalid", valid_block(false)),
        ("valid", valid_block(true)),
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

/// The `courier` object.
#[must_use]
pub fn courier() -> Schema {
    closed(vec![
        (
            "templates",
            closed(vec![
                ("recovery", courier_templates()),
                ("recovery_code", courier_templates()),
                ("verification", courier_templates()),
                ("verification_code", courier_templates()),
                (
                    "registration_code",
                    closed(vec![("valid", valid_block(true))]),
                ),
                ("login_code", closed(vec![("valid", valid_block(true))])),
                (
                    "verifiable_address_changed",
                    closed(vec![("email", email_template()), ("sms", sms_template())]),
                ),
            ]),
        ),
        ("template_override_path", string()),
        ("message_retries", int()),
        (
            "worker",
            Schema::Object(Obj {
                warn_unknown: true,
                ..obj(vec![
                    ("pull_count", int()),
                    (
                        "pull_wait",
                        string_with(|s| s.pattern = Some(Pattern::GoDuration)),
                    ),
                ])
            }),
        ),
        (
            "delivery_strategy",
            string_with(|s| s.one_of = Some(&["smtp", "http"])),
        ),
        ("http", closed(vec![("request_config", request_config())])),
        (
            "smtp",
            closed(vec![
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
            ]),
        ),
        (
            "channels",
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
            }))),
        ),
    ])
}

/// The whole document: `courier` plus the keys courier reads beside it.
/// Everything else of a kratos.yml is left alone.
#[must_use]
pub fn root() -> Schema {
    let flow = || {
        open(vec![
            ("enabled", Schema::Bool),
            ("notify_unknown_recipients", Schema::Bool),
        ])
    };
    open(vec![
        ("courier", courier()),
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
                    open(vec![("disallow_private_ip_ranges", Schema::Bool)]),
                ),
                (
                    "web_hook",
                    open(vec![(
                        "header_allowlist",
                        Schema::Array(Box::new(string())),
                    )]),
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

/// Every key path the schema knows, with its schema, for environment
/// overrides (`#` stands for an array index).
#[must_use]
pub fn paths() -> Vec<(Vec<&'static str>, Schema)> {
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
    walk(&[], &root(), &mut out);
    out
}

/// Validates `node` against `schema`, appending a diagnostic per violation.
pub fn validate(node: &Node, schema: &Schema, path: &KeyPath, out: &mut Vec<Diagnostic>) {
    match schema {
        Schema::Object(o) => validate_object(node, o, path, out),
        Schema::Str(rules) => validate_string(node, rules, path, out),
        Schema::Int { min, max } => match node.value {
            Value::Int(i) => {
                if min.is_some_and(|m| i < m) || max.is_some_and(|m| i > m) {
                    out.push(
                        Diagnostic::error(
                            "out-of-range",
                            path,
                            format!(
                                "{i} is out of range ({}..={})",
                                min.unwrap_or(i64::MIN),
                                max.unwrap_or(i64::MAX)
                            ),
                        )
                        .at(&node.loc),
                    );
                }
            }
            _ => out.push(type_error(node, "an integer", path)),
        },
        Schema::Bool => {
            if !matches!(node.value, Value::Bool(_)) {
                let mut d = type_error(node, "a boolean", path);
                if let Some(s) = node.as_str()
                    && matches!(s, "yes" | "no" | "on" | "off" | "y" | "n")
                {
                    d = d.help("Kratos reads YAML 1.2: write `true` or `false`");
                }
                out.push(d);
            }
        }
        Schema::Array(item) => match &node.value {
            Value::Seq(items) => {
                for (i, n) in items.iter().enumerate() {
                    validate(n, item, &path.index(i), out);
                }
            }
            _ => out.push(type_error(node, "an array", path)),
        },
        Schema::StringMap => match &node.value {
            Value::Map(entries) => {
                for e in entries {
                    if e.node.as_str().is_none() {
                        out.push(
                            type_error(&e.node, "a string", &path.key(&e.key))
                                .help("header values are strings: quote numbers and booleans"),
                        );
                    }
                }
            }
            _ => out.push(type_error(node, "an object of strings", path)),
        },
        Schema::Auth => validate_auth(node, path, out),
    }
}

fn type_error(node: &Node, expected: &str, path: &KeyPath) -> Diagnostic {
    Diagnostic::error(
        "invalid-type",
        path,
        format!(
            "expected {expected}, found {}",
            article(node.value.type_name())
        ),
    )
    .at(&node.loc)
}

fn article(type_name: &str) -> String {
    match type_name {
        "integer" | "array" | "object" => format!("an {type_name}"),
        "null" => "null (an empty value)".to_owned(),
        _ => format!("a {type_name}"),
    }
}

fn validate_object(node: &Node, o: &Obj, path: &KeyPath, out: &mut Vec<Diagnostic>) {
    let Value::Map(entries) = &node.value else {
        out.push(type_error(node, "an object", path));
        return;
    };
    let known: Vec<&str> = o.props.iter().map(|(k, _)| *k).collect();
    for e in entries {
        let child = path.key(&e.key);
        if let Some((_, s)) = o.props.iter().find(|(k, _)| *k == e.key) {
            validate(&e.node, s, &child, out);
        } else if o.closed {
            out.push(unknown_key(&e.key, path, &known).at(&e.key_loc));
        } else if o.warn_unknown {
            let mut d = Diagnostic::warning(
                "unknown-key-ignored",
                &child,
                format!("unknown key `{}` in {path}; Kratos ignores it", e.key),
            )
            .at(&e.key_loc);
            if let Some(s) = did_you_mean(&e.key, known.iter().copied()) {
                d = d.help(format!("did you mean `{s}`?"));
            }
            out.push(d);
        }
    }
    for req in &o.required {
        if node.get(req).is_none() {
            out.push(missing_key(req, path).at(&node.loc));
        }
    }
}

fn unknown_key(key: &str, parent: &KeyPath, known: &[&str]) -> Diagnostic {
    let parent_s = parent.to_string();
    let child = parent.key(key);
    if parent_s == "courier" && key == "sms" {
        return Diagnostic::error(
            "legacy-sms",
            &child,
            "`courier.sms` was removed (Kratos v25.4); Kratos rejects configs that still have it",
        )
        .help(
            "move it to `courier.channels: [{id: sms, type: http, request_config: {...}}]`; \
             the Jsonnet ctx is now {recipient, body, template_type, ...}, not {from, to, body}",
        );
    }
    if parent_s == "courier.templates" && key == "authenticator_key_added" {
        return Diagnostic::error(
            "template-authenticator-key-added",
            &child,
            "`authenticator_key_added` templates cannot be configured: the schema has no such key",
        )
        .help(
            "Kratos' code reads this key but its schema rejects it; put the files in \
             `template_override_path` (authenticator_key_added/email.*.gotmpl) instead",
        );
    }
    if parent_s.ends_with(".invalid") && key == "sms" {
        return Diagnostic::error(
            "unknown-key",
            &child,
            format!("unknown key `sms` in {parent_s}"),
        )
        .help("invalid-recipient templates are email only: Kratos never texts unknown numbers");
    }
    let mut d = Diagnostic::error(
        "unknown-key",
        &child,
        format!("unknown key `{key}` in {parent_s}; Kratos rejects the config"),
    );
    d = match did_you_mean(key, known.iter().copied()) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None if !known.is_empty() => d.help(format!("allowed keys: {}", known.join(", "))),
        None => d,
    };
    d
}

fn missing_key(key: &str, parent: &KeyPath) -> Diagnostic {
    let parent_s = parent.to_string();
    if key == "email" && parent_s.starts_with("courier.templates.") {
        return Diagnostic::error(
            "template-email-required",
            parent,
            format!("{parent_s} needs an `email` key, even to override only the SMS template"),
        )
        .help("add `email: {}` to the block");
    }
    Diagnostic::error(
        "missing-key",
        parent.key(key),
        format!("{parent_s} requires `{key}`"),
    )
}

fn validate_string(node: &Node, rules: &Str, path: &KeyPath, out: &mut Vec<Diagnostic>) {
    let Some(s) = node.as_str() else {
        let mut d = type_error(node, "a string", path);
        if matches!(node.value, Value::Int(_) | Value::Float(_) | Value::Bool(_)) {
            d = d.help("quote the value");
        }
        out.push(d);
        return;
    };
    if let Some(allowed) = rules.one_of
        && !allowed.contains(&s)
    {
        let mut d = Diagnostic::error(
            "invalid-value",
            path,
            format!("`{s}` is not one of: {}", allowed.join(", ")),
        )
        .at(&node.loc);
        if let Some(m) = did_you_mean(s, allowed.iter().copied()) {
            d = d.help(format!("did you mean `{m}`?"));
        }
        out.push(d);
        return;
    }
    if let Some(max) = rules.max_len
        && s.chars().count() > max
    {
        out.push(
            Diagnostic::error("too-long", path, format!("longer than {max} characters"))
                .at(&node.loc),
        );
    }
    if let Some(p) = rules.pattern
        && !pattern_matches(p, s)
    {
        out.push(pattern_error(p, s, path).at(&node.loc));
        return;
    }
    if let Some(f) = rules.format
        && !format_matches(f, s)
    {
        let d = match f {
            Format::Email => Diagnostic::error(
                "invalid-email",
                path,
                format!("`{s}` is not an email address"),
            )
            .help(
                "write a bare address such as no-reply@example.com; the name goes in `from_name`",
            ),
            Format::Uri | Format::UriReference => Diagnostic::error(
                "invalid-uri",
                path,
                "not an absolute URI (scheme://...)".to_owned(),
            )
            .help("use file://, base64:// or https://"),
        };
        out.push(d.at(&node.loc));
    }
}

fn pattern_error(p: Pattern, s: &str, path: &KeyPath) -> Diagnostic {
    let d = Diagnostic::error("pattern-mismatch", path, "");
    match p {
        Pattern::SmtpScheme => {
            let lower = s.to_ascii_lowercase();
            let help = if lower.starts_with("smtp://") || lower.starts_with("smtps://") {
                "the scheme is case-sensitive: write it in lower case"
            } else {
                "use smtp:// (STARTTLS) or smtps:// (implicit TLS)"
            };
            Diagnostic {
                message: "the connection URI must start with smtp:// or smtps://".into(),
                ..d
            }
            .help(help)
        }
        Pattern::HttpScheme => Diagnostic {
            message: "the URL must start with http:// or https://".into(),
            ..d
        },
        Pattern::BodyScheme => Diagnostic {
            message: "the body must be a file://, base64://, http:// or https:// URI".into(),
            ..d
        }
        .help("a plain path works in Kratos only with a deprecation warning, and the schema rejects it: prefix it with file://"),
        Pattern::GoDuration => Diagnostic {
            message: format!("`{s}` is not a Go duration"),
            ..d
        }
        .help("write a number with a unit: 1s, 500ms, 1h30m"),
    }
}

/// Whether a string matches one of the schema's patterns.
#[must_use]
pub fn pattern_matches(p: Pattern, s: &str) -> bool {
    match p {
        Pattern::SmtpScheme => s.starts_with("smtp://") || s.starts_with("smtps://"),
        Pattern::HttpScheme => s.starts_with("http://") || s.starts_with("https://"),
        Pattern::BodyScheme => ["http://", "https://", "file://", "base64://"]
            .iter()
            .any(|p| s.starts_with(p)),
        Pattern::GoDuration => is_go_duration(s),
    }
}

fn is_go_duration(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.is_empty() {
        return false;
    }
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
        let rest = &s[i..];
        let unit = ["ns", "us", "ms", "s", "m", "h"]
            .iter()
            .find(|u| rest.starts_with(**u))
            .map_or(0, |u| u.len());
        if unit == 0 {
            return false;
        }
        i += unit;
    }
    true
}

fn format_matches(f: Format, s: &str) -> bool {
    match f {
        Format::Uri => crate::connection_uri::go_parse(s).is_ok_and(|u| !u.scheme.is_empty()),
        Format::UriReference => crate::connection_uri::go_parse(s).is_ok(),
        Format::Email => is_email(s),
    }
}

/// The `email` format as Kratos' JSON-schema library checks it: at most 254
/// bytes, a local part of at most 64 bytes that is a dot-atom or a quoted
/// string, and a host name or bracketed IP literal after the last `@`.
#[must_use]
pub fn is_email(s: &str) -> bool {
    if s.len() > 254 {
        return false;
    }
    let Some(at) = s.rfind('@') else {
        return false;
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.is_empty() || local.len() > 64 {
        return false;
    }
    let domain_ok = if domain.starts_with('[') && domain.ends_with(']') && domain.len() >= 2 {
        let ip = &domain[1..domain.len() - 1];
        match ip.strip_prefix("IPv6:") {
            Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
            None => ip.parse::<std::net::Ipv4Addr>().is_ok(),
        }
    } else {
        is_hostname(domain)
    };
    domain_ok && local_part_ok(local)
}

fn is_hostname(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    s.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-')
    })
}

fn local_part_ok(local: &str) -> bool {
    if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        let inner = &local[1..local.len() - 1];
        let mut escaped = false;
        for c in inner.chars() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' || c.is_control() {
                return false;
            }
        }
        return !escaped;
    }
    let atext =
        |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
    local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(atext))
}

fn validate_auth(node: &Node, path: &KeyPath, out: &mut Vec<Diagnostic>) {
    let shapes = "auth must be {type: api_key, config: {name, value, in: header|cookie}} \
                  or {type: basic_auth, config: {user, password}}";
    let Value::Map(entries) = &node.value else {
        out.push(type_error(node, "an object", path));
        return;
    };
    let ty = node.get("type").and_then(Node::as_str);
    let fields: &[&str] = match ty {
        Some("api_key") => &["name", "value", "in"],
        Some("basic_auth") => &["user", "password"],
        Some(other) => {
            let mut d = Diagnostic::error(
                "invalid-auth",
                path.key("type"),
                format!("unknown auth type `{other}`"),
            )
            .at(&node.get("type").map_or(node.loc.clone(), |n| n.loc.clone()))
            .help(shapes);
            if let Some(m) = did_you_mean(other, ["api_key", "basic_auth"]) {
                d = d.help(format!("did you mean `{m}`? {shapes}"));
            }
            out.push(d);
            return;
        }
        None => {
            out.push(
                Diagnostic::error("invalid-auth", path, "auth needs a string `type`")
                    .at(&node.loc)
                    .help(shapes),
            );
            return;
        }
    };
    for e in entries {
        if e.key != "type" && e.key != "config" {
            out.push(
                Diagnostic::error(
                    "invalid-auth",
                    path.key(&e.key),
                    format!("unknown key `{}` in auth", e.key),
                )
                .at(&e.key_loc)
                .help(shapes),
            );
        }
    }
    let Some(config) = node.get("config") else {
        out.push(
            Diagnostic::error("invalid-auth", path.key("config"), "auth requires `config`")
                .at(&node.loc)
                .help(shapes),
        );
        return;
    };
    let cpath = path.key("config");
    let Value::Map(centries) = &config.value else {
        out.push(type_error(config, "an object", &cpath));
        return;
    };
    for e in centries {
        if !fields.contains(&e.key.as_str()) {
            let mut d = Diagnostic::error(
                "invalid-auth",
                cpath.key(&e.key),
                format!(
                    "unknown key `{}` in {} config",
                    e.key,
                    ty.unwrap_or_default()
                ),
            )
            .at(&e.key_loc);
            d = match did_you_mean(&e.key, fields.iter().copied()) {
                Some(m) => d.help(format!("did you mean `{m}`?")),
                None => d.help(shapes),
            };
            out.push(d);
        } else if e.node.as_str().is_none() {
            out.push(type_error(&e.node, "a string", &cpath.key(&e.key)));
        } else if e.key == "in" {
            let v = e.node.as_str().unwrap_or_default();
            if v != "header" && v != "cookie" {
                out.push(
                    Diagnostic::error(
                        "invalid-auth",
                        cpath.key("in"),
                        format!("`{v}` is not one of: header, cookie"),
                    )
                    .at(&e.node.loc),
                );
            }
        }
    }
    for f in fields {
        if config.get(f).is_none() {
            let mut d = Diagnostic::error(
                "invalid-auth",
                cpath.key(f),
                format!("{} auth requires `config.{f}`", ty.unwrap_or_default()),
            )
            .at(&config.loc);
            if *f == "in" {
                d = d.help("add `in: header` (or `in: cookie`)");
            }
            out.push(d);
        }
    }
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

#[cfg(test)]
mod tests {
    use super::{Pattern, is_email, paths, pattern_matches};

    #[test]
    fn durations() {
        for ok in ["1s", "500ms", "1h30m", "10us", "0s"] {
            assert!(pattern_matches(Pattern::GoDuration, ok), "{ok}");
        }
        for bad in ["", "1", "s", "1.5s", "1 s", "1d"] {
            assert!(!pattern_matches(Pattern::GoDuration, bad), "{bad}");
        }
    }

    #[test]
    fn emails() {
        for ok in [
            "a@b.c",
            "no-reply@ory.kratos.sh",
            "x.y+z@[127.0.0.1]",
            "\"a b\"@x.io",
            "a@localhost",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "@b.c",
            "a@",
            "a@-b.c",
            "Bob <a@b.c>",
            "a..b@c.d",
            "a@b_c.d",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn paths_cover_arrays() {
        let p = paths();
        assert!(
            p.iter()
                .any(|(p, _)| p.join(".") == "courier.channels.#.request_config.url")
        );
        assert!(
            p.iter()
                .any(|(p, _)| p.join(".") == "courier.smtp.connection_uri")
        );
    }
}
