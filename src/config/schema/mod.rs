//! Kratos' config schema for the `courier` subtree and the keys courier
//! reads beside it, as Rust data: the kinds of node here, the facts
//! ([`facts`]: types, enums, patterns, formats, required keys, closed
//! objects, the root `allOf` rule), the formats and patterns checked by
//! hand ([`formats`]), the `oneOf` auth shapes (`auth`), and the walk
//! that reports every violation with a stable code and a readable message
//! ([`validate`]).

mod auth;
pub mod facts;
pub mod formats;
pub mod validate;

use crate::config::tree::{KeyPath, Node};
use crate::diag::Diagnostic;

/// A schema node.
#[derive(Debug, Clone)]
pub enum Schema {
    Object(Obj),
    Str(Str),
    Int {
        min: Option<i64>,
        max: Option<i64>,
    },
    Bool,
    Array(Box<Schema>),
    /// `{type: object, additionalProperties: {type: string}}`.
    StringMap,
    /// `oneOf: [api_key, basic_auth]`.
    Auth,
}

/// An object schema.
#[derive(Debug, Clone, Default)]
pub struct Obj {
    pub props: Vec<(&'static str, Schema)>,
    pub required: Vec<&'static str>,
    /// `additionalProperties: false`.
    pub closed: bool,
    /// Open, but unknown keys are worth a warning (Kratos ignores them).
    pub warn_unknown: bool,
}

/// A string schema.
#[derive(Debug, Clone, Default)]
pub struct Str {
    pub pattern: Option<Pattern>,
    pub format: Option<Format>,
    pub one_of: Option<&'static [&'static str]>,
    pub max_len: Option<usize>,
}

/// The schema's regular expressions, each checked by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// `^smtps?://.*`
    SmtpScheme,
    /// `^https?://`
    HttpScheme,
    /// `^(http|https|file|base64)://`
    BodyScheme,
    /// `^([0-9]+(ns|us|ms|s|m|h))+$`
    GoDuration,
}

/// The schema's `format` keywords that Kratos enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Uri,
    UriReference,
    Email,
}

/// `expected X, found a Y` at the node.
fn type_error(node: &Node, expected: &str, path: &KeyPath) -> Diagnostic {
    Diagnostic::error(
        "invalid-type",
        path,
        format!(
            "expected {expected}, found {}",
            article(node.value.type_name())
        ),
    )
    .at(&node.loc)
}

fn article(type_name: &str) -> String {
    match type_name {
        "integer" | "array" | "object" => format!("an {type_name}"),
        "null" => "null (an empty value)".to_owned(),
        _ => format!("a {type_name}"),
    }
}
