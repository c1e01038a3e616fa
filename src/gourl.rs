//! Go's `net/url.Parse`, re-implemented rule by rule: which characters the
//! user info may hold raw, how `%` and `+` decode, where the authority
//! ends. Kratos parses its connection URI and its HTTP URLs with it, so its
//! accepting and rejecting is the contract.
//!
//! Errors never carry the URL or any part of the user info.

use std::fmt;

/// Why Go's URL parser rejects a URI. The messages name the problem without
/// echoing the URI (Kratos deliberately does the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    ControlCharacter,
    MissingScheme,
    /// A `%` not followed by two hex digits; `in_userinfo` tells where.
    InvalidEscape {
        part: Part,
    },
    InvalidUserinfo,
    InvalidPort,
    MissingBracket,
    InvalidIpv6,
    InvalidHostCharacter(char),
}

/// The URI part an escape error is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Userinfo,
    Host,
    Path,
    Fragment,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ControlCharacter => f.write_str("it contains a control character"),
            Self::MissingScheme => f.write_str("it has no scheme"),
            Self::InvalidEscape { part } => {
                let part = match part {
                    Part::Userinfo => "user name or password",
                    Part::Host => "host",
                    Part::Path => "path",
                    Part::Fragment => "fragment",
                };
                write!(
                    f,
                    "the {part} has a `%` that is not followed by two hex digits"
                )
            }
            Self::InvalidUserinfo => f.write_str(
                "the user name or password contains a character that must be percent-encoded",
            ),
            Self::InvalidPort => f.write_str("the port after the host is not a number"),
            Self::MissingBracket => f.write_str("the IPv6 host has no closing `]`"),
            Self::InvalidIpv6 => f.write_str("the bracketed host is not an IPv6 address"),
            Self::InvalidHostCharacter(c) => write!(f, "the host contains the character {c:?}"),
        }
    }
}

/// The parts of a URL as Go's `url.Parse` leaves them (decoded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoUrl {
    pub scheme: String,
    /// `None` without `@`; the password is `None` without `:`.
    pub user: Option<(String, Option<String>)>,
    /// Host with port, as in Go's `URL.Host` (brackets kept).
    pub host: String,
    pub path: String,
    pub raw_query: String,
    pub opaque: bool,
}

impl GoUrl {
    /// Go's `URL.Hostname()`.
    #[must_use]
    pub fn hostname(&self) -> &str {
        split_host_port(&self.host).0
    }

    /// Go's `URL.Port()`.
    #[must_use]
    pub fn port(&self) -> &str {
        split_host_port(&self.host).1
    }

    /// Go's `URL.Query()`: pairs in order, undecodable pairs dropped.
    #[must_use]
    pub fn query(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for pair in self.raw_query.split('&') {
            if pair.is_empty() || pair.contains(';') {
                continue;
            }
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if let (Ok(k), Ok(v)) = (unescape_query(k), unescape_query(v)) {
                out.push((k, v));
            }
        }
        out
    }
}

fn split_host_port(host_port: &str) -> (&str, &str) {
    let mut host = host_port;
    let mut port = "";
    if let Some(colon) = host.rfind(':')
        && valid_optional_port(&host[colon..])
    {
        port = &host[colon + 1..];
        host = &host[..colon];
    }
    if host.starts_with('[') && host.ends_with(']') && host.len() >= 2 {
        host = &host[1..host.len() - 1];
    }
    (host, port)
}

fn valid_optional_port(port: &str) -> bool {
    if port.is_empty() {
        return true;
    }
    let Some(digits) = port.strip_prefix(':') else {
        return false;
    };
    digits.bytes().all(|b| b.is_ascii_digit())
}

/// Go's `url.Parse`.
pub fn go_parse(raw: &str) -> Result<GoUrl, UrlError> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(UrlError::ControlCharacter);
    }
    let (rest, frag) = raw.split_once('#').unwrap_or((raw, ""));
    let mut url = GoUrl::default();
    let (scheme, mut rest) = get_scheme(rest)?;
    url.scheme = scheme.to_ascii_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        url.raw_query = q.to_owned();
        rest = r;
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = true;
            unescape(frag, Mode::Fragment, Part::Fragment)?;
            return Ok(url);
        }
    } else if rest.starts_with("//") && !rest.starts_with("///") {
        let after = &rest[2..];
        let (authority, path) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        let (user, host) = parse_authority(authority)?;
        url.user = user;
        url.host = host;
        rest = path;
    }
    url.path = unescape(rest, Mode::Path, Part::Path)?;
    unescape(frag, Mode::Fragment, Part::Fragment)?;
    Ok(url)
}

pub fn get_scheme(raw: &str) -> Result<(&str, &str), UrlError> {
    for (i, c) in raw.bytes().enumerate() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if c.is_ascii_digit() || c == b'+' || c == b'-' || c == b'.' {
            if i == 0 {
                return Ok(("", raw));
            }
            continue;
        }
        if c == b':' {
            if i == 0 {
                return Err(UrlError::MissingScheme);
            }
            return Ok((&raw[..i], &raw[i + 1..]));
        }
        return Ok(("", raw));
    }
    Ok(("", raw))
}

type Authority = (Option<(String, Option<String>)>, String);

fn parse_authority(authority: &str) -> Result<Authority, UrlError> {
    let at = authority.rfind('@');
    let host = parse_host(at.map_or(authority, |i| &authority[i + 1..]))?;
    let Some(at) = at else {
        return Ok((None, host));
    };
    let userinfo = &authority[..at];
    if !valid_userinfo(userinfo) {
        return Err(UrlError::InvalidUserinfo);
    }
    let user = match userinfo.split_once(':') {
        None => (unescape(userinfo, Mode::User, Part::Userinfo)?, None),
        Some((u, p)) => (
            unescape(u, Mode::User, Part::Userinfo)?,
            Some(unescape(p, Mode::User, Part::Userinfo)?),
        ),
    };
    Ok((Some(user), host))
}

fn parse_host(host: &str) -> Result<String, UrlError> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else {
            return Err(UrlError::MissingBracket);
        };
        if !valid_optional_port(&host[i + 1..]) {
            return Err(UrlError::InvalidPort);
        }
        let literal = &host[1..i];
        let addr = literal.split("%25").next().unwrap_or(literal);
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(UrlError::InvalidIpv6);
        }
    } else if let Some(i) = host.rfind(':')
        && !valid_optional_port(&host[i..])
    {
        return Err(UrlError::InvalidPort);
    }
    unescape(host, Mode::Host, Part::Host)
}

/// Go's `validUserinfo`: only these characters may stand unencoded.
#[must_use]
pub fn valid_userinfo(s: &str) -> bool {
    s.chars().all(userinfo_char_allowed)
}

/// Whether Go accepts this character raw in the user info.
#[must_use]
pub fn userinfo_char_allowed(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '-' | '.'
                | '_'
                | ':'
                | '~'
                | '!'
                | '$'
                | '&'
                | '\''
                | '('
                | ')'
                | '*'
                | '+'
                | ','
                | ';'
                | '='
                | '%'
                | '@'
        )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    User,
    Host,
    Path,
    Fragment,
    Query,
}

fn unescape(s: &str, mode: Mode, part: Part) -> Result<String, UrlError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if i + 2 >= b.len() {
                    return Err(UrlError::InvalidEscape { part });
                }
                let (h, l) = (b[i + 1], b[i + 2]);
                let (Some(h), Some(l)) = (unhex(h), unhex(l)) else {
                    return Err(UrlError::InvalidEscape { part });
                };
                if mode == Mode::Host && h < 8 && &s[i..i + 3] != "%25" {
                    return Err(UrlError::InvalidEscape { part });
                }
                out.push(h << 4 | l);
                i += 3;
            }
            b'+' => {
                out.push(if mode == Mode::Query { b' ' } else { b'+' });
                i += 1;
            }
            c => {
                if mode == Mode::Host && c < 0x80 && host_char_must_escape(c) {
                    return Err(UrlError::InvalidHostCharacter(c as char));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Decodes a user-info component as Go does (`%XX`; `+` stays `+`).
pub fn unescape_userinfo(s: &str) -> Result<String, UrlError> {
    unescape(s, Mode::User, Part::Userinfo)
}

fn unescape_query(s: &str) -> Result<String, UrlError> {
    unescape(s, Mode::Query, Part::Path)
}

fn unhex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn host_char_must_escape(c: u8) -> bool {
    !(c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
                | b'-'
                | b'_'
                | b'.'
                | b'~'
        ))
}

/// Percent-encodes one user-info component so that Go decodes it back to
/// exactly `s` (used by `courier uri` and in hints).
#[must_use]
pub fn encode_userinfo(s: &str, is_username: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        let c = b as char;
        let keep = b.is_ascii()
            && userinfo_char_allowed(c)
            && c != '%'
            && c != '@'
            && !(is_username && c == ':');
        if keep {
            out.push(c);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Go's `url.QueryEscape`.
#[must_use]
pub fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Byte range of the password as written in a URI, found even when the
/// URI does not parse (the user info ends at the last `@`).
#[must_use]
pub fn password_span(raw: &str) -> Option<(usize, usize)> {
    let start = raw.find("://")? + 3;
    let at = start + raw[start..].rfind('@')?;
    let colon = start + raw[start..at].find(':')?;
    (colon + 1 < at).then_some((colon + 1, at))
}
