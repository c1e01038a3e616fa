//! `courier send --batch FILE`: the options of a run from the command
//! line, and the presenter of its events: a progress display, result
//! lines (JSON Lines, or bad rows and abandoned messages on stderr) and
//! the summary.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::batch::coordinator::{Counts, Event, Job};
use crate::batch::rows::{Defaults, Resolved};
use crate::batch::{self, DrySummary, Options, Summary};
use crate::cli::{GlobalArgs, OnBadRow, SendArgs};
use crate::config::settings::Route;
use crate::diag::{Paint, Role, escape_controls};
use crate::exit::{self, ExitStatus, Usage};
use crate::output::Printer;
use crate::output::progress::Progress;

/// One JSON line per row (a public interface).
#[derive(Debug, Serialize)]
pub struct RowResult<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub line: u64,
    pub recipient: Option<&'a str>,
    pub template_type: Option<&'a str>,
    pub channel: Option<&'static str>,
    pub status: &'static str,
    /// Attempts so far (sending only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// The server's last answer (sending only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<&'a str>,
    /// Why a row was skipped (sending only): `sent-before`,
    /// `abandoned-before` or `uncertain`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    pub error: Option<&'a str>,
}

impl<'a> RowResult<'a> {
    fn row(line: u64, row: &'a Resolved, status: &'static str) -> Self {
        Self {
            kind: "result",
            line,
            recipient: Some(&row.recipient),
            template_type: Some(&row.ty),
            channel: Some(row.channel.as_str()),
            status,
            attempts: None,
            reply: None,
            reason: None,
            error: None,
        }
    }

    fn job(job: &'a Job, status: &'static str, reply: Option<&'a str>) -> Self {
        Self {
            attempts: Some(job.attempt),
            reply,
            ..Self::row(job.id, &job.row, status)
        }
    }
}

/// How many abandoned messages are listed on stderr (the rest: `courier log`).
const SHOWN_FAILURES: u64 = 20;
/// How many causes the human summary lists.
const CAUSES: usize = 8;

/// Runs a batch (or its dry run).
pub fn run(
    global: &GlobalArgs,
    args: &SendArgs,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    let Some(input) = args.batch.clone() else {
        return Err(Usage::new("--batch FILE is needed").into());
    };
    let (loaded, settings) = crate::commands::usable(global, printer, |p| {
        p.starts_with("courier") && !p.starts_with("courier.templates")
    })?;
    let options = Options {
        input,
        journal: args.journal.clone(),
        defaults: Defaults {
            channel: Some(crate::commands::channel_of(args.channel)),
            template: args.template.clone(),
            data: args
                .data
                .as_deref()
                .map(crate::config::data::read)
                .transpose()?,
        },
        concurrency: usize::from(args.concurrency),
        rate: args.rate,
        backoff: args.backoff,
        timeout: Duration::from_secs(args.timeout),
        retry_abandoned: args.retry_abandoned,
        resend_uncertain: args.resend_uncertain,
        journal_sync: !args.no_journal_sync,
        stop_at_bad_row: args.on_bad_row == OnBadRow::Stop,
    };
    if let Some(ty) = &options.defaults.template
        && let Some(channel) = options.defaults.channel
    {
        crate::commands::data::warn_unknown_keys(
            printer,
            options.defaults.data.as_ref(),
            channel,
            &[ty.as_str()],
            settings.release,
        );
    }
    no_template_anywhere(&options)?;
    let mut presenter = Presenter::new(printer, args.dry_run);
    if args.dry_run {
        let summary = batch::dry_run(&options, &settings, &mut presenter)?;
        print_dry_summary(printer, &summary);
        builtin_note(printer, &summary.builtin, &settings);
        return Ok(exit::of_dry_run(&summary));
    }
    if let Ok(Route::Smtp) = settings.route(crate::message::Channel::Email)
        && let Some(w) = settings.smtp().ok().and_then(|s| s.client_cert_warning())
    {
        printer.note(&w);
    }
    let sent = batch::send(&options, &settings, &loaded.redactor, &mut presenter)?;
    print_summary(printer, &sent.summary);
    builtin_note(printer, &sent.builtin, &settings);
    if sent.summary.interrupted && printer.gone() {
        printer.note(
            "courier: the output was closed, so the batch stopped: rerun the same command to resume",
        );
    }
    match sent.stopped {
        Some(stopped) => Err(stopped.into()),
        None => Ok(exit::of_batch(&sent.summary)),
    }
}

/// Refuses, before any journal exists, a batch that can never send: no
/// `--template` and no row that names a template type. The input is read
/// up to the first row that names one (standard input cannot be read
/// twice: its rows are judged one by one).
fn no_template_anywhere(options: &batch::Options) -> anyhow::Result<()> {
    if options.defaults.template.is_some() || options.input == std::path::Path::new("-") {
        return Ok(());
    }
    let Ok((input, format)) = batch::recipients::open(&options.input) else {
        // Unreadable: the batch itself says so.
        return Ok(());
    };
    let name = crate::input::name_of(&options.input);
    let mut rows = 0u64;
    for row in batch::recipients::rows(input, format, &name).filter_map(Result::ok) {
        if row.template.is_some() {
            return Ok(());
        }
        rows += 1;
    }
    if rows == 0 {
        return Ok(());
    }
    Err(
        Usage::new("no template type: no --template, and no row names one")
            .hint("give --template TYPE, or a `template` column (CSV) or key (JSON Lines)")
            .into(),
    )
}

/// Says which types went out in courier's wording (its built-ins).
fn builtin_note(printer: &Printer, types: &[String], settings: &crate::config::settings::Settings) {
    if !types.is_empty() {
        let types: Vec<&str> = types.iter().map(String::as_str).collect();
        printer.note(&crate::message::builtin::notice(&types, settings.release));
    }
}

/// Progress, result lines and failures of a run.
struct Presenter<'p> {
    printer: &'p Printer,
    dry_run: bool,
    progress: Progress,
    started: Instant,
    shown_failures: u64,
}

impl<'p> Presenter<'p> {
    fn new(printer: &'p Printer, dry_run: bool) -> Self {
        Self {
            printer,
            dry_run,
            progress: Progress::hidden(),
            started: Instant::now(),
            shown_failures: 0,
        }
    }

    /// A line on stderr, above the progress display.
    fn above(&self, text: &str) {
        let printer = self.printer;
        self.progress.suspend_for(|| printer.diag(text));
    }

    /// The human form of an event, if it has one (on stderr).
    fn human(&mut self, event: &Event) {
        let p = self.printer.stderr_paint();
        match event {
            Event::Bad { line, message } => {
                self.above(&format!(
                    "courier: {} line {line}: {}",
                    p.paint("bad row:", Role::Error),
                    escape_controls(message)
                ));
            }
            Event::Abandoned { job, error, .. } if self.shown_failures < SHOWN_FAILURES => {
                self.shown_failures += 1;
                self.above(&format!(
                    "courier: {} line {} {} after {} attempt{}: {}",
                    p.paint("abandoned:", Role::Error),
                    job.id,
                    escape_controls(&job.row.recipient),
                    job.tries,
                    if job.tries == 1 { "" } else { "s" },
                    escape_controls(error)
                ));
            }
            Event::Uncertain { job, error } => {
                self.above(&format!(
                    "courier: {} line {} {}: {} (not sent again by itself; --resend-uncertain)",
                    p.paint("uncertain:", Role::Warning),
                    job.id,
                    escape_controls(&job.row.recipient),
                    escape_controls(error)
                ));
            }
            _ => {}
        }
    }
}

/// The JSON line of an event.
fn json_line(event: &Event) -> String {
    let r = match event {
        Event::Sent { job, reply } => RowResult::job(job, "sent", reply.as_deref()),
        Event::Abandoned { job, reply, error } => RowResult {
            error: Some(error),
            ..RowResult::job(job, "abandoned", reply.as_deref())
        },
        Event::Skipped {
            id,
            row,
            attempts,
            reason,
        } => RowResult {
            attempts: Some(*attempts),
            reason: Some(reason.as_str()),
            ..RowResult::row(*id, row, "skipped")
        },
        Event::Bad { line, message } => RowResult {
            kind: "result",
            line: *line,
            recipient: None,
            template_type: None,
            channel: None,
            status: "bad-row",
            attempts: None,
            reply: None,
            reason: None,
            error: Some(message),
        },
        Event::Rendered { line, row } => RowResult::row(*line, row, "ok"),
        Event::Uncertain { job, error } => RowResult {
            error: Some(error),
            ..RowResult::job(job, "uncertain", None)
        },
    };
    serde_json::to_string(&r).unwrap_or_default()
}

impl batch::Presenter for Presenter<'_> {
    fn wants_total(&self) -> bool {
        self.printer.shows_progress()
    }

    fn start(&mut self, total: Option<u64>) {
        self.started = Instant::now();
        self.progress = if self.dry_run {
            self.printer.progress("dry run:")
        } else {
            self.printer.progress_bar(total)
        };
    }

    fn events(&mut self, events: Vec<Event>) {
        if !self.printer.json_mode() {
            for e in &events {
                self.human(e);
            }
            return;
        }
        let mut text = String::new();
        for e in &events {
            text.push_str(&json_line(e));
            text.push('\n');
        }
        self.printer.out_raw(&text);
    }

    fn progress(&mut self, c: &Counts, retrying: usize) {
        if self.dry_run {
            self.progress.set(c.rows);
            if c.bad > 0 {
                self.progress.message(format!("{} bad", c.bad));
            }
            return;
        }
        let done =
            c.sent + c.abandoned + c.bad + c.skipped_sent + c.skipped_abandoned + c.uncertain;
        self.progress.set(done);
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let mut text = format!(
            "{} sent, {} abandoned, {retrying} retrying",
            c.sent, c.abandoned
        );
        if c.bad > 0 {
            text.push_str(&format!(", {} bad", c.bad));
        }
        text.push_str(&format!(" · {:.0}/s", c.sent as f64 / secs));
        self.progress.message(text);
    }

    fn gone(&self) -> bool {
        self.printer.gone()
    }

    fn finish(&mut self) {
        self.progress.finish();
    }
}

fn print_dry_summary(printer: &Printer, s: &DrySummary) {
    if printer.json_mode() {
        printer.json_line(s);
        return;
    }
    let p = printer.stdout_paint();
    let verdict = if s.bad == 0 {
        p.paint("ok", Role::Success)
    } else {
        p.paint("bad rows", Role::Error)
    };
    printer.out(&format!(
        "dry run {verdict}: {} rows, {} would be sent, {} bad{}; nothing was sent",
        s.rows,
        s.ok,
        s.bad,
        if s.stopped {
            " (stopped at the first bad row)"
        } else {
            ""
        }
    ));
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn print_summary(printer: &Printer, s: &Summary) {
    if printer.json_mode() {
        printer.json_line(s);
        return;
    }
    let c = &s.counts;
    let p = printer.stdout_paint();
    let role = if c.abandoned + c.bad == 0 && !s.stopped && !s.interrupted {
        Role::Success
    } else {
        Role::Warning
    };
    let mut text = format!(
        "{} {} in {:.1} s ({}/s); {} abandoned, {}, {}",
        p.paint("sent", role),
        plural(c.sent, "message", "messages"),
        s.elapsed_ms as f64 / 1000.0,
        s.rate,
        c.abandoned,
        plural(c.bad, "bad row", "bad rows"),
        plural(c.retries, "retry", "retries"),
    );
    if c.skipped_sent + c.skipped_abandoned + c.uncertain > 0 {
        text.push_str(&format!(
            "\nskipped: {} sent before, {} abandoned before (--retry-abandoned sends them), {} uncertain (--resend-uncertain sends them)",
            c.skipped_sent, c.skipped_abandoned, c.uncertain
        ));
    }
    if c.queued + c.unread > 0 {
        let unread = if c.unread > 0 {
            format!(" ({} of them not read from the input yet)", c.unread)
        } else {
            String::new()
        };
        text.push_str(&format!(
            "\n{} left queued{unread}: rerun the same command to resume",
            c.queued + c.unread
        ));
    }
    if s.interrupted {
        text.push_str("\ninterrupted: rerun the same command to resume");
    }
    if !s.errors.is_empty() {
        text.push_str("\nerrors by cause:");
        for e in s.errors.iter().take(CAUSES) {
            text.push_str(&format!(
                "\n  {:>6} × {} (first: line {})",
                e.count,
                escape_controls(&e.error),
                e.first_line
            ));
        }
    }
    text.push_str(&format!("\njournal: {}", s.journal));
    printer.out(&text);
}
