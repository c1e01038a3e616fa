//! What the parent and a sandbox worker say to each other: one JSON object
//! per line each way, a request and then its response.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::render::jsonnet::JsonnetError;
use crate::render::template::{Part, TemplateError, TemplateFiles};

/// A request, with the time the worker gives it before it exits.
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
    /// Execute templates, each with its data (Go field names to JSON).
    Execute { runs: Vec<(usize, Value)> },
}

/// Why one evaluation failed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Failure {
    Jsonnet(JsonnetError),
    Template(TemplateError),
    /// A slot the worker does not hold (a parent bug, never user input).
    NoSlot(usize),
}

/// One result per evaluation the request asked for (one for a load or an
/// apply, one per run for `Execute`); a load answers an empty text.
pub type Response = Vec<Result<String, Failure>>;
