//! One email address as the envelope carries it: a bare addr-spec
//! (`local@domain`), checked once where it comes in (`send --to`, a batch
//! row, `test --to`) and given to the SMTP client exactly as written. A
//! display name, a comment or a list is header syntax, not an address:
//! whatever address a reader would take out of it might not be the one the
//! user was shown, so it is refused, never interpreted.
//!
//! A quoted local part (`"a b"@example.com`) is an address (RFC 5321
//! `Quoted-string`) and goes into `RCPT TO` as written, quotes and all.
//! A non-ASCII address is sent as UTF-8, which needs the server's
//! SMTPUTF8 (RFC 6531); the SMTP client checks that.

/// A bare email address, as validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address(String);

/// Why a string is not one bare address (the string is in each message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error(
        "{0:?} has a display name or angle brackets: give the bare address, e.g. jane@example.com"
    )]
    DisplayName(String),
    #[error("{0:?} has a comment in parentheses: give the bare address")]
    Comment(String),
    #[error("{0:?} is a list of addresses: give one address per recipient")]
    List(String),
    #[error("{0:?} has a control character")]
    Control(String),
    #[error("{0:?} is not an email address")]
    Invalid(String),
}

/// The characters of `s` outside double quotes (a `\` escapes the next
/// character inside them).
#[must_use]
pub fn outside_quotes(s: &str) -> String {
    let (mut quoted, mut escaped) = (false, false);
    let mut out = String::new();
    for c in s.chars() {
        if quoted {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
        } else if c == '"' {
            quoted = true;
        } else {
            out.push(c);
        }
    }
    out
}

impl Address {
    /// Checks that `s` is exactly one bare address (no trimming).
    pub fn parse(s: &str) -> Result<Self, AddressError> {
        let owned = || s.to_owned();
        if s.chars().any(char::is_control) {
            return Err(AddressError::Control(owned()));
        }
        let outside = outside_quotes(s);
        if outside.contains(['<', '>']) {
            return Err(AddressError::DisplayName(owned()));
        }
        if outside.contains(['(', ')']) {
            return Err(AddressError::Comment(owned()));
        }
        let several = outside.matches('@').count() > 1 && outside.contains(char::is_whitespace);
        if outside.contains([',', ';']) || several {
            return Err(AddressError::List(owned()));
        }
        if !is_email(s) {
            return Err(AddressError::Invalid(owned()));
        }
        Ok(Self(owned()))
    }

    /// The address as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

/// The address of a configured header value (`Sender`, `To`, `Cc`,
/// `Bcc`): a bare address, or `display name <address>` as Go's
/// `mail.ParseAddress` reads one; no list, no comment.
pub fn mailbox(value: &str) -> Result<Address, AddressError> {
    let v = value.trim();
    let outside = outside_quotes(v);
    if !outside.contains('<') {
        return Address::parse(v);
    }
    let list = || AddressError::List(value.to_owned());
    if outside.contains([',', ';']) {
        return Err(list());
    }
    let invalid = || AddressError::Invalid(value.to_owned());
    // The display name is before the last `<` outside quotes; what follows
    // must be `address>`, the address itself with no `<` or `>` of its own.
    let inner = v.strip_suffix('>').ok_or_else(invalid)?;
    let open = last_outside_quotes(inner, '<').ok_or_else(invalid)?;
    let display = &inner[..open];
    if outside_quotes(display).contains(['<', '>', '(', ')']) {
        return Err(invalid());
    }
    Address::parse(&inner[open + 1..])
}

/// The byte indexes of each `c` of `s` outside double quotes (a
/// backslash escapes inside them).
fn outside_quote_indices(s: &str, c: char) -> impl Iterator<Item = usize> + '_ {
    let (mut quoted, mut escaped) = (false, false);
    s.char_indices().filter_map(move |(i, ch)| {
        if quoted {
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                quoted = false;
            }
            None
        } else if ch == '"' {
            quoted = true;
            None
        } else {
            (ch == c).then_some(i)
        }
    })
}

/// The byte index of the last `c` of `s` outside double quotes.
fn last_outside_quotes(s: &str, c: char) -> Option<usize> {
    outside_quote_indices(s, c).last()
}

/// The byte index of the first `c` of `s` outside double quotes.
#[must_use]
pub fn first_outside_quotes(s: &str, c: char) -> Option<usize> {
    outside_quote_indices(s, c).next()
}

/// The shape [`Address::parse`] requires of an envelope address: at most
/// 254 bytes, a local part of at most 64 bytes that is a dot-atom or a
/// quoted string, and a host name or bracketed IP literal after the last
/// `@`. (The schema's `format: email` is stricter: see
/// `config::schema::formats::kratos_email_format`.)
#[must_use]
pub fn is_email(s: &str) -> bool {
    if s.len() > 254 {
        return false;
    }
    let Some(at) = s.rfind('@') else {
        return false;
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.is_empty() || local.len() > 64 {
        return false;
    }
    let domain_ok = if domain.starts_with('[') && domain.ends_with(']') && domain.len() >= 2 {
        let ip = &domain[1..domain.len() - 1];
        match ip.strip_prefix("IPv6:") {
            Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
            None => ip.parse::<std::net::Ipv4Addr>().is_ok(),
        }
    } else {
        is_hostname(domain)
    };
    domain_ok && local_part_ok(local)
}

fn is_hostname(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    s.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-')
    })
}

fn local_part_ok(local: &str) -> bool {
    if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        let inner = &local[1..local.len() - 1];
        let mut escaped = false;
        for c in inner.chars() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' || c.is_control() {
                return false;
            }
        }
        return !escaped;
    }
    let atext =
        |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
    local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(atext))
}

#[cfg(test)]
mod tests {
    use super::{Address, AddressError, is_email, mailbox};

    #[test]
    fn emails() {
        for ok in [
            "a@b.c",
            "no-reply@ory.kratos.sh",
            "x.y+z@[127.0.0.1]",
            "\"a b\"@x.io",
            "a@localhost",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "@b.c",
            "a@",
            "a@-b.c",
            "Bob <a@b.c>",
            "a..b@c.d",
            "a@b_c.d",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    fn err(s: &str) -> AddressError {
        Address::parse(s).unwrap_err()
    }

    #[test]
    fn one_bare_address_as_written() {
        for ok in [
            "jane@example.com",
            "a.b+c@example.com",
            "\"a b\"@example.com",
            "\"x<evil@x.test>\"@a.test",
            "\"a,b\\\"c\"@a.test",
            "jörg@example.com",
            "x@[127.0.0.1]",
        ] {
            assert_eq!(Address::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn header_forms_are_refused_by_name() {
        assert!(matches!(
            err("\"Bob\" <evil@x.test>"),
            AddressError::DisplayName(_)
        ));
        assert!(matches!(
            err("Bob <evil@x.test>"),
            AddressError::DisplayName(_)
        ));
        assert!(matches!(err("<evil@x.test>"), AddressError::DisplayName(_)));
        assert!(matches!(
            err("victim@a.test (evil@x.test)"),
            AddressError::Comment(_)
        ));
        assert!(matches!(err("a@x.test, b@y.test"), AddressError::List(_)));
        assert!(matches!(err("a@x.test;b@y.test"), AddressError::List(_)));
        assert!(matches!(err("a@x.test b@y.test"), AddressError::List(_)));
        assert!(matches!(
            err("\"a\\\r\n\"@a.test"),
            AddressError::Control(_)
        ));
        assert!(matches!(
            err("a@b.c\r\nRCPT TO:<e@x>"),
            AddressError::Control(_)
        ));
        assert!(matches!(err("not-an-email"), AddressError::Invalid(_)));
        assert!(matches!(err("a@b@c.d"), AddressError::Invalid(_)));
        assert!(matches!(err(" a@b.c"), AddressError::Invalid(_)));
        assert_eq!(
            err("\"Bob\" <evil@x.test>").to_string(),
            "\"\\\"Bob\\\" <evil@x.test>\" has a display name or angle brackets: \
             give the bare address, e.g. jane@example.com"
        );
    }

    #[test]
    fn configured_mailboxes_may_have_a_display_name() {
        let addr = |v: &str| mailbox(v).map(Address::into_string);
        assert_eq!(addr("archive@example.com").unwrap(), "archive@example.com");
        assert_eq!(
            addr("\"Bounces, Inc.\" <bounce@example.com>").unwrap(),
            "bounce@example.com"
        );
        assert_eq!(addr("Zoë <z@example.com>").unwrap(), "z@example.com");
        assert_eq!(
            addr("Odd <\"x<y>\"@example.com>").unwrap(),
            "\"x<y>\"@example.com"
        );
        for bad in [
            "not an address",
            "a@b.c, d@e.f",
            "A <a@b.c>, B <d@e.f>",
            "A <a@b.c> x",
            "A <<a@b.c>>",
            "A (c) <a@b.c>",
            "",
        ] {
            assert!(mailbox(bad).is_err(), "{bad}");
        }
    }
}
