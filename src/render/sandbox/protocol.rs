//! What the parent and a sandbox worker say to each other: one JSON object
//! per line each way, a request and then its response.

use std::io::{BufRead, Read};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::render::jsonnet::JsonnetError;
use crate::render::template::{Part, TemplateError, TemplateFiles};

/// A request, with the time the worker gives each of its steps (a load, an
/// apply, one template of an `Execute`) before it exits. The parent sends
/// a borrowed operation (`Request<&Op>`: the data is not copied), the
/// worker reads an owned one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request<O = Op> {
    pub limit_ms: u64,
    pub op: O,
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
        /// Then apply a Jsonnet body to a ctx holding the texts: an HTTP
        /// message in one round trip.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        then: Option<Then>,
    },
}

/// The Jsonnet half of an HTTP message's `Execute`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Then {
    /// The body's slot.
    pub slot: usize,
    /// The ctx, with a placeholder where each text goes.
    pub ctx: Value,
    pub fill: Vec<Fill>,
    /// The input cap in bytes (the body and the ctx as JSON), and the
    /// body's length.
    pub input_cap: Option<(usize, usize)>,
}

/// Where a run's text goes in the ctx.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fill {
    pub run: usize,
    pub key: String,
    /// Trimmed of blanks (a subject).
    pub trim: bool,
    /// Left out when it fails or renders empty (the HTML part); a text
    /// that is not optional and fails leaves the body unapplied.
    pub optional: bool,
}

/// Puts the texts of `results` into `ctx` as `fill` says: `false` when a
/// text that is not optional failed (the body is not applied then).
pub fn fill_texts(ctx: &mut Value, fill: &[Fill], results: &Response) -> bool {
    let Value::Object(ctx) = ctx else {
        return false;
    };
    for f in fill {
        match results.get(f.run) {
            Some(Ok(text)) if !(f.optional && text.is_empty()) => {
                let text = if f.trim { text.trim() } else { text };
                ctx.insert(f.key.clone(), Value::String(text.to_owned()));
            }
            Some(_) if f.optional => {
                ctx.shift_remove(&f.key);
            }
            _ => return false,
        }
    }
    true
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
    /// A Jsonnet input (body and ctx) over its cap (its size).
    InputTooLarge(usize),
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
            Failure::InputTooLarge(n) => format!("the body and its ctx are {n} bytes"),
        }
    }

    /// Cuts the message to at most `cap` bytes (on a character boundary).
    pub fn truncate(&mut self, cap: usize) {
        let message = match self {
            Failure::Jsonnet(e) => &mut e.message,
            Failure::Template(e) => &mut e.message,
            Failure::NoSlot(_) | Failure::TooLarge(_) | Failure::InputTooLarge(_) => return,
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

/// A message as one line of JSON.
pub fn to_line(message: &impl Serialize) -> serde_json::Result<Vec<u8>> {
    let mut line = serde_json::to_vec(message)?;
    line.push(b'\n');
    Ok(line)
}

/// The next line of `input`, whole (ending in a newline) and at most
/// `cap` bytes; `None` at the end of the input. A longer or unfinished
/// line is an `InvalidData` error.
pub fn read_line(input: &mut impl BufRead, cap: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = input.by_ref().take(cap).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "a line cut short or over its cap",
        ));
    }
    Ok(Some(line))
}
