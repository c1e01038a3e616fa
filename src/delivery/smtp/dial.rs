//! Dialing as Kratos' mailer dials: connect, the banner, EHLO (HELO as
//! fallback), STARTTLS or implicit TLS by the URI's scheme, EHLO again,
//! AUTH; each a recorded stage.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Instant;

use super::auth;
use super::reply::Reply;
use super::session::{Session, SmtpError, Stage, Target};
use crate::connection_uri::Security;
use crate::delivery::socket::Socket;
use crate::delivery::tls::{self, Stream, TlsOptions};

/// Opens a session and walks it up to and including `until` (at most
/// [`Stage::Auth`]), recording every step. On error the session is still
/// returned for its record.
pub fn open(target: &Target, until: Stage) -> (Session, Result<(), SmtpError>) {
    let mut s = Session::new(target.timeout);
    let r = walk_open(&mut s, target, until);
    (s, r)
}

fn walk_open(s: &mut Session, target: &Target, until: Stage) -> Result<(), SmtpError> {
    // Connect.
    let start = Instant::now();
    let r = connect(s, target);
    s.record(Stage::Connect, start, &r, r.clone().unwrap_or_default());
    r?;
    if until == Stage::Connect {
        return Ok(());
    }
    let implicit = target.security == Security::ImplicitTls;
    if implicit {
        handshake(s, &target.tls, "implicit TLS")?;
    }
    banner(s)?;
    // With implicit TLS the greeting comes over TLS: a probe that stops
    // after TLS still reads it, so that QUIT follows it.
    if until == Stage::Banner || (implicit && until == Stage::Tls) {
        return Ok(());
    }
    ehlo(s, target)?;
    if until == Stage::Ehlo {
        return Ok(());
    }
    // STARTTLS.
    if !implicit {
        let offered = s.has_ext("STARTTLS");
        match (target.security, offered) {
            (Security::StartTls, false) => {
                let r: Result<(), SmtpError> = Err(SmtpError::NoStartTls);
                s.record(Stage::Tls, Instant::now(), &r, String::new());
                return r;
            }
            (Security::Opportunistic, false) => {
                s.info("the server does not offer STARTTLS: the session stays in cleartext (disable_starttls=true)");
                s.skip(Stage::Tls, "not offered; cleartext");
            }
            (Security::Opportunistic, true) => {
                s.info(format!(
                    "the server offers STARTTLS, so Kratos upgrades despite disable_starttls=true, verifying the \
                     certificate for {:?} (skip_ssl_verify, server_name and client certificates do not apply)",
                    target.host
                ));
                let default_tls = TlsOptions {
                    name: target.host.clone(),
                    skip_verify: false,
                    client_cert: None,
                };
                starttls(s, target, &default_tls)?;
            }
            _ => starttls(s, target, &target.tls)?,
        }
        if until == Stage::Tls {
            return Ok(());
        }
    }
    // AUTH.
    auth::auth(s, target)
}

fn banner(s: &mut Session) -> Result<(), SmtpError> {
    let start = Instant::now();
    let r = s.read_reply().and_then(|r| {
        if r.code == 220 {
            Ok(r)
        } else {
            Err(SmtpError::Reply(r))
        }
    });
    // A refusal (554) is a greeting too: QUIT may follow it.
    s.greeted = matches!(r, Ok(_) | Err(SmtpError::Reply(_)));
    s.record(
        Stage::Banner,
        start,
        &r,
        r.as_ref().map(Reply::text).unwrap_or_default(),
    );
    r.map(|_| ())
}

fn connect(s: &mut Session, target: &Target) -> Result<String, SmtpError> {
    let addrs: Vec<_> = (target.host.as_str(), target.port)
        .to_socket_addrs()
        .map_err(|_| SmtpError::Resolve(format!("{}:{}", target.host, target.port)))?
        .collect();
    if addrs.is_empty() {
        return Err(SmtpError::Resolve(target.host.clone()));
    }
    s.info(format!("connecting to {}:{}", target.host, target.port));
    let mut last = None;
    let mut refused = None;
    for addr in addrs {
        // Kratos' dialer judges every address before it dials it.
        if let Err(r) = target.guard.check(&target.host, addr.ip()) {
            s.info(r.to_string());
            refused.get_or_insert(r);
            continue;
        }
        let left = s.remaining()?;
        match TcpStream::connect_timeout(&addr, left) {
            Ok(tcp) => {
                let _ = tcp.set_nodelay(true);
                s.stream = Some(Stream::Plain(Socket::from(tcp)));
                s.info(format!("connected to {addr}"));
                return Ok(format!("{addr}"));
            }
            Err(e) => last = Some(e),
        }
    }
    if let (Some(r), None) = (refused.clone(), &last) {
        return Err(SmtpError::Refused(r));
    }
    Err(match last {
        Some(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) =>
        {
            SmtpError::Timeout(target.timeout)
        }
        Some(e) => SmtpError::Connect(e.to_string()),
        None => SmtpError::Resolve(target.host.clone()),
    })
}

fn handshake(s: &mut Session, options: &TlsOptions, how: &str) -> Result<(), SmtpError> {
    let start = Instant::now();
    let prepared = match tls::prepare(options) {
        Ok(p) => p,
        Err(e) => {
            let r: Result<(), SmtpError> = Err(SmtpError::Tls(e));
            s.record(Stage::Tls, start, &r, String::new());
            return r;
        }
    };
    let r = (|| {
        // The socket ends the whole handshake by the session's deadline.
        s.arm()?;
        let Some(Stream::Plain(socket)) = s.stream.take() else {
            return Err(SmtpError::Protocol("TLS requested twice".into()));
        };
        let (stream, info) = prepared.connect(socket).map_err(SmtpError::Tls)?;
        s.stream = Some(Stream::Tls(Box::new(stream)));
        Ok(info)
    })();
    let cert = match &r {
        Ok(info) => {
            s.info(format!(
                "TLS started ({how}): {} {}",
                info.version, info.cipher
            ));
            info.certificate.clone()
        }
        Err(_) => prepared.peer_certificate(),
    };
    if let Some(c) = cert {
        s.info(format!("peer certificate: subject {}", c.subject));
        if !c.sans.is_empty() {
            s.info(format!("peer certificate: names {}", c.sans.join(", ")));
        }
        s.info(format!(
            "peer certificate: issuer {}; expires {}{}",
            c.issuer,
            c.not_after,
            if c.expired { " (EXPIRED)" } else { "" }
        ));
    }
    if let Ok(info) = &r {
        s.info(format!("verification: {}", info.verification));
        s.tls = Some(info.clone());
    }
    let detail = r
        .as_ref()
        .map(|i| format!("{} {}", i.version, i.cipher))
        .unwrap_or_default();
    s.record(Stage::Tls, start, &r, detail);
    r.map(|_| ())
}

fn starttls(s: &mut Session, target: &Target, options: &TlsOptions) -> Result<(), SmtpError> {
    let start = Instant::now();
    let mut r = s.cmd("STARTTLS", "STARTTLS", &[220]).map(|_| ());
    // Bytes already read past the 220 came in cleartext, from anyone on
    // the path, and would be read as if they came over TLS (a forged EHLO
    // answer, say): refuse, as Postfix does, and hang up without QUIT.
    if r.is_ok() && !s.buf.is_empty() {
        s.drop_connection();
        r = Err(SmtpError::StartTlsInjection);
    }
    if r.is_err() {
        s.record(Stage::Tls, start, &r, String::new());
        return r;
    }
    // Nothing learnt in cleartext is trusted under TLS: the extensions
    // come again from the EHLO below.
    s.extensions.clear();
    handshake(s, options, "STARTTLS")?;
    // Go's net/smtp says EHLO again after STARTTLS.
    ehlo(s, target)
}

fn ehlo(s: &mut Session, target: &Target) -> Result<(), SmtpError> {
    let start = Instant::now();
    let line = format!("EHLO {}", target.local_name);
    let r = match s.cmd(&line, &line, &[250]) {
        Ok(reply) => Ok(reply),
        Err(SmtpError::Reply(_)) => {
            let line = format!("HELO {}", target.local_name);
            s.cmd(&line, &line, &[250])
        }
        Err(e) => Err(e),
    };
    if let Ok(reply) = &r {
        s.extensions = reply.lines.iter().skip(1).cloned().collect();
    }
    let detail = if r.is_ok() {
        s.extensions.join(", ")
    } else {
        String::new()
    };
    s.record(Stage::Ehlo, start, &r, detail);
    r.map(|_| ())
}
