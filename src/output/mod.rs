//! The one writer: everything courier prints goes through [`Printer`],
//! which picks the format and decides colour per stream. Secrets are
//! masked where results are built ([`crate::secret`]); the printer does
//! not rewrite what it is given, except an error's text, which is scrubbed
//! (and, for people, its control characters escaped) before it is laid
//! out. Results go to stdout, diagnostics and
//! progress ([`progress`]) to stderr. A closed stdout (`courier … | head
//! -1`) is not an error: further results are dropped and [`Printer::gone`]
//! tells long runs to wind down. The only user of `colored`.
#![expect(
    clippy::print_stderr,
    reason = "the one module that writes; stderr stays a plain eprintln"
)]

pub mod progress;

use std::cell::Cell;
use std::io::{IsTerminal, Write};

use colored::Colorize;

use crate::cli::{ColorChoice, Format};
use crate::diag::{Paint, Role, escape_controls};
use crate::exit::ExitStatus;
use progress::Progress;

/// Writes results to stdout and diagnostics to stderr.
#[derive(Debug)]
pub struct Printer {
    pub format: Format,
    pub quiet: bool,
    pub verbose: u8,
    color_stdout: bool,
    color_stderr: bool,
    /// stdout was closed by its reader.
    closed: Cell<bool>,
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
            closed: Cell::new(false),
        }
    }

    /// Whether JSON is wanted on stdout.
    #[must_use]
    pub fn json_mode(&self) -> bool {
        self.format == Format::Json
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

    /// Whether the reader of stdout has gone away.
    #[must_use]
    pub fn gone(&self) -> bool {
        self.closed.get()
    }

    /// Writes to stdout; a closed stdout ends all further output quietly.
    fn write_stdout(&self, bytes: &[u8]) {
        if self.closed.get() {
            return;
        }
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(bytes)
            .and_then(|()| stdout.flush())
            .is_err()
        {
            self.closed.set(true);
        }
    }

    /// A result line (or block) on stdout.
    pub fn out(&self, text: &str) {
        let mut line = text.trim_end_matches('\n').to_owned();
        line.push('\n');
        self.write_stdout(line.as_bytes());
    }

    /// Exact bytes on stdout (payloads).
    pub fn out_raw(&self, text: &str) {
        self.write_stdout(text.as_bytes());
    }

    /// A JSON document on stdout.
    pub fn json(&self, value: &impl serde::Serialize) {
        let text = serde_json::to_string_pretty(value)
            .unwrap_or_else(|e| format!("{{\"type\":\"error\",\"message\":\"{e}\"}}"));
        self.out(&text);
    }

    /// One compact JSON line on stdout (JSON Lines streams).
    pub fn json_line(&self, value: &impl serde::Serialize) {
        self.out(&serde_json::to_string(value).unwrap_or_default());
    }

    /// A diagnostic block on stderr (shown even with `-q`).
    pub fn diag(&self, text: &str) {
        eprintln!("{}", text.trim_end_matches('\n'));
    }

    /// Chatter on stderr, hidden by `-q`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    /// A failure with its hint on stderr: `courier: error: …`.
    pub fn failure(&self, message: &str, hint: Option<&str>) {
        let p = self.stderr_paint();
        let mut text = format!("courier: {} {message}", p.paint("error:", Role::Error));
        if let Some(h) = hint {
            text.push_str(&format!("\n  {} {h}", p.paint("hint:", Role::Help)));
        }
        self.diag(&text);
    }

    /// Reports a failed command: the human form on stderr, or a JSON error
    /// object on stdout.
    pub fn error(&self, err: &anyhow::Error, status: ExitStatus, hint: Option<&str>) {
        let human = !self.json_mode();
        let shown = |text: String| {
            let text = crate::secret::scrub(&text);
            if human { escape_controls(&text) } else { text }
        };
        let message = shown(err.to_string());
        let mut causes: Vec<String> = Vec::new();
        for c in err.chain().skip(1) {
            let text = shown(c.to_string());
            // Messages that quote their source (and transparent wrappers)
            // would say it twice.
            let said = message.contains(&text) || causes.iter().any(|c| c.contains(&text));
            if !said {
                causes.push(text);
            }
        }
        if self.json_mode() {
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

    /// Whether progress displays are drawn (a terminal, not `-q`, not JSON).
    #[must_use]
    pub fn shows_progress(&self) -> bool {
        !self.quiet && !self.json_mode() && std::io::stderr().is_terminal()
    }

    /// A row counter for a stream of unknown length.
    #[must_use]
    pub fn progress(&self, what: &str) -> Progress {
        if self.shows_progress() {
            Progress::counter(what, self.color_stderr)
        } else {
            Progress::hidden()
        }
    }

    /// A progress bar for a batch being sent.
    #[must_use]
    pub fn progress_bar(&self, total: Option<u64>) -> Progress {
        if self.shows_progress() {
            Progress::bar(total)
        } else {
            Progress::hidden()
        }
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
