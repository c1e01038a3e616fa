//! HTTP request configs (`courier.http.request_config` and each channel's)
//! and their Jsonnet bodies: what Kratos' request builder refuses, bodies
//! that cannot be loaded or do not compile, pre-v1.1 ctx field names, and
//! an evaluation against the sample ctx of every template type.

use super::context::Context;
use crate::config::schema::Pattern;
use crate::config::schema::formats::pattern_matches;
use crate::config::tree::{KeyPath, Loc, Node, Origin, Value};
use crate::diag::Diagnostic;
use crate::fetch::{self, body::display_name};
use crate::message::{Channel, ctx, sample};
use crate::render::jsonnet::{self, JsonnetError, JsonnetErrorKind};

/// Whose request config it is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// `courier.http` (schema defaults apply).
    Email,
    /// A `courier.channels` entry (no defaults inside arrays).
    Channel,
    /// `courier.sms.request_config` (v1.0.0): no default body, a ctx of
    /// `from`, `to` and `body`.
    LegacySms,
}

/// The rules of one request config.
pub(super) fn lint(
    rc: &Node,
    key_loc: &Loc,
    path: &KeyPath,
    target: Target,
    cx: &Context<'_>,
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
    let trace = method.as_deref() == Some("TRACE");
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
    let form = content_type(rc, path, trace, out);
    super::headers::names(
        rc.get("headers"),
        &path.key("headers"),
        super::headers::Kind::Http,
        out,
    );
    match rc.get("body") {
        None if target != Target::Email && !trace => out.push(
            Diagnostic::error(
                "channel-body-missing",
                path.key("body"),
                format!(
                    "{} has no `body`: every dispatch fails with \"got empty template path for request with body\"",
                    if target == Target::LegacySms { "courier.sms.request_config" } else { "the channel" }
                ),
            )
            .at(&rc.loc)
            .help("add a Jsonnet body, e.g. body: file://./sms.jsonnet"),
        ),
        None => {}
        Some(body) => {
            if let Some(uri) = body
                .as_str()
                .filter(|s| pattern_matches(Pattern::BodyScheme, s))
            {
                let at = Body {
                    uri,
                    node: body,
                    path: path.key("body"),
                };
                lint_body(&at, target, form, cx, out);
            }
        }
    }
}

/// The `Content-Type` rules; whether the body is form-encoded.
fn content_type(rc: &Node, path: &KeyPath, trace: bool, out: &mut Vec<Diagnostic>) -> bool {
    let content_type = rc
        .get("headers")
        .map_or(&[][..], Node::entries)
        .iter()
        .find(|e| e.key.eq_ignore_ascii_case("content-type"))
        .and_then(|e| e.node.as_str().map(|v| (v.to_owned(), &e.node)));
    let form = content_type
        .as_ref()
        .is_some_and(|(v, _)| v == "application/x-www-form-urlencoded");
    if !trace
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
    form
}

/// A body URI and where it is written.
struct Body<'a> {
    uri: &'a str,
    node: &'a Node,
    path: KeyPath,
}

/// Loads the body; a finding when it cannot be loaded (`None` also when
/// it is remote and `--online` is off).
fn load(at: &Body<'_>, cx: &Context<'_>, out: &mut Vec<Diagnostic>) -> Option<String> {
    let err = match fetch::load(at.uri, cx.options.online) {
        Ok(code) => return code,
        Err(err) => err,
    };
    let code = match &err {
        fetch::LoadError::File { .. } | fetch::LoadError::TooLarge(_) => "body-unreadable",
        fetch::LoadError::Base64(_) | fetch::LoadError::NotUtf8 => "body-base64-invalid",
        _ => "body-fetch-failed",
    };
    let mut d = Diagnostic::error(code, &at.path, err.to_string()).at(&at.node.loc);
    if let Ok(fetch::Target::File(p)) = fetch::target(at.uri)
        && p.is_relative()
    {
        let beside = cx.config_dirs.iter().any(|d| d.join(&p).is_file())
            && !matches!(at.node.loc.origin, Origin::Env(_));
        d = d.help(if beside {
            "the file exists next to the config file, but Kratos resolves file:// paths against its \
             working directory: run from there, or use an absolute path"
        } else {
            "a relative file:// path is resolved against the working directory (Kratos' and \
             courier's), not the config file's folder: run from the folder it is relative to, or \
             use an absolute path"
        });
    }
    out.push(d);
    None
}

fn lint_body(
    at: &Body<'_>,
    target: Target,
    form: bool,
    cx: &Context<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(code) = load(at, cx, out) else {
        return;
    };
    let name = display_name(at.uri);
    let mut sandbox = cx.sandbox.borrow_mut();
    let id = match sandbox.jsonnet(&name, &code) {
        Ok(id) => id,
        Err(e) => {
            out.push(
                Diagnostic::error(
                    "body-jsonnet-syntax",
                    &at.path,
                    format!("the Jsonnet body does not compile: {}", located(&name, &e)),
                )
                .at(&at.node.loc),
            );
            return;
        }
    };
    let camel_ok = !cx.settings.release.has(crate::release::CHANNELS);
    for (line, access) in camel_case_access(&code).into_iter().filter(|_| !camel_ok) {
        out.push(
            Diagnostic::warning(
                "jsonnet-camelcase",
                &at.path,
                format!("{name}:{line}: `{access}` is the pre-1.1 CamelCase ctx: since Kratos v1.1 the ctx is snake_case"),
            )
            .at(&at.node.loc)
            .help(format!("write `{}`", snake_access(&access))),
        );
    }
    let channel = match target {
        Target::Email => Channel::Email,
        Target::Channel => Channel::Sms,
        Target::LegacySms => {
            let s = &cx.settings;
            let ctx = ctx::legacy_sms(&s.sms_from, "+15555550123", "Your code is 742913");
            if let Err(e) = sandbox.apply(id, ctx) {
                out.push(failure(&name, "an SMS", Channel::Sms, &e, &at.path).at(&at.node.loc));
            }
            return;
        }
    };
    for ty in channel.types(cx.settings.release) {
        let Some(ctx) = sample::ctx(ty, channel, &cx.settings.sample) else {
            continue;
        };
        let release = cx.settings.release;
        let applied = jsonnet::within_caps(release, Some((code.len(), &ctx)), "")
            .and_then(|()| sandbox.apply(id, ctx))
            .and_then(|text| jsonnet::within_caps(release, None, &text).map(|()| text));
        let finding = match applied {
            Err(e) => Some(failure(&name, ty, channel, &e, &at.path)),
            Ok(text) if form => serde_json::from_str(&text)
                .ok()
                .and_then(|value| not_strings(&value, ty, &at.path)),
            Ok(_) => None,
        };
        if let Some(d) = finding {
            out.push(d.at(&at.node.loc));
            return;
        }
    }
}

/// The body failed for a type's sample ctx.
fn failure(name: &str, ty: &str, channel: Channel, e: &JsonnetError, path: &KeyPath) -> Diagnostic {
    let code = match e.kind {
        JsonnetErrorKind::Timeout | JsonnetErrorKind::Limit => "body-jsonnet-timeout",
        _ if e.message.contains("import") => "body-jsonnet-import",
        _ => "body-jsonnet-runtime",
    };
    Diagnostic::error(
        code,
        path,
        format!(
            "the Jsonnet body fails for {ty} ({} sample): {}",
            channel.as_str(),
            located(name, e)
        ),
    )
    .help(if code == "body-jsonnet-import" {
        "Kratos evaluates bodies with imports disabled: inline what you import"
    } else {
        "`courier render --template TYPE` shows the ctx the body receives"
    })
}

/// A form body must decode into Go's `map[string]string`: an object of
/// strings (a `null` value is sent as an empty one).
fn not_strings(value: &serde_json::Value, ty: &str, path: &KeyPath) -> Option<Diagnostic> {
    let bad: Vec<String> = match value {
        serde_json::Value::Object(m) => m
            .iter()
            .filter(|(_, v)| !v.is_string() && !v.is_null())
            .map(|(k, v)| format!("`{k}` ({})", json_type(v)))
            .collect(),
        serde_json::Value::Null => Vec::new(),
        other => vec![format!("the whole body ({})", json_type(other))],
    };
    let which = match bad.as_slice() {
        [] => return None,
        [one] => format!("{one} is"),
        many => format!("{} are", many.join(", ")),
    };
    let go = crate::delivery::request::form_values(value)
        .err()
        .map(|(_, go)| go)
        .unwrap_or_default();
    Some(
        Diagnostic::error(
            "form-body-not-strings",
            path,
            format!(
                "a form-encoded body must be an object of strings, but for {ty} {which} not, \
                 and every Kratos send fails: {go}"
            ),
        )
        .help("wrap values in std.toString(...) (a null is sent as an empty value)"),
    )
}

fn located(name: &str, e: &JsonnetError) -> String {
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
    use super::{camel_case_access, snake_access};

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
}
