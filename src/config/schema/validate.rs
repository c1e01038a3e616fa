//! The walk: every node against its schema, every violation a diagnostic
//! with a stable code, the key path, the place and a did-you-mean.

use super::formats::{email_format_reason, format_matches, pattern_matches};
use super::{Format, Obj, Pattern, Schema, Str, auth, type_error};
use crate::config::tree::{KeyPath, Node, Value};
use crate::diag::{Diagnostic, did_you_mean};
use crate::release::Release;

/// Validates `node` against `schema` (of release `r`), appending a
/// diagnostic per violation.
pub fn validate(
    node: &Node,
    schema: &Schema,
    path: &KeyPath,
    r: Release,
    out: &mut Vec<Diagnostic>,
) {
    match schema {
        Schema::Object(o) => validate_object(node, o, path, r, out),
        Schema::Str(rules) => validate_string(node, rules, path, out),
        Schema::Int { min, max } => match integral(&node.value) {
            Some(i) => {
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
            None => out.push(type_error(node, "an integer", path)),
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
                    validate(n, item, &path.index(i), r, out);
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
        Schema::Auth => auth::validate(node, path, out),
    }
}

fn validate_object(node: &Node, o: &Obj, path: &KeyPath, r: Release, out: &mut Vec<Diagnostic>) {
    let Value::Map(entries) = &node.value else {
        out.push(type_error(node, "an object", path));
        return;
    };
    let known: Vec<&str> = o.props.iter().map(|(k, _)| *k).collect();
    for e in entries {
        let child = path.key(&e.key);
        if let Some((_, s)) = o.props.iter().find(|(k, _)| *k == e.key) {
            validate(&e.node, s, &child, r, out);
        } else if o.closed {
            out.push(unknown_key(&e.key, path, &known, r).at(&e.key_loc));
        } else if let Some(d) = ignored_here(&e.key, path, r) {
            out.push(d.at(&e.key_loc));
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

fn unknown_key(key: &str, parent: &KeyPath, known: &[&str], r: Release) -> Diagnostic {
    let parent_s = parent.to_string();
    let child = parent.key(key);
    if let Some(d) = other_release(key, parent, r) {
        return d;
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

/// A key of an open object that the selected release ignores and another
/// release reads (`clients.smtp.disallow_private_ip_ranges` before it
/// existed).
fn ignored_here(key: &str, parent: &KeyPath, r: Release) -> Option<Diagnostic> {
    let child = parent.key(key);
    let segments = child.schema_segments();
    let span = super::facts::history(&segments.iter().map(String::as_str).collect::<Vec<_>>())?;
    Some(Diagnostic::warning(
        "key-not-in-release",
        &child,
        format!(
            "Kratos {r} ignores `{child}` ({}): the setting has no effect",
            span.describe()
        ),
    ))
}

/// A key the selected release lacks and another release has: which
/// releases have it, and (for `courier.sms`) where it moved.
fn other_release(key: &str, parent: &KeyPath, r: Release) -> Option<Diagnostic> {
    let child = parent.key(key);
    let segments = child.schema_segments();
    let span = super::facts::history(&segments.iter().map(String::as_str).collect::<Vec<_>>())?;
    let d = Diagnostic::error(
        "key-not-in-release",
        &child,
        format!(
            "Kratos {r} has no `{child}` ({}); it rejects the config",
            span.describe()
        ),
    );
    let newer = span.until.is_none_or(|u| r < u);
    let d = if span.since == Release::Master {
        d.help("remove it; only builds of Kratos' master branch read it (--kratos-version master)")
    } else if newer {
        d.help(format!(
            "if you run {} or later, say so: --kratos-version {}",
            span.since, span.since
        ))
    } else if child.to_string() == "courier.sms" {
        d.help(
            "move it to `courier.channels: [{id: sms, type: http, request_config: {...}}]`; \
             the Jsonnet ctx is then {recipient, body, template_type, ...}, not {from, to, body}",
        )
    } else {
        d.help("remove it, or select the release you run with --kratos-version")
    };
    Some(d)
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
                match email_format_reason(s) {
                    Some(why) => format!("`{s}` is not an email address: {why}"),
                    None => format!("`{s}` is not an email address"),
                },
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

/// A number JSON Schema counts as an integer: an integer, or a float with
/// no fractional part (`5.0` passes Kratos' validator, draft 7).
#[must_use]
pub fn integral(value: &Value) -> Option<i64> {
    match value {
        Value::Int(i) => Some(*i),
        #[expect(
            clippy::cast_possible_truncation,
            reason = "checked: finite, whole and within i64"
        )]
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.2e18 => Some(*f as i64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::integral;
    use crate::config::tree::Value;

    #[test]
    fn whole_floats_are_integers_as_json_schema_counts() {
        assert_eq!(integral(&Value::Int(5)), Some(5));
        assert_eq!(integral(&Value::Float(5.0)), Some(5));
        assert_eq!(integral(&Value::Float(-1.0)), Some(-1));
        assert_eq!(integral(&Value::Float(5.5)), None);
        assert_eq!(integral(&Value::Float(f64::NAN)), None);
        assert_eq!(integral(&Value::Float(1e300)), None);
    }
}
