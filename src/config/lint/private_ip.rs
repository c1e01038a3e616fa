//! Kratos' private-IP rule, offline: an SMTP host or HTTP URL host that is
//! an address (or `localhost`) the selected release would refuse to dial,
//! and exception patterns that do not compile. Host names are judged when
//! courier connects (check-config resolves nothing).

use std::net::IpAddr;

use crate::config::tree::{KeyPath, Node};
use crate::delivery::ssrf::glob::Glob;
use crate::delivery::ssrf::{HttpRule, Refusal};
use crate::diag::Diagnostic;
use crate::gourl;
use crate::release;

use super::context::Context;

/// The addresses a host stands for without a lookup.
fn addresses(host: &str) -> Vec<IpAddr> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.eq_ignore_ascii_case("localhost") {
        return vec![IpAddr::from([127, 0, 0, 1])];
    }
    bare.parse().into_iter().collect()
}

/// Runs the rule over the whole config.
pub(super) fn lint(root: &Node, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let rule = &cx.settings.http_rule;
    let patterns_ok = exceptions(root, rule, out);
    if patterns_ok {
        let courier = KeyPath::root("courier");
        if cx.settings.email_http.is_some() {
            let node = root.lookup(&["courier", "http", "request_config", "url"]);
            let path = courier.key("http").key("request_config").key("url");
            http_url(node, &path, rule, out);
        }
        let items = root
            .lookup(&["courier", "channels"])
            .map_or(&[][..], Node::items);
        for (i, ch) in items.iter().enumerate() {
            let path = courier.key("channels").index(i).key("request_config");
            http_url(
                ch.lookup(&["request_config", "url"]),
                &path.key("url"),
                rule,
                out,
            );
        }
    }
    smtp(root, cx, out);
}

/// Each exception pattern compiles (from v1.1.0): one that does not fails
/// every request while private ranges are disallowed.
fn exceptions(root: &Node, rule: &HttpRule, out: &mut Vec<Diagnostic>) -> bool {
    if !rule.release.has(release::SSRF_DIALER) {
        return true;
    }
    let items = root
        .lookup(&["clients", "http", "private_ip_exception_urls"])
        .map_or(&[][..], Node::items);
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let Some(pattern) = item.as_str() else {
            continue;
        };
        let Err(error) = Glob::compile(pattern) else {
            continue;
        };
        let path = KeyPath::root("clients")
            .key("http")
            .key("private_ip_exception_urls")
            .index(i);
        let refusal = Refusal::Pattern {
            pattern: pattern.to_owned(),
            error,
        };
        let d = if rule.disallow {
            ok = false;
            Diagnostic::error("private-ip-exception-invalid", path, refusal.to_string())
        } else {
            Diagnostic::warning(
                "private-ip-exception-invalid",
                path,
                format!(
                    "{refusal} (clients.http.disallow_private_ip_ranges is not true yet, so \
                     the pattern is not used now)"
                ),
            )
        };
        out.push(d.at(&item.loc).help(refusal.hint()));
    }
    ok
}

fn http_url(node: Option<&Node>, path: &KeyPath, rule: &HttpRule, out: &mut Vec<Diagnostic>) {
    let Some((node, url)) = node.and_then(|n| n.as_str().map(|u| (n, u))) else {
        return;
    };
    let Ok(parsed) = gourl::go_parse(url) else {
        return;
    };
    let host = parsed.hostname().to_owned();
    for ip in addresses(&host) {
        if let Err(r) = rule.check(url, &host, ip) {
            out.push(refused(&r, path, node));
            return;
        }
    }
}

fn smtp(root: &Node, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Ok(smtp) = cx.settings.smtp() else {
        return;
    };
    let Some(node) = root.lookup(&["courier", "smtp", "connection_uri"]) else {
        return;
    };
    let path = KeyPath::root("courier").key("smtp").key("connection_uri");
    for ip in addresses(&smtp.uri.host) {
        if let Err(r) = smtp.guard.check(&smtp.uri.host, ip) {
            out.push(refused(&r, &path, node));
            return;
        }
    }
}

fn refused(r: &Refusal, path: &KeyPath, node: &Node) -> Diagnostic {
    let message = match r {
        Refusal::Address(a) => a.offline(),
        other => other.to_string(),
    };
    Diagnostic::error("private-ip-refused", path, message)
        .at(&node.loc)
        .help(r.hint())
}
