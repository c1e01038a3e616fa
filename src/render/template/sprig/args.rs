//! What every helper shares: reading arguments as Sprig reads them
//! (strings, integers, floats, lists, emptiness), making values, and
//! Go's error form.

use std::sync::Arc;

use gotmpl::Value;

/// A helper: its own name (for errors) and its arguments.
pub(super) type Func = fn(&'static str, &[Value]) -> FResult;

pub(super) type FResult = Result<Value, gotmpl::TemplateError>;

pub(super) fn err(name: &str, msg: &str) -> gotmpl::TemplateError {
    gotmpl::TemplateError::Exec(format!("error calling {name}: {msg}"))
}

/// A helper may not make a string over 1 MiB (a rendered template may not
/// be larger either): refused before it is built.
pub(super) const RESULT_LIMIT: usize = 1 << 20;

/// `len` bytes, if they are within [`RESULT_LIMIT`].
pub(super) fn within(name: &str, len: usize) -> Result<usize, gotmpl::TemplateError> {
    if len > RESULT_LIMIT {
        return Err(err(
            name,
            &format!(
                "the result would be {len} bytes; courier refuses strings over {} MiB in templates",
                RESULT_LIMIT >> 20
            ),
        ));
    }
    Ok(len)
}

pub(super) fn s(v: &Value) -> String {
    match v {
        Value::Nil => String::new(),
        other => other
            .as_str()
            .map_or_else(|| other.to_string(), str::to_owned),
    }
}

pub(super) fn n(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Uint(u) => i64::try_from(*u).unwrap_or(i64::MAX),
        Value::Float(f) => *f as i64,
        Value::String(x) => x.trim().parse().unwrap_or(0),
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

pub(super) fn f(v: &Value) -> f64 {
    match v {
        Value::Float(x) => *x,
        Value::String(x) => x.trim().parse().unwrap_or(0.0),
        other => n(other) as f64,
    }
}

pub(super) fn list_of(v: &Value) -> Vec<Value> {
    match v {
        Value::List(l) => l.to_vec(),
        Value::Nil => Vec::new(),
        other => vec![other.clone()],
    }
}

pub(super) fn blank(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i) => *i == 0,
        Value::Uint(u) => *u == 0,
        Value::Float(f) => *f == 0.0,
        Value::String(x) => x.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

pub(super) fn str_v(x: impl Into<String>) -> Value {
    Value::String(Arc::from(x.into().as_str()))
}

pub(super) fn arg<'a>(
    args: &'a [Value],
    i: usize,
    name: &str,
) -> Result<&'a Value, gotmpl::TemplateError> {
    args.get(i)
        .ok_or_else(|| err(name, "wrong number of arguments"))
}
