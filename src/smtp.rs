//! An SMTP client that dials exactly as Kratos' mailer does: 10-second
//! deadlines, EHLO with `local_name` (HELO as fallback), STARTTLS mandatory
//! for `smtp://`, opportunistic with `disable_starttls`, implicit TLS for
//! `smtps://`, AUTH as Go chooses it (CRAM-MD5, else LOGIN when PLAIN is not
//! offered, else PLAIN, which is refused over cleartext except to
//! localhost), `MAIL FROM` with `BODY=8BITMIME`/`SMTPUTF8` when offered,
//! `RCPT TO` per recipient, `DATA`, `QUIT`. Every step is recorded as a
//! stage with its time, and every line in a transcript (credentials
//! masked). TCP_NODELAY is set. The only user of `md-5`.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use md5::{Digest, Md5};

use crate::connection_uri::Security;
use crate::mime::Built;
use crate::secret::Secret;
use crate::tls::{self, SessionInfo, Stream, TlsError, TlsOptions};

/// Kratos' dial and send deadline.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// TLS settings for STARTTLS and implicit TLS (Kratos' TLS config).
    pub tls: TlsOptions,
    pub local_name: String,
    pub username: String,
    pub password: Secret,
    pub timeout: Duration,
}

/// The steps of a session, in the order they can happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Connect,
    Banner,
    Ehlo,
    Tls,
    Auth,
    Mail,
    Rcpt,
    Data,
    Quit,
}

impl Stage {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Stage::Connect => "connect",
            Stage::Banner => "banner",
            Stage::Ehlo => "ehlo",
            Stage::Tls => "tls",
            Stage::Auth => "auth",
            Stage::Mail => "mail",
            Stage::Rcpt => "rcpt",
            Stage::Data => "data",
            Stage::Quit => "quit",
        }
    }
}

/// How a stage ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Skipped,
    Failed,
}

/// One stage as it happened.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StageRecord {
    pub stage: Stage,
    pub outcome: Outcome,
    pub ms: f64,
    pub detail: String,
}

/// Direction of a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dir {
    Info,
    Sent,
    SentTls,
    Received,
    ReceivedTls,
}

impl Dir {
    /// swaks' markers.
    #[must_use]
    pub fn marker(self) -> &'static str {
        match self {
            Dir::Info => "===",
            Dir::Sent => " ->",
            Dir::SentTls => " ~>",
            Dir::Received => "<- ",
            Dir::ReceivedTls => "<~ ",
        }
    }
}

/// One transcript line.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Line {
    pub dir: Dir,
    pub text: String,
}

/// A server reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    /// The reply as one line: `550 5.1.1 no such user`.
    #[must_use]
    pub fn text(&self) -> String {
        format!("{} {}", self.code, self.lines.join(" / "))
    }
}

/// How a session failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SmtpError {
    #[error("cannot resolve {0}")]
    Resolve(String),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("timed out after {}s", .0.as_secs())]
    Timeout(Duration),
    #[error("the connection was closed by the server")]
    Closed,
    #[error("{0}")]
    Io(String),
    #[error(transparent)]
    Tls(TlsError),
    #[error("the server answered {}", .0.text())]
    Reply(Reply),
    #[error(
        "STARTTLS is required (smtp:// without disable_starttls) but the server does not offer it"
    )]
    NoStartTls,
    #[error(
        "Go's PLAIN auth refuses to send credentials over an unencrypted connection to a host other than localhost"
    )]
    PlainRefused,
    #[error(
        "the server's LOGIN challenge is not \"Username:\"/\"Password:\", which Kratos' mailer requires"
    )]
    LoginChallenge,
    #[error("a reply the client cannot read: {0}")]
    Protocol(String),
}

/// What callers branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Worth retrying: timeouts, 4xx, dropped connections.
    Transient,
    /// Will not work as configured: refused, TLS, auth, 5xx.
    Permanent,
}

impl SmtpError {
    #[must_use]
    pub fn kind(&self) -> Kind {
        match self {
            SmtpError::Timeout(_) | SmtpError::Closed | SmtpError::Io(_) => Kind::Transient,
            SmtpError::Tls(TlsError::Timeout) => Kind::Transient,
            SmtpError::Reply(r) if (400..500).contains(&r.code) => Kind::Transient,
            _ => Kind::Permanent,
        }
    }
}

/// An open session plus everything recorded so far.
pub struct Session {
    stream: Option<Stream>,
    buf: Vec<u8>,
    deadline: Instant,
    timeout: Duration,
    pub transcript: Vec<Line>,
    pub stages: Vec<StageRecord>,
    pub tls: Option<SessionInfo>,
    pub extensions: Vec<String>,
    /// The last stage that completed.
    pub reached: Option<Stage>,
    body_in_flight: bool,
    /// Whether lines are recorded in `transcript` (a batch turns it off).
    recording: bool,
    /// The deadline the socket timeouts were last set for.
    armed_for: Option<Instant>,
    /// Replies of the current transaction that were as expected.
    txn_ok: u32,
}

impl Session {
    fn new(timeout: Duration) -> Self {
        Self {
            stream: None,
            buf: Vec::new(),
            deadline: Instant::now() + timeout,
            timeout,
            transcript: Vec::new(),
            stages: Vec::new(),
            tls: None,
            extensions: Vec::new(),
            reached: None,
            body_in_flight: false,
            recording: true,
            armed_for: None,
            txn_ok: 0,
        }
    }

    fn push_line(&mut self, line: Line) {
        if self.recording {
            self.transcript.push(line);
        }
    }

    fn info(&mut self, text: impl Into<String>) {
        self.push_line(Line {
            dir: Dir::Info,
            text: text.into(),
        });
    }

    fn is_tls(&self) -> bool {
        self.stream.as_ref().is_some_and(Stream::is_tls)
    }

    /// The transcript marker of what we send now.
    fn sent_dir(&self) -> Dir {
        if self.is_tls() {
            Dir::SentTls
        } else {
            Dir::Sent
        }
    }

    fn record<T>(
        &mut self,
        stage: Stage,
        start: Instant,
        result: &Result<T, SmtpError>,
        detail: String,
    ) {
        let outcome = if result.is_ok() {
            Outcome::Ok
        } else {
            Outcome::Failed
        };
        let detail = match result {
            Err(e) => e.to_string(),
            Ok(_) => detail,
        };
        self.stages.push(StageRecord {
            stage,
            outcome,
            ms: start.elapsed().as_secs_f64() * 1e3,
            detail,
        });
        if result.is_ok() && stage != Stage::Quit {
            self.reached = Some(stage);
        }
    }

    fn skip(&mut self, stage: Stage, detail: impl Into<String>) {
        self.stages.push(StageRecord {
            stage,
            outcome: Outcome::Skipped,
            ms: 0.0,
            detail: detail.into(),
        });
        self.reached = Some(stage);
    }

    fn remaining(&self) -> Result<Duration, SmtpError> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(SmtpError::Timeout(self.timeout))
        } else {
            Ok(left)
        }
    }

    fn arm(&mut self) -> Result<(), SmtpError> {
        let left = self.remaining()?;
        // Socket timeouts are set once per deadline (not before every read
        // and write): a step can then overrun the deadline by at most the
        // deadline's own length.
        if self.armed_for == Some(self.deadline) {
            return Ok(());
        }
        self.armed_for = Some(self.deadline);
        let stream = self.stream.as_ref().ok_or(SmtpError::Closed)?;
        stream
            .tcp()
            .set_read_timeout(Some(left))
            .map_err(|e| SmtpError::Io(e.to_string()))?;
        stream
            .tcp()
            .set_write_timeout(Some(left))
            .map_err(|e| SmtpError::Io(e.to_string()))?;
        Ok(())
    }

    fn io_error(&self, e: &std::io::Error) -> SmtpError {
        match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                SmtpError::Timeout(self.timeout)
            }
            std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::BrokenPipe
            | std::io::ErrorKind::ConnectionAborted => SmtpError::Closed,
            _ => SmtpError::Io(e.to_string()),
        }
    }

    /// Writes raw bytes.
    fn write_raw(&mut self, bytes: &[u8]) -> Result<(), SmtpError> {
        self.arm()?;
        let stream = self.stream.as_mut().ok_or(SmtpError::Closed)?;
        let result = stream.write_all(bytes).and_then(|()| stream.flush());
        result.map_err(|e| self.io_error(&e))
    }

    /// Sends one command line; `shown` is what the transcript records.
    fn send_line(&mut self, line: &str, shown: &str) -> Result<(), SmtpError> {
        let dir = self.sent_dir();
        if self.recording {
            self.transcript.push(Line {
                dir,
                text: shown.to_owned(),
            });
        }
        self.write_raw(format!("{line}\r\n").as_bytes())
    }

    fn read_line(&mut self) -> Result<String, SmtpError> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                let text = String::from_utf8_lossy(&line)
                    .trim_end_matches(['\r', '\n'])
                    .to_owned();
                return Ok(text);
            }
            if self.buf.len() > 64 * 1024 {
                return Err(SmtpError::Protocol("reply line longer than 64 KiB".into()));
            }
            self.arm()?;
            let mut chunk = [0u8; 4096];
            let stream = self.stream.as_mut().ok_or(SmtpError::Closed)?;
            let n = match stream.read(&mut chunk) {
                Ok(n) => n,
                Err(e) => return Err(self.io_error(&e)),
            };
            if n == 0 {
                return Err(SmtpError::Closed);
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Reads a (multi-line) reply.
    fn read_reply(&mut self) -> Result<Reply, SmtpError> {
        let dir = if self.is_tls() {
            Dir::ReceivedTls
        } else {
            Dir::Received
        };
        let mut lines = Vec::new();
        loop {
            let line = self.read_line()?;
            if self.recording {
                self.transcript.push(Line {
                    dir,
                    text: line.clone(),
                });
            }
            let code = line.get(..3).and_then(|c| c.parse::<u16>().ok());
            let Some(code) = code else {
                return Err(SmtpError::Protocol(truncate(&line)));
            };
            let sep = line.as_bytes().get(3).copied();
            lines.push(line.get(4..).unwrap_or_default().to_owned());
            if sep != Some(b'-') {
                return Ok(Reply { code, lines });
            }
        }
    }

    /// Sends a command and expects a reply code starting with `want`
    /// (e.g. 25 for 250/251).
    fn cmd(&mut self, line: &str, shown: &str, want: &[u16]) -> Result<Reply, SmtpError> {
        self.send_line(line, shown)?;
        let reply = self.read_reply()?;
        if want.contains(&reply.code) {
            Ok(reply)
        } else {
            Err(SmtpError::Reply(reply))
        }
    }

    fn has_ext(&self, name: &str) -> bool {
        self.ext_params(name).is_some()
    }

    fn ext_params(&self, name: &str) -> Option<String> {
        self.extensions.iter().find_map(|e| {
            let mut parts = e.splitn(2, ' ');
            let key = parts.next()?;
            key.eq_ignore_ascii_case(name)
                .then(|| parts.next().unwrap_or_default().to_owned())
        })
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(120).collect()
}

/// Opens a session and walks it up to and including `until` (at most
/// [`Stage::Auth`]), recording every step. On error the session is still
/// returned for its record.
pub fn open(target: &Target, until: Stage) -> (Session, Result<(), SmtpError>) {
    let mut s = Session::new(target.timeout);
    let r = walk(&mut s, target, until);
    (s, r)
}

fn walk(s: &mut Session, target: &Target, until: Stage) -> Result<(), SmtpError> {
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
        if until == Stage::Tls {
            return Ok(());
        }
    }
    // Banner.
    let start = Instant::now();
    let r = s.read_reply().and_then(|r| {
        if r.code == 220 {
            Ok(r)
        } else {
            Err(SmtpError::Reply(r))
        }
    });
    s.record(
        Stage::Banner,
        start,
        &r,
        r.as_ref().map(Reply::text).unwrap_or_default(),
    );
    r?;
    if until == Stage::Banner {
        return Ok(());
    }
    // EHLO.
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
    auth(s, target)
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
    for addr in addrs {
        let left = s.remaining()?;
        match TcpStream::connect_timeout(&addr, left) {
            Ok(tcp) => {
                let _ = tcp.set_nodelay(true);
                s.stream = Some(Stream::Plain(tcp));
                s.info(format!("connected to {addr}"));
                return Ok(format!("{addr}"));
            }
            Err(e) => last = Some(e),
        }
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
        s.arm()?;
        let Some(Stream::Plain(tcp)) = s.stream.take() else {
            return Err(SmtpError::Protocol("TLS requested twice".into()));
        };
        let (stream, info) = prepared.connect(tcp).map_err(SmtpError::Tls)?;
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
    if let Err(e) = s.cmd("STARTTLS", "STARTTLS", &[220]) {
        let r: Result<(), SmtpError> = Err(e);
        s.record(Stage::Tls, start, &r, String::new());
        return r;
    }
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

fn auth(s: &mut Session, target: &Target) -> Result<(), SmtpError> {
    if target.username.is_empty() {
        s.skip(
            Stage::Auth,
            "no user name in the connection URI: Kratos does not authenticate",
        );
        return Ok(());
    }
    let Some(mechs) = s.ext_params("AUTH") else {
        s.info("the server does not offer AUTH: Kratos sends without authenticating");
        s.skip(Stage::Auth, "not offered by the server");
        return Ok(());
    };
    let offered: Vec<String> = mechs
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    let has = |m: &str| offered.iter().any(|o| o == m);
    let start = Instant::now();
    let (mech, r) = if has("CRAM-MD5") {
        ("CRAM-MD5", cram_md5(s, target))
    } else if has("LOGIN") && !has("PLAIN") {
        ("LOGIN", login(s, target))
    } else {
        ("PLAIN", plain(s, target))
    };
    s.record(
        Stage::Auth,
        start,
        &r,
        format!("{mech} as {}", target.username),
    );
    r
}

fn b64(bytes: &[u8]) -> String {
    crate::b64::encode(bytes)
}

fn plain(s: &mut Session, target: &Target) -> Result<(), SmtpError> {
    if !s.is_tls() && !crate::connection_uri::is_local_host(&target.host) {
        return Err(SmtpError::PlainRefused);
    }
    let token = b64(format!("\0{}\0{}", target.username, target.password.expose()).as_bytes());
    s.cmd(&format!("AUTH PLAIN {token}"), "AUTH PLAIN ***", &[235])
        .map(|_| ())
}

fn login(s: &mut Session, target: &Target) -> Result<(), SmtpError> {
    let mut reply = s.cmd("AUTH LOGIN", "AUTH LOGIN", &[334, 235])?;
    while reply.code == 334 {
        let challenge =
            crate::b64::decode(reply.lines.first().map_or("", String::as_str)).unwrap_or_default();
        let answer = match challenge.as_slice() {
            b"Username:" => target.username.clone(),
            b"Password:" => target.password.expose().to_owned(),
            _ => {
                let _ = s.send_line("*", "*");
                let _ = s.read_reply();
                return Err(SmtpError::LoginChallenge);
            }
        };
        s.send_line(&b64(answer.as_bytes()), "***")?;
        reply = s.read_reply()?;
    }
    if reply.code == 235 {
        Ok(())
    } else {
        Err(SmtpError::Reply(reply))
    }
}

fn cram_md5(s: &mut Session, target: &Target) -> Result<(), SmtpError> {
    let reply = s.cmd("AUTH CRAM-MD5", "AUTH CRAM-MD5", &[334])?;
    let challenge =
        crate::b64::decode(reply.lines.first().map_or("", String::as_str)).unwrap_or_default();
    let digest = hmac_md5(target.password.expose().as_bytes(), &challenge);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let answer = b64(format!("{} {hex}", target.username).as_bytes());
    s.send_line(&answer, "***")?;
    let reply = s.read_reply()?;
    if reply.code == 235 {
        Ok(())
    } else {
        Err(SmtpError::Reply(reply))
    }
}

/// HMAC-MD5 (RFC 2104), for CRAM-MD5.
#[must_use]
pub fn hmac_md5(key: &[u8], message: &[u8]) -> [u8; 16] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..16].copy_from_slice(&Md5::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Md5::new();
    inner.update(k.iter().map(|b| b ^ 0x36).collect::<Vec<u8>>());
    inner.update(message);
    let mut outer = Md5::new();
    outer.update(k.iter().map(|b| b ^ 0x5c).collect::<Vec<u8>>());
    outer.update(inner.finalize());
    outer.finalize().into()
}

impl Session {
    /// Restarts the deadline, as Kratos' mailer does before `MAIL FROM`.
    pub fn reset_deadline(&mut self) {
        self.deadline = Instant::now() + self.timeout;
    }

    fn mail_line(&self, from: &str) -> String {
        let mut line = format!("MAIL FROM:<{from}>");
        if self.has_ext("8BITMIME") {
            line.push_str(" BODY=8BITMIME");
        }
        if self.has_ext("SMTPUTF8") {
            line.push_str(" SMTPUTF8");
        }
        line
    }

    /// `MAIL FROM`, with `BODY=8BITMIME` and `SMTPUTF8` when offered.
    pub fn mail(&mut self, from: &str) -> Result<(), SmtpError> {
        let start = Instant::now();
        let line = self.mail_line(from);
        let r = self.cmd(&line, &line, &[250]);
        self.record(
            Stage::Mail,
            start,
            &r,
            r.as_ref().map(Reply::text).unwrap_or_default(),
        );
        r.map(|_| ())
    }

    /// `RCPT TO` for each recipient.
    pub fn rcpt(&mut self, to: &[String]) -> Result<(), SmtpError> {
        let start = Instant::now();
        let mut r = Ok(String::new());
        for addr in to {
            let line = format!("RCPT TO:<{addr}>");
            match self.cmd(&line, &line, &[250, 251]) {
                Ok(reply) => r = Ok(reply.text()),
                Err(e) => {
                    r = Err(e);
                    break;
                }
            }
        }
        let detail = r.as_ref().cloned().unwrap_or_default();
        self.record(Stage::Rcpt, start, &r, detail);
        r.map(|_| ())
    }

    /// `DATA`, the dot-stuffed message, and the final reply.
    pub fn data(&mut self, message: &[u8]) -> Result<Reply, SmtpError> {
        let start = Instant::now();
        let r = (|| {
            self.cmd("DATA", "DATA", &[354])?;
            let stuffed = dot_stuff(message);
            let dir = self.sent_dir();
            self.push_line(Line {
                dir,
                text: format!("<message, {} bytes>", message.len()),
            });
            self.push_line(Line {
                dir,
                text: ".".into(),
            });
            self.body_in_flight = true;
            self.write_raw(&stuffed)?;
            let reply = self.read_reply()?;
            self.body_in_flight = false;
            if reply.code == 250 {
                Ok(reply)
            } else {
                Err(SmtpError::Reply(reply))
            }
        })();
        self.record(
            Stage::Data,
            start,
            &r,
            r.as_ref().map(Reply::text).unwrap_or_default(),
        );
        r
    }

    /// `QUIT`; its errors are ignored, as in Kratos.
    pub fn quit(&mut self) {
        if self.stream.is_none() {
            return;
        }
        let start = Instant::now();
        self.deadline = start + self.timeout.min(Duration::from_secs(2));
        let r = self.cmd("QUIT", "QUIT", &[221]);
        self.record(
            Stage::Quit,
            start,
            &r,
            r.as_ref().map(Reply::text).unwrap_or_default(),
        );
        if let Some(Stream::Tls(mut t)) = self.stream.take() {
            t.conn.send_close_notify();
            let _ = t.flush();
        }
    }
}

impl Session {
    /// Whether the connection is still there.
    #[must_use]
    pub fn is_open(&self) -> bool {
        self.stream.is_some()
    }

    /// Whether the server may be holding a message body that was written
    /// but not yet answered (a failure then may still have delivered it).
    #[must_use]
    pub fn body_in_flight(&self) -> bool {
        self.body_in_flight
    }

    /// Whether the last transaction failed before any reply came back as
    /// expected (on a kept connection: the server had dropped it idle).
    #[must_use]
    pub fn failed_at_first_reply(&self) -> bool {
        self.txn_ok == 0
    }

    /// Stops recording the transcript (a batch sends too many messages to
    /// keep one).
    pub fn stop_recording(&mut self) {
        self.recording = false;
        self.transcript.clear();
    }

    /// Closes the connection without `QUIT` (after a failure).
    pub fn drop_connection(&mut self) {
        self.stream = None;
        self.buf.clear();
    }

    /// One message on an open, authenticated session, as a batch sends it:
    /// `RSET` first when `rset` (the previous transaction's state is
    /// cleared), then `MAIL`, `RCPT` and `DATA` in one write when the
    /// server offers PIPELINING (RFC 2920: two round trips per message),
    /// one command at a time otherwise. Only the last transaction's
    /// transcript and stages are kept, so a long session does not grow.
    pub fn transaction(&mut self, built: &Built, rset: bool) -> Result<Reply, SmtpError> {
        self.transcript.clear();
        self.stages.clear();
        self.body_in_flight = false;
        self.txn_ok = 0;
        self.reset_deadline();
        if !self.has_ext("PIPELINING") {
            if rset {
                self.cmd("RSET", "RSET", &[250])?;
                self.txn_ok += 1;
            }
            self.mail(&built.mail_from)?;
            self.txn_ok += 1;
            self.rcpt(&built.recipients)?;
            self.txn_ok += 1;
            return self.data(&built.bytes);
        }
        let start = Instant::now();
        let mut commands: Vec<(Stage, String, &[u16])> = Vec::new();
        if rset {
            commands.push((Stage::Mail, "RSET".to_owned(), &[250]));
        }
        commands.push((Stage::Mail, self.mail_line(&built.mail_from), &[250]));
        for addr in &built.recipients {
            commands.push((Stage::Rcpt, format!("RCPT TO:<{addr}>"), &[250, 251]));
        }
        commands.push((Stage::Data, "DATA".to_owned(), &[354]));
        let dir = self.sent_dir();
        let mut wire = String::new();
        for (_, line, _) in &commands {
            if self.recording {
                self.transcript.push(Line {
                    dir,
                    text: line.clone(),
                });
            }
            wire.push_str(line);
            wire.push_str("\r\n");
        }
        let r = self.pipelined(&commands, &wire, &built.bytes);
        let stage = match &r {
            Ok(_) => Stage::Data,
            Err((stage, _)) => *stage,
        };
        let r = r.map_err(|(_, e)| e);
        if r.is_err() && !matches!(r, Err(SmtpError::Reply(_))) {
            // Out of step with the server (or cut off): never reuse it.
            self.drop_connection();
        }
        self.record(
            stage,
            start,
            &r,
            r.as_ref().map(Reply::text).unwrap_or_default(),
        );
        r
    }

    fn pipelined(
        &mut self,
        commands: &[(Stage, String, &[u16])],
        wire: &str,
        message: &[u8],
    ) -> Result<Reply, (Stage, SmtpError)> {
        self.write_raw(wire.as_bytes())
            .map_err(|e| (Stage::Mail, e))?;
        let mut first_failure: Option<(Stage, Reply)> = None;
        let mut data_reply = None;
        for (stage, _, want) in commands {
            let reply = match self.read_reply() {
                Ok(r) => r,
                // A server that refused a command and hung up (421): its
                // refusal is the news. The session is out of step now.
                Err(e) => {
                    self.drop_connection();
                    return Err(match first_failure {
                        Some((s, r)) => (s, SmtpError::Reply(r)),
                        None => (*stage, e),
                    });
                }
            };
            if *stage == Stage::Data {
                data_reply = Some(reply);
            } else if !want.contains(&reply.code) && first_failure.is_none() {
                first_failure = Some((*stage, reply));
            } else if first_failure.is_none() {
                self.txn_ok += 1;
            }
        }
        let data_reply = data_reply.ok_or((Stage::Data, SmtpError::Closed))?;
        if data_reply.code != 354 {
            let (stage, reply) = first_failure.unwrap_or((Stage::Data, data_reply));
            return Err((stage, SmtpError::Reply(reply)));
        }
        if let Some((stage, reply)) = first_failure {
            // The server took DATA although a command failed. Ending it
            // with an empty message would deliver that to the recipients
            // it accepted (a Bcc, say): hang up instead, which discards it.
            self.drop_connection();
            return Err((stage, SmtpError::Reply(reply)));
        }
        let dir = self.sent_dir();
        self.push_line(Line {
            dir,
            text: format!("<message, {} bytes>", message.len()),
        });
        self.body_in_flight = true;
        self.write_raw(&dot_stuff(message))
            .map_err(|e| (Stage::Data, e))?;
        let reply = self.read_reply().map_err(|e| (Stage::Data, e))?;
        self.body_in_flight = false;
        if reply.code == 250 {
            Ok(reply)
        } else {
            Err((Stage::Data, SmtpError::Reply(reply)))
        }
    }
}

/// CRLF line ends, leading dots doubled, and the final `.` line.
#[must_use]
pub fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 32 + 8);
    let mut rest = message;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        if line.first() == Some(&b'.') {
            out.push(b'.');
        }
        // A bare LF becomes CRLF; an existing CRLF stays one.
        let line = match next {
            Some(_) => line.strip_suffix(b"\r").unwrap_or(line),
            None => line,
        };
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
        rest = next.unwrap_or_default();
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// Sends a built message as Kratos does: dial, TLS, AUTH, `MAIL`, `RCPT`,
/// `DATA`, `QUIT`.
pub fn send(target: &Target, built: &Built) -> (Session, Result<Reply, SmtpError>) {
    let (mut s, r) = open(target, Stage::Auth);
    let result = r.and_then(|()| {
        s.reset_deadline();
        s.mail(&built.mail_from)?;
        s.rcpt(&built.recipients)?;
        s.data(&built.bytes)
    });
    s.quit();
    (s, result)
}

#[cfg(test)]
mod tests {
    use super::{dot_stuff, hmac_md5};

    #[test]
    fn cram_md5_vector_from_rfc2195() {
        let d = hmac_md5(
            b"tanstaaftanstaaf",
            b"<1896.697170952@postoffice.reston.mci.net>",
        );
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "b913a602c7eda7a495b4e6e7334d3890");
    }

    #[test]
    fn dot_stuffing() {
        assert_eq!(dot_stuff(b"a\r\n.b\nc"), b"a\r\n..b\r\nc\r\n.\r\n".to_vec());
        assert_eq!(dot_stuff(b".x\r\n"), b"..x\r\n.\r\n".to_vec());
        assert_eq!(dot_stuff(b"a\rb\r"), b"a\rb\r\r\n.\r\n".to_vec());
        assert_eq!(dot_stuff(b""), b".\r\n".to_vec());
        assert_eq!(dot_stuff(b"\n\n."), b"\r\n\r\n..\r\n.\r\n".to_vec());
    }
}
