//! From settings to a connection: the SMTP target Kratos would dial, and
//! the hints for the failures operators meet most.

use std::time::Duration;

use crate::config::settings::Smtp;
use crate::connection_uri::Security;
use crate::smtp::{Kind, Session, SmtpError, Stage, Target};
use crate::tls::{TlsError, TlsOptions};

/// The SMTP target for the settings, with a deadline of `timeout`.
#[must_use]
pub fn smtp_target(s: &Smtp, timeout: Duration) -> Target {
    Target {
        host: s.uri.host.clone(),
        port: u16::try_from(s.uri.port).unwrap_or(0),
        security: s.uri.security(),
        tls: TlsOptions {
            name: s.uri.tls_name().to_owned(),
            skip_verify: s.uri.skip_ssl_verify,
            client_cert: s.client_cert.clone(),
        },
        local_name: s.local_name.clone(),
        username: s.uri.username.clone(),
        password: s.uri.password.clone(),
        timeout,
    }
}

/// The name of a security mode, for reports.
#[must_use]
pub fn security_name(security: Security) -> &'static str {
    match security {
        Security::StartTls => "starttls",
        Security::Opportunistic => "opportunistic-starttls",
        Security::ImplicitTls => "implicit-tls",
    }
}

/// The stage a failed session stopped at.
#[must_use]
pub fn failed_stage(session: &Session) -> Option<Stage> {
    session
        .stages
        .iter()
        .rev()
        .find(|s| s.outcome == crate::smtp::Outcome::Failed && s.stage != Stage::Quit)
        .map(|s| s.stage)
}

/// A hint for a known cause, if there is one.
#[must_use]
pub fn hint(err: &SmtpError, stage: Option<Stage>, target: &Target) -> Option<String> {
    let port = target.port;
    Some(match err {
        SmtpError::Tls(TlsError::NotTls) => format!(
            "the server speaks plain SMTP on port {port}: use smtp:// (STARTTLS) instead of smtps://"
        ),
        SmtpError::Timeout(_) if stage == Some(Stage::Banner) && target.security != Security::ImplicitTls => {
            if port == 465 {
                "port 465 expects TLS from the first byte: use smtps://…:465".to_owned()
            } else {
                "the server sent no greeting: if this port expects implicit TLS, use smtps://".to_owned()
            }
        }
        SmtpError::Tls(TlsError::NameMismatch { .. }) => {
            "add ?server_name=NAME to the URI with a name the certificate is valid for (see the names above)"
                .to_owned()
        }
        SmtpError::Tls(TlsError::Untrusted(_)) => "trust the issuing CA (for courier: SSL_CERT_FILE=ca.pem; for Kratos: \
             the system trust store), or add ?skip_ssl_verify=true for testing only"
            .to_owned(),
        SmtpError::Reply(r) if stage == Some(Stage::Auth) && r.code == 535 => {
            "the server rejected the credentials: check the user name, and that the password is \
             percent-encoded in the URI (/ as %2F, # as %23, ? as %3F, @ as %40, % as %25)"
                .to_owned()
        }
        SmtpError::PlainRefused => {
            "use TLS (smtp:// without disable_starttls, or smtps://); cleartext AUTH PLAIN works only to localhost"
                .to_owned()
        }
        SmtpError::NoStartTls => "use smtps:// if the server has an implicit-TLS port (465); \
             ?disable_starttls=true allows cleartext (not recommended)"
            .to_owned(),
        SmtpError::Connect(_) => format!("nothing accepts connections on {}:{port}: check the host and port", target.host),
        SmtpError::Resolve(_) => "check the host name in the connection URI".to_owned(),
        SmtpError::Tls(TlsError::Closed) if target.security == Security::ImplicitTls => {
            format!("the server closed the connection during the handshake: if port {port} speaks STARTTLS, use smtp://")
        }
        _ => return None,
    })
}

/// Exit status of a failed session.
#[must_use]
pub fn status_of(err: &SmtpError) -> crate::exit::ExitStatus {
    match err.kind() {
        Kind::Transient => crate::exit::ExitStatus::TempFail,
        Kind::Permanent => crate::exit::ExitStatus::Unavailable,
    }
}

/// Loads a request config's Jsonnet body (the default body for the
/// default marker), with its display name.
pub fn body_code(
    cfg: &crate::request::RequestConfig,
    online: bool,
) -> anyhow::Result<(String, String)> {
    use crate::config::settings::{DEFAULT_BODY, DEFAULT_BODY_URI};
    use crate::exit::{ExitStatus, StatusError};
    let Some(uri) = cfg.body.as_deref() else {
        return Err(StatusError {
            status: ExitStatus::Config,
            message: "the request config has no body: Kratos fails with \"got empty template path for request with body\"".into(),
            hint: Some("add `body: file://...` with a Jsonnet template".into()),
        }
        .into());
    };
    if uri == DEFAULT_BODY_URI {
        return Ok(("default body".into(), DEFAULT_BODY.into()));
    }
    let name = if uri.starts_with("base64://") {
        "base64 body".to_owned()
    } else {
        uri.strip_prefix("file://").unwrap_or(uri).to_owned()
    };
    match crate::fetch::load(uri, online) {
        Ok(Some(code)) => Ok((name, code)),
        Ok(None) => Err(StatusError {
            status: ExitStatus::Unavailable,
            message: format!("{name}: the remote body was not fetched"),
            hint: None,
        }
        .into()),
        Err(e) => Err(StatusError {
            status: match e {
                crate::fetch::LoadError::File { .. } => ExitStatus::NoInput,
                crate::fetch::LoadError::Http { .. } => ExitStatus::Unavailable,
                _ => ExitStatus::DataErr,
            },
            message: format!("cannot load the Jsonnet body: {e}"),
            hint: None,
        }
        .into()),
    }
}

/// The request with secret header values masked, for display.
#[must_use]
pub fn masked_headers(
    req: &crate::request::HttpRequest,
    cfg: &crate::request::RequestConfig,
) -> Vec<(String, String)> {
    let api_key = match &cfg.auth {
        Some(crate::request::Auth::ApiKey {
            name,
            in_cookie: false,
            ..
        }) => Some(crate::request::canonical(name)),
        _ => None,
    };
    req.headers
        .iter()
        .map(|(k, v)| {
            let secret = k == "Authorization"
                || k == "Cookie"
                || api_key.as_deref() == Some(k.as_str())
                || crate::config::is_secret_header(k);
            let shown = if !secret {
                v.clone()
            } else if let Some((scheme, _)) = v.split_once(' ').filter(|_| k == "Authorization") {
                format!("{scheme} {}", crate::secret::MASK)
            } else if k == "Cookie" {
                v.split("; ")
                    .map(|c| {
                        c.split_once('=').map_or(c.to_owned(), |(n, _)| {
                            format!("{n}={}", crate::secret::MASK)
                        })
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            } else {
                crate::secret::MASK.to_owned()
            };
            (k.clone(), shown)
        })
        .collect()
}
