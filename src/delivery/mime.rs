//! The email as Kratos' mailer (Ory's gomail fork) writes it: `From` as
//! `"Name" <addr>` (RFC 2047 for non-ASCII names), `To`, `Subject`, then the
//! configured headers (which may override), `MIME-Version` and a `Date`, no
//! `Message-ID`; a text/plain part alone or multipart/alternative with text
//! first and HTML second, both UTF-8 quoted-printable; header lines folded at
//! 76 characters; `Bcc` delivered but not written. The envelope sender comes
//! from `Sender`, else `From`; recipients from `To`, `Cc` and `Bcc`.
//!
//! Kratos writes its headers in Go map order (random); courier writes them
//! in the order above, and the date in UTC. Kratos' mailer takes the
//! envelope back out of the headers it has already RFC 2047-encoded (with
//! Go's `mail.ParseAddress`, which also unquotes a quoted local part);
//! courier takes it from what was given, each address checked by
//! [`crate::address`]: the recipient exactly as validated, the configured
//! `Sender`, `From`, `To`, `Cc` and `Bcc` from their configured values,
//! else `from_address`. So an address is never re-derived from header text.

use std::fmt::Write as _;

use crate::address::{Address, AddressError, mailbox};
use crate::delivery::encoded_word::{CHARSET, b_encode, q_encode};
use crate::delivery::header_address::kratos_unreadable;

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Email {
    pub from_address: String,
    pub from_name: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    /// The HTML part, written even when empty (as Kratos' mailer does);
    /// `None` for a text-only message (Kratos' when HTML fails to render).
    pub html: Option<String>,
    /// `courier.smtp.headers`, in config order.
    pub headers: Vec<(String, String)>,
}

/// A serialized message and its envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    pub bytes: Vec<u8>,
    pub mail_from: String,
    pub recipients: Vec<String>,
}

/// Why a message cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MimeError {
    #[error("invalid address in the {field} header")]
    Address { field: String },
    /// Kratos' mailer takes the envelope out of this header and cannot.
    #[error(
        "Kratos' mailer cannot read the configured {field} header {value:?}: {why}; \
         every Kratos send fails before the message is sent (and is retried)"
    )]
    Unreadable {
        field: String,
        value: String,
        why: String,
    },
    #[error(transparent)]
    Recipient(#[from] AddressError),
    #[error(
        "the header name {0:?} is not a field name (RFC 5322: printable ASCII, no space or colon)"
    )]
    HeaderName(String),
}

/// Whether `name` is an RFC 5322 header field name: printable ASCII
/// (33–126) without `:`. Anything else would be written into the message
/// raw, a line break included.
#[must_use]
pub fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':')
}

impl Email {
    /// The message with the given `Date` (Unix seconds) and boundary.
    pub fn build(&self, date: i64, boundary: &str) -> Result<Built, MimeError> {
        build(self, date, boundary)
    }
}

/// Builds the message with the given `Date` (Unix seconds) and multipart
/// boundary.
pub fn build(email: &Email, date: i64, boundary: &str) -> Result<Built, MimeError> {
    if let Some((name, _)) = email.headers.iter().find(|(n, _)| !is_field_name(n)) {
        return Err(MimeError::HeaderName(name.clone()));
    }
    let (mail_from, recipients) = envelope(email)?;
    let headers = headers(email);
    let get = |k: &str| {
        headers
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    let mut out = String::new();
    if get("MIME-Version").is_none() && get("Mime-Version").is_none() {
        out.push_str("MIME-Version: 1.0\r\n");
    }
    if get("Date").is_none() {
        write_header(&mut out, "Date", &format_rfc1123z(date));
    }
    for (k, v) in &headers {
        if k != "Bcc" {
            write_header(&mut out, k, v);
        }
    }
    write_body(&mut out, email, boundary);
    Ok(Built {
        bytes: out.into_bytes(),
        mail_from,
        recipients,
    })
}

/// The headers in writing order: `From`, `To`, `Subject`, then the
/// configured ones, which replace any of these.
fn headers(email: &Email) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: String| {
        if let Some(h) = headers.iter_mut().find(|(name, _)| name == k) {
            h.1 = v;
        } else {
            headers.push((k.to_owned(), v));
        }
    };
    if email.from_name.is_empty() {
        set("From", q_encode(&email.from_address));
    } else {
        set(
            "From",
            format_address(&email.from_address, &email.from_name),
        );
    }
    set("To", q_encode(&email.to));
    set("Subject", q_encode(&email.subject));
    for (k, v) in &email.headers {
        set(k, q_encode(v));
    }
    headers
}

/// The envelope, from what was given and never from the encoded headers:
/// the sender from a configured `Sender`, else a configured `From`, else
/// `from_address`; the recipients: a configured `To` (which replaces the
/// recipient's header, as in Kratos) or else the recipient, then a
/// configured `Cc` and `Bcc`.
fn envelope(email: &Email) -> Result<(String, Vec<String>), MimeError> {
    let configured = |k: &str| configured(&email.headers, k);
    let mail_from = sender(&email.from_address, &email.headers)?;
    let mut recipients = vec![match configured("To") {
        Some(v) => field_address("To", v)?,
        None => Address::parse(&email.to)?.into_string(),
    }];
    for name in ["Cc", "Bcc"] {
        if let Some(v) = configured(name) {
            let a = field_address(name, v)?;
            if !recipients.contains(&a) {
                recipients.push(a);
            }
        }
    }
    Ok((mail_from, recipients))
}

/// The envelope sender: the address of a configured `Sender`, else of a
/// configured `From`, else `from_address`.
pub fn sender(from_address: &str, headers: &[(String, String)]) -> Result<String, MimeError> {
    match (configured(headers, "Sender"), configured(headers, "From")) {
        (Some(v), _) => field_address("Sender", v),
        (None, Some(v)) => field_address("From", v),
        (None, None) => Address::parse(from_address)
            .map(Address::into_string)
            .map_err(|_| MimeError::Address {
                field: "From".to_owned(),
            }),
    }
}

/// The configured value of header `name` (the last, as it replaces any
/// before it).
fn configured<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The address of a configured header value; refused where Kratos'
/// mailer could not read it (so the envelope is never taken from a
/// header Kratos would fail on).
fn field_address(name: &str, value: &str) -> Result<String, MimeError> {
    if let Some(why) = kratos_unreadable(value) {
        return Err(MimeError::Unreadable {
            field: name.to_owned(),
            value: value.to_owned(),
            why,
        });
    }
    mailbox(value)
        .map(Address::into_string)
        .map_err(|_| MimeError::Address {
            field: name.to_owned(),
        })
}

/// `text/plain` alone, or `multipart/alternative` with the text part
/// first and the HTML part second.
fn write_body(out: &mut String, email: &Email, boundary: &str) {
    let part_type = |ct: &str| format!("{ct}; charset={CHARSET}");
    let Some(html) = &email.html else {
        write_header(out, "Content-Type", &part_type("text/plain"));
        write_header(out, "Content-Transfer-Encoding", "quoted-printable");
        out.push_str("\r\n");
        out.push_str(&quoted_printable(&email.text));
        return;
    };
    write_header(
        out,
        "Content-Type",
        &format!("multipart/alternative;\r\n boundary={boundary}"),
    );
    out.push_str("\r\n");
    for (i, (ct, body)) in [("text/plain", &email.text), ("text/html", html)]
        .iter()
        .enumerate()
    {
        if i == 0 {
            let _ = write!(out, "--{boundary}\r\n");
        } else {
            let _ = write!(out, "\r\n--{boundary}\r\n");
        }
        // Go's multipart writer sorts part headers by name.
        let _ = write!(
            out,
            "Content-Transfer-Encoding: quoted-printable\r\nContent-Type: {}\r\n\r\n",
            part_type(ct)
        );
        out.push_str(&quoted_printable(body));
    }
    let _ = write!(out, "\r\n--{boundary}--\r\n");
}

/// gomail's `FormatAddress`: quoted ASCII names, B-encoding for non-ASCII
/// names with specials, Q-encoding otherwise.
#[must_use]
pub fn format_address(address: &str, name: &str) -> String {
    let enc = q_encode(name);
    let mut out = String::new();
    if enc == name {
        out.push('"');
        for c in name.chars() {
            if c == '\\' || c == '"' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    } else if name.bytes().any(|c| b"()<>[]:;@\\,.\"".contains(&c)) {
        out.push_str(&b_encode(name));
    } else {
        out.push_str(&enc);
    }
    let _ = write!(out, " <{address}>");
    out
}

/// gomail's `writeHeader`: `Name: value`, folded at 76 characters.
fn write_header(out: &mut String, key: &str, value: &str) {
    out.push_str(key);
    out.push_str(": ");
    let mut chars_left: isize = 76 - key.len() as isize - 2;
    let mut s = value;
    if chars_left < 1 {
        out.push_str("\r\n ");
        chars_left = 75;
    }
    while s.len() as isize > chars_left {
        s = write_line(out, s, chars_left as usize);
        chars_left = 75;
    }
    out.push_str(s);
    out.push_str("\r\n");
}

fn write_line<'a>(out: &mut String, s: &'a str, chars_left: usize) -> &'a str {
    let b = s.as_bytes();
    if let Some(i) = s.find('\n')
        && i < chars_left
    {
        out.push_str(&s[..=i]);
        return &s[i + 1..];
    }
    for i in (0..chars_left.min(b.len())).rev() {
        if b[i] == b' ' {
            out.push_str(&s[..i]);
            out.push_str("\r\n ");
            return &s[i + 1..];
        }
    }
    for i in 75..b.len() {
        if b[i] == b' ' {
            out.push_str(&s[..i]);
            out.push_str("\r\n ");
            return &s[i + 1..];
        }
        if b[i] == b'\n' {
            out.push_str(&s[..=i]);
            return &s[i + 1..];
        }
    }
    out.push_str(s);
    ""
}

/// Go's `mime/quotedprintable` writer (text mode): lines of at most 76
/// characters with `=` soft breaks, line ends as CRLF, trailing blanks
/// encoded.
#[must_use]
pub fn quoted_printable(text: &str) -> String {
    const MAX: usize = 76;
    let mut out = String::new();
    let mut line: Vec<u8> = Vec::with_capacity(MAX + 2);
    let mut cr = false;
    let flush = |line: &mut Vec<u8>, out: &mut String| {
        out.push_str(&String::from_utf8_lossy(line));
        line.clear();
    };
    let encode = |b: u8, line: &mut Vec<u8>, out: &mut String| {
        if MAX - 1 - line.len() < 3 {
            line.extend_from_slice(b"=\r\n");
            flush(line, out);
        }
        line.extend_from_slice(format!("={b:02X}").as_bytes());
    };
    let check_last = |line: &mut Vec<u8>, out: &mut String| {
        if let Some(&last) = line.last()
            && (last == b' ' || last == b'\t')
        {
            line.pop();
            encode(last, line, out);
        }
    };
    for &b in text.as_bytes() {
        let literal = (b'!'..=b'~').contains(&b) && b != b'='
            || b == b' '
            || b == b'\t'
            || b == b'\n'
            || b == b'\r';
        if !literal {
            encode(b, &mut line, &mut out);
            cr = false;
            continue;
        }
        if b == b'\n' || b == b'\r' {
            if cr && b == b'\n' {
                cr = false;
                continue;
            }
            cr = b == b'\r';
            check_last(&mut line, &mut out);
            line.extend_from_slice(b"\r\n");
            flush(&mut line, &mut out);
            continue;
        }
        if line.len() == MAX - 1 {
            line.extend_from_slice(b"=\r\n");
            flush(&mut line, &mut out);
        }
        line.push(b);
        cr = false;
    }
    check_last(&mut line, &mut out);
    flush(&mut line, &mut out);
    out
}

/// RFC 1123 with a numeric zone, as Go's `time.RFC1123Z`, in UTC.
#[must_use]
pub fn format_rfc1123z(unix: i64) -> String {
    let (y, mo, d, h, mi, s, wd) = crate::calendar::civil(unix);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {d:02} {} {y:04} {h:02}:{mi:02}:{s:02} +0000",
        DAYS[wd],
        MONTHS[mo as usize - 1]
    )
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
#[must_use]
pub fn format_utc_iso(unix: i64) -> String {
    let (y, mo, d, h, mi, s, _) = crate::calendar::civil(unix);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::{
        Email, MimeError, build, format_address, format_rfc1123z, is_field_name, quoted_printable,
    };
    use crate::delivery::encoded_word::{b_encode, q_encode};

    fn to(address: &str, headers: &[(&str, &str)]) -> Email {
        Email {
            from_address: "no-reply@example.com".into(),
            from_name: "Accounts".into(),
            to: address.into(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..Email::default()
        }
    }

    #[test]
    fn the_envelope_is_the_validated_address_never_the_header() {
        let quoted = "\"x<evil@x.test>\"@a.test";
        let built = build(&to(quoted, &[]), 0, "b").unwrap();
        assert_eq!(built.recipients, vec![quoted]);
        assert_eq!(built.mail_from, "no-reply@example.com");
        // The header is encoded; the envelope is not.
        let built = build(&to("jörg@example.com", &[]), 0, "b").unwrap();
        assert_eq!(built.recipients, vec!["jörg@example.com"]);
        let text = String::from_utf8(built.bytes).unwrap();
        assert!(
            text.contains("To: =?UTF-8?q?j=C3=B6rg@example.com?="),
            "{text}"
        );
        for bad in [
            "\"Bob\" <evil@x.test>",
            "a@x.test, b@y.test",
            "v@a.test (evil@x.test)",
        ] {
            assert!(
                matches!(build(&to(bad, &[]), 0, "b"), Err(MimeError::Recipient(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn configured_headers_give_their_addresses() {
        let built = build(
            &to(
                "jane@example.com",
                &[
                    ("Sender", "\"Bounces\" <bounce@example.com>"),
                    ("Bcc", "Archive <archive@example.com>"),
                    ("Cc", "jane@example.com"),
                ],
            ),
            0,
            "b",
        )
        .unwrap();
        assert_eq!(built.mail_from, "bounce@example.com");
        assert_eq!(
            built.recipients,
            vec!["jane@example.com", "archive@example.com"]
        );
        let from = build(
            &to("j@e.com", &[("From", "Team <team@example.com>")]),
            0,
            "b",
        );
        assert_eq!(from.unwrap().mail_from, "team@example.com");
        let list = build(&to("j@e.com", &[("Bcc", "a@b.c, d@e.f")]), 0, "b");
        assert!(
            matches!(&list, Err(MimeError::Unreadable { field, .. }) if field == "Bcc"),
            "{list:?}"
        );
    }

    #[test]
    fn header_names_must_be_field_names() {
        for ok in ["X-Campaign", "Reply-To", "x!#~"] {
            assert!(is_field_name(ok), "{ok}");
        }
        for bad in ["", "Reply To", "A:B", "Zoë", "X-A\r\nBcc", "X\t"] {
            assert!(!is_field_name(bad), "{bad:?}");
        }
        let email = Email {
            from_address: "a@b.c".into(),
            to: "d@e.f".into(),
            headers: vec![("X-A\r\nBcc".into(), "evil@x.test".into())],
            ..Email::default()
        };
        assert_eq!(
            build(&email, 0, "b"),
            Err(MimeError::HeaderName("X-A\r\nBcc".into()))
        );
    }

    #[test]
    fn dates_are_rfc1123z() {
        assert_eq!(format_rfc1123z(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(
            format_rfc1123z(1_780_000_000),
            "Thu, 28 May 2026 20:26:40 +0000"
        );
    }

    #[test]
    fn addresses_as_gomail() {
        assert_eq!(format_address("a@b.c", "Bob"), "\"Bob\" <a@b.c>");
        assert_eq!(
            format_address("a@b.c", "Bob \"B\" \\"),
            "\"Bob \\\"B\\\" \\\\\" <a@b.c>"
        );
        assert_eq!(
            format_address("a@b.c", "Zoë"),
            "=?UTF-8?q?Zo=C3=AB?= <a@b.c>"
        );
        assert_eq!(
            format_address("a@b.c", "Zoë, Inc."),
            "=?UTF-8?b?Wm/DqywgSW5jLg==?= <a@b.c>"
        );
    }

    #[test]
    fn q_encoding_splits_long_words() {
        assert_eq!(q_encode("plain subject"), "plain subject");
        assert_eq!(q_encode("Grüße_=?"), "=?UTF-8?q?Gr=C3=BC=C3=9Fe=5F=3D=3F?=");
        let long = q_encode(&"é".repeat(30));
        assert!(long.split(' ').all(|w| w.len() <= 75), "{long}");
        assert!(b_encode("x").len() == 1);
    }

    #[test]
    fn quoted_printable_as_go() {
        assert_eq!(quoted_printable("a=b\nc \nd"), "a=3Db\r\nc=20\r\nd");
        assert_eq!(quoted_printable("Grüße"), "Gr=C3=BC=C3=9Fe");
        let long = quoted_printable(&"x".repeat(100));
        assert_eq!(long, format!("{}=\r\n{}", "x".repeat(75), "x".repeat(25)));
        assert_eq!(quoted_printable("line\r\nnext"), "line\r\nnext");
        assert_eq!(quoted_printable("end "), "end=20");
    }

    #[test]
    fn message_layout() {
        let email = Email {
            from_address: "no-reply@example.com".into(),
            from_name: "Accounts".into(),
            to: "jane@example.com".into(),
            subject: "Your code".into(),
            text: "Code: 123".into(),
            html: Some("<p>Code: 123</p>".into()),
            headers: vec![
                ("Bcc".into(), "archive@example.com".into()),
                ("Reply-To".into(), "help@example.com".into()),
            ],
        };
        let built = build(&email, 0, "b0und").unwrap();
        let text = String::from_utf8(built.bytes).unwrap();
        assert_eq!(
            text,
            "MIME-Version: 1.0\r\nDate: Thu, 01 Jan 1970 00:00:00 +0000\r\n\
             From: \"Accounts\" <no-reply@example.com>\r\nTo: jane@example.com\r\nSubject: Your code\r\n\
             Reply-To: help@example.com\r\nContent-Type: multipart/alternative;\r\n boundary=b0und\r\n\r\n\
             --b0und\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n\
             Code: 123\r\n--b0und\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n\
             <p>Code: 123</p>\r\n--b0und--\r\n"
        );
        assert_eq!(built.mail_from, "no-reply@example.com");
        assert_eq!(
            built.recipients,
            vec!["jane@example.com", "archive@example.com"]
        );
        // An HTML part that renders empty is still written, empty.
        let empty = Email {
            html: Some(String::new()),
            ..email.clone()
        };
        let text = String::from_utf8(build(&empty, 0, "b0und").unwrap().bytes).unwrap();
        assert!(
            text.ends_with(
                "Code: 123\r\n--b0und\r\nContent-Transfer-Encoding: quoted-printable\r\n\
                 Content-Type: text/html; charset=UTF-8\r\n\r\n\r\n--b0und--\r\n"
            ),
            "{text}"
        );
        let sender = Email {
            headers: vec![("Sender".into(), "bounce@example.com".into())],
            html: None,
            ..email
        };
        let built = build(&sender, 0, "x").unwrap();
        assert_eq!(built.mail_from, "bounce@example.com");
        assert!(String::from_utf8(built.bytes).unwrap().contains("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCode: 123"));
    }
}
