//! Jsonnet bodies, evaluated as Kratos evaluates them: no imports, no
//! external variables, the ctx passed as the top-level argument `ctx`, a
//! bounded call depth, output over 256 KiB refused. Kratos' one-second
//! limit and a memory cap are the sandbox's ([`crate::render::sandbox`]).
//! The only `jrsonnet` user.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use jrsonnet_evaluator::error::ErrorKind;
use jrsonnet_evaluator::manifest::JsonFormat;
use jrsonnet_evaluator::tla::TlaArg;
use jrsonnet_evaluator::trace::PathResolver;
use jrsonnet_evaluator::{IStr, State, Val, apply_tla};

/// Kratos stops a Jsonnet evaluation after one second.
pub const TIME_LIMIT: Duration = Duration::from_secs(1);

/// Jsonnet call depth, as go-jsonnet's default.
const MAX_DEPTH: usize = 500;

/// A Jsonnet failure, with the template's line and column where known.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JsonnetError {
    pub kind: JsonnetErrorKind,
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum JsonnetErrorKind {
    Syntax,
    Runtime,
    /// Over Kratos' one-second limit.
    Timeout,
    /// Over the memory cap or the output limit.
    Limit,
}

impl fmt::Display for JsonnetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, "{l}:{c}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsonnetError {}

/// Kratos refuses Jsonnet output over 256 KiB.
pub const OUTPUT_LIMIT: usize = 256 << 10;

/// A runtime error with no place in the body (a sandbox failure).
#[must_use]
pub fn runtime_error(message: &str) -> JsonnetError {
    JsonnetError {
        kind: JsonnetErrorKind::Runtime,
        message: message.to_owned(),
        line: None,
        column: None,
    }
}

/// The error for a Jsonnet input (the body and its ctx as JSON) of `size`
/// bytes, over release `r`'s cap.
#[must_use]
pub fn input_over_cap(r: crate::release::Release, size: usize) -> JsonnetError {
    JsonnetError {
        kind: JsonnetErrorKind::Limit,
        message: format!(
            "the body and its ctx are {size} bytes; Kratos {r} refuses Jsonnet input over {} KiB",
            r.jsonnet_input_cap().unwrap_or(0) >> 10
        ),
        line: None,
        column: None,
    }
}

/// Refuses what release `r`'s evaluator refuses: an input (the body and
/// the ctx as JSON) or an output over its caps. `input` is `None` when
/// only the output is checked.
pub fn within_caps(
    r: crate::release::Release,
    input: Option<(usize, &serde_json::Value)>,
    output: &str,
) -> Result<(), JsonnetError> {
    let limit = |message: String| JsonnetError {
        kind: JsonnetErrorKind::Limit,
        message,
        line: None,
        column: None,
    };
    if let (Some(cap), Some((code, ctx))) = (r.jsonnet_input_cap(), input) {
        let size = code + serde_json::to_string(ctx).map_or(0, |s| s.len());
        if size > cap {
            return Err(input_over_cap(r, size));
        }
    }
    let cap = r.jsonnet_output_cap();
    if output.len() > cap {
        return Err(limit(format!(
            "the output is {} bytes; Kratos {r} refuses Jsonnet output over {} KiB",
            output.len(),
            cap >> 10
        )));
    }
    Ok(())
}

/// A template parsed and its top level evaluated (a `function(ctx)` or a
/// plain value), ready to be applied to many ctx values. It holds
/// jrsonnet's state, which is not `Send`: it lives on the thread that made
/// it. Time and memory bounds are the sandbox's work
/// ([`crate::render::sandbox`]).
pub struct Program {
    state: State,
    top: Val,
}

impl Program {
    /// Parses and evaluates the top level (syntax errors surface here).
    pub fn new(name: &str, code: &str) -> Result<Self, JsonnetError> {
        let state = new_state();
        let top = {
            let _entered = state.enter();
            let _depth = jrsonnet_evaluator::stack::limit_stack_depth(MAX_DEPTH);
            let prepared = state.prepare_snippet(name, code).map_err(convert)?;
            state
                .evaluate_prepared_snippet(&prepared)
                .map_err(convert)?
        };
        Ok(Self { state, top })
    }

    /// Applies the template to `ctx`; the text exactly as go-jsonnet (and
    /// so Kratos) prints it, refused over [`OUTPUT_LIMIT`] as Kratos does.
    pub fn apply(&self, ctx: serde_json::Value) -> Result<String, JsonnetError> {
        let _entered = self.state.enter();
        let _depth = jrsonnet_evaluator::stack::limit_stack_depth(MAX_DEPTH);
        let text = crate::render::manifest::go_jsonnet(&apply(&self.top, ctx)?);
        if text.len() > OUTPUT_LIMIT {
            return Err(JsonnetError {
                kind: JsonnetErrorKind::Limit,
                message: format!(
                    "the output is {} bytes; Kratos refuses Jsonnet output over {} KiB",
                    text.len(),
                    OUTPUT_LIMIT >> 10
                ),
                line: None,
                column: None,
            });
        }
        Ok(text)
    }
}

/// An evaluator with the standard library and no imports of files.
fn new_state() -> State {
    let mut builder = State::builder();
    builder.context_initializer(jrsonnet_stdlib::ContextInitializer::new(
        PathResolver::Absolute,
    ));
    builder.build()
}

fn apply(top: &Val, ctx: serde_json::Value) -> Result<serde_json::Value, JsonnetError> {
    let ctx: Val = serde_json::from_value(ctx).map_err(|e| JsonnetError {
        kind: JsonnetErrorKind::Runtime,
        message: format!("ctx is not representable in Jsonnet: {e}"),
        line: None,
        column: None,
    })?;
    // jrsonnet turns `function(ctx) ctx` into its built-in identity,
    // whose parameter is not named `ctx`: applied, it is the ctx itself,
    // as go-jsonnet gives it.
    if let Val::Func(f) = top
        && f.is_identity()
    {
        let text = ctx.manifest(JsonFormat::minify()).map_err(convert)?;
        return serde_json::from_str(&text).map_err(|e| JsonnetError {
            kind: JsonnetErrorKind::Runtime,
            message: e.to_string(),
            line: None,
            column: None,
        });
    }
    #[expect(
        clippy::mutable_key_type,
        reason = "jrsonnet's interned strings hash by identity"
    )]
    let mut tla = HashMap::<IStr, TlaArg>::new();
    tla.insert("ctx".into(), TlaArg::Val(ctx));
    let out = apply_tla(&tla, top.clone()).map_err(convert)?;
    // Manifesting forces every lazy field, so errors come with their trace.
    let text = out.manifest(JsonFormat::minify()).map_err(convert)?;
    serde_json::from_str(&text).map_err(|e| JsonnetError {
        kind: JsonnetErrorKind::Runtime,
        message: e.to_string(),
        line: None,
        column: None,
    })
}

fn convert(err: jrsonnet_evaluator::Error) -> JsonnetError {
    let (kind, span) = match err.error() {
        ErrorKind::ImportSyntaxError { error, .. } => {
            (JsonnetErrorKind::Syntax, Some(error.location.clone()))
        }
        _ => (
            JsonnetErrorKind::Runtime,
            err.trace().0.iter().find_map(|el| el.location.clone()),
        ),
    };
    let (line, column) = span.map_or((None, None), |span| {
        let [loc] = span.0.map_source_locations(&[span.1]);
        (Some(loc.line as u32), Some(loc.column as u32))
    });
    let message = match err.error() {
        ErrorKind::ImportSyntaxError { error, .. } => format!("syntax error: {}", error.message),
        other => tidy(&other.to_string()),
    };
    JsonnetError {
        kind,
        message,
        line,
        column,
    }
}

/// One line: the error's first line, plus jrsonnet's "similar name" hint
/// as a did-you-mean.
fn tidy(message: &str) -> String {
    let mut lines = message.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut out = lines.next().unwrap_or_default().to_owned();
    for l in lines {
        if let Some(name) = l.strip_prefix("There is a field with similar name present: ") {
            out.push_str(&format!(" (did you mean `{name}`?)"));
        }
    }
    out
}

/// `name:line:col: message`, or `name: message` without a place.
#[must_use]
pub fn located(name: &str, e: &JsonnetError) -> String {
    if e.line.is_some() {
        format!("{name}:{e}")
    } else {
        format!("{name}: {e}")
    }
}

#[cfg(test)]
mod tests {
    use super::JsonnetErrorKind;
    use crate::render::sandbox::Sandbox;

    /// Evaluates as a composer does: parsed once, applied to `ctx`.
    fn eval(code: &str, ctx: serde_json::Value) -> Result<String, super::JsonnetError> {
        let mut sandbox = Sandbox::new();
        let id = sandbox.jsonnet("t", code)?;
        sandbox.apply(id, ctx)
    }

    #[test]
    fn function_and_plain_object_both_work_as_go_jsonnet_prints_them() {
        let ctx = serde_json::json!({"recipient": "a@b.c", "n": 1});
        let out = eval(
            "function(ctx) { to: ctx.recipient, n: ctx.n * 0.1 }",
            ctx.clone(),
        );
        assert_eq!(
            out.unwrap(),
            "{\n   \"n\": 0.10000000000000001,\n   \"to\": \"a@b.c\"\n}\n"
        );
        assert_eq!(
            eval("{ fixed: 1 }", ctx).unwrap(),
            "{\n   \"fixed\": 1\n}\n"
        );
    }

    #[test]
    fn a_body_that_returns_its_ctx_works() {
        let ctx = serde_json::json!({"a": 1});
        for code in [
            "function(ctx) ctx",
            "function(ctx) (ctx)",
            "local f = function(ctx) ctx; f",
        ] {
            assert_eq!(
                eval(code, ctx.clone()).unwrap(),
                "{\n   \"a\": 1\n}\n",
                "{code}"
            );
        }
        assert!(eval("function(ctx) [ctx]", ctx).is_ok());
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let err = eval(
            "function(ctx) {\n  a: 1\n  b: 2\n}\n",
            serde_json::json!({}),
        )
        .unwrap_err();
        assert_eq!(err.kind, JsonnetErrorKind::Syntax);
        assert_eq!(err.line, Some(3), "{err:?}");
    }

    #[test]
    fn output_over_256_kib_is_refused_as_kratos_does() {
        let code = "function(ctx) { s: std.repeat('x', ctx.n) }";
        assert!(eval(code, serde_json::json!({"n": 1000})).is_ok());
        let err = eval(code, serde_json::json!({"n": 300_000})).unwrap_err();
        assert_eq!(err.kind, JsonnetErrorKind::Limit, "{err:?}");
        assert!(err.message.contains("256 KiB"), "{err:?}");
    }

    #[test]
    fn hostile_templates_fail_cleanly() {
        let ctx = serde_json::json!({});
        let err = eval("importstr \"/etc/passwd\"", ctx.clone()).unwrap_err();
        assert_eq!(err.kind, JsonnetErrorKind::Runtime, "{err:?}");
        let err = eval("local f(x) = f(x + 1); function(ctx) f(0)", ctx.clone()).unwrap_err();
        assert_eq!(err.kind, JsonnetErrorKind::Runtime, "{err:?}");
        assert!(eval("std.extVar('x')", ctx).is_err());
    }
}
