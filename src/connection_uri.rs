//! `courier.smtp.connection_uri`, read exactly as Kratos reads it: Go's
//! `net/url.Parse` (re-implemented here rule by rule, because its accepting
//! and rejecting is the contract), then Kratos' meaning of the parts.
//!
//! Errors never carry the URI or any part of the user info.

use std::fmt;

use crate::secret::Secret;

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

fn get_scheme(raw: &str) -> Result<(&str, &str), UrlError> {
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

/// The transport security Kratos picks for a URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `smtp://`: STARTTLS is mandatory.
    StartTls,
    /// `smtp://…?disable_starttls=true`: no TLS config; STARTTLS is still
    /// used (with default verification) if the server offers it.
    Opportunistic,
    /// `smtps://`: TLS from the first byte.
    ImplicitTls,
}

/// A connection URI with Kratos' meaning applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpUri {
    pub scheme: String,
    pub username: String,
    pub password: Secret,
    pub has_password: bool,
    /// Go's `Hostname()`: brackets and port removed.
    pub host: String,
    /// Go's `Port()`, as written.
    pub port_text: String,
    /// What Kratos dials: `ParseInt(Port())`, 0 when that fails.
    pub port: i64,
    pub ipv6_literal: bool,
    pub query: Vec<(String, String)>,
    pub skip_ssl_verify: bool,
    pub disable_starttls: bool,
    pub server_name: Option<String>,
}

impl SmtpUri {
    /// Parses as Kratos' `NewSMTPClient` does.
    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        let url = go_parse(raw)?;
        let (username, password) = url.user.clone().unwrap_or_default();
        let query = url.query();
        let get = |k: &str| {
            query
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        let port_text = url.port().to_owned();
        let scheme = url.scheme.clone();
        Ok(Self {
            username,
            has_password: password.is_some(),
            password: Secret::new(password.unwrap_or_default()),
            host: url.hostname().to_owned(),
            port: port_text.parse::<i64>().unwrap_or(0),
            port_text,
            ipv6_literal: url.host.starts_with('['),
            skip_ssl_verify: get("skip_ssl_verify")
                .is_some_and(|v| go_parse_bool(&v) == Some(true)),
            disable_starttls: scheme == "smtp"
                && get("disable_starttls").is_some_and(|v| go_parse_bool(&v) == Some(true)),
            server_name: get("server_name").filter(|s| !s.is_empty()),
            query,
            scheme,
        })
    }

    /// The security mode Kratos uses for this URI.
    #[must_use]
    pub fn security(&self) -> Security {
        match (self.scheme.as_str(), self.disable_starttls) {
            ("smtps", _) => Security::ImplicitTls,
            (_, true) => Security::Opportunistic,
            _ => Security::StartTls,
        }
    }

    /// The name used for SNI and certificate verification.
    #[must_use]
    pub fn tls_name(&self) -> &str {
        self.server_name.as_deref().unwrap_or(&self.host)
    }

    /// The URI with the password replaced by `***`, for display.
    #[must_use]
    pub fn redacted(raw: &str) -> String {
        match password_span(raw) {
            Some((start, end)) => {
                format!("{}{}{}", &raw[..start], crate::secret::MASK, &raw[end..])
            }
            None => raw.to_owned(),
        }
    }
}

/// The hosts Go's PLAIN auth accepts over an unencrypted connection.
#[must_use]
pub fn is_local_host(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

/// Go's `strconv.ParseBool`; `None` for anything else (which Kratos reads
/// as false).
#[must_use]
pub fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
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

/// The secret strings a URI holds, raw and decoded, for the redactor.
#[must_use]
pub fn secrets(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((s, e)) = password_span(raw) {
        let written = &raw[s..e];
        out.push(written.to_owned());
        if let Ok(decoded) = unescape(written, Mode::User, Part::Userinfo) {
            out.push(decoded);
        }
    }
    out
}

/// Characters in the user info that break Go's parse because they end the
/// authority (`/`, `?`, `#`), with their percent-encoding.
#[must_use]
pub fn reserved_in_userinfo(raw: &str) -> Vec<(char, &'static str)> {
    let Some(start) = raw.find("://").map(|i| i + 3) else {
        return Vec::new();
    };
    let Some(at) = raw[start..].rfind('@') else {
        return Vec::new();
    };
    let userinfo = &raw[start..start + at];
    let mut found = Vec::new();
    for (c, enc) in [('/', "%2F"), ('?', "%3F"), ('#', "%23")] {
        if userinfo.contains(c) {
            found.push((c, enc));
        }
    }
    found
}

/// Characters in the user info that Go refuses unencoded, described
/// without quoting the user info itself.
#[must_use]
pub fn invalid_in_userinfo(raw: &str) -> Vec<char> {
    let Some(start) = raw.find("://").map(|i| i + 3) else {
        return Vec::new();
    };
    let Some(at) = raw[start..].rfind('@') else {
        return Vec::new();
    };
    let mut found: Vec<char> = raw[start..start + at]
        .chars()
        .filter(|c| !userinfo_char_allowed(*c) && !matches!(c, '/' | '?' | '#'))
        .collect();
    found.sort_unstable();
    found.dedup();
    found
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

#[cfg(test)]
mod tests {
    use super::{
        SmtpUri, UrlError, encode_userinfo, go_parse, go_parse_bool, invalid_in_userinfo,
        password_span, reserved_in_userinfo,
    };

    #[test]
    fn percent_decoding_as_go() {
        let u = SmtpUri::parse("smtp://us%3Aer:p%40ss+x:y@mail.example.com:587/").unwrap();
        assert_eq!(u.username, "us:er");
        assert_eq!(u.password.expose(), "p@ss+x:y");
        assert_eq!(u.host, "mail.example.com");
        assert_eq!(u.port, 587);
        // A raw `@` works: the last one splits.
        let u = SmtpUri::parse("smtp://u:p@ss@h:25").unwrap();
        assert_eq!(u.password.expose(), "p@ss");
    }

    #[test]
    fn reserved_characters_break_parsing() {
        assert_eq!(
            go_parse("smtp://u:p/ss@h:25").unwrap_err(),
            UrlError::InvalidPort
        );
        assert_eq!(
            go_parse("smtp://u:p?ss@h:25").unwrap_err(),
            UrlError::InvalidPort
        );
        assert_eq!(
            go_parse("smtp://u:p#ss@h:25").unwrap_err(),
            UrlError::InvalidPort
        );
        assert_eq!(
            reserved_in_userinfo("smtp://u:p/s#s@h:25"),
            vec![('/', "%2F"), ('#', "%23")]
        );
        assert!(reserved_in_userinfo("smtp://u:p%2Fss@h:25/x").is_empty());
    }

    #[test]
    fn invalid_userinfo_and_escapes() {
        assert_eq!(
            go_parse("smtp://u:p ss@h:25").unwrap_err(),
            UrlError::InvalidUserinfo
        );
        assert_eq!(
            go_parse("smtp://u:pé@h:25").unwrap_err(),
            UrlError::InvalidUserinfo
        );
        assert!(matches!(
            go_parse("smtp://u:p%zz@h:25").unwrap_err(),
            UrlError::InvalidEscape { .. }
        ));
        assert!(matches!(
            go_parse("smtp://u:p%2@h:25").unwrap_err(),
            UrlError::InvalidEscape { .. }
        ));
        assert_eq!(invalid_in_userinfo("smtp://u:a b^c@h:1"), vec![' ', '^']);
    }

    #[test]
    fn missing_port_dials_zero() {
        let u = SmtpUri::parse("smtp://u:p@h").unwrap();
        assert_eq!((u.port, u.port_text.as_str()), (0, ""));
        let u = SmtpUri::parse("smtp://h:/").unwrap();
        assert_eq!(u.port, 0);
    }

    #[test]
    fn query_flags_use_go_parse_bool() {
        let u = SmtpUri::parse("smtp://h:25/?skip_ssl_verify=yes&disable_starttls=TRUE").unwrap();
        assert!(!u.skip_ssl_verify);
        assert!(u.disable_starttls);
        let u =
            SmtpUri::parse("smtps://h:465/?disable_starttls=true&server_name=mail.test").unwrap();
        assert!(!u.disable_starttls, "only read for smtp://");
        assert_eq!(u.tls_name(), "mail.test");
        assert_eq!(go_parse_bool("on"), None);
    }

    #[test]
    fn ipv6_literal() {
        let u = SmtpUri::parse("smtp://[::1]:25").unwrap();
        assert!(u.ipv6_literal);
        assert_eq!(u.host, "::1");
        assert_eq!(
            go_parse("smtp://[::1:25").unwrap_err(),
            UrlError::MissingBracket
        );
    }

    #[test]
    fn password_span_and_redaction() {
        let raw = "smtp://user:pa:ss@h:25/";
        let (s, e) = password_span(raw).unwrap();
        assert_eq!(&raw[s..e], "pa:ss");
        assert_eq!(SmtpUri::redacted(raw), "smtp://user:***@h:25/");
        assert_eq!(SmtpUri::redacted("smtp://h:25"), "smtp://h:25");
    }

    #[test]
    fn encoding_round_trips() {
        for pw in ["a@b/c?d#e%f+g:h i", "zoë€", "plain", "%41"] {
            let uri = format!(
                "smtp://{}:{}@h:587",
                encode_userinfo("us:er", true),
                encode_userinfo(pw, false)
            );
            let u = SmtpUri::parse(&uri).unwrap();
            assert_eq!(u.username, "us:er");
            assert_eq!(u.password.expose(), pw, "{uri}");
        }
    }
}
