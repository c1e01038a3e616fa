//! The one writer: everything courier prints goes through [`Printer`],
//! which picks the format, decides colour per stream, and runs every line
//! through the secret redactor. The only user of `colored`.
#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the one module that writes"
)]

use std::io::IsTerminal;

use colored::Colorize;

use crate::cli::{ColorChoice, Format};
use crate::diag::{Paint, Role};
use crate::exit::{ExitStatus, StatusError};
use crate::secret::Redactor;

/// Writes results to stdout and diagnostics to stderr.
#[derive(Debug)]
pub struct Printer {
    pub format: Format,
    pub quiet: bool,
    pub verbose: u8,
    color_stdout: bool,
    color_stderr: bool,
    redactor: Redactor,
}

impl Printer {
    #[must_use]
    pub fn new(format: Format, color: ColorChoice, quiet: bool, verbose: u8) -> Self {
        let decide = |is_tty: bool| match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                    false
                } else if std::env::var_os("CLICOLOR_FORCE")
                    .is_some_and(|v| !v.is_empty() && v != "0")
                {
                    true
                } else {
                    is_tty && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
                }
            }
        };
        let color_stdout = decide(std::io::stdout().is_terminal());
        let color_stderr = decide(std::io::stderr().is_terminal());
        // We decide per stream ourselves; `colored` only styles.
        colored::control::set_override(true);
        Self {
            format,
            quiet,
            verbose,
            color_stdout,
            color_stderr,
            redactor: Redactor::default(),
        }
    }

    /// Adds secrets that must never be printed.
    pub fn protect(&mut self, redactor: &Redactor) {
        self.redactor.extend(redactor);
    }

    /// Styling for text bound for stderr.
    #[must_use]
    pub fn stderr_paint(&self) -> Painter {
        Painter(self.color_stderr)
    }

    /// Styling for text bound for stdout.
    #[must_use]
    pub fn stdout_paint(&self) -> Painter {
        Painter(self.color_stdout)
    }

    /// A result line (or block) on stdout.
    pub fn out(&self, text: &str) {
        println!("{}", self.redactor.redact(text.trim_end_matches('\n')));
    }

    /// Exact bytes on stdout (payloads), secrets still masked.
    pub fn out_raw(&self, text: &str) {
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(self.redactor.redact(text).as_bytes());
        let _ = stdout.flush();
    }

    /// A JSON document on stdout.
    pub fn json(&self, value: &impl serde::Serialize) {
        let text = serde_json::to_string_pretty(value)
            .unwrap_or_else(|e| format!("{{\"type\":\"error\",\"message\":\"{e}\"}}"));
        println!("{}", self.redactor.redact(&text));
    }

    /// One compact JSON line on stdout (JSON Lines streams).
    pub fn json_line(&self, value: &impl serde::Serialize) {
        let text = serde_json::to_string(value).unwrap_or_default();
        println!("{}", self.redactor.redact(&text));
    }

    /// A diagnostic block on stderr (shown even with `-q`).
    pub fn diag(&self, text: &str) {
        eprintln!("{}", self.redactor.redact(text.trim_end_matches('\n')));
    }

    /// Chatter on stderr, hidden by `-q`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{}", self.redactor.redact(text));
        }
    }

    /// Reports a failed command: human form on stderr, or a JSON error
    /// object on stdout.
    pub fn error(&self, err: &anyhow::Error, status: ExitStatus) {
        let message = self.redactor.redact(&err.to_string());
        let causes: Vec<String> = err
            .chain()
            .skip(1)
            .map(|c| self.redactor.redact(&c.to_string()))
            .collect();
        let hint = err
            .chain()
            .find_map(|c| c.downcast_ref::<StatusError>().and_then(|e| e.hint.clone()));
        if self.format == Format::Json {
            self.json(&serde_json::json!({
                "type": "error",
                "message": message,
                "causes": causes,
                "hint": hint,
                "exit_code": status.code(),
            }));
            return;
        }
        let p = self.stderr_paint();
        let mut text = format!("courier: {} {message}", p.paint("error:", Role::Error));
        for c in causes {
            text.push_str(&format!("\n  caused by: {c}"));
        }
        if let Some(h) = hint {
            text.push_str(&format!("\n  {} {h}", p.paint("hint:", Role::Help)));
        }
        self.diag(&text);
    }
}

/// A progress display on stderr: drawn only on a terminal, never with `-q`
/// or `--format json`.
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// One more item done.
    pub fn inc(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// Sets the message after the counter (e.g. "3 bad").
    pub fn message(&self, text: String) {
        if let Some(bar) = &self.0 {
            bar.set_message(text);
        }
    }

    /// Runs `f` with the display hidden, so lines print above it.
    pub fn suspend_for(&self, f: impl FnOnce()) {
        match &self.0 {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Removes the display.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Printer {
    /// A progress spinner counting items of a stream of unknown length.
    #[must_use]
    pub fn progress(&self, what: &str) -> Progress {
        if self.quiet || self.format == Format::Json || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        let template = if self.color_stderr {
            format!("{{spinner:.cyan}} {what} {{pos}} rows, {{elapsed}} {{msg}}")
        } else {
            format!("{{spinner}} {what} {{pos}} rows, {{elapsed}} {{msg}}")
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Progress(Some(bar))
    }
}

impl Printer {
    /// Whether progress displays are drawn (a terminal, not `-q`, not JSON).
    #[must_use]
    pub fn shows_progress(&self) -> bool {
        !self.quiet && self.format != Format::Json && std::io::stderr().is_terminal()
    }

    /// A progress bar for a batch being sent: done of `total` (when known),
    /// a message with the counts, the rate and the time left.
    #[must_use]
    pub fn progress_bar(&self, total: Option<u64>) -> Progress {
        if !self.shows_progress() {
            return Progress(None);
        }
        let target = indicatif::ProgressDrawTarget::stderr();
        let (bar, template) = match total {
            Some(n) => (
                indicatif::ProgressBar::with_draw_target(Some(n), target),
                "{pos}/{len} {msg} · eta {eta} {wide_bar}",
            ),
            None => (
                indicatif::ProgressBar::with_draw_target(None, target),
                "{spinner} {pos} rows · {msg} · {elapsed}",
            ),
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Progress(Some(bar))
    }
}

/// Applies styles when colour is on for the stream.
#[derive(Debug, Clone, Copy)]
pub struct Painter(bool);

impl Paint for Painter {
    fn paint(&self, text: &str, role: Role) -> String {
        if !self.0 {
            return text.to_owned();
        }
        match role {
            Role::Error => text.red().bold().to_string(),
            Role::Warning => text.yellow().bold().to_string(),
            Role::Success => text.green().bold().to_string(),
            Role::Strong => text.bold().to_string(),
            Role::Gutter => text.blue().bold().to_string(),
            Role::Help => text.cyan().bold().to_string(),
        }
    }
}
