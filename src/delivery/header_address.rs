//! How Kratos' mailer reads a configured address header (`Sender`,
//! `From`, `To`, `Cc`, `Bcc`) back out of the message to make the
//! envelope: the value Q-encoded as a whole when it has non-ASCII
//! characters, then Go's `mail.ParseAddress`, which takes exactly one
//! address. A header it cannot read fails every send.

use crate::address::{first_outside_quotes, mailbox, outside_quotes};
use crate::delivery::encoded_word::q_encode;

/// Why Kratos' mailer cannot read `value`, a configured address header
/// (`Sender`, `From`, `To`, `Cc`, `Bcc`), as one address: it Q-encodes a
/// value with non-ASCII characters as a whole (name, brackets and address
/// in one encoded word) and then reads it with Go's `mail.ParseAddress`,
/// which takes exactly one address. `None` when it can.
#[must_use]
pub fn kratos_unreadable(value: &str) -> Option<String> {
    let encoded = q_encode(value);
    if encoded != value {
        if go_bare_addr_spec(&encoded) {
            return None;
        }
        return Some(format!(
            "it has non-ASCII characters, so Kratos encodes the whole value, name and address \
             together, as `{encoded}`, which Go's mail.ParseAddress cannot read as an address"
        ));
    }
    let outside = outside_quotes(value);
    if let Some(colon) = first_outside_quotes(value, ':') {
        // Go reads `name: members;` as a group: one member is an address.
        match value[colon + 1..].trim().strip_suffix(';') {
            Some(members) if members.trim().is_empty() => {
                return Some("it is an empty group (Go: mail: empty group)".to_owned());
            }
            Some(member) if !outside_quotes(member).contains(',') => {
                return kratos_unreadable(member.trim());
            }
            Some(_) => {
                return Some(
                    "it is a group of addresses; Go reads exactly one \
                     (mail: expected single address)"
                        .to_owned(),
                );
            }
            None => {
                return Some(
                    "a `:` outside quotes starts a group in Go's parser, which then needs a \
                     closing `;`"
                        .to_owned(),
                );
            }
        }
    }
    if outside.contains(',') {
        return Some(
            "it is a list of addresses; Go reads exactly one (mail: expected single address)"
                .to_owned(),
        );
    }
    if !outside.contains('@') {
        return Some("it has no address (Go: mail: missing '@' or angle-addr)".to_owned());
    }
    mailbox(value)
        .err()
        .map(|_| "Go's mail.ParseAddress cannot read it as one address".to_owned())
}

/// Whether `s` (ASCII) is `dot-atom@dot-atom` as Go's parser reads a bare
/// address: what an encoded value must be for Kratos to read it.
fn go_bare_addr_spec(s: &str) -> bool {
    let atom = |a: &str| {
        !a.is_empty()
            && !a.starts_with('.')
            && !a.ends_with('.')
            && !a.contains("..")
            && a.bytes()
                .all(|b| (b'!'..=b'~').contains(&b) && !b"()<>[]:;@\\,\"".contains(&b))
    };
    matches!(s.split_once('@'), Some((l, d)) if atom(l) && atom(d))
}

#[cfg(test)]
mod tests {
    use super::kratos_unreadable;
    use crate::delivery::mime::{Email, MimeError, build};

    fn email(to: &str, headers: &[(&str, &str)]) -> Email {
        Email {
            from_address: "no-reply@example.com".into(),
            to: to.into(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..Email::default()
        }
    }

    /// What Kratos' mailer cannot read in a configured `From`/`Sender`
    /// (delivery-by-release §5): the message fails before the envelope.
    #[test]
    fn headers_kratos_cannot_parse_fail_the_message() {
        for (value, why) in [
            ("a@x.io, b@y.io", "list"),
            ("foo", "no address"),
            ("undisclosed:;", "empty group"),
            ("Jörg <a@x.io>", "=?UTF-8?q?J=C3=B6rg_<a@x.io>?="),
            ("\"Jörg\" <a@x.io>", "non-ASCII"),
            ("Team: <a@x.io>", "group"),
        ] {
            let found = kratos_unreadable(value).unwrap_or_default();
            assert!(found.contains(why), "{value}: {found:?}");
            for field in ["From", "Sender"] {
                let built = build(&email("j@e.com", &[(field, value)]), 0, "b");
                assert!(
                    matches!(&built, Err(MimeError::Unreadable { field: f, .. }) if f == field),
                    "{field}: {value}: {built:?}"
                );
            }
        }
        for ok in [
            "team: a@x.io;",
            "Name <a@x.io>",
            "\"Quoted, Name\" <a@x.io>",
            "a@x.io",
            "jörg@x.io",
        ] {
            assert_eq!(kratos_unreadable(ok), None, "{ok}");
        }
        let built = build(
            &email("j@e.com", &[("From", "\"Quoted, Name\" <a@x.io>")]),
            0,
            "b",
        );
        assert_eq!(built.unwrap().mail_from, "a@x.io");
    }
}
