//! Environment overrides, applied as Kratos (koanf) applies them: the
//! variable name is lower-cased, `_` read as `.`, and matched against the
//! schema's key paths with their `_` read as `.` too; numeric segments match
//! array indexes. Object and array keys take JSON.

use crate::config::schema::Schema;
use crate::config::schema::facts;
use crate::config::tree::{Entry, Loc, Node, Value};
use crate::diag::{Diagnostic, did_you_mean};
use crate::release::Release;

/// The first segment of every key path courier reads.
const ROOTS: &[&str] = &[
    "COURIER_",
    "SELFSERVICE_",
    "SERVE_",
    "CLIENTS_",
    "WATCH_COURIER",
    "EXPOSE_METRICS_PORT",
];

/// Applies the overrides found in `vars` to `root`, returning findings
/// about variables that could not be applied.
pub fn apply(root: &mut Node, vars: &[(String, String)], r: Release) -> Vec<Diagnostic> {
    let known = facts::paths(r);
    let mut matched: Vec<(Vec<String>, &Schema, &str, &str)> = Vec::new();
    let mut diags = Vec::new();
    for (name, value) in vars {
        if !ROOTS.iter().any(|r| name.starts_with(r)) || name == crate::release::ENV {
            continue;
        }
        let tokens: Vec<String> = name.to_lowercase().split('_').map(str::to_owned).collect();
        let hit = known.iter().find_map(|(path, schema)| {
            match_path(path, &tokens).map(|segments| (segments, schema))
        });
        match hit {
            Some((segments, schema)) => matched.push((segments, schema, name, value)),
            None if name.starts_with("COURIER_") => {
                let names: Vec<String> = known
                    .iter()
                    .filter(|(p, _)| !p.contains(&"#"))
                    .map(|(p, _)| p.join("_").to_uppercase())
                    .collect();
                let mut d = Diagnostic::warning(
                    "env-unknown",
                    "",
                    format!(
                        "environment variable {name} matches no courier key; Kratos ignores it"
                    ),
                )
                .at(&Loc::env(name));
                if let Some(s) = did_you_mean(name, names.iter().map(String::as_str)) {
                    d = d.help(format!("did you mean {s}?"));
                }
                diags.push(d);
            }
            None => {}
        }
    }
    // Whole objects first, then the keys inside them; ties by name.
    matched.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.2.cmp(b.2)));
    for (segments, schema, name, value) in matched {
        let loc = Loc::env(name);
        let node = match typed_value(schema, value, &loc) {
            Ok(n) => n,
            Err(msg) => {
                diags.push(
                    Diagnostic::error("env-invalid-json", segments.join("."), msg)
                        .at(&loc)
                        .help("object and array keys take JSON, e.g. COURIER_SMTP_HEADERS='{\"X-A\":\"b\"}'"),
                );
                continue;
            }
        };
        if let Err(msg) = set(root, &segments, node, &loc) {
            diags.push(
                Diagnostic::warning("env-index-out-of-range", segments.join("."), msg).at(&loc),
            );
        }
    }
    diags
}

/// Matches the variable's tokens against a schema path; returns the real
/// key segments (array indexes as digits).
fn match_path(path: &[&str], tokens: &[String]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut t = 0;
    for seg in path {
        if *seg == "#" {
            let tok = tokens.get(t)?;
            if tok.is_empty() || !tok.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            out.push(tok.clone());
            t += 1;
            continue;
        }
        let parts: Vec<&str> = seg.split(['_', '-']).collect();
        for p in &parts {
            if tokens.get(t).map(String::as_str) != Some(p) {
                return None;
            }
            t += 1;
        }
        out.push((*seg).to_owned());
    }
    (t == tokens.len()).then_some(out)
}

fn typed_value(schema: &Schema, raw: &str, loc: &Loc) -> Result<Node, String> {
    let value = match schema {
        Schema::Int { .. } => raw
            .trim()
            .parse::<i64>()
            .map_or_else(|_| Value::Str(raw.to_owned()), Value::Int),
        Schema::Bool => match raw.trim() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::Str(raw.to_owned()),
        },
        Schema::Object(_) | Schema::Array(_) | Schema::StringMap | Schema::Auth => {
            let json: serde_json::Value =
                serde_json::from_str(raw).map_err(|e| format!("not valid JSON: {e}"))?;
            return Ok(Node::from_json(&json, loc));
        }
        Schema::Str(_) => Value::Str(raw.to_owned()),
    };
    Ok(Node {
        value,
        loc: loc.clone(),
    })
}

fn set(root: &mut Node, segments: &[String], value: Node, loc: &Loc) -> Result<(), String> {
    let Some((first, rest)) = segments.split_first() else {
        *root = value;
        return Ok(());
    };
    if let Ok(index) = first.parse::<usize>() {
        let items = match &mut root.value {
            Value::Seq(items) => items,
            other => {
                *other = Value::Seq(Vec::new());
                let Value::Seq(items) = other else {
                    return Err("internal: not a sequence".into());
                };
                items
            }
        };
        if index == items.len() {
            items.push(Node {
                value: Value::Map(Vec::new()),
                loc: loc.clone(),
            });
        }
        let len = items.len();
        let Some(item) = items.get_mut(index) else {
            return Err(format!(
                "index {index} is past the end of the array ({len} items)"
            ));
        };
        return set(item, rest, value, loc);
    }
    let entries = match &mut root.value {
        Value::Map(entries) => entries,
        other => {
            *other = Value::Map(Vec::new());
            let Value::Map(entries) = other else {
                return Err("internal: not a mapping".into());
            };
            entries
        }
    };
    let pos = match entries.iter().position(|e| &e.key == first) {
        Some(p) => p,
        None => {
            entries.push(Entry {
                key: first.clone(),
                key_loc: loc.clone(),
                node: Node {
                    value: Value::Null,
                    loc: loc.clone(),
                },
            });
            entries.len() - 1
        }
    };
    let entry = &mut entries[pos];
    if rest.is_empty() {
        entry.key_loc = loc.clone();
        entry.node = value;
        Ok(())
    } else {
        set(&mut entry.node, rest, value, loc)
    }
}

#[cfg(test)]
mod tests {
    use super::apply;
    use crate::config::source::parse;
    use crate::config::tree::{Node, Origin, Value};
    use crate::release::Release;

    fn vars(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn leaf_and_json_overrides() {
        let mut root = parse("courier:\n  smtp:\n    connection_uri: smtp://a:1\n", 0).unwrap();
        let diags = apply(
            &mut root,
            &vars(&[
                ("COURIER_SMTP_CONNECTION_URI", "smtps://b:465"),
                ("COURIER_MESSAGE_RETRIES", "7"),
                ("COURIER_SMTP_HEADERS", "{\"X-A\":\"b\"}"),
                ("PATH", "/bin"),
                ("COURIER_KRATOS_VERSION", "v1.3.1"),
            ]),
            Release::DEFAULT,
        );
        assert!(diags.is_empty(), "{diags:?}");
        let uri = root.lookup(&["courier", "smtp", "connection_uri"]).unwrap();
        assert_eq!(uri.as_str(), Some("smtps://b:465"));
        assert_eq!(
            uri.loc.origin,
            Origin::Env("COURIER_SMTP_CONNECTION_URI".into())
        );
        assert_eq!(
            root.lookup(&["courier", "message_retries"]).unwrap().value,
            Value::Int(7)
        );
        let h = root.lookup(&["courier", "smtp", "headers", "X-A"]).unwrap();
        assert_eq!(h.as_str(), Some("b"));
    }

    #[test]
    fn array_index_and_unknown_names() {
        let mut root = parse("courier:\n  channels:\n    - id: sms\n", 0).unwrap();
        let diags = apply(
            &mut root,
            &vars(&[
                ("COURIER_CHANNELS_0_REQUEST_CONFIG_URL", "https://x"),
                ("COURIER_SMTP_CONECTION_URI", "smtp://x:1"),
                ("COURIER_CHANNELS", "{not json"),
            ]),
            Release::DEFAULT,
        );
        let url = root.lookup(&["courier", "channels"]).unwrap().items()[0]
            .lookup(&["request_config", "url"])
            .unwrap();
        assert_eq!(url.as_str(), Some("https://x"));
        let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
        assert!(codes.contains(&"env-unknown"), "{codes:?}");
        assert!(codes.contains(&"env-invalid-json"), "{codes:?}");
        let unknown = diags.iter().find(|d| d.code == "env-unknown").unwrap();
        assert_eq!(
            unknown.help.as_deref(),
            Some("did you mean COURIER_SMTP_CONNECTION_URI?")
        );
    }

    #[test]
    fn overrides_follow_the_release() {
        let sms = vars(&[("COURIER_SMS_REQUEST_CONFIG_URL", "https://x")]);
        let mut root = parse("courier: {}\n", 0).unwrap();
        assert!(apply(&mut root, &sms, Release::V1_3_1).is_empty());
        let url = root.lookup(&["courier", "sms", "request_config", "url"]);
        assert_eq!(url.and_then(Node::as_str), Some("https://x"));
        let mut root = parse("courier: {}\n", 0).unwrap();
        let diags = apply(&mut root, &sms, Release::V25_4_0);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "env-unknown");
    }
}
