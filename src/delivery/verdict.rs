//! The one verdict on a delivery attempt: every SMTP reply or I/O failure
//! and every HTTP status or I/O failure maps, here and only here, to what
//! happens next — sent, retry (after the server's delay, when it gives
//! one), abandon the message, stop the batch, or leave it uncertain (its
//! body went out, its reply never came) — with what it means as a
//! final outcome (temporary or permanent) and the hint that goes with it.
//! `send`, `test` and batches all judge through it. The server's words
//! (replies, bodies, error text) are scrubbed of known secrets here, as
//! they enter courier's results.

use std::time::Duration;

use crate::connection_uri::Security;
use crate::delivery::http::{Answer, SendError};
use crate::delivery::smtp::{Reply, SmtpError, Stage, Target};
use crate::delivery::tls::TlsError;
use crate::release::Release;
use crate::secret::scrub;

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
    /// The whole body went out and its final reply never came: the server
    /// may have stored the message. Never retried by itself (it could
    /// arrive twice); `--resend-uncertain` sends it again.
    Uncertain,
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

/// A message abandoned before any attempt (nothing was dialled), with why
/// and what would help.
#[must_use]
pub fn unattempted(error: &str, hint: &str) -> Verdict {
    let mut v = Verdict::new(Action::Abandon, Scope::Message, Class::Permanent);
    v.error = Some(error.to_owned());
    v.hint = Some(hint.to_owned());
    v
}

/// The verdict on an SMTP session that ended with `result` at `stage`
/// (the stage that failed; `None` before any). Failures up to AUTH are the
/// server's; from `MAIL FROM` on, the message's, except a reply past
/// courier's bounds, which is the server's wherever it comes.
#[must_use]
pub fn smtp(result: Result<&Reply, &SmtpError>, stage: Option<Stage>, target: &Target) -> Verdict {
    let err = match result {
        Ok(reply) => {
            let mut v = Verdict::new(Action::Sent, Scope::Message, Class::Ok);
            v.reply = Some(scrub(&reply.text()));
            return v;
        }
        Err(e) => e,
    };
    let dialing = stage.is_none_or(|s| s <= Stage::Auth);
    // No message makes a server answer with an endless reply: retried on
    // a fresh connection mid-transaction, a batch stops (its rows queued)
    // when it stays so, instead of abandoning every message. A 421 is the
    // server closing the channel (busy, rate-limited) whatever the stage:
    // the whole batch backs off, as for an HTTP 429.
    let server = dialing
        || matches!(err, SmtpError::Overrun(_))
        || matches!(err, SmtpError::Reply(r) if r.code == 421);
    let scope = if server {
        Scope::Server
    } else {
        Scope::Message
    };
    let class = match err {
        SmtpError::Timeout(_) | SmtpError::Closed | SmtpError::Io(_) => Class::Temporary,
        SmtpError::Tls(TlsError::Timeout) => Class::Temporary,
        SmtpError::Reply(r) if (400..500).contains(&r.code) => Class::Temporary,
        // A server that breaks the protocol (a reply courier cannot read,
        // one past the bounds, data injected at STARTTLS) will not mend
        // by itself: permanent, like TLS and AUTH failures.
        _ => Class::Permanent,
    };
    let action = match err {
        // Unreachable now may be reachable later: retried, and a batch
        // stops when it stays so.
        SmtpError::Resolve(_) | SmtpError::Connect(_) => Action::Retry,
        SmtpError::Reply(r) if (500..600).contains(&r.code) && !dialing => Action::Abandon,
        SmtpError::Reply(r) if (400..500).contains(&r.code) => Action::Retry,
        SmtpError::Timeout(_) | SmtpError::Closed | SmtpError::Io(_) => Action::Retry,
        SmtpError::Tls(TlsError::Timeout) => Action::Retry,
        // This message cannot go to this server as written; others can.
        SmtpError::Envelope(_) => Action::Abandon,
        _ if dialing => Action::Stop,
        // Anything else mid-transaction (an unexpected reply, a reply the
        // client cannot read or one past the bounds) may pass on a fresh
        // connection.
        _ => Action::Retry,
    };
    let mut v = Verdict::new(action, scope, class);
    v.stage = stage.map(Stage::name);
    v.reply = match err {
        SmtpError::Reply(r) => Some(scrub(&r.text())),
        _ => None,
    };
    v.error = Some(scrub(&err.to_string()));
    v.hint = smtp_hint(err, stage, target);
    v
}

/// A hint for the SMTP failures operators meet most.
fn smtp_hint(err: &SmtpError, stage: Option<Stage>, target: &Target) -> Option<String> {
    let port = target.port;
    Some(match err {
        SmtpError::Envelope(m) if m.contains("SMTPUTF8") => {
            "a server takes an address that is not ASCII only when its EHLO offers SMTPUTF8 (RFC 6531)"
                .to_owned()
        }
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
        SmtpError::Tls(e @ (TlsError::NameMismatch { .. } | TlsError::Untrusted(_))) => {
            tls_hint(e, target)
        }
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
        SmtpError::Refused(r) => r.hint(),
        SmtpError::Overrun(_) => format!(
            "the server on {}:{port} does not answer as an SMTP server does (RFC 5321 reply lines \
             are at most 512 bytes): check the host and port",
            target.host
        ),
        SmtpError::StartTlsInjection => "cleartext was added to the server's answer to STARTTLS, by \
             something on the path or by the server: courier sent no credentials; check the \
             network path, or use smtps://"
            .to_owned(),
        SmtpError::Tls(TlsError::Closed) if target.security == Security::ImplicitTls => format!(
            "the server closed the connection during the handshake: if port {port} speaks STARTTLS, use smtp://"
        ),
        _ => return None,
    })
}

/// What to change when the certificate fails, from what the URI already
/// says: with `disable_starttls=true` Kratos upgrades with its default
/// verification, ignoring `skip_ssl_verify` and `server_name`, so adding
/// either would change nothing.
fn tls_hint(err: &TlsError, target: &Target) -> String {
    const TRUST: &str = "trust the issuing CA (for courier: SSL_CERT_FILE=ca.pem; for Kratos: the system trust store)";
    let opportunistic = target.security == Security::Opportunistic;
    let named = target.tls.name != target.host;
    match err {
        TlsError::NameMismatch { .. } if opportunistic => format!(
            "with disable_starttls=true Kratos checks the certificate against the host `{}` and \
             ignores server_name: connect by a name the certificate is valid for (see the names above)",
            target.host
        ),
        TlsError::NameMismatch { .. } if named => format!(
            "the certificate is not valid for server_name `{}`: set ?server_name= to a name it is \
             valid for (see the names above)",
            target.tls.name
        ),
        TlsError::NameMismatch { .. } => "add ?server_name=NAME to the URI with a name the \
             certificate is valid for (see the names above)"
            .to_owned(),
        _ if opportunistic => format!(
            "with disable_starttls=true Kratos verifies the certificate whenever the server offers \
             STARTTLS, ignoring skip_ssl_verify: {TRUST}; or, for testing only, drop \
             disable_starttls and keep ?skip_ssl_verify=true"
        ),
        _ => format!("{TRUST}, or add ?skip_ssl_verify=true for testing only"),
    }
}

/// A failure after the whole body was written, before its final reply
/// (a cut connection, a timeout): the message may have been stored.
#[must_use]
pub fn uncertain(failed: Verdict) -> Verdict {
    Verdict {
        action: Action::Uncertain,
        scope: Scope::Message,
        class: Class::Temporary,
        hint: Some(
            "the server may have stored this message: it is not sent again by itself; \
             --resend-uncertain sends it (it could then arrive twice)"
                .into(),
        ),
        ..failed
    }
}

/// The verdict on an HTTP exchange as release `r` judges it: any 2xx is
/// success (202 included); before v1.1.0, only 200 and 201.
#[must_use]
pub fn http(result: Result<&Answer, &SendError>, r: Release) -> Verdict {
    match result {
        Ok(a) if !accepted(a.status, r) && (200..300).contains(&a.status) => {
            let mut v = Verdict::new(Action::Abandon, Scope::Message, Class::Permanent);
            v.reply = Some(scrub(&format!("{} {}", a.status, a.body.trim_end())));
            v.error = Some(format!(
                "the server answered HTTP {}, and Kratos {r} counts only 200 and 201 as sent",
                a.status
            ));
            v.hint = Some(
                "Kratos retries the message until message_retries runs out: make the provider \
                 answer 200 or 201, or upgrade Kratos (v1.1.0 accepts any 2xx)"
                    .into(),
            );
            v
        }
        _ => http_at(result, None),
    }
}

/// Whether release `r` counts `status` as sent.
fn accepted(status: u16, r: Release) -> bool {
    if r.has(crate::release::CHANNELS) {
        (200..300).contains(&status)
    } else {
        matches!(status, 200 | 201)
    }
}

/// [`http`], where the caller knows the step that failed (`courier test`
/// walks resolve, connect, proxy and TLS one by one).
#[must_use]
pub fn http_at(result: Result<&Answer, &SendError>, step: Option<&'static str>) -> Verdict {
    match result {
        Ok(a) => http_status(a),
        Err(e) => {
            let mut v = http_failure(e);
            if let Some(step) = step {
                v.stage = Some(step);
                if v.hint.is_none() && matches!(step, "resolve" | "connect") {
                    v.hint = Some(CHECK_HOST.to_owned());
                }
            }
            v
        }
    }
}

const CHECK_HOST: &str = "check the URL's host and port, and the proxy settings";

fn http_status(a: &Answer) -> Verdict {
    let mut reply = format!("{} {}", a.status, a.body.trim_end());
    if let Some(cut) = &a.cut {
        reply.push_str(&format!(" [{cut}]"));
    }
    let reply = Some(scrub(&reply));
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
    if let SendError::Refused(r) = e {
        let mut v = Verdict::new(Action::Stop, Scope::Server, Class::Permanent);
        v.stage = Some("connect");
        v.error = Some(scrub(&e.to_string()));
        v.hint = Some(r.hint());
        return v;
    }
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
            Some(CHECK_HOST),
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
        // The server points elsewhere: every message would go the same way.
        SendError::Redirect(..) => (
            Action::Stop,
            Scope::Server,
            Class::Permanent,
            "redirect",
            Some(
                "point the URL at the address the server redirects to (`courier test` follows the redirects and shows them)",
            ),
        ),
        SendError::Refused(_) | SendError::Other(_) => (
            Action::Retry,
            Scope::Message,
            Class::Permanent,
            "request",
            None,
        ),
    };
    let mut v = Verdict::new(action, scope, class);
    v.stage = Some(stage);
    v.error = Some(scrub(&e.to_string()));
    v.hint = hint.map(str::to_owned);
    v
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Action, Class, Scope, Verdict, http, smtp};
    use crate::connection_uri::Security;
    use crate::delivery::http::redirect::RedirectError;
    use crate::delivery::http::{Answer, SendError};
    use crate::delivery::smtp::{Overrun, Reply, SmtpError, Stage, Target};
    use crate::delivery::tls::{TlsError, TlsOptions};
    use crate::release::Release;
    use crate::secret::Secret;

    fn target(port: u16, security: Security) -> Target {
        Target {
            host: "mail.example.com".into(),
            port,
            security,
            tls: TlsOptions {
                name: "mail.example.com".into(),
                skip_verify: false,
                client_cert: None,
            },
            local_name: "localhost".into(),
            username: "u".into(),
            password: Secret::new("p"),
            timeout: Duration::from_secs(10),
            guard: crate::delivery::ssrf::SmtpRule {
                release: crate::release::Release::DEFAULT,
                disallow: false,
            },
        }
    }

    /// The TLS hints never ask for what the URI already has, nor for what
    /// Kratos would ignore.
    #[test]
    fn tls_hints_follow_the_uri() {
        let untrusted = || SmtpError::Tls(TlsError::Untrusted("unknown CA".into()));
        let mismatch = || {
            SmtpError::Tls(TlsError::NameMismatch {
                name: "x".into(),
                detail: "d".into(),
            })
        };
        let hint = |e: SmtpError, t: &Target| smtp(Err(&e), Some(Stage::Tls), t).hint.unwrap();
        let mut opportunistic = target(25, Security::Opportunistic);
        opportunistic.tls.skip_verify = true;
        let h = hint(untrusted(), &opportunistic);
        assert!(
            h.contains("ignoring skip_ssl_verify") && h.contains("drop disable_starttls"),
            "{h}"
        );
        let h = hint(mismatch(), &opportunistic);
        assert!(
            h.contains("ignores server_name") && !h.contains("add ?server_name"),
            "{h}"
        );
        let mut named = target(465, Security::ImplicitTls);
        named.tls.name = "mx.example.com".into();
        let h = hint(mismatch(), &named);
        assert!(
            h.contains("not valid for server_name `mx.example.com`"),
            "{h}"
        );
        let plain = target(465, Security::ImplicitTls);
        assert!(hint(mismatch(), &plain).contains("add ?server_name=NAME"));
        assert!(hint(untrusted(), &plain).contains("add ?skip_ssl_verify=true"));
    }

    fn reply(code: u16) -> SmtpError {
        SmtpError::Reply(Reply {
            code,
            lines: vec!["text".into()],
        })
    }

    fn is(v: &Verdict, action: Action, scope: Scope, class: Class) -> bool {
        (v.action, v.scope, v.class) == (action, scope, class)
    }

    /// An error at a stage, what it should come to, and a piece of its hint.
    type Row = (
        SmtpError,
        Option<Stage>,
        Action,
        Scope,
        Class,
        Option<&'static str>,
    );

    #[test]
    fn every_smtp_class() {
        use Action::{Abandon, Retry, Stop};
        use Class::{Permanent, Temporary};
        use Scope::{Message, Server};
        let t = target(587, Security::StartTls);
        let ok = Reply {
            code: 250,
            lines: vec!["queued".into()],
        };
        let sent = smtp(Ok(&ok), None, &t);
        assert!(is(&sent, Action::Sent, Message, Class::Ok));
        assert_eq!(sent.reply.as_deref(), Some("250 queued"));
        let untrusted = SmtpError::Tls(TlsError::Untrusted("unknown CA".into()));
        #[rustfmt::skip]
        let rows: Vec<Row> = vec![
            (SmtpError::Connect("refused".into()), Some(Stage::Connect), Retry, Server, Permanent, Some("nothing accepts")),
            (SmtpError::Resolve("x".into()), Some(Stage::Connect), Retry, Server, Permanent, Some("host name")),
            (SmtpError::Timeout(Duration::from_secs(10)), Some(Stage::Banner), Retry, Server, Temporary, Some("no greeting")),
            (reply(421), Some(Stage::Banner), Retry, Server, Temporary, None),
            (reply(554), Some(Stage::Banner), Stop, Server, Permanent, None),
            (reply(535), Some(Stage::Auth), Stop, Server, Permanent, Some("percent-encoded")),
            (untrusted, Some(Stage::Tls), Stop, Server, Permanent, Some("SSL_CERT_FILE")),
            (SmtpError::Tls(TlsError::Timeout), Some(Stage::Tls), Retry, Server, Temporary, None),
            (SmtpError::Tls(TlsError::NotTls), Some(Stage::Tls), Stop, Server, Permanent, Some("plain SMTP")),
            (SmtpError::NoStartTls, Some(Stage::Tls), Stop, Server, Permanent, Some("smtps://")),
            (SmtpError::PlainRefused, Some(Stage::Auth), Stop, Server, Permanent, Some("localhost")),
            (reply(451), Some(Stage::Rcpt), Retry, Message, Temporary, None),
            (reply(421), Some(Stage::Rcpt), Retry, Server, Temporary, None),
            (reply(550), Some(Stage::Rcpt), Abandon, Message, Permanent, None),
            (reply(552), Some(Stage::Data), Abandon, Message, Permanent, None),
            (SmtpError::Closed, Some(Stage::Data), Retry, Message, Temporary, None),
            (SmtpError::Io("reset".into()), Some(Stage::Mail), Retry, Message, Temporary, None),
            (SmtpError::Protocol("garbage".into()), Some(Stage::Mail), Retry, Message, Permanent, None),
            (SmtpError::Overrun(Overrun::Lines), Some(Stage::Ehlo), Stop, Server, Permanent, Some("host and port")),
            (SmtpError::Overrun(Overrun::Line), Some(Stage::Banner), Stop, Server, Permanent, Some("512 bytes")),
            (SmtpError::Overrun(Overrun::Bytes), Some(Stage::Rcpt), Retry, Server, Permanent, Some("host and port")),
            (SmtpError::StartTlsInjection, Some(Stage::Tls), Stop, Server, Permanent, Some("no credentials")),
            (SmtpError::Timeout(Duration::from_secs(10)), Some(Stage::Ehlo), Retry, Server, Temporary, None),
            (reply(250), Some(Stage::Data), Retry, Message, Permanent, None),
        ];
        for (err, stage, action, scope, class, hint) in rows {
            let v = smtp(Err(&err), stage, &t);
            assert!(is(&v, action, scope, class), "{err:?} at {stage:?}: {v:?}");
            match hint {
                Some(h) => assert!(
                    v.hint.as_deref().is_some_and(|x| x.contains(h)),
                    "{err:?}: {v:?}"
                ),
                None => assert_eq!(v.hint, None, "{err:?}"),
            }
            assert_eq!(v.stage, stage.map(Stage::name));
            assert_eq!(v.reply.is_some(), matches!(err, SmtpError::Reply(_)));
        }
        let implicit = target(465, Security::ImplicitTls);
        let v = smtp(
            Err(&SmtpError::Tls(TlsError::Closed)),
            Some(Stage::Tls),
            &implicit,
        );
        assert!(v.hint.is_some_and(|h| h.contains("use smtp://")));
    }

    fn answer(status: u16, retry_after: Option<u64>) -> Answer {
        Answer {
            status,
            body: "body".into(),
            retry_after: retry_after.map(Duration::from_secs),
            cut: None,
        }
    }

    #[test]
    fn every_http_class() {
        use Action::{Abandon, Retry, Sent, Stop};
        use Class::{Permanent, Temporary};
        use Scope::{Message, Server};
        #[rustfmt::skip]
        let statuses = [
            (200, Sent, Message, Class::Ok),
            (202, Sent, Message, Class::Ok),
            (429, Retry, Message, Temporary),
            (500, Retry, Message, Temporary),
            (503, Retry, Message, Temporary),
            (501, Abandon, Message, Permanent),
            (400, Abandon, Message, Permanent),
            (404, Abandon, Message, Permanent),
            (401, Stop, Server, Permanent),
            (403, Stop, Server, Permanent),
            (407, Stop, Server, Permanent),
        ];
        for (status, action, scope, class) in statuses {
            let v = http(Ok(&answer(status, None)), Release::DEFAULT);
            assert!(is(&v, action, scope, class), "{status}: {v:?}");
            assert_eq!(v.reply.as_deref(), Some(format!("{status} body").as_str()));
            assert_eq!(v.error.is_some(), action != Sent);
        }
        // Kratos v1.0.0 counts only 200 and 201 as sent.
        for (status, action) in [(200, Sent), (201, Sent), (202, Abandon), (204, Abandon)] {
            let v = http(Ok(&answer(status, None)), Release::V1_0_0);
            assert_eq!(v.action, action, "{status}: {v:?}");
        }
        let v = http(Ok(&answer(429, Some(30))), Release::DEFAULT);
        assert_eq!(v.retry_after, Some(Duration::from_secs(30)));
        assert!(v.hint.is_some_and(|h| h.contains("throttling")));
        let slow = Answer {
            cut: Some("the body did not end within the 10s timeout".into()),
            ..answer(400, None)
        };
        let v = http(Ok(&slow), Release::DEFAULT);
        assert!(is(&v, Abandon, Message, Permanent), "the status decides");
        assert_eq!(
            v.reply.as_deref(),
            Some("400 body [the body did not end within the 10s timeout]")
        );
        let tls_timeout = SendError::Tls(TlsError::Timeout);
        let untrusted = SendError::Tls(TlsError::Untrusted("x".into()));
        #[rustfmt::skip]
        let failures = [
            (SendError::Timeout(Duration::from_secs(10)), Retry, Message, Temporary, "request"),
            (SendError::Resolve("x".into()), Retry, Server, Permanent, "resolve"),
            (SendError::Connect("refused".into()), Retry, Server, Permanent, "connect"),
            (SendError::Proxy("403".into()), Stop, Server, Permanent, "proxy"),
            (tls_timeout, Retry, Server, Temporary, "tls"),
            (untrusted, Stop, Server, Permanent, "tls"),
            (SendError::Other("reset".into()), Retry, Message, Permanent, "request"),
            (SendError::Redirect(RedirectError::TooMany, String::new()), Stop, Server, Permanent, "redirect"),
        ];
        for (err, action, scope, class, stage) in failures {
            let v = http(Err(&err), Release::DEFAULT);
            assert!(is(&v, action, scope, class), "{err:?}: {v:?}");
            assert_eq!(v.stage, Some(stage));
            assert!(v.describe().starts_with(&format!("{stage}: ")));
        }
    }

    #[test]
    fn a_known_step_names_the_failure() {
        use super::http_at;
        let timeout = SendError::Timeout(Duration::from_secs(1));
        let v = http_at(Err(&timeout), Some("connect"));
        assert_eq!(v.describe(), "connect: timed out after 1s");
        assert!(v.hint.is_some_and(|h| h.contains("host and port")));
        assert_eq!(v.class, Class::Temporary);
        let v = http_at(Err(&timeout), Some("proxy"));
        assert!(v.describe().starts_with("proxy: "), "{v:?}");
    }
}
