//! What an unfinished config still holds, though Kratos accepts it: a
//! placeholder (`REPLACE_…`, as `courier init` writes), a documentation
//! domain (`example.com`, `.org`, `.net` and their subdomains, RFC 2606:
//! no mail reaches them) in an address or URL, and no `from_address`
//! (Kratos then sends from Ory's `no-reply@ory.kratos.sh`).

use crate::config::tree::{KeyPath, Loc, Node, Value};
use crate::connection_uri::SmtpUri;
use crate::diag::Diagnostic;

/// The reserved second-level domains of RFC 2606.
const DOCUMENTATION: [&str; 3] = ["example.com", "example.org", "example.net"];

/// Runs the rules over the courier section.
pub fn lint(courier: &Node, courier_key: &Loc, smtp_strategy: bool, out: &mut Vec<Diagnostic>) {
    if smtp_strategy && courier.lookup(&["smtp", "from_address"]).is_none() {
        out.push(
            Diagnostic::warning(
                "from-address-missing",
                KeyPath::root("courier").key("smtp").key("from_address"),
                "no from_address: Kratos sends every email from its default, no-reply@ory.kratos.sh",
            )
            .at(courier.entry("smtp").map_or(courier_key, |e| &e.key_loc))
            .help("set courier.smtp.from_address to an address of your own domain"),
        );
    }
    walk(courier, &KeyPath::root("courier"), out);
}

fn walk(node: &Node, path: &KeyPath, out: &mut Vec<Diagnostic>) {
    match &node.value {
        Value::Map(entries) => {
            for e in entries {
                walk(&e.node, &path.key(&e.key), out);
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &path.index(i), out);
            }
        }
        Value::Str(s) => string(s, node, path, out),
        _ => {}
    }
}

fn string(s: &str, node: &Node, path: &KeyPath, out: &mut Vec<Diagnostic>) {
    if s.contains("REPLACE_") {
        // The value itself may be a secret's place: it is not quoted.
        out.push(
            Diagnostic::warning(
                "placeholder",
                path,
                "a placeholder (REPLACE_…) is still here: Kratos would send it as it is",
            )
            .at(&node.loc)
            .help("fill in the real value"),
        );
    }
    // Encoded bodies are not read; a connection URI only by its user
    // name and host (its password may hold anything).
    let at = path.to_string();
    // The EHLO name names the sender's host, not a place mail goes to.
    let domain = if s.starts_with("base64://") || at == "courier.smtp.local_name" {
        None
    } else if at == "courier.smtp.connection_uri" {
        SmtpUri::parse(s).ok().and_then(|u| {
            documentation_domain(&u.host).or_else(|| documentation_domain(&u.username))
        })
    } else {
        documentation_domain(s)
    };
    if let Some(domain) = domain {
        out.push(
            Diagnostic::warning(
                "documentation-domain",
                path,
                format!(
                    "`{domain}` is a documentation domain (RFC 2606): nothing is delivered there"
                ),
            )
            .at(&node.loc)
            .help("use your own domain"),
        );
    }
}

/// The first host in `s` that is `example.com`, `.org` or `.net` or one of
/// their subdomains, as a whole name (`myexample.com` and `example.com.au`
/// are other domains).
#[must_use]
pub fn documentation_domain(s: &str) -> Option<String> {
    let lower = s.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let in_label = |b: &u8| b.is_ascii_alphanumeric() || *b == b'-';
    for doc in DOCUMENTATION {
        let mut from = 0;
        while let Some(i) = lower[from..].find(doc).map(|i| i + from) {
            from = i + 1;
            let end = i + doc.len();
            let before_ok = i == 0 || !in_label(&bytes[i - 1]);
            let after_ok = match bytes.get(end) {
                None => true,
                // A dot ending a sentence, not another label.
                Some(b'.') => !bytes.get(end + 1).is_some_and(in_label),
                Some(b) => !in_label(b),
            };
            if !(before_ok && after_ok) {
                continue;
            }
            let start = lower[..i]
                .char_indices()
                .rev()
                .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
                .map_or(0, |(p, c)| p + c.len_utf8());
            return Some(lower[start..end].trim_start_matches('.').to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::documentation_domain;

    #[test]
    fn documentation_domains_are_whole_names() {
        for (s, want) in [
            ("no-reply@example.com", Some("example.com")),
            (
                "https://api.mailgun.net/v3/mg.example.com/messages",
                Some("mg.example.com"),
            ),
            ("Support <help@EXAMPLE.org>", Some("example.org")),
            ("smtp.example.net", Some("smtp.example.net")),
            ("see example.com.", Some("example.com")),
            ("myexample.com", None),
            ("example.com.au", None),
            ("example.community", None),
            ("no-reply@acme.test", None),
            // Wide characters around a name are not part of it.
            ("jöhn@example.com", Some("example.com")),
            ("€example.com\u{a0}", Some("example.com")),
            ("mail.example.com\u{a0}x", Some("mail.example.com")),
        ] {
            assert_eq!(documentation_domain(s).as_deref(), want, "{s}");
        }
    }
}
