//! Configured header names: an SMTP header name is written into the
//! message as it is (a line break in it would start headers of its own),
//! and Go's HTTP client refuses a request whose header name is not a token.

use crate::config::tree::{KeyPath, Node};
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
