//! The `oneOf` auth shapes of a request config: `{type: api_key, config:
//! {name, value, in: header|cookie}}` or `{type: basic_auth, config:
//! {user, password}}`.

use super::type_error;
use crate::config::tree::{KeyPath, Node, Value};
use crate::diag::{Diagnostic, did_you_mean};

const SHAPES: &str = "auth must be {type: api_key, config: {name, value, in: header|cookie}} \
                      or {type: basic_auth, config: {user, password}}";

/// Checks an `auth` object.
pub(super) fn validate(node: &Node, path: &KeyPath, out: &mut Vec<Diagnostic>) {
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
            .help(SHAPES);
            if let Some(m) = did_you_mean(other, ["api_key", "basic_auth"]) {
                d = d.help(format!("did you mean `{m}`? {SHAPES}"));
            }
            out.push(d);
            return;
        }
        None => {
            out.push(
                Diagnostic::error("invalid-auth", path, "auth needs a string `type`")
                    .at(&node.loc)
                    .help(SHAPES),
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
                .help(match did_you_mean(&e.key, ["type", "config"]) {
                    Some(m) => format!("did you mean `{m}`? {SHAPES}"),
                    None => SHAPES.to_owned(),
                }),
            );
        }
    }
    let Some(config) = node.get("config") else {
        out.push(
            Diagnostic::error("invalid-auth", path.key("config"), "auth requires `config`")
                .at(&node.loc)
                .help(SHAPES),
        );
        return;
    };
    config_fields(
        config,
        &path.key("config"),
        ty.unwrap_or_default(),
        fields,
        out,
    );
}

/// The keys of `config` for an auth type with `fields`.
fn config_fields(
    config: &Node,
    cpath: &KeyPath,
    ty: &str,
    fields: &[&str],
    out: &mut Vec<Diagnostic>,
) {
    let Value::Map(centries) = &config.value else {
        out.push(type_error(config, "an object", cpath));
        return;
    };
    for e in centries {
        if !fields.contains(&e.key.as_str()) {
            let mut d = Diagnostic::error(
                "invalid-auth",
                cpath.key(&e.key),
                format!("unknown key `{}` in {} config", e.key, ty),
            )
            .at(&e.key_loc);
            d = match did_you_mean(&e.key, fields.iter().copied()) {
                Some(m) => d.help(format!("did you mean `{m}`?")),
                None => d.help(SHAPES),
            };
            out.push(d);
        } else if e.node.as_str().is_none() {
            out.push(type_error(&e.node, "a string", &cpath.key(&e.key)));
        } else if e.key == "in" {
            let v = e.node.as_str().unwrap_or_default();
            if v != "header" && v != "cookie" {
                let mut d = Diagnostic::error(
                    "invalid-auth",
                    cpath.key("in"),
                    format!("`{v}` is not one of: header, cookie"),
                )
                .at(&e.node.loc);
                if let Some(m) = did_you_mean(v, ["header", "cookie"]) {
                    d = d.help(format!("did you mean `{m}`?"));
                }
                out.push(d);
            }
        }
    }
    for f in fields {
        if config.get(f).is_none() {
            let mut d = Diagnostic::error(
                "invalid-auth",
                cpath.key(f),
                format!("{} auth requires `config.{f}`", ty),
            )
            .at(&config.loc);
            if *f == "in" {
                d = d.help("add `in: header` (or `in: cookie`)");
            }
            out.push(d);
        }
    }
}
