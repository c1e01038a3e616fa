//! Jsonnet renders per second: one template (the SendGrid recipe) applied
//! to 10,000 distinct ctx values, in the same run: parsed once and applied
//! on this thread (the engine alone, the baseline); parsed once and applied
//! in a sandbox worker process (courier's path: what isolation costs per
//! message); parsed per message (a fresh evaluator each time, as Kratos
//! re-parses). `cargo bench --bench render`.
#![expect(clippy::print_stdout, reason = "a bench reports on stdout")]

use std::time::Instant;

use courier::message::sample::{self, Context};
use courier::message::{Channel, ctx};
use courier::render::jsonnet::Program;
use courier::render::sandbox::{self, Sandbox};

const N: usize = 10_000;
const REPARSED: usize = 500;

fn main() {
    let code = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/examples/sendgrid.jsonnet"
    ))
    .expect("recipe");
    let cx = Context::default();
    let types = [
        "recovery_code_valid",
        "verification_code_valid",
        "login_code_valid",
        "registration_code_valid",
    ];
    let ctxs: Vec<serde_json::Value> = (0..N)
        .map(|i| {
            let ty = types[i % types.len()];
            let to = format!("user{i}@example.com");
            sample::sample_ctx(
                ty,
                Channel::Email,
                &cx,
                Some(&to),
                None,
                &ctx::placeholder_texts(Channel::Email),
            )
            .expect("email type")
        })
        .collect();

    let program = Program::new("sendgrid.jsonnet", &code).expect("compiles");
    let start = Instant::now();
    let mut bytes = 0;
    for c in &ctxs {
        bytes += program.apply(c.clone()).expect("renders").len();
    }
    let engine = start.elapsed();

    sandbox::isolate_with(env!("CARGO_BIN_EXE_courier").into());
    let mut sandbox = Sandbox::new();
    let id = sandbox
        .jsonnet("sendgrid.jsonnet", &code)
        .expect("compiles");
    let start = Instant::now();
    for c in &ctxs {
        bytes += sandbox.apply(id, c.clone()).expect("renders").len();
    }
    let sandboxed = start.elapsed();

    let start = Instant::now();
    for c in ctxs.iter().take(REPARSED) {
        bytes += Program::new("sendgrid.jsonnet", &code)
            .and_then(|p| p.apply(c.clone()))
            .expect("renders")
            .len();
    }
    let again = start.elapsed();
    let us = |d: std::time::Duration, n: usize| d.as_secs_f64() * 1e6 / n as f64;
    println!(
        "render, SendGrid recipe, {N} ctx ({bytes} bytes in all), µs per render:\n  \
         engine on this thread (baseline) {:.1}\n  \
         sandbox worker process           {:.1}  ({:.2}x the baseline)\n  \
         parsed per message (Kratos)      {:.1}  ({:.2}x, over {REPARSED})",
        us(engine, N),
        us(sandboxed, N),
        sandboxed.as_secs_f64() / engine.as_secs_f64(),
        us(again, REPARSED),
        us(again, REPARSED) / us(engine, N),
    );
}
