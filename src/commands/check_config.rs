//! `courier check-config`: load as Kratos loads, validate, lint, report.

use serde::Serialize;

use crate::cli::{CheckConfigArgs, GlobalArgs};
use crate::config::lint;
use crate::diag::{JsonDiagnostic, Paint, Role, Severity};
use crate::exit::ExitStatus;
use crate::output::Printer;

/// The JSON document of `check-config` (a public interface).
#[derive(Debug, Serialize)]
pub struct Report {
    /// The release the config was judged as (`v26.2.0`, `master`).
    pub kratos_version: &'static str,
    pub valid: bool,
    pub diagnostics: Vec<JsonDiagnostic>,
}

/// Runs the command.
pub fn run(
    global: &GlobalArgs,
    args: &CheckConfigArgs,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    let loaded = super::read_config(global)?;
    let diags = loaded.check(&lint::Options {
        online: args.online,
    });
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    let failed = errors > 0 || (args.strict && warnings > 0);
    if printer.json_mode() {
        printer.json(&Report {
            kratos_version: loaded.release.tag(),
            valid: !failed,
            diagnostics: diags
                .iter()
                .map(|d| d.to_json(&loaded.sources, &loaded.redactor))
                .collect(),
        });
    } else {
        let shown: Vec<_> = diags
            .into_iter()
            .filter(|d| !(printer.quiet && d.severity == Severity::Warning && !args.strict))
            .collect();
        super::print_diags(printer, &loaded, &shown);
        let names: Vec<&str> = loaded
            .sources
            .files
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        let what = if names.is_empty() {
            "environment".to_owned()
        } else {
            names.join(", ")
        };
        let out = printer.stdout_paint();
        let release = format!("for Kratos {}", loaded.release);
        let verdict = match (errors, warnings) {
            (0, 0) => format!("{} {release}", out.paint("valid", Role::Success)),
            (0, w) if !failed => format!(
                "{} {release} ({})",
                out.paint("valid", Role::Success),
                count(w, "warning")
            ),
            (e, w) => format!(
                "{} {release}: {}, {}",
                out.paint("invalid", Role::Error),
                count(e, "error"),
                count(w, "warning")
            ),
        };
        printer.out(&format!("{what}: {verdict}"));
    }
    Ok(if failed {
        ExitStatus::Config
    } else {
        ExitStatus::Success
    })
}

fn count(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
