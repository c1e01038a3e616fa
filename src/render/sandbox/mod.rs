//! Evaluations bounded in time and memory, with nothing left running:
//! Jsonnet bodies and Go templates run in a worker process (this same
//! binary, started with an empty environment and [`worker::WORKER_ENV`]),
//! as Kratos runs Jsonnet in its own subprocess. Each request has a time
//! limit (Kratos' 1 s for Jsonnet, 1 s per Go template); a worker that
//! overruns it ends itself (and the parent kills it besides), one that
//! allocates past [`worker::MEMORY_LIMIT`] aborts, and the next request
//! starts a fresh worker that gets the programs again. A worker lives as
//! long as its [`Sandbox`] (one per composer, so one per batch thread)
//! and sits in its own process group, so Ctrl-C reaches only the parent.
//!
//! Where courier runs as a library (unit tests, benches), [`isolate`] was
//! not called and the worker is a thread: same protocol, same limits on
//! output, but a runaway is abandoned rather than killed.

mod deadline;
mod handle;
pub mod protocol;
pub mod worker;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use crate::render::jsonnet::{self, JsonnetError, JsonnetErrorKind};
use crate::render::template::{Part, TemplateError, TemplateFiles};
use handle::{Fault, Worker};
use protocol::{Failure, Fill, Op, Response, Then};

/// Kratos has no limit on Go templates; courier gives each one second to
/// parse or to execute.
pub const TEMPLATE_TIME_LIMIT: Duration = Duration::from_secs(1);

/// The binary that workers run, once [`isolate`] was called.
static EXE: OnceLock<Result<PathBuf, String>> = OnceLock::new();

/// Evaluations from now on run in worker processes of this binary.
pub fn isolate() {
    let _ = EXE.set(std::env::current_exe().map_err(|e| e.to_string()));
}

/// Evaluations from now on run in worker processes of `courier`, the
/// binary at `exe` (for benches, whose own binary is not courier).
pub fn isolate_with(exe: PathBuf) {
    let _ = EXE.set(Ok(exe));
}

/// A Jsonnet body held by the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonnetId(usize);

/// A Go template held by the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateId(usize);

/// Programs (parsed once) and the worker that evaluates them.
#[derive(Default)]
pub struct Sandbox {
    /// The load request of each slot, to replay into a fresh worker.
    programs: Vec<Op>,
    /// How each slot is named in messages.
    names: Vec<String>,
    worker: Option<Worker>,
}

impl Sandbox {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a Jsonnet body and evaluates its top level.
    pub fn jsonnet(&mut self, name: &str, code: &str) -> Result<JsonnetId, JsonnetError> {
        let slot = self.programs.len();
        let op = Op::Jsonnet {
            slot,
            name: name.to_owned(),
            code: code.to_owned(),
        };
        match self.load(op, name, jsonnet::TIME_LIMIT) {
            Ok(Ok(())) => Ok(JsonnetId(slot)),
            Ok(Err(Failure::Jsonnet(e))) => Err(e),
            Ok(Err(other)) => Err(jsonnet_fault(&other.text(), JsonnetErrorKind::Runtime)),
            Err(fault) => Err(jsonnet_error(&fault)),
        }
    }

    /// Applies a body to `ctx`: the text go-jsonnet prints.
    pub fn apply(&mut self, id: JsonnetId, ctx: Value) -> Result<String, JsonnetError> {
        let op = Op::Apply { slot: id.0, ctx };
        match self.call(&op, &[id.0], jsonnet::TIME_LIMIT) {
            Ok(mut r) if r.len() == 1 => match r.remove(0) {
                Ok(text) => Ok(text),
                Err(Failure::Jsonnet(e)) => Err(e),
                Err(other) => Err(jsonnet_fault(&other.text(), JsonnetErrorKind::Runtime)),
            },
            Ok(_) => Err(jsonnet_fault(
                "a malformed answer",
                JsonnetErrorKind::Runtime,
            )),
            Err(fault) => Err(jsonnet_error(&fault)),
        }
    }

    /// Checks and parses a Go template for `part` of a type whose Go model
    /// is `model` with `fields`.
    pub fn template(
        &mut self,
        files: &TemplateFiles,
        part: Part,
        model: &str,
        fields: &[&str],
    ) -> Result<TemplateId, TemplateError> {
        let slot = self.programs.len();
        let op = Op::Template {
            slot,
            part,
            files: files.clone(),
            model: model.to_owned(),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        };
        let name = files.describe();
        match self.load(op, &name, TEMPLATE_TIME_LIMIT) {
            Ok(Ok(())) => Ok(TemplateId(slot)),
            Ok(Err(Failure::Template(e))) => Err(e),
            Ok(Err(other)) => Err(template_fault(&name, &other.text())),
            Err(fault) => Err(template_fault(&name, &fault.text())),
        }
    }

    /// Executes templates: each run a template and the index of its data
    /// in `data` (Go field names to JSON); one result per run, in order.
    /// When the worker fails (time, memory) during several runs, each is
    /// run alone to name the one at fault.
    pub fn execute(
        &mut self,
        data: Vec<Value>,
        runs: &[(TemplateId, usize)],
    ) -> Vec<Result<String, TemplateError>> {
        let n = runs.len();
        if n == 0 {
            return Vec::new();
        }
        let slots: Vec<usize> = runs.iter().map(|(id, _)| id.0).collect();
        let op = Op::Execute {
            data,
            runs: runs.iter().map(|(id, which)| (id.0, *which)).collect(),
            then: None,
        };
        // The limit is each template's: the worker times every run.
        let answer = self.call(&op, &slots, TEMPLATE_TIME_LIMIT);
        let name = |sandbox: &Self, i: usize| sandbox.names[slots[i]].clone();
        match answer {
            Ok(r) if r.len() == n => r
                .into_iter()
                .enumerate()
                .map(|(i, r)| match r {
                    Ok(text) => Ok(text),
                    Err(Failure::Template(e)) => Err(e),
                    Err(other) => Err(template_fault(&name(self, i), &other.text())),
                })
                .collect(),
            Ok(_) => (0..n)
                .map(|i| Err(template_fault(&name(self, i), "a malformed answer")))
                .collect(),
            Err(_) if n > 1 => {
                let Op::Execute { data, .. } = op else {
                    return Vec::new();
                };
                runs.iter()
                    .flat_map(|(id, which)| {
                        let one = data.get(*which).cloned().unwrap_or_default();
                        self.execute(vec![one], &[(*id, 0)])
                    })
                    .collect()
            }
            Err(fault) => vec![Err(template_fault(&name(self, 0), &fault.text()))],
        }
    }

    /// Executes templates as [`Sandbox::execute`], then applies the body
    /// `body` to `ctx` with their texts put where `fill` says: an HTTP
    /// message in one round trip. The body's answer comes after the texts',
    /// and is `None` when a text it needs failed. When the worker failed
    /// (time, memory), the data comes back with the body's error
    /// had the failure been the body's: run the templates alone then, to
    /// name the one at fault (the body is, when they answer).
    #[expect(clippy::type_complexity, reason = "the texts' answers and the body's")]
    pub fn execute_then_apply(
        &mut self,
        data: Vec<Value>,
        runs: &[(TemplateId, usize)],
        body: JsonnetId,
        ctx: Value,
        fill: &[Fill],
        input_cap: Option<(usize, usize)>,
    ) -> Result<
        (
            Vec<Result<String, TemplateError>>,
            Option<Result<String, Failure>>,
        ),
        (Vec<Value>, JsonnetError),
    > {
        let n = runs.len();
        let mut slots: Vec<usize> = runs.iter().map(|(id, _)| id.0).collect();
        slots.push(body.0);
        let op = Op::Execute {
            data,
            runs: runs.iter().map(|(id, which)| (id.0, *which)).collect(),
            then: Some(Then {
                slot: body.0,
                ctx,
                fill: fill.to_vec(),
                input_cap,
            }),
        };
        let limit = TEMPLATE_TIME_LIMIT.max(jsonnet::TIME_LIMIT);
        let answer = match self.call(&op, &slots, limit) {
            // The texts and the body together over the answer's cap: the
            // templates alone tell whether one of them is.
            Ok(a) if matches!(a.as_slice(), [Err(Failure::TooLarge(_))]) => {
                let text = a[0].as_ref().err().map(Failure::text).unwrap_or_default();
                Err(jsonnet_fault(&text, JsonnetErrorKind::Limit))
            }
            Ok(a) if a.len() == n || a.len() == n + 1 => Ok(a),
            Ok(_) => Err(jsonnet_fault(
                "a malformed answer",
                JsonnetErrorKind::Runtime,
            )),
            Err(fault) => Err(jsonnet_error(&fault)),
        };
        let mut answer = match answer {
            Ok(a) => a,
            Err(error) => {
                let Op::Execute { data, .. } = op else {
                    return Err((Vec::new(), error));
                };
                return Err((data, error));
            }
        };
        let applied = (answer.len() == n + 1).then(|| answer.pop()).flatten();
        let texts = answer
            .into_iter()
            .enumerate()
            .map(|(i, r)| match r {
                Ok(text) => Ok(text),
                Err(Failure::Template(e)) => Err(e),
                Err(other) => Err(template_fault(&self.names[slots[i]], &other.text())),
            })
            .collect();
        Ok((texts, applied))
    }

    /// Loads a program into a new slot: kept only if it parses.
    fn load(&mut self, op: Op, name: &str, limit: Duration) -> Result<Result<(), Failure>, Fault> {
        let mut r = self.request(&op, limit)?;
        let first = if r.len() == 1 {
            r.remove(0)
        } else {
            return Err(Fault::Crashed("a malformed answer".into()));
        };
        Ok(first.map(|_| {
            self.programs.push(op);
            self.names.push(name.to_owned());
            self.mark_loaded(self.programs.len() - 1);
        }))
    }

    /// Sends `op` after giving a fresh worker the programs it uses.
    fn call(&mut self, op: &Op, slots: &[usize], limit: Duration) -> Result<Response, Fault> {
        // A worker killed just after its last answer is not asked again.
        if self.worker.as_ref().is_some_and(|w| !w.usable()) {
            self.worker = None;
        }
        for &slot in slots {
            let missing = self
                .worker
                .as_ref()
                .is_none_or(|w| !w.loaded.get(slot).copied().unwrap_or(false));
            if missing {
                let load = self.programs[slot].clone();
                let limit = match load {
                    Op::Jsonnet { .. } => jsonnet::TIME_LIMIT,
                    _ => TEMPLATE_TIME_LIMIT,
                };
                self.request(&load, limit)?;
                self.mark_loaded(slot);
            }
        }
        self.request(op, limit)
    }

    fn mark_loaded(&mut self, slot: usize) {
        if let Some(w) = &mut self.worker {
            w.loaded.resize(self.programs.len(), false);
            w.loaded[slot] = true;
        }
    }

    /// One request to the worker (started if there is none); a worker that
    /// fails is dropped, so the next request starts afresh.
    fn request(&mut self, op: &Op, limit: Duration) -> Result<Response, Fault> {
        let worker = match &mut self.worker {
            Some(w) => w,
            empty => empty.insert(Worker::start(EXE.get())?),
        };
        let result = worker.ask(op, limit);
        if result.is_err() {
            self.worker = None;
        }
        result
    }
}

fn jsonnet_fault(text: &str, kind: JsonnetErrorKind) -> JsonnetError {
    JsonnetError {
        kind,
        message: text.to_owned(),
        line: None,
        column: None,
    }
}

fn jsonnet_error(fault: &Fault) -> JsonnetError {
    let kind = match fault {
        Fault::Timeout(_) => JsonnetErrorKind::Timeout,
        Fault::Memory => JsonnetErrorKind::Limit,
        Fault::Crashed(_) => JsonnetErrorKind::Runtime,
    };
    let text = match fault {
        Fault::Timeout(_) => format!("evaluation {} (Kratos' limit)", fault.text()),
        _ => format!("evaluation {}", fault.text()),
    };
    jsonnet_fault(&text, kind)
}

fn template_fault(name: &str, text: &str) -> TemplateError {
    TemplateError {
        origin_text: name.to_owned(),
        message: format!("{name}: {text}"),
        line: None,
    }
}
