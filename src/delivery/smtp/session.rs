//! The session: where to connect, what happened (stages, transcript,
//! TLS), and the line I/O every step uses, bounded by deadlines (every
//! read and write ends by the session's deadline) and by size (replies as
//! `reply` bounds them, the transcript at [`MAX_TRANSCRIPT`] bytes).

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use super::reply::{Assembler, Overrun, Reply, Unreadable, take_line};
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
    /// Where Kratos' dialer refuses to connect.
    pub guard: crate::delivery::ssrf::SmtpRule,
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
    #[error("{0}")]
    Overrun(Overrun),
    #[error(
        "the server sent data after its STARTTLS reply, before the TLS handshake: possible injection; refusing"
    )]
    StartTlsInjection,
    /// An envelope address that cannot go to this server as written
    /// (nothing was sent for it).
    #[error("{0}")]
    Envelope(String),
    /// Kratos' dialer would refuse every address of the host (nothing
    /// was dialled).
    #[error(transparent)]
    Refused(crate::delivery::ssrf::Refusal),
}

/// The most bytes of server and client lines a transcript records (notes
/// are always kept); past it, one note says the rest is left out.
pub const MAX_TRANSCRIPT: usize = 256 * 1024;

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
    /// The furthest stage (in [`Stage`]'s order) that completed: `tls`
    /// once TLS is up, though EHLO follows STARTTLS and the greeting
    /// follows implicit TLS.
    pub reached: Option<Stage>,
    pub(super) body_in_flight: bool,
    /// Whether lines are recorded in `transcript` (a batch turns it off).
    pub(super) recording: bool,
    /// Bytes of sent and received lines in `transcript`.
    pub(super) transcript_bytes: usize,
    /// Whether the server's greeting was read (QUIT only after it).
    pub(super) greeted: bool,
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
            transcript_bytes: 0,
            greeted: false,
            txn_ok: 0,
        }
    }

    pub(super) fn push_line(&mut self, line: Line) {
        if !self.recording {
            return;
        }
        if line.dir != Dir::Info {
            if self.transcript_bytes > MAX_TRANSCRIPT {
                return;
            }
            self.transcript_bytes += line.text.len();
            if self.transcript_bytes > MAX_TRANSCRIPT {
                self.transcript.push(Line {
                    dir: Dir::Info,
                    text: format!(
                        "the transcript passed {} KiB: later lines are left out",
                        MAX_TRANSCRIPT / 1024
                    ),
                });
                return;
            }
        }
        self.transcript.push(line);
    }

    pub(super) fn clear_transcript(&mut self) {
        self.transcript.clear();
        self.transcript_bytes = 0;
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
            ms: crate::delivery::millis_since(start),
            detail,
        });
        if result.is_ok() && stage != Stage::Quit {
            self.reached = self.reached.max(Some(stage));
        }
    }

    pub(super) fn skip(&mut self, stage: Stage, detail: impl Into<String>) {
        self.stages.push(StageRecord {
            stage,
            outcome: Outcome::Skipped,
            ms: 0.0,
            detail: detail.into(),
        });
        self.reached = self.reached.max(Some(stage));
    }

    pub(super) fn remaining(&self) -> Result<Duration, SmtpError> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(SmtpError::Timeout(self.timeout))
        } else {
            Ok(left)
        }
    }

    /// Checks the deadline and hands it to the socket, which ends every
    /// read and write by it.
    pub(super) fn arm(&mut self) -> Result<(), SmtpError> {
        self.remaining()?;
        let deadline = self.deadline;
        let stream = self.stream.as_mut().ok_or(SmtpError::Closed)?;
        stream.set_deadline(deadline);
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

    /// Writes raw bytes; after a failure the session is out of step with
    /// the server, so the connection is dropped.
    pub(super) fn write_raw(&mut self, bytes: &[u8]) -> Result<(), SmtpError> {
        let r = self.arm().and_then(|()| {
            let stream = self.stream.as_mut().ok_or(SmtpError::Closed)?;
            let result = stream.write_all(bytes).and_then(|()| stream.flush());
            result.map_err(|e| self.io_error(&e))
        });
        if r.is_err() {
            self.drop_connection();
        }
        r
    }

    /// Sends one command line; `shown` is what the transcript records.
    pub(super) fn send_line(&mut self, line: &str, shown: &str) -> Result<(), SmtpError> {
        if self.recording {
            self.push_line(Line {
                dir: self.sent_dir(),
                text: shown.to_owned(),
            });
        }
        self.write_raw(format!("{line}\r\n").as_bytes())
    }

    fn read_line(&mut self) -> Result<String, SmtpError> {
        loop {
            if let Some(line) = take_line(&mut self.buf).map_err(SmtpError::Overrun)? {
                return Ok(line);
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

    /// Reads a (multi-line) reply within the bounds of `reply`. A reply
    /// that cannot be read leaves the session out of step with the
    /// server: the connection is dropped (no QUIT).
    pub(super) fn read_reply(&mut self) -> Result<Reply, SmtpError> {
        let r = self.next_reply();
        if r.is_err() {
            self.drop_connection();
        }
        r
    }

    fn next_reply(&mut self) -> Result<Reply, SmtpError> {
        let dir = if self.is_tls() {
            Dir::ReceivedTls
        } else {
            Dir::Received
        };
        let mut reply = Assembler::default();
        loop {
            let line = self.read_line()?;
            let done = reply.push(&line);
            if self.recording {
                self.push_line(Line { dir, text: line });
            }
            match done {
                Ok(Some(r)) => return Ok(r),
                Ok(None) => {}
                Err(Unreadable::Overrun(o)) => return Err(SmtpError::Overrun(o)),
                Err(Unreadable::NoCode(text)) => return Err(SmtpError::Protocol(text)),
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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    use super::{Dir, Line, MAX_TRANSCRIPT, Overrun, Session, SmtpError};
    use crate::delivery::socket::Socket;
    use crate::delivery::tls::Stream;

    /// A session connected to a loopback server that writes `script`
    /// (repeated `times`) and then stays silent.
    fn session(script: &'static [u8], times: usize, timeout: Duration) -> Session {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        std::thread::spawn(move || {
            let (mut peer, _) = listener.accept().expect("accept");
            for _ in 0..times {
                if peer.write_all(script).is_err() {
                    return;
                }
            }
            std::thread::sleep(Duration::from_secs(5));
        });
        let mut s = Session::new(timeout);
        let tcp = TcpStream::connect(addr).expect("connect");
        s.stream = Some(Stream::Plain(Socket::from(tcp)));
        s
    }

    #[test]
    fn an_endless_reply_ends_the_session_at_its_bound() {
        let mut s = session(b"250-x\r\n", 100_000, Duration::from_secs(5));
        let err = s.read_reply().expect_err("too many lines");
        assert!(matches!(err, SmtpError::Overrun(Overrun::Lines)), "{err}");
        assert!(!s.is_open(), "out of step: the connection is dropped");
        assert!(s.buf.is_empty());
        assert!(s.transcript.len() <= 101);
        let mut s = session(b"xxxxxxxxxxxxxxxx", 100_000, Duration::from_secs(5));
        let err = s.read_reply().expect_err("too long a line");
        assert!(matches!(err, SmtpError::Overrun(Overrun::Line)), "{err}");
    }

    #[test]
    fn a_stalled_reply_ends_at_the_deadline() {
        let mut s = session(b"250-half a reply\r\n", 1, Duration::from_millis(300));
        let start = Instant::now();
        let err = s.read_reply().expect_err("times out");
        assert!(matches!(err, SmtpError::Timeout(_)), "{err}");
        assert!(start.elapsed() < Duration::from_secs(3));
        assert!(!s.is_open());
    }

    #[test]
    fn the_transcript_stops_at_its_bound_but_keeps_notes() {
        let mut s = Session::new(Duration::from_secs(1));
        let line = "x".repeat(1000);
        for _ in 0..MAX_TRANSCRIPT / 1000 + 50 {
            s.push_line(Line {
                dir: Dir::Received,
                text: line.clone(),
            });
        }
        s.info("a note");
        let kept: usize = s
            .transcript
            .iter()
            .filter(|l| l.dir != Dir::Info)
            .map(|l| l.text.len())
            .sum();
        assert!(kept <= MAX_TRANSCRIPT, "{kept}");
        let notes: Vec<&str> = s
            .transcript
            .iter()
            .filter(|l| l.dir == Dir::Info)
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(
            notes,
            [
                "the transcript passed 256 KiB: later lines are left out",
                "a note"
            ]
        );
        s.clear_transcript();
        s.push_line(Line {
            dir: Dir::Sent,
            text: "QUIT".into(),
        });
        assert_eq!(s.transcript.len(), 1);
    }
}
