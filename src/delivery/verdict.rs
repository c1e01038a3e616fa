//! The one verdict on a delivery attempt: every SMTP reply or I/O failure
//! and every HTTP status or I/O failure maps, here and only here, to what
//! happens next — sent, retry (after the server's delay, when it gives
//! one), abandon the message, or stop the batch — with what it means as a
//! final outcome (temporary or permanent) and the hint that goes with it.
//! `send`, `test` and batches all judge through it.

use std::time::Duration;

use crate::connection_uri::Security;
use crate::delivery::http::{Answer, SendError};
use crate::delivery::smtp::{Reply, SmtpError, Stage, Target};
use crate::delivery::tls::TlsError;

/// What happens to the message next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The server took it.
    Sent,
    /// Try again later (a batch backs off; with [`Scope::Server`] it takes
    /// no new rows meanwhile).
    Retry,
    /// Give this message up: the server refused it for good.
    Abandon,
    /// The server cannot be used as configured: stop the batch, keep the
    /// rest queued.
    Stop,
}

/// Whose failure it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// This message (its recipient, its content).
    Message,
    /// The server or the way to it: every message would fail alike.
    Server,
}

/// What the outcome means when it is final (the exit status of a single
/// send, or of a batch that stops on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Ok,
    /// Worth trying later: timeouts, SMTP 4xx, HTTP 429/5xx.
    Temporary,
    /// Will not work as configured: unreachable, TLS, authentication,
    /// permanent rejection.
    Permanent,
}

/// The verdict on one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub action: Action,
    pub scope: Scope,
    pub class: Class,
    /// The delay the server asked for (HTTP `Retry-After`).
    pub retry_after: Option<Duration>,
    /// Where it failed: an SMTP stage, or a step of an HTTP exchange.
    pub stage: Option<&'static str>,
    /// The server's answer, on one line.
    pub reply: Option<String>,
    pub error: Option<String>,
    pub hint: Option<String>,
}

impl Verdict {
    fn new(action: Action, scope: Scope, class: Class) -> Self {
        Self {
            action,
            scope,
            class,
            retry_after: None,
            stage: None,
            reply: None,
            error: None,
            hint: None,
        }
    }

    /// `stage: error`, or the error alone.
    #[must_use]
    pub fn describe(&self) -> String {
        let error = self.error.as_deref().unwrap_or_default();
        match self.stage {
            Some(stage) => format!("{stage}: {error}"),
            None => error.to_owned(),
        }
    }
}

/// The verdict on an SMTP session that ended with `result` at `stage`
/// (the stage that failed; `None` before any). Failures up to AUTH are the
/// server's; from `MAIL FROM` on, the message's.
#[must_use]
pub fn smtp(result: Result<&Reply, &SmtpError>, stage: Option<Stage>, target: &Target) -> Verdict {
    let err = match result {
        Ok(reply) => {
            let mut v = Verdict::new(Action::Sent, Scope::Message, Class::Ok);
            v.reply = Some(reply.text());
            return v;
        }
        Err(e) => e,
    };
    let server = stage.is_none_or(|s| s <= Stage::Auth);
    let scope = if server {
        Scope::Server
    } else {
        Scope::Message
    };
    let class = match err {
        SmtpError::Timeout(_) | SmtpError::Closed | SmtpError::Io(_) => Class::Temporary,
        SmtpError::Tls(TlsError::Timeout) => Class::Temporary,
        SmtpError::Reply(r) if (400..500).contains(&r.code) => Class::Temporary,
        _ => Class::Permanent,
    };
    let action = match err {
        // Unreachable now may be reachable later: retried, and a batch
        // stops when it stays so.
        SmtpError::Resolve(_) | SmtpError::Connect(_) => Action::Retry,
        SmtpError::Reply(r) if (500..600).contains(&r.code) && !server => Action::Abandon,
        SmtpError::Reply(r) if (400..500).contains(&r.code) => Action::Retry,
        SmtpError::Timeout(_) | SmtpError::Closed | SmtpError::Io(_) => Action::Retry,
        SmtpError::Tls(TlsError::Timeout) => Action::Retry,
        _ if server => Action::Stop,
        // Anything else mid-transaction (an unexpected reply, a reply the
        // client cannot read) may pass on a fresh connection.
        _ => Action::Retry,
    };
    let mut v = Verdict::new(action, scope, class);
    v.stage = Some(stage.map_or("connect", Stage::name));
    v.reply = match err {
        SmtpError::Reply(r) => Some(r.text()),
        _ => None,
    };
    v.error = Some(err.to_string());
    v.hint = smtp_hint(err, stage, target);
    v
}

/// A hint for the SMTP failures operators meet most.
fn smtp_hint(err: &SmtpError, stage: Option<Stage>, target: &Target) -> Option<String> {
    let port = target.port;
    Some(match err {
        SmtpError::Tls(TlsError::NotTls) => format!(
            "the server speaks plain SMTP on port {port}: use smtp:// (STARTTLS) instead of smtps://"
        ),
        SmtpError::Timeout(_)
            if stage == Some(Stage::Banner) && target.security != Security::ImplicitTls =>
        {
            if port == 465 {
                "port 465 expects TLS from the first byte: use smtps://…:465".to_owned()
            } else {
                "the server sent no greeting: if this port expects implicit TLS, use smtps://"
                    .to_owned()
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
        SmtpError::Connect(_) => format!(
            "nothing accepts connections on {}:{port}: check the host and port",
            target.host
        ),
        SmtpError::Resolve(_) => "check the host name in the connection URI".to_owned(),
        SmtpError::Tls(TlsError::Closed) if target.security == Security::ImplicitTls => format!(
            "the server closed the connection during the handshake: if port {port} speaks STARTTLS, use smtp://"
        ),
        _ => return None,
    })
}

/// The verdict on an HTTP exchange: any 2xx is success (202 included).
#[must_use]
pub fn http(result: Result<&Answer, &SendError>) -> Verdict {
    match result {
        Ok(a) => http_status(a),
        Err(e) => http_failure(e),
    }
}

fn http_status(a: &Answer) -> Verdict {
    let reply = Some(format!("{} {}", a.status, a.body.trim_end()));
    if (200..300).contains(&a.status) {
        let mut v = Verdict::new(Action::Sent, Scope::Message, Class::Ok);
        v.reply = reply;
        return v;
    }
    let throttled = a.status == 429 || (a.status >= 500 && a.status != 501);
    let refused = matches!(a.status, 401 | 403 | 407);
    let mut v = if throttled {
        let mut v = Verdict::new(Action::Retry, Scope::Message, Class::Temporary);
        v.retry_after = a.retry_after;
        v.hint = Some(
            "the provider is throttling or failing: Kratos would retry this message later".into(),
        );
        v
    } else if refused {
        let mut v = Verdict::new(Action::Stop, Scope::Server, Class::Permanent);
        v.hint = Some(
            "the provider refuses the credentials: check request_config.auth and the headers"
                .into(),
        );
        v
    } else {
        let mut v = Verdict::new(Action::Abandon, Scope::Message, Class::Permanent);
        v.hint = Some(
            "check the URL and the payload (`courier render --part request` shows the request)"
                .into(),
        );
        v
    };
    v.reply = reply;
    v.error = Some(format!("the server answered HTTP {}", a.status));
    v
}

fn http_failure(e: &SendError) -> Verdict {
    let (action, scope, class, stage, hint) = match e {
        SendError::Timeout(_) => (
            Action::Retry,
            Scope::Message,
            Class::Temporary,
            "request",
            None,
        ),
        SendError::Resolve(_) => (
            Action::Retry,
            Scope::Server,
            Class::Permanent,
            "resolve",
            Some("check the URL's host, and the proxy settings"),
        ),
        SendError::Connect(_) => (
            Action::Retry,
            Scope::Server,
            Class::Permanent,
            "connect",
            Some("check the URL's host and port, and the proxy settings"),
        ),
        SendError::Proxy(_) => (Action::Stop, Scope::Server, Class::Permanent, "proxy", None),
        SendError::Tls(TlsError::Timeout) => {
            (Action::Retry, Scope::Server, Class::Temporary, "tls", None)
        }
        SendError::Tls(_) => (
            Action::Stop,
            Scope::Server,
            Class::Permanent,
            "tls",
            Some(
                "check the certificate of the endpoint; Kratos verifies it against the system trust store",
            ),
        ),
        SendError::Other(_) => (
            Action::Retry,
            Scope::Message,
            Class::Permanent,
            "request",
            None,
        ),
    };
    let mut v = Verdict::new(action, scope, class);
    v.stage = Some(stage);
    v.error = Some(e.to_string());
    v.hint = hint.map(str::to_owned);
    v
}
