//! `courier watch`: drains Kratos' own courier queue ([`queue`]) with
//! `-j` workers ([`worker`]). The driver claims messages only for free
//! workers, in one statement per turn (so a crash strands at most the
//! messages in flight), and records the outcomes of a turn in one
//! transaction, with the dispatch rows Kratos writes. A failed message
//! goes back to `queued` and waits `pull_wait` before it can be claimed
//! again; a server-wide failure pauses claims, doubling up to a minute,
//! or as long as the server's `Retry-After` asks. Nothing here prints.

pub mod dsn;
pub mod metrics;
pub mod queue;
pub mod worker;

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::batch::coordinator::MAX_SERVER_DELAY;
use crate::config::settings::Settings;
use crate::delivery::verdict::{Action, Scope, Verdict};
use crate::interrupt::Stop;
use queue::{DbError, Dispatch, Queue, Settle, Status, Stored};
use worker::{Outcome, Report};

/// What a watch is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub concurrency: usize,
    /// Drain the queue and exit.
    pub once: bool,
    /// The most messages per claim (`courier.worker.pull_count`).
    pub pull_count: usize,
    /// The wait between polls of an empty queue, and before a failed
    /// message can be claimed again (`courier.worker.pull_wait`).
    pub pull_wait: Duration,
    /// Every network deadline (and each database statement's).
    pub timeout: Duration,
    /// Put back messages left `processing` longer than this.
    pub reclaim_after: Option<Duration>,
    /// How long database errors are retried before the worker gives up.
    pub db_patience: Duration,
    /// How often a health line is given.
    pub health_every: Duration,
    /// Where the metrics go, when they are served.
    pub metrics: Option<metrics::Shared>,
}

/// What the observer hears of.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Sent {
        id: String,
        recipient: String,
        template_type: String,
        ms: f64,
    },
    /// An attempt failed; `left` is the status it left the message in.
    Failed {
        id: String,
        recipient: String,
        error: String,
        left: &'static str,
    },
    /// Over `message_retries` when claimed: abandoned unsent, as Kratos
    /// does (no dispatch row).
    OverAllowance { id: String, send_count: i64 },
    /// Something an operator should know (foreign claims, lost claims,
    /// database trouble).
    Warning(String),
}

/// The counts of a watch (a public interface: `--format json`).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Counts {
    pub claimed: u64,
    pub sent: u64,
    /// Failed attempts put back to `queued`.
    pub retried: u64,
    pub abandoned: u64,
    /// Sent whole, no final reply: left `processing`.
    pub uncertain: u64,
    /// Claimed, then put back unsent (a stop).
    pub released: u64,
    /// Reclaimed by `--reclaim-after`.
    pub reclaimed: u64,
    /// Outcomes for messages someone else had taken over meanwhile.
    pub lost_claims: u64,
}

/// The summary of a watch that ended (a public interface).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub database: &'static str,
    pub nid: String,
    #[serde(flatten)]
    pub counts: Counts,
    pub interrupted: bool,
    pub elapsed_ms: u64,
    /// Messages sent per second.
    pub rate: f64,
}

/// A health report (stderr, now and then).
#[derive(Debug, Clone)]
pub struct Health {
    pub counts: Counts,
    pub in_flight: usize,
    pub depth: Option<queue::Depth>,
}

/// Where a watch's events go.
pub trait Observer {
    fn event(&mut self, e: Event);
    fn health(&mut self, h: &Health);
}

/// Why a watch ended early.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error(transparent)]
    Db(#[from] DbError),
    /// The server cannot be used as configured (`--once` only: a daemon
    /// keeps trying).
    #[error("{0}")]
    Server(String, crate::delivery::verdict::Class),
}

/// The driver's state.
struct Driver<'q> {
    queue: &'q mut dyn Queue,
    options: Options,
    retries: i64,
    counts: Counts,
    in_flight: usize,
    pending: Vec<Settle>,
    /// No claims before this (a server-wide failure, `Retry-After`).
    pause_until: Option<Instant>,
    server_failures: u32,
    /// The next poll of a queue that looked empty.
    next_poll: Option<Instant>,
    /// Since when the database has been failing.
    db_trouble: Option<Instant>,
    stopped_by_server: Option<WatchError>,
    /// The messages this worker claimed and has not settled for good (a
    /// reclaim leaves them alone).
    held: std::collections::HashSet<String>,
    /// Claim statements run.
    claims: u64,
    /// The notes already given (each once).
    noted: std::collections::HashSet<String>,
}

/// Runs the watch until the queue is drained (`--once`) or a stop.
pub fn run(
    options: &Options,
    settings: &Settings,
    shared: &worker::Shared<'_>,
    queue: &mut dyn Queue,
    observer: &mut dyn Observer,
) -> Result<Summary, WatchError> {
    let started = Instant::now();
    if queue.foreign_claims()? > 0 {
        observer.event(Event::Warning(
            "messages are `processing` without a claim time: Kratos' own courier worker may \
             be running (turn it off: it re-claims rows courier claimed)"
                .into(),
        ));
    }
    let (job_tx, job_rx) = mpsc::channel::<Stored>();
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (report_tx, report_rx) = mpsc::channel::<Report>();
    let mut driver = Driver {
        queue,
        options: options.clone(),
        retries: settings.message_retries,
        counts: Counts::default(),
        in_flight: 0,
        pending: Vec::new(),
        pause_until: None,
        server_failures: 0,
        next_poll: None,
        db_trouble: None,
        stopped_by_server: None,
        held: std::collections::HashSet::new(),
        claims: 0,
        noted: std::collections::HashSet::new(),
    };
    let result = std::thread::scope(|scope| {
        for _ in 0..options.concurrency.max(1) {
            let (rx, tx) = (Arc::clone(&job_rx), report_tx.clone());
            scope.spawn(move || worker::run(shared, &rx, &tx));
        }
        drop(report_tx);
        let r = driver.turns(&shared.stop, &job_tx, &report_rx, observer);
        drop(job_tx);
        // Whatever the workers still report is settled before the end.
        for report in report_rx.iter() {
            driver.settle_report(report, observer);
        }
        r.and_then(|()| driver.commit_until_done(observer))
    });
    result?;
    if let Some(e) = driver.stopped_by_server.take() {
        return Err(e);
    }
    let elapsed = started.elapsed();
    let sent = driver.counts.sent;
    Ok(Summary {
        kind: "summary",
        database: driver.queue.kind(),
        nid: driver.queue.nid().to_owned(),
        counts: driver.counts,
        interrupted: shared.stop.requested(),
        elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        rate: if elapsed.as_secs_f64() > 0.0 {
            (sent as f64 / elapsed.as_secs_f64() * 10.0).round() / 10.0
        } else {
            0.0
        },
    })
}

/// How often the queue's depth is read for the metrics.
const METRICS_DEPTH_EVERY: Duration = Duration::from_secs(1);

impl Driver<'_> {
    /// Copies the counts into the served metrics.
    fn publish(&self) {
        if let Some(m) = &self.options.metrics {
            let mut m = m.lock().unwrap_or_else(PoisonError::into_inner);
            let c = &self.counts;
            m.sent = c.sent;
            m.retried = c.retried;
            m.abandoned = c.abandoned;
            m.uncertain = c.uncertain;
            m.released = c.released;
            m.claimed = c.claimed;
            m.claims = self.claims;
            m.in_flight = self.in_flight;
        }
    }

    fn turns(
        &mut self,
        stop: &Stop,
        jobs: &mpsc::Sender<Stored>,
        reports: &mpsc::Receiver<Report>,
        observer: &mut dyn Observer,
    ) -> Result<(), WatchError> {
        let mut last_health = Instant::now();
        let mut last_depth: Option<Instant> = None;
        let mut last_reclaim: Option<Instant> = None;
        loop {
            while let Ok(report) = reports.try_recv() {
                self.settle_report(report, observer);
            }
            self.commit(observer)?;
            self.publish();
            if self.options.metrics.is_some()
                && last_depth.is_none_or(|t| t.elapsed() >= METRICS_DEPTH_EVERY)
            {
                last_depth = Some(Instant::now());
                let depth = self.db(observer, |q| q.depth())?;
                if let Some(m) = &self.options.metrics {
                    m.lock().unwrap_or_else(PoisonError::into_inner).depth = depth;
                }
            }
            if stop.requested() || self.stopped_by_server.is_some() {
                return Ok(());
            }
            if let Some(lease) = self.options.reclaim_after
                && last_reclaim.is_none_or(|t| t.elapsed() >= lease.min(self.options.pull_wait))
            {
                last_reclaim = Some(Instant::now());
                let held: Vec<String> = self.held.iter().cloned().collect();
                if let Some(n) = self.db(observer, |q| q.reclaim(lease, &held))? {
                    self.counts.reclaimed += n;
                }
            }
            let claimed = self.claim(jobs, observer)?;
            if self.options.once
                && claimed == 0
                && self.in_flight == 0
                && self.pending.is_empty()
                && self.drained(observer)?
            {
                return Ok(());
            }
            if last_health.elapsed() >= self.options.health_every {
                last_health = Instant::now();
                let depth = self.db(observer, |q| q.depth())?;
                observer.health(&Health {
                    counts: self.counts.clone(),
                    in_flight: self.in_flight,
                    depth,
                });
            }
            let wait = self.wait();
            match reports.recv_timeout(wait) {
                Ok(report) => self.settle_report(report, observer),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
    }

    /// Whether nothing is left queued for this network (messages waiting
    /// out their retry wait are not drained yet).
    fn drained(&mut self, observer: &mut dyn Observer) -> Result<bool, WatchError> {
        Ok(self
            .db(observer, |q| q.depth())?
            .is_some_and(|d| d.queued == 0))
    }

    /// How long the driver may wait for a report now.
    fn wait(&self) -> Duration {
        let now = Instant::now();
        let mut until = now + Duration::from_millis(100);
        for t in [self.pause_until, self.next_poll].into_iter().flatten() {
            until = until.min(t.max(now + Duration::from_millis(1)));
        }
        until - now
    }

    /// Claims for the free workers; returns how many were claimed.
    fn claim(
        &mut self,
        jobs: &mpsc::Sender<Stored>,
        observer: &mut dyn Observer,
    ) -> Result<usize, WatchError> {
        let now = Instant::now();
        let free = self.options.concurrency.saturating_sub(self.in_flight);
        if free == 0
            || self.pause_until.is_some_and(|t| now < t)
            || self.next_poll.is_some_and(|t| now < t)
        {
            return Ok(0);
        }
        let n = free.min(self.options.pull_count.max(1));
        let (retries, wait) = (self.retries, self.options.pull_wait);
        let Some(claimed) = self.db(observer, |q| q.claim(n, retries, wait))? else {
            return Ok(0);
        };
        self.claims += 1;
        self.next_poll = (claimed.len() < n).then(|| now + self.options.pull_wait);
        let count = claimed.len();
        for msg in claimed {
            if msg.status == Status::Abandoned {
                self.counts.abandoned += 1;
                observer.event(Event::OverAllowance {
                    id: msg.id,
                    send_count: msg.send_count,
                });
                continue;
            }
            self.counts.claimed += 1;
            self.in_flight += 1;
            self.held.insert(msg.id.clone());
            if let Err(mpsc::SendError(msg)) = jobs.send(msg) {
                self.in_flight -= 1;
                self.release(msg);
            }
        }
        Ok(count)
    }

    fn release(&mut self, msg: Stored) {
        self.counts.released += 1;
        self.pending.push(Settle {
            id: msg.id,
            status: Status::Queued,
            dispatch: None,
            unclaim: true,
        });
    }

    /// What an attempt leaves in the queue (its worker is free again).
    fn settle_report(&mut self, report: Report, observer: &mut dyn Observer) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let Report {
            msg,
            outcome,
            ms,
            note,
        } = report;
        if let Some(note) = note
            && self.noted.len() < 64
            && self.noted.insert(note.clone())
        {
            observer.event(Event::Warning(note));
        }
        let (verdict, smtp) = match outcome {
            Outcome::Unstarted => return self.release(msg),
            Outcome::Bad(error) => {
                self.counts.retried += 1;
                self.fail(msg, Status::Queued, &error, false, observer);
                return;
            }
            Outcome::Delivered(v, smtp) => (v, smtp),
        };
        if let Some(m) = &self.options.metrics {
            m.lock().unwrap_or_else(PoisonError::into_inner).observe(ms);
        }
        if verdict.action == Action::Sent {
            self.server_failures = 0;
            self.counts.sent += 1;
            observer.event(Event::Sent {
                id: msg.id.clone(),
                recipient: msg.recipient.clone(),
                template_type: msg.template_type.clone(),
                ms,
            });
            self.pending.push(Settle {
                id: msg.id,
                status: Status::Sent,
                dispatch: Some(Dispatch::Success),
                unclaim: false,
            });
            return;
        }
        let error = verdict.describe();
        let left = match verdict.action {
            Action::Abandon => {
                self.counts.abandoned += 1;
                Status::Abandoned
            }
            Action::Uncertain => {
                self.counts.uncertain += 1;
                Status::Processing
            }
            _ => {
                self.counts.retried += 1;
                Status::Queued
            }
        };
        self.server_trouble(&verdict);
        self.fail(msg, left, &error, smtp, observer);
    }

    /// A server-wide failure pauses claims: doubling from `pull_wait` up to
    /// a minute, or the server's `Retry-After` (capped). With `--once`, a
    /// server that cannot be used as configured ends the watch.
    fn server_trouble(&mut self, v: &Verdict) {
        let server = v.scope == Scope::Server || v.retry_after.is_some();
        if !server {
            return;
        }
        if v.action == Action::Stop && self.options.once && self.stopped_by_server.is_none() {
            self.stopped_by_server = Some(WatchError::Server(v.describe(), v.class));
        }
        self.server_failures = self.server_failures.saturating_add(1);
        let doubling = self
            .options
            .pull_wait
            .saturating_mul(1 << self.server_failures.min(12).saturating_sub(1))
            .min(Duration::from_secs(60));
        let pause = v
            .retry_after
            .map_or(doubling, |d| d.min(MAX_SERVER_DELAY).max(doubling));
        self.pause_until = Some(Instant::now() + pause);
    }

    fn fail(
        &mut self,
        msg: Stored,
        left: Status,
        error: &str,
        smtp: bool,
        observer: &mut dyn Observer,
    ) {
        observer.event(Event::Failed {
            id: msg.id.clone(),
            recipient: msg.recipient.clone(),
            error: error.to_owned(),
            left: match left {
                Status::Abandoned => "abandoned",
                Status::Processing => "processing",
                _ => "queued",
            },
        });
        self.pending.push(Settle {
            id: msg.id,
            status: left,
            dispatch: Some(Dispatch::Failed(queue::error_json(error, smtp))),
            unclaim: false,
        });
    }

    /// Records what is pending, in one transaction.
    fn commit(&mut self, observer: &mut dyn Observer) -> Result<(), WatchError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        match self.db(observer, |q| q.settle(&pending))? {
            Some(lost) => {
                for s in &pending {
                    if s.status != Status::Processing {
                        self.held.remove(&s.id);
                    }
                }
                if lost > 0 {
                    self.counts.lost_claims += lost as u64;
                    observer.event(Event::Warning(format!(
                        "{lost} message(s) were no longer `processing` when their outcome \
                         was recorded (reclaimed by another worker?)"
                    )));
                }
            }
            None => self.pending = pending,
        }
        Ok(())
    }

    /// Commits until nothing is pending (the end of a watch), within the
    /// database patience.
    fn commit_until_done(&mut self, observer: &mut dyn Observer) -> Result<(), WatchError> {
        while !self.pending.is_empty() {
            self.commit(observer)?;
            if !self.pending.is_empty() {
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        Ok(())
    }

    /// Runs a database step: `None` while the database is failing (within
    /// the patience; the step is tried again later), an error after.
    fn db<T>(
        &mut self,
        observer: &mut dyn Observer,
        step: impl FnOnce(&mut dyn Queue) -> Result<T, DbError>,
    ) -> Result<Option<T>, WatchError> {
        match step(&mut *self.queue) {
            Ok(v) => {
                if self.db_trouble.take().is_some() {
                    observer.event(Event::Warning("the database answers again".into()));
                }
                Ok(Some(v))
            }
            Err(e) => {
                let since = *self.db_trouble.get_or_insert_with(Instant::now);
                if since.elapsed() >= self.options.db_patience {
                    return Err(e.into());
                }
                observer.event(Event::Warning(format!("{e} (trying again)")));
                let pause = Instant::now() + Duration::from_secs(1);
                self.pause_until = Some(self.pause_until.map_or(pause, |p| p.max(pause)));
                std::thread::sleep(Duration::from_millis(200));
                Ok(None)
            }
        }
    }
}
