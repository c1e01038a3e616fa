//! `courier.smtp.connection_uri`, read exactly as Kratos reads it: Go's URL
//! parser ([`crate::gourl`]), then Kratos' meaning of the parts (security
//! mode, TLS name, port). [`build`] makes URIs from parts.
//!
//! Errors never carry the URI or any part of the user info.

pub mod build;

use crate::gourl::{UrlError, go_parse, password_span, unescape_userinfo, userinfo_char_allowed};
use crate::secret::Secret;

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

/// The secret strings a URI holds, raw and decoded, for the redactor.
#[must_use]
pub fn secrets(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((s, e)) = password_span(raw) {
        let written = &raw[s..e];
        out.push(written.to_owned());
        if let Ok(decoded) = unescape_userinfo(written) {
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

#[cfg(test)]
mod tests {
    use super::{SmtpUri, go_parse_bool, invalid_in_userinfo, reserved_in_userinfo};
    use crate::gourl::password_span;
    use crate::gourl::{UrlError, encode_userinfo, go_parse};

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
