//! `courier send --batch FILE`: rows of recipients, streamed from CSV or
//! JSON Lines. `--dry-run` renders every message and validates every
//! recipient without sending (here); sending, with workers, retries and the
//! journal, is in [`deliver`].

mod compose;
mod deliver;
mod worker;

use serde::Serialize;

use crate::cli::{Format, GlobalArgs, OnBadRow, SendArgs};
use crate::diag::{Paint, Role};
use crate::exit::{ExitStatus, fail};
use crate::output::Printer;
use crate::recipients;

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
    pub reply: Option<String>,
    /// Why a row was skipped (sending only): `sent-before`,
    /// `abandoned-before` or `uncertain`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    pub error: Option<String>,
}

/// The last JSON line.
#[derive(Debug, Serialize)]
pub struct Summary {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub dry_run: bool,
    pub rows: u64,
    pub ok: u64,
    pub bad: u64,
    pub stopped: bool,
}

/// Runs the command.
pub fn run(
    global: &GlobalArgs,
    args: &SendArgs,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    let Some(path) = &args.batch else {
        return Err(fail(ExitStatus::Usage, "--batch FILE is needed", None));
    };
    let loaded = super::load_usable(global, printer, &|p| {
        p.starts_with("courier") && !p.starts_with("courier.templates")
    })?;
    let (input, format) = open_input(path)?;
    let defaults = args
        .data
        .as_deref()
        .map(super::render::read_data)
        .transpose()?;
    if !args.dry_run {
        return deliver::run(
            &loaded,
            args,
            path,
            input,
            format,
            defaults.as_ref(),
            printer,
        );
    }
    let settings = compose::Settings::new(&loaded);
    let mut composer = compose::Composer::new(&loaded, &settings);
    let (mut rows, mut ok, mut bad, mut stopped) = (0u64, 0u64, 0u64, false);
    let progress = printer.progress("dry run:");
    for item in recipients::rows(input, format) {
        rows += 1;
        progress.inc();
        let outcome = item.map_err(|b| (b.line, b.message)).and_then(|row| {
            let line = row.line;
            compose::resolve(&row, args, defaults.as_ref())
                .and_then(|r| composer.compose(&r, 0, "dry-run").map(|_| r))
                .map(|r| (line, r))
                .map_err(|m| (line, m))
        });
        match outcome {
            Ok((line, r)) => {
                ok += 1;
                if printer.format == Format::Json {
                    printer.json_line(&RowResult {
                        kind: "result",
                        line,
                        recipient: Some(&r.recipient),
                        template_type: Some(&r.ty),
                        channel: Some(r.channel.as_str()),
                        status: "ok",
                        attempts: None,
                        reply: None,
                        reason: None,
                        error: None,
                    });
                }
            }
            Err((line, message)) => {
                bad += 1;
                progress.message(format!("{bad} bad"));
                progress.suspend_for(|| report_bad(printer, line, &message));
                if args.on_bad_row == OnBadRow::Stop {
                    stopped = true;
                    break;
                }
            }
        }
    }
    progress.finish();
    let summary = Summary {
        kind: "summary",
        dry_run: true,
        rows,
        ok,
        bad,
        stopped,
    };
    if printer.format == Format::Json {
        printer.json_line(&summary);
    } else {
        let p = printer.stdout_paint();
        let verdict = if bad == 0 {
            p.paint("ok", Role::Success)
        } else {
            p.paint("bad rows", Role::Error)
        };
        printer.out(&format!(
            "dry run {verdict}: {rows} rows, {ok} would be sent, {bad} bad{}; nothing was sent",
            if stopped {
                " (stopped at the first bad row)"
            } else {
                ""
            }
        ));
    }
    Ok(if bad == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::DataErr
    })
}

impl RowResult<'_> {
    /// The line of a row that cannot be used.
    fn bad(line: u64, message: &str) -> Self {
        Self {
            kind: "result",
            line,
            recipient: None,
            template_type: None,
            channel: None,
            status: "bad-row",
            attempts: None,
            reply: None,
            reason: None,
            error: Some(message.to_owned()),
        }
    }
}

fn report_bad(printer: &Printer, line: u64, message: &str) {
    if printer.format == Format::Json {
        printer.json_line(&RowResult::bad(line, message));
    } else {
        let p = printer.stderr_paint();
        printer.diag(&format!(
            "courier: {} line {line}: {message}",
            p.paint("bad row:", Role::Error)
        ));
    }
}

/// Opens the batch input (`-` is standard input, its format sniffed).
fn open_input(
    path: &std::path::Path,
) -> anyhow::Result<(Box<dyn std::io::Read>, recipients::Format)> {
    if path.as_os_str() == "-" {
        return recipients::sniff(Box::new(std::io::stdin())).map_err(|e| {
            fail(
                ExitStatus::NoInput,
                format!("cannot read standard input: {e}"),
                None,
            )
        });
    }
    let file = std::fs::File::open(path).map_err(|e| {
        fail(
            ExitStatus::NoInput,
            format!("cannot read {}: {e}", path.display()),
            None,
        )
    })?;
    Ok((
        Box::new(file),
        recipients::format_of(&path.display().to_string()),
    ))
}
