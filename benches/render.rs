//! Jsonnet renders per second: one template (the SendGrid recipe) applied
//! to 10,000 distinct ctx values, parsed once (`Renderer`, courier's batch
//! path) against parsed per message (a fresh evaluator each time, as Kratos
//! re-parses), measured in the same run. `cargo bench --bench render`.
#![expect(clippy::print_stdout, reason = "a bench reports on stdout")]

use std::time::Instant;

use courier::message::sample::{self, Context};
use courier::message::{Channel, ctx};
use courier::render::jsonnet::{self, Renderer};

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

    let mut r = Renderer::new("sendgrid.jsonnet", &code).expect("compiles");
    let start = Instant::now();
    let mut bytes = 0;
    for c in &ctxs {
        bytes += r.render(c).expect("renders").len();
    }
    let once = start.elapsed();
    let once_rate = N as f64 / once.as_secs_f64();

    let start = Instant::now();
    for c in ctxs.iter().take(REPARSED) {
        bytes += jsonnet::render("sendgrid.jsonnet", &code, c)
            .expect("renders")
            .len();
    }
    let again = start.elapsed();
    let again_rate = REPARSED as f64 / again.as_secs_f64();
    println!(
        "render, SendGrid recipe, {N} ctx: parsed once {once_rate:.0} renders/s ({:.1} µs each); \
         parsed per message {again_rate:.0} renders/s over {REPARSED}; ratio {:.1}x ({bytes} bytes)",
        once.as_secs_f64() * 1e6 / N as f64,
        once_rate / again_rate
    );
}
