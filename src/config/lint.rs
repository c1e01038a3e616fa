//! What passes Kratos' schema but fails or surprises at send time: the
//! connection URI as Go and Kratos read it, HTTP request configs and their
//! Jsonnet bodies, channels, the worker, and the `courier` section itself.

use std::path::{Path, PathBuf};

use crate::config::Loaded;
use crate::config::schema::{self, Pattern};
use crate::config::tree::{KeyPath, Loc, Node, Origin, Value};
use crate::connection_uri::{self, SmtpUri, go_parse_bool};
use crate::diag::{Diagnostic, did_you_mean};
use crate::fetch;
use crate::render::jsonnet::{self, JsonnetErrorKind};
use crate::sample::{self, Channel};

/// What the lint may do beyond reading the config.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Fetch `http(s)://` bodies.
    pub online: bool,
}

/// Runs every send-time rule.
#[must_use]
pub fn lint(loaded: &Loaded, options: &Options) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let root = &loaded.root;
    let Some(courier) = root
        .get("courier")
        .filter(|c| matches!(c.value, Value::Map(_)))
    else {
        courier_missing(root, &mut out);
        return out;
    };
    let base = KeyPath::root("courier");
    let strategy = courier
        .get("delivery_strategy")
        .and_then(Node::as_str)
        .unwrap_or("smtp");
    let cx = sample_context(loaded);
    let config_dirs = config_dirs(loaded);

    match courier.lookup(&["smtp", "connection_uri"]) {
        Some(uri) => {
            if let Some(raw) = uri
                .as_str()
                .filter(|s| schema::pattern_matches(Pattern::SmtpScheme, s))
            {
                lint_uri(raw, uri, &base.key("smtp").key("connection_uri"), &mut out);
            }
        }
        None if strategy == "smtp" => out.push(
            Diagnostic::error(
                "smtp-uri-missing",
                base.key("smtp").key("connection_uri"),
                "no connection URI: with delivery_strategy smtp every email fails \
                 (\"courier.smtp.connection_uri is not set\")",
            )
            .at(courier.entry("smtp").map_or(&courier.loc, |e| &e.key_loc))
            .help(
                "set courier.smtp.connection_uri, e.g. smtp://user:password@mail.example.com:587/",
            ),
        ),
        None => {}
    }
    if let Some(smtp) = courier.get("smtp") {
        lint_client_cert(smtp, &base.key("smtp"), &mut out);
    }

    let http = courier.get("http").and_then(|h| h.entry("request_config"));
    match (strategy, http.map(|e| &e.node)) {
        ("http", Some(rc)) => lint_request(rc, http.map_or(&rc.loc, |e| &e.key_loc), &base.key("http").key("request_config"), Target::Email, &cx, &config_dirs, options, &mut out),
        ("http", None) => out.push(
            Diagnostic::error(
                "http-url-missing",
                base.key("http").key("request_config").key("url"),
                "delivery_strategy is http but courier.http.request_config is not set: every email fails",
            )
            .at(courier.get("delivery_strategy").map_or(&courier.loc, |n| &n.loc)),
        ),
        (_, Some(rc)) => out.push(
            Diagnostic::warning(
                "http-config-unused",
                base.key("http"),
                "courier.http is ignored: delivery_strategy is smtp",
            )
            .at(&rc.loc)
            .help("set `delivery_strategy: http` to send emails through this request config"),
        ),
        _ => {}
    }

    for (i, ch) in courier
        .get("channels")
        .map_or(&[][..], Node::items)
        .iter()
        .enumerate()
    {
        let path = base.key("channels").index(i);
        if !matches!(ch.value, Value::Map(_)) {
            continue;
        }
        if ch.get("type").is_none() {
            out.push(
                Diagnostic::error(
                    "channel-type-missing",
                    path.key("type"),
                    "the channel has no `type`: the schema allows it, but every dispatch fails \
                     with \"unknown courier channel type\"",
                )
                .at(&ch.loc)
                .help("add `type: http`"),
            );
        }
        if let Some(e) = ch.entry("request_config") {
            lint_request(
                &e.node,
                &e.key_loc,
                &path.key("request_config"),
                Target::Channel,
                &cx,
                &config_dirs,
                options,
                &mut out,
            );
        }
    }

    if let Some(n) = courier.lookup(&["worker", "pull_count"])
        && let Value::Int(v) = n.value
        && v > 255
    {
        out.push(
            Diagnostic::warning(
                "worker-pull-count-wraps",
                base.key("worker").key("pull_count"),
                format!(
                    "Kratos casts pull_count to an 8-bit integer: {v} pulls {} messages per poll",
                    v.rem_euclid(256)
                ),
            )
            .at(&n.loc)
            .help("use a value from 1 to 255"),
        );
    }

    lint_templates(loaded, courier, &cx, options, &mut out);

    if let Some(n) = courier.get("template_override_path")
        && let Some(dir) = n.as_str()
        && !Path::new(dir).is_dir()
    {
        out.push(
                    Diagnostic::warning(
                        "template-override-path-missing",
                        base.key("template_override_path"),
                        format!("the directory `{dir}` does not exist here: Kratos would use its built-in templates"),
                    )
                    .at(&n.loc)
                    .help("Kratos resolves the path against its own working directory"),
                );
    }
    out
}

/// Every configured template override (a `courier.templates` URI, or a
/// file of `template_override_path`) must load, parse, and render against
/// the sample data of its type without a missing-field error.
fn lint_templates(
    loaded: &Loaded,
    courier: &Node,
    cx: &sample::Context,
    options: &Options,
    out: &mut Vec<Diagnostic>,
) {
    use crate::render::template::{self, Origin, Part};
    let mut sources = template::Sources::from_config(loaded, options.online);
    if courier.get("template_override_path").is_none() {
        // Kratos' default directory is relative to its own working directory;
        // only an explicitly configured one is checked here.
        sources.override_dir = None;
    }
    for (channel, types, parts) in [
        (
            Channel::Email,
            sample::EMAIL_TYPES,
            &[Part::Subject, Part::Text, Part::Html][..],
        ),
        (Channel::Sms, sample::SMS_TYPES, &[Part::Sms][..]),
    ] {
        for ty in types {
            for part in parts {
                let key = template::config_path(ty, *part);
                let node = courier.lookup(&key[1..].iter().map(String::as_str).collect::<Vec<_>>());
                let is_remote = node
                    .and_then(Node::as_str)
                    .is_some_and(|u| u.starts_with("http"));
                if (is_remote && !options.online)
                    || node
                        .and_then(Node::as_str)
                        .is_some_and(|u| crate::fetch::target(u).is_err())
                {
                    continue;
                }
                let loaded_t = match template::load(ty, *part, &sources) {
                    Ok(Some(l)) if l.origin != Origin::Builtin => l,
                    Ok(_) => continue,
                    Err(e) => {
                        out.push(
                            Diagnostic::error("template-invalid", key.join("."), e.message)
                                .at_opt(node.map(|n| &n.loc))
                                .help("Kratos does not fall back to the built-in template when an override is broken"),
                        );
                        continue;
                    }
                };
                let Some(msg) = sample::sample_message(ty, channel, cx, None, None) else {
                    continue;
                };
                let (model_name, fields) = template::model(ty, channel);
                let go: Vec<&str> = fields.iter().map(|(g, _)| *g).collect();
                let data = template::data(&fields, &msg.template_data, &msg.request_headers);
                if let Err(e) = loaded_t.render(*part, &data, &model_name, &go) {
                    let (path, loc) = match &loaded_t.origin {
                        Origin::Config { path, .. } => (path.clone(), node.map(|n| n.loc.clone())),
                        _ => (
                            "courier.template_override_path".to_owned(),
                            courier.get("template_override_path").map(|n| n.loc.clone()),
                        ),
                    };
                    out.push(
                        Diagnostic::error("template-invalid", path, format!("the {} template of {ty} fails: {}", part.name(), e.message))
                            .at_opt(loc.as_ref())
                            .help("Kratos does not fall back to the built-in template when an override is broken"),
                    );
                }
            }
        }
    }
}

fn courier_missing(root: &Node, out: &mut Vec<Diagnostic>) {
    let loc = root.entry("selfservice").map_or(&root.loc, |e| &e.key_loc);
    match schema::courier_required(root) {
        Some((true, true)) => out.push(
            Diagnostic::warning(
                "courier-missing",
                "courier",
                "recovery and verification are enabled but there is no `courier` section: \
                 the schema lets this pass, but every message fails",
            )
            .at(loc)
            .help("add a courier section (`courier init` writes one)"),
        ),
        Some((rec, _)) => out.push(
            Diagnostic::error(
                "courier-required",
                "courier",
                format!(
                    "{} is enabled, so Kratos requires a `courier` section",
                    if rec { "recovery" } else { "verification" }
                ),
            )
            .at(loc)
            .help("add a courier section (`courier init` writes one)"),
        ),
        None => out.push(
            Diagnostic::warning(
                "courier-missing",
                "courier",
                "there is no `courier` section: Kratos cannot send messages",
            )
            .at(&root.loc),
        ),
    }
}

fn sample_context(loaded: &Loaded) -> sample::Context {
    crate::config::settings::sample_context(loaded)
}

/// `int(d.Minutes())` of a Go duration string.
pub fn go_duration_minutes(s: &str) -> Option<i64> {
    let mut total_ns: f64 = 0.0;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if matches!(c, 'n' | 'u' | 'm') && chars.peek() == Some(&'s') {
            unit.push('s');
            chars.next();
        }
        let factor = match unit.as_str() {
            "ns" => 1.0,
            "us" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 6e10,
            "h" => 3.6e12,
            _ => return None,
        };
        total_ns += num.parse::<f64>().ok()? * factor;
        num.clear();
    }
    Some((total_ns / 6e10) as i64)
}

fn config_dirs(loaded: &Loaded) -> Vec<PathBuf> {
    loaded
        .sources
        .files
        .iter()
        .filter(|f| f.name != "<stdin>")
        .filter_map(|f| Path::new(&f.name).parent().map(Path::to_path_buf))
        .collect()
}

/// The connection-URI findings for a URI given on the command line.
#[must_use]
pub fn uri_findings(raw: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !schema::pattern_matches(Pattern::SmtpScheme, raw) {
        out.push(Diagnostic::error(
            "pattern-mismatch",
            "courier.smtp.connection_uri",
            "the connection URI must start with smtp:// or smtps://",
        ));
        return out;
    }
    let node = Node {
        value: Value::Str(raw.to_owned()),
        loc: Loc::env("argument"),
    };
    lint_uri(
        raw,
        &node,
        &KeyPath::root("courier").key("smtp").key("connection_uri"),
        &mut out,
    );
    for d in &mut out {
        d.loc = None;
    }
    out
}

fn lint_uri(raw: &str, node: &Node, path: &KeyPath, out: &mut Vec<Diagnostic>) {
    let at = |d: Diagnostic| d.at(&node.loc);
    let uri = match SmtpUri::parse(raw) {
        Ok(u) => u,
        Err(err) => {
            let reserved = connection_uri::reserved_in_userinfo(raw);
            let invalid = connection_uri::invalid_in_userinfo(raw);
            let d = if !reserved.is_empty() {
                let list: Vec<String> = reserved
                    .iter()
                    .map(|(c, e)| format!("`{c}` as {e}"))
                    .collect();
                Diagnostic::error(
                    "smtp-userinfo-reserved",
                    path,
                    format!(
                        "the user name or password contains {}, which ends the user info for Go's URL parser: \
                         Kratos cannot parse the URI and every send fails",
                        reserved.iter().map(|(c, _)| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .help(format!("percent-encode them: {}", list.join(", ")))
            } else if !invalid.is_empty() {
                let list: Vec<String> = invalid.iter().map(|c| describe_char(*c)).collect();
                Diagnostic::error(
                    "smtp-userinfo-invalid",
                    path,
                    format!(
                        "the user name or password contains characters Go refuses unencoded ({}): \
                         Kratos cannot parse the URI",
                        list.join(", ")
                    ),
                )
                .help("percent-encode the user name and password (UTF-8 bytes as %XX)")
            } else {
                Diagnostic::error(
                    "smtp-uri-malformed",
                    path,
                    format!("Kratos cannot parse the connection URI: {err}"),
                )
                .help("Kratos only logs \"The SMTP connection URI is malformed\" when it tries to send")
            };
            out.push(at(d));
            return;
        }
    };
    if uri.host.is_empty() {
        out.push(at(Diagnostic::error(
            "smtp-host-missing",
            path,
            "the connection URI has no host: Kratos reports \"connection_uri is not set\" on every send",
        )));
        return;
    }
    if uri.ipv6_literal {
        out.push(at(Diagnostic::error(
            "smtp-ipv6-host",
            path,
            "an IPv6 literal host fails every dial: Kratos' mailer writes the address without brackets \
             (\"::1:25\", \"too many colons in address\")",
        )
        .help("use a host name that resolves to the address")));
    }
    if uri.port_text.is_empty() {
        out.push(at(Diagnostic::error(
            "smtp-port-missing",
            path,
            "the connection URI has no port: Kratos has no default port and dials port 0, so every send fails",
        )
        .help(if uri.scheme == "smtps" {
            "add the port: smtps://…:465"
        } else {
            "add the port: smtp://…:587 for STARTTLS submission, :25 for a relay"
        })));
    } else if !(1..=65535).contains(&uri.port) {
        out.push(at(Diagnostic::error(
            "smtp-port-invalid",
            path,
            format!("port {} is not a TCP port (1-65535)", uri.port_text),
        )));
    }
    lint_query(&uri, path, node, out);
    let local = crate::connection_uri::is_local_host(&uri.host);
    if uri.disable_starttls {
        out.push(at(Diagnostic::warning(
            "smtp-disable-starttls",
            path,
            "disable_starttls=true only makes STARTTLS optional: Kratos still upgrades when the server offers \
             STARTTLS, and then verifies the certificate against the host, ignoring skip_ssl_verify, \
             server_name and client certificates",
        )
        .help("for a guaranteed cleartext session the server must not offer STARTTLS; `courier test` shows what it offers")));
        if !uri.username.is_empty() && !local {
            out.push(at(Diagnostic::warning(
                "smtp-cleartext-credentials",
                path,
                "the password may cross the network in cleartext; besides, Go's PLAIN auth refuses an \
                 unencrypted connection to any host but localhost, so AUTH fails unless the server offers \
                 CRAM-MD5, or LOGIN without PLAIN, or upgrades with STARTTLS",
            )
            .help("use smtp:// without disable_starttls (STARTTLS) or smtps://")));
        }
    }
    if uri.skip_ssl_verify {
        out.push(at(Diagnostic::warning(
            "smtp-skip-ssl-verify",
            path,
            "skip_ssl_verify=true accepts any certificate for any name: anyone on the path can read the mail and the password",
        )
        .help("for a private CA, trust it instead (SSL_CERT_FILE for courier; the system store for Kratos); for a name mismatch use server_name")));
    }
    let port = uri.port;
    if uri.scheme == "smtps" && (port == 587 || port == 25) {
        out.push(at(Diagnostic::warning(
            "smtp-port-scheme-mismatch",
            path,
            format!(
                "smtps:// starts TLS at once, but port {port} usually speaks plain SMTP with STARTTLS: expect \
                 \"first record does not look like a TLS handshake\""
            ),
        )
        .help(format!("use smtp://…:{port} (STARTTLS), or smtps://…:465"))));
    } else if uri.scheme == "smtp" && port == 465 {
        out.push(at(Diagnostic::warning(
            "smtp-port-scheme-mismatch",
            path,
            "port 465 expects TLS from the first byte, but smtp:// waits for a plain greeting: expect a 10 s timeout",
        )
        .help("use smtps://…:465")));
    }
}

fn lint_query(uri: &SmtpUri, path: &KeyPath, node: &Node, out: &mut Vec<Diagnostic>) {
    const KNOWN: [&str; 3] = ["skip_ssl_verify", "disable_starttls", "server_name"];
    for (k, v) in &uri.query {
        match k.as_str() {
            "skip_ssl_verify" | "disable_starttls" => {
                if go_parse_bool(v).is_none() {
                    out.push(
                        Diagnostic::warning(
                            "smtp-bool-false",
                            path,
                            format!("`{k}={v}` is read as false: Go's ParseBool only knows 1, t, T, true, TRUE, True and their false forms"),
                        )
                        .at(&node.loc)
                        .help(format!("write `{k}=true` or `{k}=false`")),
                    );
                }
                if k == "disable_starttls" && uri.scheme == "smtps" {
                    out.push(
                        Diagnostic::warning(
                            "smtp-disable-starttls-ignored",
                            path,
                            "disable_starttls is ignored for smtps://: the session is TLS from the first byte",
                        )
                        .at(&node.loc),
                    );
                }
            }
            "server_name" => {}
            "legacy_ssl" => out.push(
                Diagnostic::warning(
                    "smtp-legacy-ssl",
                    path,
                    "legacy_ssl was removed in Kratos v0.8 and is silently ignored",
                )
                .at(&node.loc)
                .help("use smtps:// for implicit TLS (port 465) and smtp:// for STARTTLS"),
            ),
            other => {
                let mut d = Diagnostic::warning(
                    "smtp-unknown-param",
                    path,
                    format!("Kratos ignores the query parameter `{other}`"),
                )
                .at(&node.loc);
                d = match did_you_mean(other, KNOWN) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => {
                        d.help("Kratos reads skip_ssl_verify, disable_starttls and server_name")
                    }
                };
                out.push(d);
            }
        }
    }
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "space (%20)".to_owned(),
        c if c.is_ascii() => format!("`{c}` (%{:02X})", c as u32),
        c => {
            let mut buf = [0u8; 4];
            let enc: String = c
                .encode_utf8(&mut buf)
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect();
            format!("non-ASCII `{c}` ({enc})")
        }
    }
}

fn lint_client_cert(smtp: &Node, path: &KeyPath, out: &mut Vec<Diagnostic>) {
    let cert = smtp
        .get("client_cert_path")
        .and_then(Node::as_str)
        .filter(|s| !s.is_empty());
    let key = smtp
        .get("client_key_path")
        .and_then(Node::as_str)
        .filter(|s| !s.is_empty());
    match (cert, key) {
        (Some(_), None) | (None, Some(_)) => {
            let (set, unset) = if cert.is_some() {
                ("client_cert_path", "client_key_path")
            } else {
                ("client_key_path", "client_cert_path")
            };
            out.push(
                Diagnostic::warning(
                    "smtp-client-cert-incomplete",
                    path.key(set),
                    format!("{set} is set without {unset}: Kratos uses a client certificate only when both are set"),
                )
                .at(&smtp.get(set).map_or(smtp.loc.clone(), |n| n.loc.clone())),
            );
        }
        (Some(c), Some(k)) => {
            for (name, file) in [("client_cert_path", c), ("client_key_path", k)] {
                if std::fs::metadata(file).is_err() {
                    out.push(
                        Diagnostic::warning(
                            "smtp-client-cert-unreadable",
                            path.key(name),
                            format!("cannot read `{file}`: Kratos logs an error and sends without a client certificate"),
                        )
                        .at(&smtp.get(name).map_or(smtp.loc.clone(), |n| n.loc.clone())),
                    );
                }
            }
        }
        (None, None) => {}
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Email,
    Channel,
}

#[allow(clippy::too_many_arguments)]
fn lint_request(
    rc: &Node,
    key_loc: &Loc,
    path: &KeyPath,
    target: Target,
    cx: &sample::Context,
    config_dirs: &[PathBuf],
    options: &Options,
    out: &mut Vec<Diagnostic>,
) {
    if !matches!(rc.value, Value::Map(_)) {
        return;
    }
    if rc.get("url").is_none() {
        out.push(
            Diagnostic::error(
                "http-url-missing",
                path.key("url"),
                "the request config has no `url`: the schema allows it, but every send fails",
            )
            .at(key_loc),
        );
    }
    let method = rc
        .get("method")
        .and_then(Node::as_str)
        .map(str::to_ascii_uppercase);
    if target == Target::Channel && rc.get("method").is_none() {
        out.push(
            Diagnostic::warning(
                "channel-method-missing",
                path.key("method"),
                "the channel has no `method`: schema defaults are not applied inside arrays, so Kratos sends GET",
            )
            .at(&rc.loc)
            .help("add `method: POST`"),
        );
    }
    let content_type = rc
        .get("headers")
        .map_or(&[][..], Node::entries)
        .iter()
        .find(|e| e.key.eq_ignore_ascii_case("content-type"))
        .and_then(|e| e.node.as_str().map(|v| (v.to_owned(), &e.node)));
    let form = content_type
        .as_ref()
        .is_some_and(|(v, _)| v == "application/x-www-form-urlencoded");
    if method.as_deref() != Some("TRACE")
        && let Some((value, node)) = &content_type
        && value != "application/json"
        && value != "application/x-www-form-urlencoded"
    {
        let base = value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let d = if base == "application/json" || base == "application/x-www-form-urlencoded" {
            Diagnostic::error(
                "content-type-parameters",
                path.key("headers").key("Content-Type"),
                format!(
                    "Kratos compares Content-Type exactly: `{value}` fails every send with \
                             \"incorrect Content-Type for request with body\""
                ),
            )
            .help(format!("write exactly `{base}`"))
        } else {
            Diagnostic::error(
                "content-type-unsupported",
                path.key("headers").key("Content-Type"),
                format!(
                    "Kratos can only send application/json or application/x-www-form-urlencoded bodies, not `{value}`"
                ),
            )
        };
        out.push(d.at(&node.loc));
    }
    match rc.get("body") {
        None if target == Target::Channel && method.as_deref() != Some("TRACE") => out.push(
            Diagnostic::error(
                "channel-body-missing",
                path.key("body"),
                "the channel has no `body`: every dispatch fails with \"got empty template path for request with body\"",
            )
            .at(&rc.loc)
            .help("add a Jsonnet body, e.g. body: file://./sms.jsonnet"),
        ),
        None => {}
        Some(body) => {
            if let Some(uri) = body.as_str().filter(|s| schema::pattern_matches(Pattern::BodyScheme, s)) {
                lint_body(uri, body, &path.key("body"), target, form, cx, config_dirs, options, out);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn lint_body(
    uri: &str,
    node: &Node,
    path: &KeyPath,
    target: Target,
    form: bool,
    cx: &sample::Context,
    config_dirs: &[PathBuf],
    options: &Options,
    out: &mut Vec<Diagnostic>,
) {
    let code = match fetch::load(uri, options.online) {
        Ok(Some(code)) => code,
        Ok(None) => return,
        Err(err) => {
            let (code, mut help) = match &err {
                fetch::LoadError::File { .. } => ("body-unreadable", None),
                fetch::LoadError::Base64(_) | fetch::LoadError::NotUtf8 => {
                    ("body-base64-invalid", None)
                }
                _ => ("body-fetch-failed", None),
            };
            if let Ok(fetch::Target::File(p)) = fetch::target(uri)
                && p.is_relative()
                && config_dirs.iter().any(|d| d.join(&p).is_file())
                && !matches!(node.loc.origin, Origin::Env(_))
            {
                help = Some(
                    "the file exists next to the config file, but Kratos resolves file:// paths against its \
                         working directory: run from there, or use an absolute path",
                );
            }
            let mut d = Diagnostic::error(code, path, err.to_string()).at(&node.loc);
            if let Some(h) = help {
                d = d.help(h);
            }
            out.push(d);
            return;
        }
    };
    let name = display_name(uri);
    if let Err(e) = jsonnet::check(&name, &code) {
        out.push(
            Diagnostic::error(
                "body-jsonnet-syntax",
                path,
                format!("the Jsonnet body does not compile: {}", located(&name, &e)),
            )
            .at(&node.loc),
        );
        return;
    }
    for (line, access) in camel_case_access(&code) {
        out.push(
            Diagnostic::warning(
                "jsonnet-camelcase",
                path,
                format!("{name}:{line}: `{access}` is the pre-1.1 CamelCase ctx: since Kratos v1.1 the ctx is snake_case"),
            )
            .at(&node.loc)
            .help(format!("write `{}`", snake_access(&access))),
        );
    }
    let (channel, types) = match target {
        Target::Email => (Channel::Email, sample::EMAIL_TYPES),
        Target::Channel => (Channel::Sms, sample::SMS_TYPES),
    };
    for ty in types {
        let Some(ctx) = sample::ctx(ty, channel, cx) else {
            continue;
        };
        match jsonnet::evaluate(&name, &code, &ctx) {
            Err(e) => {
                let code_name = match e.kind {
                    JsonnetErrorKind::Timeout => "body-jsonnet-timeout",
                    _ if e.message.contains("import") => "body-jsonnet-import",
                    _ => "body-jsonnet-runtime",
                };
                out.push(
                    Diagnostic::error(
                        code_name,
                        path,
                        format!(
                            "the Jsonnet body fails for {ty} ({} sample): {}",
                            channel.as_str(),
                            located(&name, &e)
                        ),
                    )
                    .at(&node.loc)
                    .help(if code_name == "body-jsonnet-import" {
                        "Kratos evaluates bodies with imports disabled: inline what you import"
                    } else {
                        "`courier render --template TYPE` shows the ctx the body receives"
                    }),
                );
                return;
            }
            Ok(value) if form => {
                let bad: Vec<String> = match &value {
                    serde_json::Value::Object(m) => m
                        .iter()
                        .filter(|(_, v)| !v.is_string())
                        .map(|(k, v)| format!("`{k}` ({})", json_type(v)))
                        .collect(),
                    other => vec![format!("the whole body ({})", json_type(other))],
                };
                if !bad.is_empty() {
                    out.push(
                        Diagnostic::error(
                            "form-body-not-strings",
                            path,
                            format!(
                                "a form-encoded body must be an object of strings, but for {ty} {} not",
                                if bad.len() == 1 { format!("{} is", bad[0]) } else { format!("{} are", bad.join(", ")) }
                            ),
                        )
                        .at(&node.loc)
                        .help("wrap values in std.toString(...), and leave out nulls"),
                    );
                    return;
                }
            }
            Ok(_) => {}
        }
    }
}

fn located(name: &str, e: &jsonnet::JsonnetError) -> String {
    if e.line.is_some() {
        format!("{name}:{e}")
    } else {
        format!("{name}: {e}")
    }
}

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// A short name for a body URI in messages (never the base64 payload).
fn display_name(uri: &str) -> String {
    if uri.starts_with("base64://") {
        "base64 body".to_owned()
    } else {
        uri.strip_prefix("file://").unwrap_or(uri).to_owned()
    }
}

/// `ctx.X…` accesses whose first field starts with a capital letter, with
/// their 1-based line.
fn camel_case_access(code: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (i, line) in code.lines().enumerate() {
        let line = line.split("//").next().unwrap_or_default();
        let mut rest = line;
        while let Some(pos) = rest.find("ctx.") {
            let before = rest[..pos].chars().last();
            let after = &rest[pos + 4..];
            let ident: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                .collect();
            let ident = ident.trim_end_matches('.');
            if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                && ident.starts_with(|c: char| c.is_ascii_uppercase())
            {
                found.push((i + 1, format!("ctx.{ident}")));
            }
            rest = &after[ident.len().min(after.len())..];
        }
    }
    found
}

fn snake_access(access: &str) -> String {
    access
        .split('.')
        .map(|part| {
            let mut s = String::new();
            let chars: Vec<char> = part.chars().collect();
            for (i, c) in chars.iter().enumerate() {
                if c.is_ascii_uppercase() {
                    let prev_lower = i > 0 && chars[i - 1].is_ascii_lowercase();
                    let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
                    if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_ascii_uppercase())) {
                        s.push('_');
                    }
                    s.push(c.to_ascii_lowercase());
                } else {
                    s.push(*c);
                }
            }
            s
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::{camel_case_access, go_duration_minutes, snake_access};

    #[test]
    fn camel_case_is_found_and_translated() {
        let code = "function(ctx) {\n  to: ctx.TemplateData.To,\n  b: ctx.body, // ctx.Old\n  c: myctx.X,\n}\n";
        let found = camel_case_access(code);
        assert_eq!(found, vec![(2, "ctx.TemplateData.To".to_owned())]);
        assert_eq!(
            snake_access("ctx.TemplateData.RecoveryURL"),
            "ctx.template_data.recovery_url"
        );
        assert_eq!(snake_access("ctx.Recipient"), "ctx.recipient");
    }

    #[test]
    fn lifespans_truncate_to_minutes() {
        assert_eq!(go_duration_minutes("1h"), Some(60));
        assert_eq!(go_duration_minutes("90s"), Some(1));
        assert_eq!(go_duration_minutes("1h30m"), Some(90));
    }
}
