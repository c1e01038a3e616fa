//! The schema's patterns and formats, each checked by hand as Kratos'
//! validator checks it: Go durations, the `email` format (the JSON-schema
//! library's, which is not the envelope's check in [`crate::address`]),
//! URIs (with Go's parser); and Go's reading of a duration in minutes.

use super::{Format, Pattern};

/// Whether a string matches one of the schema's patterns.
#[must_use]
pub fn pattern_matches(p: Pattern, s: &str) -> bool {
    match p {
        Pattern::SmtpScheme => s.starts_with("smtp://") || s.starts_with("smtps://"),
        Pattern::HttpScheme => s.starts_with("http://") || s.starts_with("https://"),
        Pattern::BodyScheme => ["http://", "https://", "file://", "base64://"]
            .iter()
            .any(|p| s.starts_with(p)),
        Pattern::GoDuration => is_go_duration(s),
    }
}

fn is_go_duration(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.is_empty() {
        return false;
    }
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
        let rest = &s[i..];
        let unit = ["ns", "us", "ms", "s", "m", "h"]
            .iter()
            .find(|u| rest.starts_with(**u))
            .map_or(0, |u| u.len());
        if unit == 0 {
            return false;
        }
        i += unit;
    }
    true
}

/// A Go duration string (`1s`, `250ms`, `1m30s`) as a duration; `None`
/// when it is not one or is negative.
#[must_use]
pub fn go_duration(s: &str) -> Option<std::time::Duration> {
    if !is_go_duration(s) {
        return None;
    }
    let ns = go_duration_ns(s)?;
    std::time::Duration::try_from_secs_f64(ns / 1e9).ok()
}

/// `int(d.Minutes())` of a Go duration string.
pub fn go_duration_minutes(s: &str) -> Option<i64> {
    Some((go_duration_ns(s)? / 6e10) as i64)
}

/// A Go duration string in nanoseconds.
fn go_duration_ns(s: &str) -> Option<f64> {
    let mut total_ns: f64 = 0.0;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if matches!(c, 'n' | 'u' | 'm') && chars.peek() == Some(&'s') {
            unit.push('s');
            chars.next();
        }
        let factor = match unit.as_str() {
            "ns" => 1.0,
            "us" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 6e10,
            "h" => 3.6e12,
            _ => return None,
        };
        total_ns += num.parse::<f64>().ok()? * factor;
        num.clear();
    }
    Some(total_ns)
}

pub(super) fn format_matches(f: Format, s: &str) -> bool {
    match f {
        Format::Uri => crate::gourl::go_parse(s).is_ok_and(|u| !u.scheme.is_empty()),
        Format::UriReference => crate::gourl::go_parse(s).is_ok(),
        Format::Email => kratos_email_format(s),
    }
}

/// The `email` format of Kratos' JSON-schema library (the same in every
/// release): at most 254 bytes, at most 64 before the last `@`, a host
/// name after it ([`schema_hostname`]), and then the whole value must be
/// one address to Go's `mail.ParseAddress`. So no domain literal, no
/// display name, no trailing dot, no non-ASCII domain; a quoted or UTF-8
/// local part passes.
#[must_use]
pub fn kratos_email_format(s: &str) -> bool {
    let Some(at) = s.rfind('@') else {
        return false;
    };
    s.len() <= 254 && at <= 64 && schema_hostname(&s[at + 1..]) && go_parse_address(s)
}

/// Why [`kratos_email_format`] refuses `s`, where a common case explains it.
#[must_use]
pub fn email_format_reason(s: &str) -> Option<&'static str> {
    let domain = s.rfind('@').map(|at| &s[at + 1..])?;
    if s.contains('<') || s.contains('>') {
        Some("a display name or angle brackets are not part of the address")
    } else if domain.starts_with('[') {
        Some(
            "the domain must be a host name: Kratos' email format refuses a domain literal (an IP address in brackets)",
        )
    } else if domain.ends_with('.') {
        Some("the domain ends in a dot, which Go's address parser refuses")
    } else if !domain.is_ascii() {
        Some("the domain must be ASCII: write an internationalized domain in its xn-- form")
    } else if s.rfind('@').is_some_and(|at| at > 64) {
        Some("the part before the last `@` is longer than 64 bytes")
    } else if s.len() > 254 {
        Some("it is longer than 254 bytes")
    } else {
        None
    }
}

/// The library's host name check: a trailing dot dropped, at most 253
/// bytes, dot-separated labels of 1 to 63 ASCII letters, digits or `-`,
/// none ending in `-`. Only the first character of the whole name is
/// checked for a leading `-`, so `a.-b.com` passes, as it does there.
fn schema_hostname(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    s.len() <= 253
        && !s.starts_with('-')
        && s.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-')
        })
}

/// Go's `mail.ParseAddress` for a value whose text after the last `@` is
/// a host name (the only values it sees here): such a value can only be a
/// bare addr-spec, so this is the addr-spec path: leading spaces and tabs
/// skipped, a quoted-string or dot-atom local part (UTF-8 allowed), `@`,
/// spaces and tabs skipped, a dot-atom domain, and nothing after it.
fn go_parse_address(s: &str) -> bool {
    let rest = s.trim_start_matches([' ', '\t']);
    let local_end = if rest.starts_with('"') {
        match go_quoted_string(rest) {
            Some(end) if end > 2 => end,
            _ => return false,
        }
    } else {
        go_dot_atom(rest)
    };
    if local_end == 0 {
        return false;
    }
    let Some(after) = rest[local_end..].strip_prefix('@') else {
        return false;
    };
    let domain = after.trim_start_matches([' ', '\t']);
    let end = go_dot_atom(domain);
    end > 0 && end == domain.len()
}

/// The length of the dot-atom at the start of `s` (`.` allowed, but not
/// first, last or doubled), 0 if there is none or it is malformed.
fn go_dot_atom(s: &str) -> usize {
    let end = s
        .char_indices()
        .find(|&(_, c)| !go_atext(c))
        .map_or(s.len(), |(i, _)| i);
    let atom = &s[..end];
    if atom.starts_with('.') || atom.ends_with('.') || atom.contains("..") {
        return 0;
    }
    end
}

/// Go's `isAtext` with dots: visible ASCII but the specials, or any
/// non-ASCII character.
fn go_atext(c: char) -> bool {
    !"()<>[]:;@\\,\"".contains(c) && (('!'..='~').contains(&c) || !c.is_ascii())
}

/// The length of the quoted string at the start of `s` (which starts with
/// `"`), closing quote included; `None` if it is not closed or holds a
/// character Go refuses there.
fn go_quoted_string(s: &str) -> Option<usize> {
    let vchar = |c: char| ('!'..='~').contains(&c) || !c.is_ascii();
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        if escaped {
            if !vchar(c) && c != ' ' && c != '\t' {
                return None;
            }
            escaped = false;
        } else if c == '"' {
            return Some(i + 1);
        } else if c == '\\' {
            escaped = true;
        } else if !vchar(c) && c != ' ' && c != '\t' {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::Pattern;
    use super::super::facts::paths;
    use super::{go_duration_minutes, kratos_email_format, pattern_matches};

    /// Go 1.19 with the library's checks (tests/fixtures/go/email_format.go).
    #[test]
    fn email_format_as_kratos_validator() {
        let long = |local: usize, last: usize| {
            format!(
                "{}@{}.{}.{}",
                "a".repeat(local),
                "b".repeat(63),
                "c".repeat(63),
                "d".repeat(last)
            )
        };
        let accept = [
            "user@example.com".to_owned(),
            "a.b+tag@sub.example.co".into(),
            "x@localhost".into(),
            "x@example".into(),
            "x@10.0.0.5".into(),
            "\"john doe\"@example.com".into(),
            "\"a@b\"@example.com".into(),
            "jörg@example.com".into(),
            "x@xn--bcher-kva.de".into(),
            "x@a.-b.com".into(),
            format!("{}@example.com", "a".repeat(64)),
            " x@example.com".into(),
            "\tx@example.com".into(),
            "\"a\\\"b\"@example.com".into(),
            long(60, 63),
        ];
        for ok in &accept {
            assert!(kratos_email_format(ok), "{ok}");
        }
        let reject = [
            "x@example.com.".to_owned(),
            "x@[10.0.0.5]".into(),
            "x@[IPv6:::1]".into(),
            "Ory <x@example.com>".into(),
            "x@bücher.de".into(),
            "x@exa_mple.com".into(),
            "x@-a.com".into(),
            "x@a-.com".into(),
            format!("{}@example.com", "a".repeat(65)),
            "a@b@example.com".into(),
            "a@x.io, b@y.io".into(),
            "x @example.com".into(),
            "x@ example.com".into(),
            "a..b@example.com".into(),
            ".a@example.com".into(),
            "a.@example.com".into(),
            "\"\"@example.com".into(),
            "(c)x@example.com".into(),
            "x@example..com".into(),
            "@example.com".into(),
            "x@".into(),
            "x".into(),
            format!("x@{}.com", "b".repeat(64)),
            long(63, 63),
            "x\t@example.com".into(),
            "a\"b@example.com".into(),
        ];
        for bad in &reject {
            assert!(!kratos_email_format(bad), "{bad}");
        }
    }

    #[test]
    fn durations() {
        for ok in ["1s", "500ms", "1h30m", "10us", "0s"] {
            assert!(pattern_matches(Pattern::GoDuration, ok), "{ok}");
        }
        for bad in ["", "1", "s", "1.5s", "1 s", "1d"] {
            assert!(!pattern_matches(Pattern::GoDuration, bad), "{bad}");
        }
    }

    #[test]
    fn paths_cover_arrays() {
        let p = paths(crate::release::Release::DEFAULT);
        assert!(
            p.iter()
                .any(|(p, _)| p.join(".") == "courier.channels.#.request_config.url")
        );
        assert!(
            p.iter()
                .any(|(p, _)| p.join(".") == "courier.smtp.connection_uri")
        );
    }

    #[test]
    fn lifespans_truncate_to_minutes() {
        assert_eq!(go_duration_minutes("1h"), Some(60));
        assert_eq!(go_duration_minutes("90s"), Some(1));
        assert_eq!(go_duration_minutes("1h30m"), Some(90));
        assert_eq!(
            super::go_duration("1m30s"),
            Some(std::time::Duration::from_secs(90))
        );
        assert_eq!(
            super::go_duration("250ms"),
            Some(std::time::Duration::from_millis(250))
        );
        assert_eq!(super::go_duration("1.5s"), None);
    }
}
