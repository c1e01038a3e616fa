//! The session: where to connect, what happened (stages, transcript,
//! TLS), and the line I/O every step uses, bounded by deadlines.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::connection_uri::Security;
use crate::delivery::tls::{SessionInfo, Stream, TlsError, TlsOptions};
use crate::secret::Secret;

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

impl std::str::FromStr for Stage {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        use Stage::{Auth, Banner, Connect, Data, Ehlo, Mail, Quit, Rcpt, Tls};
        [Connect, Banner, Ehlo, Tls, Auth, Mail, Rcpt, Data, Quit]
            .into_iter()
            .find(|stage| stage.name() == s)
            .ok_or_else(|| format!("{s:?} is not an SMTP stage"))
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
    /// An envelope address that cannot go to this server as written
    /// (nothing was sent for it).
    #[error("{0}")]
    Envelope(String),
}

/// An open session plus everything recorded so far.
pub struct Session {
    pub(super) stream: Option<Stream>,
    pub(super) buf: Vec<u8>,
    pub(super) deadline: Instant,
    pub(super) timeout: Duration,
    pub transcript: Vec<Line>,
    pub stages: Vec<StageRecord>,
    pub tls: Option<SessionInfo>,
    pub extensions: Vec<String>,
    /// The last stage that completed.
    pub reached: Option<Stage>,
    pub(super) body_in_flight: bool,
    /// Whether lines are recorded in `transcript` (a batch turns it off).
    pub(super) recording: bool,
    /// The deadline the socket timeouts were last set for.
    pub(super) armed_for: Option<Instant>,
    /// Replies of the current transaction that were as expected.
    pub(super) txn_ok: u32,
}

impl Session {
    pub(super) fn new(timeout: Duration) -> Self {
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

    pub(super) fn push_line(&mut self, line: Line) {
        if self.recording {
            self.transcript.push(line);
        }
    }

    pub(super) fn info(&mut self, text: impl Into<String>) {
        self.push_line(Line {
            dir: Dir::Info,
            text: text.into(),
        });
    }

    pub(super) fn is_tls(&self) -> bool {
        self.stream.as_ref().is_some_and(Stream::is_tls)
    }

    /// The transcript marker of what we send now.
    pub(super) fn sent_dir(&self) -> Dir {
        if self.is_tls() {
            Dir::SentTls
        } else {
            Dir::Sent
        }
    }

    pub(super) fn record<T>(
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

    pub(super) fn skip(&mut self, stage: Stage, detail: impl Into<String>) {
        self.stages.push(StageRecord {
            stage,
            outcome: Outcome::Skipped,
            ms: 0.0,
            detail: detail.into(),
        });
        self.reached = Some(stage);
    }

    pub(super) fn remaining(&self) -> Result<Duration, SmtpError> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(SmtpError::Timeout(self.timeout))
        } else {
            Ok(left)
        }
    }

    pub(super) fn arm(&mut self) -> Result<(), SmtpError> {
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

    pub(super) fn io_error(&self, e: &std::io::Error) -> SmtpError {
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
    pub(super) fn write_raw(&mut self, bytes: &[u8]) -> Result<(), SmtpError> {
        self.arm()?;
        let stream = self.stream.as_mut().ok_or(SmtpError::Closed)?;
        let result = stream.write_all(bytes).and_then(|()| stream.flush());
        result.map_err(|e| self.io_error(&e))
    }

    /// Sends one command line; `shown` is what the transcript records.
    pub(super) fn send_line(&mut self, line: &str, shown: &str) -> Result<(), SmtpError> {
        let dir = self.sent_dir();
        if self.recording {
            self.transcript.push(Line {
                dir,
                text: shown.to_owned(),
            });
        }
        self.write_raw(format!("{line}\r\n").as_bytes())
    }

    pub(super) fn read_line(&mut self) -> Result<String, SmtpError> {
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
    pub(super) fn read_reply(&mut self) -> Result<Reply, SmtpError> {
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
    pub(super) fn cmd(
        &mut self,
        line: &str,
        shown: &str,
        want: &[u16],
    ) -> Result<Reply, SmtpError> {
        self.send_line(line, shown)?;
        let reply = self.read_reply()?;
        if want.contains(&reply.code) {
            Ok(reply)
        } else {
            Err(SmtpError::Reply(reply))
        }
    }

    pub(super) fn has_ext(&self, name: &str) -> bool {
        self.ext_params(name).is_some()
    }

    pub(super) fn ext_params(&self, name: &str) -> Option<String> {
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

/// The stage a failed session stopped at.
#[must_use]
pub fn failed_stage(session: &Session) -> Option<Stage> {
    session
        .stages
        .iter()
        .rev()
        .find(|s| s.outcome == Outcome::Failed && s.stage != Stage::Quit)
        .map(|s| s.stage)
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
