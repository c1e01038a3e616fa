//! One module per subcommand; each builds a report and hands it to the
//! printer.
pub mod batch;
pub mod check_config;
pub mod init;
pub mod log;
pub mod probe;
pub mod probe_http;
pub mod render;
pub mod send;
pub mod uri;

/// The process environment as UTF-8 pairs (non-UTF-8 entries cannot be
/// Kratos overrides and are skipped).
#[must_use]
pub fn kratos_env() -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    vars.sort();
    vars
}

/// Loads the config for a command that connects, refusing (exit 78) when
/// it has errors in the parts the command uses (printed as diagnostics).
pub fn load_usable(
    global: &crate::cli::GlobalArgs,
    printer: &mut crate::output::Printer,
    relevant: &dyn Fn(&str) -> bool,
) -> anyhow::Result<crate::config::Loaded> {
    use crate::exit::{ExitStatus, StatusError};
    let env = kratos_env();
    if global.config.is_empty() && !env.iter().any(|(k, _)| k.starts_with("COURIER_")) {
        return Err(StatusError {
            status: ExitStatus::Usage,
            message: "no config given".into(),
            hint: Some("pass -c FILE (repeatable; `-` reads standard input)".into()),
        }
        .into());
    }
    let loaded = crate::config::load(&global.config, &env).map_err(|e| {
        anyhow::Error::new(StatusError {
            status: ExitStatus::NoInput,
            message: e.to_string(),
            hint: None,
        })
    })?;
    printer.protect(&loaded.redactor);
    let diags = crate::config::check(&loaded, &crate::config::lint::Options::default());
    let blocking: Vec<_> = diags
        .iter()
        .filter(|d| {
            d.severity == crate::diag::Severity::Error && (d.path.is_empty() || relevant(&d.path))
        })
        // The command evaluates the body itself and reports its errors there.
        .filter(|d| !d.code.starts_with("body-") && d.code != "form-body-not-strings")
        .collect();
    if !blocking.is_empty() {
        let paint = printer.stderr_paint();
        for d in &blocking {
            printer.diag(&d.render_human(&loaded.sources, &loaded.redactor, &paint));
        }
        return Err(StatusError {
            status: ExitStatus::Config,
            message: format!(
                "the configuration has {} error(s) that make it unusable",
                blocking.len()
            ),
            hint: Some("`courier check-config` lists every finding".into()),
        }
        .into());
    }
    Ok(loaded)
}
