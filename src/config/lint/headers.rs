//! Configured headers: an SMTP header name is written into the message as
//! it is (a line break in it would start headers of its own), Go's HTTP
//! client refuses a request whose header name is not a token, and Kratos'
//! mailer takes the envelope out of the SMTP address headers, so one it
//! cannot read fails every send.

use crate::config::tree::{KeyPath, Node};
use crate::delivery::header_address::kratos_unreadable;
use crate::delivery::mime::is_field_name;
use crate::delivery::request::is_token;
use crate::diag::Diagnostic;

/// Where the headers are sent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `courier.smtp.headers`.
    Smtp,
    /// A request config's `headers`.
    Http,
}

/// Every header name of `headers` that cannot be sent, at its key.
pub(super) fn names(headers: Option<&Node>, path: &KeyPath, kind: Kind, out: &mut Vec<Diagnostic>) {
    let Some(headers) = headers else {
        return;
    };
    for e in headers.entries() {
        let (code, message, help) = match kind {
            Kind::Smtp if !is_field_name(&e.key) => (
                "smtp-header-name-invalid",
                format!(
                    "the header name {:?} is not an RFC 5322 field name: Kratos writes it into \
                     the message as it is, {}",
                    e.key,
                    if e.key.contains(['\r', '\n']) {
                        "so its line break starts a header of its own"
                    } else {
                        "and servers refuse or misread the message"
                    }
                ),
                "use printable ASCII without spaces or `:`, e.g. X-Campaign",
            ),
            Kind::Http if !is_token(&e.key) => (
                "http-header-name-invalid",
                format!(
                    "the header name {:?} is not an HTTP token: every send fails with \
                     \"net/http: invalid header field name\"",
                    e.key
                ),
                "use letters, digits and - (or !#$%&'*+.^_`|~), e.g. X-Api-Key",
            ),
            _ => continue,
        };
        out.push(
            Diagnostic::error(code, path, message)
                .at(&e.key_loc)
                .help(help),
        );
    }
}

/// Every SMTP address header (`From`, `Sender`, `To`, `Cc`, `Bcc`, named
/// exactly so, as Kratos' mailer looks them up) that Kratos cannot read as
/// one address, at its value.
pub(super) fn addresses(headers: Option<&Node>, path: &KeyPath, out: &mut Vec<Diagnostic>) {
    let Some(headers) = headers else {
        return;
    };
    for e in headers.entries() {
        if !["From", "Sender", "To", "Cc", "Bcc"].contains(&e.key.as_str()) {
            continue;
        }
        let Some(value) = e.node.as_str() else {
            continue;
        };
        let Some(why) = kratos_unreadable(value) else {
            continue;
        };
        let help = if value.is_ascii() {
            "write one address, alone or with an ASCII name: `Name <a@x.io>`, or \
             `\"Quoted, Name\" <a@x.io>` for a name with commas"
        } else if e.key == "From" {
            "leave the From header out and set from_address and from_name: Kratos encodes \
             from_name on its own, so a non-ASCII name works there"
        } else {
            "write the address with an ASCII name or none: Kratos cannot encode a non-ASCII \
             name in a configured header"
        };
        out.push(
            Diagnostic::error(
                "smtp-header-address-invalid",
                path.key(&e.key),
                format!(
                    "Kratos' mailer reads the {} header as one address and cannot: {why}; \
                     every send fails before the message is sent (and is retried)",
                    e.key
                ),
            )
            .at(&e.node.loc)
            .help(help),
        );
    }
}
