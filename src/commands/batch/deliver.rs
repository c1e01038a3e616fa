//! Sending a batch. The coordinator (this thread) streams the rows, looks
//! each up in the journal (resume), claims a chunk of messages as
//! `processing` in one transaction *before* handing them to the workers
//! (so a crash leaves them recorded as uncertain: at most once), collects
//! every attempt's verdict, schedules retries with backoff, and writes the
//! outcomes in batched transactions. Only it touches the journal.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use super::compose::{self, Settings};
use super::worker::{self, Job, Report, Scope, Shared, Verdict};
use super::{RowResult, report_bad};
use crate::cli::{Format, OnBadRow, SendArgs};
use crate::diag::{Paint, Role};
use crate::exit::{ExitStatus, fail};
use crate::interrupt::{self, Stop};
use crate::journal::{Change, Claim, Journal, Status};
use crate::output::{Printer, Progress};
use crate::recipients;

/// The last JSON line of a batch that sends (a public interface).
#[derive(Debug, Default, Serialize)]
pub struct SendSummary {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub dry_run: bool,
    /// Rows read (bad and skipped ones included).
    pub rows: u64,
    pub sent: u64,
    pub abandoned: u64,
    pub bad: u64,
    /// Rows an earlier run sent.
    pub skipped_sent: u64,
    /// Rows an earlier run abandoned (without --retry-abandoned).
    pub skipped_abandoned: u64,
    /// Rows an earlier run left in flight (without --resend-uncertain).
    pub uncertain: u64,
    /// Messages left queued for the next run (after Ctrl-C or a stop).
    pub queued: u64,
    /// Attempts that failed and were retried.
    pub retries: u64,
    pub interrupted: bool,
    /// The batch stopped early (a bad row with --on-bad-row stop, a server
    /// that cannot be used, a changed input).
    pub stopped: bool,
    pub elapsed_ms: u64,
    /// Messages sent per second.
    pub rate: f64,
    pub journal: String,
    /// The first errors, grouped by cause.
    pub errors: Vec<Cause>,
}

/// One cause of failure and how often it struck.
#[derive(Debug, Clone, Serialize)]
pub struct Cause {
    pub error: String,
    pub count: u64,
    pub first_line: u64,
}

/// Why the batch stops early.
struct Fatal {
    status: ExitStatus,
    message: String,
    hint: Option<String>,
}

/// How many abandoned messages are listed on stderr (the rest: `courier log`).
const SHOWN_FAILURES: u64 = 20;
/// Outcomes held before a journal commit, at most.
const FLUSH_CHANGES: usize = 1024;
/// Time between journal commits, at most, while sending.
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// How many causes are kept for the summary.
const CAUSES: usize = 8;

/// The journal used when `--journal` is not given.
#[must_use]
pub fn default_journal(input: &Path) -> PathBuf {
    if input.as_os_str() == "-" {
        return PathBuf::from("stdin.courier.db");
    }
    let mut name = input.file_name().unwrap_or_default().to_os_string();
    name.push(".courier.db");
    input.with_file_name(name)
}

struct Coordinator<'p> {
    printer: &'p Printer,
    journal: Journal,
    progress: Progress,
    pending: Vec<Change>,
    summary: SendSummary,
    causes: BTreeMap<String, (u64, u64)>,
    retry_at: Vec<(Instant, Job)>,
    in_flight: usize,
    max_tries: u32,
    backoff: Duration,
    jitter: crate::pace::Jitter,
    fatal: Option<Fatal>,
    /// Set by a server-wide transient failure, cleared by a success: no new
    /// rows are taken meanwhile.
    server_trouble: bool,
    on_bad_row: OnBadRow,
    shown_failures: u64,
    stop: Stop,
    started: Instant,
    /// Claims not yet committed (their jobs wait for the commit).
    claims_pending: bool,
    last_flush: Instant,
    /// JSON result lines not yet written (written after each commit).
    out: String,
}

/// Sends the batch.
pub fn run(
    loaded: &crate::config::Loaded,
    args: &SendArgs,
    path: &Path,
    input: Box<dyn std::io::Read>,
    format: recipients::Format,
    defaults: Option<&Value>,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| default_journal(path));
    let journal = Journal::open(&journal_path).map_err(|e| {
        if e.busy {
            fail(
                ExitStatus::TempFail,
                e.to_string(),
                Some("wait for that run to finish (`courier log` shows its progress), or give this one another --journal"),
            )
        } else {
            fail(
                ExitStatus::NoInput,
                e.to_string(),
                Some("give a writable place with --journal PATH"),
            )
        }
    })?;
    let _ = journal.set_meta("input", &path.display().to_string());
    let settings = Settings::new(loaded);
    let timeout = Duration::from_secs(args.timeout);
    let target = settings
        .smtp
        .as_ref()
        .ok()
        .map(|s| crate::transport::smtp_target(s, timeout));
    let needs_http = settings.http_email || matches!(settings.sms_http, Ok(Some(_)));
    let http = if needs_http {
        Some(
            crate::http::Client::new(timeout)
                .map_err(|e| fail(ExitStatus::Config, format!("cannot set up HTTP: {e}"), None))?,
        )
    } else {
        None
    };
    let stop = Stop::default();
    interrupt::install(&stop);
    // Only a regular file can be read twice (a pipe would be consumed).
    let regular = std::fs::metadata(path).is_ok_and(|m| m.is_file());
    let total = if printer.shows_progress() && regular {
        count_rows(path, format)
    } else {
        None
    };
    let concurrency = usize::from(args.concurrency);
    let chunk = chunk_size(concurrency, args.rate);
    let mut c = Coordinator {
        printer,
        journal,
        progress: printer.progress_bar(total),
        pending: Vec::new(),
        summary: SendSummary {
            kind: "summary",
            journal: journal_path.display().to_string(),
            ..SendSummary::default()
        },
        causes: BTreeMap::new(),
        retry_at: Vec::new(),
        in_flight: 0,
        max_tries: crate::config::settings::message_retries(loaded).saturating_add(1),
        backoff: args.backoff,
        jitter: crate::pace::Jitter::default(),
        fatal: None,
        server_trouble: false,
        on_bad_row: args.on_bad_row,
        shown_failures: 0,
        stop: stop.clone(),
        started: Instant::now(),
        claims_pending: false,
        last_flush: Instant::now(),
        out: String::new(),
    };
    let shared = Shared {
        loaded,
        settings: &settings,
        target,
        http,
        limiter: args.rate.map(crate::pace::Limiter::new),
        stop: stop.clone(),
        redactor: &loaded.redactor,
    };
    let started = Instant::now();
    let mut rows = recipients::rows(input, format);
    let (job_tx, job_rx) = mpsc::sync_channel::<Job>(concurrency * 2);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (report_tx, report_rx) = mpsc::channel::<Report>();
    let result = std::thread::scope(|scope| {
        let mut workers = 0;
        for _ in 0..concurrency {
            let (jobs, reports, shared) = (Arc::clone(&job_rx), report_tx.clone(), &shared);
            // A worker that cannot start leaves the others to do the work.
            workers += usize::from(
                std::thread::Builder::new()
                    .name("courier-worker".into())
                    .spawn_scoped(scope, move || worker::run(shared, &jobs, &reports))
                    .is_ok(),
            );
        }
        drop(report_tx);
        if workers == 0 {
            drop(job_tx);
            return Err("cannot start a worker thread".to_owned());
        }
        let r = c.drive(&mut rows, args, defaults, chunk, &job_tx, &report_rx);
        if r.is_err() {
            // The journal failed: send nothing more that it cannot record.
            stop.request();
        }
        drop(job_tx);
        // Whatever is still out comes back (finished, or unstarted).
        while c.in_flight > 0 {
            match report_rx.recv() {
                Ok(rep) => c.handle(rep),
                Err(_) => break,
            }
        }
        r.and_then(|()| c.flush()).map_err(|e| e.to_string())
    });
    c.progress.finish();
    if let Err(e) = result {
        return Err(fail(ExitStatus::Failure, e, None));
    }
    c.summary.queued += c.retry_at.len() as u64;
    let elapsed = started.elapsed();
    c.summary.elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    c.summary.rate = if elapsed.as_secs_f64() > 0.0 {
        (c.summary.sent as f64 / elapsed.as_secs_f64() * 10.0).round() / 10.0
    } else {
        0.0
    };
    c.summary.interrupted = stop.requested() && c.fatal.is_none() && !c.summary.stopped;
    let mut causes: Vec<Cause> = c
        .causes
        .iter()
        .map(|(error, (count, first_line))| Cause {
            error: error.clone(),
            count: *count,
            first_line: *first_line,
        })
        .collect();
    causes.sort_by(|a, b| b.count.cmp(&a.count).then(a.first_line.cmp(&b.first_line)));
    c.summary.errors = causes;
    print_summary(printer, &c.summary);
    if let Some(f) = c.fatal {
        return Err(fail(f.status, f.message, f.hint.as_deref()));
    }
    Ok(if c.summary.interrupted {
        ExitStatus::Interrupted
    } else if c.summary.bad > 0 || c.summary.stopped {
        ExitStatus::DataErr
    } else if c.summary.abandoned
        + c.summary.uncertain
        + c.summary.skipped_abandoned
        + c.summary.queued
        > 0
    {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Messages claimed per journal transaction: enough to keep the workers
/// busy, few enough that a crash leaves few uncertain ones.
fn chunk_size(concurrency: usize, rate: Option<crate::pace::Rate>) -> usize {
    let mut n = (concurrency * 16).clamp(32, 512);
    if let Some(r) = rate {
        // About a fifth of a second of sending.
        n = n.min(((r.per_second / 5.0).ceil() as usize).max(1));
    }
    n
}

/// Rows in a file, for the progress bar (lines; minus the header of a CSV).
fn count_rows(path: &Path, format: recipients::Format) -> Option<u64> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let mut buf = vec![0u8; 1 << 16];
    let (mut lines, mut last) = (0u64, b'\n');
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        last = buf[n - 1];
    }
    if last != b'\n' {
        lines += 1;
    }
    Some(match format {
        recipients::Format::Csv => lines.saturating_sub(1),
        recipients::Format::JsonLines => lines,
    })
}

impl Coordinator<'_> {
    fn drive(
        &mut self,
        rows: &mut dyn Iterator<Item = Result<recipients::Row, recipients::BadRow>>,
        args: &SendArgs,
        defaults: Option<&Value>,
        chunk: usize,
        job_tx: &mpsc::SyncSender<Job>,
        report_rx: &mpsc::Receiver<Report>,
    ) -> Result<(), crate::journal::JournalError> {
        let known_up_to = self.journal.max_id()?;
        let mut input_done = false;
        // Claimed (recorded as processing) but not yet taken by a worker.
        let mut ready: VecDeque<Job> = VecDeque::new();
        loop {
            while let Ok(rep) = report_rx.try_recv() {
                self.handle(rep);
            }
            // Rows are claimed a chunk at a time, so journal transactions
            // stay few.
            if !self.stop.requested() && ready.is_empty() {
                let now = Instant::now();
                let mut i = 0;
                while i < self.retry_at.len() && ready.len() < chunk {
                    if self.retry_at[i].0 <= now {
                        let (_, mut job) = self.retry_at.swap_remove(i);
                        job.attempt += 1;
                        job.tries += 1;
                        job.before = Status::Queued;
                        self.claim(&job, false);
                        ready.push_back(job);
                    } else {
                        i += 1;
                    }
                }
                let mut read = 0;
                while !input_done
                    && !self.server_trouble
                    && !self.stop.requested()
                    && ready.len() < chunk
                    && self.in_flight + ready.len() < chunk * 2
                    && read < chunk * 4
                {
                    read += 1;
                    match rows.next() {
                        None => input_done = true,
                        Some(item) => {
                            if let Some(job) = self.admit(item, args, defaults, known_up_to)? {
                                ready.push_back(job);
                            }
                        }
                    }
                }
            }
            if self.stop.requested() {
                // Claimed but never attempted: back to queued.
                for job in ready.drain(..) {
                    self.summary.queued += 1;
                    self.pending.push(Change::Unclaim(job.id, job.before));
                }
            }
            // Claims are committed before their jobs go out; outcomes ride
            // along, or go when enough piled up or time passed.
            if self.claims_pending
                || self.pending.len() >= FLUSH_CHANGES
                || self.out.len() >= 1 << 16
                || self.last_flush.elapsed() >= FLUSH_EVERY
            {
                self.flush()?;
            }
            while let Some(job) = ready.pop_front() {
                match job_tx.try_send(job) {
                    Ok(()) => self.in_flight += 1,
                    Err(mpsc::TrySendError::Full(job)) => {
                        ready.push_front(job);
                        break;
                    }
                    Err(mpsc::TrySendError::Disconnected(_)) => return Ok(()),
                }
            }
            let idle = self.in_flight == 0 && ready.is_empty();
            if idle && (self.stop.requested() || (input_done && self.retry_at.is_empty())) {
                return Ok(());
            }
            if self.in_flight == 0 && ready.is_empty() && self.retry_at.is_empty() {
                // Nothing left to learn the server's state from: let the
                // next row probe it.
                self.server_trouble = false;
            }
            let can_take_more = ready.is_empty()
                && !input_done
                && !self.server_trouble
                && !self.stop.requested()
                && self.in_flight < chunk * 2;
            if !can_take_more {
                // Wait for a verdict, or for the next retry to fall due.
                let wait = self
                    .retry_at
                    .iter()
                    .map(|(t, _)| t.saturating_duration_since(Instant::now()))
                    .min()
                    .unwrap_or(Duration::from_millis(200))
                    .min(Duration::from_millis(200));
                match report_rx.recv_timeout(wait) {
                    Ok(rep) => self.handle(rep),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return Ok(()),
                }
            }
        }
    }

    /// Decides what to do with a row: skip it (journal says so, or it is
    /// bad), or claim it.
    fn admit(
        &mut self,
        item: Result<recipients::Row, recipients::BadRow>,
        args: &SendArgs,
        defaults: Option<&Value>,
        known_up_to: u64,
    ) -> Result<Option<Job>, crate::journal::JournalError> {
        self.summary.rows += 1;
        let row = match item {
            Ok(row) => row,
            Err(b) => {
                self.bad_row(b.line, &b.message);
                return Ok(None);
            }
        };
        let resolved = match compose::resolve(&row, args, defaults) {
            Ok(r) => r,
            Err(m) => {
                self.bad_row(row.line, &m);
                return Ok(None);
            }
        };
        let key = compose::row_key(row.line, &resolved);
        let known = if row.line <= known_up_to {
            self.journal.known(row.line)?
        } else {
            None
        };
        let mut attempt = 1;
        let mut replace = false;
        let before = known.as_ref().map_or(Status::Queued, |k| k.status);
        if let Some(k) = known {
            if k.key != key {
                if matches!(k.status, Status::Sent | Status::Processing) {
                    self.fatal = Some(Fatal {
                        status: ExitStatus::DataErr,
                        message: format!(
                            "line {} changed since the journal {} recorded it ({} there): this is not the input the journal belongs to",
                            row.line,
                            self.journal.path().display(),
                            k.status.as_str()
                        ),
                        hint: Some(
                            "to send this input as a new batch, give it a new --journal".into(),
                        ),
                    });
                    self.summary.stopped = true;
                    self.stop.request();
                    return Ok(None);
                }
                replace = true;
            } else {
                let skip = match k.status {
                    Status::Sent => Some("sent-before"),
                    Status::Abandoned if !args.retry_abandoned => Some("abandoned-before"),
                    Status::Processing if !args.resend_uncertain => Some("uncertain"),
                    _ => None,
                };
                if let Some(reason) = skip {
                    match reason {
                        "sent-before" => self.summary.skipped_sent += 1,
                        "abandoned-before" => self.summary.skipped_abandoned += 1,
                        _ => self.summary.uncertain += 1,
                    }
                    self.progress.inc();
                    self.emit(
                        row.line,
                        &resolved,
                        "skipped",
                        Some(k.send_count),
                        None,
                        Some(reason),
                        None,
                    );
                    return Ok(None);
                }
                attempt = k.send_count + 1;
            }
        }
        let job = Job {
            id: row.line,
            key,
            attempt,
            tries: 1,
            before,
            row: resolved,
        };
        self.claim(&job, replace);
        Ok(Some(job))
    }

    /// Records `job` as processing (one more attempt) in the next commit;
    /// its job goes out only after that commit.
    fn claim(&mut self, job: &Job, replace: bool) {
        self.claims_pending = true;
        self.pending.push(Change::Claim(Claim {
            id: job.id,
            key: job.key.clone(),
            recipient: job.row.recipient.clone(),
            template_type: job.row.ty.clone(),
            channel: job.row.channel.as_str(),
            replace,
        }));
    }

    fn bad_row(&mut self, line: u64, message: &str) {
        self.summary.bad += 1;
        self.progress.inc();
        self.cause(message, line);
        if self.printer.format == Format::Json {
            let text = serde_json::to_string(&RowResult::bad(line, message)).unwrap_or_default();
            self.out.push_str(&text);
            self.out.push('\n');
        } else {
            let printer = self.printer;
            self.progress
                .suspend_for(|| report_bad(printer, line, message));
        }
        if self.on_bad_row == OnBadRow::Stop {
            self.summary.stopped = true;
            self.stop.request();
        }
        self.refresh();
    }

    fn cause(&mut self, error: &str, line: u64) {
        if let Some(c) = self.causes.get_mut(error) {
            c.0 += 1;
        } else if self.causes.len() < CAUSES * 8 {
            self.causes.insert(error.to_owned(), (1, line));
        }
    }

    /// Takes a worker's verdict.
    fn handle(&mut self, rep: Report) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let Report { job, verdict, ms } = rep;
        match verdict {
            Verdict::Sent { reply } => {
                self.server_trouble = false;
                self.summary.sent += 1;
                self.progress.inc();
                self.pending.push(Change::Attempt {
                    id: job.id,
                    attempt: job.attempt,
                    success: true,
                    reply: Some(reply.clone()),
                    error: None,
                    ms,
                    status: Status::Sent,
                });
                self.emit(
                    job.id,
                    &job.row,
                    "sent",
                    Some(job.attempt),
                    Some(reply),
                    None,
                    None,
                );
            }
            Verdict::Failed {
                error,
                reply,
                transient,
                scope,
                status,
                hint,
            } => {
                if scope == Scope::Message {
                    // The server answered: it is reachable again.
                    self.server_trouble = false;
                }
                let tries_left = job.tries < self.max_tries;
                let retry = transient && tries_left && !self.stop.requested();
                let server_down = scope == Scope::Server && (!transient || !tries_left);
                let state = if retry || server_down || (self.stop.requested() && transient) {
                    Status::Queued
                } else {
                    Status::Abandoned
                };
                self.pending.push(Change::Attempt {
                    id: job.id,
                    attempt: job.attempt,
                    success: false,
                    reply: reply.clone(),
                    error: Some(error.clone()),
                    ms,
                    status: state,
                });
                if server_down {
                    if self.fatal.is_none() {
                        let message = if transient {
                            format!(
                                "the server cannot be used after {} attempts: {error}",
                                job.tries
                            )
                        } else {
                            format!("the server cannot be used: {error}")
                        };
                        self.fatal = Some(Fatal {
                            status,
                            message,
                            hint: hint.or_else(|| {
                                Some("`courier test` walks the connection stage by stage; rerun the same command to resume".into())
                            }),
                        });
                    }
                    self.summary.queued += 1;
                    self.summary.stopped = true;
                    self.stop.request();
                } else if retry {
                    if scope == Scope::Server {
                        self.server_trouble = true;
                    }
                    self.summary.retries += 1;
                    let delay = crate::pace::backoff(self.backoff, job.tries, self.jitter.sample());
                    self.retry_at.push((Instant::now() + delay, job));
                } else if state == Status::Queued {
                    self.summary.queued += 1;
                } else {
                    self.summary.abandoned += 1;
                    self.progress.inc();
                    self.cause(&error, job.id);
                    if self.printer.format == Format::Json {
                        self.emit(
                            job.id,
                            &job.row,
                            "abandoned",
                            Some(job.attempt),
                            reply,
                            None,
                            Some(error),
                        );
                    } else if self.shown_failures < SHOWN_FAILURES {
                        self.shown_failures += 1;
                        let p = self.printer.stderr_paint();
                        let text = format!(
                            "courier: {} line {} {} after {} attempt{}: {error}",
                            p.paint("abandoned:", Role::Error),
                            job.id,
                            job.row.recipient,
                            job.tries,
                            if job.tries == 1 { "" } else { "s" }
                        );
                        let printer = self.printer;
                        self.progress.suspend_for(|| printer.diag(&text));
                    }
                }
            }
            Verdict::Bad(message) => {
                self.pending.push(Change::Unclaim(job.id, job.before));
                self.bad_row(job.id, &message);
            }
            Verdict::Unstarted => {
                self.summary.queued += 1;
                self.pending.push(Change::Unclaim(job.id, job.before));
            }
        }
        self.refresh();
    }

    fn refresh(&self) {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let mut text = format!(
            "{} sent, {} abandoned, {} retrying",
            self.summary.sent,
            self.summary.abandoned,
            self.retry_at.len()
        );
        if self.summary.bad > 0 {
            text.push_str(&format!(", {} bad", self.summary.bad));
        }
        text.push_str(&format!(" · {:.0}/s", self.summary.sent as f64 / secs));
        self.progress.message(text);
    }

    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        line: u64,
        row: &compose::Resolved,
        status: &'static str,
        attempts: Option<u32>,
        reply: Option<String>,
        reason: Option<&'static str>,
        error: Option<String>,
    ) {
        if self.printer.format != Format::Json {
            return;
        }
        let text = serde_json::to_string(&RowResult {
            kind: "result",
            line,
            recipient: Some(&row.recipient),
            template_type: Some(&row.ty),
            channel: Some(row.channel.as_str()),
            status,
            attempts,
            reply,
            reason,
            error,
        })
        .unwrap_or_default();
        self.out.push_str(&text);
        self.out.push('\n');
    }

    fn flush(&mut self) -> Result<(), crate::journal::JournalError> {
        let r = self.journal.apply(&self.pending);
        self.pending.clear();
        self.claims_pending = false;
        self.last_flush = Instant::now();
        // Result lines follow the journal: what they say is recorded.
        if !self.out.is_empty() {
            self.printer.out_raw(&self.out);
            self.out.clear();
        }
        r
    }
}

fn print_summary(printer: &Printer, s: &SendSummary) {
    if printer.format == Format::Json {
        printer.json_line(s);
        return;
    }
    let p = printer.stdout_paint();
    let verdict = if s.abandoned + s.bad == 0 && !s.stopped && !s.interrupted {
        p.paint("sent", Role::Success)
    } else {
        p.paint("sent", Role::Warning)
    };
    let mut text = format!(
        "{verdict} {} message{} in {:.1} s ({}/s); {} abandoned, {} bad row{}, {} retr{}",
        s.sent,
        if s.sent == 1 { "" } else { "s" },
        s.elapsed_ms as f64 / 1000.0,
        s.rate,
        s.abandoned,
        s.bad,
        if s.bad == 1 { "" } else { "s" },
        s.retries,
        if s.retries == 1 { "y" } else { "ies" },
    );
    if s.skipped_sent + s.skipped_abandoned + s.uncertain > 0 {
        text.push_str(&format!(
            "\nskipped: {} sent before, {} abandoned before (--retry-abandoned sends them), {} uncertain (--resend-uncertain sends them)",
            s.skipped_sent, s.skipped_abandoned, s.uncertain
        ));
    }
    if s.queued > 0 {
        text.push_str(&format!(
            "\n{} left queued: rerun the same command to resume",
            s.queued
        ));
    }
    if s.interrupted {
        text.push_str("\ninterrupted: rerun the same command to resume");
    }
    if !s.errors.is_empty() {
        text.push_str("\nerrors by cause:");
        for c in s.errors.iter().take(CAUSES) {
            text.push_str(&format!(
                "\n  {:>6} × {} (first: line {})",
                c.count, c.error, c.first_line
            ));
        }
    }
    text.push_str(&format!("\njournal: {}", s.journal));
    printer.out(&text);
}
