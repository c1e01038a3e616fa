//! What the parent and a sandbox worker say to each other: one JSON object
//! per line each way, a request and then its response.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::render::jsonnet::JsonnetError;
use crate::render::template::{Part, TemplateError, TemplateFiles};

/// A request, with the time the worker gives each of its steps (a load, an
/// apply, one template of an `Execute`) before it exits.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub limit_ms: u64,
    pub op: Op,
}

/// What to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Op {
    /// Parse a Jsonnet body and evaluate its top level into `slot`.
    Jsonnet {
        slot: usize,
        name: String,
        code: String,
    },
    /// Apply the Jsonnet body in `slot` to a ctx.
    Apply { slot: usize, ctx: Value },
    /// Check and parse a Go template into `slot`.
    Template {
        slot: usize,
        part: Part,
        files: TemplateFiles,
        model: String,
        fields: Vec<String>,
    },
    /// Execute templates: each run names a slot and which of `data` (Go
    /// field names to JSON) it executes with; data shared by several runs
    /// crosses the pipe once.
    Execute {
        data: Vec<Value>,
        runs: Vec<(usize, usize)>,
    },
}

/// Why one evaluation failed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Failure {
    Jsonnet(JsonnetError),
    Template(TemplateError),
    /// A slot the worker does not hold (a parent bug, never user input).
    NoSlot(usize),
    /// An answer larger than the worker writes (its size).
    TooLarge(usize),
}

impl Failure {
    /// What went wrong, for the failures that are not the engine's.
    #[must_use]
    pub fn text(&self) -> String {
        match self {
            Failure::Jsonnet(e) => e.message.clone(),
            Failure::Template(e) => e.message.clone(),
            Failure::NoSlot(slot) => format!("the sandbox lost program {slot} (a courier bug)"),
            Failure::TooLarge(n) => format!("the answer is {n} bytes, over the sandbox's limit"),
        }
    }

    /// Cuts the message to at most `cap` bytes (on a character boundary).
    pub fn truncate(&mut self, cap: usize) {
        let message = match self {
            Failure::Jsonnet(e) => &mut e.message,
            Failure::Template(e) => &mut e.message,
            Failure::NoSlot(_) | Failure::TooLarge(_) => return,
        };
        if message.len() > cap {
            let mut end = cap;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
            message.push_str(" […]");
        }
    }
}

/// One result per evaluation the request asked for (one for a load or an
/// apply, one per run for `Execute`); a load answers an empty text.
pub type Response = Vec<Result<String, Failure>>;
