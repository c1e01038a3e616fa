//! `courier log`: the delivery journal of a batch, like the Ory Console's
//! Email Delivery page: a table of messages, or one message with every
//! attempt.

use std::path::PathBuf;

use crate::cli::{Format, GlobalArgs, LogArgs, StatusArg};
use crate::diag::{Paint, Role};
use crate::exit::{ExitStatus, fail};
use crate::journal::{Filter, Journal, Message, Status};
use crate::output::Printer;

/// Runs the command.
pub fn run(_global: &GlobalArgs, args: &LogArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let path = match &args.journal {
        Some(p) => p.clone(),
        None => find_journal()?,
    };
    let journal = Journal::open_existing(&path)
        .map_err(|e| fail(ExitStatus::NoInput, e.to_string(), None))?;
    if let Some(id) = args.id {
        let msg = journal
            .get(id)
            .map_err(|e| fail(ExitStatus::NoInput, e.to_string(), None))?
            .ok_or_else(|| {
                fail(
                    ExitStatus::NoInput,
                    format!("no message {id} in {}", path.display()),
                    Some("the id is the row's line in the batch input; `courier log` lists them"),
                )
            })?;
        if printer.format == Format::Json {
            printer.json(&msg);
        } else {
            printer.out(&detail(&msg, printer));
        }
        return Ok(ExitStatus::Success);
    }
    let filter = Filter {
        status: args.status.map(|s| match s {
            StatusArg::Queued => Status::Queued,
            StatusArg::Processing => Status::Processing,
            StatusArg::Sent => Status::Sent,
            StatusArg::Abandoned => Status::Abandoned,
        }),
        recipient: args.recipient.clone(),
    };
    let list = journal
        .list(&filter)
        .map_err(|e| fail(ExitStatus::NoInput, e.to_string(), None))?;
    if printer.format == Format::Json {
        printer.json(&list);
    } else {
        printer.out(&table(&list, printer));
        let mut counts = [0u64; 4];
        for m in &list {
            counts[m.status as usize] += 1;
        }
        printer.note(&format!(
            "{} message{}: {} queued, {} processing, {} sent, {} abandoned",
            list.len(),
            if list.len() == 1 { "" } else { "s" },
            counts[Status::Queued as usize],
            counts[Status::Processing as usize],
            counts[Status::Sent as usize],
            counts[Status::Abandoned as usize],
        ));
    }
    Ok(ExitStatus::Success)
}

/// The only `*.courier.db` in the current directory.
fn find_journal() -> anyhow::Result<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(".")
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().ends_with(".courier.db"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(fail(
            ExitStatus::NoInput,
            "no journal (*.courier.db) in the current directory",
            Some("give one with --journal PATH; `send --batch FILE` writes FILE.courier.db"),
        )),
        _ => Err(fail(
            ExitStatus::Usage,
            format!(
                "several journals here: {}",
                found
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some("pick one with --journal PATH"),
        )),
    }
}

fn paint_status(status: Status, p: &impl Paint) -> String {
    let text = format!("{:<10}", status.as_str());
    match status {
        Status::Sent => p.paint(&text, Role::Success),
        Status::Abandoned => p.paint(&text, Role::Error),
        Status::Processing => p.paint(&text, Role::Warning),
        Status::Queued => text,
    }
}

fn table(list: &[Message], printer: &Printer) -> String {
    let p = printer.stdout_paint();
    let width =
        |f: &dyn Fn(&Message) -> usize, min: usize| list.iter().map(f).max().unwrap_or(0).max(min);
    let wid = width(&|m| m.id.to_string().len(), 2);
    let wrcpt = width(&|m| m.recipient.chars().count(), 9).min(40);
    let wty = width(&|m| m.template_type.len(), 8);
    let mut out = format!(
        "{:<wid$}  {:<10}  {:>8}  {:<wrcpt$}  {:<wty$}  {:<20}  LAST ERROR",
        "ID", "STATUS", "ATTEMPTS", "RECIPIENT", "TEMPLATE", "UPDATED"
    );
    for m in list {
        out.push('\n');
        out.push_str(&format!(
            "{:<wid$}  {}  {:>8}  {:<wrcpt$}  {:<wty$}  {:<20}  {}",
            m.id,
            paint_status(m.status, &p),
            m.send_count,
            m.recipient,
            m.template_type,
            m.updated_at,
            m.last_error.as_deref().unwrap_or("")
        ));
    }
    out
}

fn detail(m: &Message, printer: &Printer) -> String {
    let p = printer.stdout_paint();
    let mut out = format!(
        "message {}\n  status:     {}\n  channel:    {}\n  recipient:  {}\n  template:   {}\n  attempts:   {}\n  created:    {}\n  updated:    {}",
        m.id,
        paint_status(m.status, &p).trim_end(),
        m.kind,
        m.recipient,
        m.template_type,
        m.send_count,
        m.created_at,
        m.updated_at
    );
    if let Some(e) = &m.last_error {
        out.push_str(&format!("\n  last error: {e}"));
    }
    let dispatches = m.dispatches.as_deref().unwrap_or_default();
    if dispatches.is_empty() {
        out.push_str("\n  no attempt recorded");
    }
    for d in dispatches {
        let verdict = if d.status == "success" {
            p.paint("success", Role::Success)
        } else {
            p.paint("failed", Role::Error)
        };
        out.push_str(&format!(
            "\n  attempt {} at {}: {verdict} in {:.0} ms",
            d.attempt, d.created_at, d.ms
        ));
        if let Some(r) = &d.reply {
            out.push_str(&format!("\n    reply: {r}"));
        }
        if let Some(e) = &d.error {
            out.push_str(&format!("\n    error: {e}"));
        }
    }
    out
}
