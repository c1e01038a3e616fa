//! The connection URI as Go parses it and Kratos reads it: what breaks
//! the parse, a missing port, query parameters Kratos ignores or reads
//! differently than one would think, modes that expose the password, a
//! scheme on the wrong port; and client certificates.

use crate::config::schema::Pattern;
use crate::config::schema::formats::pattern_matches;
use crate::config::tree::{KeyPath, Loc, Node, Value};
use crate::connection_uri::{self, SmtpUri, go_parse_bool};
use crate::diag::{Diagnostic, did_you_mean};
use crate::gourl::UrlError;

/// The connection-URI findings for a URI given on the command line.
#[must_use]
pub fn findings(raw: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !pattern_matches(Pattern::SmtpScheme, raw) {
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
    lint(
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

pub(super) fn lint(raw: &str, node: &Node, path: &KeyPath, out: &mut Vec<Diagnostic>) {
    let at = |d: Diagnostic| d.at(&node.loc);
    let uri = match SmtpUri::parse(raw) {
        Ok(u) => u,
        Err(err) => {
            out.push(at(unparsable(raw, &err, path)));
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
    query(&uri, path, node, out);
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
    port_scheme(&uri, path, node, out);
}

/// Why Kratos cannot parse the URI, in the operator's terms.
fn unparsable(raw: &str, err: &UrlError, path: &KeyPath) -> Diagnostic {
    let reserved = connection_uri::reserved_in_userinfo(raw);
    let invalid = connection_uri::invalid_in_userinfo(raw);
    if !reserved.is_empty() {
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
    }
}

/// `smtps://` on a STARTTLS port, `smtp://` on the implicit-TLS port.
fn port_scheme(uri: &SmtpUri, path: &KeyPath, node: &Node, out: &mut Vec<Diagnostic>) {
    let port = uri.port;
    if uri.scheme == "smtps" && (port == 587 || port == 25) {
        out.push(Diagnostic::warning(
            "smtp-port-scheme-mismatch",
            path,
            format!(
                "smtps:// starts TLS at once, but port {port} usually speaks plain SMTP with STARTTLS: expect \
                 \"first record does not look like a TLS handshake\""
            ),
        )
        .help(format!("use smtp://…:{port} (STARTTLS), or smtps://…:465")).at(&node.loc));
    } else if uri.scheme == "smtp" && port == 465 {
        out.push(Diagnostic::warning(
            "smtp-port-scheme-mismatch",
            path,
            "port 465 expects TLS from the first byte, but smtp:// waits for a plain greeting: expect a 10 s timeout",
        )
        .help("use smtps://…:465").at(&node.loc));
    }
}

fn query(uri: &SmtpUri, path: &KeyPath, node: &Node, out: &mut Vec<Diagnostic>) {
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

pub(super) fn client_cert(smtp: &Node, path: &KeyPath, out: &mut Vec<Diagnostic>) {
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
                    format!("{set} is set without {unset}: Kratos ignores it without a word and connects without a client certificate"),
                )
                .at(&smtp.get(set).map_or(smtp.loc.clone(), |n| n.loc.clone())),
            );
        }
        (Some(c), Some(k)) => {
            let unreadable = |name: &str, why: String| {
                Diagnostic::warning(
                    "smtp-client-cert-unreadable",
                    path.key(name),
                    format!(
                        "{why}: Kratos logs an error and connects without a client certificate"
                    ),
                )
                .at(&smtp.get(name).map_or(smtp.loc.clone(), |n| n.loc.clone()))
                .help("the paths are read where Kratos runs; check them there")
            };
            let mut missing = false;
            for (name, file) in [("client_cert_path", c), ("client_key_path", k)] {
                if let Err(e) = std::fs::metadata(file) {
                    missing = true;
                    out.push(unreadable(name, format!("cannot read `{file}` ({e})")));
                }
            }
            if !missing && let Some(why) = crate::delivery::tls::client_cert_problem(c, k) {
                out.push(unreadable(
                    "client_cert_path",
                    format!("cannot load the client certificate and key ({why})"),
                ));
            }
        }
        (None, None) => {}
    }
}
