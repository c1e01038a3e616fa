//! Progress on stderr: a row counter for streams of unknown length and a
//! bar for batches being sent. Drawn only where the printer allows it (a
//! terminal, not `-q`, not `--format json`). The only `indicatif` user.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress display, or nothing.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// No display at all.
    #[must_use]
    pub fn hidden() -> Self {
        Self(None)
    }

    /// A spinner counting rows of a stream of unknown length.
    #[must_use]
    pub(super) fn counter(what: &str, color: bool) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let template = if color {
            format!("{{spinner:.cyan}} {what} {{pos}} rows, {{elapsed}} {{msg}}")
        } else {
            format!("{{spinner}} {what} {{pos}} rows, {{elapsed}} {{msg}}")
        };
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(Some(bar))
    }

    /// Done of `total` (when known), a message with the counts, the rate
    /// and the time left.
    #[must_use]
    pub(super) fn bar(total: Option<u64>) -> Self {
        let target = ProgressDrawTarget::stderr();
        let (bar, template) = match total {
            Some(n) => (
                ProgressBar::with_draw_target(Some(n), target),
                "{pos}/{len} {msg} · eta {eta} {wide_bar}",
            ),
            None => (
                ProgressBar::with_draw_target(None, target),
                "{spinner} {pos} rows · {msg} · {elapsed}",
            ),
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        Self(Some(bar))
    }

    /// Items done so far.
    pub fn set(&self, done: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(done);
        }
    }

    /// The message after the counter (e.g. "3 bad").
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
