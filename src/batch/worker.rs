//! A batch worker: takes jobs from the shared queue, composes each message
//! (templates parsed once per worker) while the driver commits its claim
//! (made in its `--rate` slot), and sends it: over its own SMTP connection (TLS and AUTH once, then
//! many messages, `RSET` between, pipelined when the server allows,
//! dialled again when the server drops it) or over its own keep-alive
//! HTTP lane. Every attempt ends in a [`Report`] with the verdict of
//! [`crate::delivery::verdict`].

use std::collections::BTreeSet;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::batch::coordinator::{Job, Outcome, Report};
use crate::batch::durable::Durable;
use crate::config::settings::Settings;
use crate::delivery::http::{Client, Lane};
use crate::delivery::mime::Built;
use crate::delivery::smtp::{self, Session, SmtpError, Stage, Target};
use crate::delivery::verdict::{self, Action, Class, Scope, Verdict};
use crate::interrupt::Stop;
use crate::message::compose::{Composer, Spec, Wire};
use crate::secret::Redactor;

/// What every worker shares.
pub struct Shared<'a> {
    pub settings: &'a Settings,
    /// The SMTP target, when emails go out over SMTP.
    pub target: Option<Target>,
    pub http: Option<Client>,
    pub stop: Stop,
    /// Which journal commits returned (a job waits for its claim's).
    pub durable: Durable,
    pub redactor: &'a Redactor,
    /// The types the workers rendered from courier's built-in templates.
    pub builtin: Mutex<BTreeSet<String>>,
}

/// Runs one worker until the queue closes.
/// Each job comes with the number of the journal commit that claims it:
/// the worker renders the message, then waits for that commit to return
/// before anything goes out.
pub fn run(shared: &Shared<'_>, jobs: &Arc<Mutex<Receiver<(Job, u64)>>>, reports: &Sender<Report>) {
    let mut composer = Composer::new(shared.settings);
    let mut conn = shared.target.clone().map(SmtpConn::new);
    let mut http = shared.http.as_ref().map(Client::lane);
    let mut boundaries = Boundaries::new();
    let report = |job: Job, outcome: Outcome, ms: f64| {
        let _ = reports.send(Report { job, outcome, ms });
    };
    while let Some((job, claim)) = next_job(jobs) {
        if shared.stop.requested() {
            report(job, Outcome::Unstarted, 0.0);
            continue;
        }
        let wire = compose(&mut composer, &job, &mut boundaries);
        if !shared.durable.wait(claim) || shared.stop.requested() {
            report(job, Outcome::Unstarted, 0.0);
            continue;
        }
        let wire = match wire {
            Ok(w) => w,
            Err(e) => {
                report(job, Outcome::Bad(shared.redactor.redact(&e)), 0.0);
                continue;
            }
        };
        let start = Instant::now();
        let v = deliver(&wire, &mut conn, http.as_mut(), shared.settings);
        let ms = crate::delivery::millis_since(start);
        report(job, Outcome::Delivered(masked(v, shared.redactor)), ms);
    }
    if let Some(c) = conn.as_mut() {
        c.close();
    }
    let mut builtin = shared
        .builtin
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    builtin.extend(composer.builtin_used().iter().map(|(ty, ..)| ty.clone()));
}

/// The next job of a queue workers share; `None` once it is closed.
pub fn next_job<T>(jobs: &Mutex<Receiver<T>>) -> Option<T> {
    let rx = jobs
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    rx.recv().ok()
}

/// A message ready for the wire.
pub enum Payload {
    Smtp(Built),
    Http(crate::delivery::request::HttpRequest),
}

/// Sends one message over the worker's SMTP connection or its HTTP lane. A bug must not strand the job (whoever waits for its report
/// waits for every one): a panic is a verdict, and the connection is
/// dialled anew.
pub fn deliver(
    wire: &Payload,
    conn: &mut Option<SmtpConn>,
    http: Option<&mut Lane>,
    settings: &Settings,
) -> Verdict {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        match (wire, conn.as_mut(), http) {
            (Payload::Smtp(built), Some(c), _) => c.send(built),
            (Payload::Http(req), _, Some(lane)) => {
                let result = lane.send(req);
                verdict::http(result.as_ref(), settings.release)
            }
            _ => internal("no transport for this channel"),
        }
    }))
    .unwrap_or_else(|_| {
        if let Some(c) = conn.as_mut() {
            c.session = None;
        }
        internal("internal error while sending (courier bug)")
    })
}

/// Composes the job's message; an email gets its date and boundary.
fn compose(composer: &mut Composer<'_>, job: &Job, b: &mut Boundaries) -> Result<Payload, String> {
    let r = &job.row;
    let spec = Spec::template(r.channel, Some(&r.recipient), &r.ty, Some(&r.data));
    compose_spec(composer, &spec, b)
}

/// Composes a message for the wire; an email gets its date and boundary.
pub fn compose_spec(
    composer: &mut Composer<'_>,
    spec: &Spec<'_>,
    b: &mut Boundaries,
) -> Result<Payload, String> {
    let wire = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| composer.wire(spec)))
        .map_err(|_| "internal error while rendering (courier bug)".to_owned())?
        .map_err(|e| e.to_string())?;
    match wire {
        Wire::Http(req) => Ok(Payload::Http(req)),
        Wire::Smtp(email) => email
            .build(crate::calendar::unix_now(), &b.fresh())
            .map(Payload::Smtp)
            .map_err(|e| e.to_string()),
    }
}

fn internal(error: &str) -> Verdict {
    Verdict {
        action: Action::Abandon,
        scope: Scope::Message,
        class: Class::Permanent,
        retry_after: None,
        stage: None,
        reply: None,
        error: Some(error.to_owned()),
        hint: None,
    }
}

/// The verdict with every secret masked in what the server or the client
/// said.
pub fn masked(mut v: Verdict, r: &Redactor) -> Verdict {
    for text in [&mut v.reply, &mut v.error].into_iter().flatten() {
        r.redact_in_place(text);
    }
    v
}

/// A worker's SMTP connection, opened on first use and kept.
pub struct SmtpConn {
    target: Target,
    session: Option<Session>,
    /// Transactions tried on the current connection.
    used: u32,
}

impl SmtpConn {
    #[must_use]
    pub fn new(target: Target) -> Self {
        Self {
            target,
            session: None,
            used: 0,
        }
    }

    fn send(&mut self, built: &Built) -> Verdict {
        for fresh_try in [false, true] {
            if self.session.is_none() {
                let (mut session, r) = smtp::open(&self.target, Stage::Auth);
                if let Err(e) = r {
                    let stage = smtp::failed_stage(&session);
                    return verdict::smtp(Err(&e), stage, &self.target);
                }
                session.stop_recording();
                self.session = Some(session);
                self.used = 0;
            }
            let Some(s) = self.session.as_mut() else {
                continue;
            };
            let reused = self.used > 0;
            self.used += 1;
            let result = s.transaction(built, reused);
            let Err(e) = &result else {
                return verdict::smtp(result.as_ref(), None, &self.target);
            };
            let stage = smtp::failed_stage(s).unwrap_or(Stage::Mail);
            let first_reply = s.failed_at_first_reply();
            // The body went out whole and no final reply came.
            let in_doubt = s.body_in_flight()
                && matches!(
                    e,
                    SmtpError::Timeout(_) | SmtpError::Closed | SmtpError::Io(_)
                );
            // An envelope refused before MAIL left the session as it was.
            let keep = (s.is_open() && matches!(e, SmtpError::Reply(r) if r.code != 421))
                || matches!(e, SmtpError::Envelope(_));
            if !keep {
                s.drop_connection();
                self.session = None;
            }
            // A kept connection the server closed (or said 421 on) while
            // idle, before taking anything of this message: nothing was
            // delivered, so dial again once, without counting an attempt.
            let idle_drop = match e {
                SmtpError::Closed | SmtpError::Io(_) => true,
                SmtpError::Reply(r) => r.code == 421,
                _ => false,
            };
            if reused && first_reply && idle_drop && !fresh_try && !in_doubt {
                continue;
            }
            let v = verdict::smtp(Err(e), Some(stage), &self.target);
            return if in_doubt { verdict::uncertain(v) } else { v };
        }
        verdict::smtp(Err(&SmtpError::Closed), None, &self.target)
    }

    /// Says QUIT, when connected.
    pub fn close(&mut self) {
        if let Some(mut s) = self.session.take() {
            s.quit();
        }
    }
}

/// MIME boundaries: unique per message, not secret (Kratos' mailer draws
/// them at random too). A xorshift128+ per worker, seeded from the
/// process' random hash keys, instead of the system source per message.
pub struct Boundaries(u64, u64);

impl Default for Boundaries {
    fn default() -> Self {
        Self::new()
    }
}

impl Boundaries {
    #[must_use]
    pub fn new() -> Self {
        // Seeded by std's per-process random keys: no cryptographic
        // generator to set up per thread (aws-lc's costs milliseconds).
        use std::hash::{BuildHasher as _, Hasher as _};
        let keys = std::hash::RandomState::new();
        let half = |i: u64| {
            let mut h = keys.build_hasher();
            h.write_u64(i);
            h.finish() | 1
        };
        Self(half(1), half(2))
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
