//! The parent's handle on one worker. A process: requests go down its
//! stdin and the answer is read from its stdout on the calling thread,
//! under a deadline a watchdog thread polls: it kills the process if the
//! answer is later than the request's limit plus a grace (the worker ends
//! itself at the limit; this is the second bound). A thread, in library
//! use: the same requests over channels, a runaway abandoned rather than
//! killed.

use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak, mpsc};
use std::time::{Duration, Instant};

use super::deadline::{self, Deadline};
use super::protocol::{Op, Request, Response, read_line, to_line};
use super::worker;

/// How long the parent waits beyond a request's limit before it kills the
/// worker itself (a fresh worker's start counts against it too).
const GRACE: Duration = Duration::from_secs(1);

/// How long a worker that stopped answering has to exit before it is
/// killed.
const EXIT_WAIT: Duration = Duration::from_millis(200);

/// Why a worker gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Fault {
    Timeout(Duration),
    Memory,
    Crashed(String),
}

impl Fault {
    pub(super) fn text(&self) -> String {
        match self {
            Fault::Timeout(d) => format!("did not finish within {}s", d.as_secs_f64()),
            Fault::Memory => format!(
                "went over the memory limit ({} MiB of heap) or overflowed its stack",
                worker::MEMORY_LIMIT >> 20
            ),
            Fault::Crashed(why) => format!("the evaluation sandbox failed: {why}"),
        }
    }
}

/// A worker and the programs it holds.
pub(super) struct Worker {
    link: Link,
    /// Which slots this worker has loaded.
    pub(super) loaded: Vec<bool>,
}

enum Link {
    Process(Process),
    Thread {
        ops: mpsc::Sender<Op>,
        answers: mpsc::Receiver<Response>,
    },
}

struct Process {
    watch: Arc<Watch>,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

/// What the parent's watchdog watches.
struct Watch {
    child: Mutex<Child>,
    /// The deadline of the request under way.
    deadline: Deadline,
    /// The watchdog killed the worker.
    overran: AtomicBool,
}

impl Worker {
    /// A worker process running `exe`, or a thread when there is none.
    pub(super) fn start(exe: Option<&Result<PathBuf, String>>) -> Result<Self, Fault> {
        let link = match exe {
            Some(Ok(exe)) => Link::Process(Process::start(exe)?),
            Some(Err(e)) => {
                return Err(Fault::Crashed(format!(
                    "cannot find courier's own binary: {e}"
                )));
            }
            None => {
                let (ops, op_rx) = mpsc::channel();
                let (resp_tx, answers) = mpsc::channel();
                worker::evaluator(op_rx, resp_tx).map_err(|e| Fault::Crashed(e.to_string()))?;
                Link::Thread { ops, answers }
            }
        };
        Ok(Self {
            link,
            loaded: Vec::new(),
        })
    }

    /// Whether the worker may be asked (its watchdog did not kill it).
    pub(super) fn usable(&self) -> bool {
        match &self.link {
            Link::Process(p) => !p.watch.overran.load(Ordering::SeqCst),
            Link::Thread { .. } => true,
        }
    }

    /// Sends `op` and waits for the answer: `limit` for each of its steps
    /// (one per template of an `Execute`), plus grace.
    pub(super) fn ask(&mut self, op: &Op, limit: Duration) -> Result<Response, Fault> {
        let steps = match op {
            Op::Execute { runs, then, .. } => {
                u32::try_from(runs.len().max(1) + usize::from(then.is_some())).unwrap_or(u32::MAX)
            }
            _ => 1,
        };
        let wait = limit.saturating_mul(steps) + GRACE;
        match &mut self.link {
            Link::Process(p) => p.ask(op, limit, wait),
            Link::Thread { ops, answers } => {
                ops.send(op.clone())
                    .map_err(|_| Fault::Crashed("the evaluator thread ended".into()))?;
                answers.recv_timeout(wait).map_err(|e| match e {
                    mpsc::RecvTimeoutError::Timeout => Fault::Timeout(limit),
                    mpsc::RecvTimeoutError::Disconnected => {
                        Fault::Crashed("the evaluator thread ended".into())
                    }
                })
            }
        }
    }
}

impl Process {
    fn start(exe: &PathBuf) -> Result<Self, Fault> {
        let mut cmd = Command::new(exe);
        cmd.env_clear()
            .env(worker::WORKER_ENV, "1")
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd
            .spawn()
            .map_err(|e| Fault::Crashed(format!("cannot start a worker: {e}")))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Fault::Crashed("a worker without pipes".into()));
        };
        let watch = Arc::new(Watch {
            child: Mutex::new(child),
            deadline: Deadline::default(),
            overran: AtomicBool::new(false),
        });
        watchdog(Arc::downgrade(&watch));
        Ok(Self {
            watch,
            stdin,
            stdout: BufReader::new(stdout),
        })
    }

    fn ask(&mut self, op: &Op, limit: Duration, wait: Duration) -> Result<Response, Fault> {
        let request = Request {
            limit_ms: u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
            op,
        };
        let line = to_line(&request).map_err(|e| Fault::Crashed(e.to_string()))?;
        self.watch.deadline.set(wait);
        let sent = self
            .stdin
            .write_all(&line)
            .and_then(|()| self.stdin.flush());
        let read = sent.and_then(|()| read_line(&mut self.stdout, worker::RESPONSE_CAP + 1));
        self.watch.deadline.clear();
        match read {
            Ok(Some(answer)) => serde_json::from_slice(&answer)
                .map_err(|e| Fault::Crashed(format!("an unreadable answer: {e}"))),
            _ => Err(self.why_gone(limit)),
        }
    }

    /// Why the worker stopped answering, from how it ended; one that has
    /// not ended (an answer cut short) is killed.
    fn why_gone(&mut self, limit: Duration) -> Fault {
        if self.watch.overran.load(Ordering::SeqCst) {
            return Fault::Timeout(limit);
        }
        let Ok(mut child) = self.watch.child.lock() else {
            return Fault::Crashed("the worker's handle was poisoned".into());
        };
        let waited = Instant::now();
        while matches!(child.try_wait(), Ok(None)) {
            if waited.elapsed() > EXIT_WAIT {
                let _ = child.kill();
                let _ = child.wait();
                return Fault::Crashed("the worker's answer was cut short".into());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        match child.wait() {
            Ok(s) if s.code() == Some(i32::from(worker::EXIT_TIMEOUT)) => Fault::Timeout(limit),
            Ok(s) if s.code().is_none() => Fault::Memory,
            Ok(s) => Fault::Crashed(format!("the worker exited with {s}")),
            Err(e) => Fault::Crashed(e.to_string()),
        }
    }
}

/// Kills the worker when a request's deadline passes before its answer;
/// ends with the handle.
fn watchdog(watch: Weak<Watch>) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(deadline::POLL);
            let Some(w) = watch.upgrade() else {
                return;
            };
            if w.deadline.passed() {
                w.overran.store(true, Ordering::SeqCst);
                w.deadline.clear();
                if let Ok(mut c) = w.child.lock() {
                    let _ = c.kill();
                }
            }
        }
    });
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(mut child) = self.watch.child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
