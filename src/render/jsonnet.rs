//! Jsonnet bodies, evaluated as Kratos evaluates them: no imports, no
//! external variables, the ctx passed as the top-level argument `ctx`, a
//! one-second time limit and a bounded stack. The only `jrsonnet` user.

use std::collections::HashMap;
use std::fmt;
use std::sync::mpsc;
use std::time::Duration;

use jrsonnet_evaluator::error::ErrorKind;
use jrsonnet_evaluator::manifest::JsonFormat;
use jrsonnet_evaluator::tla::TlaArg;
use jrsonnet_evaluator::trace::PathResolver;
use jrsonnet_evaluator::{IStr, State, Val, apply_tla};

/// Kratos stops a Jsonnet evaluation after one second.
pub const TIME_LIMIT: Duration = Duration::from_secs(1);

/// Native stack for the evaluation thread, so that deep recursion ends in
/// Jsonnet's own stack-overflow error, never in a crash.
const THREAD_STACK: usize = 256 << 20;

/// Jsonnet call depth, as go-jsonnet's default.
const MAX_DEPTH: usize = 500;

/// A Jsonnet failure, with the template's line and column where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonnetError {
    pub kind: JsonnetErrorKind,
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonnetErrorKind {
    Syntax,
    Runtime,
    Timeout,
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

/// Parses and evaluates the template's top level (a `function(ctx)` or a
/// plain value), without calling it.
pub fn check(name: &str, code: &str) -> Result<(), JsonnetError> {
    run(name, code, None).map(|_| ())
}

/// Evaluates the template with `ctx` as the top-level argument and returns
/// the resulting value.
pub fn evaluate(
    name: &str,
    code: &str,
    ctx: &serde_json::Value,
) -> Result<serde_json::Value, JsonnetError> {
    run(name, code, Some(ctx.clone()))
}

/// Evaluates and prints the result exactly as go-jsonnet (and so Kratos)
/// does.
pub fn render(name: &str, code: &str, ctx: &serde_json::Value) -> Result<String, JsonnetError> {
    evaluate(name, code, ctx).map(|v| crate::render::manifest::go_jsonnet(&v))
}

type Job = (
    serde_json::Value,
    mpsc::Sender<Result<serde_json::Value, JsonnetError>>,
);

/// A template parsed once and applied to many ctx values, on a worker
/// thread that owns the (non-`Send`) Jsonnet state. Each application has
/// Kratos' one-second limit; a worker that overruns it is abandoned and a
/// new one started.
pub struct Renderer {
    name: String,
    code: String,
    jobs: mpsc::Sender<Job>,
}

impl Renderer {
    /// Parses the template (syntax errors surface here).
    pub fn new(name: &str, code: &str) -> Result<Self, JsonnetError> {
        let jobs = spawn_worker(name, code)?;
        Ok(Self {
            name: name.to_owned(),
            code: code.to_owned(),
            jobs,
        })
    }

    /// Applies the template to `ctx`; the go-jsonnet text.
    pub fn render(&mut self, ctx: &serde_json::Value) -> Result<String, JsonnetError> {
        self.value(ctx)
            .map(|v| crate::render::manifest::go_jsonnet(&v))
    }

    /// Applies the template to `ctx`, which it takes (no copy); the
    /// go-jsonnet text.
    pub fn render_owned(&mut self, ctx: serde_json::Value) -> Result<String, JsonnetError> {
        self.value_owned(ctx)
            .map(|v| crate::render::manifest::go_jsonnet(&v))
    }

    /// Applies the template to `ctx`; the value.
    pub fn value(&mut self, ctx: &serde_json::Value) -> Result<serde_json::Value, JsonnetError> {
        self.value_owned(ctx.clone())
    }

    fn value_owned(&mut self, ctx: serde_json::Value) -> Result<serde_json::Value, JsonnetError> {
        let (tx, rx) = mpsc::channel();
        if self.jobs.send((ctx, tx)).is_err() {
            self.jobs = spawn_worker(&self.name, &self.code)?;
            return Err(timeout_error());
        }
        match rx.recv_timeout(TIME_LIMIT) {
            Ok(r) => r,
            Err(_) => {
                // The worker may spin forever: leave it and start afresh.
                self.jobs = spawn_worker(&self.name, &self.code)?;
                Err(timeout_error())
            }
        }
    }
}

fn timeout_error() -> JsonnetError {
    JsonnetError {
        kind: JsonnetErrorKind::Timeout,
        message: format!(
            "evaluation did not finish within {}s (Kratos' limit)",
            TIME_LIMIT.as_secs()
        ),
        line: None,
        column: None,
    }
}

/// Runs `f` on an evaluation thread with a large stack.
fn spawn(f: impl FnOnce() + Send + 'static) -> Result<(), JsonnetError> {
    std::thread::Builder::new()
        .name("jsonnet".into())
        .stack_size(THREAD_STACK)
        .spawn(f)
        .map(drop)
        .map_err(|_| JsonnetError {
            kind: JsonnetErrorKind::Runtime,
            message: "could not start the Jsonnet evaluator".into(),
            line: None,
            column: None,
        })
}

fn spawn_worker(name: &str, code: &str) -> Result<mpsc::Sender<Job>, JsonnetError> {
    let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
    let (ready_tx, ready_rx) = mpsc::channel();
    let (name, code) = (name.to_owned(), code.to_owned());
    spawn(move || {
        let state = new_state();
        let _entered = state.enter();
        let _depth = jrsonnet_evaluator::stack::limit_stack_depth(MAX_DEPTH);
        let top = match state
            .prepare_snippet(name.as_str(), code.as_str())
            .and_then(|p| state.evaluate_prepared_snippet(&p))
        {
            Ok(top) => {
                let _ = ready_tx.send(Ok(()));
                top
            }
            Err(e) => {
                let _ = ready_tx.send(Err(convert(e)));
                return;
            }
        };
        while let Ok((ctx, reply)) = jobs_rx.recv() {
            let _ = reply.send(apply(&top, ctx));
        }
    })?;
    match ready_rx.recv_timeout(TIME_LIMIT) {
        Ok(Ok(())) => Ok(jobs_tx),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(timeout_error()),
    }
}

fn run(
    name: &str,
    code: &str,
    ctx: Option<serde_json::Value>,
) -> Result<serde_json::Value, JsonnetError> {
    let (tx, rx) = mpsc::channel();
    let (name, code) = (name.to_owned(), code.to_owned());
    spawn(move || {
        let _ = tx.send(evaluate_here(&name, &code, ctx));
    })?;
    rx.recv_timeout(TIME_LIMIT)
        .unwrap_or_else(|_| Err(timeout_error()))
}

/// An evaluator with the standard library and no imports of files.
fn new_state() -> State {
    let mut builder = State::builder();
    builder.context_initializer(jrsonnet_stdlib::ContextInitializer::new(
        PathResolver::Absolute,
    ));
    builder.build()
}

fn evaluate_here(
    name: &str,
    code: &str,
    ctx: Option<serde_json::Value>,
) -> Result<serde_json::Value, JsonnetError> {
    let state = new_state();
    let _entered = state.enter();
    let _depth = jrsonnet_evaluator::stack::limit_stack_depth(MAX_DEPTH);
    let prepared = state.prepare_snippet(name, code).map_err(convert)?;
    let top = state
        .evaluate_prepared_snippet(&prepared)
        .map_err(convert)?;
    let Some(ctx) = ctx else {
        return Ok(serde_json::Value::Null);
    };
    apply(&top, ctx)
}

fn apply(top: &Val, ctx: serde_json::Value) -> Result<serde_json::Value, JsonnetError> {
    let ctx: Val = serde_json::from_value(ctx).map_err(|e| JsonnetError {
        kind: JsonnetErrorKind::Runtime,
        message: format!("ctx is not representable in Jsonnet: {e}"),
        line: None,
        column: None,
    })?;
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

#[cfg(test)]
mod tests {
    use super::{JsonnetErrorKind, check, evaluate};

    #[test]
    fn function_and_plain_object_both_work() {
        let ctx = serde_json::json!({"recipient": "a@b.c"});
        let out = evaluate("t", "function(ctx) { to: ctx.recipient }", &ctx).unwrap();
        assert_eq!(out, serde_json::json!({"to": "a@b.c"}));
        let out = evaluate("t", "{ fixed: 1 }", &ctx).unwrap();
        assert_eq!(out, serde_json::json!({"fixed": 1}));
    }

    #[test]
    fn renderer_applies_once_parsed_template_and_survives_runaways() {
        let mut r =
            super::Renderer::new("t", "function(ctx) { n: ctx.n * 0.1, s: ctx.s }").unwrap();
        for n in 1..4 {
            let out = r.render(&serde_json::json!({"n": n, "s": "x"})).unwrap();
            assert!(out.starts_with("{\n   \"n\": "), "{out}");
        }
        assert_eq!(
            r.render(&serde_json::json!({"n": 1, "s": "x"})).unwrap(),
            "{\n   \"n\": 0.10000000000000001,\n   \"s\": \"x\"\n}\n"
        );
        let mut slow = super::Renderer::new("t", "function(ctx) if ctx.spin then std.foldl(function(a, b) a + b, std.range(0, 2000000000), 0) else 1").unwrap();
        let err = slow.render(&serde_json::json!({"spin": true})).unwrap_err();
        assert_eq!(err.kind, JsonnetErrorKind::Timeout);
        assert_eq!(
            slow.render(&serde_json::json!({"spin": false})).unwrap(),
            "1\n"
        );
        assert!(super::Renderer::new("t", "{ a: }").is_err());
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let err = check("t", "function(ctx) {\n  a: 1\n  b: 2\n}\n").unwrap_err();
        assert_eq!(err.kind, JsonnetErrorKind::Syntax);
        assert_eq!(err.line, Some(3), "{err:?}");
    }

    #[test]
    fn hostile_templates_fail_cleanly() {
        let ctx = serde_json::json!({});
        let err = check("t", "importstr \"/etc/passwd\"").unwrap_err();
        assert_eq!(err.kind, JsonnetErrorKind::Runtime, "{err:?}");
        let err = evaluate("t", "local f(x) = f(x + 1); function(ctx) f(0)", &ctx).unwrap_err();
        assert_eq!(err.kind, JsonnetErrorKind::Runtime, "{err:?}");
        let err = evaluate(
            "t",
            "local f(x) = if x < 0 then 0 else f(x + 1) tailstrict; function(ctx) f(0)",
            &ctx,
        )
        .unwrap_err();
        assert!(
            matches!(
                err.kind,
                JsonnetErrorKind::Runtime | JsonnetErrorKind::Timeout
            ),
            "{err:?}"
        );
        assert!(check("t", "std.extVar('x')").is_err());
    }
}
