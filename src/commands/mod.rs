//! One module per subcommand; each builds a report and hands it to the
//! printer.
pub mod check_config;

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
