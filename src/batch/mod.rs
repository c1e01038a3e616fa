//! Batches: rows of recipients streamed from CSV or JSON Lines
//! ([`recipients`], [`rows`]), sent by workers ([`worker`]) under a pure
//! coordinator ([`coordinator`]) that records every claim and attempt in
//! an SQLite journal ([`journal`]), paced by `--rate` ([`pace`]). This
//! module is the driver that wires them: it owns the journal, the row
//! stream and the threads, and hands events to a [`Presenter`]. Nothing
//! here prints.

pub mod coordinator;
pub mod durable;
pub mod journal;
pub mod pace;
pub mod recipients;
mod records;
pub mod rows;
pub mod worker;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;

use crate::config::settings::{Route, Settings};
use crate::delivery::http::Client;
use crate::interrupt::{self, Stop};
use crate::message::Channel;
use crate::message::compose::{Composer, Spec, Wire};
use crate::secret::Redactor;
use coordinator::{Cause, Coordinator, Counts, Event, Job, Policy, Report, Stopped};
use journal::Journal;
use recipients::{BadRow, Row};
use rows::Defaults;

/// What a batch run is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// The input; `-` is standard input.
    pub input: PathBuf,
    /// The journal [default: next to the input].
    pub journal: Option<PathBuf>,
    pub defaults: Defaults,
    pub concurrency: usize,
    pub rate: Option<pace::Rate>,
    pub backoff: Duration,
    /// Every network deadline.
    pub timeout: Duration,
    pub retry_abandoned: bool,
    pub resend_uncertain: bool,
    /// Sync every journal commit to disk (`--no-journal-sync` turns it off).
    pub journal_sync: bool,
    pub stop_at_bad_row: bool,
}

/// Where a run's events go (progress, result lines, a summary).
pub trait Presenter {
    /// Whether a total row count is worth reading the input twice for.
    fn wants_total(&self) -> bool;
    /// The run starts; `total` rows when known.
    fn start(&mut self, total: Option<u64>);
    /// Events, each recorded in the journal before it is given out.
    fn events(&mut self, events: Vec<Event>);
    /// The counts changed.
    fn progress(&mut self, counts: &Counts, retrying: usize);
    /// Whether nobody reads the output any more (a closed stdout): the
    /// batch then winds down as on Ctrl-C.
    fn gone(&self) -> bool;
    /// The run is over (before the summary).
    fn finish(&mut self);
}

/// The summary of a batch that sends (a public interface).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub dry_run: bool,
    #[serde(flatten)]
    pub counts: Counts,
    pub interrupted: bool,
    /// The batch stopped early (a bad row with --on-bad-row stop, a server
    /// that cannot be used, a changed input, a row over its cap).
    pub stopped: bool,
    pub elapsed_ms: u64,
    /// Messages sent per second.
    pub rate: f64,
    pub journal: String,
    /// The errors, grouped by cause, most frequent first.
    pub errors: Vec<Cause>,
}

/// The summary of a dry run (a public interface).
#[derive(Debug, Clone, Serialize)]
pub struct DrySummary {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub dry_run: bool,
    pub rows: u64,
    pub ok: u64,
    pub bad: u64,
    pub stopped: bool,
    /// The types rendered from courier's built-in templates (for a note
    /// on stderr; not part of the JSON).
    #[serde(skip)]
    pub builtin: Vec<String>,
}

/// Rows read per turn of the driver, at most: a long run of rows to skip
/// does not hold back the workers' reports.
const READ_PER_TURN: usize = 256;
/// The longest the driver waits for a report before it looks at Ctrl-C
/// and the retries again (not a commit timer: commits follow the work).
const IDLE_WAIT: Duration = Duration::from_millis(100);

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

fn resolve(
    item: Result<Row, BadRow>,
    defaults: &Defaults,
) -> (u64, Result<rows::Resolved, String>) {
    match item {
        Err(b) => (b.line, Err(b.message)),
        Ok(row) => (row.line, rows::resolve(&row, defaults)),
    }
}

/// Renders every row as it would be sent, sending nothing.
pub fn dry_run(
    options: &Options,
    settings: &Settings,
    presenter: &mut dyn Presenter,
) -> Result<DrySummary, anyhow::Error> {
    let (input, format) = recipients::open(&options.input)?;
    presenter.start(None);
    let mut composer = Composer::new(settings);
    let mut s = DrySummary {
        kind: "summary",
        dry_run: true,
        rows: 0,
        ok: 0,
        bad: 0,
        stopped: false,
        builtin: Vec::new(),
    };
    let mut counts = Counts::default();
    let name = crate::input::name_of(&options.input);
    for item in recipients::rows(input, format, &name) {
        s.rows += 1;
        counts.rows += 1;
        let fatal = matches!(&item, Err(b) if b.fatal);
        let (line, resolved) = resolve(item, &options.defaults);
        let outcome = resolved.and_then(|row| {
            let spec = Spec::template(row.channel, Some(&row.recipient), &row.ty, Some(&row.data));
            if let Wire::Smtp(email) = composer.wire(&spec).map_err(|e| e.to_string())? {
                email.build(0, "dry-run").map_err(|e| e.to_string())?;
            }
            Ok(row)
        });
        let event = match outcome {
            Ok(row) => {
                s.ok += 1;
                Event::Rendered { line, row }
            }
            Err(message) => {
                s.bad += 1;
                counts.bad += 1;
                Event::Bad { line, message }
            }
        };
        let bad = matches!(event, Event::Bad { .. });
        presenter.events(vec![event]);
        presenter.progress(&counts, 0);
        if bad && (options.stop_at_bad_row || fatal) {
            s.stopped = true;
            break;
        }
        if presenter.gone() {
            break;
        }
    }
    presenter.finish();
    s.builtin = builtin_types(&composer);
    Ok(s)
}

/// The types a composer rendered from courier's built-in templates.
fn builtin_types(composer: &Composer<'_>) -> Vec<String> {
    let mut types: Vec<String> = composer
        .builtin_used()
        .iter()
        .map(|(ty, ..)| ty.clone())
        .collect();
    types.dedup();
    types
}

/// How a sending run ended: its summary, and why it stopped early when
/// the server or the input made it (an error to report after the
/// summary).
#[derive(Debug)]
pub struct Sent {
    pub summary: Summary,
    pub stopped: Option<Stopped>,
    /// The types rendered from courier's built-in templates.
    pub builtin: Vec<String>,
}

/// Sends the batch.
pub fn send(
    options: &Options,
    settings: &Settings,
    redactor: &Redactor,
    presenter: &mut dyn Presenter,
) -> Result<Sent, anyhow::Error> {
    let (input, format) = recipients::open(&options.input)?;
    let journal_path = options
        .journal
        .clone()
        .unwrap_or_else(|| default_journal(&options.input));
    let journal = Journal::open(&journal_path)?;
    if !options.journal_sync {
        journal.unsynced()?;
    }
    let _ = journal.set_meta("input", &options.input.display().to_string());
    let shared = worker::Shared {
        settings,
        target: settings.smtp().ok().map(|s| s.target(options.timeout)),
        http: http_client(settings, options.timeout)?,
        stop: Stop::default(),
        durable: durable::Durable::default(),
        redactor,
        builtin: Mutex::new(std::collections::BTreeSet::new()),
    };
    interrupt::install(&shared.stop);
    let total = if presenter.wants_total() {
        recipients::count(&options.input, format)
    } else {
        None
    };
    presenter.start(total);
    let mut jitter = pace::Jitter::default();
    let coordinator = Coordinator::new(
        Policy {
            max_tries: settings.attempts(),
            backoff: options.backoff,
            retry_abandoned: options.retry_abandoned,
            resend_uncertain: options.resend_uncertain,
            stop_at_bad_row: options.stop_at_bad_row,
            journal: journal_path.display().to_string(),
        },
        Box::new(move || jitter.sample()),
    );
    let mut driver = Driver {
        coordinator,
        journal,
        presenter,
        defaults: &options.defaults,
        stop: shared.stop.clone(),
        durable: &shared.durable,
        commits: 0,
        limiter: options.rate.map(pace::Limiter::new),
    };
    let started = Instant::now();
    let name = crate::input::name_of(&options.input);
    let mut rows = recipients::rows(input, format, &name);
    let result = driver.run(&shared, &mut rows, options);
    driver.presenter.finish();
    result?;
    let mut finished = driver.coordinator.finish();
    let elapsed = started.elapsed();
    // What an early end left unread is left for the next run too (not
    // counted on standard input, which may not end).
    if (finished.interrupted || finished.stopped_early || finished.stopped.is_some())
        && options.input != Path::new("-")
    {
        finished.counts.unread = rows.by_ref().filter(Result::is_ok).count() as u64;
    }
    let sent = finished.counts.sent;
    Ok(Sent {
        summary: Summary {
            kind: "summary",
            dry_run: false,
            counts: finished.counts,
            interrupted: finished.interrupted,
            stopped: finished.stopped_early,
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            rate: if elapsed.as_secs_f64() > 0.0 {
                (sent as f64 / elapsed.as_secs_f64() * 10.0).round() / 10.0
            } else {
                0.0
            },
            journal: journal_path.display().to_string(),
            errors: finished.causes,
        },
        stopped: finished.stopped,
        builtin: shared
            .builtin
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .into_iter()
            .collect(),
    })
}

/// The shared HTTP client, when some channel goes over HTTP.
pub fn http_client(
    settings: &Settings,
    timeout: Duration,
) -> Result<Option<Client>, anyhow::Error> {
    let needs = [Channel::Email, Channel::Sms]
        .iter()
        .any(|c| matches!(settings.route(*c), Ok(Route::Http(_))));
    if !needs {
        return Ok(None);
    }
    Ok(Some(
        Client::new(timeout, settings.http_rule.clone())
            .context("cannot set up the HTTP client")?,
    ))
}

/// The coordinator's surroundings: the journal, the rows, the presenter.
struct Driver<'a> {
    coordinator: Coordinator,
    journal: Journal,
    presenter: &'a mut dyn Presenter,
    defaults: &'a Defaults,
    stop: Stop,
    durable: &'a durable::Durable,
    /// Commits made so far (each job goes out tagged with the one that
    /// holds its claim).
    commits: u64,
    /// `--rate`: a message is claimed only in its slot, so a claimed
    /// message is one on its way out, never one waiting for its turn.
    limiter: Option<pace::Limiter>,
}

impl Driver<'_> {
    /// Runs the workers and drives them until the batch is over; every
    /// job handed out comes back before this returns.
    fn run(
        &mut self,
        shared: &worker::Shared<'_>,
        rows: &mut dyn Iterator<Item = Result<Row, BadRow>>,
        options: &Options,
    ) -> Result<(), anyhow::Error> {
        let concurrency = options.concurrency.max(1);
        // Jobs are claimed only for free workers: the queue never holds
        // more than there are workers.
        let (job_tx, job_rx) = mpsc::sync_channel::<(Job, u64)>(concurrency);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (report_tx, report_rx) = mpsc::channel::<Report>();
        std::thread::scope(|scope| {
            let mut workers = 0;
            for _ in 0..concurrency {
                let (jobs, reports) = (Arc::clone(&job_rx), report_tx.clone());
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
                return Err(anyhow::anyhow!("cannot start a worker thread"));
            }
            let r = self.drive(rows, workers, &job_tx, &report_rx);
            if r.is_err() {
                // The journal failed: send nothing more that it cannot record.
                self.stop.request();
            }
            drop(job_tx);
            // Whatever is still out comes back (finished, or unstarted).
            while self.coordinator.in_flight() > 0 {
                match report_rx.recv() {
                    Ok(rep) => self.coordinator.report(rep, Instant::now()),
                    Err(_) => break,
                }
            }
            r.and_then(|()| self.flush(None))
                .context("the journal could not record the batch")
        })
    }
    /// The driver's loop. Each turn takes every report that came in
    /// since the last, claims a job for each free worker, and commits the
    /// outcomes and the claims in one transaction (group commit: whatever
    /// the workers reported while the previous commit was syncing goes into
    /// the next one, with no timer); the claimed jobs go out after it.
    fn drive(
        &mut self,
        rows: &mut dyn Iterator<Item = Result<Row, BadRow>>,
        workers: usize,
        job_tx: &mpsc::SyncSender<(Job, u64)>,
        report_rx: &mpsc::Receiver<Report>,
    ) -> Result<(), journal::JournalError> {
        let known_up_to = self.journal.max_id()?;
        // Rows read ahead of the workers (never claimed before they go).
        let window = (workers * 2).max(8);
        let mut input_done = false;
        loop {
            while let Ok(rep) = report_rx.try_recv() {
                self.coordinator.report(rep, Instant::now());
            }
            if (self.stop.requested() || self.presenter.gone()) && !self.coordinator.stopping() {
                self.coordinator.interrupt();
            }
            self.coordinator.release_due(Instant::now());
            let mut read = 0;
            while !input_done && read < READ_PER_TURN && self.coordinator.wants_rows(window) {
                read += 1;
                match rows.next() {
                    None => input_done = true,
                    Some(item) => self.admit(item, known_up_to)?,
                }
            }
            if self.coordinator.stopping() {
                // Workers stop taking jobs, and a --rate wait is cut short.
                self.stop.request();
            }
            self.claim(workers);
            self.flush(Some(job_tx))?;
            if self.coordinator.finished(input_done) {
                return Ok(());
            }
            if input_done || !self.coordinator.wants_rows(window) {
                // Wait for a report, or for the next retry to fall due.
                // A slot to come (a free one waits for a free worker: a
                // report).
                let now = Instant::now();
                let slot = self
                    .limiter
                    .as_ref()
                    .and_then(pace::Limiter::next_slot)
                    .filter(|t| *t > now);
                // Stopping, no retry is taken any more: none to wait for.
                let due = (!self.coordinator.stopping())
                    .then(|| self.coordinator.next_due())
                    .flatten();
                let wait = [due, slot]
                    .into_iter()
                    .flatten()
                    .min()
                    .map_or(IDLE_WAIT, |t| t.saturating_duration_since(Instant::now()))
                    .min(IDLE_WAIT);
                match report_rx.recv_timeout(wait) {
                    Ok(rep) => self.coordinator.report(rep, Instant::now()),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return Ok(()),
                }
            }
        }
    }

    /// Claims jobs for the free workers; under `--rate`, one per slot that
    /// is due (the slot is taken only when a job was claimed).
    fn claim(&mut self, workers: usize) {
        let Some(limiter) = &mut self.limiter else {
            self.coordinator.claim_for(workers, usize::MAX);
            return;
        };
        let now = Instant::now();
        if limiter.free(now) && self.coordinator.claim_for(workers, 1) > 0 {
            limiter.take(now);
        }
    }

    /// Resolves a row and looks it up in the journal.
    fn admit(
        &mut self,
        item: Result<Row, BadRow>,
        known_up_to: u64,
    ) -> Result<(), journal::JournalError> {
        let fatal = matches!(&item, Err(b) if b.fatal);
        let (line, resolved) = resolve(item, self.defaults);
        if fatal {
            // The rows before it still go out; the run counts as stopped.
            self.coordinator.input_cut();
        }
        let resolved = resolved.map(|r| {
            let key = rows::key(line, &r);
            (r, key)
        });
        let known = if resolved.is_ok() && line <= known_up_to {
            self.journal.known(line)?
        } else {
            None
        };
        self.coordinator.admit(line, resolved, known);
        Ok(())
    }

    /// Hands the claimed jobs out, commits the coordinator's changes (the
    /// claims among them), then gives out their events. A job goes out
    /// before its commit so that its worker renders it meanwhile; it is
    /// sent only once [`durable::Durable`] says the commit returned.
    fn flush(
        &mut self,
        jobs: Option<&mpsc::SyncSender<(Job, u64)>>,
    ) -> Result<(), journal::JournalError> {
        let changes = self.coordinator.take_changes();
        let news = !changes.is_empty();
        let seq = self.commits + u64::from(news);
        if let Some(tx) = jobs {
            while let Some(job) = self.coordinator.next_job() {
                if let Err(e) = tx.try_send((job, seq)) {
                    let (mpsc::TrySendError::Full((job, _))
                    | mpsc::TrySendError::Disconnected((job, _))) = e;
                    self.coordinator.requeue(job);
                    break;
                }
            }
        }
        let r = self.journal.apply(&changes);
        match r {
            Ok(()) => {
                self.commits = seq;
                self.durable.publish(seq);
            }
            Err(_) => self.durable.fail(),
        }
        // Events follow the journal: what they say is recorded.
        let events = self.coordinator.take_events();
        let news = news || !events.is_empty();
        if !events.is_empty() {
            self.presenter.events(events);
        }
        if news {
            self.presenter
                .progress(self.coordinator.counts(), self.coordinator.retrying());
        }
        r
    }
}
