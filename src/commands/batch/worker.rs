//! A batch worker: takes jobs from the shared queue, renders each message
//! (templates parsed once per worker), waits for its slot under `--rate`,
//! and sends it: over its own SMTP connection (TLS and AUTH once, then
//! many messages, `RSET` between, pipelined when the server allows,
//! reconnecting when the server drops it) or over the shared keep-alive
//! HTTP client. Every attempt ends in a [`Report`] with a verdict the
//! coordinator turns into journal state.

use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::compose::{Composer, Payload, Resolved, Settings};
use crate::exit::ExitStatus;
use crate::interrupt::Stop;
use crate::pace::Limiter;
use crate::smtp::{self, Session, SmtpError, Stage, Target};

/// One attempt to make.
#[derive(Debug, Clone)]
pub struct Job {
    /// The row's line (the message id).
    pub id: u64,
    /// The row's key in the journal (its content and position).
    pub key: String,
    /// The attempt number in the journal (1 for the first ever).
    pub attempt: u32,
    /// Attempts made in this run (the retry allowance is per run).
    pub tries: u32,
    /// The row's journal status before this claim (what an unclaim
    /// restores).
    pub before: crate::journal::Status,
    pub row: Resolved,
}

/// Whose failure it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// This message (its recipient, its content).
    Message,
    /// The server or the way to it: every message would fail alike.
    Server,
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub enum Verdict {
    Sent {
        reply: String,
    },
    Failed {
        error: String,
        reply: Option<String>,
        transient: bool,
        scope: Scope,
        /// The exit status when this stops the batch.
        status: ExitStatus,
        hint: Option<String>,
    },
    /// The row does not render or cannot be built: not attempted.
    Bad(String),
    /// The batch was stopping: not attempted.
    Unstarted,
}

/// A job back with its verdict.
pub struct Report {
    pub job: Job,
    pub verdict: Verdict,
    pub ms: f64,
}

/// What every worker shares.
pub struct Shared<'a> {
    pub loaded: &'a crate::config::Loaded,
    pub settings: &'a Settings,
    pub target: Option<Target>,
    pub http: Option<crate::http::Client>,
    pub limiter: Option<Limiter>,
    pub stop: Stop,
    pub redactor: &'a crate::secret::Redactor,
}

/// Runs one worker until the queue closes.
pub fn run(shared: &Shared<'_>, jobs: &Arc<Mutex<Receiver<Job>>>, reports: &Sender<Report>) {
    let mut composer = Composer::new(shared.loaded, shared.settings);
    let mut conn = shared.target.clone().map(SmtpConn::new);
    let mut boundaries = Boundaries::new();
    loop {
        let job = {
            let rx = jobs
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            rx.recv()
        };
        let Ok(job) = job else { break };
        if shared.stop.requested() {
            let _ = reports.send(Report {
                job,
                verdict: Verdict::Unstarted,
                ms: 0.0,
            });
            continue;
        }
        let unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        let composed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            composer.compose(&job.row, unix, &boundaries.fresh())
        }))
        .unwrap_or_else(|_| Err("internal error while rendering (courier bug)".into()));
        let payload = match composed {
            Ok(p) => p,
            Err(e) => {
                let _ = reports.send(Report {
                    job,
                    verdict: Verdict::Bad(shared.redactor.redact(&e)),
                    ms: 0.0,
                });
                continue;
            }
        };
        if let Some(limiter) = &shared.limiter
            && !limiter.wait(&shared.stop)
        {
            let _ = reports.send(Report {
                job,
                verdict: Verdict::Unstarted,
                ms: 0.0,
            });
            continue;
        }
        let start = Instant::now();
        // A bug must not strand the job: the coordinator waits for every one.
        let verdict = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            match (&payload, conn.as_mut(), &shared.http) {
                (Payload::Smtp(built), Some(c), _) => c.send(built),
                (Payload::Http(req), _, Some(client)) => http_verdict(client, req),
                _ => Verdict::Bad("no transport for this channel".into()),
            }
        }))
        .unwrap_or_else(|_| {
            conn = shared.target.clone().map(SmtpConn::new);
            Verdict::Failed {
                error: "internal error while sending (courier bug)".into(),
                reply: None,
                transient: false,
                scope: Scope::Message,
                status: ExitStatus::Failure,
                hint: None,
            }
        });
        let verdict = redact(verdict, shared.redactor);
        let _ = reports.send(Report {
            job,
            verdict,
            ms: start.elapsed().as_secs_f64() * 1e3,
        });
    }
    if let Some(c) = conn.as_mut() {
        c.close();
    }
}

fn redact(v: Verdict, r: &crate::secret::Redactor) -> Verdict {
    match v {
        Verdict::Failed {
            error,
            reply,
            transient,
            scope,
            status,
            hint,
        } => Verdict::Failed {
            error: r.redact(&error),
            reply: reply.map(|x| r.redact(&x)),
            transient,
            scope,
            status,
            hint,
        },
        Verdict::Sent { reply } => Verdict::Sent {
            reply: r.redact(&reply),
        },
        other => other,
    }
}

/// A worker's SMTP connection, opened on first use and kept.
struct SmtpConn {
    target: Target,
    session: Option<Session>,
    /// Transactions tried on the current connection.
    used: u32,
}

impl SmtpConn {
    fn new(target: Target) -> Self {
        Self {
            target,
            session: None,
            used: 0,
        }
    }

    fn send(&mut self, built: &crate::mime::Built) -> Verdict {
        for fresh_try in [false, true] {
            if self.session.is_none() {
                let (session, r) = smtp::open(&self.target, Stage::Auth);
                if let Err(e) = r {
                    let stage = crate::transport::failed_stage(&session);
                    return open_failure(&e, stage, &self.target);
                }
                let mut session = session;
                session.stop_recording();
                self.session = Some(session);
                self.used = 0;
            }
            let Some(s) = self.session.as_mut() else {
                continue;
            };
            let reused = self.used > 0;
            self.used += 1;
            match s.transaction(built, reused) {
                Ok(reply) => {
                    return Verdict::Sent {
                        reply: reply.text(),
                    };
                }
                Err(e) => {
                    let stage = crate::transport::failed_stage(s).unwrap_or(Stage::Mail);
                    let first_reply = s.failed_at_first_reply();
                    let keep = s.is_open() && matches!(&e, SmtpError::Reply(r) if r.code != 421);
                    if !keep {
                        s.drop_connection();
                        self.session = None;
                    }
                    // A kept connection the server closed (or said 421 on)
                    // while idle, before taking anything of this message:
                    // nothing was delivered, so dial again once, without
                    // counting an attempt.
                    let idle_drop = match &e {
                        SmtpError::Closed | SmtpError::Io(_) => true,
                        SmtpError::Reply(r) => r.code == 421,
                        _ => false,
                    };
                    let stale = reused && first_reply && idle_drop;
                    if stale && !fresh_try {
                        continue;
                    }
                    return message_failure(&e, stage);
                }
            }
        }
        Verdict::Failed {
            error: "the connection closed twice in a row".into(),
            reply: None,
            transient: true,
            scope: Scope::Server,
            status: ExitStatus::TempFail,
            hint: None,
        }
    }

    fn close(&mut self) {
        if let Some(mut s) = self.session.take() {
            s.quit();
        }
    }
}

fn reply_of(e: &SmtpError) -> Option<String> {
    match e {
        SmtpError::Reply(r) => Some(r.text()),
        _ => None,
    }
}

/// Dialing, TLS or AUTH failed: a server problem. Timeouts, dropped
/// connections, refused connections and 4xx are worth retrying; a TLS or
/// authentication failure is not.
fn open_failure(e: &SmtpError, stage: Option<Stage>, target: &Target) -> Verdict {
    let transient = match e {
        SmtpError::Timeout(_)
        | SmtpError::Closed
        | SmtpError::Io(_)
        | SmtpError::Connect(_)
        | SmtpError::Resolve(_) => true,
        SmtpError::Tls(crate::tls::TlsError::Timeout) => true,
        SmtpError::Reply(r) => (400..500).contains(&r.code),
        _ => false,
    };
    Verdict::Failed {
        error: format!("{}: {e}", stage.map_or("connect", Stage::name)),
        reply: reply_of(e),
        transient,
        scope: Scope::Server,
        status: crate::transport::status_of(e),
        hint: crate::transport::hint(e, stage, target),
    }
}

/// `MAIL`, `RCPT` or `DATA` failed: 4xx and lost connections are retried,
/// 5xx abandons the message.
fn message_failure(e: &SmtpError, stage: Stage) -> Verdict {
    let transient = match e {
        SmtpError::Reply(r) => !(500..600).contains(&r.code),
        _ => true,
    };
    Verdict::Failed {
        error: format!("{}: {e}", stage.name()),
        reply: reply_of(e),
        transient,
        scope: Scope::Message,
        status: crate::transport::status_of(e),
        hint: None,
    }
}

fn http_verdict(client: &crate::http::Client, req: &crate::request::HttpRequest) -> Verdict {
    use crate::http::SendError;
    match client.send(req) {
        Ok(a) if (200..300).contains(&a.status) => Verdict::Sent {
            reply: format!("{} {}", a.status, a.body.trim_end()),
        },
        Ok(a) => {
            let reply = format!("{} {}", a.status, a.body.trim_end());
            let transient = a.status == 429 || (a.status >= 500 && a.status != 501);
            // Credentials the provider refuses fail every message alike.
            let server = matches!(a.status, 401 | 403 | 407);
            Verdict::Failed {
                error: format!("the server answered HTTP {}", a.status),
                reply: Some(reply),
                transient,
                scope: if server { Scope::Server } else { Scope::Message },
                status: if transient {
                    ExitStatus::TempFail
                } else {
                    ExitStatus::Unavailable
                },
                hint: server.then(|| {
                    "the provider refuses the credentials: check request_config.auth and the headers"
                        .to_owned()
                }),
            }
        }
        Err(e) => {
            let scope = if matches!(e, SendError::Connect(_)) {
                Scope::Server
            } else {
                Scope::Message
            };
            Verdict::Failed {
                error: e.to_string(),
                reply: None,
                transient: true,
                scope,
                status: if matches!(e, SendError::Timeout(_)) {
                    ExitStatus::TempFail
                } else {
                    ExitStatus::Unavailable
                },
                hint: None,
            }
        }
    }
}

/// MIME boundaries: unique per message, not secret (Kratos' mailer draws
/// them at random too). A xorshift128+ per worker, seeded from the system's
/// random source, instead of the system source per message.
struct Boundaries(u64, u64);

impl Boundaries {
    fn new() -> Self {
        let seed = crate::tls::random_hex(16);
        let half = |s: &str| u64::from_str_radix(s, 16).unwrap_or(0x9e37_79b9_7f4a_7c15) | 1;
        Self(
            half(seed.get(..16).unwrap_or_default()),
            half(seed.get(16..).unwrap_or_default()),
        )
    }

    /// 60 hex digits, like `tls::random_hex(30)`.
    fn fresh(&mut self) -> String {
        use std::fmt::Write as _;
        let mut out = String::with_capacity(64);
        for _ in 0..4 {
            let (mut a, b) = (self.0, self.1);
            a ^= a << 23;
            a ^= a >> 17;
            a ^= b ^ (b >> 26);
            self.0 = b;
            self.1 = a;
            let _ = write!(out, "{:016x}", a.wrapping_add(b));
        }
        out.truncate(60);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Boundaries;

    #[test]
    fn boundaries_are_hex_and_do_not_repeat() {
        let mut b = Boundaries::new();
        let all: std::collections::HashSet<String> = (0..10_000).map(|_| b.fresh()).collect();
        assert_eq!(all.len(), 10_000);
        assert!(
            all.iter()
                .all(|s| s.len() == 60 && s.bytes().all(|c| c.is_ascii_hexdigit()))
        );
    }
}
