//! The batch coordinator, as a pure state machine: rows (with what the
//! journal knows of them) and attempt verdicts go in; journal changes,
//! jobs for the workers and events for the presenter come out. It decides
//! every claim, skip, retry, abandon and stop; it never touches a file, a
//! socket or the terminal, so each decision is table-tested.
//!
//! Rows wait unclaimed until a worker is free. A row is claimed
//! (`processing`, one more attempt) just in time, in a journal change
//! that the driver commits together with whatever else is pending (the
//! outcome the free worker just reported, among others); only then
//! [`Coordinator::next_job`] hands the job over (at most once). So a crash
//! leaves at most one claimed, unfinished message per worker.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::batch::journal::{Change, Claim, Known, Status};
use crate::batch::rows::Resolved;
use crate::delivery::verdict::{Action, Class, Scope, Verdict};

/// One attempt to make.
#[derive(Debug, Clone, PartialEq)]
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
    pub before: Status,
    pub row: Resolved,
}

/// How an attempt ended, as a worker reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The server's verdict (secrets already masked).
    Delivered(Verdict),
    /// The row does not render or cannot be built: not attempted.
    Bad(String),
    /// The batch was stopping: not attempted.
    Unstarted,
}

/// A job back from a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub job: Job,
    pub outcome: Outcome,
    pub ms: f64,
}

/// Why a row was not sent in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    SentBefore,
    AbandonedBefore,
    Uncertain,
}

impl Skip {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::SentBefore => "sent-before",
            Skip::AbandonedBefore => "abandoned-before",
            Skip::Uncertain => "uncertain",
        }
    }
}

/// What the presenter hears of, once the journal has recorded it.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Sent {
        job: Job,
        reply: Option<String>,
    },
    Abandoned {
        job: Job,
        reply: Option<String>,
        error: String,
    },
    Skipped {
        id: u64,
        row: Resolved,
        attempts: u32,
        reason: Skip,
    },
    Bad {
        line: u64,
        message: String,
    },
    /// The body went out, its final reply never came: left `processing`.
    Uncertain {
        job: Job,
        error: String,
    },
    /// A dry run: the row renders and would be sent.
    Rendered {
        line: u64,
        row: Resolved,
    },
}

/// The policy of a run.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Attempts per message in this run (`message_retries + 1`).
    pub max_tries: u32,
    /// The wait before the first retry, doubled per retry.
    pub backoff: Duration,
    /// Send again rows a previous run abandoned.
    pub retry_abandoned: bool,
    /// Send again rows a crashed run left in flight.
    pub resend_uncertain: bool,
    /// Stop at the first bad row.
    pub stop_at_bad_row: bool,
    /// The journal, as messages name it.
    pub journal: String,
}

/// The longest wait a server's `Retry-After` may impose.
pub const MAX_SERVER_DELAY: Duration = Duration::from_secs(300);

/// The counts of a run (the summary's numbers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
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
    /// Rows of the input not read when the batch ended early (Ctrl-C or a
    /// stop): the next run sends them too.
    pub unread: u64,
    /// Attempts that failed and were retried.
    pub retries: u64,
}

/// One cause of failure and how often it struck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    pub error: String,
    pub count: u64,
    pub first_line: u64,
}

/// Why a batch stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopCause {
    /// The server cannot be used; the class of its last failure.
    Server(Class),
    /// The input is not the one the journal belongs to.
    ChangedInput,
}

/// A batch that had to stop (an error: the summary is printed first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Stopped {
    pub cause: StopCause,
    pub message: String,
    pub hint: Option<String>,
}

/// How many distinct causes are kept.
const CAUSES: usize = 64;

/// The coordinator's state.
pub struct Coordinator {
    policy: Policy,
    jitter: Box<dyn FnMut() -> f64 + Send>,
    counts: Counts,
    causes: BTreeMap<String, (u64, u64)>,
    retry_at: Vec<(Instant, Job)>,
    /// Admitted (or due for a retry) and not claimed yet; whether the
    /// claim replaces an older row at the line.
    waiting: VecDeque<(Job, bool)>,
    /// Claimed in changes not yet committed.
    claimed: VecDeque<Job>,
    /// Claimed and committed, waiting for a worker.
    ready: VecDeque<Job>,
    in_flight: usize,
    /// Set by a server-wide failure that will be retried, cleared by any
    /// answer: no new rows are taken meanwhile.
    server_trouble: bool,
    stopping: bool,
    interrupted: bool,
    /// Stopped for a reason of its own (not Ctrl-C).
    stopped_early: bool,
    stopped: Option<Stopped>,
    changes: Vec<Change>,

    events: Vec<Event>,
}

impl Coordinator {
    /// A coordinator; `jitter` draws from [0, 1) for the backoff.
    #[must_use]
    pub fn new(policy: Policy, jitter: Box<dyn FnMut() -> f64 + Send>) -> Self {
        Self {
            policy,
            jitter,
            counts: Counts::default(),
            causes: BTreeMap::new(),
            retry_at: Vec::new(),
            waiting: VecDeque::new(),
            claimed: VecDeque::new(),
            ready: VecDeque::new(),
            in_flight: 0,
            server_trouble: false,
            stopping: false,
            interrupted: false,
            stopped_early: false,
            stopped: None,
            changes: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Whether new rows may be read now: fewer than `window` wait for a
    /// worker, and the server is not failing. Reading claims nothing.
    pub fn wants_rows(&mut self, window: usize) -> bool {
        self.settle();
        !self.stopping && !self.server_trouble && self.waiting.len() < window
    }

    /// Claims a job for each of the `workers` that has none (out, claimed
    /// or committed), at most `most`: due retries first, and while the
    /// server fails only retries. The claims go out with the next commit;
    /// how many were made.
    pub fn claim_for(&mut self, workers: usize, most: usize) -> usize {
        self.settle();
        if self.stopping {
            return 0;
        }
        let busy = self.in_flight + self.queued_jobs();
        let mut made = 0;
        for _ in (busy..workers).take(most) {
            let at = if self.server_trouble {
                self.waiting.iter().position(|(j, _)| j.tries > 1)
            } else if self.waiting.is_empty() {
                None
            } else {
                Some(0)
            };
            let Some((job, replace)) = at.and_then(|i| self.waiting.remove(i)) else {
                break;
            };
            self.claim(job, replace);
            made += 1;
        }
        made
    }

    /// Ends server trouble when nothing is left to learn the server's state
    /// from (no job out, no retry waiting): the next job probes it.
    fn settle(&mut self) {
        if self.in_flight == 0 && self.retry_at.is_empty() && !self.retry_waiting() {
            self.server_trouble = false;
        }
    }

    /// Whether a retry is due and not yet handed out.
    fn retry_waiting(&self) -> bool {
        self.claimed.iter().chain(&self.ready).any(|j| j.tries > 1)
            || self.waiting.iter().any(|(j, _)| j.tries > 1)
    }

    /// Jobs claimed and not yet handed out.
    fn queued_jobs(&self) -> usize {
        self.claimed.len() + self.ready.len()
    }

    /// Whether the coordinator wants the batch to wind down.
    #[must_use]
    pub fn stopping(&self) -> bool {
        self.stopping
    }

    /// The counts so far.
    #[must_use]
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Messages waiting for their retry.
    #[must_use]
    pub fn retrying(&self) -> usize {
        self.retry_at.len()
    }

    /// The input cannot be read past the current row (it is over its cap):
    /// the rows taken so far still go out, and the run counts as stopped.
    pub fn input_cut(&mut self) {
        self.stopped_early = true;
    }

    /// Takes a row: `resolved` is the row (or why it is bad), `known` what
    /// the journal recorded at its line.
    pub fn admit(
        &mut self,
        line: u64,
        resolved: Result<(Resolved, String), String>,
        known: Option<Known>,
    ) {
        self.counts.rows += 1;
        let (row, key) = match resolved {
            Ok(r) => r,
            Err(message) => return self.bad_row(line, message),
        };
        let before = known.as_ref().map_or(Status::Queued, |k| k.status);
        let mut attempt = 1;
        let mut replace = false;
        if let Some(k) = known {
            if k.key != key {
                if matches!(k.status, Status::Sent | Status::Processing) {
                    return self.stop(Stopped {
                        cause: StopCause::ChangedInput,
                        message: format!(
                            "line {line} changed since the journal {} recorded it ({} there): this is not the input the journal belongs to",
                            self.policy.journal,
                            k.status.as_str()
                        ),
                        hint: Some("to send this input as a new batch, give it a new --journal".into()),
                    });
                }
                // Never delivered: the new row replaces the old one.
                replace = true;
            } else {
                let skip = match k.status {
                    Status::Sent => Some(Skip::SentBefore),
                    Status::Abandoned if !self.policy.retry_abandoned => {
                        Some(Skip::AbandonedBefore)
                    }
                    Status::Processing if !self.policy.resend_uncertain => Some(Skip::Uncertain),
                    _ => None,
                };
                if let Some(reason) = skip {
                    match reason {
                        Skip::SentBefore => self.counts.skipped_sent += 1,
                        Skip::AbandonedBefore => self.counts.skipped_abandoned += 1,
                        Skip::Uncertain => self.counts.uncertain += 1,
                    }
                    self.events.push(Event::Skipped {
                        id: line,
                        row,
                        attempts: k.send_count,
                        reason,
                    });
                    return;
                }
                attempt = k.send_count + 1;
            }
        }
        let job = Job {
            id: line,
            key,
            attempt,
            tries: 1,
            before,
            row,
        };
        self.waiting.push_back((job, replace));
    }

    /// Puts the retries that fell due by `now` first in line.
    pub fn release_due(&mut self, now: Instant) {
        if self.stopping {
            return;
        }
        let mut i = 0;
        while i < self.retry_at.len() {
            if self.retry_at[i].0 <= now {
                let (_, mut job) = self.retry_at.swap_remove(i);
                job.attempt += 1;
                job.tries += 1;
                job.before = Status::Queued;
                self.waiting.push_front((job, false));
            } else {
                i += 1;
            }
        }
    }

    /// When the next retry falls due.
    #[must_use]
    pub fn next_due(&self) -> Option<Instant> {
        self.retry_at.iter().map(|(t, _)| *t).min()
    }

    /// Ctrl-C: take no more rows; claimed jobs not yet out go back (rows
    /// still waiting were never claimed).
    pub fn interrupt(&mut self) {
        self.interrupted = true;
        self.stopping = true;
        self.unclaim_ready();
    }

    fn unclaim_ready(&mut self) {
        for job in self.ready.drain(..).chain(self.claimed.drain(..)) {
            self.counts.queued += 1;
            self.changes.push(Change::Unclaim(job.id, job.before));
        }
    }

    /// The next job for a worker whose claim is committed. While the
    /// server fails, only retries go out (they tell when it is back); new
    /// rows wait.
    pub fn next_job(&mut self) -> Option<Job> {
        self.settle();
        let job = if self.server_trouble {
            let at = self.ready.iter().position(|j| j.tries > 1)?;
            self.ready.remove(at)?
        } else {
            self.ready.pop_front()?
        };
        self.in_flight += 1;
        Some(job)
    }

    /// A job the workers could not take yet goes back to the front.
    pub fn requeue(&mut self, job: Job) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.ready.push_front(job);
    }

    /// The changes to commit, in order; their jobs may go out after.
    pub fn take_changes(&mut self) -> Vec<Change> {
        self.ready.extend(self.claimed.drain(..));
        std::mem::take(&mut self.changes)
    }

    /// The events since the last call (give them out after the commit).
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Whether nothing is out and nothing more will be: the batch is over
    /// once `input_done` (or it is stopping).
    #[must_use]
    pub fn finished(&self, input_done: bool) -> bool {
        let idle = self.in_flight == 0 && self.queued_jobs() == 0;
        let drained = self.retry_at.is_empty() && self.waiting.is_empty();
        idle && (self.stopping || (input_done && drained))
    }

    /// Jobs handed out and not yet reported.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// The counts, the causes (most frequent first) and why the batch
    /// stopped, if it did; `interrupted` when it ended on Ctrl-C.
    #[must_use]
    pub fn finish(mut self) -> Finished {
        self.counts.queued += (self.retry_at.len() + self.waiting.len()) as u64;
        let mut causes: Vec<Cause> = self
            .causes
            .into_iter()
            .map(|(error, (count, first_line))| Cause {
                error,
                count,
                first_line,
            })
            .collect();
        causes.sort_by(|a, b| b.count.cmp(&a.count).then(a.first_line.cmp(&b.first_line)));
        Finished {
            interrupted: self.interrupted && !self.stopped_early,
            stopped_early: self.stopped_early,
            counts: self.counts,
            causes,
            stopped: self.stopped,
        }
    }

    /// Records `job` as processing (one more attempt) in the next commit;
    /// it goes out only after that commit.
    fn claim(&mut self, job: Job, replace: bool) {
        self.changes.push(Change::Claim(Claim {
            id: job.id,
            key: job.key.clone(),
            recipient: job.row.recipient.clone(),
            template_type: job.row.ty.clone(),
            channel: job.row.channel.as_str(),
            replace,
        }));
        self.claimed.push_back(job);
    }

    fn stop(&mut self, stopped: Stopped) {
        if self.stopped.is_none() {
            self.stopped = Some(stopped);
        }
        self.stopping = true;
        self.stopped_early = true;
        self.unclaim_ready();
    }

    fn bad_row(&mut self, line: u64, message: String) {
        self.counts.bad += 1;
        self.cause(&message, line);
        self.events.push(Event::Bad { line, message });
        if self.policy.stop_at_bad_row {
            self.stopping = true;
            self.stopped_early = true;
            self.unclaim_ready();
        }
    }

    fn cause(&mut self, error: &str, line: u64) {
        if let Some(c) = self.causes.get_mut(error) {
            c.0 += 1;
        } else if self.causes.len() < CAUSES {
            self.causes.insert(error.to_owned(), (1, line));
        }
    }

    /// Takes a worker's report at `now`.
    pub fn report(&mut self, report: Report, now: Instant) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let Report { job, outcome, ms } = report;
        match outcome {
            Outcome::Delivered(v) => self.verdict(job, v, ms, now),
            Outcome::Bad(message) => {
                self.changes.push(Change::Forget(job.id, job.before));
                self.bad_row(job.id, message);
            }
            Outcome::Unstarted => {
                self.counts.queued += 1;
                self.changes.push(Change::Unclaim(job.id, job.before));
            }
        }
    }

    fn verdict(&mut self, job: Job, v: Verdict, ms: f64, now: Instant) {
        if v.action == Action::Sent {
            self.server_trouble = false;
            self.counts.sent += 1;
            self.changes.push(Change::Attempt {
                id: job.id,
                attempt: job.attempt,
                success: true,
                reply: v.reply.clone(),
                error: None,
                ms,
                status: Status::Sent,
            });
            self.events.push(Event::Sent {
                job,
                reply: v.reply,
            });
            return;
        }
        if v.action == Action::Uncertain {
            let error = v.describe();
            self.counts.uncertain += 1;
            self.changes.push(Change::Attempt {
                id: job.id,
                attempt: job.attempt,
                success: false,
                reply: v.reply,
                error: Some(error.clone()),
                ms,
                status: Status::Processing,
            });
            self.events.push(Event::Uncertain { job, error });
            return;
        }
        if v.scope == Scope::Message {
            // The server answered: it is reachable again.
            self.server_trouble = false;
        }
        let error = v.describe();
        let tries_left = job.tries < self.policy.max_tries;
        let retry = v.action == Action::Retry && tries_left && !self.stopping;
        let server_down = v.action == Action::Stop
            || (v.scope == Scope::Server && v.action == Action::Retry && !tries_left);
        let requeue = retry || server_down || (self.stopping && v.action == Action::Retry);
        self.changes.push(Change::Attempt {
            id: job.id,
            attempt: job.attempt,
            success: false,
            reply: v.reply.clone(),
            error: Some(error.clone()),
            ms,
            status: if requeue {
                Status::Queued
            } else {
                Status::Abandoned
            },
        });
        if server_down {
            let message = if v.action == Action::Retry {
                format!(
                    "the server cannot be used after {} attempts: {error}",
                    job.tries
                )
            } else {
                format!("the server cannot be used: {error}")
            };
            self.counts.queued += 1;
            self.stop(Stopped {
                cause: StopCause::Server(v.class),
                message,
                hint: v.hint.or_else(|| {
                    Some("`courier test` walks the connection stage by stage; rerun the same command to resume".into())
                }),
            });
        } else if retry {
            if v.scope == Scope::Server {
                self.server_trouble = true;
            }
            self.counts.retries += 1;
            let backoff =
                crate::batch::pace::backoff(self.policy.backoff, job.tries, (self.jitter)());
            let delay = v
                .retry_after
                .map_or(backoff, |after| backoff.max(after.min(MAX_SERVER_DELAY)));
            self.retry_at.push((now + delay, job));
        } else if requeue {
            self.counts.queued += 1;
        } else {
            self.counts.abandoned += 1;
            self.cause(&error, job.id);
            self.events.push(Event::Abandoned {
                job,
                reply: v.reply,
                error,
            });
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub counts: Counts,
    pub causes: Vec<Cause>,
    /// Ended on Ctrl-C (or a closed output).
    pub interrupted: bool,
    /// Ended early for another reason (a bad row with `--on-bad-row stop`,
    /// a server that cannot be used, a changed input, an input that cannot
    /// be read to its end).
    pub stopped_early: bool,
    pub stopped: Option<Stopped>,
}

#[cfg(test)]
mod tests;
