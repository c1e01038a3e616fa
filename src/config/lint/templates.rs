//! Template overrides: every configured one (a `courier.templates` URI, or
//! a file of `template_override_path`) must load, parse, and render
//! against the sample data of its type without a missing-field error,
//! because Kratos does not fall back to its own template when an override
//! is broken.

use super::context::Context;
use crate::config::tree::Node;
use crate::diag::Diagnostic;
use crate::fetch::templates::{self, Reach};
use crate::message::{Channel, sample};
use crate::render::template::model;
use crate::render::template::{Origin, Part};

const NO_FALLBACK: &str =
    "Kratos does not fall back to the built-in template when an override is broken";

/// Checks every override of every type and part.
pub(super) fn lint(courier: &Node, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (channel, parts) in [
        (Channel::Email, &[Part::Subject, Part::Text, Part::Html][..]),
        (Channel::Sms, &[Part::Sms][..]),
    ] {
        for ty in channel.types(cx.settings.release) {
            for part in parts {
                check(courier, cx, ty, channel, *part, out);
            }
        }
    }
}

fn check(
    courier: &Node,
    cx: &Context<'_>,
    ty: &str,
    channel: Channel,
    part: Part,
    out: &mut Vec<Diagnostic>,
) {
    let key = templates::config_path(ty, part);
    let node = courier.lookup(&key[1..].iter().map(String::as_str).collect::<Vec<_>>());
    let uri = node.and_then(Node::as_str);
    let is_remote = uri.is_some_and(|u| u.starts_with("http"));
    if (is_remote && !cx.options.online) || uri.is_some_and(|u| crate::fetch::target(u).is_err()) {
        return;
    }
    // Kratos' default directory is relative to its own working directory;
    // only an explicitly configured one is checked here.
    let reach = Reach {
        online: cx.options.online,
        default_dir: false,
    };
    let files = match templates::load(ty, part, &cx.settings.templates, reach) {
        Ok(Some(l)) if l.origin != Origin::Builtin => l,
        Ok(_) => return,
        Err(e) => {
            out.push(
                Diagnostic::error("template-invalid", key.join("."), e.message)
                    .at_opt(node.map(|n| &n.loc))
                    .help(NO_FALLBACK),
            );
            return;
        }
    };
    let Some(msg) = sample::sample_message(ty, channel, &cx.settings.sample, None, None) else {
        return;
    };
    let (model_name, fields) = model::model(ty, channel, cx.settings.release);
    let go: Vec<&str> = fields.iter().map(|(g, _)| *g).collect();
    let data = model::data_json(&fields, &msg.template_data, &msg.request_headers);
    let mut sandbox = cx.sandbox.borrow_mut();
    let rendered = sandbox
        .template(&files, part, &model_name, &go)
        .and_then(|id| sandbox.execute(vec![data], &[(id, 0)]).remove(0));
    if let Err(e) = rendered {
        let (path, loc) = match &files.origin {
            Origin::Config { path, .. } => (path.clone(), node.map(|n| n.loc.clone())),
            _ => (
                "courier.template_override_path".to_owned(),
                courier.get("template_override_path").map(|n| n.loc.clone()),
            ),
        };
        out.push(
            Diagnostic::error(
                "template-invalid",
                path,
                format!("the {} template of {ty} fails: {}", part.name(), e.message),
            )
            .at_opt(loc.as_ref())
            .help(NO_FALLBACK),
        );
    }
}
