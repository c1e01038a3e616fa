//! Building connection URIs: the six security modes, the provider presets,
//! and percent-encoding exactly what Kratos' (Go's) parser needs, checked by
//! parsing the result back.

use crate::connection_uri::SmtpUri;
use crate::gourl::{encode_userinfo, query_escape};

/// The six security modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    StartTls,
    StartTlsInsecure,
    Cleartext,
    Tls,
    TlsInsecure,
    TlsServerName,
}

impl Mode {
    /// The usual port of the mode.
    #[must_use]
    pub fn default_port(self) -> u16 {
        match self {
            Mode::StartTls | Mode::StartTlsInsecure => 587,
            Mode::Cleartext => 25,
            Mode::Tls | Mode::TlsInsecure | Mode::TlsServerName => 465,
        }
    }

    /// The mode's name on the command line (`--mode`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Mode::StartTls => "starttls",
            Mode::StartTlsInsecure => "starttls-insecure",
            Mode::Cleartext => "cleartext",
            Mode::Tls => "tls",
            Mode::TlsInsecure => "tls-insecure",
            Mode::TlsServerName => "tls-server-name",
        }
    }

    /// How Kratos treats the mode, in a sentence.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Mode::StartTls => "STARTTLS, mandatory, certificate verified",
            Mode::StartTlsInsecure => {
                "STARTTLS, mandatory, certificate NOT verified (testing only)"
            }
            Mode::Cleartext => {
                "cleartext unless the server offers STARTTLS (then Kratos upgrades and verifies)"
            }
            Mode::Tls => "implicit TLS, certificate verified",
            Mode::TlsInsecure => "implicit TLS, certificate NOT verified (testing only)",
            Mode::TlsServerName => "implicit TLS, certificate verified for server_name",
        }
    }
}

/// A provider preset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preset {
    pub host: String,
    pub port: u16,
    pub mode: Mode,
    /// A fixed user name (`apikey` for SendGrid), if the provider has one.
    pub user: Option<&'static str>,
    /// The password doubles as the user name (Postmark's server token).
    pub token_is_user: bool,
    /// What the user must supply, for help texts.
    pub note: &'static str,
}

/// The preset of a provider (`region` for SES).
pub fn preset(provider: &str, region: Option<&str>) -> Result<Preset, String> {
    let p = |host: &str, user, token_is_user, note| Preset {
        host: host.to_owned(),
        port: 587,
        mode: Mode::StartTls,
        user,
        token_is_user,
        note,
    };
    Ok(match provider {
        "mailgun" => p(
            "smtp.mailgun.org",
            None,
            false,
            "--user is the domain's SMTP login, e.g. postmaster@mg.example.com",
        ),
        "mailgun-eu" => p(
            "smtp.eu.mailgun.org",
            None,
            false,
            "--user is the domain's SMTP login, e.g. postmaster@mg.example.com",
        ),
        "ses" => {
            let region = region.ok_or("--provider ses needs --region, e.g. eu-west-1")?;
            if region.is_empty()
                || !region
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(format!("{region:?} is not an AWS region name"));
            }
            p(
                &format!("email-smtp.{region}.amazonaws.com"),
                None,
                false,
                "--user and the password are the SES SMTP credentials (not the AWS access keys)",
            )
        }
        "postmark" => p(
            "smtp.postmarkapp.com",
            None,
            true,
            "the server API token is both user name and password",
        ),
        "sendgrid" => p(
            "smtp.sendgrid.net",
            Some("apikey"),
            false,
            "the user name is the literal `apikey`; the password is the API key",
        ),
        other => {
            return Err(format!(
                "unknown provider {other:?}: mailgun, mailgun-eu, ses, postmark, sendgrid"
            ));
        }
    })
}

/// The parts of a URI to build.
#[derive(Debug, Clone)]
pub struct Parts {
    pub mode: Mode,
    pub host: String,
    pub port: Option<u16>,
    pub user: String,
    pub password: String,
    pub server_name: Option<String>,
}

/// Why the parts cannot make a URI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("--mode tls-server-name needs --server-name")]
    NoServerName,
    #[error("the host {0:?} is not a host name or IPv4 address Kratos can dial")]
    BadHost(String),
    #[error(
        "parsing the built URI back does not give the same user and password (please report this)"
    )]
    RoundTrip,
}

/// Builds the URI and checks that Kratos reads back the same user and
/// password.
pub fn build(parts: &Parts) -> Result<String, BuildError> {
    let host = &parts.host;
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_');
    if !host_ok {
        return Err(BuildError::BadHost(host.clone()));
    }
    let port = parts.port.unwrap_or_else(|| parts.mode.default_port());
    let scheme = match parts.mode {
        Mode::StartTls | Mode::StartTlsInsecure | Mode::Cleartext => "smtp",
        _ => "smtps",
    };
    let query = match parts.mode {
        Mode::StartTls | Mode::Tls => String::new(),
        Mode::StartTlsInsecure | Mode::TlsInsecure => "?skip_ssl_verify=true".into(),
        Mode::Cleartext => "?disable_starttls=true".into(),
        Mode::TlsServerName => {
            let name = parts
                .server_name
                .as_deref()
                .filter(|s| !s.is_empty())
                .ok_or(BuildError::NoServerName)?;
            format!("?server_name={}", query_escape(name))
        }
    };
    let userinfo = match (parts.user.is_empty(), parts.password.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!("{}@", encode_userinfo(&parts.user, true)),
        _ => format!(
            "{}:{}@",
            encode_userinfo(&parts.user, true),
            encode_userinfo(&parts.password, false)
        ),
    };
    let uri = format!("{scheme}://{userinfo}{host}:{port}/{query}");
    let back = SmtpUri::parse(&uri).map_err(|_| BuildError::RoundTrip)?;
    if back.username != parts.user || back.password.expose() != parts.password || back.host != *host
    {
        return Err(BuildError::RoundTrip);
    }
    Ok(uri)
}

/// The mode Kratos uses for a parsed URI (for `--decode`).
#[must_use]
pub fn mode_of(u: &SmtpUri) -> Mode {
    match (
        u.scheme.as_str(),
        u.skip_ssl_verify,
        u.disable_starttls,
        u.server_name.is_some(),
    ) {
        ("smtps", true, _, _) => Mode::TlsInsecure,
        ("smtps", _, _, true) => Mode::TlsServerName,
        ("smtps", ..) => Mode::Tls,
        (_, _, true, _) => Mode::Cleartext,
        (_, true, _, _) => Mode::StartTlsInsecure,
        _ => Mode::StartTls,
    }
}

#[cfg(test)]
mod tests {
    use super::{Mode, Parts, build, preset};
    use crate::connection_uri::SmtpUri;

    #[test]
    fn modes_and_round_trips() {
        let mut parts = Parts {
            mode: Mode::StartTls,
            host: "smtp.example.com".into(),
            port: None,
            user: "us:er@x".into(),
            password: "p@ss/w#rd?%+: é".into(),
            server_name: None,
        };
        let uri = build(&parts).unwrap();
        assert_eq!(
            uri,
            "smtp://us%3Aer%40x:p%40ss%2Fw%23rd%3F%25+:%20%C3%A9@smtp.example.com:587/"
        );
        let back = SmtpUri::parse(&uri).unwrap();
        assert_eq!(back.password.expose(), parts.password);
        parts.mode = Mode::TlsServerName;
        assert!(build(&parts).is_err());
        parts.server_name = Some("mail.example.com".into());
        assert!(
            build(&parts)
                .unwrap()
                .ends_with(":465/?server_name=mail.example.com")
        );
        parts.mode = Mode::Cleartext;
        assert!(
            build(&parts)
                .unwrap()
                .ends_with(":25/?disable_starttls=true")
        );
        parts.host = "[::1]".into();
        assert!(build(&parts).is_err());
    }

    #[test]
    fn presets() {
        assert_eq!(
            preset("ses", Some("eu-west-1")).unwrap().host,
            "email-smtp.eu-west-1.amazonaws.com"
        );
        assert!(preset("ses", None).is_err());
        assert_eq!(preset("sendgrid", None).unwrap().user, Some("apikey"));
        assert!(preset("postmark", None).unwrap().token_is_user);
        assert!(preset("nope", None).is_err());
    }
}
