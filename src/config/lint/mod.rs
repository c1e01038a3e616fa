//! What passes Kratos' schema but fails or surprises at send time, by
//! topic: the connection URI as Go and Kratos read it ([`uri`]), HTTP
//! request configs and their Jsonnet bodies (`request`), template
//! overrides (`templates`); here the sections themselves, channels and
//! the worker.

mod context;
mod headers;
mod private_ip;
mod request;
mod templates;
mod unfinished;
pub mod uri;

pub use context::Options;
pub use unfinished::documentation_domain;

use std::path::{Path, PathBuf};

use crate::config::schema::Pattern;
use crate::config::schema::facts::courier_required;
use crate::config::schema::formats::pattern_matches;
use crate::config::settings::Settings;
use crate::config::source::Sources;
use crate::config::tree::{KeyPath, Loc, Node, Value};
use crate::diag::Diagnostic;
use crate::release::Release;
use context::Context;
use request::Target;

/// Runs every send-time rule.
#[must_use]
pub fn lint(
    root: &Node,
    sources: &Sources,
    release: Release,
    options: &Options,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(courier) = root
        .get("courier")
        .filter(|c| matches!(c.value, Value::Map(_)))
    else {
        courier_missing(root, &mut out);
        return out;
    };
    let cx = Context {
        settings: Settings::lift(root, release),
        config_dirs: config_dirs(sources),
        options,
        sandbox: std::cell::RefCell::new(crate::render::sandbox::Sandbox::new()),
    };
    // Findings about a key the section lacks point at `courier:` itself.
    let courier_key = root.entry("courier").map_or(&courier.loc, |e| &e.key_loc);
    smtp_section(courier, courier_key, &mut out);
    http_section(courier, &cx, &mut out);
    channels(courier, &cx, &mut out);
    legacy_sms(courier, &cx, &mut out);
    private_ip::lint(root, &cx, &mut out);
    worker(courier, &mut out);
    retries(courier, &cx, &mut out);
    templates::lint(courier, &cx, &mut out);
    override_path(courier, &mut out);
    unfinished::lint(courier, courier_key, strategy(courier) == "smtp", &mut out);
    out
}

fn strategy(courier: &Node) -> &str {
    courier
        .get("delivery_strategy")
        .and_then(Node::as_str)
        .unwrap_or("smtp")
}

fn smtp_section(courier: &Node, courier_key: &Loc, out: &mut Vec<Diagnostic>) {
    let path = KeyPath::root("courier").key("smtp");
    match courier.lookup(&["smtp", "connection_uri"]) {
        Some(uri) => {
            if let Some(raw) = uri
                .as_str()
                .filter(|s| pattern_matches(Pattern::SmtpScheme, s))
            {
                uri::lint(raw, uri, &path.key("connection_uri"), out);
            }
        }
        None if strategy(courier) == "smtp" => out.push(
            Diagnostic::error(
                "smtp-uri-missing",
                path.key("connection_uri"),
                "no connection URI: with delivery_strategy smtp every email fails \
                 (\"courier.smtp.connection_uri is not set\")",
            )
            .at(courier.entry("smtp").map_or(courier_key, |e| &e.key_loc))
            .help(
                "set courier.smtp.connection_uri, e.g. smtp://user:password@mail.example.com:587/",
            ),
        ),
        None => {}
    }
    if let Some(smtp) = courier.get("smtp") {
        uri::client_cert(smtp, &path, out);
        let headers = path.key("headers");
        headers::names(smtp.get("headers"), &headers, headers::Kind::Smtp, out);
        headers::addresses(smtp.get("headers"), &headers, out);
    }
}

fn http_section(courier: &Node, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let path = KeyPath::root("courier").key("http");
    let http = courier.get("http").and_then(|h| h.entry("request_config"));
    match (strategy(courier), http) {
        ("http", Some(e)) => request::lint(
            &e.node,
            &e.key_loc,
            &path.key("request_config"),
            Target::Email,
            cx,
            out,
        ),
        ("http", None) => out.push(
            Diagnostic::error(
                "http-url-missing",
                path.key("request_config").key("url"),
                "delivery_strategy is http but courier.http.request_config is not set: every email fails",
            )
            .at(courier.get("delivery_strategy").map_or(&courier.loc, |n| &n.loc)),
        ),
        (_, Some(e)) => out.push(
            Diagnostic::warning(
                "http-config-unused",
                path,
                "courier.http is ignored: delivery_strategy is smtp",
            )
            .at(&e.node.loc)
            .help("set `delivery_strategy: http` to send emails through this request config"),
        ),
        _ => {}
    }
}

fn channels(courier: &Node, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let items = courier.get("channels").map_or(&[][..], Node::items);
    if cx.settings.release == crate::release::Release::V1_1_0
        && !items.is_empty()
        && let Some(e) = courier.entry("channels")
    {
        out.push(
            Diagnostic::error(
                "email-channel-dropped",
                // Email is what breaks: the finding blocks what sends email.
                KeyPath::root("courier").key("smtp"),
                "Kratos v1.1.0 drops its email channel when courier.channels is set: every email \
                 fails with unknown channel \"email\"",
            )
            .at(&e.key_loc)
            .help("v1.2.0 and later keep email beside channels; on v1.1.0, SMS and email cannot both work"),
        );
    }
    for (i, ch) in items.iter().enumerate() {
        let path = KeyPath::root("courier").key("channels").index(i);
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
            let rc_path = path.key("request_config");
            request::lint(&e.node, &e.key_loc, &rc_path, Target::Channel, cx, out);
        }
    }
}

/// `courier.sms`: the SMS sender of v1.0.0, still in the schema but read
/// by nothing from v1.1.0 to v1.3.1 (later releases reject it).
fn legacy_sms(courier: &Node, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(entry) = courier.entry("sms") else {
        return;
    };
    let release = cx.settings.release;
    let path = KeyPath::root("courier").key("sms");
    if !release.has(crate::release::SMS_SECTION) {
        return;
    }
    if release.has(crate::release::CHANNELS) {
        out.push(
            Diagnostic::warning(
                "sms-section-ignored",
                path,
                format!(
                    "Kratos {release} accepts courier.sms but reads nothing from it: SMS goes through courier.channels"
                ),
            )
            .at(&entry.key_loc)
            .help("move it to `courier.channels: [{id: sms, type: http, request_config: {...}}]` (the ctx is then {recipient, body, ...})"),
        );
        return;
    }
    if entry
        .node
        .get("enabled")
        .is_none_or(|n| n.value != Value::Bool(true))
    {
        out.push(
            Diagnostic::warning(
                "sms-disabled",
                path.key("enabled"),
                "courier.sms.enabled is not true: Kratos v1.0.0 fails every SMS it is asked to send",
            )
            .at(&entry.key_loc)
            .help("set `enabled: true` if identities receive codes by SMS"),
        );
    }
    if let Some(e) = entry.node.entry("request_config") {
        let rc = path.key("request_config");
        request::lint(&e.node, &e.key_loc, &rc, Target::LegacySms, cx, out);
    }
}

fn worker(courier: &Node, out: &mut Vec<Diagnostic>) {
    if let Some(n) = courier.lookup(&["worker", "pull_count"])
        && let Some(v) = crate::config::schema::validate::integral(&n.value)
        && v > 255
    {
        out.push(
            Diagnostic::warning(
                "worker-pull-count-wraps",
                KeyPath::root("courier").key("worker").key("pull_count"),
                format!(
                    "Kratos casts pull_count to an 8-bit integer: {v} pulls {} messages per poll",
                    v.rem_euclid(256)
                ),
            )
            .at(&n.loc)
            .help("use a value from 1 to 255"),
        );
    }
}

fn retries(courier: &Node, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if let Some(n) = courier.get("message_retries")
        && let Some(why) = cx.settings.abandons_all()
    {
        out.push(
            Diagnostic::error(
                "message-retries-negative",
                KeyPath::root("courier").key("message_retries"),
                format!("{why}: no message is ever sent"),
            )
            .at(&n.loc)
            .help("use 0 or more: 0 is one attempt, the default 5 is six"),
        );
    }
}

fn override_path(courier: &Node, out: &mut Vec<Diagnostic>) {
    if let Some(n) = courier.get("template_override_path")
        && let Some(dir) = n.as_str()
        && !Path::new(dir).is_dir()
    {
        out.push(
            Diagnostic::warning(
                "template-override-path-missing",
                KeyPath::root("courier").key("template_override_path"),
                format!(
                    "the directory `{dir}` does not exist here: Kratos would use its built-in templates"
                ),
            )
            .at(&n.loc)
            .help("Kratos resolves the path against its own working directory"),
        );
    }
}

fn courier_missing(root: &Node, out: &mut Vec<Diagnostic>) {
    let loc = root.entry("selfservice").map_or(&root.loc, |e| &e.key_loc);
    match courier_required(root) {
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

fn config_dirs(sources: &Sources) -> Vec<PathBuf> {
    sources
        .files
        .iter()
        .filter(|f| f.name != "<stdin>")
        .filter_map(|f| Path::new(&f.name).parent().map(Path::to_path_buf))
        .collect()
}
