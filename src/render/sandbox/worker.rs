//! The worker side: the evaluation thread (parsed programs by slot, one
//! request at a time) and, in a worker process, the watchdog beside it,
//! which ends the process when a request overruns its time: nothing is
//! left running. The only `rlimit` user.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use super::deadline::{self, Deadline};
use super::protocol::{Failure, Op, Request, Response, Then, fill_texts, read_line, to_line};
use crate::render::jsonnet::Program;
use crate::render::template::compile::Compiled;
use crate::render::template::{Data, model};

/// Set in a worker process's environment (and nothing else is).
pub const WORKER_ENV: &str = "COURIER_SANDBOX_WORKER";

/// Heap a worker process may take beyond what it holds at start.
pub const MEMORY_LIMIT: u64 = 128 << 20;

/// Native stack of the evaluation thread, so that deep recursion ends in
/// the engine's own error, never in a crash.
pub const STACK: usize = 256 << 20;

/// A request line larger than this ends the worker (the parent never
/// sends one: templates, bodies and data are capped well below).
pub const REQUEST_CAP: u64 = 64 << 20;

/// The largest answer a worker writes (outputs are capped at 1 MiB a
/// template and error messages at [`MESSAGE_CAP`], so only a bug reaches
/// it); the parent reads no more.
pub const RESPONSE_CAP: u64 = 16 << 20;

/// Error messages are cut to this many bytes (an error can quote a value
/// of any size).
pub const MESSAGE_CAP: usize = 4 << 10;

/// How a worker process ends, for the parent to tell why.
pub const EXIT_TIMEOUT: u8 = 124;
pub const EXIT_PROTOCOL: u8 = 125;

/// Whether this process was started as a worker.
#[must_use]
pub fn is_worker() -> bool {
    std::env::var_os(WORKER_ENV).is_some()
}

/// Starts the evaluation thread: requests in, responses out, until the
/// request channel closes.
pub fn evaluator(
    requests: mpsc::Receiver<Op>,
    responses: mpsc::Sender<Response>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("evaluator".into())
        .stack_size(STACK)
        .spawn(move || {
            let mut programs = Programs::default();
            while let Ok(op) = requests.recv() {
                if responses.send(programs.handle(op, &|| {})).is_err() {
                    break;
                }
            }
        })
        .map(drop)
}

/// The worker process. The evaluation thread reads requests from stdin
/// and answers on stdout, setting a deadline as each step of a request
/// starts; this thread is its watchdog and ends the process when a
/// deadline passes. The evaluation thread starts serving only once the
/// heap is capped.
pub fn main() -> ExitCode {
    let deadline = Arc::new(Deadline::default());
    let watched = deadline.clone();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let evaluator = std::thread::Builder::new()
        .name("evaluator".into())
        .stack_size(STACK)
        .spawn(move || {
            if go_rx.recv().is_err() {
                return EXIT_PROTOCOL;
            }
            serve(&watched)
        });
    let Ok(evaluator) = evaluator else {
        return ExitCode::from(EXIT_PROTOCOL);
    };
    limit_memory();
    let _ = go_tx.send(());
    while !evaluator.is_finished() {
        std::thread::sleep(deadline::POLL);
        if deadline.passed() {
            return ExitCode::from(EXIT_TIMEOUT);
        }
    }
    match evaluator.join() {
        Ok(code) => ExitCode::from(code),
        Err(_) => ExitCode::from(EXIT_PROTOCOL),
    }
}

/// Requests from stdin, answers on stdout, each step under a deadline;
/// the exit code when the input ends.
fn serve(deadline: &Deadline) -> u8 {
    let mut programs = Programs::default();
    let mut input = std::io::stdin().lock();
    let mut output = std::io::stdout().lock();
    loop {
        let request = match read_request(&mut input) {
            Ok(Some(r)) => r,
            Ok(None) => return 0,
            Err(()) => return EXIT_PROTOCOL,
        };
        let limit = Duration::from_millis(request.limit_ms);
        let response = programs.handle(request.op, &|| deadline.set(limit));
        deadline.clear();
        let mut line = to_line(&response).unwrap_or_default();
        if line.len() as u64 > RESPONSE_CAP {
            let refused: Response = vec![Err(Failure::TooLarge(line.len()))];
            line = to_line(&refused).unwrap_or_default();
        }
        if output
            .write_all(&line)
            .and_then(|()| output.flush())
            .is_err()
        {
            return 0;
        }
    }
}

/// One request line, or `None` at the end of input.
fn read_request(input: &mut impl BufRead) -> Result<Option<Request>, ()> {
    match read_line(input, REQUEST_CAP).map_err(drop)? {
        Some(line) => serde_json::from_slice(&line).map(Some).map_err(drop),
        None => Ok(None),
    }
}

/// Caps the heap: an allocation beyond it aborts this process, which the
/// parent reports as over the memory limit. Mappings that exist now (the
/// evaluation thread's stack among them) are not counted against it.
fn limit_memory() {
    let held = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmData:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb << 10);
    let cap = held + MEMORY_LIMIT;
    let _ = rlimit::setrlimit(rlimit::Resource::DATA, cap, cap);
}

/// The programs a worker holds, by the parent's slot numbers.
#[derive(Default)]
struct Programs {
    jsonnet: HashMap<usize, Program>,
    templates: HashMap<usize, Compiled>,
}

impl Programs {
    /// Handles one request; `step` is called as each evaluation starts.
    fn handle(&mut self, op: Op, step: &dyn Fn()) -> Response {
        step();
        let mut response = self.evaluate(op, step);
        for r in &mut response {
            if let Err(f) = r {
                f.truncate(MESSAGE_CAP);
            }
        }
        response
    }

    fn evaluate(&mut self, op: Op, step: &dyn Fn()) -> Response {
        match op {
            Op::Jsonnet { slot, name, code } => vec![
                Program::new(&name, &code)
                    .map(|p| {
                        self.jsonnet.insert(slot, p);
                        String::new()
                    })
                    .map_err(Failure::Jsonnet),
            ],
            Op::Apply { slot, ctx } => vec![match self.jsonnet.get(&slot) {
                Some(p) => p.apply(ctx).map_err(Failure::Jsonnet),
                None => Err(Failure::NoSlot(slot)),
            }],
            Op::Template {
                slot,
                part,
                files,
                model,
                fields,
            } => {
                let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
                vec![
                    files
                        .compile(part, &model, &fields)
                        .map(|c| {
                            self.templates.insert(slot, c);
                            String::new()
                        })
                        .map_err(Failure::Template),
                ]
            }
            Op::Execute { data, runs, then } => {
                let values: Vec<Data> = data.iter().map(model::to_value).collect();
                let mut texts: Response = runs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (slot, which))| {
                        if i > 0 {
                            step();
                        }
                        match (self.templates.get(&slot), values.get(which)) {
                            (Some(c), Some(v)) => c.execute(v).map_err(Failure::Template),
                            _ => Err(Failure::NoSlot(slot)),
                        }
                    })
                    .collect();
                if let Some(body) = then.and_then(|t| self.then(t, &texts, step)) {
                    texts.push(body);
                }
                texts
            }
        }
    }

    /// The body applied to the ctx with the texts filled in; `None` when a
    /// text it needs failed.
    fn then(&self, t: Then, texts: &Response, step: &dyn Fn()) -> Option<Result<String, Failure>> {
        let mut ctx = t.ctx;
        if !fill_texts(&mut ctx, &t.fill, texts) {
            return None;
        }
        if let Some((cap, code)) = t.input_cap {
            let size = code + serde_json::to_string(&ctx).map_or(0, |s| s.len());
            if size > cap {
                return Some(Err(Failure::InputTooLarge(size)));
            }
        }
        step();
        Some(match self.jsonnet.get(&t.slot) {
            Some(p) => p.apply(ctx).map_err(Failure::Jsonnet),
            None => Err(Failure::NoSlot(t.slot)),
        })
    }
}
