//! Whole-process time of `courier check-config` on a 100-line kratos.yml,
//! against `/bin/true` (process start-up alone) measured in the same run,
//! interleaved. Run from the repository root: `cargo bench --bench check_config`.
#![expect(clippy::print_stdout, reason = "a bench reports on stdout")]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROUNDS: usize = 50;

fn time(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("command runs");
    let elapsed = start.elapsed();
    assert!(status.success(), "{cmd:?} failed");
    elapsed
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let bin = env!("CARGO_BIN_EXE_courier");
    let (mut courier, mut baseline) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        courier.push(time(Command::new(bin).current_dir(root).args([
            "check-config",
            "-c",
            "benches/data/kratos-100.yml",
        ])));
        baseline.push(time(&mut Command::new("true")));
    }
    let (c, b) = (median(courier), median(baseline));
    println!(
        "check-config, 100-line config, whole process: median {:.2} ms over {ROUNDS} runs; \
         /bin/true {:.2} ms; ratio {:.1}x",
        c.as_secs_f64() * 1e3,
        b.as_secs_f64() * 1e3,
        c.as_secs_f64() / b.as_secs_f64()
    );
}
